"""The whole mobile sign-in, offline, against the library's Spotify emulator, with every
request and response checked against openapi.yaml."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import sqlalchemy as sa

from playlist_interop.providers.auth import PkcePair
from playlist_service import keys
from playlist_service.store.tables import metadata
from tests.service.conftest import APP_REDIRECT
from tests.service.contract import ContractClient


async def _consent(authorization_url: str) -> str:
    """Play the browser at the provider: return where the provider redirects to."""
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(authorization_url, allow_redirects=False) as response,
    ):
        assert response.status == 302, await response.text()
        return response.headers["Location"]


async def start(
    service: ContractClient,
    pkce: PkcePair,
    *,
    provider: str = "spotify",
    token: str | None = None,
) -> dict[str, str]:
    response = await service.post(
        "/auth/mobile/authorize",
        json={
            "provider": provider,
            "code_challenge": pkce.challenge,
            "redirect_uri": APP_REDIRECT,
            "device_name": "Pixel 9",
        },
        token=token,
    )
    assert response.status == 201, response.body
    body: dict[str, str] = response.json()
    return body


async def sign_in(
    service: ContractClient,
    provider: str = "spotify",
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """Run the flow and return the token response (with ``token``: link to that user)."""
    pkce = PkcePair.generate()
    started = await start(service, pkce, provider=provider, token=token)
    callback = await _consent(started["authorization_url"])
    parts = urlsplit(callback)
    back = await service.get(parts.path, params=dict(parse_qs_single(parts.query)))
    assert back.status == 302
    redeemed = await service.post(
        "/auth/redeem",
        json={"attempt_id": started["attempt_id"], "code_verifier": pkce.verifier},
        headers={"User-Agent": "PlaylistApp/2.0", **(headers or {})},
    )
    assert redeemed.status == 200, redeemed.body
    tokens: dict[str, str] = redeemed.json()
    return tokens


def parse_qs_single(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query).items()}


async def test_full_mobile_sign_in(service: ContractClient) -> None:
    pkce = PkcePair.generate()
    started = await start(service, pkce)
    attempt_id = started["attempt_id"]

    # The provider gets our own PKCE challenge and state, never the app's.
    auth_query = parse_qs_single(urlsplit(started["authorization_url"]).query)
    assert auth_query["code_challenge"] != pkce.challenge
    assert auth_query["code_challenge_method"] == "S256"
    assert auth_query["redirect_uri"].endswith("/auth/callback/spotify")

    status = await service.get(f"/auth/attempts/{attempt_id}")
    assert status.json()["status"] == "pending"

    callback = await _consent(started["authorization_url"])
    parts = urlsplit(callback)
    assert parts.path == "/auth/callback/spotify"
    back = await service.get(parts.path, params=parse_qs_single(parts.query))
    assert back.status == 302
    assert back.headers["Referrer-Policy"] == "no-referrer"
    location = back.headers["Location"]
    assert location.startswith(APP_REDIRECT + "?")
    returned = parse_qs_single(urlsplit(location).query)
    assert returned == {"attempt_id": attempt_id, "status": "complete"}  # nothing secret

    status = await service.get(f"/auth/attempts/{attempt_id}")
    assert status.json()["status"] == "complete"
    assert set(status.json()) <= {"attempt_id", "provider", "status", "expires_at", "error"}

    # Someone who only knows the attempt id gets nothing, and burns the attempt.
    thief = await service.post(
        "/auth/redeem",
        json={"attempt_id": attempt_id, "code_verifier": PkcePair.generate().verifier},
    )
    assert thief.status == 400
    assert thief.json()["code"] == "invalid-grant"
    late = await service.post(
        "/auth/redeem", json={"attempt_id": attempt_id, "code_verifier": pkce.verifier}
    )
    assert late.status == 409
    assert (await service.get(f"/auth/attempts/{attempt_id}")).json()["status"] == "failed"

    # A fresh attempt, redeemed by the app itself.
    tokens = await sign_in(service)
    assert tokens["token_type"] == "Bearer"
    me = await service.get("/me", token=tokens["access_token"])
    assert me.status == 200
    (account,) = me.json()["accounts"]
    assert account["provider"] == "spotify"
    assert account["display_name"] == "Emu Listener"
    assert "access_token" not in me.body.decode()

    sessions = await service.get("/auth/sessions", token=tokens["access_token"])
    (session,) = sessions.json()["sessions"]
    assert session["device_name"] == "Pixel 9"
    assert session["user_agent"] == "PlaylistApp/2.0"
    assert session["current"] is True


async def test_redeem_twice_and_callback_replay_fail(service: ContractClient) -> None:
    pkce = PkcePair.generate()
    started = await start(service, pkce)
    callback = await _consent(started["authorization_url"])
    parts = urlsplit(callback)
    params = parse_qs_single(parts.query)
    assert (await service.get(parts.path, params=params)).status == 302
    replay = await service.get(parts.path, params=params)
    assert replay.status == 409
    assert replay.json()["code"] == "attempt-used"
    unknown = await service.get(parts.path, params={**params, "state": "made-up"})
    assert unknown.status == 404
    body = {"attempt_id": started["attempt_id"], "code_verifier": pkce.verifier}
    assert (await service.post("/auth/redeem", json=body)).status == 200
    again = await service.post("/auth/redeem", json=body)
    assert again.status == 409


async def test_second_sign_in_reuses_the_user_and_linking_needs_the_same_user(
    service: ContractClient,
) -> None:
    first = await sign_in(service)
    second = await sign_in(service)
    assert first["user_id"] == second["user_id"]
    assert first["session_id"] != second["session_id"]
    listed = await service.get("/auth/sessions", token=second["access_token"])
    assert len(listed.json()["sessions"]) == 2


async def test_denied_consent_fails_the_attempt(service: ContractClient) -> None:
    pkce = PkcePair.generate()
    started = await start(service, pkce)
    callback = await _consent(started["authorization_url"])
    params = parse_qs_single(urlsplit(callback).query)
    denied = await service.get(
        "/auth/callback/spotify", params={"state": params["state"], "error": "access_denied"}
    )
    assert denied.status == 302
    assert "status=failed" in denied.headers["Location"]
    status = (await service.get(f"/auth/attempts/{started['attempt_id']}")).json()
    assert status == {**status, "status": "failed", "error": "access_denied"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"provider": "nowhere", "code_challenge": "a" * 43}, 404, "provider-not-configured"),
        (
            {"provider": "spotify", "code_challenge": "a" * 43, "redirect_uri": "https://evil/x"},
            400,
            "redirect-not-allowed",
        ),
    ],
)
async def test_bad_authorize_requests(
    service: ContractClient, body: dict[str, str], status: int, code: str
) -> None:
    response = await service.post("/auth/mobile/authorize", json=body)
    assert response.status == status
    assert response.json()["code"] == code


async def test_expired_attempt_cannot_be_redeemed(service: ContractClient) -> None:
    from playlist_service.store.tables import oauth_attempts, utcnow

    pkce = PkcePair.generate()
    started = await start(service, pkce)
    callback = await _consent(started["authorization_url"])
    parts = urlsplit(callback)
    await service.get(parts.path, params=parse_qs_single(parts.query))
    engine = service.app[keys.ENGINE]
    async with engine.begin() as conn:
        await conn.execute(sa.update(oauth_attempts).values(expires_at=utcnow()))
    status = await service.get(f"/auth/attempts/{started['attempt_id']}")
    assert status.json()["status"] == "expired"
    redeemed = await service.post(
        "/auth/redeem",
        json={"attempt_id": started["attempt_id"], "code_verifier": pkce.verifier},
    )
    assert redeemed.status == 400
    assert redeemed.json()["code"] == "attempt-expired"


async def test_refresh_logout_and_revocation_over_http(service: ContractClient) -> None:
    tokens = await sign_in(service)
    refreshed = await service.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200
    assert refreshed.headers["Cache-Control"] == "no-store"
    new = refreshed.json()
    reused = await service.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status == 401
    assert reused.json()["code"] == "refresh-token-reused"
    gone = await service.get("/me", token=new["access_token"])
    assert gone.status == 401
    assert gone.json()["code"] == "session-revoked"
    assert "invalid_token" in gone.headers["WWW-Authenticate"]

    a = await sign_in(service)
    b = await sign_in(service)
    revoked = await service.delete(f"/auth/sessions/{a['session_id']}", token=b["access_token"])
    assert revoked.status == 204
    assert (await service.get("/me", token=a["access_token"])).status == 401
    assert (await service.post("/auth/logout", token=b["access_token"])).status == 204
    assert (await service.get("/me", token=b["access_token"])).status == 401
    c = await sign_in(service)
    d = await sign_in(service)
    everyone = await service.delete(
        "/auth/sessions", token=c["access_token"], params={"keep_current": "true"}
    )
    assert everyone.json() == {"revoked": 1}
    assert (await service.get("/me", token=d["access_token"])).status == 401
    assert (await service.get("/me", token=c["access_token"])).status == 200


async def test_anonymous_and_garbage_tokens_get_401(service: ContractClient) -> None:
    missing = await service.get("/me", validate_request=False)  # breaks the contract on purpose
    assert missing.status == 401
    assert missing.json()["code"] == "missing-token"
    garbage = await service.get("/me", token="abc.def.ghi")
    assert garbage.status == 401
    assert garbage.json()["code"] == "invalid-token"


async def test_no_secret_reaches_the_database_or_the_logs(
    service: ContractClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = await sign_in(service)
    await service.get("/playlists/providers/spotify", token=tokens["access_token"])
    # every code, access token and refresh token the provider ever issued to us
    provider_secrets = list(service.emulator.tokens.issued)
    assert len(provider_secrets) >= 3
    engine = service.app[keys.ENGINE]
    dump = bytearray()
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if not await conn.run_sync(lambda c, n=table.name: sa.inspect(c).has_table(n)):
                continue
            for row in await conn.execute(sa.select(table)):
                for value in row:
                    dump += value if isinstance(value, bytes) else str(value).encode()
    secrets_seen = [tokens["access_token"], tokens["refresh_token"], *provider_secrets]
    for secret in secrets_seen:
        assert secret.encode() not in dump
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets_seen:
        assert secret not in logged


async def test_link_a_second_provider_then_unlink(service: ContractClient) -> None:
    spotify = await sign_in(service)
    user_id = spotify["user_id"]
    linked = await sign_in(service, provider="tidal", token=spotify["access_token"])
    assert linked["user_id"] == user_id  # linked to the signed-in user, not a new one
    me = (await service.get("/me", token=spotify["access_token"])).json()
    assert sorted(a["provider"] for a in me["accounts"]) == ["spotify", "tidal"]
    tidal_playlists = await service.get("/playlists/providers/tidal", token=linked["access_token"])
    assert [p["name"] for p in tidal_playlists.json()["items"]] == ["Tidal picks"]

    spotify_account = next(a for a in me["accounts"] if a["provider"] == "spotify")
    unlinked = await service.delete(
        f"/me/accounts/{spotify_account['id']}", token=spotify["access_token"]
    )
    assert unlinked.status == 204
    me = (await service.get("/me", token=spotify["access_token"])).json()
    assert [a["provider"] for a in me["accounts"]] == ["tidal"]
    gone = await service.get("/playlists/providers/spotify", token=spotify["access_token"])
    assert gone.status == 404
    assert gone.json()["code"] == "provider-not-linked"
    # signing in with TIDAL alone now finds the same user
    assert (await sign_in(service, provider="tidal"))["user_id"] == user_id


async def test_an_account_linked_to_someone_else_is_not_moved(service: ContractClient) -> None:
    owner = await sign_in(service, provider="tidal")
    other = await sign_in(service)  # a Spotify user: another service user
    assert other["user_id"] != owner["user_id"]
    pkce = PkcePair.generate()
    started = await start(service, pkce, provider="tidal", token=other["access_token"])
    callback = await _consent(started["authorization_url"])
    parts = urlsplit(callback)
    back = await service.get(parts.path, params=parse_qs_single(parts.query))
    assert "status=failed" in back.headers["Location"]
    status = (await service.get(f"/auth/attempts/{started['attempt_id']}")).json()
    assert status["error"] == "account-linked-elsewhere"
    me = (await service.get("/me", token=owner["access_token"])).json()
    assert [a["provider"] for a in me["accounts"]] == ["tidal"]


async def test_device_ip_comes_from_trusted_proxies_only(service: ContractClient) -> None:
    proxied = await sign_in(service, headers={"X-Forwarded-For": "203.0.113.9"})
    sessions = (await service.get("/auth/sessions", token=proxied["access_token"])).json()
    current = next(s for s in sessions["sessions"] if s["current"])
    assert current["ip"] == "203.0.113.9"
    direct = await sign_in(service)
    sessions = (await service.get("/auth/sessions", token=direct["access_token"])).json()
    current = next(s for s in sessions["sessions"] if s["current"])
    assert current["ip"] == "127.0.0.1"
