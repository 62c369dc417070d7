"""The async engine factory for ``sqlite+aiosqlite`` and ``postgresql+asyncpg``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from playlist_service.settings import normalise_database_url

__all__ = ["autocommit", "create_engine", "is_sqlite", "read_only"]

SQLITE_BUSY_TIMEOUT_MS = 15_000
PING_AFTER_IDLE_SECONDS = 10.0
"""A pooled PostgreSQL connection idle for longer than this is pinged before use."""
_CHECKED_IN_AT = "playlist_checked_in_at"
_BEGIN_OPTION = "playlist_sqlite_begin"


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite (single writer, no ``SKIP LOCKED``)."""
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """Create an async engine for ``url`` with the settings each database needs.

    SQLite: the folder of the file is created, foreign keys are enforced, WAL journal,
    a busy timeout, and every transaction starts with ``BEGIN IMMEDIATE`` so that two
    writers queue on the lock instead of failing when a read transaction is upgraded (the
    pysqlite driver's own deferred ``BEGIN`` is switched off, as SQLAlchemy's docs describe).
    Connections opened with :func:`read_only` send no ``BEGIN`` at all: each statement reads
    its own WAL snapshot without taking the write lock, so reads never queue behind writers
    and cost no extra round trips.

    ``pool_size`` connections stay open and as many again may be opened for a burst.

    PostgreSQL (asyncpg): a pooled connection that sat idle for more than
    :data:`PING_AFTER_IDLE_SECONDS` is pinged before use (see :func:`_configure_idle_ping`);
    a ``search_path`` query parameter (``postgresql://host/db?search_path=tenant_a``)
    selects the schema the tables live in.
    """
    url = normalise_database_url(url)
    parsed = make_url(url)
    if (pool_size := kwargs.pop("pool_size", None)) is not None and parsed.database not in (
        None,
        "",
        ":memory:",
    ):
        # Bursts may open as many connections again, closed when they are handed back.
        kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, **kwargs)
        _configure_sqlite(engine)
        return engine
    search_path = parsed.query.get("search_path")
    if search_path is not None:
        parsed = parsed.difference_update_query(["search_path"])
        connect_args = dict(kwargs.pop("connect_args", {}))
        server_settings = dict(connect_args.get("server_settings", {}))
        server_settings["search_path"] = str(search_path)
        connect_args["server_settings"] = server_settings
        kwargs["connect_args"] = connect_args
    engine = create_async_engine(parsed, echo=echo, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _configure_idle_ping(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def _configure_idle_ping(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle for ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` spends a round trip on every checkout: under load that
    doubles the database round trips of a simple read. A connection handed back moments
    ago is as alive as the ping would show, so only idle ones are checked (the ones a
    database restart or an idle timeout would have cut). A dead one raises
    ``DisconnectionError``, which makes the pool replace it and retry the checkout; a
    connection that dies while in use fails that one statement, and SQLAlchemy then
    invalidates the pool's older connections.
    """
    pool_events = engine.sync_engine.pool

    @sa.event.listens_for(pool_events, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN_AT] = time.monotonic()

    @sa.event.listens_for(pool_events, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return  # a new connection, or one in use moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.DisconnectionError(f"idle connection failed its ping: {exc}") from exc
        if not alive:
            raise sa.exc.DisconnectionError("idle connection failed its ping")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        if mode != "AUTOCOMMIT":
            connection.exec_driver_sql(f"BEGIN {mode}")


def read_only(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """A connection for reads only (it must not write): an :func:`autocommit` one.

    Its statements run without an explicit transaction (each sees a consistent snapshot of
    its own). On SQLite readers then neither wait for nor block the single writer; on
    PostgreSQL no ``BEGIN``/``ROLLBACK`` round trips are spent on a read.
    """
    return autocommit(engine)


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection without an explicit transaction: each statement commits by itself.

    For reads (:func:`read_only`) and for single write statements that are atomic on their
    own (``store.single_statement``), which then cost no ``BEGIN``/``COMMIT`` round trips.
    """
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            await connection.execution_options(**{_BEGIN_OPTION: "AUTOCOMMIT"})
        else:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
