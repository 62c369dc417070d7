"""The worker with its built-in handlers, embedded (SQLite) and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.codecs import get_codec
from playlist_interop.model import ArtistCredit, Playlist, Track, make_converter
from playlist_service.blobs import LocalBlobStore, read_all
from playlist_service.queue import Backoff, JobState, SqlJobQueue
from playlist_service.store.tables import stored_playlists
from playlist_service.worker import (
    HandlerServices,
    JobContext,
    PermanentJobError,
    Worker,
    WorkerOptions,
    is_retryable,
)
from playlist_service.worker.handlers import (
    PublicAddressResolver,
    builtin_handlers,
    is_public_address,
    verify_webhook,
    webhook_secret,
)
from tests.service.jobs._db import add_user

WEBHOOK_KEY = b"w" * 32

PLAYLIST = Playlist(
    name="Night drive",
    tracks=[
        Track(title="Nightcall", artists=[ArtistCredit(name="Kavinsky")], duration_ms=258000),
        Track(title="A Real Hero", artists=[ArtistCredit(name="College")], duration_ms=268000),
    ],
)


@pytest.fixture
async def services(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[HandlerServices]:
    async with aiohttp.ClientSession() as http:
        yield HandlerServices(
            queue=SqlJobQueue(engine, backoff=Backoff(base=0.01, jitter=0)),
            blobs=LocalBlobStore(tmp_path / "blobs"),
            options=WorkerOptions(
                concurrency=4,
                lease_seconds=5,
                heartbeat_seconds=0.05,
                poll_seconds=0.02,
                shutdown_grace_seconds=0.2,
                webhook_allow_http=True,
                webhook_allow_private=True,  # the receiver is on loopback
            ),
            http=http,
            webhook_key=WEBHOOK_KEY,
        )


def _worker(services: HandlerServices, **extra: Any) -> Worker:
    return Worker(services, {**builtin_handlers(), **extra})


async def _wait_for(queue: SqlJobQueue, job_id: str, *states: JobState) -> Any:
    for _ in range(400):
        job = await queue.get(job_id)
        if job.state in states:
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} stuck in {job.state}")


async def test_export_writes_the_file(services: HandlerServices, engine: AsyncEngine) -> None:
    owner = await add_user(engine)
    document = make_converter().unstructure(PLAYLIST)
    job = await services.queue.enqueue(
        "export", {"source": {"playlist": document}, "format": "xspf"}, owner_id=owner
    )
    assert await _worker(services).run_one()
    done = await services.queue.get(job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.result is not None
    assert done.result["blob_key"] == f"jobs/{job.id}/export.xspf"
    assert done.result["filename"] == "Night drive.xspf"
    assert done.result["media_type"] == "application/xspf+xml"
    assert done.result["tracks"] == 2
    data = await read_all(services.blobs, done.result["blob_key"])
    assert len(data) == done.result["size"]
    again = get_codec("xspf").read(data)
    assert [t.title for t in again.tracks] == ["Nightcall", "A Real Hero"]
    events = await services.queue.events(job.id)
    assert [e.type for e in events] == ["queued", "started", "progress", "progress", "succeeded"]


async def test_export_of_stored_playlist_checks_the_owner(
    services: HandlerServices, engine: AsyncEngine
) -> None:
    owner = await add_user(engine)
    stranger = await add_user(engine)
    async with engine.begin() as conn:
        await conn.execute(
            stored_playlists.insert().values(
                id="pl1",
                user_id=owner,
                name="Mine",
                source="file",
                track_count=2,
                document=make_converter().unstructure(PLAYLIST),
            )
        )
    mine = await services.queue.enqueue(
        "export", {"source": {"stored_playlist_id": "pl1"}, "format": "jspf"}, owner_id=owner
    )
    theirs = await services.queue.enqueue(
        "export", {"source": {"stored_playlist_id": "pl1"}, "format": "jspf"}, owner_id=stranger
    )
    worker = _worker(services)
    assert await worker.run_one()
    assert await worker.run_one()
    assert (await services.queue.get(mine.id)).state is JobState.SUCCEEDED
    failed = await services.queue.get(theirs.id)
    assert failed.state is JobState.FAILED
    assert failed.attempts == 1
    assert failed.error is not None
    assert failed.error["code"] == "playlist-not-found"


async def test_bad_format_fails_without_retry(services: HandlerServices) -> None:
    job = await services.queue.enqueue(
        "export", {"source": {"playlist": {"name": "x"}}, "format": "docx"}
    )
    assert await _worker(services).run_one()
    failed = await services.queue.get(job.id)
    assert failed.state is JobState.FAILED
    assert failed.error is not None
    assert failed.error["code"] == "unsupported-format"


async def test_transient_errors_are_retried(services: HandlerServices) -> None:
    calls = []

    async def flaky(context: JobContext) -> Mapping[str, Any]:
        calls.append(context.job.attempts)
        if len(calls) < 3:
            raise ConnectionError("upstream reset")
        return {"ok": True}

    job = await services.queue.enqueue("flaky", {}, max_attempts=5)
    worker = _worker(services, flaky=flaky)
    task = worker.start()
    done = await _wait_for(services.queue, job.id, JobState.SUCCEEDED)
    await worker.stop()
    assert task.done()
    assert calls == [1, 2, 3]
    assert done.attempts == 3
    types = [e.type for e in await services.queue.events(job.id)]
    assert types.count("retrying") == 2


def test_retry_predicate() -> None:
    from playlist_interop.errors import AuthError, PlaylistFormatError, RateLimited

    assert is_retryable(ConnectionError())
    assert is_retryable(TimeoutError())
    assert is_retryable(RateLimited("slow down", provider="spotify"))
    assert not is_retryable(AuthError("no", provider="spotify"))
    assert not is_retryable(PlaylistFormatError("bad", codec="m3u"))
    assert not is_retryable(PermanentJobError("no"))
    assert not is_retryable(KeyError("bug"))


async def test_cancel_reaches_a_running_handler(services: HandlerServices) -> None:
    started = asyncio.Event()

    async def patient(context: JobContext) -> Mapping[str, Any]:
        started.set()
        while True:
            context.check_cancelled()
            await asyncio.sleep(0.01)

    job = await services.queue.enqueue("patient", {})
    worker = _worker(services, patient=patient)
    worker.start()
    await asyncio.wait_for(started.wait(), 5)
    await services.queue.cancel(job.id)
    done = await _wait_for(services.queue, job.id, JobState.CANCELLED)
    await worker.stop()
    assert done.state is JobState.CANCELLED


async def test_handler_ignoring_cancel_is_stopped(services: HandlerServices) -> None:
    started = asyncio.Event()

    async def stubborn(context: JobContext) -> Mapping[str, Any]:
        started.set()
        await asyncio.sleep(60)
        return {}

    job = await services.queue.enqueue("stubborn", {})
    worker = _worker(services, stubborn=stubborn)
    worker.start()
    await asyncio.wait_for(started.wait(), 5)
    await services.queue.cancel(job.id)
    await _wait_for(services.queue, job.id, JobState.CANCELLED)
    await worker.stop()


async def test_stop_hands_running_jobs_back(services: HandlerServices) -> None:
    started = asyncio.Event()

    async def endless(context: JobContext) -> Mapping[str, Any]:
        started.set()
        await asyncio.sleep(60)
        return {}

    job = await services.queue.enqueue("endless", {})
    worker = _worker(services, endless=endless)
    worker.start()
    await asyncio.wait_for(started.wait(), 5)
    await worker.stop()
    back = await services.queue.get(job.id)
    assert back.state is JobState.QUEUED
    assert back.attempts == 0
    assert [e.type for e in await services.queue.events(job.id)][-1] == "released"


async def test_stalled_worker_cannot_commit(services: HandlerServices) -> None:
    """A worker whose lease ran out (no heartbeat got through) writes nothing more."""
    queue = services.queue
    job = await queue.enqueue("slow", {})
    release = asyncio.Event()
    effects: list[str] = []

    async def slow(context: JobContext) -> Mapping[str, Any]:
        await release.wait()
        async with context.transaction() as tx:
            await tx.save_checkpoint("effect", {"by": context.lease.worker_id})
            effects.append(context.lease.worker_id)
        return {"by": context.lease.worker_id}

    stalled_options = WorkerOptions(lease_seconds=0.2, heartbeat_seconds=30, poll_seconds=0.02)
    import attrs

    stalled = Worker(attrs.evolve(services, options=stalled_options), {"slow": slow}, worker_id="A")
    first = asyncio.create_task(stalled.run_one())
    await asyncio.sleep(0.4)  # lease expired, no heartbeat
    assert await queue.reap_expired() == 1
    release.set()
    await first
    assert effects == []
    second = Worker(services, {"slow": slow}, worker_id="B")
    await asyncio.sleep(0.05)  # past the (tiny) backoff
    assert await second.run_one()
    done = await queue.get(job.id)
    assert done.state is JobState.SUCCEEDED
    assert done.result == {"by": "B"}
    assert effects == ["B"]
    assert await queue.load_checkpoint(job.id, "effect") == {"by": "B"}


async def test_import_stores_the_playlist_once(
    services: HandlerServices, engine: AsyncEngine
) -> None:
    owner = await add_user(engine)
    upload = b"#EXTM3U\n#PLAYLIST:Road trip\n#EXTINF:258,Kavinsky - Nightcall\nnightcall.mp3\n"
    await services.blobs.put("uploads/u1/list.m3u", upload)
    job = await services.queue.enqueue(
        "import", {"blob_key": "uploads/u1/list.m3u", "filename": "list.m3u"}, owner_id=owner
    )
    assert await _worker(services).run_one()
    done = await services.queue.get(job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.result is not None
    assert done.result["stored_playlist_id"] == job.id
    assert done.result["tracks"] == 1
    async with engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    sa.select(stored_playlists).where(stored_playlists.c.user_id == owner)
                )
            )
            .mappings()
            .all()
        )
    assert len(rows) == 1
    assert rows[0]["format"] == "m3u"
    assert rows[0]["document"]["tracks"][0]["title"] == "Nightcall"
    assert not await services.blobs.exists("uploads/u1/list.m3u")  # the upload is removed


async def test_import_retried_after_storing_does_not_store_again(
    services: HandlerServices, engine: AsyncEngine
) -> None:
    """An attempt that stored the playlist but died before finishing: the retry completes."""
    owner = await add_user(engine)
    job = await services.queue.enqueue(
        "import", {"blob_key": "uploads/gone/list.m3u"}, owner_id=owner
    )
    async with engine.begin() as conn:  # what the first attempt had committed
        await conn.execute(
            stored_playlists.insert().values(
                id=job.id, user_id=owner, name="Kept", source="file", track_count=3, document={}
            )
        )
    assert await _worker(services).run_one()
    done = await services.queue.get(job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.result == {
        "stored_playlist_id": job.id,
        "name": "Kept",
        "tracks": 3,
        "warnings": [],
    }


async def test_webhook_is_signed_and_delivered(services: HandlerServices) -> None:
    received: list[tuple[bytes, Mapping[str, str]]] = []
    answers = [503, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.read(), dict(request.headers)))
        return web.Response(status=answers.pop(0))

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        url = str(server.make_url("/hook"))
        job = await services.queue.enqueue(
            "export",
            {"source": {"playlist": {"name": "x"}}, "format": "m3u"},
            webhook_url=url,
        )
        worker = _worker(services)
        worker.start()
        for _ in range(300):
            if len(received) == 2:
                break
            await asyncio.sleep(0.02)
        await worker.stop()
    finally:
        await server.close()
    assert len(received) == 2  # first answered 503, retried
    body, headers = received[-1]
    assert headers["X-Playlist-Job"] == job.id
    assert received[0][1]["X-Playlist-Delivery"] == headers["X-Playlist-Delivery"]
    secret = webhook_secret(WEBHOOK_KEY, job.id)
    assert verify_webhook(secret, body, headers["X-Playlist-Signature"])
    assert not verify_webhook("wrong", body, headers["X-Playlist-Signature"])
    document = json.loads(body)
    assert document["id"] == job.id
    assert document["state"] == "succeeded"


async def test_many_jobs_run_concurrently(services: HandlerServices) -> None:
    running = 0
    peak = 0
    full = asyncio.Event()

    async def sleepy(context: JobContext) -> Mapping[str, Any]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == 4:
            full.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(full.wait(), 5)  # hold the slot until all 4 are busy
        await asyncio.sleep(0.01)
        running -= 1
        return {}

    ids = [(await services.queue.enqueue("sleepy", {})).id for _ in range(12)]
    worker = _worker(services, sleepy=sleepy)
    worker.start()
    for job_id in ids:
        await _wait_for(services.queue, job_id, JobState.SUCCEEDED)
    await worker.stop()
    assert peak == 4  # concurrency reached, never exceeded


async def test_separate_workers_are_woken_by_new_jobs(
    services: HandlerServices, engine: AsyncEngine
) -> None:
    """PostgreSQL: an enqueue by another process wakes an idle worker at once (LISTEN/NOTIFY)."""
    import attrs

    sleepy = attrs.evolve(services, options=attrs.evolve(services.options, poll_seconds=30))
    worker = _worker(sleepy)
    producer = SqlJobQueue(engine)  # another process's queue: it cannot call worker.notify()
    async with producer.wakeups(lambda: None) as listening:
        assert listening is (engine.dialect.name == "postgresql")
    if not listening:
        return  # SQLite: one process; the API wakes its embedded worker directly
    worker.start()
    await asyncio.sleep(0.3)  # the worker is idle, waiting up to 30 s for its next poll
    job = await producer.enqueue("export", {"source": {"playlist": {"name": "x"}}, "format": "m3u"})
    done = await asyncio.wait_for(_wait_for(producer, job.id, JobState.SUCCEEDED), 5)
    await worker.stop()
    assert done.state is JobState.SUCCEEDED


async def test_purge_deletes_old_jobs_and_their_files(services: HandlerServices) -> None:
    import attrs

    from playlist_service.queue import JobNotFound

    document = make_converter().unstructure(PLAYLIST)
    old = await services.queue.enqueue(
        "export", {"source": {"playlist": document}, "format": "xspf"}
    )
    assert await _worker(services).run_one()
    key = (await services.queue.get(old.id)).result["blob_key"]  # type: ignore[index]
    assert await services.blobs.exists(key)
    waiting = await services.queue.enqueue("export", {}, delay=3600)
    await asyncio.sleep(0.05)
    short = attrs.evolve(services, options=attrs.evolve(services.options, retention_days=1e-7))
    assert await _worker(short).purge() == 1
    assert not await services.blobs.exists(key)
    with pytest.raises(JobNotFound):
        await services.queue.get(old.id)
    assert await services.queue.events(old.id) == []
    assert (await services.queue.get(waiting.id)).state is JobState.QUEUED
    assert await _worker(services).purge() == 0  # 30 days: nothing that old


async def test_worker_survives_an_unexpected_loop_error(services: HandlerServices) -> None:
    import attrs

    class Glitchy(SqlJobQueue):
        glitches = 1

        async def claim(self, *args: Any, **kwargs: Any) -> Any:
            if self.glitches:
                self.glitches -= 1
                raise RuntimeError("unexpected")
            return await super().claim(*args, **kwargs)

    queue = Glitchy(services.queue.engine)
    worker = _worker(attrs.evolve(services, queue=queue))
    job = await queue.enqueue("export", {"source": {"playlist": {"name": "x"}}, "format": "m3u"})
    worker.start()
    await _wait_for(queue, job.id, JobState.SUCCEEDED)
    await worker.stop()
    assert queue.glitches == 0


async def test_webhooks_to_internal_addresses_are_refused(services: HandlerServices) -> None:
    import attrs

    strict = attrs.evolve(
        services, options=attrs.evolve(services.options, webhook_allow_private=False)
    )
    job = await services.queue.enqueue(
        "export",
        {"source": {"playlist": {"name": "x"}}, "format": "m3u"},
        webhook_url="http://127.0.0.1:9/hook",
    )
    worker = _worker(strict)
    assert await worker.run_one()  # the export
    assert await worker.run_one()  # its webhook
    hooks, _ = await services.queue.list_jobs(kinds={"webhook"})
    assert [h.state for h in hooks] == [JobState.FAILED]
    assert hooks[0].error is not None
    assert hooks[0].error["code"] == "webhook-address-forbidden"
    assert (await services.queue.get(job.id)).state is JobState.SUCCEEDED


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("224.0.0.1", False),
        ("not an address", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


async def test_resolver_drops_internal_answers() -> None:
    resolver = PublicAddressResolver()
    with pytest.raises(OSError, match="no public address"):
        await resolver.resolve("localhost", 80)


def test_options_from_environment() -> None:
    options = WorkerOptions.from_env(
        {
            "PLAYLIST_SERVICE_WORKER_CONCURRENCY": "8",
            "PLAYLIST_SERVICE_WORKER_LEASE_SECONDS": "12",
            "PLAYLIST_SERVICE_JOB_RETENTION_DAYS": "7",
            "PLAYLIST_SERVICE_WEBHOOK_ALLOW_HTTP": "1",
        }
    )
    assert options.concurrency == 8
    assert options.heartbeat_interval == 4
    assert options.retention_days == 7
    assert options.webhook_allow_http
    assert options.webhook_allow_private
    defaults = WorkerOptions.from_env({})
    assert not defaults.webhook_allow_http
    assert not defaults.webhook_allow_private
    with pytest.raises(ValueError, match="number"):
        WorkerOptions.from_env({"PLAYLIST_SERVICE_WORKER_CONCURRENCY": "many"})
