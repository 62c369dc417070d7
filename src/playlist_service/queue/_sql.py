"""The job queue on SQLAlchemy Core: PostgreSQL for scale-out, SQLite embedded."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import random
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from playlist_service.queue._models import (
    Backoff,
    Job,
    JobEvent,
    JobNotFound,
    JobState,
    JobStateError,
    Lease,
    LeaseLost,
)
from playlist_service.store import begin, single_statement
from playlist_service.store.tables import utcnow
from playlist_service.store.tables_jobs import job_checkpoints, job_events, jobs

__all__ = ["WAKEUP_CHANNEL", "WEBHOOK_KIND", "FencedTransaction", "SqlJobQueue"]

WAKEUP_CHANNEL = "playlist_service_jobs"
"""PostgreSQL ``NOTIFY`` channel announcing new due jobs to listening workers."""

WEBHOOK_KIND = "webhook"
"""Kind of the jobs that deliver a finished job's webhook (enqueued with the outcome)."""

_J = jobs.c
_IN_WRITE: ContextVar[bool] = ContextVar("playlist_job_queue_write", default=False)


class FencedTransaction:
    """A transaction opened by :meth:`SqlJobQueue.transaction`: handler writes, events and
    checkpoints that commit together, and only while the lease is held."""

    def __init__(self, queue: SqlJobQueue, connection: AsyncConnection, lease: Lease) -> None:
        self._queue = queue
        self._lease = lease
        self.connection = connection
        """The open connection; write the handler's own rows through it."""

    async def emit(
        self,
        type: str,
        data: Mapping[str, Any] | None = None,
        *,
        progress: tuple[int, int | None] | None = None,
    ) -> JobEvent:
        """Append an event in this transaction."""
        return await self._queue._emit_in(self.connection, self._lease, type, data, progress)

    async def save_checkpoint(self, name: str, data: Any) -> None:
        """Upsert a checkpoint in this transaction."""
        await self._queue._save_checkpoint_in(self.connection, self._lease, name, data)


