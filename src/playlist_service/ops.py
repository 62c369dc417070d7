"""Operator tasks: portable database backup and restore, and cleanup of expired rows.

**Backup** writes every table of the schema, in foreign-key order, as gzip-compressed JSON
lines: a header line (format, schema revision, table list), then one line per row with the
table name and its values. Binary columns (encrypted provider tokens, refresh-token hashes)
are base64, times ISO 8601 UTC, so a backup taken from SQLite restores into PostgreSQL and
the other way round. Secrets stay as they are at rest: encrypted or hashed, never decrypted.

**Restore** loads a backup into a database migrated to the same revision that holds no rows
yet (it refuses a non-empty one, so nothing is overwritten by mistake), in one transaction.

**Cleanup** deletes what has expired: refresh tokens and sessions past their lifetime (and
revoked sessions older than a grace period), OAuth attempts, idempotency keys and finished
jobs older than the retention (their files first, as the worker's own purge does).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.blobs import BlobStore
from playlist_service.store import all_tables, current_revision
from playlist_service.store.tables import (
    oauth_attempts,
    refresh_tokens,
    sessions,
    utcnow,
)

__all__ = ["BackupError", "CleanupReport", "backup", "cleanup", "restore"]

FORMAT: Final = "playlist-service-backup/1"
_BATCH: Final = 500


class BackupError(RuntimeError):
    """A backup file cannot be restored here (format, revision, non-empty database)."""


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
        if "$dt" in value:
            return dt.datetime.fromisoformat(value["$dt"])
    return value


async def backup(engine: AsyncEngine, destination: Path) -> dict[str, int]:
    """Write every row to ``destination`` (gzip JSON lines); returns rows per table."""
    tables = all_tables()
    counts: dict[str, int] = {}
    revision = await current_revision(engine)
    tmp = destination.with_name(destination.name + ".partial")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        header = {"format": FORMAT, "revision": revision, "tables": [t.name for t in tables]}
        out.write(json.dumps(header) + "\n")
        # One read transaction: a consistent snapshot on PostgreSQL (repeatable read).
        async with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(
                    sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                )
            for table in tables:
                counts[table.name] = 0
                order = list(table.primary_key.columns)
                result = await conn.stream(sa.select(table).order_by(*order))
                async for row in result:
                    values = {key: _encode(value) for key, value in row._mapping.items()}
                    out.write(json.dumps({"t": table.name, "v": values}) + "\n")
                    counts[table.name] += 1
    tmp.replace(destination)
    return counts


def _read_lines(handle: IO[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, start=1):
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise BackupError(f"line {number} of the backup is not JSON") from exc


async def restore(engine: AsyncEngine, source: Path) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision."""
    tables = {table.name: table for table in all_tables()}
    counts: dict[str, int] = {}
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = _read_lines(handle)
        header = next(lines, None)
        if not header or header.get("format") != FORMAT:
            raise BackupError("not a playlist-service backup")
        revision = await current_revision(engine)
        if header.get("revision") != revision:
            raise BackupError(
                f"backup is at schema revision {header.get('revision')}, the database at "
                f"{revision}: migrate the database to the backup's revision first"
            )
        async with engine.begin() as conn:
            for table in tables.values():
                count = await conn.execute(sa.select(sa.func.count()).select_from(table))
                if count.scalar_one():
                    raise BackupError(
                        f"table {table.name} is not empty; restore needs an empty database"
                    )
            batch: list[dict[str, Any]] = []
            current: sa.Table | None = None
            for record in lines:
                target = tables.get(record.get("t", ""))
                if target is None:
                    raise BackupError(f"unknown table {record.get('t')!r} in the backup")
                if current is not None and target is not current and batch:
                    await conn.execute(current.insert(), batch)
                    batch = []
                current = target
                batch.append({key: _decode(value) for key, value in record["v"].items()})
                counts[target.name] = counts.get(target.name, 0) + 1
                if len(batch) >= _BATCH:
                    await conn.execute(target.insert(), batch)
                    batch = []
            if current is not None and batch:
                await conn.execute(current.insert(), batch)
    return counts


@attrs.frozen
class CleanupReport:
    """Rows deleted per kind."""

    refresh_tokens: int
    """Expired refresh tokens."""
    sessions: int
    """Sessions past their lifetime, or revoked longer ago than the grace period."""
    oauth_attempts: int
    """Login attempts past their expiry."""
    idempotency_keys: int
    """Remembered Idempotency-Keys past their retention."""
    jobs: int
    """Finished jobs older than the job retention (with their events and checkpoints)."""

    def as_dict(self) -> Mapping[str, int]:
        """The counts by name."""
        return attrs.asdict(self)


async def cleanup(
    engine: AsyncEngine,
    blobs: BlobStore,
    *,
    now: dt.datetime | None = None,
    revoked_grace: dt.timedelta = dt.timedelta(days=7),
    job_retention: dt.timedelta = dt.timedelta(days=30),
) -> CleanupReport:
    """Delete expired rows (and finished jobs' files); safe to run at any time, anywhere."""
    from playlist_service.api.middlewares.idempotency import purge_expired_keys
    from playlist_service.queue import SqlJobQueue
    from playlist_service.worker import purge_finished_jobs

    now = now or utcnow()
    async with engine.begin() as conn:
        tokens = await conn.execute(
            refresh_tokens.delete().where(refresh_tokens.c.expires_at <= now)
        )
        dead_sessions = await conn.execute(
            sessions.delete().where(
                (sessions.c.expires_at <= now) | (sessions.c.revoked_at <= now - revoked_grace)
            )
        )
        attempts = await conn.execute(
            oauth_attempts.delete().where(oauth_attempts.c.expires_at <= now)
        )
    return CleanupReport(
        refresh_tokens=int(tokens.rowcount or 0),
        sessions=int(dead_sessions.rowcount or 0),
        oauth_attempts=int(attempts.rowcount or 0),
        idempotency_keys=await purge_expired_keys(engine, now=now),
        jobs=await purge_finished_jobs(SqlJobQueue(engine), blobs, now - job_retention),
    )
