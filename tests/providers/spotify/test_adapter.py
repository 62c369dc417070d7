"""The Spotify adapter against the loopback emulator: scale, storms, expiry, bad bodies."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.errors import AuthError, NotFound, ProviderError, RateLimited
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers import MockTransport, RetryPolicy, TrackQuery
from playlist_interop.providers.auth import OAuthClient, OAuthSession, OAuthToken
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from playlist_interop.types import DurationMs, Isrc, ProviderPlaylistId, ProviderTrackId

PID = ProviderPlaylistId


def catalog(n: int) -> list[Track]:
    return [
        Track(
            title=f"Track {i}",
            artists=(ArtistCredit(f"Artist {i % 97}"),),
            album=Album(title=f"Album {i % 31}"),
            duration_ms=DurationMs(120_000 + i),
            isrc=Isrc(f"QZBBB{i:07d}"),
        )
        for i in range(n)
    ]


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[SpotifyEmulator]:
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS) as emu:
        yield emu


def provider_for(emulator: SpotifyEmulator, **kwargs: Any) -> SpotifyProvider:
    token = emulator.issue_token()
    return SpotifyProvider(access_token=token.access_token, api_url=emulator.api_url, **kwargs)


@pytest.mark.slow
async def test_reads_a_10k_track_playlist_in_the_minimum_of_requests() -> None:
    tracks = catalog(10_000)
    async with SpotifyEmulator(tracks) as emulator:
        pid = emulator.add_playlist("Ten thousand", list(emulator.tracks))
        async with provider_for(emulator) as provider:
            titles = [t.title async for t in provider.iter_playlist_tracks(PID(pid))]
            assert titles == [t.title for t in tracks]
            assert provider.http.stats.requests == math.ceil(10_000 / 50)
            assert emulator.request_count("GET", f"/v1/playlists/{pid}/items") == 200


async def test_adds_10k_tracks_in_the_minimum_of_requests() -> None:
    async with SpotifyEmulator(catalog(10_000)) as emulator:
        ids = [ProviderTrackId(i) for i in emulator.tracks]
        async with provider_for(emulator) as provider:
            ref = await provider.create_playlist("Big add")
            provider.http.stats.reset()
            await provider.add_tracks(ref.id, ids)
            assert provider.http.stats.requests == math.ceil(10_000 / 100)
        assert emulator.playlist_uris(ref.id) == [f"spotify:track:{i}" for i in ids]


async def test_playlist_entries_of_every_kind(emulator: SpotifyEmulator) -> None:
    ids = list(emulator.tracks)
    emulator.unavailable.add(ids[1])
    episode = emulator.add_episode("Pilot", show="Night Shift")
    pid = emulator.add_playlist("Mixed", [ids[0], ids[1], episode])
    emulator.add_local_file(pid, title="Demo Take", artist="Me", album="Tapes", duration_ms=61000)
    emulator.add_null_item(pid)
    async with provider_for(emulator) as provider:
        playlist = await provider.get_playlist(PID(pid))
    assert playlist.name == "Mixed"
    assert playlist.provider_ref is not None
    assert playlist.provider_ref.snapshot == emulator.playlists[pid].snapshot_id
    assert playlist.extras["spotify_skipped_items"] == 1
    track, unavailable, podcast, local = playlist.tracks
    assert track.provider_ids == {"spotify": ids[0]}
    assert track.isrc == DEFAULT_SEED_TRACKS[0].isrc
    assert track.locations == (f"https://open.spotify.com/track/{ids[0]}",)
    assert "spotify_playable" not in track.extras
    assert unavailable.extras["spotify_playable"] is False
    assert unavailable.extras["spotify_restriction"] == "market"
    assert podcast.title == "Pilot"
    assert podcast.provider_ids == {}
    assert podcast.extras["spotify_uri"] == f"spotify:episode:{episode}"
    assert podcast.album is not None
    assert podcast.album.title == "Night Shift"
    assert local.title == "Demo Take"
    assert local.artist_names == ("Me",)
    assert local.duration_ms == 61000
    assert local.provider_ids == {}
    assert local.extras["spotify_local"] is True
    assert local.locations == ("spotify:local:Me:Tapes:Demo+Take:61",)


async def test_adds_go_in_batches_of_100_with_moving_position(emulator: SpotifyEmulator) -> None:
    tracks = catalog(250)
    for t in tracks:
        emulator.add_track(t)
    ids = [ProviderTrackId(i) for i in list(emulator.tracks)[-250:]]
    first = next(iter(emulator.tracks))
    async with provider_for(emulator) as provider:
        ref = await provider.create_playlist("Batches", description="R&B")
        await provider.add_tracks(ref.id, [ProviderTrackId(first)] * 2)
        snapshot = await provider.add_tracks(ref.id, ids, position=1)
        assert provider.http.stats.by_path[f"POST /v1/playlists/{ref.id}/items"] == 1 + 3
    uris = emulator.playlist_uris(ref.id)
    assert uris == [
        f"spotify:track:{first}",
        *[f"spotify:track:{i}" for i in ids],
        f"spotify:track:{first}",
    ]
    assert snapshot == emulator.playlists[ref.id].snapshot_id
    bodies = [
        json.loads(r.body) for r in emulator.requests if r.method == "POST" and "/items" in r.path
    ]
    assert [len(b["uris"]) for b in bodies] == [2, 100, 100, 50]
    assert [b.get("position") for b in bodies] == [None, 1, 101, 201]
    created = next(
        r for r in emulator.requests if r.method == "POST" and r.path == "/v1/me/playlists"
    )
    assert json.loads(created.body) == {"name": "Batches", "public": False, "description": "R&B"}


async def test_remove_and_reorder(emulator: SpotifyEmulator) -> None:
    extra = catalog(150)
    for t in extra:
        emulator.add_track(t)
    ids = list(emulator.tracks)
    pid = emulator.add_playlist("Edit", ids + ids[:3])
    async with provider_for(emulator) as provider:
        await provider.remove_tracks(PID(pid), [ProviderTrackId(i) for i in ids[:150]])
        assert emulator.request_count("DELETE", f"/v1/playlists/{pid}/items") == 2
        assert emulator.playlist_uris(pid) == [f"spotify:track:{i}" for i in ids[150:]]
        await provider.reorder_tracks(PID(pid), 0, 3)
    moved = emulator.playlist_uris(pid)
    assert moved[:3] == [f"spotify:track:{i}" for i in (ids[151], ids[152], ids[150])]


async def test_lookups_batch_50_ids_and_fall_back_when_refused() -> None:
    tracks = catalog(120)
    async with SpotifyEmulator(tracks) as emulator:
        ids = [ProviderTrackId(i) for i in emulator.tracks]
        asked = [*ids, ProviderTrackId("0" * 22), ProviderTrackId("not-an-id"), ids[0]]
        async with provider_for(emulator) as provider:
            got = await provider.get_tracks(asked)
            assert [t.title if t else None for t in got] == [
                *(t.title for t in tracks),
                None,
                None,
                tracks[0].title,
            ]
            assert emulator.request_count("GET", "/v1/tracks") == 3  # 121 distinct ids / 50
        emulator.batch_tracks = False
        emulator.requests.clear()
        async with provider_for(emulator) as provider:
            got = await provider.get_tracks(ids[:3])
            assert [t.title if t else None for t in got] == [t.title for t in tracks[:3]]
            assert emulator.request_count("GET", "/v1/tracks/") == 3
            await provider.get_tracks(ids[3:5])
            # Refused once, the batch endpoint is not asked again.
            assert emulator.request_count("GET") == 1 + 3 + 2


async def test_isrc_and_text_search_respect_the_page_size_of_10() -> None:
    tracks = catalog(40)
    twin = Track(title="Twin", artists=(ArtistCredit("X"),), isrc=Isrc("QZCCC0000001"))
    async with SpotifyEmulator([*tracks, twin]) as emulator, provider_for(emulator) as provider:
        found = await provider.search_isrc(Isrc("qz-ccc-00-00001"))
        assert [t.title for t in found] == ["Twin"]
        search = [r for r in emulator.requests if r.path == "/v1/search"]
        assert search[-1].query["q"] == "isrc:QZCCC0000001"
        assert await provider.search_isrc(Isrc("nonsense")) == []
        emulator.requests.clear()
        results = await provider.search_text(TrackQuery(title="Track", artist="Artist"), limit=25)
        assert len(results) == 25
        limits = [int(r.query["limit"]) for r in emulator.requests if r.path == "/v1/search"]
        assert limits == [10, 10, 5]
        assert emulator.requests[0].query["q"] == 'track:"Track" artist:"Artist"'


async def test_429_storm_is_ridden_out(emulator: SpotifyEmulator) -> None:
    pid = emulator.add_playlist("Storm", list(emulator.tracks) * 40)  # 320 entries, 7 pages
    emulator.faults.rate_limit(25, retry_after=2, path=f"/v1/playlists/{pid}/items")
    async with provider_for(emulator, retry=RetryPolicy(attempts=30, max_total_wait=120)) as p:
        count = sum([1 async for _ in p.iter_playlist_tracks(PID(pid))])
        assert count == 320
        assert p.http.stats.by_status[429] == 25
        assert p.http.stats.retries == 25
        assert p.http.stats.waited == 50  # accounted, not slept (testing switch)


async def test_429_storm_past_the_cap_raises_rate_limited(emulator: SpotifyEmulator) -> None:
    emulator.faults.rate_limit(100, retry_after=30)
    async with provider_for(emulator, retry=RetryPolicy(attempts=10, max_total_wait=60)) as p:
        with pytest.raises(RateLimited) as info:
            await p.current_user()
    assert info.value.retry_after == 30
    assert p.http.stats.requests == 3  # waits of 30 + 30 fit the cap; a third would not


async def test_token_expiry_mid_iteration_refreshes_and_saves(emulator: SpotifyEmulator) -> None:
    pid = emulator.add_playlist("Long", list(emulator.tracks) * 20)  # 160 entries, 4 pages
    config = SpotifyProvider.oauth_config(
        client_id="cid", redirect_uri="http://127.0.0.1/cb", auth_url=emulator.auth_url
    )
    saved: list[OAuthToken] = []

    async def saver(token: OAuthToken) -> None:
        saved.append(token)

    async with OAuthClient(config) as client:
        session = OAuthSession(client, emulator.issue_token(client_id="cid"), saver=saver)
        async with SpotifyProvider(credentials=session, api_url=emulator.api_url) as provider:
            seen = 0
            async for _ in provider.iter_playlist_tracks(PID(pid)):
                seen += 1
                if seen == 60:
                    emulator.tokens.expire_access_tokens()
            assert seen == 160
            assert session.refreshes == 1
            assert provider.http.stats.by_status[401] == 1
    assert len(saved) == 1
    assert saved[0].refresh_token != emulator.issue_token().refresh_token


async def test_revoked_refresh_token_is_auth_error(emulator: SpotifyEmulator) -> None:
    config = SpotifyProvider.oauth_config(
        client_id="cid", redirect_uri="http://127.0.0.1/cb", auth_url=emulator.auth_url
    )
    async with OAuthClient(config) as client:
        token = emulator.issue_token(client_id="cid")
        emulator.tokens.revoke_all()
        session = OAuthSession(client, token)
        async with SpotifyProvider(credentials=session, api_url=emulator.api_url) as provider:
            with pytest.raises(AuthError, match="Refresh token revoked"):
                await provider.current_user()


async def test_malformed_and_truncated_bodies_are_provider_errors(
    emulator: SpotifyEmulator,
) -> None:
    pid = emulator.add_playlist("Broken", list(emulator.tracks) * 20)
    async with provider_for(emulator, retry=RetryPolicy(attempts=3)) as provider:
        emulator.faults.malformed(1, path=f"/v1/playlists/{pid}/items")
        with pytest.raises(ProviderError, match="unreadable JSON"):
            _ = [t async for t in provider.iter_playlist_tracks(PID(pid))]
        # A truncated body is retried like a broken connection, then reported.
        emulator.faults.truncated(1)
        assert (await provider.current_user()).id == emulator.user_id
        emulator.faults.truncated(5)
        with pytest.raises(ProviderError, match="after 3 attempts"):
            await provider.current_user()


async def test_errors_are_mapped_with_spotify_messages(emulator: SpotifyEmulator) -> None:
    async with provider_for(emulator) as provider:
        with pytest.raises(NotFound, match="Resource not found") as info:
            await provider.get_playlist(PID("0" * 22))
        assert info.value.status == 404
        with pytest.raises(NotFound, match="not a Spotify playlist id"):
            await provider.get_playlist(PID("../../me"))
        emulator.tokens.expire_access_tokens()
        with pytest.raises(AuthError, match="The access token expired"):
            await provider.current_user()


async def test_base_url_from_environment(
    emulator: SpotifyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAYLIST_SPOTIFY_API_URL", emulator.api_url)
    monkeypatch.setenv("PLAYLIST_SPOTIFY_AUTH_URL", emulator.auth_url)
    token = emulator.issue_token()
    async with SpotifyProvider(access_token=token.access_token) as provider:
        assert (await provider.current_user()).id == emulator.user_id
    config = SpotifyProvider.oauth_config(client_id="c", redirect_uri="http://127.0.0.1/cb")
    assert config.token_url == emulator.auth_url + "/api/token"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["items", "item", "track", "next", "total", "name", "id", "type"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


async def every_read(provider: SpotifyProvider) -> None:
    """Call every reading operation once; each must succeed or raise ``ProviderError``."""
    operations = [
        provider.current_user,
        lambda: provider.get_playlist(PID("a" * 22)),
        lambda: provider.search_isrc(Isrc("QZAAA2100001")),
        lambda: provider.search_text(TrackQuery(title="x"), limit=3),
        lambda: provider.get_tracks([ProviderTrackId("a" * 22), ProviderTrackId("b" * 22)]),
        lambda: provider.get_tracks([ProviderTrackId("a" * 22)]),
        lambda: provider.create_playlist("x"),
        lambda: provider.add_tracks(PID("a" * 22), [ProviderTrackId("a" * 22)]),
    ]
    for operation in operations:
        with contextlib.suppress(ProviderError):
            await operation()
    with contextlib.suppress(ProviderError):
        async for _ in provider.iter_playlists():
            pass
    with contextlib.suppress(ProviderError):
        async for _ in provider.iter_playlist_tracks(PID("a" * 22)):
            pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values)
async def test_any_json_body_gives_results_or_provider_error(body: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    async with SpotifyProvider(
        access_token="t", api_url="https://api.test/v1", transport=MockTransport(handler)
    ) as provider:
        await every_read(provider)


def _mutate(value: Any, path: list[Any], replacement: Any) -> Any:
    if not path:
        return replacement
    head, *rest = path
    if isinstance(value, dict):
        return {k: (_mutate(v, rest, replacement) if k == head else v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mutate(v, rest, replacement) if i == head else v for i, v in enumerate(value)]
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:2]):
            found += _paths(item, (*prefix, index))
    return found


REAL_ITEM = {
    "added_at": "2023-02-03T18:03:31Z",
    "is_local": False,
    "item": {
        "album": {
            "album_type": "album",
            "artists": [{"id": "0Ya43ZKWHTKkAbkoJJkwIB", "name": "The Wombats", "type": "artist"}],
            "id": "0n5sLhq91buJwIW4j3Ji0I",
            "images": [{"height": 640, "url": "https://i.scdn.co/image/x", "width": 640}],
            "name": "Glitterbug (Deluxe Edition)",
            "release_date": "2015-04-14",
            "release_date_precision": "day",
        },
        "artists": [{"id": "0Ya43ZKWHTKkAbkoJJkwIB", "name": "The Wombats", "type": "artist"}],
        "disc_number": 1,
        "duration_ms": 212000,
        "explicit": False,
        "external_ids": {"isrc": "GBAHT1400304"},
        "id": "4dCFpIPmSWi2fDQvcdp9dK",
        "is_local": False,
        "name": "Greek Tragedy",
        "track_number": 6,
        "type": "track",
        "uri": "spotify:track:4dCFpIPmSWi2fDQvcdp9dK",
    },
}
REAL_PAGE = {"items": [REAL_ITEM, REAL_ITEM], "next": None, "total": 2, "offset": 0, "limit": 50}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_mutated_real_pages_give_tracks_or_provider_error(data: st.DataObject) -> None:
    paths = _paths(REAL_PAGE)
    path = data.draw(st.sampled_from(paths))
    body = _mutate(REAL_PAGE, list(path), data.draw(json_values))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    async with SpotifyProvider(
        access_token="t", api_url="https://api.test/v1", transport=MockTransport(handler)
    ) as provider:
        try:
            tracks = [t async for t in provider.iter_playlist_tracks(PID("a" * 22))]
        except ProviderError:
            return
    assert all(isinstance(t, Track) for t in tracks)
