"""The Spotify emulator (implementation of :mod:`playlist_interop.testing.emulators.spotify`)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs
from aiohttp import web

from playlist_interop.model import Track
from playlist_interop.providers.auth import OAuthToken
from playlist_interop.testing.emulators._base import AccessGrant, Emulator
from playlist_interop.types import ProviderName

__all__ = ["SpotifyEmulator", "spotify_id"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_URI = re.compile(r"^spotify:(track|episode):([0-9A-Za-z]{22})$")
_ISRC_QUERY = re.compile(r"^isrc:(\S+)$", re.IGNORECASE)
_FIELD = re.compile(r'(\w+):(?:"([^"]*)"|(\S+))')
_OPEN = "https://open.spotify.com"
_GRANT = web.RequestKey("grant", AccessGrant)
_MARKETS = ("AR", "AU", "BR", "CA", "DE", "ES", "FR", "GB", "IT", "JP", "MX", "NL", "SE", "US")
DEFAULT_SCOPES = (
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-read-private",
)


def spotify_id(seed: str) -> str:
    """A deterministic 22-character base62 id derived from ``seed``."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big")
    chars = []
    for _ in range(22):
        number, rem = divmod(number, 62)
        chars.append(_BASE62[rem])
    return "".join(chars)


@attrs.define
class _Entry:
    kind: str  # "track" | "episode" | "local" | "null"
    id: str | None
    added_at: str
    added_by: str
    local: dict[str, Any] | None = None


@attrs.define
class _Playlist:
    id: str
    name: str
    owner: str
    description: str | None = None
    public: bool = False
    collaborative: bool = False
    entries: list[_Entry] = attrs.field(factory=list)
    version: int = 1

    @property
    def snapshot_id(self) -> str:
        digest = hashlib.sha1(f"{self.id}:{self.version}".encode(), usedforsecurity=False)
        return base64.b64encode(f"{self.version},{digest.hexdigest()}".encode()).decode()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


