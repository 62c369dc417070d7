"""The durable job queue: leases, heartbeats, fencing, retries with backoff, dead letters."""

from playlist_service.queue._models import (
    Backoff,
    Job,
    JobEvent,
    JobNotFound,
    JobState,
    JobStateError,
    Lease,
    LeaseLost,
    QueueError,
)
from playlist_service.queue._protocol import JobQueue
from playlist_service.queue._sql import (
    WAKEUP_CHANNEL,
    WEBHOOK_KIND,
    FencedTransaction,
    SqlJobQueue,
)

__all__ = [
    "WAKEUP_CHANNEL",
    "WEBHOOK_KIND",
    "Backoff",
    "FencedTransaction",
    "Job",
    "JobEvent",
    "JobNotFound",
    "JobQueue",
    "JobState",
    "JobStateError",
    "Lease",
    "LeaseLost",
    "QueueError",
    "SqlJobQueue",
]
