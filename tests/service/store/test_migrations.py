"""The packaged Alembic migrations build exactly the tables the code declares, on both
SQLite and PostgreSQL, and go down and up again cleanly."""

from __future__ import annotations

import importlib.util

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.store import (
    create_engine,
    current_revision,
    downgrade,
    head_revision,
    metadata,
    upgrade,
)

if importlib.util.find_spec("playlist_service.store.tables_jobs"):
    import playlist_service.store.tables_jobs  # noqa: F401  (registers the job tables)


def _describe(change: object) -> str:
    if isinstance(change, tuple):
        kind, *rest = change
        target = rest[0] if rest else None
        name = getattr(target, "name", None) or repr(target)[:80]
        return f"{kind} {name}"
    return f"{len(change)} column changes"  # type: ignore[arg-type]


def _diff(connection: sa.Connection) -> list[str]:
    """What autogenerate would still change: one line per difference."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [_describe(change) for change in compare_metadata(context, metadata)]


async def test_migrated_schema_matches_the_tables(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    await upgrade(engine)
    try:
        await _check_matches(engine)
    finally:
        await engine.dispose()


async def _check_matches(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_down_to_base_and_up_again(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        await upgrade(engine)
        await _down_and_up(engine)
    finally:
        await engine.dispose()


async def _down_and_up(engine: AsyncEngine) -> None:
    await downgrade(engine, "base")
    assert await current_revision(engine) is None
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert set(names) <= {"alembic_version"}
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_upgrade_is_idempotent(fresh_database_url: str) -> None:
    first = create_engine(fresh_database_url)
    second = create_engine(fresh_database_url)
    try:
        await upgrade(first)
        await upgrade(second)  # a second process starting: nothing to do, no error
        assert await current_revision(second) == head_revision()
    finally:
        await first.dispose()
        await second.dispose()


async def test_read_only_connections_do_not_take_the_write_lock(tmp_path: object) -> None:
    """On SQLite a reader opened with read_only() proceeds while a writer holds the lock."""
    import asyncio
    from pathlib import Path

    from playlist_service.store import read_only
    from playlist_service.store.tables import users, utcnow

    path = Path(str(tmp_path)) / "lock.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        async with engine.begin() as writer:  # BEGIN IMMEDIATE: holds the write lock
            await writer.execute(sa.insert(users).values(id="w", created_at=utcnow()))

            async def read() -> int:
                async with read_only(engine) as reader:
                    return int(await reader.scalar(sa.select(sa.func.count()).select_from(users)))

            # the uncommitted row is invisible, and the read does not wait for the writer
            assert await asyncio.wait_for(read(), timeout=2) == 0
        async with read_only(engine) as reader:
            assert await reader.scalar(sa.select(sa.func.count()).select_from(users)) == 1
    finally:
        await engine.dispose()
