"""The Spotify emulator: OAuth with PKCE and rotation, limits, faults, wire shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio

from playlist_interop.errors import AuthError
from playlist_interop.providers.auth import OAuthClient, OAuthSession, PkcePair, generate_state
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.spotify import SpotifyEmulator

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[SpotifyEmulator]:
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS, client_ids=["cid"]) as emu:
        yield emu


@pytest_asyncio.fixture
async def api(emulator: SpotifyEmulator) -> AsyncIterator[httpx.AsyncClient]:
    token = emulator.issue_token()
    headers = {"Authorization": f"Bearer {token.access_token}"}
    async with httpx.AsyncClient(base_url=emulator.api_url + "/", headers=headers) as client:
        yield client


async def authorize(emulator: SpotifyEmulator, client: OAuthClient, pkce: PkcePair) -> str:
    state = generate_state()
    url = client.authorization_url(state=state, pkce=pkce)
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["state"] == state
    return query["code"]


async def test_pkce_login_refresh_rotation(emulator: SpotifyEmulator) -> None:
    config = SpotifyProvider.oauth_config(
        client_id="cid", redirect_uri=REDIRECT, auth_url=emulator.auth_url
    )
    saved = []

    async def saver(token: object) -> None:
        saved.append(token)

    async with OAuthClient(config) as client:
        pkce = PkcePair.generate()
        code = await authorize(emulator, client, pkce)
        token = await client.exchange_code(code, code_verifier=pkce.verifier)
        assert token.refresh_token
        assert set(token.scope) == set(SpotifyProvider.default_scopes)
        # A code is single use.
        with pytest.raises(AuthError, match="invalid_grant"):
            await client.exchange_code(code, code_verifier=pkce.verifier)
        session = OAuthSession(client, token, saver=saver)
        async with SpotifyProvider(credentials=session, api_url=emulator.api_url) as provider:
            assert (await provider.current_user()).id == emulator.user_id
            await session.refresh()
            rotated = session.token
            assert rotated.refresh_token != token.refresh_token
            assert saved == [rotated]
            # The old refresh token was revoked by the rotation.
            with pytest.raises(AuthError, match="Refresh token revoked"):
                await client.refresh(token)
            assert (await provider.current_user()).id == emulator.user_id


async def test_wrong_verifier_and_bad_authorize_requests(emulator: SpotifyEmulator) -> None:
    config = SpotifyProvider.oauth_config(
        client_id="cid", redirect_uri=REDIRECT, auth_url=emulator.auth_url
    )
    async with OAuthClient(config) as client:
        code = await authorize(emulator, client, PkcePair.generate())
        with pytest.raises(AuthError, match="code_verifier was incorrect"):
            await client.exchange_code(code, code_verifier=PkcePair.generate().verifier)
    async with httpx.AsyncClient(base_url=emulator.auth_url) as browser:
        plain = await browser.get(
            "/authorize",
            params={
                "client_id": "cid",
                "response_type": "code",
                "redirect_uri": REDIRECT,
                "code_challenge": "x" * 43,
                "code_challenge_method": "plain",
            },
        )
        assert plain.status_code == 400
        unknown = await browser.get(
            "/authorize", params={"client_id": "other", "redirect_uri": REDIRECT}
        )
        assert unknown.status_code == 400


async def test_page_limits_match_the_reference(
    emulator: SpotifyEmulator, api: httpx.AsyncClient
) -> None:
    ids = list(emulator.tracks)
    pid = emulator.add_playlist("p", ids)
    assert (
        await api.get("search", params={"q": "a", "type": "track", "limit": 11})
    ).status_code == 400
    assert (
        await api.get("search", params={"q": "a", "type": "track", "limit": 10})
    ).status_code == 200
    assert (await api.get(f"playlists/{pid}/items", params={"limit": 51})).status_code == 400
    assert (await api.get("me/playlists", params={"limit": 51})).status_code == 400
    too_many = {"uris": [f"spotify:track:{ids[0]}"] * 101}
    response = await api.post(f"playlists/{pid}/items", json=too_many)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"status": 400, "message": "You can add a maximum of 100 tracks per request."}
    }
    response = await api.get("tracks", params={"ids": ",".join([ids[0]] * 51)})
    assert response.json()["error"]["message"] == "Too many ids requested"
    # Endpoints removed in February 2026.
    assert (await api.get(f"playlists/{pid}/tracks")).status_code == 403
    assert (await api.post("users/emulator-user/playlists", json={"name": "x"})).status_code == 403


async def test_wire_shape_of_playlist_items(
    emulator: SpotifyEmulator, api: httpx.AsyncClient
) -> None:
    ids = list(emulator.tracks)
    pid = emulator.add_playlist("p", ids[:2])
    emulator.add_local_file(pid, title="Demo", artist="Me", album="Tapes", duration_ms=61000)
    emulator.add_null_item(pid)
    body = (await api.get(f"playlists/{pid}/items", params={"limit": 2})).json()
    assert set(body) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert body["total"] == 4
    assert body["next"].startswith(emulator.api_url + f"/playlists/{pid}/items?offset=2&limit=2")
    first = body["items"][0]
    assert set(first) >= {"added_at", "added_by", "is_local", "item"}
    assert "track" not in first
    assert first["item"]["external_ids"]["isrc"] == DEFAULT_SEED_TRACKS[0].isrc
    rest = (await api.get(body["next"])).json()["items"]
    assert rest[0]["is_local"] is True
    assert rest[0]["item"]["id"] is None
    assert rest[0]["item"]["uri"] == "spotify:local:Me:Tapes:Demo:61"
    assert rest[1]["item"] is None
    listed = (await api.get("me/playlists")).json()["items"][0]
    assert listed["items"] == {"href": emulator.api_url + f"/playlists/{pid}/items", "total": 4}


async def test_faults_and_expiry(emulator: SpotifyEmulator, api: httpx.AsyncClient) -> None:
    emulator.faults.rate_limit(2, retry_after=7)
    emulator.faults.server_error(1, status=502)
    for _ in range(2):
        limited = await api.get("me")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "7"
    assert (await api.get("me")).status_code == 502
    assert (await api.get("me")).status_code == 200
    emulator.faults.malformed()
    with pytest.raises(json.JSONDecodeError):
        (await api.get("me")).json()
    emulator.faults.truncated()
    with pytest.raises(httpx.RemoteProtocolError):
        await api.get("me")
    emulator.tokens.expire_access_tokens()
    expired = await api.get("me")
    assert expired.status_code == 401
    assert expired.json() == {"error": {"status": 401, "message": "The access token expired"}}
    assert emulator.faults.pending == 0


async def test_request_log_keeps_no_credentials(
    emulator: SpotifyEmulator, api: httpx.AsyncClient
) -> None:
    await api.get("me")
    assert emulator.requests[-1].authorized is True
    logged = repr(emulator.requests)
    for token in emulator.tokens.issued:
        assert token not in logged
    assert emulator.request_count("GET", "/v1/me") == 1


async def test_server_side_rate_limit_answers_429_with_retry_after() -> None:
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS, rate_limit=0.5, rate_burst=2) as emu:
        token = emu.issue_token()
        headers = {"Authorization": f"Bearer {token.access_token}"}
        async with httpx.AsyncClient(base_url=emu.api_url + "/", headers=headers) as api:
            statuses = [(await api.get("me")).status_code for _ in range(3)]
            refused = await api.get("me")
        assert statuses == [200, 200, 429]
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 2
        assert emu.rate_limited == 2
        # The accounts service is not rate limited.
        async with httpx.AsyncClient(base_url=emu.auth_url) as accounts:
            assert (await accounts.post("/api/token", data={})).status_code == 400


async def test_a_paced_client_is_never_refused() -> None:
    from playlist_interop.providers import RequestBudget, set_testing

    set_testing(False)
    try:
        # The client paces itself a little under the server's limit: with equal rates,
        # scheduling jitter on a loaded machine bunches requests past the server's burst.
        async with SpotifyEmulator(DEFAULT_SEED_TRACKS, rate_limit=40, rate_burst=4) as emu:
            pid = emu.add_playlist("Paced", list(emu.tracks) * 30)  # 240 entries, 5 pages
            token = emu.issue_token()
            budget = RequestBudget(per_second=30, burst=2)
            async with SpotifyProvider(
                access_token=token.access_token, api_url=emu.api_url, budget=budget
            ) as spotify:
                for _ in range(4):
                    assert len((await spotify.get_playlist(pid)).tracks) == 240
            assert emu.rate_limited == 0
            assert emu.request_count("GET") == 4 * 4
    finally:
        set_testing(True)


async def test_isrc_search_uses_the_index() -> None:
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS) as emu:
        token = emu.issue_token()
        headers = {"Authorization": f"Bearer {token.access_token}"}
        async with httpx.AsyncClient(base_url=emu.api_url + "/", headers=headers) as api:
            found = await api.get("search", params={"q": "isrc:qzaaa2100003", "type": "track"})
            mixed = await api.get(
                "search", params={"q": "isrc:QZAAA2100003 track:Velvet", "type": "track"}
            )
            wrong = await api.get(
                "search", params={"q": "isrc:QZAAA2100003 artist:Nobody", "type": "track"}
            )
        assert [t["name"] for t in found.json()["tracks"]["items"]] == ["Velvet Static"]
        assert [t["name"] for t in mixed.json()["tracks"]["items"]] == ["Velvet Static"]
        assert wrong.json()["tracks"]["items"] == []
