"""The Deezer adapter passes the provider conformance kit against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest_asyncio

from playlist_interop.model import Track
from playlist_interop.providers.deezer import DeezerProvider
from playlist_interop.testing.conformance import ConformanceTarget, ProviderConformance
from playlist_interop.testing.emulators.deezer import DeezerEmulator
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId


class TestDeezerConformance(ProviderConformance):
    @pytest_asyncio.fixture
    async def conformance_target(
        self, seed_tracks: Sequence[Track]
    ) -> AsyncIterator[ConformanceTarget]:
        async with DeezerEmulator(catalog=seed_tracks) as emulator:
            ids = [ProviderTrackId(str(i)) for i in emulator.tracks]
            async with DeezerProvider(
                access_token=emulator.issue_token(), api_url=emulator.api_url
            ) as provider:
                yield ConformanceTarget(
                    provider=provider,
                    track_ids=ids,
                    unknown_track_id=ProviderTrackId("1"),
                    unknown_playlist_id=ProviderPlaylistId("1"),
                    allows_duplicates=False,  # Deezer refuses a track twice in a playlist
                )
