"""The table of built-in handlers."""

from __future__ import annotations

from collections.abc import Mapping

from playlist_service.worker._context import Handler
from playlist_service.worker.handlers._enrichment import ENRICHMENT_KIND, enrich_playlist
from playlist_service.worker.handlers._export import EXPORT_KIND, export_file
from playlist_service.worker.handlers._import import IMPORT_KIND, import_file
from playlist_service.worker.handlers._migration import MIGRATION_KIND, run_migration
from playlist_service.worker.handlers._webhook import WEBHOOK_KIND, deliver_webhook

__all__ = ["builtin_handlers"]


def builtin_handlers() -> Mapping[str, Handler]:
    """Handler per job kind for every built-in kind."""
    return {
        ENRICHMENT_KIND: enrich_playlist,
        EXPORT_KIND: export_file,
        IMPORT_KIND: import_file,
        MIGRATION_KIND: run_migration,
        WEBHOOK_KIND: deliver_webhook,
    }
