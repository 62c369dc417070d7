"""The whole schema: every module that declares tables on the shared metadata."""

from __future__ import annotations

import importlib
from typing import Final

import sqlalchemy as sa

from playlist_service.store.tables import metadata

__all__ = ["TABLE_MODULES", "all_tables"]

TABLE_MODULES: Final = (
    "playlist_service.store.tables",
    "playlist_service.store.tables_jobs",
    "playlist_service.store.tables_idempotency",
)
"""Modules declaring tables; importing one registers its tables on the metadata."""


def all_tables() -> list[sa.Table]:
    """Every table of the schema, in foreign-key order (parents first)."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return list(metadata.sorted_tables)
