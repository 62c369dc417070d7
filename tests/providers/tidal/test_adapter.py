"""The TIDAL adapter: recorded JSON:API documents, the emulator, OAuth 2.1 rotation, errors."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from playlist_interop.errors import AuthError, NotFound, ProviderError, RateLimited
from playlist_interop.model import Track
from playlist_interop.providers._http import RetryPolicy, set_testing
from playlist_interop.providers._protocol import TrackQuery
from playlist_interop.providers.auth import OAuthClient, OAuthSession, OAuthToken, PkcePair
from playlist_interop.providers.tidal import TidalProvider, oauth_config, parse_duration
from playlist_interop.providers.tidal._map import map_track
from playlist_interop.testing.emulators.tidal import TidalEmulator
from playlist_interop.types import Isrc, ProviderPlaylistId, ProviderTrackId

from .conftest import RECORDED_GB, RECORDED_US, recorded_document, synthetic_tracks


def _resource_shape(resource: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    return (
        set(resource),
        set(resource.get("attributes", {})),
        set(resource.get("relationships", {})),
    )


# -- the recorded documents ----------------------------------------------------------------


@pytest.mark.parametrize("name", [RECORDED_US, RECORDED_GB])
def test_recorded_album_documents_map(shared_fixtures: Path, name: str) -> None:
    doc = recorded_document(shared_fixtures, name)
    album = doc.data[0]
    [item] = doc.related(album, "items")
    identifier = album.obj("relationships").obj("items").objects("data")[0]
    track = map_track(doc, item, identifier.opt_obj("meta"))
    assert track.title == "Die With A Smile"
    assert track.isrc == "USUM72409273"
    assert track.duration_ms == 252_000  # PT4M12S
    assert track.artist_names == ("Lady Gaga", "Bruno Mars")
    assert track.track_number == 1
    assert track.disc_number == 1
    assert track.provider_ids == {"tidal": "381265362"}
    assert track.locations == ("https://tidal.com/browse/track/381265362",)


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("PT4M12S", 252_000),
        ("PT1H2M3S", 3_723_000),
        ("PT45.5S", 45_500),
        ("P0D", 0),
        ("", None),
        ("4:12", None),
    ],
)
def test_iso_durations(value: str, ms: int | None) -> None:
    assert parse_duration(value) == ms


async def test_emulated_resources_have_the_recorded_shape(
    emulator: TidalEmulator, shared_fixtures: Path
) -> None:
    recorded = json.loads((shared_fixtures / RECORDED_US).read_text())
    by_type = {r["type"]: r for r in recorded["included"]}
    token = emulator.issue_token().access_token
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        answer = await client.get(
            f"{emulator.api_url}/tracks",
            params={"filter[isrc]": "USUM72409273", "countryCode": "US", "include": "artists"},
        )
    assert answer.headers["content-type"].startswith("application/vnd.api+json")
    body = answer.json()
    assert set(body) == {"data", "included", "links"}
    emulated_track = body["data"][0]
    assert _resource_shape(emulated_track) == _resource_shape(by_type["tracks"])
    emulated_artist = next(r for r in body["included"] if r["type"] == "artists")
    assert _resource_shape(emulated_artist) == _resource_shape(by_type["artists"])
    assert emulated_track["attributes"]["duration"] == "PT4M12S"


# -- Provider protocol against the emulator ------------------------------------------------


async def test_isrc_filter_and_user_market(
    provider: TidalProvider, emulator: TidalEmulator
) -> None:
    [found] = await provider.search_isrc(Isrc("USUM72409273"))
    assert found.title == "Die With A Smile"
    assert found.artist_names == ("Lady Gaga", "Bruno Mars")
    assert found.album is not None
    assert found.album.upc == "00602475093060"
    assert found.album.images[0].width == 1280
    lookups = [r for r in emulator.requests if r.path == "/v2/tracks"]
    assert lookups[0].query["filter[isrc]"] == "USUM72409273"
    assert lookups[0].query["countryCode"] == "GB"  # from /users/me
    assert await provider.search_isrc(Isrc("ZZZZZ0000000")) == []


async def test_get_tracks_batches_twenty_ids(
    provider: TidalProvider, emulator: TidalEmulator
) -> None:
    ids = [ProviderTrackId(str(50_000_000 + i)) for i in range(1, 46)]
    got = await provider.get_tracks([*ids, ProviderTrackId("1")])
    assert [t.provider_ids["tidal"] if t else None for t in got] == [*ids, None]
    assert emulator.request_count("GET", "/v2/tracks") == math.ceil(45 / 20)


async def test_text_search(provider: TidalProvider) -> None:
    found = await provider.search_text(TrackQuery(title="Die With A Smile", artist="Lady Gaga"))
    assert [t.isrc for t in found] == ["USUM72409273"]


async def test_playlist_life_cycle(provider: TidalProvider, emulator: TidalEmulator) -> None:
    ref = await provider.create_playlist("Mix", description="d", public=True)
    ids = [ProviderTrackId(str(50_000_000 + i)) for i in range(1, 46)]
    await provider.add_tracks(ref.id, ids)
    assert emulator.request_count("POST", f"/v2/playlists/{ref.id}/relationships/items") == 3
    playlist = await provider.get_playlist(ref.id)
    assert playlist.name == "Mix"
    assert playlist.public is True
    assert [t.provider_ids["tidal"] for t in playlist.tracks] == ids
    assert all("itemId" in t.extras["tidal"] for t in playlist.tracks)
    assert [s.name async for s in provider.iter_playlists()] == ["Mix"]

    await provider.add_tracks(ref.id, [ProviderTrackId("50000100")], position=1)
    await provider.remove_tracks(ref.id, [ids[0], ids[2]])
    await provider.reorder_tracks(ref.id, range_start=0, insert_before=3, range_length=2)
    got = emulator.playlist_track_ids(ref.id)
    # after add/remove: 100 2 4 5 6 ...; move [100 2] before index 3 ("5"): 4 100 2 5 6 ...
    assert got[:5] == [ids[3], "50000100", ids[1], ids[4], ids[5]]
    await provider.reorder_tracks(ref.id, range_start=0, insert_before=len(got))
    assert emulator.playlist_track_ids(ref.id)[-1] == ids[3]


@pytest.mark.slow  # 500 round trips: TIDAL pages hold 20 items
async def test_ten_thousand_items_in_minimal_cursor_pages(emulator: TidalEmulator) -> None:
    ids = [emulator.add_track(t) for t in synthetic_tracks(10_000, start=1000)]
    pid = emulator.add_playlist("big", ids)
    async with TidalProvider(
        access_token=emulator.issue_token().access_token,
        api_url=emulator.api_url,
        country_code="GB",
    ) as provider:
        count = 0
        async for _ in provider.iter_playlist_tracks(ProviderPlaylistId(pid)):
            count += 1
        assert count == 10_000
        assert provider.stats.requests == math.ceil(10_000 / 20)


async def test_unavailable_item_is_kept(provider: TidalProvider, emulator: TidalEmulator) -> None:
    pid = emulator.add_playlist("p", ["50000001", "50000002"])
    emulator.unavailable["GB"] = {"50000002"}
    tracks = [t async for t in provider.iter_playlist_tracks(ProviderPlaylistId(pid))]
    assert tracks[1].extras["tidal"]["unavailable"] is True
    assert tracks[1].provider_ids["tidal"] == "50000002"


# -- OAuth 2.1 -----------------------------------------------------------------------------


async def test_pkce_login_and_rotating_refresh(emulator: TidalEmulator) -> None:
    config = oauth_config(
        client_id="cli", redirect_uri="http://127.0.0.1:7777/cb", auth_url=emulator.auth_url
    )
    assert config.authorize_url == emulator.auth_url + "/authorize"
    client = OAuthClient(config)
    pkce = PkcePair.generate()
    url = client.authorization_url(state="st", pkce=pkce)
    async with httpx.AsyncClient() as browser:
        redirect = (await browser.get(url)).headers["location"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    token = await client.exchange_code(code, code_verifier=pkce.verifier)
    assert token.refresh_token
    saved: list[OAuthToken] = []

    async def saver(new: OAuthToken) -> None:
        saved.append(new)

    session = OAuthSession(client, token, saver=saver)
    async with TidalProvider(credentials=session, api_url=emulator.api_url) as provider:
        await provider.current_user()
        emulator.tokens.expire_access_tokens()
        provider._user = None  # force a second call with the expired token
        await provider.current_user()
    assert session.refreshes == 1
    assert saved[0].refresh_token != token.refresh_token  # rotated
    with pytest.raises(AuthError, match="revoked"):
        await client.refresh(token)  # the old refresh token is dead
    await client.aclose()


def test_default_oauth_endpoints() -> None:
    config = oauth_config(client_id="c", redirect_uri="http://127.0.0.1/cb")
    assert config.authorize_url == "https://login.tidal.com/authorize"
    assert config.token_url == "https://auth.tidal.com/v1/oauth2/token"


async def test_pkce_is_required(emulator: TidalEmulator) -> None:
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(
            emulator.auth_url + "/authorize",
            params={"client_id": "c", "redirect_uri": "http://x/cb", "response_type": "code"},
        )
    assert answer.status_code == 400


# -- errors --------------------------------------------------------------------------------


async def test_json_api_errors_are_typed(provider: TidalProvider) -> None:
    with pytest.raises(NotFound, match="NOT_FOUND"):
        await provider.get_playlist(ProviderPlaylistId("0000"))


async def test_bad_token_is_auth_error(emulator: TidalEmulator) -> None:
    async with TidalProvider(access_token="nope", api_url=emulator.api_url) as provider:
        with pytest.raises(AuthError):
            await provider.current_user()


async def test_rate_limit_storm_is_capped(emulator: TidalEmulator) -> None:
    emulator.faults.rate_limit(50, retry_after=20)
    async with TidalProvider(
        access_token=emulator.issue_token().access_token,
        api_url=emulator.api_url,
        retry=RetryPolicy(max_total_wait=60),
    ) as provider:
        with pytest.raises(RateLimited) as info:
            await provider.current_user()
    assert info.value.retry_after == 20


async def test_rate_limit_honours_retry_after(
    provider: TidalProvider, emulator: TidalEmulator
) -> None:
    emulator.faults.rate_limit(2, retry_after=3)
    await provider.current_user()
    assert provider.stats.waited == pytest.approx(6)


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
async def test_broken_bodies_are_provider_errors(
    provider: TidalProvider, emulator: TidalEmulator, kind: str
) -> None:
    getattr(emulator.faults, kind)(10, path="/v2/tracks")
    with pytest.raises(ProviderError):
        await provider.search_isrc(Isrc("USUM72409273"))


@pytest.mark.parametrize(
    "body",
    [
        {"data": 3},
        {"data": [{"id": "1"}]},
        {"data": [{"id": "1", "type": "tracks", "attributes": {"title": 5}}]},
        {"errors": []},
    ],
)
async def test_wrong_documents_are_provider_errors(body: dict[str, Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/users/me"):
            return httpx.Response(
                200, json={"data": {"id": "1", "type": "users", "attributes": {"country": "US"}}}
            )
        return httpx.Response(200, json=body)

    async with TidalProvider(
        access_token="t", api_url="http://tidal.test/v2", transport=httpx.MockTransport(handler)
    ) as provider:
        with pytest.raises(ProviderError):
            await provider.get_tracks([ProviderTrackId("1")])


def test_model_title_joins_version(shared_fixtures: Path) -> None:
    doc = recorded_document(shared_fixtures)
    item = doc.related(doc.data[0], "items")[0]
    data = dict(item.data)
    data["attributes"] = {**data["attributes"], "version": "Live"}
    from playlist_interop.providers._jsondoc import JsonObject

    track: Track = map_track(doc, JsonObject.of(data, provider="tidal"))
    assert track.title == "Die With A Smile (Live)"
    assert track.extras["tidal"]["version"] == "Live"


def test_token_expiry_is_read(emulator: TidalEmulator) -> None:
    token = emulator.issue_token()
    assert token.expires_at is not None
    assert token.expires_at > dt.datetime.now(dt.UTC)


async def test_a_v1_document_is_a_provider_error_not_a_crash(shared_fixtures: Path) -> None:
    """The legacy (v1-shaped) recording answered where a v2 document is expected."""
    legacy = (
        shared_fixtures / "matching/kellnerd+harmony/tidal_v1_album_130201923_items_GB.json"
    ).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=legacy, headers={"Content-Type": "application/json"})

    async with TidalProvider(
        access_token="t",
        api_url="http://tidal.test/v2",
        country_code="GB",
        transport=httpx.MockTransport(handler),
    ) as provider:
        with pytest.raises(ProviderError, match="malformed response"):
            await provider.get_tracks([ProviderTrackId("130201924")])
        with pytest.raises(ProviderError, match="malformed response"):
            [t async for t in provider.iter_playlist_tracks(ProviderPlaylistId("x"))]


async def test_token_expiry_mid_iteration_refreshes_and_continues(
    emulator: TidalEmulator,
) -> None:
    pid = emulator.add_playlist("long", [str(50_000_000 + i) for i in range(1, 101)])
    client = OAuthClient(
        oauth_config(
            client_id="cli", redirect_uri="http://127.0.0.1/cb", auth_url=emulator.auth_url
        )
    )
    saved: list[OAuthToken] = []

    async def saver(token: OAuthToken) -> None:
        saved.append(token)

    first = emulator.issue_token(client_id="cli")
    session = OAuthSession(client, first, saver=saver)
    async with TidalProvider(
        credentials=session, api_url=emulator.api_url, country_code="GB"
    ) as provider:
        seen = 0
        async for _ in provider.iter_playlist_tracks(ProviderPlaylistId(pid)):
            seen += 1
            if seen == 30:
                emulator.tokens.expire_access_tokens()
        assert seen == 100
    assert session.refreshes == 1
    assert saved[-1].refresh_token != first.refresh_token
    await client.aclose()


@given(st.integers(min_value=0, max_value=10 * 3600 * 1000))
def test_emulated_durations_round_trip(ms: int) -> None:
    from playlist_interop.testing.emulators._tidal import _iso_duration

    assert parse_duration(_iso_duration(ms)) == round(ms / 1000) * 1000


async def test_emulated_rate_limit_is_honoured(recorded_track: Track) -> None:
    set_testing(False)  # the emulator's limit runs on real time: really wait
    async with (
        TidalEmulator([recorded_track], rate_limit=4.0, rate_burst=2) as emulator,
        TidalProvider(
            access_token=emulator.issue_token().access_token,
            api_url=emulator.api_url,
            country_code="GB",
        ) as provider,
    ):
        for _ in range(3):
            assert await provider.search_isrc(Isrc("USUM72409273"))
        assert provider.stats.retries == emulator.rate_limited == 1
        assert provider.stats.waited == pytest.approx(1.0)  # Retry-After: 1
