"""Run the Alembic migrations shipped in ``store/migrations`` from Python, under a timeout.

Migrations run on a connection of the service's own async engine (``run_sync``), so no second
event loop and no second driver is involved; a timeout guards start-up against a migration
that waits forever on a lock (aiosqlite under Alembic is known to hang in some setups). On
PostgreSQL a transaction-level advisory lock makes concurrent starts of several API processes
apply the migrations once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "MIGRATIONS_DIR",
    "MigrationTimeout",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK_ID: Final = 0x706C6973  # "plis": serialises migrations across processes


class MigrationTimeout(TimeoutError):
    """The schema migration did not finish within the configured time."""


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of the service."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _run(connection: sa.Connection, action: str, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_ID})"))
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


async def _apply(engine: AsyncEngine, action: str, revision: str, time_limit: float) -> None:
    async def work() -> None:
        async with engine.begin() as connection:
            await connection.run_sync(_run, action, revision)

    try:
        await asyncio.wait_for(work(), time_limit)
    except TimeoutError as exc:
        raise MigrationTimeout(f"schema {action} to {revision} took over {time_limit} s") from exc


async def upgrade(engine: AsyncEngine, revision: str = "head", *, time_limit: float = 60.0) -> None:
    """Apply migrations up to ``revision`` (default: all)."""
    await _apply(engine, "upgrade", revision, time_limit)


async def downgrade(engine: AsyncEngine, revision: str, *, time_limit: float = 60.0) -> None:
    """Revert migrations down to ``revision`` (``"base"`` drops everything)."""
    await _apply(engine, "downgrade", revision, time_limit)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""

    def read(connection: sa.Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
