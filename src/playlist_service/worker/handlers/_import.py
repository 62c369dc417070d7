"""``import``: read an uploaded playlist file into the owner's stored playlists."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from playlist_interop.codecs import FormatWarning, read_playlist
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist
from playlist_service.blobs import BlobNotFound
from playlist_service.store.tables import stored_playlists, utcnow
from playlist_service.worker._context import JobContext, PermanentJobError
from playlist_service.worker.handlers._sources import playlist_document

__all__ = ["IMPORT_KIND", "MAX_IMPORT_BYTES", "import_file"]

IMPORT_KIND = "import"
"""Job kind of file imports."""

MAX_IMPORT_BYTES = 20 * 1024 * 1024
"""Largest playlist file an import reads."""


async def import_file(context: JobContext) -> Mapping[str, Any]:
    """Parse the uploaded blob and store it as the owner's playlist.

    Payload: ``{"blob_key": "...", "format": "m3u" | null, "filename": "..."}``. The stored
    playlist's id is the job id and is inserted in a fenced transaction only when absent,
    so a retried attempt never creates a second playlist. The upload is deleted once the
    playlist is stored.
    """
    payload = context.job.payload
    if context.job.owner_id is None:
        raise PermanentJobError("an import needs an owner", code="invalid-job")
    key = str(payload.get("blob_key", ""))
    async with context.services.engine.connect() as conn:
        earlier = (
            await conn.execute(
                sa.select(stored_playlists.c.name, stored_playlists.c.track_count).where(
                    stored_playlists.c.id == context.job.id
                )
            )
        ).first()
    if earlier is not None:  # an earlier attempt stored it, then stopped before finishing
        await context.blobs.delete(key)
        return {
            "stored_playlist_id": context.job.id,
            "name": earlier.name,
            "tracks": earlier.track_count,
            "warnings": [],
        }
    data = await _read_blob(context, key)
    warnings: list[str] = []

    def parse() -> Playlist:
        def keep(warning: FormatWarning) -> None:
            warnings.append(str(warning))

        return read_playlist(data, format=payload.get("format"), on_warning=keep)

    playlist = await asyncio.to_thread(parse)
    if playlist.name is None and payload.get("filename"):
        playlist = _named(playlist, str(payload["filename"]).rsplit(".", 1)[0])
    document = playlist_document(playlist)
    now = utcnow()
    async with context.transaction() as tx:
        exists = (
            await tx.connection.execute(
                sa.select(stored_playlists.c.id).where(stored_playlists.c.id == context.job.id)
            )
        ).first()
        if exists is None:
            await tx.connection.execute(
                stored_playlists.insert().values(
                    id=context.job.id,
                    user_id=context.job.owner_id,
                    name=playlist.name,
                    source="file",
                    format=payload.get("format") or _format_name(data, payload),
                    track_count=len(playlist.tracks),
                    document=document,
                    created_at=now,
                    updated_at=now,
                )
            )
        await tx.emit("progress", {"done": 1, "total": 1, "stage": "stored"}, progress=(1, 1))
    await context.blobs.delete(key)  # the upload is no longer needed once stored
    return {
        "stored_playlist_id": context.job.id,
        "name": playlist.name,
        "tracks": len(playlist.tracks),
        "warnings": warnings[:100],
    }


async def _read_blob(context: JobContext, key: str) -> bytes:
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in context.blobs.get(key):
            size += len(chunk)
            if size > MAX_IMPORT_BYTES:
                raise PermanentJobError("the uploaded file is too large", code="file-too-large")
            parts.append(chunk)
    except BlobNotFound as exc:
        raise PermanentJobError("the uploaded file is gone", code="upload-missing") from exc
    return b"".join(parts)


def _named(playlist: Playlist, name: str) -> Playlist:
    import attrs

    return attrs.evolve(playlist, name=name)


def _format_name(data: bytes, payload: Mapping[str, Any]) -> str | None:
    from playlist_interop.codecs import detect_format

    try:
        return detect_format(filename=payload.get("filename"), head=data[:4096])
    except PlaylistFormatError:
        return None
