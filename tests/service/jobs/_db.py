"""Database helpers of the job tests: embedded SQLite, throw-away PostgreSQL schemas."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import playlist_service.store.tables_jobs  # noqa: F401 - registers the job tables
from playlist_service.store import create_engine
from playlist_service.store.tables import metadata, users

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get(
    "PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def asyncpg_url(url: str) -> str:
    """The SQLAlchemy asyncpg spelling of a ``postgresql://`` URL."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


async def postgres_available() -> bool:
    """Whether the test server answers; fails the test run in CI when it does not."""
    import asyncpg

    try:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required in CI: {exc}")
        return False
    await conn.close()
    return True


async def create_empty_schema() -> str:
    """A fresh, empty PostgreSQL schema; returns its name."""
    import asyncpg

    schema = f"jobs_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return schema


async def create_schema() -> str:
    """A fresh PostgreSQL schema holding the service tables; returns its name."""
    schema = await create_empty_schema()
    engine = postgres_engine(schema)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    return schema


async def drop_schema(schema: str) -> None:
    """Remove a schema made by :func:`create_schema`."""
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def postgres_engine(schema: str, **kwargs: Any) -> AsyncEngine:
    """The service's engine on the test server, tables looked up in ``schema`` first."""
    return create_engine(f"{POSTGRES_URL}?search_path={schema}", **kwargs)


def sqlite_engine(path: Path) -> AsyncEngine:
    """The service's embedded engine (WAL, busy timeout, ``BEGIN IMMEDIATE``)."""
    return create_engine(f"sqlite+aiosqlite:///{path}")


async def add_user(engine: AsyncEngine, user_id: str | None = None) -> str:
    """Insert a user row (jobs reference their owner) and return its id."""
    user_id = user_id or uuid.uuid4().hex
    async with engine.begin() as conn:
        await conn.execute(
            users.insert().values(
                id=user_id, display_name="Test", created_at=dt.datetime.now(dt.UTC)
            )
        )
    return user_id


class Clock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
