"""The ``JobQueue`` protocol."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from playlist_service.queue._models import Job, JobEvent, JobState, Lease

if TYPE_CHECKING:
    from playlist_service.queue._sql import FencedTransaction

__all__ = ["JobQueue"]


@runtime_checkable
class JobQueue(Protocol):
    """A durable, at-least-once job queue with leases and fencing.

    Workers :meth:`claim` a job and get a :class:`Lease`; they renew it with
    :meth:`heartbeat` and finish with :meth:`complete`, :meth:`fail`, :meth:`mark_cancelled`
    or :meth:`release`. Every call that takes a lease is *fenced*: it succeeds only while the
    lease is still the job's current one, and raises
    :class:`~playlist_service.queue.LeaseLost` otherwise, so a worker that stalled past its
    lease can never overwrite the work of the worker that took over.
    """

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
        """Store a new queued job (and its first event, ``queued``)."""
        ...

    async def claim(
        self, worker_id: str, *, kinds: Collection[str] | None = None, lease_seconds: float
    ) -> Lease | None:
        """Take the oldest due queued job, or return ``None`` when there is none."""
        ...

    async def heartbeat(self, lease: Lease, *, lease_seconds: float) -> Lease:
        """Extend the lease; the returned lease says whether cancellation was requested."""
        ...

    async def emit(
        self,
        lease: Lease,
        type: str,
        data: Mapping[str, Any] | None = None,
        *,
        progress: tuple[int, int | None] | None = None,
    ) -> JobEvent:
        """Append an event to the job's stream (and update its progress counters)."""
        ...

    def transaction(self, lease: Lease) -> AbstractAsyncContextManager[FencedTransaction]:
        """A transaction for a handler's own writes that commits only under the lease."""
        ...

    async def save_checkpoint(self, lease: Lease, name: str, data: Any) -> None:
        """Store a handler's resumption state under ``name``."""
        ...

    async def load_checkpoint(self, job_id: str, name: str) -> Any | None:
        """The state saved under ``name``, or ``None``."""
        ...

    async def complete(self, lease: Lease, result: Mapping[str, Any]) -> Job:
        """Mark the job succeeded with ``result``."""
        ...

    async def fail(self, lease: Lease, error: Mapping[str, Any], *, retryable: bool) -> Job:
        """Record a failed attempt: retry later with backoff, or fail / dead-letter it."""
        ...

    async def mark_cancelled(self, lease: Lease) -> Job:
        """Finish a running job as cancelled (the worker honoured a cancel request)."""
        ...

    async def release(self, lease: Lease) -> Job:
        """Give the job back unfinished (worker shutting down); the attempt does not count."""
        ...

    async def cancel(self, job_id: str, *, owner_id: str | None = None) -> Job:
        """Cancel a queued job now, or ask the worker running it to stop."""
        ...

    async def reap_expired(self, *, limit: int = 100) -> int:
        """Requeue (or dead-letter) running jobs whose lease ran out; returns how many."""
        ...

    async def get(self, job_id: str, *, owner_id: str | None = None) -> Job:
        """The job, if it exists and (when ``owner_id`` is given) belongs to that user."""
        ...

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
        """Newest first, with an opaque cursor for the next page (``None`` at the end)."""
        ...

    async def events(self, job_id: str, *, after: int = 0, limit: int = 500) -> Sequence[JobEvent]:
        """The job's events with ``seq > after``, in order."""
        ...
