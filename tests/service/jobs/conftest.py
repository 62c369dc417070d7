"""Databases for the job tests: embedded SQLite and a throw-away schema on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.store.tables import metadata
from tests.service.jobs._db import (
    create_schema,
    drop_schema,
    postgres_available,
    postgres_engine,
    sqlite_engine,
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The service tables on SQLite, then on PostgreSQL (own schema per test)."""
    if request.param == "sqlite":
        eng = sqlite_engine(tmp_path / "jobs.sqlite3")
        async with eng.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield eng
        await eng.dispose()
        return
    if not await postgres_available():
        pytest.skip("PostgreSQL is not running (required when CI=true)")
    schema = await create_schema()
    eng = postgres_engine(schema)
    try:
        yield eng
    finally:
        await eng.dispose()
        await drop_schema(schema)
