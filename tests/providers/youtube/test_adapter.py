"""The YouTube adapter against the emulator: quota accounting, one insert per call, OAuth."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from playlist_interop.errors import (
    AuthError,
    CapabilityError,
    NotFound,
    ProviderError,
    QuotaExceeded,
)
from playlist_interop.providers._protocol import Capability, TrackQuery
from playlist_interop.providers.auth import OAuthClient, OAuthSession, PkcePair
from playlist_interop.providers.youtube import (
    OFFLINE_PARAMS,
    YouTubeProvider,
    YouTubeQuota,
    oauth_config,
)
from playlist_interop.testing.emulators.youtube import YouTubeEmulator
from playlist_interop.types import Isrc, ProviderPlaylistId, ProviderTrackId


def _ids(emulator: YouTubeEmulator, n: int) -> list[ProviderTrackId]:
    return [ProviderTrackId(v) for v in list(emulator.videos)[1 : n + 1]]


async def test_current_user_is_the_channel(
    provider: YouTubeProvider, emulator: YouTubeEmulator
) -> None:
    user = await provider.current_user()
    assert user.id == emulator.channel_id
    assert user.display_name == "Emulated Listener"
    assert provider.quota.spent == 1


async def test_search_costs_a_hundred_units_and_unescapes_titles(
    provider: YouTubeProvider, emulator: YouTubeEmulator
) -> None:
    found = await provider.search_text(TrackQuery(title="Rock & Roll", artist="AC/DC"))
    assert [t.title for t in found] == ["Rock & Roll Ain't Noise Pollution"]
    assert found[0].artist_names == ("AC/DC",)  # " - Topic" removed
    assert found[0].duration_ms == 255_000  # completed by videos.list
    report = provider.quota.report()
    assert report.spent == 101
    assert report.by_method == {"search.list": 1, "videos.list": 1}
    assert emulator.quota_used == 101


async def test_isrc_search_is_not_offered(provider: YouTubeProvider) -> None:
    assert Capability.SEARCH_ISRC not in provider.capabilities
    with pytest.raises(CapabilityError):
        await provider.search_isrc(Isrc("GB2LD2210007"))


async def test_one_insert_per_video(provider: YouTubeProvider, emulator: YouTubeEmulator) -> None:
    ref = await provider.create_playlist("Mix", description="d")
    ids = _ids(emulator, 7)
    await provider.add_tracks(ref.id, ids)
    assert emulator.request_count("POST", "/youtube/v3/playlistItems") == 7
    assert provider.max_add_batch == 1
    assert provider.quota.spent == 50 + 7 * 50
    playlist = await provider.get_playlist(ref.id)
    assert playlist.public is False
    assert [t.provider_ids["youtube"] for t in playlist.tracks] == ids
    assert all(t.duration_ms for t in playlist.tracks)
    assert playlist.tracks[0].extras["youtube"]["playlist_item_id"]


async def test_positions_remove_and_reorder(
    provider: YouTubeProvider, emulator: YouTubeEmulator
) -> None:
    ids = _ids(emulator, 6)
    pid = emulator.add_playlist("p", ids[:4])
    await provider.add_tracks(ProviderPlaylistId(pid), ids[4:6], position=1)
    assert emulator.playlist_video_ids(pid) == [ids[0], ids[4], ids[5], ids[1], ids[2], ids[3]]
    await provider.remove_tracks(ProviderPlaylistId(pid), [ids[4]])
    assert emulator.playlist_video_ids(pid) == [ids[0], ids[5], ids[1], ids[2], ids[3]]
    await provider.reorder_tracks(
        ProviderPlaylistId(pid), range_start=0, insert_before=4, range_length=2
    )
    assert emulator.playlist_video_ids(pid) == [ids[1], ids[2], ids[0], ids[5], ids[3]]
    await provider.reorder_tracks(
        ProviderPlaylistId(pid), range_start=3, insert_before=0, range_length=2
    )
    assert emulator.playlist_video_ids(pid) == [ids[5], ids[3], ids[1], ids[2], ids[0]]


async def test_deleted_videos_stay_flagged(
    provider: YouTubeProvider, emulator: YouTubeEmulator
) -> None:
    ids = _ids(emulator, 3)
    pid = emulator.add_playlist("p", ids)
    emulator.deleted.add(ids[1])
    tracks = [t async for t in provider.iter_playlist_tracks(ProviderPlaylistId(pid))]
    assert tracks[1].title == "Deleted video"
    assert tracks[1].extras["youtube"]["unavailable"] is True
    assert tracks[1].duration_ms is None
    assert tracks[2].duration_ms is not None


async def test_pages_of_fifty(provider: YouTubeProvider, emulator: YouTubeEmulator) -> None:
    pid = emulator.add_playlist("p", list(emulator.videos)[:120])
    tracks = [t async for t in provider.iter_playlist_tracks(ProviderPlaylistId(pid))]
    assert len(tracks) == 120
    assert emulator.request_count("GET", "/youtube/v3/playlistItems") == 3
    assert emulator.request_count("GET", "/youtube/v3/videos") == 3
    for i in range(3):
        emulator.add_playlist(f"extra {i}")
    assert len([s async for s in provider.iter_playlists()]) == 4


async def test_get_tracks_in_order(provider: YouTubeProvider, emulator: YouTubeEmulator) -> None:
    ids = _ids(emulator, 60)
    got = await provider.get_tracks([*ids, ProviderTrackId("missing0000")])
    assert [t.provider_ids["youtube"] if t else None for t in got] == [*ids, None]
    assert emulator.request_count("GET", "/youtube/v3/videos") == 2


# -- quota ---------------------------------------------------------------------------------


async def test_quota_refuses_before_spending(emulator: YouTubeEmulator) -> None:
    quota = YouTubeQuota(daily_limit=160)
    async with YouTubeProvider(
        access_token=emulator.issue_token().access_token, api_url=emulator.api_url, quota=quota
    ) as provider:
        ref = await provider.create_playlist("p")  # 50
        with pytest.raises(QuotaExceeded) as info:
            await provider.add_tracks(ref.id, _ids(emulator, 3))  # 50 + 50, then refused
        assert info.value.needed == 50
        assert info.value.remaining == 10
        assert quota.spent == 150
    assert emulator.playlist_video_ids(ref.id) == _ids(emulator, 2)
    assert emulator.request_count("POST", "/youtube/v3/playlistItems") == 2  # nothing sent


async def test_youtube_quota_error_exhausts_the_local_budget(emulator: YouTubeEmulator) -> None:
    emulator.daily_quota = 20
    quota = YouTubeQuota(daily_limit=10_000)
    async with YouTubeProvider(
        access_token=emulator.issue_token().access_token, api_url=emulator.api_url, quota=quota
    ) as provider:
        with pytest.raises(QuotaExceeded, match="quotaExceeded"):
            await provider.search_text(TrackQuery(title="Song 1"))
        assert quota.remaining == 0
        with pytest.raises(QuotaExceeded):  # refused locally now: no request sent
            await provider.current_user()
    assert emulator.request_count(path="/youtube/v3/") == 1


def test_quota_resets_at_pacific_midnight() -> None:
    now = [dt.datetime(2026, 3, 1, 7, 59, tzinfo=dt.UTC)]  # 23:59 PST
    quota = YouTubeQuota(daily_limit=100, spent=100, clock=lambda: now[0])
    assert quota.remaining == 0
    assert not quota.can_afford(1)
    now[0] += dt.timedelta(minutes=2)
    assert quota.remaining == 100
    assert quota.report().day == dt.date(2026, 3, 1)


def test_quota_costs() -> None:
    assert YouTubeQuota.cost("search.list") == 100
    assert YouTubeQuota.cost("playlistItems.insert", 10) == 500
    with pytest.raises(ValueError, match="unknown"):
        YouTubeQuota.cost("nope.list")


async def test_quota_changes_are_reported(emulator: YouTubeEmulator) -> None:
    seen: list[int] = []

    async def persist(report: Any) -> None:
        seen.append(report.spent)

    quota = YouTubeQuota(on_change=persist)
    async with YouTubeProvider(
        access_token=emulator.issue_token().access_token, api_url=emulator.api_url, quota=quota
    ) as provider:
        await provider.current_user()
        await provider.current_user()
    assert seen == [1, 2]


# -- errors and OAuth ----------------------------------------------------------------------


async def test_unknown_playlist_is_not_found(provider: YouTubeProvider) -> None:
    with pytest.raises(NotFound, match="playlistNotFound"):
        [t async for t in provider.iter_playlist_tracks(ProviderPlaylistId("PLnope"))]


async def test_bad_token(emulator: YouTubeEmulator) -> None:
    async with YouTubeProvider(access_token="bad", api_url=emulator.api_url) as provider:
        with pytest.raises(AuthError):
            await provider.current_user()


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
async def test_broken_bodies(
    provider: YouTubeProvider, emulator: YouTubeEmulator, kind: str
) -> None:
    getattr(emulator.faults, kind)(10, path="/youtube/v3/channels")
    with pytest.raises(ProviderError):
        await provider.current_user()


async def test_wrong_shapes_are_provider_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"kind": "youtube#videoListResponse", "items": [{"id": 5}]})

    async with YouTubeProvider(
        access_token="t", api_url="http://yt.test/v3", transport=httpx.MockTransport(handler)
    ) as provider:
        with pytest.raises(ProviderError):
            await provider.get_tracks([ProviderTrackId("x")])


async def test_google_oauth_with_pkce_and_offline_access(emulator: YouTubeEmulator) -> None:
    config = oauth_config(
        client_id="cli",
        client_secret="not-so-secret",
        redirect_uri="http://127.0.0.1:9/cb",
        auth_url=emulator.auth_url,
    )
    client = OAuthClient(config)
    pkce = PkcePair.generate()
    url = client.authorization_url(state="s", pkce=pkce, extra=OFFLINE_PARAMS)
    assert parse_qs(urlsplit(url).query)["access_type"] == ["offline"]
    async with httpx.AsyncClient() as browser:
        location = (await browser.get(url)).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    token = await client.exchange_code(code, code_verifier=pkce.verifier)
    assert token.refresh_token
    session = OAuthSession(client, token)
    async with YouTubeProvider(credentials=session, api_url=emulator.api_url) as provider:
        emulator.tokens.expire_access_tokens()
        await provider.current_user()
    assert session.refreshes == 1
    assert session.token.refresh_token == token.refresh_token  # Google does not rotate
    await client.aclose()


def test_default_google_endpoints() -> None:
    config = oauth_config(client_id="c", redirect_uri="http://127.0.0.1/cb")
    assert config.authorize_url == "https://accounts.google.com/o/oauth2/v2/auth"
    assert config.token_url == "https://oauth2.googleapis.com/token"


async def test_matcher_quota_hook(provider: YouTubeProvider) -> None:
    from playlist_interop.matching import QuotaAware

    assert isinstance(provider, QuotaAware)
    assert provider.cost_of("search_text") == 101
    assert provider.cost_of("add_tracks") == 50
    assert provider.cost_of("get_tracks") == 1
    assert provider.quota_remaining() == 10_000
    await provider.search_text(TrackQuery(title="Song 1"))
    assert provider.quota_remaining() == 10_000 - provider.cost_of("search_text")
    with pytest.raises(ValueError, match="unknown"):
        provider.cost_of("teleport")
    provider.fetch_details = False
    assert provider.cost_of("search_text") == 100


async def test_http_429_is_retried_without_charging_twice(
    provider: YouTubeProvider, emulator: YouTubeEmulator
) -> None:
    emulator.faults.rate_limit(2, retry_after=2, path="/youtube/v3/channels")
    await provider.current_user()
    assert provider.stats.retries == 2
    assert provider.stats.waited == pytest.approx(4)
    assert provider.quota.spent == 1
