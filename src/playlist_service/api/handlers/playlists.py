"""``/playlists``: live playlists at the linked providers, and stored playlists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web

from playlist_interop.model import Playlist, make_converter
from playlist_interop.providers import PlaylistSummary, Provider
from playlist_interop.types import ProviderPlaylistId
from playlist_service import keys
from playlist_service.api._io import json_response, query_int
from playlist_service.auth import Principal, require_principal
from playlist_service.errors import ProblemError
from playlist_service.library import MAX_IMPORT_BYTES, StoredPlaylist
from playlist_service.providers import ProviderNotConfigured, ProviderNotLinked, call_provider

__all__ = ["routes"]

routes = web.RouteTableDef()
_converter = make_converter()
T = TypeVar("T")


def _document(playlist: Playlist) -> dict[str, Any]:
    document: dict[str, Any] = _converter.unstructure(playlist)
    return document


def _stored_json(stored: StoredPlaylist) -> dict[str, Any]:
    return {
        "id": stored.id,
        "name": stored.name,
        "source": stored.source,
        "format": stored.format,
        "provider": stored.provider,
        "provider_playlist_id": stored.provider_playlist_id,
        "track_count": stored.track_count,
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
    }


def _summary_json(summary: PlaylistSummary) -> dict[str, Any]:
    return {
        "provider": summary.ref.provider,
        "id": summary.ref.id,
        "name": summary.name,
        "track_count": summary.track_count,
        "owner": summary.owner,
        "public": summary.public,
        "collaborative": summary.collaborative,
        "description": summary.description,
        "image_url": summary.image.url if summary.image else None,
        "snapshot": summary.ref.snapshot,
        "url": summary.ref.url,
    }


async def _live(
    request: web.Request,
    principal: Principal,
    name: str,
    operation: Callable[[Provider], Awaitable[T]],
) -> T:
    """Run ``operation`` on the user's account at ``name`` (tokens renewed and saved)."""
    try:
        return await call_provider(
            request.app[keys.PROVIDER_HUB],
            request.app[keys.ACCOUNTS],
            principal.user_id,
            name,
            operation,
        )
    except ProviderNotConfigured:
        raise ProblemError(404, "provider-not-configured", f"no provider named {name}") from None
    except ProviderNotLinked:
        raise ProblemError(404, "provider-not-linked", f"no {name} account is linked") from None


@routes.get("/playlists/providers/{provider}")
async def list_provider_playlists(request: web.Request) -> web.Response:
    """A page of the user's playlists at a provider."""
    principal = require_principal(request)
    limit = query_int(request, "limit", default=50, minimum=1, maximum=200)
    offset = query_int(request, "offset", default=0, minimum=0, maximum=1_000_000)

    async def page(provider: Provider) -> tuple[list[dict[str, Any]], bool]:
        items: list[dict[str, Any]] = []
        index = 0
        async for summary in provider.iter_playlists():
            if index >= offset + limit:
                return items, True
            if index >= offset:
                items.append(_summary_json(summary))
            index += 1
        return items, False

    items, more = await _live(request, principal, request.match_info["provider"], page)
    return json_response(
        {
            "items": items,
            "offset": offset,
            "limit": limit,
            "next_offset": offset + limit if more else None,
        }
    )


@routes.get("/playlists/providers/{provider}/{playlist_id}")
async def get_provider_playlist(request: web.Request) -> web.Response:
    """One live playlist with all its tracks."""
    principal = require_principal(request)
    name = request.match_info["provider"]
    playlist_id = request.match_info["playlist_id"]
    playlist = await _live(
        request, principal, name, lambda p: p.get_playlist(ProviderPlaylistId(playlist_id))
    )
    return json_response({"provider": name, "id": playlist_id, "playlist": _document(playlist)})


@routes.post("/playlists/providers/{provider}/{playlist_id}/store")
async def store_provider_playlist(request: web.Request) -> web.Response:
    """Keep a snapshot of a live playlist."""
    principal = require_principal(request)
    name = request.match_info["provider"]
    playlist_id = request.match_info["playlist_id"]
    playlist = await _live(
        request, principal, name, lambda p: p.get_playlist(ProviderPlaylistId(playlist_id))
    )
    stored = await request.app[keys.LIBRARY].store(
        principal.user_id,
        playlist,
        source="provider",
        provider=name,
        provider_playlist_id=playlist_id,
    )
    return json_response(_stored_json(stored), status=201)


@routes.get("/playlists/stored")
async def list_stored(request: web.Request) -> web.Response:
    """A page of the user's stored playlists."""
    principal = require_principal(request)
    limit = query_int(request, "limit", default=50, minimum=1, maximum=200)
    offset = query_int(request, "offset", default=0, minimum=0, maximum=1_000_000)
    items, total = await request.app[keys.LIBRARY].list_playlists(
        principal.user_id, limit=limit, offset=offset
    )
    return json_response(
        {
            "items": [_stored_json(p) for p in items],
            "total": total,
            "offset": offset,
            "limit": limit,
        }
    )


@routes.get("/playlists/stored/{playlist_id}")
async def get_stored(request: web.Request) -> web.Response:
    """A stored playlist with its tracks."""
    principal = require_principal(request)
    found = await request.app[keys.LIBRARY].get(
        principal.user_id, request.match_info["playlist_id"]
    )
    if found is None:
        raise ProblemError(404, "playlist-not-found", "no such stored playlist")
    stored, playlist = found
    return json_response({**_stored_json(stored), "playlist": _document(playlist)})


@routes.delete("/playlists/stored/{playlist_id}")
async def delete_stored(request: web.Request) -> web.Response:
    """Delete a stored playlist."""
    principal = require_principal(request)
    deleted = await request.app[keys.LIBRARY].delete(
        principal.user_id, request.match_info["playlist_id"]
    )
    if not deleted:
        raise ProblemError(404, "playlist-not-found", "no such stored playlist")
    return web.Response(status=204)


async def _read_limited(read: Any) -> bytes:
    data = bytearray()
    while chunk := await read(64 * 1024):
        data += chunk
        if len(data) > MAX_IMPORT_BYTES:
            raise ProblemError(413, "payload-too-large", "playlist files are limited to 20 MiB")
    return bytes(data)


@routes.post("/playlists/import")
async def import_file(request: web.Request) -> web.Response:
    """Store an uploaded playlist file (multipart field ``file``, or the raw body)."""
    principal = require_principal(request)
    fmt = request.query.get("format") or None
    filename = request.query.get("filename") or None
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        data: bytes | None = None
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: not a playlist file
            if part.name == "file":
                filename = part.filename or filename
                data = await _read_limited(part.read_chunk)
            elif part.name == "format":
                raw = await part.read(decode=False)
                try:
                    fmt = raw.decode("utf-8").strip() or fmt
                except UnicodeDecodeError:
                    raise ProblemError(400, "invalid-request", "format is not UTF-8") from None
        if data is None:
            raise ProblemError(400, "invalid-request", "the multipart body has no file part")
    else:
        data = await _read_limited(request.content.read)
    if not data:
        raise ProblemError(400, "invalid-request", "the playlist file is empty")
    if fmt is not None and len(fmt) > 32:
        raise ProblemError(400, "invalid-request", "format is too long")
    stored, warnings = await request.app[keys.LIBRARY].import_file(
        principal.user_id, data, filename=filename, format=fmt
    )
    return json_response({"playlist": _stored_json(stored), "warnings": warnings}, status=201)
