"""Worker options, read from ``PLAYLIST_SERVICE_WORKER_*`` environment variables.

==============================================  ============================================
Variable                                        Meaning
==============================================  ============================================
``PLAYLIST_SERVICE_WORKER_CONCURRENCY``         jobs one worker runs at once (4)
``PLAYLIST_SERVICE_WORKER_LEASE_SECONDS``       lease length; a silent worker's jobs are
                                                taken back after this (30)
``PLAYLIST_SERVICE_WORKER_HEARTBEAT_SECONDS``   lease renewal interval (lease / 3)
``PLAYLIST_SERVICE_WORKER_POLL_SECONDS``        idle polling interval (0.5)
``PLAYLIST_SERVICE_WORKER_MAX_ATTEMPTS``        attempts before a job is dead-lettered (5)
``PLAYLIST_SERVICE_WORKER_RETRY_BASE_SECONDS``  first retry delay, doubling after (2)
``PLAYLIST_SERVICE_WORKER_RETRY_CAP_SECONDS``   longest retry delay (600)
``PLAYLIST_SERVICE_WORKER_REAP_SECONDS``        how often expired leases are taken back (5)
``PLAYLIST_SERVICE_JOB_RETENTION_DAYS``         finished jobs and their files are kept (30)
``PLAYLIST_SERVICE_WEBHOOK_ALLOW_HTTP``         ``1`` accepts ``http://`` webhook URLs and
                                                receivers on loopback or private addresses
                                                (development only; default: https to public
                                                addresses only)
==============================================  ============================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

__all__ = ["WorkerOptions"]

_PREFIX = "PLAYLIST_SERVICE_"


@attrs.frozen
class WorkerOptions:
    """How a worker claims and runs jobs."""

    concurrency: int = attrs.field(default=4, validator=attrs.validators.gt(0))
    """Jobs run at once by one worker."""
    lease_seconds: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))
    """Lease length; renewed every :attr:`heartbeat_seconds`."""
    heartbeat_seconds: float | None = None
    """Renewal interval; ``None`` means a third of the lease."""
    poll_seconds: float = attrs.field(default=0.5, validator=attrs.validators.gt(0))
    """How long an idle worker waits before looking for work again."""
    reap_seconds: float = attrs.field(default=5.0, validator=attrs.validators.gt(0))
    """How often the worker takes back jobs whose lease expired."""
    shutdown_grace_seconds: float = 10.0
    """On stop, how long running jobs may finish before they are handed back."""
    max_attempts: int = attrs.field(default=5, validator=attrs.validators.gt(0))
    """Attempts a job gets unless its producer says otherwise."""
    retry_base_seconds: float = attrs.field(default=2.0, validator=attrs.validators.gt(0))
    """Delay before the second attempt; doubles with each further one."""
    retry_cap_seconds: float = attrs.field(default=600.0, validator=attrs.validators.gt(0))
    """Longest delay between attempts."""
    webhook_allow_http: bool = False
    """Accept plain ``http://`` webhook URLs (development only)."""
    webhook_allow_private: bool = False
    """Deliver webhooks to loopback and private addresses too (development only)."""
    webhook_timeout_seconds: float = 10.0
    """Time limit of one webhook delivery."""
    retention_days: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))
    """Finished jobs, their events and their files are deleted after this many days."""
    purge_seconds: float = attrs.field(default=3600.0, validator=attrs.validators.gt(0))
    """How often a worker deletes expired jobs."""

    @property
    def heartbeat_interval(self) -> float:
        """The effective renewal interval."""
        return self.heartbeat_seconds or self.lease_seconds / 3

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WorkerOptions:
        """Read the ``PLAYLIST_SERVICE_WORKER_*`` variables (see the module docstring)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, attr, kind in (
            ("WORKER_CONCURRENCY", "concurrency", int),
            ("WORKER_LEASE_SECONDS", "lease_seconds", float),
            ("WORKER_HEARTBEAT_SECONDS", "heartbeat_seconds", float),
            ("WORKER_POLL_SECONDS", "poll_seconds", float),
            ("WORKER_MAX_ATTEMPTS", "max_attempts", int),
            ("WORKER_RETRY_BASE_SECONDS", "retry_base_seconds", float),
            ("WORKER_RETRY_CAP_SECONDS", "retry_cap_seconds", float),
            ("WORKER_REAP_SECONDS", "reap_seconds", float),
            ("JOB_RETENTION_DAYS", "retention_days", float),
        ):
            raw = env.get(_PREFIX + name)
            if raw:
                try:
                    values[attr] = kind(raw)
                except ValueError as exc:
                    raise ValueError(f"{_PREFIX}{name} must be a number") from exc
        # one development switch: plain http:// URLs and receivers on this machine or network
        development = env.get(_PREFIX + "WEBHOOK_ALLOW_HTTP", "").lower() in {
            "1",
            "true",
            "yes",
            "on",
        }
        values["webhook_allow_http"] = values["webhook_allow_private"] = development
        return cls(**values)  # type: ignore[arg-type]
