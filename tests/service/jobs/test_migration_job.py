"""Migration jobs: the library's engine under the queue, resumed from the database checkpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.migrate import MigrationCheckpoint
from playlist_interop.model import Playlist, make_converter
from playlist_interop.providers import Provider
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from playlist_service.blobs import LocalBlobStore, read_all
from playlist_service.queue import Backoff, JobState, SqlJobQueue
from playlist_service.store.tables import stored_playlists
from playlist_service.worker import (
    HandlerServices,
    JobContext,
    PermanentJobError,
    Worker,
    WorkerOptions,
)
from playlist_service.worker.handlers import PROVIDERS_SERVICE, JobCheckpointStore, builtin_handlers
from tests.migrate.conftest import SPOTIFY, CrashingProvider, as_file_entry, catalog
from tests.service.jobs._db import add_user

ENTRIES = 120


@pytest.fixture
async def emulator() -> AsyncIterator[SpotifyEmulator]:
    async with SpotifyEmulator(catalog(ENTRIES)) as emu:
        yield emu


class Opener:
    """Opens Spotify adapters on the emulator; the first one crashes on its 2nd add batch."""

    def __init__(self, emulator: SpotifyEmulator, *, crash_first: bool) -> None:
        self.emulator = emulator
        self.crash_first = crash_first
        self.opened = 0

    @contextlib.asynccontextmanager
    async def __call__(self, user_id: str, provider: str) -> AsyncIterator[Provider]:
        if provider != "spotify":
            raise PermanentJobError(f"no {provider} account is linked", code="provider-not-linked")
        self.opened += 1
        token = self.emulator.issue_token()
        async with SpotifyProvider(
            access_token=token.access_token, api_url=self.emulator.api_url
        ) as adapter:
            if self.crash_first and self.opened == 1:
                yield CrashingProvider(adapter, fail_on_call=2, after_sending=True)  # type: ignore[misc]
            else:
                yield adapter


async def _services(
    engine: AsyncEngine, tmp_path: Path, opener: Opener, http: aiohttp.ClientSession
) -> HandlerServices:
    return HandlerServices(
        queue=SqlJobQueue(engine, backoff=Backoff(base=0.01, jitter=0)),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        options=WorkerOptions(lease_seconds=10, heartbeat_seconds=0.2, poll_seconds=0.02),
        http=http,
        extras={PROVIDERS_SERVICE: opener},
    )


async def _stored(engine: AsyncEngine, owner: str) -> str:
    playlist = Playlist(name="Road trip", tracks=[as_file_entry(t) for t in catalog(ENTRIES)])
    async with engine.begin() as conn:
        await conn.execute(
            stored_playlists.insert().values(
                id="road-trip",
                user_id=owner,
                name=playlist.name,
                source="file",
                track_count=len(playlist.tracks),
                document=make_converter().unstructure(playlist),
            )
        )
    return "road-trip"


async def test_crashed_migration_resumes_from_its_checkpoint(
    engine: AsyncEngine, tmp_path: Path, emulator: SpotifyEmulator
) -> None:
    owner = await add_user(engine)
    opener = Opener(emulator, crash_first=True)
    async with aiohttp.ClientSession() as http:
        services = await _services(engine, tmp_path, opener, http)
        job = await services.queue.enqueue(
            "migration",
            {
                "source": {"stored_playlist_id": await _stored(engine, owner)},
                "target": {"provider": "spotify", "name": None, "public": False},
            },
            owner_id=owner,
        )
        worker = Worker(services, builtin_handlers())
        assert await worker.run_one()  # crashes after the 2nd batch landed
        failed = await services.queue.get(job.id)
        assert failed.state is JobState.QUEUED
        assert failed.error is not None
        assert failed.error["type"] == "ConnectionResetError"
        saved = await services.queue.load_checkpoint(job.id, "migration")
        checkpoint = MigrationCheckpoint.from_json(json.dumps(saved["checkpoint"]))
        assert checkpoint.added == 100  # the first batch is confirmed, the 2nd is in flight
        assert checkpoint.in_flight == 20
        await asyncio.sleep(0.05)  # past the backoff
        assert await worker.run_one()
        done = await services.queue.get(job.id)
        assert done.state is JobState.SUCCEEDED, done.error
        assert done.result is not None
        assert done.result["resumed"] is True
        assert done.result["added"] == ENTRIES
        assert done.result["counts"]["matched"] == ENTRIES
        (pid,) = list(emulator.playlists)
        uris = emulator.playlist_uris(pid)
        expected = [f"spotify:track:{t.provider_ids[SPOTIFY]}" for t in catalog(ENTRIES)]
        assert uris == expected  # every entry once, in order: the in-flight batch not re-sent
        assert emulator.request_count("POST", "/v1/me/playlists") == 1
        report = json.loads(await read_all(services.blobs, done.result["blob_key"]))
        assert len(report["entries"]) == ENTRIES
        progress = [e for e in await services.queue.events(job.id) if e.type == "progress"]
        assert {e.data["stage"] for e in progress} >= {"read", "match", "add"}


async def test_missing_account_fails_the_job_for_good(
    engine: AsyncEngine, tmp_path: Path, emulator: SpotifyEmulator
) -> None:
    owner = await add_user(engine)
    async with aiohttp.ClientSession() as http:
        services = await _services(engine, tmp_path, Opener(emulator, crash_first=False), http)
        job = await services.queue.enqueue(
            "migration",
            {
                "source": {"stored_playlist_id": await _stored(engine, owner)},
                "target": {"provider": "deezer"},
            },
            owner_id=owner,
        )
        assert await Worker(services, builtin_handlers()).run_one()
    failed = await services.queue.get(job.id)
    assert failed.state is JobState.FAILED
    assert failed.error is not None
    assert failed.error["code"] == "provider-not-linked"


async def test_checkpoint_store_is_per_plan(engine: AsyncEngine, tmp_path: Path) -> None:
    queue = SqlJobQueue(engine)
    job = await queue.enqueue("migration", {})
    lease = await queue.claim("w", lease_seconds=10)
    assert lease is not None
    services = HandlerServices(queue=queue, blobs=LocalBlobStore(tmp_path), options=WorkerOptions())
    store = JobCheckpointStore(JobContext(lease, services))
    assert await store.load("plan-a") is None
    await store.save(MigrationCheckpoint(plan_id="plan-a", added=5))
    loaded = await store.load("plan-a")
    assert loaded is not None
    assert loaded.added == 5
    assert await store.load("plan-b") is None
    await store.clear("plan-a")
    assert await store.load("plan-a") is None
    assert job.id == lease.job_id
