"""The SQL job queue on SQLite and PostgreSQL: leases, fencing, retries, cancel, events."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.queue import (
    WEBHOOK_KIND,
    Backoff,
    JobNotFound,
    JobQueue,
    JobState,
    JobStateError,
    LeaseLost,
    SqlJobQueue,
)
from tests.service.jobs._db import Clock, add_user

LEASE = 30.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(engine: AsyncEngine, clock: Clock) -> SqlJobQueue:
    return SqlJobQueue(
        engine,
        backoff=Backoff(base=10, factor=2, cap=100, jitter=0),
        default_max_attempts=3,
        clock=clock,
        rng=random.Random(1),
    )


def test_is_a_job_queue(queue: SqlJobQueue) -> None:
    assert isinstance(queue, JobQueue)


async def test_lifecycle_and_gap_free_events(queue: SqlJobQueue, engine: AsyncEngine) -> None:
    owner = await add_user(engine)
    job = await queue.enqueue("export", {"format": "m3u"}, owner_id=owner)
    assert job.state is JobState.QUEUED
    lease = await queue.claim("w1", lease_seconds=LEASE)
    assert lease is not None
    assert lease.job.id == job.id
    assert lease.job.attempts == 1
    assert lease.fence == 1
    await queue.emit(lease, "progress", {"step": 1}, progress=(1, 2))
    await queue.emit(lease, "progress", {"step": 2}, progress=(2, 2))
    done = await queue.complete(lease, {"blob": "exports/x"})
    assert done.state is JobState.SUCCEEDED
    assert done.result == {"blob": "exports/x"}
    assert (done.progress_done, done.progress_total) == (2, 2)
    assert done.finished_at is not None
    events = await queue.events(job.id)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.type for e in events] == ["queued", "started", "progress", "progress", "succeeded"]
    assert [e.seq for e in await queue.events(job.id, after=3)] == [4, 5]
    assert await queue.claim("w1", lease_seconds=LEASE) is None


async def test_claim_respects_kinds_and_delay(queue: SqlJobQueue, clock: Clock) -> None:
    later = await queue.enqueue("export", {}, delay=60)
    other = await queue.enqueue("enrichment", {})
    assert await queue.claim("w", kinds={"export"}, lease_seconds=LEASE) is None
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    assert lease.job.id == other.id
    clock.advance(61)
    lease = await queue.claim("w", kinds={"export"}, lease_seconds=LEASE)
    assert lease is not None
    assert lease.job.id == later.id


async def test_stale_worker_is_fenced_out(queue: SqlJobQueue, clock: Clock) -> None:
    job = await queue.enqueue("export", {})
    stale = await queue.claim("slow-worker", lease_seconds=LEASE)
    assert stale is not None
    clock.advance(LEASE + 1)
    assert await queue.reap_expired() == 1
    requeued = await queue.get(job.id)
    assert requeued.state is JobState.QUEUED
    assert requeued.fence == 2
    # the vanished worker wakes up: nothing it writes is accepted
    for attempt in (
        queue.emit(stale, "progress", {}),
        queue.heartbeat(stale, lease_seconds=LEASE),
        queue.save_checkpoint(stale, "c", {"x": 1}),
        queue.complete(stale, {"late": True}),
        queue.fail(stale, {"type": "X", "message": "m"}, retryable=True),
    ):
        with pytest.raises(LeaseLost):
            await attempt
    clock.advance(1000)
    fresh = await queue.claim("w2", lease_seconds=LEASE)
    assert fresh is not None
    assert fresh.fence == 3
    assert fresh.job.attempts == 2
    with pytest.raises(LeaseLost):
        await queue.complete(stale, {"late": True})
    await queue.complete(fresh, {"ok": True})
    final = await queue.get(job.id)
    assert final.result == {"ok": True}
    types = [e.type for e in await queue.events(job.id)]
    assert types == ["queued", "started", "retrying", "started", "succeeded"]


async def test_heartbeat_keeps_the_lease(queue: SqlJobQueue, clock: Clock) -> None:
    await queue.enqueue("export", {})
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    for _ in range(5):
        clock.advance(LEASE * 0.6)
        lease = await queue.heartbeat(lease, lease_seconds=LEASE)
        assert await queue.reap_expired() == 0
    await queue.complete(lease, {})


async def test_retry_backoff_then_dead_letter(queue: SqlJobQueue, clock: Clock) -> None:
    job = await queue.enqueue("export", {})
    delays = []
    for attempt in (1, 2, 3):
        lease = await queue.claim("w", lease_seconds=LEASE)
        assert lease is not None, attempt
        assert lease.job.attempts == attempt
        after = await queue.fail(lease, {"type": "Boom", "message": "x"}, retryable=True)
        if attempt < 3:
            assert after.state is JobState.QUEUED
            delays.append((after.run_after - clock.now).total_seconds())
            assert await queue.claim("w", lease_seconds=LEASE) is None  # not due yet
            clock.advance(1000)
        else:
            assert after.state is JobState.DEAD
    assert delays == [10, 20]
    dead = await queue.get(job.id)
    assert dead.error == {"type": "Boom", "message": "x", "retryable": True}
    assert [e.type for e in await queue.events(job.id)][-1] == "dead"


async def test_permanent_error_fails_at_once(queue: SqlJobQueue) -> None:
    job = await queue.enqueue("export", {}, max_attempts=5)
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    failed = await queue.fail(lease, {"type": "Bad", "message": "no"}, retryable=False)
    assert failed.state is JobState.FAILED
    assert (await queue.get(job.id)).attempts == 1


async def test_lease_expiry_of_last_attempt_dead_letters(queue: SqlJobQueue, clock: Clock) -> None:
    job = await queue.enqueue("export", {}, max_attempts=1)
    assert await queue.claim("w", lease_seconds=LEASE) is not None
    clock.advance(LEASE + 1)
    assert await queue.reap_expired() == 1
    dead = await queue.get(job.id)
    assert dead.state is JobState.DEAD
    assert dead.error is not None
    assert dead.error["type"] == "LeaseExpired"


async def test_cancel(queue: SqlJobQueue, engine: AsyncEngine) -> None:
    owner = await add_user(engine)
    stranger = await add_user(engine)
    queued = await queue.enqueue("export", {}, owner_id=owner)
    with pytest.raises(JobNotFound):
        await queue.cancel(queued.id, owner_id=stranger)
    cancelled = await queue.cancel(queued.id, owner_id=owner)
    assert cancelled.state is JobState.CANCELLED
    assert (await queue.cancel(queued.id, owner_id=owner)).state is JobState.CANCELLED

    running = await queue.enqueue("export", {}, owner_id=owner)
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    flagged = await queue.cancel(running.id, owner_id=owner)
    assert flagged.state is JobState.RUNNING
    assert flagged.cancel_requested
    lease = await queue.heartbeat(lease, lease_seconds=LEASE)
    assert lease.cancel_requested
    assert (await queue.mark_cancelled(lease)).state is JobState.CANCELLED
    types = [e.type for e in await queue.events(running.id)]
    assert types == ["queued", "started", "cancel_requested", "cancelled"]

    finished = await queue.enqueue("export", {}, owner_id=owner)
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    await queue.complete(lease, {})
    with pytest.raises(JobStateError):
        await queue.cancel(finished.id, owner_id=owner)


async def test_release_does_not_count_the_attempt(queue: SqlJobQueue) -> None:
    job = await queue.enqueue("export", {})
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    released = await queue.release(lease)
    assert released.state is JobState.QUEUED
    assert released.attempts == 0
    again = await queue.claim("w", lease_seconds=LEASE)
    assert again is not None
    assert again.job.id == job.id
    assert again.job.attempts == 1


async def test_checkpoints_are_fenced(queue: SqlJobQueue, clock: Clock) -> None:
    job = await queue.enqueue("migration", {})
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    assert await queue.load_checkpoint(job.id, "migrate") is None
    await queue.save_checkpoint(lease, "migrate", {"added": 100})
    await queue.save_checkpoint(lease, "migrate", {"added": 200})
    assert await queue.load_checkpoint(job.id, "migrate") == {"added": 200}
    clock.advance(LEASE + 1)
    await queue.reap_expired()
    with pytest.raises(LeaseLost):
        await queue.save_checkpoint(lease, "migrate", {"added": 300})
    assert await queue.load_checkpoint(job.id, "migrate") == {"added": 200}


async def test_webhook_job_is_enqueued_with_the_outcome(queue: SqlJobQueue) -> None:
    job = await queue.enqueue("export", {}, webhook_url="https://example.test/hook")
    lease = await queue.claim("w", kinds={"export"}, lease_seconds=LEASE)
    assert lease is not None
    await queue.complete(lease, {})
    hooks, _ = await queue.list_jobs(kinds={WEBHOOK_KIND})
    assert [h.payload for h in hooks] == [{"job_id": job.id}]


async def test_list_jobs_pages_newest_first(
    queue: SqlJobQueue, engine: AsyncEngine, clock: Clock
) -> None:
    owner = await add_user(engine)
    other = await add_user(engine)
    made = []
    for index in range(7):
        clock.advance(1)
        made.append(await queue.enqueue("export", {"i": index}, owner_id=owner))
    await queue.enqueue("export", {}, owner_id=other)
    seen: list[str] = []
    cursor = None
    while True:
        page, cursor = await queue.list_jobs(owner_id=owner, limit=3, cursor=cursor)
        seen += [job.id for job in page]
        if cursor is None:
            break
    assert seen == [job.id for job in reversed(made)]
    queued, _ = await queue.list_jobs(owner_id=owner, states={JobState.SUCCEEDED})
    assert queued == []
    with pytest.raises(ValueError, match="cursor"):
        await queue.list_jobs(cursor="!!not-a-cursor")


async def test_concurrent_claims_never_share_a_job(engine: AsyncEngine) -> None:
    queue = SqlJobQueue(engine)
    ids = {(await queue.enqueue("export", {"n": n})).id for n in range(40)}
    claimed: list[str] = []

    async def worker(name: str) -> None:
        while (lease := await queue.claim(name, lease_seconds=LEASE)) is not None:
            claimed.append(lease.job_id)
            await queue.complete(lease, {})

    await asyncio.gather(*(worker(f"w{n}") for n in range(6)))
    assert sorted(claimed) == sorted(ids)


async def test_nested_writes_fail_fast_instead_of_deadlocking(queue: SqlJobQueue) -> None:
    await queue.enqueue("export", {})
    lease = await queue.claim("w", lease_seconds=LEASE)
    assert lease is not None
    async with queue.transaction(lease) as tx:
        with pytest.raises(RuntimeError, match="nested"):
            await queue.emit(lease, "progress", {})
        await tx.emit("progress", {"ok": True})
    assert [e.type for e in await queue.events(lease.job_id)][-1] == "progress"


async def test_an_enqueue_in_a_unit_of_work_commits_or_rolls_back_with_it(
    queue: SqlJobQueue, engine: AsyncEngine
) -> None:
    from playlist_service.queue import JobNotFound
    from playlist_service.store import unit_of_work

    async with unit_of_work(engine):
        dropped = await queue.enqueue("export", {"format": "m3u"})
        # leaving without commit rolls the job and its event back
    with pytest.raises(JobNotFound):
        await queue.get(dropped.id)
    assert await queue.events(dropped.id) == []
    async with unit_of_work(engine) as unit:
        kept = await queue.enqueue("export", {"format": "m3u"})
        await unit.commit()
    assert (await queue.get(kept.id)).state is JobState.QUEUED
    assert [(e.seq, e.type, e.data) for e in await queue.events(kept.id)] == [
        (1, "queued", {"kind": "export"})
    ]
