"""The Deezer adapter against the loopback emulator: wire shapes, quirks, errors, batching."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from playlist_interop.errors import AuthError, NotFound, ProviderError, RateLimited
from playlist_interop.model import Track
from playlist_interop.providers._http import RetryPolicy
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._protocol import TrackQuery
from playlist_interop.providers.deezer import DeezerOAuth, DeezerProvider
from playlist_interop.providers.deezer._map import map_track
from playlist_interop.providers.deezer._wire import build_search_query, parse_token_response
from playlist_interop.testing.emulators.deezer import DeezerEmulator
from playlist_interop.types import DurationMs, Isrc, ProviderPlaylistId, ProviderTrackId

from .conftest import RECORDED, synthetic_tracks


def _keys(value: Any) -> Any:
    """The shape of a JSON value: keys of objects, recursively (first element of arrays)."""
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items() if k != "available_countries"}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return type(value).__name__ if not isinstance(value, int | float) else "number"


def _key_sets(value: Any, prefix: str = "$") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if isinstance(value, dict):
        out[prefix] = set(value)
        for k, v in value.items():
            out.update(_key_sets(v, f"{prefix}.{k}"))
    elif isinstance(value, list) and value:
        out.update(_key_sets(value[0], f"{prefix}[]"))
    return out


async def _get_json(url: str) -> Any:
    async with httpx.AsyncClient() as client:
        return (await client.get(url)).json()


# -- wire shapes against the recordings ----------------------------------------------------


async def test_full_track_shape_matches_recording(
    emulator: DeezerEmulator, shared_fixtures: Path
) -> None:
    recorded = json.loads((shared_fixtures / RECORDED).read_text())
    emulated = await _get_json(f"{emulator.api_url}/track/{recorded['id']}")
    assert _key_sets(emulated) == _key_sets(recorded)
    assert emulated["isrc"] == recorded["isrc"]
    assert emulated["duration"] == recorded["duration"]
    assert [c["name"] for c in emulated["contributors"]] == ["Lady Gaga", "Bruno Mars"]


async def test_search_page_shape_matches_recording(
    emulator: DeezerEmulator, shared_fixtures: Path
) -> None:
    cassette = shared_fixtures / "matching/browniebroke+deezer-python/search_soliloquy.yaml"
    interaction = yaml.safe_load(cassette.read_text())["interactions"][0]
    recorded = json.loads(interaction["response"]["body"]["string"])
    emulated = await _get_json(f"{emulator.api_url}/search?q=Song&limit=25")
    assert set(emulated) == set(recorded)  # data, total, next
    assert set(emulated["data"][0]) == set(recorded["data"][0])
    assert set(emulated["data"][0]["artist"]) == set(recorded["data"][0]["artist"])
    assert set(emulated["data"][0]["album"]) == set(recorded["data"][0]["album"])
    assert parse_qs(urlsplit(emulated["next"]).query)["index"] == ["25"]


# -- the Provider protocol -----------------------------------------------------------------


async def test_current_user(provider: DeezerProvider, emulator: DeezerEmulator) -> None:
    user = await provider.current_user()
    assert user.id == str(emulator.default_user.id)
    assert user.provider == "deezer"
    assert user.country == "FR"


async def test_isrc_lookup_uses_track_isrc_path(
    provider: DeezerProvider, emulator: DeezerEmulator
) -> None:
    [found] = await provider.search_isrc(Isrc("usum72409273"))
    assert found.title == "Die With A Smile"
    assert found.provider_ids["deezer"] == "2947516331"
    assert emulator.request_count("GET", "/api/track/isrc:USUM72409273") == 1
    assert await provider.search_isrc(Isrc("ZZZZZ0000000")) == []


async def test_fielded_search_sends_advanced_syntax(
    provider: DeezerProvider, emulator: DeezerEmulator
) -> None:
    query = TrackQuery(
        title="Song 42", artist="Artist 5", album="Album 3", duration_ms=DurationMs(222_000)
    )
    found = await provider.search_text(query, limit=5)
    assert [t.title for t in found] == ["Song 42"]
    sent = emulator.requests[-1].query["q"]
    assert sent == 'artist:"Artist 5" track:"Song 42" album:"Album 3" dur_min:212 dur_max:232'


def test_search_syntax_strips_quotes_and_keeps_free_text() -> None:
    assert build_search_query(TrackQuery(title='Say "Hi"', artist="A")) == (
        'artist:"A" track:"Say Hi"'
    )
    assert build_search_query(TrackQuery(title="x", free_text="raw q")) == "raw q"


async def test_get_tracks_in_order_with_unknown_ids(provider: DeezerProvider) -> None:
    got = await provider.get_tracks(
        [ProviderTrackId("10000003"), ProviderTrackId("1"), ProviderTrackId("10000001")]
    )
    assert [t.title if t else None for t in got] == ["Song 3", None, "Song 1"]
    assert got[0] is not None
    assert got[0].isrc == "QZAAA0000003"


async def test_playlist_round_trip(provider: DeezerProvider, emulator: DeezerEmulator) -> None:
    ref = await provider.create_playlist("Road trip", description="for the car", public=False)
    ids = [ProviderTrackId(str(10_000_000 + i)) for i in range(1, 121)]
    await provider.add_tracks(ref.id, ids)
    playlist = await provider.get_playlist(ref.id)
    assert playlist.name == "Road trip"
    assert playlist.description == "for the car"
    assert playlist.public is False
    assert [t.provider_ids["deezer"] for t in playlist.tracks] == ids
    summaries = [s async for s in provider.iter_playlists()]
    assert [(s.name, s.track_count) for s in summaries] == [("Road trip", 120)]
    # 120 ids at 50 per call: 3 add requests, each a comma list.
    adds = [
        r
        for r in emulator.requests
        if r.method == "POST" and r.path == f"/api/playlist/{ref.id}/tracks"
    ]
    assert len(adds) == 3
    assert adds[0].query["songs"].count(",") == 49
    assert all("access_token" in r.query for r in adds)  # Deezer takes the token as a parameter
    assert not any(r.authorized for r in adds)


async def test_add_drops_repeated_ids_and_inserts_at_position(provider: DeezerProvider) -> None:
    ref = await provider.create_playlist("p")
    base = [ProviderTrackId(str(10_000_000 + i)) for i in range(1, 6)]
    await provider.add_tracks(ref.id, base)
    extra = [ProviderTrackId("10000010"), ProviderTrackId("10000011"), ProviderTrackId("10000010")]
    await provider.add_tracks(ref.id, extra, position=2)
    ids = [t.provider_ids["deezer"] async for t in provider.iter_playlist_tracks(ref.id)]
    assert ids == [*base[:2], "10000010", "10000011", *base[2:]]


async def test_deezer_refuses_a_track_already_present(provider: DeezerProvider) -> None:
    ref = await provider.create_playlist("p")
    await provider.add_tracks(ref.id, [ProviderTrackId("10000001")])
    with pytest.raises(ProviderError, match="already exists") as info:
        await provider.add_tracks(ref.id, [ProviderTrackId("10000001")])
    assert type(info.value) is ProviderError


async def test_remove_and_reorder(provider: DeezerProvider) -> None:
    ref = await provider.create_playlist("p")
    ids = [ProviderTrackId(str(10_000_000 + i)) for i in range(1, 7)]
    await provider.add_tracks(ref.id, ids)
    await provider.remove_tracks(ref.id, [ids[1], ids[4]])
    await provider.reorder_tracks(ref.id, range_start=0, insert_before=4, range_length=2)
    got = [t.provider_ids["deezer"] async for t in provider.iter_playlist_tracks(ref.id)]
    # after removal: 1 3 4 6; move [1 3] before index 4 (the end): 4 6 1 3
    assert got == [ids[3], ids[5], ids[0], ids[2]]


async def test_ten_thousand_track_playlist_reads_in_minimal_pages(
    emulator: DeezerEmulator,
) -> None:
    tracks = synthetic_tracks(10_000, start=20_000)
    ids = emulator.add_tracks(tracks)
    pid = emulator.create_playlist("big", ids)
    emulator.quota = 10**9
    async with DeezerProvider(
        access_token=emulator.issue_token(), api_url=emulator.api_url
    ) as provider:
        playlist = await provider.get_playlist(ProviderPlaylistId(str(pid)))
        assert len(playlist.tracks) == 10_000
        assert playlist.tracks[-1].title == "Song 29999"
        # one playlist request embedding 400 tracks, then pages of 100
        assert provider.stats.requests == 1 + math.ceil((10_000 - 400) / 100)


async def test_add_ten_thousand_tracks_in_batches_of_fifty(emulator: DeezerEmulator) -> None:
    ids = emulator.add_tracks(synthetic_tracks(10_000, start=40_000))
    emulator.quota = 10**9
    async with DeezerProvider(
        access_token=emulator.issue_token(), api_url=emulator.api_url
    ) as provider:
        ref = await provider.create_playlist("big", public=True)
        provider.stats.reset()
        await provider.add_tracks(ref.id, [ProviderTrackId(str(i)) for i in ids])
        assert provider.stats.requests == math.ceil(10_000 / 50)
    assert len(emulator.playlists[int(ref.id)].tracks) == 10_000


# -- errors inside HTTP 200 bodies ---------------------------------------------------------


async def test_quota_error_in_200_body_is_waited_out(
    provider: DeezerProvider, emulator: DeezerEmulator
) -> None:
    emulator.inject_quota_errors(times=2)
    user = await provider.current_user()
    assert user.id == str(emulator.default_user.id)
    assert provider.stats.retries == 2
    assert provider.stats.waited == pytest.approx(10.0)


async def test_real_quota_window_is_enforced(emulator: DeezerEmulator) -> None:
    now = [0.0]
    emulator.clock = lambda: now[0]
    async with DeezerProvider(
        access_token=emulator.issue_token(),
        api_url=emulator.api_url,
        retry=RetryPolicy(max_total_wait=4.0),
    ) as provider:
        for _ in range(emulator.quota):
            await provider.current_user()
        with pytest.raises(RateLimited) as info:
            await provider.current_user()
        assert info.value.retry_after == 5.0
        now[0] += 5.0
        await provider.current_user()


async def test_quota_storm_gives_up_at_the_wait_cap(emulator: DeezerEmulator) -> None:
    emulator.inject_quota_errors(times=100)
    async with DeezerProvider(
        access_token=emulator.issue_token(),
        api_url=emulator.api_url,
        retry=RetryPolicy(max_total_wait=30.0),
    ) as provider:
        with pytest.raises(RateLimited):
            await provider.current_user()
        assert provider.stats.waited <= 30.0


async def test_invalid_token_is_an_auth_error(emulator: DeezerEmulator) -> None:
    async with DeezerProvider(access_token="not-a-token", api_url=emulator.api_url) as provider:
        with pytest.raises(AuthError, match="OAuthException 300"):
            await provider.current_user()


async def test_expired_token_is_an_auth_error(emulator: DeezerEmulator) -> None:
    now = [100.0]
    emulator.clock = lambda: now[0]
    token = emulator.issue_token(expires_in=3600)
    async with DeezerProvider(access_token=token, api_url=emulator.api_url) as provider:
        await provider.current_user()
        now[0] += 3601
        with pytest.raises(AuthError):
            await provider.current_user()


async def test_me_without_token_is_refused_locally() -> None:
    async with DeezerProvider(api_url="http://127.0.0.1:9") as provider:
        with pytest.raises(AuthError, match="signed-in"):
            await provider.current_user()


async def test_unknown_playlist_is_not_found(provider: DeezerProvider) -> None:
    with pytest.raises(NotFound, match="DataException 800"):
        await provider.get_playlist(ProviderPlaylistId("42"))


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id": 1, "title": "x"',  # truncated
        b"<html>maintenance</html>",
        b'{"data": "nope"}',
        b'{"data": [{"title": null}]}',
        b'{"error": "weird"}',
        b"[]",
    ],
)
async def test_malformed_bodies_are_provider_errors(
    provider: DeezerProvider, emulator: DeezerEmulator, body: bytes
) -> None:
    emulator.inject(body, path="/playlists")
    with pytest.raises(ProviderError):
        [s async for s in provider.iter_playlists()]


async def test_server_errors_are_retried(
    provider: DeezerProvider, emulator: DeezerEmulator
) -> None:
    emulator.faults.server_error(2, status=503)
    assert (await provider.current_user()).display_name == "Emulated User"
    assert provider.stats.retries == 2


# -- OAuth ---------------------------------------------------------------------------------


async def test_oauth_flavour(emulator: DeezerEmulator) -> None:
    oauth = DeezerOAuth(
        app_id=emulator.app_id,
        secret=emulator.secret,
        redirect_uri="http://127.0.0.1:8765/callback",
        auth_url=emulator.auth_url,
    )
    url = oauth.authorization_url(state="s1")
    query = parse_qs(urlsplit(url).query)
    assert query["perms"] == ["basic_access,email,manage_library,delete_library,offline_access"]
    assert query["app_id"] == [emulator.app_id]
    assert "code_challenge" not in query  # Deezer has no PKCE
    async with httpx.AsyncClient() as client:
        redirect = (await client.get(url)).headers["location"]
    back = parse_qs(urlsplit(redirect).query)
    assert back["state"] == ["s1"]
    token = await oauth.exchange_code(back["code"][0])
    assert token.refresh_token is None
    assert token.expires_at is None  # offline_access: never expires
    assert "offline_access" in token.scope
    async with DeezerProvider(access_token=token.access_token, api_url=emulator.api_url) as p:
        assert (await p.current_user()).display_name == "Emulated User"
    with pytest.raises(AuthError, match="wrong code"):
        await oauth.exchange_code(back["code"][0])  # codes are single use
    await oauth.aclose()
    assert "secret" not in repr(oauth)


async def test_oauth_without_offline_access_expires(emulator: DeezerEmulator) -> None:
    oauth = DeezerOAuth(
        app_id=emulator.app_id,
        secret=emulator.secret,
        redirect_uri="http://127.0.0.1:8765/callback",
        perms=("basic_access", "manage_library"),
        auth_url=emulator.auth_url,
    )
    async with httpx.AsyncClient() as client:
        redirect = (await client.get(oauth.authorization_url(state="x"))).headers["location"]
    token = await oauth.exchange_code(parse_qs(urlsplit(redirect).query)["code"][0])
    assert token.expires_at is not None
    await oauth.aclose()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("access_token=abc&expires=0", ("abc", None)),
        ("access_token=abc&expires=3600", ("abc", 3600)),
        ('{"access_token": "abc", "expires": "3600"}', ("abc", 3600)),
    ],
)
def test_token_answers(answer: str, expected: tuple[str, int | None]) -> None:
    assert parse_token_response(answer) == expected


@pytest.mark.parametrize(
    "answer",
    ["wrong code", "", '{"error": {"type": "OAuthException", "message": "bad", "code": 300}}'],
)
def test_refused_token_answers(answer: str) -> None:
    with pytest.raises(AuthError):
        parse_token_response(answer)


def test_mapping_keeps_contributor_order(recorded_track: Track) -> None:
    assert recorded_track.artist_names == ("Lady Gaga", "Bruno Mars")
    assert recorded_track.isrc == "USUM72409273"
    assert recorded_track.duration_ms == 250_000


async def test_truncated_body_is_a_provider_error(
    provider: DeezerProvider, emulator: DeezerEmulator
) -> None:
    emulator.faults.truncated(10, path="/api/user/me/playlists")
    with pytest.raises(ProviderError):
        [s async for s in provider.iter_playlists()]


async def test_http_429_storm_is_capped(emulator: DeezerEmulator) -> None:
    emulator.faults.rate_limit(50, retry_after=30)
    async with DeezerProvider(
        access_token=emulator.issue_token(),
        api_url=emulator.api_url,
        retry=RetryPolicy(max_total_wait=60),
    ) as provider:
        with pytest.raises(RateLimited) as info:
            await provider.current_user()
    assert info.value.retry_after == 30


async def test_no_secret_reaches_logs_or_errors(
    emulator: DeezerEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="playlist_interop")
    oauth = DeezerOAuth(
        app_id=emulator.app_id,
        secret=emulator.secret,
        redirect_uri="http://127.0.0.1:8765/callback",
        auth_url=emulator.auth_url,
    )
    async with httpx.AsyncClient() as client:
        redirect = (await client.get(oauth.authorization_url(state="s"))).headers["location"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    token = await oauth.exchange_code(code)
    await oauth.aclose()
    messages: list[str] = []
    async with DeezerProvider(access_token=token.access_token, api_url=emulator.api_url) as p:
        await p.current_user()
        emulator.faults.server_error(1)
        await p.current_user()
        try:
            await p.get_playlist(ProviderPlaylistId("42"))
        except NotFound as exc:
            messages.append(str(exc))
    messages.extend(r.getMessage() for r in caplog.records)
    assert any("/api/user/me" in m for m in messages)  # requests were logged
    for secret in (token.access_token, emulator.secret, code):
        assert not any(secret in m for m in messages)


def test_recorded_album_tracks_map(shared_fixtures: Path) -> None:
    """Album pages carry a leaner track object (artist without pictures or link)."""
    album = json.loads(
        (shared_fixtures / "matching/kellnerd+harmony/deezer_album_629506181.json").read_text()
    )
    [track] = [map_track(JsonObject.of(t, provider="deezer")) for t in album["tracks"]["data"]]
    assert track.title == "Die With A Smile"
    assert track.artist_names == ("Lady Gaga",)
    assert track.duration_ms == 250_000
    assert track.isrc is None
    assert track.album is not None
    assert track.album.provider_ids == {"deezer": "629506181"}
