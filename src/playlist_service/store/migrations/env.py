"""Alembic environment of the service.

Normally the service runs migrations itself (:func:`playlist_service.store.upgrade`), handing
a live connection in ``config.attributes["connection"]``. The ``alembic`` command line also
works, for writing new revisions: it reads ``sqlalchemy.url`` (or
``PLAYLIST_SERVICE_DATABASE_URL``) and drives the async engine itself.
"""

from __future__ import annotations

import asyncio
import os

import sqlalchemy as sa
from alembic import context

from playlist_service.store._schema import all_tables
from playlist_service.store.tables import metadata

all_tables()  # every table module registers on the metadata, so autogenerate sees them all

config = context.config
target_metadata = metadata


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    from playlist_service.store._engine import create_engine

    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "PLAYLIST_SERVICE_DATABASE_URL", ""
    )
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure_and_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    _run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _configure_and_run(connection)
else:
    asyncio.run(_run_with_own_engine())
