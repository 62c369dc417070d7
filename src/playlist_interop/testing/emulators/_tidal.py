"""Implementation of :mod:`playlist_interop.testing.emulators.tidal` (see its docstring)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import attrs
from aiohttp import web

from playlist_interop.model import Track
from playlist_interop.providers.auth import OAuthToken
from playlist_interop.testing.emulators._base import AccessGrant, Emulator
from playlist_interop.types import ProviderName

__all__ = ["TidalEmulator"]

_NAME = ProviderName("tidal")
_JSON_API = "application/vnd.api+json"
_SCOPES = ("user.read", "playlists.read", "playlists.write", "search.read")
_RESOURCES = "https://resources.tidal.com/images"
_GRANT = web.RequestKey("grant", AccessGrant)


def _num_id(seed: str, digits: int = 9) -> str:
    return str(int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**digits + 10 ** (digits - 1))


def _iso_duration(ms: int | None) -> str:
    seconds = round((ms or 0) / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:
        return None
    return int(raw[1:]) if raw.startswith("o") and raw[1:].isdigit() else None


@attrs.define
class _Item:
    track_id: str
    item_id: str
    added_at: str


@attrs.define
class _Playlist:
    id: str
    name: str
    owner: str
    description: str = ""
    access: str = "UNLISTED"
    items: list[_Item] = attrs.field(factory=list)
    created: str = attrs.field(factory=_now)
    modified: str = attrs.field(factory=_now)


class TidalEmulator(Emulator):
    """TIDAL's login (``/oauth2/authorize``, ``/oauth2/token``) and API (``/v2``).

    Args:
        catalog: Tracks to serve; ``provider_ids["tidal"]`` is kept as the id when set.
        user_id: The signed-in user's id.
        username: Their name.
        country: Their country (the market of catalog reads).
        token_lifetime: Seconds an access token lives.
        rate_limit: Requests per second the API accepts; faster calls get 429 with the
            ``Retry-After`` that frees a slot (``None``: no limit).
        rate_burst: Calls accepted back to back before the rate applies.

    ``unavailable`` maps a ``countryCode`` to track ids missing from that market's catalog.
    """

    provider = "tidal"
    page_size = 20
    write_max = 20

    def __init__(
        self,
        catalog: Iterable[Track] = (),
        *,
        user_id: str = "192837465",
        username: str = "emulated.listener",
        country: str = "GB",
        token_lifetime: float = 86400,
        rate_limit: float | None = None,
        rate_burst: int = 1,
    ) -> None:
        super().__init__(
            token_lifetime=token_lifetime, rate_limit=rate_limit, rate_burst=rate_burst
        )
        self.user_id = user_id
        self.username = username
        self.country = country
        self.tracks: dict[str, Track] = {}
        self.playlists: dict[str, _Playlist] = {}
        self.unavailable: dict[str, set[str]] = {}
        self._ids = itertools.count(400_000_001)
        for track in catalog:
            self.add_track(track)

    # -- seeding ---------------------------------------------------------------------------

    def add_track(self, track: Track) -> str:
        """Add a track to the catalog; returns its TIDAL id."""
        tid = track.provider_ids.get(_NAME) or str(next(self._ids))
        self.tracks[tid] = track
        return tid

    def add_playlist(self, name: str, track_ids: Sequence[str] = (), **kwargs: Any) -> str:
        """A playlist of the emulated user holding ``track_ids``; returns its UUID."""
        playlist = _Playlist(str(uuid.uuid4()), name, self.user_id, **kwargs)
        playlist.items.extend(_Item(t, str(uuid.uuid4()), _now()) for t in track_ids)
        self.playlists[playlist.id] = playlist
        return playlist.id

    def playlist_track_ids(self, playlist_id: str) -> list[str]:
        """Track ids of a playlist in order."""
        return [i.track_id for i in self.playlists[playlist_id].items]

    def issue_token(
        self, scopes: Sequence[str] = _SCOPES, *, client_id: str = "emulator-client"
    ) -> OAuthToken:
        """Mint a token (with a refresh token) without the browser dance."""
        grant = AccessGrant(client_id=client_id, user_id=self.user_id, scope=tuple(scopes))
        return OAuthToken.from_response(self.tokens.issue(grant), provider="tidal")

    @property
    def api_url(self) -> str:
        """API base URL (``.../v2``)."""
        return self.base_url + "/v2"

    @property
    def auth_url(self) -> str:
        """OAuth base URL (``/authorize`` and ``/token`` hang off it)."""
        return self.base_url + "/oauth2"

    # -- app -------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """OAuth and API routes."""
        app.router.add_get("/oauth2/authorize", self._authorize)
        app.router.add_post("/oauth2/token", self._token)
        routes = [
            ("GET", "/v2/users/me", self._me),
            ("GET", "/v2/playlists", self._playlists),
            ("POST", "/v2/playlists", self._create_playlist),
            ("GET", "/v2/playlists/{pid}", self._get_playlist),
            ("GET", "/v2/playlists/{pid}/relationships/items", self._get_items),
            ("POST", "/v2/playlists/{pid}/relationships/items", self._add_items),
            ("DELETE", "/v2/playlists/{pid}/relationships/items", self._remove_items),
            ("PATCH", "/v2/playlists/{pid}/relationships/items", self._move_items),
            ("GET", "/v2/tracks", self._tracks),
            ("GET", "/v2/searchResults/{query}/relationships/tracks", self._search),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, self._authenticated(handler))

    def is_api_path(self, path: str) -> bool:
        """Faults apply to the API and the token endpoint."""
        return path.startswith(("/v2/", "/oauth2/token"))

    def error_response(self, status: int, message: str, *, code: str | None = None) -> web.Response:
        """A JSON:API error document."""
        body = {
            "errors": [
                {
                    "id": str(uuid.uuid4()),
                    "status": str(status),
                    "code": code or _CODES.get(status, "INTERNAL_SERVER_ERROR"),
                    "detail": message,
                }
            ]
        }
        return web.json_response(body, status=status, content_type=_JSON_API)

    def _doc(self, body: dict[str, Any], status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(body), status=status, content_type=_JSON_API, charset="utf-8"
        )

    def _authenticated(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            grant = self.bearer_grant(request)
            if isinstance(grant, web.Response):
                return grant
            request[_GRANT] = grant
            response: web.StreamResponse = await handler(request)
            return response

        return wrapped

    # -- OAuth 2.1 -------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        redirect_uri = q.get("redirect_uri", "")
        if not q.get("client_id") or not redirect_uri or q.get("response_type") != "code":
            return web.Response(status=400, text="invalid_request")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="PKCE with S256 is required")
        grant = AccessGrant(
            client_id=q["client_id"], user_id=self.user_id, scope=tuple(q.get("scope", "").split())
        )
        code = self.tokens.issue_code(
            grant, redirect_uri=redirect_uri, challenge=q["code_challenge"]
        )
        params = {"code": code, **({"state": q["state"]} if "state" in q else {})}
        sep = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(f"{redirect_uri}{sep}{urlencode(params)}")

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = str(form.get("client_id", ""))
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            client_id = base64.b64decode(header[6:]).decode(errors="replace").partition(":")[0]

        def refuse(error: str, description: str) -> web.Response:
            return web.json_response(
                {"error": error, "error_description": description, "status": 400}, status=400
            )

        if not client_id:
            return refuse("invalid_client", "Client id is required")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            result = self.tokens.redeem_code(
                str(form.get("code", "")),
                client_id=client_id,
                redirect_uri=str(form.get("redirect_uri", "")),
                verifier=str(form["code_verifier"]) if "code_verifier" in form else None,
            )
            if isinstance(result, str):
                return refuse("invalid_grant", result)
            body = self.tokens.issue(result)
            body["user_id"] = int(self.user_id)
            return web.json_response(body)
        if grant_type == "refresh_token":
            refreshed = self.tokens.refresh(str(form.get("refresh_token", "")), client_id=client_id)
            if isinstance(refreshed, str):
                return refuse("invalid_grant", refreshed)
            return web.json_response(refreshed)
        return refuse("unsupported_grant_type", f"grant_type {grant_type!s}")

    # -- resource rendering (shapes checked against the recorded documents) -----------------

    def _artist_id(self, name: str, ids: Any) -> str:
        return str(ids.get(_NAME) or _num_id(f"artist:{name}", 7))

    def _album_id(self, track: Track) -> str | None:
        if track.album is None:
            return None
        return str(track.album.provider_ids.get(_NAME) or _num_id(f"album:{track.album.title}"))

    @staticmethod
    def _rel(self_link: str, names: Iterable[str], data: dict[str, list[dict[str, Any]]]) -> Any:
        out: dict[str, Any] = {}
        for name in names:
            entry: dict[str, Any] = {}
            if name in data:
                entry["data"] = data[name]
            entry["links"] = {"self": f"{self_link}/relationships/{name}"}
            out[name] = entry
        return out

    def _track_resource(self, tid: str, include: set[str]) -> dict[str, Any]:
        track = self.tracks[tid]
        title, version = track.title, None
        if title.endswith(")") and " (" in title:
            title, _, rest = title.rpartition(" (")
            version = rest[:-1]
        data: dict[str, list[dict[str, Any]]] = {}
        if "artists" in include:
            data["artists"] = [
                {"id": self._artist_id(a.name, a.provider_ids), "type": "artists"}
                for a in track.artists
            ]
        album_id = self._album_id(track)
        if "albums" in include and album_id:
            data["albums"] = [{"id": album_id, "type": "albums"}]
        return {
            "id": tid,
            "type": "tracks",
            "attributes": {
                "title": title,
                "version": version,
                "isrc": track.isrc or "",
                "duration": _iso_duration(track.duration_ms),
                "copyright": f"\u2117 {((track.album and track.album.release_date) or '2000')[:4]}",
                "explicit": bool(track.explicit),
                "popularity": 0.5,
                "accessType": "PUBLIC",
                "availability": ["STREAM", "DJ"],
                "mediaTags": ["LOSSLESS"],
                "externalLinks": [
                    {
                        "href": f"https://tidal.com/browse/track/{tid}",
                        "meta": {"type": "TIDAL_SHARING"},
                    }
                ],
                "spotlighted": False,
            },
            "relationships": self._rel(
                f"/tracks/{tid}",
                (
                    "albums",
                    "trackStatistics",
                    "artists",
                    "genres",
                    "similarTracks",
                    "owners",
                    "lyrics",
                    "sourceFile",
                    "providers",
                    "radio",
                ),
                data,
            ),
        }

    def _artist_resource(self, name: str, aid: str) -> dict[str, Any]:
        return {
            "id": aid,
            "type": "artists",
            "attributes": {
                "name": name,
                "popularity": 0.5,
                "externalLinks": [
                    {
                        "href": f"https://tidal.com/browse/artist/{aid}",
                        "meta": {"type": "TIDAL_SHARING"},
                    }
                ],
            },
            "relationships": self._rel(
                f"/artists/{aid}",
                (
                    "similarArtists",
                    "albums",
                    "roles",
                    "videos",
                    "owners",
                    "biography",
                    "profileArt",
                    "trackProviders",
                    "tracks",
                    "radio",
                ),
                {},
            ),
        }

    def _album_resource(self, track: Track, aid: str, include: set[str]) -> dict[str, Any]:
        album = track.album
        assert album is not None
        data: dict[str, list[dict[str, Any]]] = {}
        if "albums.coverArt" in include:
            data["coverArt"] = [{"id": f"art{aid}", "type": "artworks"}]
        if "albums.artists" in include:
            data["artists"] = [
                {"id": self._artist_id(a.name, a.provider_ids), "type": "artists"}
                for a in (album.artists or track.artists)
            ]
        return {
            "id": aid,
            "type": "albums",
            "attributes": {
                "title": album.title,
                "barcodeId": album.upc or "00000000000000",
                "numberOfVolumes": 1,
                "numberOfItems": 1,
                "duration": _iso_duration(track.duration_ms),
                "explicit": bool(track.explicit),
                "releaseDate": album.release_date or "2000-01-01",
                "copyright": {"text": "\u00a9 emulator"},
                "popularity": 0.0,
                "availability": ["STREAM", "DJ"],
                "mediaTags": ["LOSSLESS"],
                "externalLinks": [
                    {
                        "href": f"https://tidal.com/browse/album/{aid}",
                        "meta": {"type": "TIDAL_SHARING"},
                    }
                ],
                "type": "ALBUM",
            },
            "relationships": self._rel(
                f"/albums/{aid}",
                (
                    "similarAlbums",
                    "artists",
                    "genres",
                    "owners",
                    "coverArt",
                    "items",
                    "providers",
                ),
                data,
            ),
        }

    @staticmethod
    def _artwork_resource(art_id: str) -> dict[str, Any]:
        digest = hashlib.sha1(art_id.encode(), usedforsecurity=False).hexdigest()
        path = f"{digest[:8]}/{digest[8:12]}/{digest[12:16]}/{digest[16:20]}/{digest[20:32]}"
        return {
            "id": art_id,
            "type": "artworks",
            "attributes": {
                "mediaType": "IMAGE",
                "files": [
                    {
                        "href": f"{_RESOURCES}/{path}/{px}x{px}.jpg",
                        "meta": {"width": px, "height": px},
                    }
                    for px in (1280, 640, 320, 80)
                ],
            },
            "relationships": {
                "owners": {"links": {"self": f"/artworks/{art_id}/relationships/owners"}}
            },
        }

    def _included_for(self, tids: Iterable[str], include: set[str], prefix: str) -> list[Any]:
        """Included resources for tracks, given include paths relative to ``prefix``."""
        rel = {p[len(prefix) :] for p in include if p.startswith(prefix)} if prefix else include
        out: dict[tuple[str, str], Any] = {}
        for tid in tids:
            track = self.tracks[tid]
            if prefix:  # the tracks are included resources, not the primary data
                out[("tracks", tid)] = self._track_resource(tid, rel)
            if "artists" in rel:
                for artist in track.artists:
                    aid = self._artist_id(artist.name, artist.provider_ids)
                    out[("artists", aid)] = self._artist_resource(artist.name, aid)
            album_id = self._album_id(track)
            if "albums" in rel and album_id:
                out[("albums", album_id)] = self._album_resource(track, album_id, rel)
                if "albums.coverArt" in rel:
                    art = f"art{album_id}"
                    out[("artworks", art)] = self._artwork_resource(art)
        return list(out.values())

    def _playlist_resource(self, playlist: _Playlist, include: set[str]) -> dict[str, Any]:
        data: dict[str, list[dict[str, Any]]] = {}
        if "owners" in include:
            data["owners"] = [{"id": playlist.owner, "type": "users"}]
        if "coverArt" in include:
            data["coverArt"] = [{"id": f"art{playlist.id}", "type": "artworks"}]
        total_ms = sum(self.tracks[i.track_id].duration_ms or 0 for i in playlist.items)
        return {
            "id": playlist.id,
            "type": "playlists",
            "attributes": {
                "name": playlist.name,
                "description": playlist.description,
                "bounded": True,
                "duration": _iso_duration(total_ms),
                "numberOfItems": len(playlist.items),
                "createdAt": playlist.created,
                "lastModifiedAt": playlist.modified,
                "accessType": playlist.access,
                "playlistType": "USER",
                "externalLinks": [
                    {
                        "href": f"https://tidal.com/browse/playlist/{playlist.id}",
                        "meta": {"type": "TIDAL_SHARING"},
                    }
                ],
            },
            "relationships": self._rel(
                f"/playlists/{playlist.id}", ("coverArt", "items", "owners", "ownerProfiles"), data
            ),
        }

    # -- helpers ---------------------------------------------------------------------------

    def _include(self, request: web.Request) -> set[str]:
        raw = ",".join(request.query.getall("include", []))
        return {p.strip() for p in raw.split(",") if p.strip()}

    def _country(self, request: web.Request) -> str | web.Response:
        country = request.query.get("countryCode")
        if not country:
            return self.error_response(400, "countryCode: must not be null", code="VALUE_REQUIRED")
        if len(country) != 2 or not country.isalpha():
            return self.error_response(400, "countryCode: invalid", code="INVALID_ENUM_VALUE")
        return country.upper()

    def _window(
        self, request: web.Request, total: int
    ) -> tuple[int, int, dict[str, Any]] | web.Response:
        start = _offset(request.query.get("page[cursor]"))
        if start is None:
            return self.error_response(400, "page[cursor]: invalid", code="INVALID_CURSOR")
        end = min(total, start + self.page_size)
        links: dict[str, Any] = {"self": request.path_qs}
        if end < total:
            cursor = _cursor(end)
            query = {k: v for k, v in request.query.items() if k != "page[cursor]"}
            query["page[cursor]"] = cursor
            links["next"] = f"{request.path.removeprefix('/v2')}?{urlencode(query)}"
            links["meta"] = {"nextCursor": cursor}
        return start, end, links

    async def _json(self, request: web.Request) -> dict[str, Any] | web.Response:
        if request.content_type not in (_JSON_API, "application/json"):
            return self.error_response(415, "Unsupported media type", code="UNSUPPORTED_MEDIA_TYPE")
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            return self.error_response(400, "Malformed JSON", code="INVALID_REQUEST_BODY")
        if not isinstance(body, dict):
            return self.error_response(400, "Malformed JSON", code="INVALID_REQUEST_BODY")
        return body

    def _owned(self, request: web.Request) -> _Playlist | web.Response:
        playlist = self.playlists.get(request.match_info["pid"])
        if playlist is None:
            return self.error_response(404, "Playlist not found", code="NOT_FOUND")
        if request.method != "GET" and playlist.owner != request[_GRANT].user_id:
            return self.error_response(403, "Not the owner", code="FORBIDDEN")
        return playlist

    # -- API handlers ----------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        return self._doc(
            {
                "data": {
                    "id": self.user_id,
                    "type": "users",
                    "attributes": {
                        "username": self.username,
                        "country": self.country,
                        "email": f"{self.username}@example.test",
                        "emailVerified": True,
                    },
                },
                "links": {"self": "/users/me"},
            }
        )

    async def _playlists(self, request: web.Request) -> web.Response:
        country = self._country(request)
        if isinstance(country, web.Response):
            return country
        owner = request.query.get("filter[owners.id]")
        if owner is None:
            return self.error_response(400, "filter required", code="VALUE_REQUIRED")
        mine = [p for p in self.playlists.values() if p.owner == owner]
        window = self._window(request, len(mine))
        if isinstance(window, web.Response):
            return window
        start, end, links = window
        include = self._include(request)
        body: dict[str, Any] = {
            "data": [self._playlist_resource(p, include) for p in mine[start:end]],
            "links": links,
        }
        if "coverArt" in include:
            body["included"] = [self._artwork_resource(f"art{p.id}") for p in mine[start:end]]
        return self._doc(body)

    async def _create_playlist(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        data = body.get("data")
        attributes = data.get("attributes") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("type") != "playlists"
            or not isinstance(attributes, dict)
            or not isinstance(attributes.get("name"), str)
        ):
            return self.error_response(
                400, "data.attributes.name is required", code="INVALID_REQUEST_BODY"
            )
        access = attributes.get("accessType", "UNLISTED")
        if access not in ("PUBLIC", "UNLISTED"):
            return self.error_response(400, "accessType: invalid", code="INVALID_ENUM_VALUE")
        playlist = _Playlist(
            str(uuid.uuid4()),
            attributes["name"],
            request[_GRANT].user_id,
            description=str(attributes.get("description") or ""),
            access=access,
        )
        self.playlists[playlist.id] = playlist
        return self._doc(
            {
                "data": self._playlist_resource(playlist, set()),
                "links": {"self": f"/playlists/{playlist.id}"},
            },
            status=201,
        )

    async def _get_playlist(self, request: web.Request) -> web.Response:
        playlist = self._owned(request)
        if isinstance(playlist, web.Response):
            return playlist
        include = self._include(request)
        body: dict[str, Any] = {
            "data": self._playlist_resource(playlist, include),
            "links": {"self": f"/playlists/{playlist.id}"},
        }
        included = []
        if "coverArt" in include:
            included.append(self._artwork_resource(f"art{playlist.id}"))
        if "owners" in include:
            included.append(
                {"id": playlist.owner, "type": "users", "attributes": {}, "relationships": {}}
            )
        if included:
            body["included"] = included
        return self._doc(body)

    async def _get_items(self, request: web.Request) -> web.Response:
        playlist = self._owned(request)
        if isinstance(playlist, web.Response):
            return playlist
        country = self._country(request)
        if isinstance(country, web.Response):
            return country
        window = self._window(request, len(playlist.items))
        if isinstance(window, web.Response):
            return window
        start, end, links = window
        page = playlist.items[start:end]
        include = self._include(request)
        hidden = self.unavailable.get(country, set())
        body: dict[str, Any] = {
            "data": [
                {
                    "id": i.track_id,
                    "type": "tracks",
                    "meta": {"itemId": i.item_id, "addedAt": i.added_at},
                }
                for i in page
            ],
            "links": links,
        }
        if "items" in include:
            visible = [i.track_id for i in page if i.track_id not in hidden]
            body["included"] = self._included_for(visible, include, "items.")
        return self._doc(body)

    def _identifiers(
        self, body: dict[str, Any], *, need_item: bool
    ) -> list[dict[str, Any]] | web.Response:
        data = body.get("data")
        if not isinstance(data, list) or not data:
            return self.error_response(
                400, "data must be a non-empty array", code="INVALID_REQUEST_BODY"
            )
        if len(data) > self.write_max:
            return self.error_response(
                400, f"at most {self.write_max} items per request", code="TOO_MANY_ITEMS"
            )
        for entry in data:
            if not isinstance(entry, dict) or entry.get("type") not in ("tracks", "videos"):
                return self.error_response(
                    400, "invalid resource identifier", code="INVALID_REQUEST_BODY"
                )
            if need_item and not isinstance((entry.get("meta") or {}).get("itemId"), str):
                return self.error_response(400, "meta.itemId is required", code="VALUE_REQUIRED")
        return data

    def _position(self, playlist: _Playlist, body: dict[str, Any]) -> int | web.Response | None:
        meta = body.get("meta")
        before = meta.get("positionBefore") if isinstance(meta, dict) else None
        if before is None:
            return None
        for index, item in enumerate(playlist.items):
            if item.item_id == before:
                return index
        return self.error_response(
            400, "positionBefore: unknown itemId", code="INVALID_REQUEST_BODY"
        )

    async def _add_items(self, request: web.Request) -> web.Response:
        playlist = self._owned(request)
        if isinstance(playlist, web.Response):
            return playlist
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        data = self._identifiers(body, need_item=False)
        if isinstance(data, web.Response):
            return data
        unknown = [str(e.get("id")) for e in data if str(e.get("id")) not in self.tracks]
        if unknown:
            return self.error_response(
                404, f"unknown tracks: {','.join(unknown)}", code="NOT_FOUND"
            )
        position = self._position(playlist, body)
        if isinstance(position, web.Response):
            return position
        new = [_Item(str(e["id"]), str(uuid.uuid4()), _now()) for e in data]
        at = len(playlist.items) if position is None else position
        playlist.items[at:at] = new
        playlist.modified = _now()
        return web.Response(status=201)

    async def _remove_items(self, request: web.Request) -> web.Response:
        playlist = self._owned(request)
        if isinstance(playlist, web.Response):
            return playlist
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        data = self._identifiers(body, need_item=True)
        if isinstance(data, web.Response):
            return data
        doomed = {e["meta"]["itemId"] for e in data}
        playlist.items = [i for i in playlist.items if i.item_id not in doomed]
        playlist.modified = _now()
        return web.Response(status=204)

    async def _move_items(self, request: web.Request) -> web.Response:
        playlist = self._owned(request)
        if isinstance(playlist, web.Response):
            return playlist
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        data = self._identifiers(body, need_item=True)
        if isinstance(data, web.Response):
            return data
        meta = body.get("meta")
        anchor = meta.get("positionBefore") if isinstance(meta, dict) else None
        if not isinstance(anchor, str):
            return self.error_response(
                400, "meta.positionBefore is required", code="VALUE_REQUIRED"
            )
        moving_ids = [e["meta"]["itemId"] for e in data]
        by_id = {i.item_id: i for i in playlist.items}
        if any(m not in by_id for m in moving_ids) or anchor in moving_ids or anchor not in by_id:
            return self.error_response(400, "unknown itemId", code="INVALID_REQUEST_BODY")
        moving = [by_id[m] for m in moving_ids]
        rest = [i for i in playlist.items if i.item_id not in set(moving_ids)]
        at = next(n for n, i in enumerate(rest) if i.item_id == anchor)
        playlist.items = [*rest[:at], *moving, *rest[at:]]
        playlist.modified = _now()
        return web.Response(status=204)

    async def _tracks(self, request: web.Request) -> web.Response:
        country = self._country(request)
        if isinstance(country, web.Response):
            return country
        ids = [v for raw in request.query.getall("filter[id]", []) for v in raw.split(",") if v]
        isrcs = [
            v.upper() for raw in request.query.getall("filter[isrc]", []) for v in raw.split(",")
        ]
        if len(ids) > self.write_max:
            return self.error_response(400, "filter[id]: at most 20 values", code="TOO_MANY_VALUES")
        hidden = self.unavailable.get(country, set())
        if ids:
            found = [t for t in ids if t in self.tracks and t not in hidden]
        elif isrcs:
            found = [t for t, tr in self.tracks.items() if tr.isrc in isrcs and t not in hidden]
        else:
            return self.error_response(400, "a filter is required", code="VALUE_REQUIRED")
        window = self._window(request, len(found))
        if isinstance(window, web.Response):
            return window
        start, end, links = window
        include = self._include(request)
        page = found[start:end]
        return self._doc(
            {
                "data": [self._track_resource(t, include) for t in page],
                "included": self._included_for(page, include, ""),
                "links": links,
            }
        )

    async def _search(self, request: web.Request) -> web.Response:
        country = self._country(request)
        if isinstance(country, web.Response):
            return country
        words = request.match_info["query"].casefold().split()
        found = []
        for tid, track in self.tracks.items():
            haystack = " ".join(
                [track.title, *track.artist_names, track.album.title if track.album else ""]
            ).casefold()
            if words and all(w in haystack for w in words):
                found.append(tid)
        window = self._window(request, len(found))
        if isinstance(window, web.Response):
            return window
        start, end, links = window
        page = found[start:end]
        include = self._include(request)
        body: dict[str, Any] = {
            "data": [{"id": t, "type": "tracks"} for t in page],
            "links": links,
        }
        if "tracks" in include:
            body["included"] = self._included_for(page, include, "tracks.")
        links["self"] = f"/searchResults/{quote(request.match_info['query'])}/relationships/tracks"
        return self._doc(body)


_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
