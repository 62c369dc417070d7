"""The YouTube adapter passes the provider conformance kit against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest_asyncio

from playlist_interop.model import Track
from playlist_interop.providers.youtube import YouTubeProvider
from playlist_interop.testing.conformance import ConformanceTarget, ProviderConformance
from playlist_interop.testing.emulators.youtube import YouTubeEmulator
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId


class TestYouTubeConformance(ProviderConformance):
    @pytest_asyncio.fixture
    async def conformance_target(
        self, seed_tracks: Sequence[Track]
    ) -> AsyncIterator[ConformanceTarget]:
        async with YouTubeEmulator(seed_tracks) as emulator:
            ids = [ProviderTrackId(v) for v in emulator.videos]
            async with YouTubeProvider(
                access_token=emulator.issue_token().access_token, api_url=emulator.api_url
            ) as provider:
                yield ConformanceTarget(
                    provider=provider,
                    track_ids=ids,
                    unknown_track_id=ProviderTrackId("AAAAAAAAAAA"),
                    unknown_playlist_id=ProviderPlaylistId("PL" + "0" * 32),
                )
