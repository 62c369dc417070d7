"""Jobs, leases, events, retry policy and the queue's errors."""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "Backoff",
    "Job",
    "JobEvent",
    "JobNotFound",
    "JobState",
    "JobStateError",
    "Lease",
    "LeaseLost",
    "QueueError",
]


class JobState(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    """Waiting for a worker (possibly until ``run_after``)."""
    RUNNING = "running"
    """Held by a worker's lease."""
    SUCCEEDED = "succeeded"
    """Finished; ``result`` holds the output."""
    FAILED = "failed"
    """Stopped on an error that retrying cannot fix."""
    DEAD = "dead"
    """Dead-lettered: every allowed attempt failed or lost its worker."""
    CANCELLED = "cancelled"
    """Cancelled by its owner."""

    @property
    def terminal(self) -> bool:
        """Whether the job will never run again."""
        return self not in {JobState.QUEUED, JobState.RUNNING}


class QueueError(Exception):
    """Root of the job queue's errors."""


class LeaseLost(QueueError):
    """A worker wrote with a lease it no longer holds (expired, reclaimed or finished).

    The write was refused; the worker must stop working on the job without side effects.

    Attributes:
        job_id: The job.
        fence: The stale fencing token.
    """

    def __init__(self, job_id: str, fence: int) -> None:
        self.job_id = job_id
        self.fence = fence
        super().__init__(f"lease on job {job_id} (fence {fence}) is no longer held")


class JobNotFound(QueueError, LookupError):
    """No job with this id (or not one the caller may see).

    Attributes:
        job_id: The id looked up.
    """

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"no job {job_id}")


class JobStateError(QueueError):
    """The job's state does not allow the operation (cancelling a finished job).

    Attributes:
        job_id: The job.
        state: Its current state.
    """

    def __init__(self, job_id: str, state: JobState, message: str) -> None:
        self.job_id = job_id
        self.state = state
        super().__init__(f"job {job_id} is {state}: {message}")


@attrs.frozen
class Job:
    """A job record as stored."""

    id: str
    """Random id (32 hex characters)."""
    kind: str
    """Handler name (``"export"``, ``"migration"``...)."""
    state: JobState
    """Current state."""
    payload: Mapping[str, Any]
    """The handler's input (JSON)."""
    owner_id: str | None
    """User the job belongs to."""
    attempts: int
    """Claims so far (the running attempt included)."""
    max_attempts: int
    """Claims allowed before the job is dead-lettered."""
    run_after: dt.datetime
    """Earliest time a worker may claim it."""
    created_at: dt.datetime
    """When it was enqueued."""
    updated_at: dt.datetime
    """Last change of the row."""
    event_seq: int = 0
    """Sequence number of its last event."""
    fence: int = 0
    """Fencing token of the current (or last) lease."""
    lease_owner: str | None = None
    """Worker holding it, while running."""
    lease_expires_at: dt.datetime | None = None
    """When the holder's lease runs out unless renewed."""
    cancel_requested: bool = False
    """Its owner asked to cancel it while it was running."""
    progress_done: int | None = None
    """Units done, as the handler last reported."""
    progress_total: int | None = None
    """Units in all, when known."""
    result: Mapping[str, Any] | None = None
    """The handler's output, once succeeded."""
    error: Mapping[str, Any] | None = None
    """The last error: ``{"type", "message", "retryable"}``."""
    webhook_url: str | None = None
    """Where to POST the outcome, if anywhere."""
    started_at: dt.datetime | None = None
    """First claim."""
    finished_at: dt.datetime | None = None
    """Reaching a terminal state."""


@attrs.frozen
class Lease:
    """A worker's hold on a running job; every write of the worker presents it."""

    job: Job
    """The job as claimed."""
    worker_id: str
    """The holder."""
    fence: int
    """Fencing token: writes with a smaller or different token are refused."""
    expires_at: dt.datetime
    """End of the lease unless renewed by a heartbeat."""
    cancel_requested: bool = False
    """Set by :meth:`~playlist_service.queue.JobQueue.heartbeat` when the owner cancelled."""

    @property
    def job_id(self) -> str:
        """The leased job's id."""
        return self.job.id


@attrs.frozen
class JobEvent:
    """One entry of a job's progress stream."""

    job_id: str
    """The job."""
    seq: int
    """1, 2, 3... without gaps."""
    at: dt.datetime
    """When it was written."""
    type: str
    """``queued``, ``started``, ``progress``, ``retrying``, ``succeeded``, ``failed``,
    ``dead``, ``cancel_requested``, ``cancelled``, ``released`` or a handler's own type."""
    data: Mapping[str, Any]
    """Details (JSON)."""


@attrs.frozen
class Backoff:
    """Exponential retry delays: ``base * factor ** (attempt - 1)``, capped, with jitter."""

    base: float = 2.0
    """Delay after the first failed attempt, seconds."""
    factor: float = 2.0
    """Growth per attempt."""
    cap: float = 600.0
    """Largest delay, seconds."""
    jitter: float = 0.25
    """Fraction of the delay randomly taken off, so retries of many jobs spread out."""

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        spread = (rng or random).random() * self.jitter
        return raw * (1.0 - spread)
