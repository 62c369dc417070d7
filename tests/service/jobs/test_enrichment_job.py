"""Enrichment jobs against the MusicBrainz loopback emulator, resumed from their checkpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.model import Album, ArtistCredit, Playlist, Track, make_converter
from playlist_interop.providers._http import RequestBudget
from playlist_interop.providers.musicbrainz import MusicBrainzClient
from playlist_interop.testing.emulators.musicbrainz import MusicBrainzEmulator
from playlist_interop.types import DurationMs, Isrc
from playlist_service.blobs import LocalBlobStore
from playlist_service.library import Library
from playlist_service.queue import Backoff, JobState, SqlJobQueue
from playlist_service.store.tables import artists, stored_playlists
from playlist_service.worker import HandlerServices, Worker, WorkerOptions
from playlist_service.worker.handlers import MUSICBRAINZ_SERVICE, builtin_handlers
from tests.service.jobs._db import add_user

UA = "playlist-service-tests/1.0 ( tests@example.invalid )"
KNOWN = [
    Track(
        f"Song {i}",
        artists=(ArtistCredit(f"Band {i % 3}"),),
        album=Album(f"Album {i}"),
        duration_ms=DurationMs(200_000 + i * 1000),
        isrc=Isrc(f"QZAAA{i:07d}"),
    )
    for i in range(25)
]


@pytest.fixture
async def emulator() -> AsyncIterator[MusicBrainzEmulator]:
    async with MusicBrainzEmulator(rate=10_000) as emu:
        for track in KNOWN:
            emu.add_track(track, tags=["rock"])
        yield emu


class FlakyClient(MusicBrainzClient):
    """Fails once, on the 15th track, as a dropped connection would."""

    calls = 0

    async def enrich(self, track: Track) -> Track:
        type(self).calls += 1
        if type(self).calls == 15:
            raise ConnectionResetError("connection dropped")
        return await super().enrich(track)


async def test_enrichment_resumes_and_updates_playlist_and_catalog(
    engine: AsyncEngine, tmp_path: Path, emulator: MusicBrainzEmulator
) -> None:
    owner = await add_user(engine)
    # the source has no ISRCs or album data: found by search, then identified
    source = Playlist(
        name="Bands",
        tracks=[
            *(Track(t.title, artists=t.artists, duration_ms=t.duration_ms) for t in KNOWN),
            Track("Nobody knows this", artists=(ArtistCredit("Unknown Artist"),)),
        ],
    )
    async with engine.begin() as conn:
        await conn.execute(
            stored_playlists.insert().values(
                id="bands",
                user_id=owner,
                name="Bands",
                source="file",
                track_count=len(source.tracks),
                document=make_converter().unstructure(source),
            )
        )
    await Library(engine).index_pending(owner)
    FlakyClient.calls = 0
    services = HandlerServices(
        queue=SqlJobQueue(engine, backoff=Backoff(base=0.01, jitter=0)),
        blobs=LocalBlobStore(tmp_path),
        options=WorkerOptions(heartbeat_seconds=0.5, poll_seconds=0.02),
        extras={
            MUSICBRAINZ_SERVICE: lambda: FlakyClient(
                user_agent=UA, api_url=emulator.api_url, budget=RequestBudget()
            )
        },
    )
    job = await services.queue.enqueue(
        "enrichment", {"stored_playlist_id": "bands"}, owner_id=owner
    )
    worker = Worker(services, builtin_handlers())
    assert await worker.run_one()
    assert (await services.queue.get(job.id)).state is JobState.QUEUED  # retried later
    await asyncio.sleep(0.05)
    assert await worker.run_one()
    done = await services.queue.get(job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.result == {
        "stored_playlist_id": "bands",
        "tracks": 26,
        "enriched": 25,
        "artists_identified": 3,
    }
    # resumed after the checkpoint of track 10: tracks 11..14 asked twice, 1..10 once
    assert FlakyClient.calls == 26 + 4 + 1
    async with engine.connect() as conn:
        document = (
            await conn.execute(
                sa.select(stored_playlists.c.document).where(stored_playlists.c.id == "bands")
            )
        ).scalar_one()
        catalog = dict(
            (await conn.execute(sa.select(artists.c.name, artists.c.musicbrainz_id))).all()
        )
    enriched = make_converter().structure(document, Playlist)
    assert [t.isrc for t in enriched.tracks[:25]] == [t.isrc for t in KNOWN]
    assert enriched.tracks[25].musicbrainz_recording_id is None
    assert all(catalog[f"Band {i}"] for i in range(3))
    assert catalog["Unknown Artist"] is None
    progress = [e.data["done"] for e in await services.queue.events(job.id) if e.type == "progress"]
    assert progress == [10, 20, 26]
