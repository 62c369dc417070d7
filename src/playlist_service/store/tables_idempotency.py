"""The ``idempotency_keys`` table: one row per (principal, Idempotency-Key).

``state`` is ``processing`` while the first request with the key runs (``locked_until``
bounds how long a crashed request can block the key) and ``done`` once its response is
stored — in the same transaction as the change it made. ``replayable`` is false when the
response carried credentials (a refresh token), which are never stored nor replayed.
Rows expire after ``expires_at`` (24 hours) and are purged by the cleanup command.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from playlist_service.store.tables import JsonDocument, UtcDateTime, metadata

__all__ = ["idempotency_keys"]

idempotency_keys: Final = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("principal", sa.String(80), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("path", sa.String(2048), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("headers", JsonDocument),
    sa.Column("body", sa.LargeBinary),
    sa.Column("replayable", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("locked_until", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('processing', 'done')", name="state"),
    sa.Index("ix_idempotency_keys_expires_at", "expires_at"),
)
