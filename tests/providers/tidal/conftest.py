"""Fixtures for the TIDAL adapter tests: the emulator seeded with the recorded track."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers._http import set_testing
from playlist_interop.providers.tidal import TidalProvider
from playlist_interop.providers.tidal._map import map_track
from playlist_interop.providers.tidal._wire import Document
from playlist_interop.testing.emulators.tidal import TidalEmulator
from playlist_interop.types import DurationMs, Isrc, ProviderName, ProviderTrackId

RECORDED_US = "matching/kellnerd+harmony/tidal_v2_albums_barcode_00602475093060_US.json"
RECORDED_GB = "matching/kellnerd+harmony/tidal_v2_albums_barcode_00602475093060_GB.json"


@pytest.fixture(autouse=True)
def _no_real_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def synthetic_tracks(n: int, *, start: int = 1) -> list[Track]:
    """``n`` distinct catalog tracks with ISRCs and TIDAL ids."""
    return [
        Track(
            title=f"Song {i}",
            artists=(ArtistCredit(f"Artist {i % 37}", role="main"),),
            album=Album(f"Album {i // 12}", release_date="2020-05-01"),
            duration_ms=DurationMs(180_000 + (i % 90) * 1000),
            isrc=Isrc(f"QZBBB{i:07d}"),
            provider_ids={ProviderName("tidal"): ProviderTrackId(str(50_000_000 + i))},
        )
        for i in range(start, start + n)
    ]


def recorded_document(shared_fixtures: Path, name: str = RECORDED_US) -> Document:
    return Document.parse(json.loads((shared_fixtures / name).read_text()))


@pytest.fixture
def recorded_track(shared_fixtures: Path) -> Track:
    doc = recorded_document(shared_fixtures)
    track = map_track(doc, doc.related(doc.data[0], "items")[0])
    return Track(  # the album the document describes, as the catalog entry's release
        **{
            **{f: getattr(track, f) for f in ("title", "artists", "duration_ms", "isrc")},
            "provider_ids": track.provider_ids,
            "album": Album("Die With A Smile", release_date="2024-08-16", upc="00602475093060"),
        }
    )


@pytest.fixture
async def emulator(recorded_track: Track) -> AsyncIterator[TidalEmulator]:
    async with TidalEmulator(catalog=[recorded_track, *synthetic_tracks(300)]) as emu:
        yield emu


@pytest.fixture
async def provider(emulator: TidalEmulator) -> AsyncIterator[TidalProvider]:
    adapter = TidalProvider(
        access_token=emulator.issue_token().access_token, api_url=emulator.api_url
    )
    yield adapter
    await adapter.aclose()
