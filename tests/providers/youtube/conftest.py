"""Fixtures for the YouTube adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers._http import set_testing
from playlist_interop.providers.youtube import YouTubeProvider
from playlist_interop.testing.emulators.youtube import YouTubeEmulator
from playlist_interop.types import DurationMs, Isrc


@pytest.fixture(autouse=True)
def _no_real_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def synthetic_tracks(n: int, *, start: int = 1) -> list[Track]:
    """``n`` distinct music videos."""
    return [
        Track(
            title=f"Song {i}",
            artists=(ArtistCredit(f"Artist {i % 37}", role="main"),),
            album=Album(f"Album {i // 12}"),
            duration_ms=DurationMs(180_000 + (i % 90) * 1000),
            isrc=Isrc(f"QZCCC{i:07d}"),
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
async def emulator() -> AsyncIterator[YouTubeEmulator]:
    special = Track(
        title="Rock & Roll Ain't Noise Pollution",
        artists=(ArtistCredit("AC/DC"),),
        duration_ms=DurationMs(255_000),
    )
    async with YouTubeEmulator(catalog=[special, *synthetic_tracks(120)]) as emu:
        yield emu


@pytest.fixture
async def provider(emulator: YouTubeEmulator) -> AsyncIterator[YouTubeProvider]:
    adapter = YouTubeProvider(
        access_token=emulator.issue_token().access_token, api_url=emulator.api_url
    )
    yield adapter
    await adapter.aclose()
