"""The worker loop: claim, run under a heartbeat, finish, retry or give back."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from playlist_interop.errors import (
    AuthError,
    CapabilityError,
    NotFound,
    PlaylistFormatError,
    ProviderError,
)
from playlist_service.blobs import BlobError, BlobStore, InvalidBlobKey
from playlist_service.queue import Job, JobState, Lease, LeaseLost, SqlJobQueue
from playlist_service.store.tables import utcnow
from playlist_service.worker._context import (
    Handler,
    HandlerServices,
    JobCancelled,
    JobContext,
    PermanentJobError,
)

__all__ = ["Worker", "default_worker_id", "is_retryable", "purge_finished_jobs"]

_log = logging.getLogger(__name__)
_MESSAGE_LIMIT = 2000


def is_retryable(exc: BaseException) -> bool:
    """Whether another attempt may succeed where this one raised ``exc``.

    Retried: provider errors other than refused credentials, missing resources and missing
    capabilities (rate limits, 5xx, unreadable bodies); connection and time-out errors;
    database and blob storage outages. Everything else (bad input, a bug) fails the job at
    once rather than burn attempts.
    """
    if isinstance(exc, PermanentJobError | PlaylistFormatError | InvalidBlobKey):
        return False
    if isinstance(exc, ProviderError):
        return not isinstance(exc, AuthError | NotFound | CapabilityError)
    return isinstance(
        exc, OSError | TimeoutError | OperationalError | DBAPIError | BlobError | ConnectionError
    )


def _error_document(exc: BaseException) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": str(exc)[:_MESSAGE_LIMIT] or type(exc).__name__,
    }
    code = getattr(exc, "code", None)
    if isinstance(exc, PermanentJobError):
        document["code"] = code
    if isinstance(exc, ProviderError):
        document["provider"] = exc.provider
        if exc.status is not None:
            document["status"] = exc.status
    return document


def _blob_keys(job: Job) -> list[str]:
    """The files a job made or was given (artifact, upload)."""
    keys = []
    for document in (job.result, job.payload):
        key = (document or {}).get("blob_key")
        if isinstance(key, str):
            keys.append(key)
    return keys


async def purge_finished_jobs(queue: SqlJobQueue, blobs: BlobStore, cutoff: dt.datetime) -> int:
    """Delete jobs finished before ``cutoff``, files first; returns how many.

    Files go before rows: a crash in between leaves a job whose file is gone (its download
    answers 410), never a file no row points to.
    """
    deleted = 0
    while expired := await queue.finished_before(cutoff, limit=200):
        for job in expired:
            for key in _blob_keys(job):
                with contextlib.suppress(InvalidBlobKey):
                    await blobs.delete(key)
        deleted += await queue.delete_finished([job.id for job in expired], cutoff=cutoff)
        if len(expired) < 200:
            break
    return deleted


def default_worker_id() -> str:
    """``host:pid:random``, unique per worker instance."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs jobs from a queue with ``options.concurrency`` at a time.

    Each job runs with a heartbeat task that renews its lease; when a renewal finds the
    lease gone, the handler is cancelled and nothing more is written. A cancel request
    from the owner is passed to the handler (:meth:`JobContext.check_cancelled`); a handler
    that does not stop within one more heartbeat is cancelled. On :meth:`stop`, running jobs
    get ``shutdown_grace_seconds`` to finish, then are handed back to the queue.

    Args:
        services: Queue, blob store and the other shared resources.
        handlers: Handler per job kind; only these kinds are claimed.
        worker_id: Lease owner name; defaults to ``host:pid:random``.
    """

    def __init__(
        self,
        services: HandlerServices,
        handlers: Mapping[str, Handler],
        *,
        worker_id: str | None = None,
    ) -> None:
        self._services = services
        self._handlers = dict(handlers)
        self._options = services.options
        self.worker_id = worker_id or default_worker_id()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._started: dict[str, float] = {}  # job id -> monotonic claim time (metrics)

    @property
    def running_jobs(self) -> int:
        """Jobs in progress right now."""
        return len(self._tasks)

    def notify(self) -> None:
        """Look for work now instead of at the next poll (after an in-process enqueue)."""
        self._wakeup.set()

    def start(self) -> asyncio.Task[None]:
        """Run :meth:`run` in a background task."""
        if self._runner is None:
            self._runner = asyncio.create_task(self.run(), name=f"worker {self.worker_id}")
        return self._runner

    async def stop(self) -> None:
        """Stop claiming, let running jobs finish (within the grace period), hand back the rest."""
        self._stopping.set()
        self._wakeup.set()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None

    async def run(self) -> None:
        """Claim and run jobs until :meth:`stop`."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                try:
                    await stack.enter_async_context(self._services.queue.wakeups(self.notify))
                except (OSError, OperationalError, DBAPIError):
                    _log.warning("no job notifications; polling only", exc_info=True)
                await self._loop()
        finally:
            await self._drain()

    async def _claim_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_reap = 0.0
        next_purge = loop.time() + min(60.0, self._options.purge_seconds)
        queue = self._services.queue
        while not self._stopping.is_set():
            # cleared before looking, so a wake-up that arrives meanwhile is not lost
            self._wakeup.clear()
            if loop.time() >= next_purge:
                next_purge = loop.time() + self._options.purge_seconds
                try:
                    await self.purge()
                except (OSError, OperationalError, DBAPIError, BlobError):
                    _log.warning("deleting expired jobs failed", exc_info=True)
            if loop.time() >= next_reap:
                next_reap = loop.time() + self._options.reap_seconds
                try:
                    await queue.reap_expired()
                    if self._services.metrics is not None:
                        self._services.metrics.queue_depth(await queue.count(JobState.QUEUED))
                except (OSError, OperationalError, DBAPIError):
                    _log.warning("reaping expired leases failed", exc_info=True)
            if len(self._tasks) < self._options.concurrency:
                try:
                    lease = await queue.claim(
                        self.worker_id,
                        kinds=self._handlers.keys(),
                        lease_seconds=self._options.lease_seconds,
                    )
                except (OSError, OperationalError, DBAPIError):
                    _log.warning("claiming a job failed", exc_info=True)
                    lease = None
                if lease is not None:
                    task = asyncio.create_task(self._run_job(lease), name=f"job {lease.job_id}")
                    self._tasks.add(task)
                    task.add_done_callback(self._job_done)
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._options.poll_seconds)

    async def _loop(self) -> None:
        """:meth:`_claim_loop` until stopped; an unexpected error is logged, not fatal."""
        while not self._stopping.is_set():
            try:
                await self._claim_loop()
            except Exception:  # noqa: BLE001 - the worker outlives one bad iteration
                _log.exception("worker loop error; continuing after a pause")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._options.poll_seconds)

    async def purge(self) -> int:
        """Delete jobs finished over ``retention_days`` ago (see :func:`purge_finished_jobs`)."""
        cutoff = utcnow() - dt.timedelta(days=self._options.retention_days)
        return await purge_finished_jobs(self._services.queue, self._services.blobs, cutoff)

    def _job_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wakeup.set()
        if not task.cancelled() and (exc := task.exception()) is not None:
            _log.error("job task crashed", exc_info=exc)

    async def _drain(self) -> None:
        if not self._tasks:
            return
        _, pending = await asyncio.wait(
            set(self._tasks), timeout=self._options.shutdown_grace_seconds
        )
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def run_one(self) -> bool:
        """Claim one job and run it to the end (tests and benchmarks); ``False`` if idle."""
        lease = await self._services.queue.claim(
            self.worker_id,
            kinds=self._handlers.keys(),
            lease_seconds=self._options.lease_seconds,
        )
        if lease is None:
            return False
        await self._run_job(lease)
        return True

    async def _run_job(self, lease: Lease) -> None:
        queue = self._services.queue
        context = JobContext(lease, self._services)
        job_task = asyncio.current_task()
        assert job_task is not None
        lost = asyncio.Event()
        beat = asyncio.create_task(self._heartbeat(context, job_task, lost))
        self._started[lease.job_id] = time.monotonic()
        try:
            result = await self._handler_for(lease.job.kind)(context)
            self._observe(await queue.complete(context.lease, result))
        except LeaseLost:
            _log.warning("lease lost, dropping the attempt", extra={"job_id": lease.job_id})
        except JobCancelled:
            await self._quietly(queue.mark_cancelled(context.lease))
        except asyncio.CancelledError:
            if lost.is_set():
                job_task.uncancel()
                return
            if context.cancel_requested and not self._stopping.is_set():
                job_task.uncancel()
                await self._quietly(queue.mark_cancelled(context.lease))
                return
            # worker shutdown: give the job back without counting the attempt
            await asyncio.shield(self._quietly(queue.release(context.lease)))
            raise
        except Exception as exc:  # noqa: BLE001 - whatever failed, the job records it
            retryable = is_retryable(exc)
            _log.log(
                logging.WARNING if retryable else logging.ERROR,
                "job attempt failed",
                extra={"job_id": lease.job_id, "kind": lease.job.kind, "retryable": retryable},
                exc_info=not retryable,
            )
            await self._quietly(
                queue.fail(context.lease, _error_document(exc), retryable=retryable)
            )
        finally:
            self._started.pop(lease.job_id, None)
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    def _handler_for(self, kind: str) -> Handler:
        handler = self._handlers.get(kind)
        if handler is None:
            raise PermanentJobError(f"no handler for job kind {kind!r}", code="unknown-job-kind")
        return handler

    def _observe(self, job: Job) -> None:
        started = self._started.pop(job.id, None)
        metrics = self._services.metrics
        if metrics is not None and job.state.terminal and started is not None:
            metrics.job_finished(job.kind, job.state.value, time.monotonic() - started)

    async def _quietly(self, finishing: Awaitable[Job]) -> None:
        """Run a finishing write; a lost lease or an outage leaves it to lease expiry."""
        try:
            self._observe(await finishing)
        except LeaseLost:
            _log.warning("lease lost before the attempt could be recorded")
        except (OSError, OperationalError, DBAPIError):
            _log.warning("could not record the attempt; its lease will expire", exc_info=True)

    async def _heartbeat(
        self, context: JobContext, job_task: asyncio.Task[Any], lost: asyncio.Event
    ) -> None:
        queue = self._services.queue
        interval = self._options.heartbeat_interval
        cancel_seen = False
        while True:
            await asyncio.sleep(interval)
            try:
                lease = await queue.heartbeat(
                    context.lease, lease_seconds=self._options.lease_seconds
                )
            except LeaseLost:
                lost.set()
                job_task.cancel()
                return
            except (OSError, OperationalError, DBAPIError):
                _log.warning("heartbeat failed; retrying", exc_info=True)
                continue
            context._renewed(lease)
            if lease.cancel_requested:
                if cancel_seen:  # the handler ignored it for a whole interval
                    job_task.cancel()
                    return
                cancel_seen = True
