"""``export``: write a playlist in any of the library's formats to blob storage."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from playlist_interop.codecs import get_codec
from playlist_interop.errors import UnsupportedFormatError
from playlist_service.worker._context import JobContext, PermanentJobError
from playlist_service.worker.handlers._sources import load_playlist, safe_filename

__all__ = ["EXPORT_KIND", "export_file"]

EXPORT_KIND = "export"
"""Job kind of file exports."""


async def export_file(context: JobContext) -> Mapping[str, Any]:
    """Encode the source playlist and store it under ``jobs/<id>/export.<ext>``.

    Payload: ``{"source": {...}, "format": "xspf", "filename": "optional name"}``. The key
    depends only on the job id, so a retried attempt overwrites its own earlier upload and
    never leaves a second artifact. Result: the blob key, download file name, media type,
    size, SHA-256, number of tracks and what the format could not carry.
    """
    payload = context.job.payload
    try:
        codec = get_codec(str(payload.get("format", "")))
    except UnsupportedFormatError as exc:
        raise PermanentJobError(str(exc), code="unsupported-format") from exc
    playlist = await load_playlist(context, payload.get("source") or {})
    total = len(playlist.tracks)
    await context.progress(0, total, stage="encoding")
    written = await asyncio.to_thread(codec.write, playlist)
    context.check_cancelled()
    extension = codec.extensions[0] if codec.extensions else codec.name
    media_type = codec.media_types[0] if codec.media_types else "application/octet-stream"
    key = context.blob_key(f"export.{extension}")
    info = await context.blobs.put(key, written.data, content_type=media_type)
    await context.progress(total, total, stage="stored")
    return {
        "blob_key": key,
        "filename": safe_filename(payload.get("filename") or playlist.name, extension),
        "media_type": media_type,
        "size": info.size,
        "sha256": info.sha256,
        "format": codec.name,
        "tracks": total,
        "losses": [
            {"field": loss.field, "tracks": loss.tracks, "reason": loss.reason}
            for loss in written.losses
        ],
    }
