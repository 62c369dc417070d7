"""The TIDAL adapter passes the provider conformance kit against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest_asyncio

from playlist_interop.model import Track
from playlist_interop.providers.tidal import TidalProvider
from playlist_interop.testing.conformance import ConformanceTarget, ProviderConformance
from playlist_interop.testing.emulators.tidal import TidalEmulator
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId


class TestTidalConformance(ProviderConformance):
    @pytest_asyncio.fixture
    async def conformance_target(
        self, seed_tracks: Sequence[Track]
    ) -> AsyncIterator[ConformanceTarget]:
        async with TidalEmulator(seed_tracks) as emulator:
            ids = [ProviderTrackId(t) for t in emulator.tracks]
            async with TidalProvider(
                access_token=emulator.issue_token().access_token, api_url=emulator.api_url
            ) as provider:
                yield ConformanceTarget(
                    provider=provider,
                    track_ids=ids,
                    unknown_track_id=ProviderTrackId("1"),
                    unknown_playlist_id=ProviderPlaylistId("00000000-0000-0000-0000-000000000000"),
                )
