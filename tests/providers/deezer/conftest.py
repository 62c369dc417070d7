"""Fixtures for the Deezer adapter tests: the emulator seeded with real recorded tracks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers._http import set_testing
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers.deezer import DeezerProvider
from playlist_interop.providers.deezer._map import map_track
from playlist_interop.testing.emulators.deezer import DeezerEmulator
from playlist_interop.types import DurationMs, Isrc, ProviderName, ProviderTrackId

RECORDED = "matching/kellnerd+harmony/deezer_track_2947516331.json"


@pytest.fixture(autouse=True)
def _no_real_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def synthetic_tracks(n: int, *, start: int = 1) -> list[Track]:
    """``n`` distinct catalog tracks with ISRCs and Deezer ids."""
    return [
        Track(
            title=f"Song {i}",
            artists=(ArtistCredit(f"Artist {i % 37}", role="main"),),
            album=Album(f"Album {i // 12}", release_date="2020-05-01"),
            duration_ms=DurationMs(180_000 + (i % 90) * 1000),
            isrc=Isrc(f"QZAAA{i:07d}"),
            track_number=i % 12 + 1,
            provider_ids={ProviderName("deezer"): ProviderTrackId(str(10_000_000 + i))},
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def recorded_track(shared_fixtures: Path) -> Track:
    raw = json.loads((shared_fixtures / RECORDED).read_text())
    return map_track(JsonObject.of(raw, provider="deezer"))


@pytest.fixture
async def emulator(recorded_track: Track) -> AsyncIterator[DeezerEmulator]:
    async with DeezerEmulator(catalog=[recorded_track, *synthetic_tracks(300)]) as emu:
        yield emu


@pytest.fixture
async def provider(emulator: DeezerEmulator) -> AsyncIterator[DeezerProvider]:
    adapter = DeezerProvider(access_token=emulator.issue_token(), api_url=emulator.api_url)
    yield adapter
    await adapter.aclose()