class SpotifyEmulator(Emulator):
    """Spotify's accounts service (``/authorize``, ``/api/token``) and Web API (``/v1``).

    Args:
        catalog: Tracks to serve; each gets the id in ``provider_ids["spotify"]`` or one
            derived from its ISRC/title.
        user_id: Id of the signed-in user.
        display_name: Their display name.
        client_ids: Accepted client ids; ``None`` accepts any.
        token_lifetime: Seconds an access token lives.
        batch_tracks: Serve ``GET /tracks?ids=`` (``False`` answers 403, as Spotify does
            for development-mode apps since February 2026).
        legacy_shape: Use the pre-2026 field names ``track`` and ``tracks``.
        rate_limit: Requests per second the Web API accepts; past it, 429 with
            ``Retry-After`` (Spotify's rolling window, simplified).
        rate_burst: Requests accepted back to back before the rate applies.
    """

    provider = "spotify"
    items_page_max = 50
    playlists_page_max = 50
    search_limit_max = 10
    tracks_ids_max = 50
    modify_max = 100

    def __init__(
        self,
        catalog: Iterable[Track] = (),
        *,
        user_id: str = "emulator-user",
        display_name: str = "Emulator User",
        client_ids: Iterable[str] | None = None,
        token_lifetime: float = 3600,
        batch_tracks: bool = True,
        legacy_shape: bool = False,
        rate_limit: float | None = None,
        rate_burst: int = 1,
    ) -> None:
        super().__init__(
            token_lifetime=token_lifetime, rate_limit=rate_limit, rate_burst=rate_burst
        )
        self.user_id = user_id
        self.display_name = display_name
        self.client_ids = None if client_ids is None else frozenset(client_ids)
        self.batch_tracks = batch_tracks
        self.legacy_shape = legacy_shape
        self.tracks: dict[str, Track] = {}
        self.unavailable: set[str] = set()
        self.episodes: dict[str, dict[str, Any]] = {}
        self.playlists: dict[str, _Playlist] = {}
        self._by_isrc: dict[str, list[str]] = {}
        self._counter = itertools.count(1)
        for track in catalog:
            self.add_track(track)

    # -- seeding -------------------------------------------------------------------------------

    def add_track(self, track: Track, *, available: bool = True) -> str:
        """Add ``track`` to the catalog; returns its Spotify id."""
        tid = track.provider_ids.get(ProviderName("spotify")) or spotify_id(
            f"track:{track.isrc or ''}:{track.title}:{track.artist_line}"
        )
        if not _ID.match(tid):
            raise ValueError(f"not a Spotify id: {tid!r}")
        self.tracks[tid] = track
        if track.isrc:
            self._by_isrc.setdefault(track.isrc, []).append(tid)
        if not available:
            self.unavailable.add(tid)
        return tid

    def add_episode(
        self, name: str, *, show: str = "Emulator Show", duration_ms: int = 1_800_000
    ) -> str:
        """Add a podcast episode; returns its id."""
        eid = spotify_id(f"episode:{show}:{name}")
        self.episodes[eid] = {"name": name, "show": show, "duration_ms": duration_ms}
        return eid

    def add_playlist(
        self,
        name: str,
        track_ids: Sequence[str] = (),
        *,
        owner: str | None = None,
        description: str | None = None,
        public: bool = False,
        collaborative: bool = False,
    ) -> str:
        """Create a playlist holding ``track_ids`` (track or episode ids); returns its id."""
        pid = spotify_id(f"playlist:{next(self._counter)}:{name}")
        playlist = _Playlist(pid, name, owner or self.user_id, description, public, collaborative)
        for tid in track_ids:
            playlist.entries.append(self._entry_for(tid, playlist.owner))
        self.playlists[pid] = playlist
        return pid

    def add_local_file(
        self, playlist_id: str, *, title: str, artist: str, album: str, duration_ms: int
    ) -> None:
        """Append a local file entry (``is_local``, no id) to a playlist."""
        playlist = self.playlists[playlist_id]
        local = {"title": title, "artist": artist, "album": album, "duration_ms": duration_ms}
        playlist.entries.append(_Entry("local", None, _now(), playlist.owner, local))
        playlist.version += 1

    def add_null_item(self, playlist_id: str) -> None:
        """Append an entry whose item is ``null`` (content removed from Spotify)."""
        playlist = self.playlists[playlist_id]
        playlist.entries.append(_Entry("null", None, _now(), playlist.owner))
        playlist.version += 1

    def playlist_uris(self, playlist_id: str) -> list[str | None]:
        """The URIs of a playlist's entries in order (``None`` for null items)."""
        return [self._entry_uri(e) for e in self.playlists[playlist_id].entries]

    def issue_token(
        self, scopes: Sequence[str] = DEFAULT_SCOPES, *, client_id: str = "emulator-client"
    ) -> OAuthToken:
        """Mint a token for the emulated user without the browser dance."""
        grant = AccessGrant(client_id=client_id, user_id=self.user_id, scope=tuple(scopes))
        body = self.tokens.issue(grant)
        return OAuthToken.from_response(body, provider="spotify")

    @property
    def api_url(self) -> str:
        """Web API base URL (``.../v1``)."""
        return self.base_url + "/v1"

    @property
    def auth_url(self) -> str:
        """Accounts service base URL (``/authorize`` and ``/api/token`` hang off it)."""
        return self.base_url

    # -- wire builders -------------------------------------------------------------------------

    def _entry_for(self, tid: str, added_by: str) -> _Entry:
        if tid in self.tracks:
            return _Entry("track", tid, _now(), added_by)
        if tid in self.episodes:
            return _Entry("episode", tid, _now(), added_by)
        raise KeyError(tid)

    def _entry_uri(self, entry: _Entry) -> str | None:
        if entry.kind == "track":
            return f"spotify:track:{entry.id}"
        if entry.kind == "episode":
            return f"spotify:episode:{entry.id}"
        if entry.kind == "local" and entry.local:
            parts = [entry.local["artist"], entry.local["album"], entry.local["title"]]
            quoted = [p.replace(" ", "+") for p in parts]
            return f"spotify:local:{':'.join(quoted)}:{entry.local['duration_ms'] // 1000}"
        return None

    def _artist(self, name: str, base: str) -> dict[str, Any]:
        aid = spotify_id(f"artist:{name}")
        return {
            "external_urls": {"spotify": f"{_OPEN}/artist/{aid}"},
            "href": f"{base}/v1/artists/{aid}",
            "id": aid,
            "name": name,
            "type": "artist",
            "uri": f"spotify:artist:{aid}",
        }

    def _track_wire(self, tid: str, base: str, *, market: bool = False) -> dict[str, Any]:
        track = self.tracks[tid]
        artists = [self._artist(a.name, base) for a in track.artists] or [
            self._artist("Unknown Artist", base)
        ]
        album = track.album
        album_title = album.title if album else track.title
        album_id = spotify_id(f"album:{album_title}:{track.artist_line}")
        album_artists = (
            [self._artist(a.name, base) for a in album.artists]
            if album and album.artists
            else artists
        )
        release = (album.release_date if album else None) or "2020-01-01"
        precision = {4: "year", 7: "month"}.get(len(release), "day")
        images = [
            {"height": size, "url": f"https://i.scdn.co/image/{album_id}{size}", "width": size}
            for size in (640, 300, 64)
        ]
        wire: dict[str, Any] = {
            "album": {
                "album_type": "album",
                "artists": album_artists,
                "external_urls": {"spotify": f"{_OPEN}/album/{album_id}"},
                "href": f"{base}/v1/albums/{album_id}",
                "id": album_id,
                "images": images,
                "name": album_title,
                "release_date": release,
                "release_date_precision": precision,
                "total_tracks": max(track.track_number or 1, 1),
                "type": "album",
                "uri": f"spotify:album:{album_id}",
            },
            "artists": artists,
            "disc_number": track.disc_number or 1,
            "duration_ms": track.duration_ms or 0,
            "explicit": bool(track.explicit),
            "external_ids": {"isrc": track.isrc} if track.isrc else {},
            "external_urls": {"spotify": f"{_OPEN}/track/{tid}"},
            "href": f"{base}/v1/tracks/{tid}",
            "id": tid,
            "is_local": False,
            "name": track.title,
            "preview_url": None,
            "track_number": track.track_number or 1,
            "type": "track",
            "uri": f"spotify:track:{tid}",
        }
        if self.legacy_shape:
            # Extended quota mode still gets the fields February 2026 removed elsewhere.
            markets = [] if tid in self.unavailable else list(_MARKETS)
            wire["available_markets"] = markets
            wire["album"]["available_markets"] = markets
            wire["popularity"] = int(hashlib.sha256(tid.encode()).digest()[0]) % 101
        if market:
            playable = tid not in self.unavailable
            wire["is_playable"] = playable
            if not playable:
                wire["restrictions"] = {"reason": "market"}
        return wire

    def _episode_wire(self, eid: str, base: str) -> dict[str, Any]:
        episode = self.episodes[eid]
        sid = spotify_id(f"show:{episode['show']}")
        return {
            "description": "",
            "duration_ms": episode["duration_ms"],
            "episode": True,
            "explicit": False,
            "external_urls": {"spotify": f"{_OPEN}/episode/{eid}"},
            "href": f"{base}/v1/episodes/{eid}",
            "id": eid,
            "images": [],
            "is_externally_hosted": False,
            "language": "en",
            "name": episode["name"],
            "release_date": "2025-05-01",
            "release_date_precision": "day",
            "show": {
                "external_urls": {"spotify": f"{_OPEN}/show/{sid}"},
                "href": f"{base}/v1/shows/{sid}",
                "id": sid,
                "name": episode["show"],
                "publisher": episode["show"],
                "type": "show",
                "uri": f"spotify:show:{sid}",
            },
            "track": False,
            "type": "episode",
            "uri": f"spotify:episode:{eid}",
        }

    def _local_wire(self, local: dict[str, Any], uri: str | None) -> dict[str, Any]:
        return {
            "album": {
                "album_type": None,
                "artists": [],
                "external_urls": {},
                "href": None,
                "id": None,
                "images": [],
                "name": local["album"],
                "release_date": None,
                "release_date_precision": None,
                "type": "album",
                "uri": None,
            },
            "artists": [
                {
                    "external_urls": {},
                    "href": None,
                    "id": None,
                    "name": local["artist"],
                    "type": "artist",
                    "uri": None,
                }
            ],
            "disc_number": 0,
            "duration_ms": local["duration_ms"],
            "explicit": False,
            "external_ids": {},
            "external_urls": {},
            "href": None,
            "id": None,
            "is_local": True,
            "name": local["title"],
            "preview_url": None,
            "track_number": 0,
            "type": "track",
            "uri": uri,
        }

    def _user_wire(self, user_id: str, base: str) -> dict[str, Any]:
        return {
            "display_name": self.display_name if user_id == self.user_id else user_id,
            "external_urls": {"spotify": f"{_OPEN}/user/{user_id}"},
            "href": f"{base}/v1/users/{user_id}",
            "id": user_id,
            "type": "user",
            "uri": f"spotify:user:{user_id}",
        }

    def _item_wire(
        self, entry: _Entry, base: str, *, episodes: bool, market: bool
    ) -> dict[str, Any]:
        content: dict[str, Any] | None
        if entry.kind == "track" and entry.id is not None:
            content = self._track_wire(entry.id, base, market=market)
            # Playlist entries say which kind they are (``additional_types`` clients).
            content["episode"] = False
            content["track"] = True
        elif entry.kind == "episode" and entry.id is not None and episodes:
            content = self._episode_wire(entry.id, base)
        elif entry.kind == "local" and entry.local is not None:
            content = self._local_wire(entry.local, self._entry_uri(entry))
        else:
            content = None
        added_by = self._user_wire(entry.added_by, base)
        del added_by["display_name"]
        return {
            "added_at": entry.added_at,
            "added_by": added_by,
            "is_local": entry.kind == "local",
            "primary_color": None,
            ("track" if self.legacy_shape else "item"): content,
            "video_thumbnail": {"url": None},
        }

    def _paging(
        self,
        request: web.Request,
        path: str,
        items: list[Any],
        *,
        total: int,
        offset: int,
        limit: int,
        next_limit: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        base = str(request.url.origin())
        params = dict(extra or {})

        def link(off: int, lim: int) -> str:
            return f"{base}{path}?{urlencode({'offset': off, 'limit': lim, **params})}"

        following = offset + limit
        return {
            "href": link(offset, limit),
            "items": items,
            "limit": limit,
            "next": link(following, next_limit or limit) if following < total else None,
            "offset": offset,
            "previous": link(max(0, offset - limit), limit) if offset > 0 else None,
            "total": total,
        }

    def _simplified_playlist(self, playlist: _Playlist, base: str) -> dict[str, Any]:
        pid = playlist.id
        return {
            "collaborative": playlist.collaborative,
            "description": playlist.description or "",
            "external_urls": {"spotify": f"{_OPEN}/playlist/{pid}"},
            "href": f"{base}/v1/playlists/{pid}",
            "id": pid,
            "images": [],
            "name": playlist.name,
            "owner": self._user_wire(playlist.owner, base),
            "primary_color": None,
            "public": playlist.public,
            "snapshot_id": playlist.snapshot_id,
            ("tracks" if self.legacy_shape else "items"): {
                "href": f"{base}/v1/playlists/{pid}/{'tracks' if self.legacy_shape else 'items'}",
                "total": len(playlist.entries),
            },
            "type": "playlist",
            "uri": f"spotify:playlist:{pid}",
        }

    # -- routes --------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Accounts service and Web API routes."""
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/api/token", self._token)
        routes = [
            ("GET", "/v1/me", self._me),
            ("GET", "/v1/me/playlists", self._my_playlists),
            ("POST", "/v1/me/playlists", self._create_playlist),
            ("GET", "/v1/playlists/{playlist_id}", self._get_playlist),
            ("GET", "/v1/playlists/{playlist_id}/items", self._get_items),
            ("POST", "/v1/playlists/{playlist_id}/items", self._add_items),
            ("DELETE", "/v1/playlists/{playlist_id}/items", self._remove_items),
            ("PUT", "/v1/playlists/{playlist_id}/items", self._update_items),
            ("GET", "/v1/search", self._search),
            ("GET", "/v1/tracks", self._several_tracks),
            ("GET", "/v1/tracks/{track_id}", self._one_track),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, self._authenticated(handler))
        for gone in ("/v1/playlists/{playlist_id}/tracks", "/v1/users/{user_id}/playlists"):
            app.router.add_route("*", gone, self._removed)

    def is_api_path(self, path: str) -> bool:
        """Faults apply to the Web API and the token endpoint."""
        return path.startswith(("/v1/", "/api/token"))

    def is_rate_limited_path(self, path: str) -> bool:
        """The rate limit applies to the Web API."""
        return path.startswith("/v1/")

    def _authenticated(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            grant = self.bearer_grant(request)
            if isinstance(grant, web.Response):
                return grant
            request[_GRANT] = grant
            response: web.StreamResponse = await handler(request)
            return response

        return wrapped

    async def _removed(self, request: web.Request) -> web.Response:
        return self.error_response(403, "Forbidden")

    def _int_param(
        self, request: web.Request, name: str, default: int, low: int, high: int
    ) -> int | web.Response:
        raw = request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            return self.error_response(400, f"Invalid {name}")
        if not low <= value <= high:
            return self.error_response(400, f"Invalid {name}")
        return value

    async def _json_body(self, request: web.Request) -> dict[str, Any] | web.Response:
        raw = await request.read()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            return self.error_response(400, "Error parsing JSON.")
        if not isinstance(body, dict):
            return self.error_response(400, "Error parsing JSON.")
        return body

    # accounts service

    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        client_id = q.get("client_id", "")
        redirect_uri = q.get("redirect_uri", "")
        if not client_id or (self.client_ids is not None and client_id not in self.client_ids):
            return web.Response(status=400, text="INVALID_CLIENT: Invalid client")
        if not redirect_uri:
            return web.Response(status=400, text="INVALID_CLIENT: Invalid redirect URI")
        if q.get("response_type") != "code":
            return web.Response(status=400, text="unsupported_response_type")
        challenge = q.get("code_challenge", "")
        if q.get("code_challenge_method") != "S256" or not challenge:
            return web.Response(status=400, text="code_challenge_method must be S256")
        grant = AccessGrant(
            client_id=client_id, user_id=self.user_id, scope=tuple(q.get("scope", "").split())
        )
        code = self.tokens.issue_code(grant, redirect_uri=redirect_uri, challenge=challenge)
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(f"{redirect_uri}{sep}{urlencode(params)}")

    def _token_error(self, error: str, description: str, status: int = 400) -> web.Response:
        return web.json_response({"error": error, "error_description": description}, status=status)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = str(form.get("client_id", ""))
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return self._token_error("invalid_client", "Invalid client")
            client_id = decoded.partition(":")[0]
        if not client_id or (self.client_ids is not None and client_id not in self.client_ids):
            return self._token_error("invalid_client", "Invalid client")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            result = self.tokens.redeem_code(
                str(form.get("code", "")),
                client_id=client_id,
                redirect_uri=str(form.get("redirect_uri", "")),
                verifier=str(form["code_verifier"]) if "code_verifier" in form else None,
            )
            if isinstance(result, str):
                return self._token_error("invalid_grant", result)
            return web.json_response(self.tokens.issue(result))
        if grant_type == "refresh_token":
            refreshed = self.tokens.refresh(str(form.get("refresh_token", "")), client_id=client_id)
            if isinstance(refreshed, str):
                return self._token_error("invalid_grant", refreshed)
            return web.json_response(refreshed)
        return self._token_error("unsupported_grant_type", f"grant_type: {grant_type!s}")

    # web API

    async def _me(self, request: web.Request) -> web.Response:
        base = str(request.url.origin())
        body = self._user_wire(self.user_id, base)
        body["images"] = []
        return web.json_response(body)

    async def _my_playlists(self, request: web.Request) -> web.Response:
        limit = self._int_param(request, "limit", 20, 1, self.playlists_page_max)
        offset = self._int_param(request, "offset", 0, 0, 100_000)
        if isinstance(limit, web.Response):
            return limit
        if isinstance(offset, web.Response):
            return offset
        base = str(request.url.origin())
        mine = [p for p in self.playlists.values() if p.owner == self.user_id or p.collaborative]
        page = [self._simplified_playlist(p, base) for p in mine[offset : offset + limit]]
        return web.json_response(
            self._paging(
                request,
                "/v1/me/playlists",
                page,
                total=len(mine),
                offset=offset,
                limit=limit,
            )
        )

    async def _create_playlist(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        name = body.get("name")
        if not isinstance(name, str) or not name:
            return self.error_response(400, "Missing required field: name")
        pid = self.add_playlist(
            name,
            description=body.get("description") or None,
            public=bool(body.get("public", True)),
            collaborative=bool(body.get("collaborative", False)),
        )
        return web.json_response(self._full_playlist(request, self.playlists[pid]), status=201)

    def _playlist_or_404(self, request: web.Request) -> _Playlist | web.Response:
        pid = request.match_info["playlist_id"]
        if not _ID.match(pid):
            return self.error_response(400, "Invalid base62 id")
        playlist = self.playlists.get(pid)
        if playlist is None:
            return self.error_response(404, "Resource not found")
        return playlist

    def _full_playlist(self, request: web.Request, playlist: _Playlist) -> dict[str, Any]:
        base = str(request.url.origin())
        body = self._simplified_playlist(playlist, base)
        body["followers"] = {"href": None, "total": 0}
        key = "tracks" if self.legacy_shape else "items"
        types = request.query.get("additional_types", "")
        market = "market" in request.query
        embedded = 100
        entries = playlist.entries[:embedded]
        items = [
            self._item_wire(e, base, episodes="episode" in types, market=market) for e in entries
        ]
        body[key] = self._paging(
            request,
            f"/v1/playlists/{playlist.id}/{key}",
            items,
            total=len(playlist.entries),
            offset=0,
            limit=embedded,
            next_limit=self.items_page_max,
            extra={"additional_types": types} if types else None,
        )
        return body

    async def _get_playlist(self, request: web.Request) -> web.Response:
        playlist = self._playlist_or_404(request)
        if isinstance(playlist, web.Response):
            return playlist
        return web.json_response(self._full_playlist(request, playlist))

    async def _get_items(self, request: web.Request) -> web.Response:
        playlist = self._playlist_or_404(request)
        if isinstance(playlist, web.Response):
            return playlist
        limit = self._int_param(request, "limit", 20, 1, self.items_page_max)
        offset = self._int_param(request, "offset", 0, 0, 10_000_000)
        if isinstance(limit, web.Response):
            return limit
        if isinstance(offset, web.Response):
            return offset
        base = str(request.url.origin())
        types = request.query.get("additional_types", "")
        market = "market" in request.query
        items = [
            self._item_wire(e, base, episodes="episode" in types, market=market)
            for e in playlist.entries[offset : offset + limit]
        ]
        extra = {k: request.query[k] for k in ("additional_types", "market") if k in request.query}
        return web.json_response(
            self._paging(
                request,
                f"/v1/playlists/{playlist.id}/items",
                items,
                total=len(playlist.entries),
                offset=offset,
                limit=limit,
                extra=extra,
            )
        )

    def _may_edit(self, request: web.Request, playlist: _Playlist) -> web.Response | None:
        grant: AccessGrant = request[_GRANT]
        if playlist.owner != grant.user_id and not playlist.collaborative:
            return self.error_response(403, "You cannot add tracks to a playlist you don't own.")
        return None

    def _parse_uris(self, uris: object) -> list[str] | web.Response:
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            return self.error_response(400, "Invalid track uri")
        if len(uris) > self.modify_max:
            return self.error_response(400, "You can add a maximum of 100 tracks per request.")
        ids: list[str] = []
        for uri in uris:
            match = _URI.match(uri)
            if match is None:
                return self.error_response(400, f"Invalid track uri: {uri}")
            if match.group(2) not in self.tracks and match.group(2) not in self.episodes:
                return self.error_response(400, "Payload contains a non-existing ID")
            ids.append(match.group(2))
        return ids

    async def _add_items(self, request: web.Request) -> web.Response:
        playlist = self._playlist_or_404(request)
        if isinstance(playlist, web.Response):
            return playlist
        refused = self._may_edit(request, playlist)
        if refused is not None:
            return refused
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        uris: object = body.get("uris")
        if uris is None and "uris" in request.query:
            uris = request.query["uris"].split(",")
        ids = self._parse_uris(uris)
        if isinstance(ids, web.Response):
            return ids
        position = body.get("position", request.query.get("position"))
        at = len(playlist.entries)
        if position is not None:
            try:
                at = int(position)
            except (TypeError, ValueError):
                return self.error_response(400, "Invalid position")
            if not 0 <= at <= len(playlist.entries):
                return self.error_response(400, "Index out of bounds")
        grant: AccessGrant = request[_GRANT]
        playlist.entries[at:at] = [self._entry_for(i, grant.user_id) for i in ids]
        playlist.version += 1
        return web.json_response({"snapshot_id": playlist.snapshot_id}, status=201)

    async def _remove_items(self, request: web.Request) -> web.Response:
        playlist = self._playlist_or_404(request)
        if isinstance(playlist, web.Response):
            return playlist
        refused = self._may_edit(request, playlist)
        if refused is not None:
            return refused
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        items = body.get("items")
        if items is None and self.legacy_shape:
            items = body.get("tracks")
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("uri"), str) for i in items
        ):
            return self.error_response(400, "Missing or invalid items")
        ids = self._parse_uris([i["uri"] for i in items])
        if isinstance(ids, web.Response):
            return ids
        drop = set(ids)
        playlist.entries = [e for e in playlist.entries if e.id not in drop]
        playlist.version += 1
        return web.json_response({"snapshot_id": playlist.snapshot_id})

    async def _update_items(self, request: web.Request) -> web.Response:
        playlist = self._playlist_or_404(request)
        if isinstance(playlist, web.Response):
            return playlist
        refused = self._may_edit(request, playlist)
        if refused is not None:
            return refused
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        if "uris" in body:
            ids = self._parse_uris(body["uris"])
            if isinstance(ids, web.Response):
                return ids
            grant: AccessGrant = request[_GRANT]
            playlist.entries = [self._entry_for(i, grant.user_id) for i in ids]
            playlist.version += 1
            return web.json_response({"snapshot_id": playlist.snapshot_id})
        try:
            start = int(body["range_start"])
            before = int(body["insert_before"])
            length = int(body.get("range_length", 1))
        except (KeyError, TypeError, ValueError):
            return self.error_response(400, "Missing range_start or insert_before")
        count = len(playlist.entries)
        if not (0 <= start < count and 0 <= before <= count and 1 <= length <= count - start):
            return self.error_response(400, "Index out of bounds")
        moved = playlist.entries[start : start + length]
        rest = playlist.entries[:start] + playlist.entries[start + length :]
        target = before if before <= start else before - length
        playlist.entries = rest[:target] + moved + rest[target:]
        playlist.version += 1
        return web.json_response({"snapshot_id": playlist.snapshot_id})

    def _matches(self, tid: str, query: str) -> bool:
        track = self.tracks[tid]
        rest = query
        for match in _FIELD.finditer(query):
            field, quoted, bare = match.group(1).lower(), match.group(2), match.group(3)
            value = _norm(quoted if quoted is not None else bare)
            rest = rest.replace(match.group(0), " ")
            if field == "isrc":
                if (track.isrc or "").casefold() != value.replace("-", ""):
                    return False
            elif field == "track":
                if value not in _norm(track.title):
                    return False
            elif field == "artist":
                if not any(value in _norm(a) for a in track.artist_names):
                    return False
            elif field == "album":
                if value not in _norm(track.album.title if track.album else ""):
                    return False
            elif field == "year":
                release = track.album.release_date if track.album else None
                if not release or not release.startswith(value[:4]):
                    return False
        haystack = _norm(
            " ".join([track.title, *track.artist_names, track.album.title if track.album else ""])
        )
        return all(word in haystack for word in _norm(rest).split())

    async def _search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "").strip()
        if not query:
            return self.error_response(400, "No search query")
        types = request.query.get("type", "")
        if not types:
            return self.error_response(400, "Missing parameter type")
        limit = self._int_param(request, "limit", 5, 1, self.search_limit_max)
        offset = self._int_param(request, "offset", 0, 0, 1000)
        if isinstance(limit, web.Response):
            return limit
        if isinstance(offset, web.Response):
            return offset
        body: dict[str, Any] = {}
        if "track" in types.split(","):
            base = str(request.url.origin())
            only_isrc = _ISRC_QUERY.match(query)
            pool = (
                self._by_isrc.get(only_isrc.group(1).upper().replace("-", ""), [])
                if only_isrc
                else self.tracks
            )
            found = [tid for tid in pool if self._matches(tid, query)]
            market = "market" in request.query
            items = [
                self._track_wire(t, base, market=market) for t in found[offset : offset + limit]
            ]
            extra = {"query": query, "type": "track"}
            body["tracks"] = self._paging(
                request,
                "/v1/search",
                items,
                total=len(found),
                offset=offset,
                limit=limit,
                extra=extra,
            )
        return web.json_response(body)

    async def _several_tracks(self, request: web.Request) -> web.Response:
        if not self.batch_tracks:
            return self.error_response(403, "Forbidden")
        raw = request.query.get("ids", "")
        ids = [i for i in raw.split(",") if i]
        if not ids:
            return self.error_response(400, "invalid id")
        if len(ids) > self.tracks_ids_max:
            return self.error_response(400, "Too many ids requested")
        if not all(_ID.match(i) for i in ids):
            return self.error_response(400, "invalid id")
        base = str(request.url.origin())
        market = "market" in request.query
        return web.json_response(
            {
                "tracks": [
                    self._track_wire(i, base, market=market) if i in self.tracks else None
                    for i in ids
                ]
            }
        )

    async def _one_track(self, request: web.Request) -> web.Response:
        tid = request.match_info["track_id"]
        if not _ID.match(tid):
            return self.error_response(400, "invalid id")
        if tid not in self.tracks:
            return self.error_response(404, "Resource not found")
        base = str(request.url.origin())
        return web.json_response(self._track_wire(tid, base, market="market" in request.query))
