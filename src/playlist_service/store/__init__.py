"""Storage: SQLAlchemy Core tables, the engine factory and the packaged Alembic migrations."""

from playlist_service.store._engine import create_engine, is_sqlite, read_only
from playlist_service.store._migrate import (
    MIGRATIONS_DIR,
    MigrationTimeout,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from playlist_service.store._schema import TABLE_MODULES, all_tables
from playlist_service.store._unit import UnitOfWork, begin, single_statement, unit_of_work
from playlist_service.store.tables import metadata

__all__ = [
    "MIGRATIONS_DIR",
    "TABLE_MODULES",
    "MigrationTimeout",
    "UnitOfWork",
    "alembic_config",
    "all_tables",
    "begin",
    "create_engine",
    "current_revision",
    "downgrade",
    "head_revision",
    "is_sqlite",
    "metadata",
    "read_only",
    "single_statement",
    "unit_of_work",
    "upgrade",
]
