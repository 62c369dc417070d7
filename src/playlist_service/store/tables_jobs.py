"""Tables of the durable job queue: ``jobs``, ``job_events`` and ``job_checkpoints``.

Declared on the service's one :data:`~playlist_service.store.tables.metadata`.

- ``jobs``: one row per job. ``state`` moves ``queued -> running -> succeeded | failed |
  dead | cancelled`` (``running -> queued`` again on a retry or an expired lease). A worker
  holds a job while ``lease_owner`` is its id, ``fence`` is the token it got when it
  claimed (every claim and every lease expiry bumps ``fence``) and ``state`` is
  ``running``; every write a worker makes names all three, so a worker whose lease
  expired cannot change anything any more. ``event_seq`` is the sequence number of the
  job's last event.
- ``job_events``: the progress stream, ``(job_id, seq)`` with ``seq`` 1, 2, 3... without
  gaps. An event is written in the same transaction that bumps ``jobs.event_seq``, which
  locks the job row, so events commit in sequence order and readers polling ``seq > n``
  never skip one.
- ``job_checkpoints``: named JSON documents a handler saves to resume after a crash (the
  migration engine's checkpoint), written under the same fencing rule.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from playlist_service.store.tables import JsonDocument, UtcDateTime, metadata, utcnow

__all__ = ["JOB_STATES", "job_checkpoints", "job_events", "jobs"]

JOB_STATES: Final = ("queued", "running", "succeeded", "failed", "dead", "cancelled")
"""Every value of ``jobs.state``."""

_ID = 40

jobs: Final = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("owner_id", sa.String(_ID), sa.ForeignKey("users.id", ondelete="CASCADE")),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("payload", JsonDocument, nullable=False),
    sa.Column("result", JsonDocument),
    sa.Column("error", JsonDocument),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("run_after", UtcDateTime(), nullable=False),
    sa.Column("lease_owner", sa.String(128)),
    sa.Column("lease_expires_at", UtcDateTime()),
    sa.Column("fence", sa.BigInteger, nullable=False, default=0),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("event_seq", sa.BigInteger, nullable=False, default=0),
    sa.Column("progress_done", sa.Integer),
    sa.Column("progress_total", sa.Integer),
    sa.Column("webhook_url", sa.String(2048)),
    sa.Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    sa.Column("updated_at", UtcDateTime(), nullable=False, default=utcnow),
    sa.Column("started_at", UtcDateTime()),
    sa.Column("finished_at", UtcDateTime()),
    sa.CheckConstraint(
        "state IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')",
        name="state",
    ),
    sa.Index("ix_jobs_claim", "state", "run_after"),
    sa.Index("ix_jobs_lease", "state", "lease_expires_at"),
    sa.Index("ix_jobs_owner_created", "owner_id", "created_at"),
)
"""Durable job records (see the module docstring for the lease and fencing rules)."""

job_events: Final = sa.Table(
    "job_events",
    metadata,
    sa.Column(
        "job_id",
        sa.String(_ID),
        sa.ForeignKey("jobs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("data", JsonDocument, nullable=False),
)
"""Each job's progress stream; ``seq`` is gap-free per job."""

job_checkpoints: Final = sa.Table(
    "job_checkpoints",
    metadata,
    sa.Column(
        "job_id",
        sa.String(_ID),
        sa.ForeignKey("jobs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("data", JsonDocument, nullable=False),
    sa.Column("fence", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False, default=utcnow),
)
"""Resumption state of handlers (for example the migration engine's checkpoint)."""
