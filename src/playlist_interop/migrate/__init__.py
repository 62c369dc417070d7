"""Playlist migration: plan (dry run) -> match -> create -> add in batches -> report.

:func:`migrate` copies a playlist between providers and files, resumable from a
:mod:`~playlist_interop.migrate.checkpoint` after a crash without adding any entry twice.
"""

from playlist_interop.migrate._plan import (
    MigrationPlan,
    PlaylistFile,
    ProviderPlaylist,
    read_source,
)
from playlist_interop.migrate._report import (
    MigrationReport,
    ProgressEvent,
    ProgressSink,
    ReportEntry,
)
from playlist_interop.migrate._run import migrate
from playlist_interop.migrate.checkpoint import (
    CheckpointStore,
    InMemoryCheckpointStore,
    JsonFileCheckpointStore,
    MigrationCheckpoint,
    TrackOutcome,
)

__all__ = [
    "CheckpointStore",
    "InMemoryCheckpointStore",
    "JsonFileCheckpointStore",
    "MigrationCheckpoint",
    "MigrationPlan",
    "MigrationReport",
    "PlaylistFile",
    "ProgressEvent",
    "ProgressSink",
    "ProviderPlaylist",
    "ReportEntry",
    "TrackOutcome",
    "migrate",
    "read_source",
]
