"""``/artists``: artists of the user's stored playlists, with MusicBrainz data."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from playlist_service import keys
from playlist_service.api._io import json_response, query_int
from playlist_service.auth import require_principal
from playlist_service.errors import ProblemError
from playlist_service.library import CatalogArtist

__all__ = ["routes"]

routes = web.RouteTableDef()


def _artist_json(artist: CatalogArtist) -> dict[str, Any]:
    return {
        "id": artist.id,
        "name": artist.name,
        "musicbrainz_id": artist.musicbrainz_id,
        "musicbrainz": dict(artist.musicbrainz) if artist.musicbrainz is not None else None,
        "enriched_at": artist.enriched_at,
        "playlist_count": artist.playlist_count,
        "track_count": artist.track_count,
    }


@routes.get("/artists")
async def list_artists(request: web.Request) -> web.Response:
    """A page of catalog artists, most credited first."""
    principal = require_principal(request)
    limit = query_int(request, "limit", default=50, minimum=1, maximum=200)
    offset = query_int(request, "offset", default=0, minimum=0, maximum=1_000_000)
    query = request.query.get("q") or None
    if query is not None and len(query) > 200:
        raise ProblemError(400, "invalid-request", "q is too long")
    items, total = await request.app[keys.LIBRARY].list_artists(
        principal.user_id, limit=limit, offset=offset, query=query
    )
    return json_response(
        {
            "items": [_artist_json(a) for a in items],
            "total": total,
            "offset": offset,
            "limit": limit,
        }
    )


@routes.get("/artists/{artist_id}")
async def get_artist(request: web.Request) -> web.Response:
    """One catalog artist of the user."""
    principal = require_principal(request)
    artist = await request.app[keys.LIBRARY].get_artist(
        principal.user_id, request.match_info["artist_id"]
    )
    if artist is None:
        raise ProblemError(404, "artist-not-found", "no such artist in your playlists")
    return json_response(_artist_json(artist))


@routes.post("/artists/{artist_id}/enrich")
async def enrich_artist(request: web.Request) -> web.Response:
    """Look the artist up in MusicBrainz now (through recordings of the user's playlists)."""
    principal = require_principal(request)
    client = request.app[keys.MUSICBRAINZ]
    if client is None:
        raise ProblemError(503, "enrichment-disabled", "MusicBrainz enrichment is turned off")
    artist = await request.app[keys.LIBRARY].enrich_artist(
        principal.user_id, request.match_info["artist_id"], client
    )
    if artist is None:
        raise ProblemError(404, "artist-not-found", "no such artist in your playlists")
    return json_response(_artist_json(artist))
