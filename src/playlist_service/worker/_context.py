"""What a job handler receives (``JobContext``) and the errors it raises to steer retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import attrs

from playlist_service.blobs import BlobStore, check_key
from playlist_service.queue import FencedTransaction, Job, JobEvent, Lease, SqlJobQueue

if TYPE_CHECKING:
    import aiohttp
    from sqlalchemy.ext.asyncio import AsyncEngine

    from playlist_service.worker._options import WorkerOptions

__all__ = [
    "Handler",
    "HandlerServices",
    "JobCancelled",
    "JobContext",
    "JobMetrics",
    "PermanentJobError",
]


class PermanentJobError(Exception):
    """The job cannot succeed however often it is retried (bad input, missing resource).

    Attributes:
        code: Stable slug for clients (``"playlist-not-found"``).
    """

    def __init__(self, message: str, *, code: str = "job-failed") -> None:
        self.code = code
        super().__init__(message)


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check_cancelled` once the owner asked to cancel."""


class JobMetrics(Protocol):
    """Where a worker reports what it did (the API's Prometheus metrics, when embedded)."""

    def job_finished(self, kind: str, state: str, seconds: float) -> None:
        """A job reached ``state`` (final) ``seconds`` after this worker claimed it."""
        ...

    def queue_depth(self, queued: int) -> None:
        """Jobs waiting to be claimed, counted every reap interval."""
        ...


@attrs.frozen
class HandlerServices:
    """Shared resources handlers use; one per worker."""

    queue: SqlJobQueue
    """The job queue (and through it the database)."""
    blobs: BlobStore
    """Where artifacts go."""
    options: WorkerOptions
    """The worker's options."""
    http: aiohttp.ClientSession | None = None
    """HTTP client for webhooks (``None`` disables webhook delivery)."""
    webhook_key: bytes | None = attrs.field(default=None, repr=False)
    """Key each job's webhook signing secret is derived from."""
    extras: Mapping[str, Any] = attrs.field(factory=dict)
    """Services of optional handlers (a provider factory for migrations...)."""
    metrics: JobMetrics | None = None
    """Receives job outcomes and the queue depth."""

    @property
    def engine(self) -> AsyncEngine:
        """The database engine."""
        return self.queue.engine


class JobContext:
    """One attempt at one job, as its handler sees it.

    Every write goes through the job's lease: once the lease is lost (the worker stalled and
    another took over) they raise :class:`~playlist_service.queue.LeaseLost` and the worker
    drops the attempt. Side effects must be idempotent per job: derive blob keys from the job
    id (:meth:`blob_key`), commit database writes with :meth:`transaction` together with a
    checkpoint, and resume from :meth:`load_checkpoint`.
    """

    def __init__(self, lease: Lease, services: HandlerServices) -> None:
        self._lease = lease
        self.services = services
        """Shared resources."""
        self.cancel_requested = False
        """Set when a heartbeat learns the owner asked to cancel."""
        self.cancel_event = asyncio.Event()
        """Set at the same time, for code that waits (the migration engine's ``cancel``)."""

    @property
    def job(self) -> Job:
        """The job as claimed (payload, owner, attempt number)."""
        return self._lease.job

    @property
    def lease(self) -> Lease:
        """The current lease (renewed by the worker's heartbeats)."""
        return self._lease

    def _renewed(self, lease: Lease) -> None:
        self._lease = lease
        if lease.cancel_requested:
            self.cancel_requested = True
            self.cancel_event.set()

    @property
    def blobs(self) -> BlobStore:
        """The blob store."""
        return self.services.blobs

    def blob_key(self, name: str) -> str:
        """``jobs/<job id>/<name>``: the same on every attempt, so rewriting is idempotent."""
        return check_key(f"jobs/{self.job.id}/{name}")

    async def emit(
        self,
        type: str,
        data: Mapping[str, Any] | None = None,
        *,
        progress: tuple[int, int | None] | None = None,
    ) -> JobEvent:
        """Append an event to the job's stream."""
        return await self.services.queue.emit(self._lease, type, data, progress=progress)

    async def progress(self, done: int, total: int | None = None, **data: Any) -> JobEvent:
        """Report progress (a ``progress`` event and the job's counters)."""
        return await self.emit(
            "progress", {"done": done, "total": total, **data}, progress=(done, total)
        )

    def transaction(self) -> contextlib.AbstractAsyncContextManager[FencedTransaction]:
        """A database transaction that commits only while this attempt holds the job."""
        return self.services.queue.transaction(self._lease)

    async def load_checkpoint(self, name: str) -> Any | None:
        """State saved by an earlier attempt under ``name``."""
        return await self.services.queue.load_checkpoint(self.job.id, name)

    async def save_checkpoint(self, name: str, data: Any) -> None:
        """Save resumption state (fenced)."""
        await self.services.queue.save_checkpoint(self._lease, name, data)

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelled` when the owner asked to cancel."""
        if self.cancel_requested:
            raise JobCancelled(self.job.id)


Handler: TypeAlias = Callable[[JobContext], Awaitable[Mapping[str, Any]]]
"""A job handler: does the work and returns the job's JSON result."""
