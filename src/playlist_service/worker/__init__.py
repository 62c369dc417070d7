"""The job worker: runs queued jobs under leases, in the API process or on its own."""

from playlist_service.worker._context import (
    Handler,
    HandlerServices,
    JobCancelled,
    JobContext,
    JobMetrics,
    PermanentJobError,
)
from playlist_service.worker._options import WorkerOptions
from playlist_service.worker._process import (
    blob_store_ctx,
    job_queue_ctx,
    make_queue,
    open_blobs,
    run_worker,
    webhook_key,
    worker_ctx,
    worker_services,
)
from playlist_service.worker._worker import (
    Worker,
    default_worker_id,
    is_retryable,
    purge_finished_jobs,
)

__all__ = [
    "Handler",
    "HandlerServices",
    "JobCancelled",
    "JobContext",
    "JobMetrics",
    "PermanentJobError",
    "Worker",
    "WorkerOptions",
    "blob_store_ctx",
    "default_worker_id",
    "is_retryable",
    "job_queue_ctx",
    "make_queue",
    "open_blobs",
    "purge_finished_jobs",
    "run_worker",
    "webhook_key",
    "worker_ctx",
    "worker_services",
]
