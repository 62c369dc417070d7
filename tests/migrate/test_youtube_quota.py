"""A migration to YouTube stops cleanly when the daily unit quota runs out and resumes later."""

from __future__ import annotations

import pytest

from playlist_interop.errors import QuotaExceeded
from playlist_interop.matching import Matcher, MatchStatus
from playlist_interop.migrate import InMemoryCheckpointStore, ProviderPlaylist, migrate
from playlist_interop.model import Playlist
from playlist_interop.providers.youtube import YouTubeProvider, YouTubeQuota
from playlist_interop.testing.emulators.youtube import YouTubeEmulator
from tests.migrate.conftest import as_file_entry, catalog

SEARCH = 101  # search.list (100) + videos.list for the durations (1)
INSERT = 50


def provider_for(emulator: YouTubeEmulator, quota: YouTubeQuota) -> YouTubeProvider:
    token = emulator.issue_token()
    return YouTubeProvider(access_token=token.access_token, api_url=emulator.api_url, quota=quota)


def searches(emulator: YouTubeEmulator) -> int:
    return emulator.request_count("GET", "/youtube/v3/search")


async def test_one_search_per_track_on_a_metered_provider() -> None:
    songs = catalog(2)
    async with (
        YouTubeEmulator(songs) as emulator,
        provider_for(emulator, YouTubeQuota(daily_limit=10_000)) as youtube,
    ):
        # Not on YouTube: a free provider would try fallback queries; this one asks once.
        result = await Matcher(youtube).match(as_file_entry(catalog(5)[4]))
        assert result.status is MatchStatus.UNMATCHED
        assert searches(emulator) == 1
        found = await Matcher(youtube).match(as_file_entry(songs[1]))
        assert found.status is MatchStatus.MATCHED
        assert searches(emulator) == 2


async def test_quota_stops_the_migration_and_the_next_day_resumes_it() -> None:
    songs = catalog(3)
    source = Playlist(name="Trip", tracks=[as_file_entry(t) for t in songs])
    checkpoints = InMemoryCheckpointStore()
    async with YouTubeEmulator(songs) as emulator:
        # Enough for the three searches, the playlist and one insert, not the other two.
        today = YouTubeQuota(daily_limit=3 * SEARCH + INSERT + INSERT)
        async with provider_for(emulator, today) as youtube:
            with pytest.raises(QuotaExceeded):
                await migrate(
                    source, ProviderPlaylist(youtube), checkpoint=checkpoints, concurrency=1
                )
        assert searches(emulator) == 3
        (pid,) = emulator.playlists
        assert len(emulator.playlist_video_ids(pid)) == 1
        assert today.remaining < INSERT  # nothing was sent that the quota could not pay
        tomorrow = YouTubeQuota(daily_limit=10_000)
        async with provider_for(emulator, tomorrow) as youtube:
            report = await migrate(source, ProviderPlaylist(youtube), checkpoint=checkpoints)
        assert report.resumed
        assert searches(emulator) == 3  # matches came from the checkpoint
        assert emulator.playlist_video_ids(pid) == [emulator.add_video(song) for song in songs]
        assert report.added == 3
