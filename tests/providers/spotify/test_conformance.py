"""The Spotify adapter passes the conformance kit against the emulator, in both wire shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest_asyncio

from playlist_interop.model import Track
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.conformance import ConformanceTarget, ProviderConformance
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId

UNKNOWN = "0" * 22


class TestSpotifyConformance(ProviderConformance):
    emulator_options: dict[str, bool] = {}

    @pytest_asyncio.fixture
    async def conformance_target(
        self, seed_tracks: Sequence[Track]
    ) -> AsyncIterator[ConformanceTarget]:
        async with SpotifyEmulator(**self.emulator_options) as emulator:
            ids = [ProviderTrackId(emulator.add_track(t)) for t in seed_tracks]
            token = emulator.issue_token()
            async with SpotifyProvider(
                access_token=token.access_token, api_url=emulator.api_url
            ) as provider:
                yield ConformanceTarget(
                    provider=provider,
                    track_ids=ids,
                    unknown_track_id=ProviderTrackId(UNKNOWN),
                    unknown_playlist_id=ProviderPlaylistId(UNKNOWN),
                )


class TestSpotifyExtendedQuotaShapeConformance(TestSpotifyConformance):
    """Apps in extended quota mode still get ``track``/``tracks`` fields."""

    emulator_options = {"legacy_shape": True}


class TestSpotifyDevelopmentModeConformance(TestSpotifyConformance):
    """Development-mode apps are refused ``GET /tracks``; lookups fall back to one by one."""

    emulator_options = {"batch_tracks": False}
