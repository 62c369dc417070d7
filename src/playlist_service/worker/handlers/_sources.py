"""Where handlers get playlists from: inline documents or the owner's stored playlists."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import cattrs
import sqlalchemy as sa

from playlist_interop.model import Playlist, make_converter
from playlist_service.store.tables import stored_playlists
from playlist_service.worker._context import JobContext, PermanentJobError

__all__ = ["load_playlist", "playlist_document", "safe_filename"]

_converter = make_converter()
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def playlist_document(playlist: Playlist) -> dict[str, Any]:
    """The JSON document of a playlist (the model converter's encoding)."""
    document: dict[str, Any] = _converter.unstructure(playlist)
    return document


async def load_playlist(context: JobContext, source: Mapping[str, Any]) -> Playlist:
    """Read the playlist a job's ``source`` names.

    ``{"playlist": {...}}`` is an inline playlist document; ``{"stored_playlist_id": id}``
    one of the job owner's stored playlists.

    Raises:
        PermanentJobError: the source is malformed or names nothing the owner has.
    """
    if "playlist" in source:
        return _structure(source["playlist"])
    playlist_id = source.get("stored_playlist_id")
    if isinstance(playlist_id, str):
        async with context.services.engine.connect() as conn:
            document = (
                await conn.execute(
                    sa.select(stored_playlists.c.document).where(
                        stored_playlists.c.id == playlist_id,
                        stored_playlists.c.user_id == context.job.owner_id,
                    )
                )
            ).scalar()
        if document is None:
            raise PermanentJobError(
                f"stored playlist {playlist_id} not found", code="playlist-not-found"
            )
        return _structure(document)
    raise PermanentJobError(
        "source must hold 'playlist' or 'stored_playlist_id'", code="invalid-source"
    )


def _structure(document: Any) -> Playlist:
    try:
        return _converter.structure(document, Playlist)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        raise PermanentJobError(
            f"invalid playlist document: {exc}", code="invalid-playlist"
        ) from exc


def safe_filename(name: str | None, extension: str, default: str = "playlist") -> str:
    """A download file name: printable ASCII, no path separators, with ``extension``."""
    stem = _UNSAFE.sub("_", (name or "").strip()).strip(" ._")[:120] or default
    if not stem.lower().endswith("." + extension.lower()):
        stem = f"{stem}.{extension}"
    return stem