class SqlJobQueue:
    """A :class:`~playlist_service.queue.JobQueue` in the service's database.

    Claiming is one ``UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING``: on PostgreSQL
    the sub-select takes ``FOR UPDATE SKIP LOCKED`` so concurrent workers each get a
    different job without waiting on each other; SQLite has a single writer, so the same
    conditional update is atomic there as it stands. Every transaction begins with its write,
    so SQLite writers queue on the busy timeout rather than fail on a lock upgrade.

    Each claim and each lease expiry increments the job's ``fence``; every worker write
    carries ``(lease_owner, fence, state='running')`` in its ``WHERE`` clause and raises
    :class:`LeaseLost` when no row matched.

    Args:
        engine: The service's async engine.
        backoff: Retry delay policy.
        default_max_attempts: Attempts allowed when :meth:`enqueue` does not say.
        clock: Returns the current aware UTC time (tests move it).
        rng: Randomness for the backoff jitter.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        backoff: Backoff | None = None,
        default_max_attempts: int = 5,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._backoff = backoff or Backoff()
        self._default_max_attempts = default_max_attempts
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter only
        # SQLite has one writer: queue this process's writes here rather than in SQLite's
        # busy handler, which sleeps in growing steps while another connection writes.
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (serialised within the process on SQLite).

        Raises:
            RuntimeError: the task is already inside one of the queue's write transactions;
                a second one would wait forever for the first (the job row's lock on
                PostgreSQL, the write lock on SQLite). Use the :class:`FencedTransaction`'s
                own ``emit``/``save_checkpoint`` instead.
        """
        if _IN_WRITE.get():
            raise RuntimeError(
                "nested job queue write: inside transaction(), use its emit/save_checkpoint"
            )
        token = _IN_WRITE.set(True)
        try:
            if self._write_lock is None:
                async with self._engine.begin() as conn:
                    yield conn
            else:
                async with self._write_lock, self._engine.begin() as conn:
                    yield conn
        finally:
            _IN_WRITE.reset(token)

    @property
    def engine(self) -> AsyncEngine:
        """The engine the queue writes through."""
        return self._engine

    # --- producers ---------------------------------------------------------------------

    async def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        owner_id: str | None = None,
        max_attempts: int | None = None,
        delay: float = 0.0,
        webhook_url: str | None = None,
        job_id: str | None = None,
    ) -> Job:
        """Store a new queued job and its ``queued`` event in one transaction.

        Inside a request's unit of work (an ``Idempotency-Key`` request) the job commits
        together with the stored response. On PostgreSQL the job, its event and the wake-up
        are one statement, which needs no transaction of its own.
        """
        postgres = self._engine.dialect.name == "postgresql"
        async with (single_statement if postgres else begin)(self._engine) as conn:
            return await self._insert_job(
                conn,
                kind,
                payload,
                owner_id=owner_id,
                max_attempts=max_attempts,
                delay=delay,
                webhook_url=webhook_url,
                job_id=job_id,
            )

    async def _insert_job(
        self,
        conn: AsyncConnection,
        kind: str,
        payload: Mapping[str, Any],
        *,
        owner_id: str | None,
        max_attempts: int | None,
        delay: float,
        webhook_url: str | None,
        job_id: str | None,
    ) -> Job:
        now = self._clock()
        attempts_allowed = max_attempts or self._default_max_attempts
        if attempts_allowed < 1:
            raise ValueError("max_attempts must be at least 1")
        values: dict[str, Any] = {
            "id": job_id or uuid.uuid4().hex,
            "kind": kind,
            "owner_id": owner_id,
            "state": JobState.QUEUED.value,
            "payload": dict(payload),
            "attempts": 0,
            "max_attempts": attempts_allowed,
            "run_after": now + dt.timedelta(seconds=max(0.0, delay)),
            "fence": 0,
            "cancel_requested": False,
            "event_seq": 1,
            "webhook_url": webhook_url,
            "created_at": now,
            "updated_at": now,
        }
        event = {"job_id": values["id"], "seq": 1, "at": now, "type": "queued"}
        event["data"] = {"kind": kind}
        if conn.dialect.name == "postgresql":
            statement = _INSERT_JOB_AND_ANNOUNCE if delay <= 0 else _INSERT_JOB
            parameters = {f"job_{name}": value for name, value in values.items()}
            parameters.update({f"event_{name}": value for name, value in event.items()})
            await conn.execute(statement, {**parameters, "channel": WAKEUP_CHANNEL})
            return _job_from_values(values)
        await conn.execute(jobs.insert().values(values))
        await conn.execute(job_events.insert().values(event))
        if delay <= 0:
            await self._announce(conn, kind)
        return _job_from_values(values)

    async def _announce(self, conn: AsyncConnection, kind: str) -> None:
        """Wake listening workers when the transaction commits (PostgreSQL only)."""
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(sa.func.pg_notify(WAKEUP_CHANNEL, kind)))

    def wakeups(self, callback: Callable[[], None]) -> contextlib.AbstractAsyncContextManager[bool]:
        """Call ``callback`` whenever a job is queued, for as long as the context is open.

        On PostgreSQL this holds one connection that listens on :data:`WAKEUP_CHANNEL`
        (enqueues ``NOTIFY`` it in their transaction), so separate worker processes pick new
        jobs up at once instead of at their next poll; it yields ``True``. Elsewhere it does
        nothing and yields ``False`` (an embedded worker is woken directly). Polling stays
        the safety net either way: a lost notification only delays a job to the next poll.
        """
        return self._wakeups(callback)

    @contextlib.asynccontextmanager
    async def _wakeups(self, callback: Callable[[], None]) -> AsyncIterator[bool]:
        if self._engine.dialect.name != "postgresql":
            yield False
            return
        async with self._engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None

            def on_notify(*_args: object) -> None:
                callback()

            await driver.add_listener(WAKEUP_CHANNEL, on_notify)
            try:
                yield True
            finally:
                with contextlib.suppress(Exception):
                    await driver.remove_listener(WAKEUP_CHANNEL, on_notify)

    # --- workers -----------------------------------------------------------------------

    async def claim(
        self, worker_id: str, *, kinds: Collection[str] | None = None, lease_seconds: float
    ) -> Lease | None:
        """Take the oldest due queued job under a new lease (fence + 1, attempts + 1)."""
        now = self._clock()
        expires = now + dt.timedelta(seconds=lease_seconds)
        candidate = sa.select(_J.id).where(_J.state == JobState.QUEUED.value, _J.run_after <= now)
        if kinds is not None:
            candidate = candidate.where(_J.kind.in_(list(kinds)))
        candidate_id = (
            candidate.order_by(_J.run_after, _J.created_at, _J.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = (
            jobs.update()
            .where(_J.id == candidate_id, _J.state == JobState.QUEUED.value)
            .values(
                state=JobState.RUNNING.value,
                lease_owner=worker_id,
                lease_expires_at=expires,
                fence=_J.fence + 1,
                attempts=_J.attempts + 1,
                event_seq=_J.event_seq + 1,
                started_at=sa.func.coalesce(_J.started_at, now),
                updated_at=now,
            )
            .returning(*jobs.c)
        )
        async with self._writing() as conn:
            row = (await conn.execute(statement)).mappings().first()
            if row is None:
                return None
            job = _job_from_values(row)
            await self._insert_event(
                conn,
                job.id,
                job.event_seq,
                (now, "started", {"attempt": job.attempts, "worker": worker_id}),
            )
        return Lease(job=job, worker_id=worker_id, fence=job.fence, expires_at=expires)

    def _fenced(self, lease: Lease) -> sa.Update:
        return jobs.update().where(
            _J.id == lease.job_id,
            _J.lease_owner == lease.worker_id,
            _J.fence == lease.fence,
            _J.state == JobState.RUNNING.value,
        )

    async def heartbeat(self, lease: Lease, *, lease_seconds: float) -> Lease:
        """Extend the lease by ``lease_seconds`` from now."""
        now = self._clock()
        expires = now + dt.timedelta(seconds=lease_seconds)
        async with self._writing() as conn:
            row = (
                await conn.execute(
                    self._fenced(lease)
                    .values(lease_expires_at=expires, updated_at=now)
                    .returning(_J.cancel_requested)
                )
            ).first()
        if row is None:
            raise LeaseLost(lease.job_id, lease.fence)
        return Lease(
            job=lease.job,
            worker_id=lease.worker_id,
            fence=lease.fence,
            expires_at=expires,
            cancel_requested=bool(row[0]),
        )

    def transaction(
        self, lease: Lease
    ) -> contextlib.AbstractAsyncContextManager[FencedTransaction]:
        """A database transaction that commits only while ``lease`` is held.

        The job row is touched under the fence first (locking it on PostgreSQL, taking the
        write lock on SQLite), so everything the handler writes through
        :attr:`FencedTransaction.connection` commits together with its events and
        checkpoints, or not at all. Raises :class:`LeaseLost` on entry when the lease is gone.
        """
        return self._transaction(lease)

    @contextlib.asynccontextmanager
    async def _transaction(self, lease: Lease) -> AsyncIterator[FencedTransaction]:
        now = self._clock()
        async with self._writing() as conn:
            touched = (
                await conn.execute(self._fenced(lease).values(updated_at=now).returning(_J.id))
            ).first()
            if touched is None:
                raise LeaseLost(lease.job_id, lease.fence)
            yield FencedTransaction(self, conn, lease)

    async def emit(
        self,
        lease: Lease,
        type: str,
        data: Mapping[str, Any] | None = None,
        *,
        progress: tuple[int, int | None] | None = None,
    ) -> JobEvent:
        """Append an event under the lease (gap-free: seq is the job row's counter + 1)."""
        async with self.transaction(lease) as tx:
            return await tx.emit(type, data, progress=progress)

    async def save_checkpoint(self, lease: Lease, name: str, data: Any) -> None:
        """Upsert the checkpoint under the lease."""
        async with self.transaction(lease) as tx:
            await tx.save_checkpoint(name, data)

    async def _emit_in(
        self,
        conn: AsyncConnection,
        lease: Lease,
        type: str,
        data: Mapping[str, Any] | None,
        progress: tuple[int, int | None] | None,
    ) -> JobEvent:
        now = self._clock()
        values: dict[str, Any] = {"event_seq": _J.event_seq + 1, "updated_at": now}
        if progress is not None:
            values["progress_done"], values["progress_total"] = progress
        row = (
            await conn.execute(self._fenced(lease).values(values).returning(_J.event_seq))
        ).first()
        if row is None:
            raise LeaseLost(lease.job_id, lease.fence)
        return await self._insert_event(conn, lease.job_id, int(row[0]), (now, type, data or {}))

    async def _save_checkpoint_in(
        self, conn: AsyncConnection, lease: Lease, name: str, data: Any
    ) -> None:
        now = self._clock()
        updated = await conn.execute(
            job_checkpoints.update()
            .where(job_checkpoints.c.job_id == lease.job_id, job_checkpoints.c.name == name)
            .values(data=data, fence=lease.fence, updated_at=now)
        )
        if updated.rowcount == 0:
            await conn.execute(
                job_checkpoints.insert().values(
                    job_id=lease.job_id, name=name, data=data, fence=lease.fence, updated_at=now
                )
            )

    async def load_checkpoint(self, job_id: str, name: str) -> Any | None:
        """The checkpoint saved under ``name``, or ``None``."""
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(job_checkpoints.c.data).where(
                        job_checkpoints.c.job_id == job_id, job_checkpoints.c.name == name
                    )
                )
            ).scalar()

    async def complete(self, lease: Lease, result: Mapping[str, Any]) -> Job:
        """Finish as succeeded with ``result``."""
        return await self._finish(
            lease,
            JobState.SUCCEEDED,
            {"result": dict(result)},
            "succeeded",
            {"result": dict(result)},
        )

    async def fail(self, lease: Lease, error: Mapping[str, Any], *, retryable: bool) -> Job:
        """Requeue with backoff while attempts remain and the error is retryable."""
        error_doc = {**error, "retryable": retryable}
        attempt = lease.job.attempts
        if retryable and attempt < lease.job.max_attempts:
            delay = self._backoff.delay(attempt, self._rng)
            retry_at = self._clock() + dt.timedelta(seconds=delay)
            return await self._finish(
                lease,
                JobState.QUEUED,
                {"error": error_doc, "run_after": retry_at},
                "retrying",
                {"error": error_doc, "attempt": attempt, "retry_at": retry_at.isoformat()},
            )
        state = JobState.DEAD if retryable else JobState.FAILED
        return await self._finish(
            lease,
            state,
            {"error": error_doc},
            state.value,
            {"error": error_doc, "attempt": attempt},
        )

    async def mark_cancelled(self, lease: Lease) -> Job:
        """Finish as cancelled."""
        return await self._finish(lease, JobState.CANCELLED, {}, "cancelled", {"by": "worker"})

    async def release(self, lease: Lease) -> Job:
        """Requeue now without counting the attempt (and wake listening workers)."""
        return await self._finish(
            lease,
            JobState.QUEUED,
            {"attempts": _J.attempts - 1, "run_after": self._clock()},
            "released",
            {"worker": lease.worker_id},
        )

    async def _finish(
        self,
        lease: Lease,
        state: JobState,
        values: Mapping[str, Any],
        event_type: str,
        event_data: Mapping[str, Any],
    ) -> Job:
        now = self._clock()
        update: dict[str, Any] = {
            **values,
            "state": state.value,
            "lease_owner": None,
            "lease_expires_at": None,
            "event_seq": _J.event_seq + 1,
            "updated_at": now,
        }
        if state.terminal:
            update["finished_at"] = now
        async with self._writing() as conn:
            row = (
                (await conn.execute(self._fenced(lease).values(update).returning(*jobs.c)))
                .mappings()
                .first()
            )
            if row is None:
                raise LeaseLost(lease.job_id, lease.fence)
            job = _job_from_values(row)
            await self._insert_event(conn, job.id, job.event_seq, (now, event_type, event_data))
            await self._webhook_if_final(conn, job)
            if event_type == "released":
                await self._announce(conn, job.kind)
        return job

    async def _webhook_if_final(self, conn: AsyncConnection, job: Job) -> None:
        if job.state.terminal and job.webhook_url and job.kind != WEBHOOK_KIND:
            await self._insert_job(
                conn,
                WEBHOOK_KIND,
                {"job_id": job.id},
                owner_id=job.owner_id,
                max_attempts=8,
                delay=0.0,
                webhook_url=None,
                job_id=None,
            )

    # --- owners ------------------------------------------------------------------------

    async def cancel(self, job_id: str, *, owner_id: str | None = None) -> Job:
        """Cancel a queued job at once; flag a running one for its worker to stop."""
        now = self._clock()
        owned = [_J.id == job_id]
        if owner_id is not None:
            owned.append(_J.owner_id == owner_id)
        async with self._writing() as conn:
            row = (
                (
                    await conn.execute(
                        jobs.update()
                        .where(*owned, _J.state == JobState.QUEUED.value)
                        .values(
                            state=JobState.CANCELLED.value,
                            event_seq=_J.event_seq + 1,
                            updated_at=now,
                            finished_at=now,
                        )
                        .returning(*jobs.c)
                    )
                )
                .mappings()
                .first()
            )
            if row is not None:
                job = _job_from_values(row)
                await self._insert_event(
                    conn, job_id, job.event_seq, (now, "cancelled", {"by": "owner"})
                )
                await self._webhook_if_final(conn, job)
                return job
            row = (
                (
                    await conn.execute(
                        jobs.update()
                        .where(
                            *owned,
                            _J.state == JobState.RUNNING.value,
                            _J.cancel_requested == sa.false(),
                        )
                        .values(cancel_requested=True, event_seq=_J.event_seq + 1, updated_at=now)
                        .returning(*jobs.c)
                    )
                )
                .mappings()
                .first()
            )
            if row is not None:
                job = _job_from_values(row)
                await self._insert_event(conn, job_id, job.event_seq, (now, "cancel_requested", {}))
                return job
        job = await self.get(job_id, owner_id=owner_id)
        if job.state in {JobState.CANCELLED, JobState.RUNNING, JobState.QUEUED}:
            return job  # already cancelled or already asked to stop (or raced back to queued)
        raise JobStateError(job_id, job.state, "only queued or running jobs can be cancelled")

    async def reap_expired(self, *, limit: int = 100) -> int:
        """Take back running jobs whose worker stopped renewing its lease.

        Each is requeued with backoff (its attempt counts), dead-lettered when it has used
        all its attempts, or cancelled when its owner had asked for that. The fence moves
        on, so the vanished worker cannot write any more even if it wakes up.
        """
        now = self._clock()
        async with self._engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        sa.select(*jobs.c)
                        .where(_J.state == JobState.RUNNING.value, _J.lease_expires_at < now)
                        .order_by(_J.lease_expires_at)
                        .limit(limit)
                    )
                )
                .mappings()
                .all()
            )
        reaped = 0
        for row in rows:
            job = _job_from_values(row)
            if job.cancel_requested:
                state, event = JobState.CANCELLED, "cancelled"
            elif job.attempts >= job.max_attempts:
                state, event = JobState.DEAD, "dead"
            else:
                state, event = JobState.QUEUED, "retrying"
            update: dict[str, Any] = {
                "state": state.value,
                "fence": _J.fence + 1,
                "lease_owner": None,
                "lease_expires_at": None,
                "event_seq": _J.event_seq + 1,
                "updated_at": now,
            }
            data: dict[str, Any] = {
                "reason": "lease_expired",
                "worker": job.lease_owner,
                "attempt": job.attempts,
            }
            if state is JobState.QUEUED:
                retry_at = now + dt.timedelta(seconds=self._backoff.delay(job.attempts, self._rng))
                update["run_after"] = retry_at
                data["retry_at"] = retry_at.isoformat()
            else:
                update["finished_at"] = now
            if state is JobState.DEAD:
                update["error"] = {
                    "type": "LeaseExpired",
                    "message": "the worker stopped renewing its lease",
                    "retryable": True,
                }
            async with self._writing() as conn:
                changed = (
                    (
                        await conn.execute(
                            jobs.update()
                            .where(
                                _J.id == job.id,
                                _J.fence == job.fence,
                                _J.state == JobState.RUNNING.value,
                                _J.lease_expires_at < now,
                            )
                            .values(update)
                            .returning(*jobs.c)
                        )
                    )
                    .mappings()
                    .first()
                )
                if changed is None:
                    continue  # renewed, finished or reaped by someone else meanwhile
                finished = _job_from_values(changed)
                await self._insert_event(conn, job.id, finished.event_seq, (now, event, data))
                await self._webhook_if_final(conn, finished)
            reaped += 1
        return reaped

    # --- retention ---------------------------------------------------------------------

    async def finished_before(self, cutoff: dt.datetime, *, limit: int = 500) -> Sequence[Job]:
        """Jobs that reached a final state before ``cutoff``, oldest first."""
        statement = (
            sa.select(*jobs.c)
            .where(
                _J.state.in_([state.value for state in JobState if state.terminal]),
                _J.finished_at < cutoff,
            )
            .order_by(_J.finished_at)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [_job_from_values(row) for row in rows]

    async def delete_finished(self, job_ids: Collection[str], *, cutoff: dt.datetime) -> int:
        """Delete these jobs (events and checkpoints go with them) if still final and old."""
        if not job_ids:
            return 0
        async with self._writing() as conn:
            result = await conn.execute(
                jobs.delete().where(
                    _J.id.in_(list(job_ids)),
                    _J.state.in_([state.value for state in JobState if state.terminal]),
                    _J.finished_at < cutoff,
                )
            )
        return int(result.rowcount)

    # --- readers -----------------------------------------------------------------------

    async def get(self, job_id: str, *, owner_id: str | None = None) -> Job:
        """The job; :class:`JobNotFound` when absent or owned by someone else."""
        statement = sa.select(*jobs.c).where(_J.id == job_id)
        if owner_id is not None:
            statement = statement.where(_J.owner_id == owner_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).mappings().first()
        if row is None:
            raise JobNotFound(job_id)
        return _job_from_values(row)

    async def list_jobs(
        self,
        *,
        owner_id: str | None = None,
        states: Collection[JobState] | None = None,
        kinds: Collection[str] | None = None,
        exclude_kinds: Collection[str] = (),
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[Sequence[Job], str | None]:
        """Newest first; pass the returned cursor back for the next page.

        Raises:
            ValueError: the cursor is not one this method made.
        """
        statement = sa.select(*jobs.c)
        if owner_id is not None:
            statement = statement.where(_J.owner_id == owner_id)
        if states:
            statement = statement.where(_J.state.in_([JobState(s).value for s in states]))
        if kinds:
            statement = statement.where(_J.kind.in_(list(kinds)))
        if exclude_kinds:
            statement = statement.where(_J.kind.not_in(list(exclude_kinds)))
        if cursor:
            created, last_id = _decode_cursor(cursor)
            statement = statement.where(
                sa.or_(
                    _J.created_at < created,
                    sa.and_(_J.created_at == created, _J.id < last_id),
                )
            )
        statement = statement.order_by(_J.created_at.desc(), _J.id.desc()).limit(limit + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        found = [_job_from_values(row) for row in rows[:limit]]
        more = len(rows) > limit
        next_cursor = _encode_cursor(found[-1]) if more and found else None
        return found, next_cursor

    async def count(self, state: JobState) -> int:
        """How many jobs are in ``state``."""
        async with self._engine.connect() as conn:
            total = await conn.scalar(
                sa.select(sa.func.count()).select_from(jobs).where(_J.state == state.value)
            )
        return int(total or 0)

    async def events(self, job_id: str, *, after: int = 0, limit: int = 500) -> Sequence[JobEvent]:
        """Events with ``seq > after`` in order."""
        statement = (
            sa.select(job_events)
            .where(job_events.c.job_id == job_id, job_events.c.seq > after)
            .order_by(job_events.c.seq)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [
            JobEvent(
                job_id=row["job_id"],
                seq=int(row["seq"]),
                at=row["at"],
                type=row["type"],
                data=row["data"],
            )
            for row in rows
        ]

    # --- helpers -----------------------------------------------------------------------

    async def _insert_event(
        self,
        conn: AsyncConnection,
        job_id: str,
        seq: int,
        event: tuple[dt.datetime, str, Mapping[str, Any]],
    ) -> JobEvent:
        at, type, data = event
        payload = dict(data)
        await conn.execute(
            job_events.insert().values(job_id=job_id, seq=seq, at=at, type=type, data=payload)
        )
        return JobEvent(job_id=job_id, seq=seq, at=at, type=type, data=payload)


def _insert_job_statement(*, announce: bool) -> sa.Select[Any]:
    """PostgreSQL: insert a job and its first event (and ``NOTIFY`` workers) in one statement.

    Data-modifying ``WITH`` parts always run to completion, so one round trip does what
    three statements inside ``BEGIN``/``COMMIT`` did; the statement is atomic on its own and
    the notification is delivered when it commits. Built once with bound parameters
    (``job_<column>``, ``event_<column>``, ``channel``): building a statement per request
    costs more CPU than running it.
    """
    new_job = (
        jobs.insert()
        .values({c.name: sa.bindparam(f"job_{c.name}", type_=c.type) for c in _JOB_INSERT_COLUMNS})
        .returning(jobs.c.id)
        .cte("new_job")
    )
    new_event = (
        job_events.insert()
        .from_select(
            ["job_id", "seq", "at", "type", "data"],
            sa.select(
                new_job.c.id,
                *(
                    sa.bindparam(f"event_{name}", type_=job_events.c[name].type)
                    for name in ("seq", "at", "type", "data")
                ),
            ),
        )
        .returning(job_events.c.seq)
        .cte("new_event")
    )
    inserted = sa.select(sa.func.count()).select_from(new_event).scalar_subquery()
    if announce:
        channel = sa.bindparam("channel", type_=sa.String)
        kind = sa.bindparam("job_kind", type_=jobs.c.kind.type)
        return sa.select(inserted, sa.func.pg_notify(channel, kind))
    return sa.select(inserted)


_JOB_INSERT_COLUMNS = tuple(
    jobs.c[name]
    for name in (
        "id",
        "kind",
        "owner_id",
        "state",
        "payload",
        "attempts",
        "max_attempts",
        "run_after",
        "fence",
        "cancel_requested",
        "event_seq",
        "webhook_url",
        "created_at",
        "updated_at",
    )
)
_INSERT_JOB_AND_ANNOUNCE = _insert_job_statement(announce=True)
_INSERT_JOB = _insert_job_statement(announce=False)


def _job_from_values(row: Mapping[Any, Any]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        state=JobState(row["state"]),
        payload=row["payload"],
        owner_id=row["owner_id"],
        attempts=int(row["attempts"]),
        max_attempts=int(row["max_attempts"]),
        run_after=row["run_after"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        event_seq=int(row["event_seq"]),
        fence=int(row["fence"]),
        lease_owner=row.get("lease_owner"),
        lease_expires_at=row.get("lease_expires_at"),
        cancel_requested=bool(row.get("cancel_requested")),
        progress_done=row.get("progress_done"),
        progress_total=row.get("progress_total"),
        result=row.get("result"),
        error=row.get("error"),
        webhook_url=row.get("webhook_url"),
        started_at=row.get("started_at"),
        finished_at=row.get("finished_at"),
    )


def _encode_cursor(job: Job) -> str:
    raw = f"{job.created_at.isoformat()}|{job.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, job_id = raw.partition("|")
        when = dt.datetime.fromisoformat(created)
    except ValueError as exc:
        raise ValueError("invalid cursor") from exc
    if when.tzinfo is None or not job_id:
        raise ValueError("invalid cursor")
    return when, job_id
