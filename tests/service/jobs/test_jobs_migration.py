"""The jobs revision builds exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import playlist_service.store.tables_jobs  # noqa: F401 - registers the job tables
from playlist_service.store import create_engine, current_revision, downgrade, upgrade
from playlist_service.store.tables import metadata
from tests.service.jobs._db import (
    POSTGRES_URL,
    create_empty_schema,
    drop_schema,
    postgres_available,
)

JOB_TABLES = {"jobs", "job_events", "job_checkpoints"}


def _diff(connection: sa.Connection) -> list[object]:
    """Autogenerate's differences between the migrated database and the job tables."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    mentions = re.compile(r"\b(?:" + "|".join(sorted(JOB_TABLES)) + r")\b")
    return [
        change for change in compare_metadata(context, metadata) if mentions.search(repr(change))
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_upgrade_matches_tables_and_downgrades(backend: str, tmp_path: Path) -> None:
    schema = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    else:
        if not await postgres_available():
            pytest.skip("PostgreSQL is not running (required when CI=true)")
        schema = await create_empty_schema()
        url = f"{POSTGRES_URL}?search_path={schema}"
    engine = create_engine(url)
    try:
        await upgrade(engine, "0002")
        assert await current_revision(engine) == "0002"
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        assert names >= JOB_TABLES
        await downgrade(engine, "0001")
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        assert not JOB_TABLES & names
    finally:
        await engine.dispose()
        if schema:
            await drop_schema(schema)
