"""Implementation of :mod:`playlist_interop.testing.emulators.deezer` (see its docstring)."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from aiohttp import web

from playlist_interop.model import Track
from playlist_interop.testing.emulators._base import Emulator
from playlist_interop.types import ProviderName

__all__ = ["DeezerEmulator", "DeezerUser"]

_PROVIDER = ProviderName("deezer")
_CDN = "https://e-cdns-images.dzcdn.net/images"
_SEARCH_FIELD = re.compile(
    r'(artist|track|album|label):"([^"]*)"|(dur_min|dur_max|bpm_min|bpm_max):(\d+)'
)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _error(kind: str, message: str, code: int) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "code": code}}


@attrs.define
class DeezerUser:
    """An account of the emulator."""

    id: int
    """User id."""
    name: str
    """Display name."""
    email: str = "user@example.test"
    """E-mail address."""
    country: str = "FR"
    """Market."""


@attrs.define
class _Playlist:
    id: int
    title: str
    creator: int
    description: str = ""
    public: bool = True
    collaborative: bool = False
    tracks: list[int] = attrs.field(factory=list)
    time_add: dict[int, int] = attrs.field(factory=dict)
    created: float = attrs.field(factory=time.time)
    modified: float = attrs.field(factory=time.time)

    @property
    def checksum(self) -> str:
        return _md5(",".join(map(str, self.tracks)) + self.title)


@attrs.define
class _Token:
    user_id: int
    expires_at: float | None


class DeezerEmulator(Emulator):
    """Deezer's OAuth and the API endpoints the adapter uses, on a loopback port.

    Args:
        catalog: Tracks the service knows; ``provider_ids["deezer"]`` is kept as the id when
            set, other ids are assigned.
        users: Accounts; a default one is created when empty.
        quota: Requests allowed per token (or per anonymous client) in each ``quota_window``.
        quota_window: Seconds of the quota window.
        max_songs_per_call: Most ids one add/remove call accepts (error code 100 beyond).
        embedded_tracks: Tracks ``/playlist/{id}`` embeds before paging is needed.
        clock: Monotonic clock in seconds (tests advance a fake one to expire tokens).
        app_id: The application id the OAuth endpoints accept.
        secret: Its secret.
    """

    def __init__(
        self,
        *,
        catalog: Iterable[Track] = (),
        users: Iterable[DeezerUser] = (),
        quota: int = 50,
        quota_window: float = 5.0,
        max_songs_per_call: int = 50,
        embedded_tracks: int = 400,
        clock: Callable[[], float] = time.monotonic,
        app_id: str = "123456",
        secret: str = "emulator-secret",  # noqa: S107 - a fake credential of a test server
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.secret = secret
        self.quota = quota
        self.quota_window = quota_window
        self.max_songs_per_call = max_songs_per_call
        self.embedded_tracks = embedded_tracks
        self.clock = clock
        self.users: dict[int, DeezerUser] = {u.id: u for u in users} or {
            2529: DeezerUser(2529, "Emulated User")
        }
        self.tracks: dict[int, Track] = {}
        self.playlists: dict[int, _Playlist] = {}
        self.access_tokens: dict[str, _Token] = {}
        self.codes: dict[str, tuple[int, bool]] = {}
        self._ids = itertools.count(900_000_001)
        self._quota_hits: dict[str, list[float]] = {}
        self._injected: list[tuple[Callable[[web.Request], bool], Callable[[], web.Response]]] = []
        self.add_tracks(catalog)

    # -- set-up helpers --------------------------------------------------------------------

    def add_tracks(self, tracks: Iterable[Track]) -> list[int]:
        """Add tracks to the catalog; returns their Deezer ids."""
        ids = []
        for track in tracks:
            raw = track.provider_ids.get(_PROVIDER)
            track_id = int(raw) if raw and raw.isdigit() else next(self._ids)
            self.tracks[track_id] = track
            ids.append(track_id)
        return ids

    @property
    def default_user(self) -> DeezerUser:
        """The first account."""
        return next(iter(self.users.values()))

    def issue_token(self, user_id: int | None = None, *, expires_in: float | None = None) -> str:
        """An access token for a user (``expires_in=None``: offline_access, never expires)."""
        token = "dz" + secrets.token_hex(24)
        uid = user_id if user_id is not None else self.default_user.id
        self.access_tokens[token] = _Token(
            uid, None if expires_in is None else self.clock() + expires_in
        )
        return token

    def create_playlist(self, title: str, track_ids: Iterable[int] = (), **kwargs: Any) -> int:
        """A playlist owned by the default user, filled directly (no HTTP)."""
        playlist = _Playlist(next(self._ids), title, self.default_user.id, **kwargs)
        for track_id in track_ids:
            playlist.tracks.append(track_id)
            playlist.time_add[track_id] = int(time.time())
        self.playlists[playlist.id] = playlist
        return playlist.id

    def inject(
        self,
        body: bytes | str | dict[str, Any],
        *,
        status: int = 200,
        times: int = 1,
        path: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests (to ``path`` when given) with this response."""

        def matches(request: web.Request) -> bool:
            return path is None or request.path.endswith(path)

        def respond() -> web.Response:
            if isinstance(body, dict):
                return web.json_response(body, status=status, headers=headers)
            data = body.encode() if isinstance(body, str) else body
            return web.Response(
                body=data, status=status, headers=headers, content_type="application/json"
            )

        for _ in range(times):
            self._injected.append((matches, respond))

    def inject_quota_errors(self, times: int = 1) -> None:
        """The next ``times`` API calls get Deezer's quota error (HTTP 200, code 4)."""
        self.inject(_error("Exception", "Quota limit exceeded", 4), times=times)

    # -- server ----------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """Base URL of the API (pass as ``api_url``)."""
        return f"{self.base_url}/api"

    @property
    def auth_url(self) -> str:
        """Base URL of the OAuth pages (pass as ``auth_url``)."""
        return f"{self.base_url}/oauth"

    def create_app(self) -> web.Application:
        """The base application plus the injection of whole Deezer answers (``inject``)."""
        app = super().create_app()
        app.middlewares.append(self._inject_middleware)
        return app

    def add_routes(self, app: web.Application) -> None:
        """OAuth pages and the API."""
        app.router.add_get("/oauth/auth.php", self._authorize)
        app.router.add_get("/oauth/access_token.php", self._access_token)
        app.router.add_route("*", "/api/{tail:.*}", self._api)

    def is_api_path(self, path: str) -> bool:
        """Faults apply to the API and the token endpoint."""
        return path.startswith(("/api/", "/oauth/access_token.php"))

    def error_response(self, status: int, message: str) -> web.Response:
        """Deezer's error body (with a real HTTP status, as its front end sends for 429/5xx)."""
        code = 4 if status == 429 else 700
        return web.json_response(_error("Exception", message, code), status=status)

    @web.middleware
    async def _inject_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        for i, (matches, respond) in enumerate(self._injected):
            if matches(request):
                del self._injected[i]
                return respond()
        response: web.StreamResponse = await handler(request)
        return response

    # -- OAuth -----------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("app_id") != self.app_id or not q.get("redirect_uri"):
            return web.Response(text="Invalid app_id or redirect_uri", status=400)
        code = secrets.token_hex(16)
        offline = "offline_access" in q.get("perms", "").split(",")
        self.codes[code] = (self.default_user.id, offline)
        target = q["redirect_uri"]
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in target else "?"
        raise web.HTTPFound(f"{target}{sep}{urllib.parse.urlencode(params)}")

    async def _access_token(self, request: web.Request) -> web.Response:
        q = request.query
        grant = self.codes.pop(q.get("code", ""), None)
        if q.get("app_id") != self.app_id or q.get("secret") != self.secret or grant is None:
            return web.Response(text="wrong code", content_type="text/html")
        user_id, offline = grant
        token = self.issue_token(user_id, expires_in=None if offline else 3600)
        expires = 0 if offline else 3600
        if q.get("output") == "json":
            return web.json_response({"access_token": token, "expires": str(expires)})
        return web.Response(
            text=urllib.parse.urlencode({"access_token": token, "expires": expires}),
            content_type="text/html",
        )

    # -- API dispatch ----------------------------------------------------------------------

    def _user_for(self, request: web.Request) -> tuple[DeezerUser | None, dict[str, Any] | None]:
        raw = request.query.get("access_token")
        if raw is None:
            return None, None
        token = self.access_tokens.get(raw)
        if token is None or (token.expires_at is not None and self.clock() >= token.expires_at):
            return None, _error("OAuthException", "Invalid OAuth access token.", 300)
        return self.users.get(token.user_id), None

    def _over_quota(self, request: web.Request) -> bool:
        key = request.query.get("access_token") or (request.remote or "anonymous")
        now = self.clock()
        hits = [t for t in self._quota_hits.get(key, []) if now - t < self.quota_window]
        if len(hits) >= self.quota:
            self._quota_hits[key] = hits
            return True
        hits.append(now)
        self._quota_hits[key] = hits
        return False

    async def _api(self, request: web.Request) -> web.Response:
        if self._over_quota(request):
            return web.json_response(_error("Exception", "Quota limit exceeded", 4))
        user, auth_error = self._user_for(request)
        if auth_error is not None:
            return web.json_response(auth_error)
        parts = [p for p in request.match_info["tail"].split("/") if p]
        method = request.method
        body = self._route(request, method, parts, user)
        return web.json_response(body)

    def _route(
        self, request: web.Request, method: str, parts: list[str], user: DeezerUser | None
    ) -> Any:
        q = request.query
        if parts[:1] == ["user"] and len(parts) >= 2:
            if user is None:
                return _error(
                    "OAuthException",
                    "An active access token must be used to query information about the "
                    "current user",
                    200,
                )
            if parts[1] not in ("me", str(user.id)):
                return _error("OAuthException", "You don't have permission", 200)
            if len(parts) == 2 and method == "GET":
                return self._user_json(user)
            if parts[2:] == ["playlists"] and method == "GET":
                mine = [p for p in self.playlists.values() if p.creator == user.id]
                return self._page(request, mine, self._playlist_json)
            if parts[2:] == ["playlists"] and method == "POST":
                title = q.get("title")
                if not title:
                    return _error("MissingParameterException", "Missing parameters: title", 501)
                playlist = _Playlist(next(self._ids), title, user.id)
                self.playlists[playlist.id] = playlist
                return {"id": playlist.id}
        if parts[:1] == ["track"] and len(parts) == 2 and method == "GET":
            return self._track_lookup(parts[1])
        if parts in (["search"], ["search", "track"]):
            found = self._search(q.get("q", ""))
            return self._page(
                request, found, lambda t: self._track_json(self.tracks[t], short=True, tid=t)
            )
        if parts[:1] == ["playlist"] and len(parts) >= 2 and parts[1].isdigit():
            return self._playlist_route(request, method, int(parts[1]), parts[2:], user)
        return _error("DataException", "no data", 800)

    def _playlist_route(
        self,
        request: web.Request,
        method: str,
        playlist_id: int,
        rest: list[str],
        user: DeezerUser | None,
    ) -> Any:
        playlist = self.playlists.get(playlist_id)
        if playlist is None:
            return _error("DataException", "no data", 800)
        q = request.query
        if not playlist.public and (user is None or user.id != playlist.creator):
            return _error("OAuthException", "You don't have permission to access this", 200)
        if not rest and method == "GET":
            return self._playlist_json(playlist, full=True)
        owner = user is not None and user.id == playlist.creator
        if method != "GET" and not owner:
            return _error("OAuthException", "You don't have permission to change this", 200)
        if not rest and method == "POST":
            if "title" in q:
                playlist.title = q["title"]
            if "description" in q:
                playlist.description = q["description"]
            if "public" in q:
                playlist.public = q["public"].lower() in ("true", "1")
            playlist.modified = time.time()
            return True
        if rest == ["tracks"] and method == "GET":
            page = self._page(
                request,
                playlist.tracks,
                lambda t: self._track_json(
                    self.tracks[t], short=True, tid=t, time_add=playlist.time_add.get(t, 0)
                ),
            )
            page["checksum"] = playlist.checksum
            return page
        if rest == ["tracks"] and method in ("POST", "DELETE"):
            return self._edit_tracks(method, playlist, q)
        return _error("DataException", "no data", 800)

    def _edit_tracks(self, method: str, playlist: _Playlist, q: Mapping[str, str]) -> Any:
        if method == "POST" and "order" in q:
            order = [int(x) for x in q["order"].split(",") if x.strip().isdigit()]
            if sorted(order) != sorted(playlist.tracks):
                return _error("ParameterException", "Wrong parameter: order", 500)
            playlist.tracks = order
            playlist.modified = time.time()
            return True
        raw = q.get("songs")
        if not raw:
            return _error("MissingParameterException", "Missing parameters: songs", 501)
        try:
            songs = [int(x) for x in raw.split(",")]
        except ValueError:
            return _error("ParameterException", "Wrong parameter: songs", 500)
        if len(songs) > self.max_songs_per_call:
            return _error("Exception", "Items limit exceeded", 100)
        if method == "DELETE":
            drop = set(songs)
            playlist.tracks = [t for t in playlist.tracks if t not in drop]
            playlist.modified = time.time()
            return True
        if any(s not in self.tracks for s in songs):
            return _error("DataException", "no data", 800)
        if len(set(songs)) != len(songs) or set(songs) & set(playlist.tracks):
            return _error("ParameterException", "This song already exists in this playlist", 500)
        now = int(time.time())
        for song in songs:
            playlist.tracks.append(song)
            playlist.time_add[song] = now
        playlist.modified = time.time()
        return True

    def _track_lookup(self, key: str) -> Any:
        if key.startswith("isrc:"):
            isrc = key[5:].upper()
            for tid, track in self.tracks.items():
                if track.isrc == isrc:
                    return self._track_json(track, tid=tid)
            return _error("DataException", "no data", 800)
        if key.isdigit() and int(key) in self.tracks:
            return self._track_json(self.tracks[int(key)], tid=int(key))
        return _error("DataException", "no data", 800)

    def _search(self, query: str) -> list[int]:
        fields: dict[str, str] = {}
        numbers: dict[str, int] = {}
        for match in _SEARCH_FIELD.finditer(query):
            if match.group(1):
                fields[match.group(1)] = match.group(2).casefold()
            else:
                numbers[match.group(3)] = int(match.group(4))
        free = _SEARCH_FIELD.sub(" ", query).casefold().split()
        found = []
        for tid, track in self.tracks.items():
            title = track.title.casefold()
            artists = " ".join(track.artist_names).casefold()
            album = track.album.title.casefold() if track.album else ""
            seconds = (track.duration_ms or 0) // 1000
            if "track" in fields and fields["track"] not in title:
                continue
            if "artist" in fields and fields["artist"] not in artists:
                continue
            if "album" in fields and fields["album"] not in album:
                continue
            if "dur_min" in numbers and seconds < numbers["dur_min"]:
                continue
            if "dur_max" in numbers and seconds > numbers["dur_max"]:
                continue
            haystack = f"{title} {artists} {album}"
            if any(word not in haystack for word in free):
                continue
            found.append(tid)
        return found

    def _page(
        self,
        request: web.Request,
        items: list[Any],
        render: Callable[[Any], Any] = lambda item: item,
    ) -> dict[str, Any]:
        q = request.query
        index = int(q["index"]) if q.get("index", "").isdigit() else 0
        limit = int(q["limit"]) if q.get("limit", "").isdigit() else 25
        limit = max(1, min(limit, 100))
        page: dict[str, Any] = {
            "data": [render(item) for item in items[index : index + limit]],
            "total": len(items),
        }
        base = str(request.url.with_query(None))
        others = {k: v for k, v in q.items() if k not in ("index", "limit", "access_token")}
        if index > 0:
            prev = {**others, "limit": limit, "index": max(0, index - limit)}
            page["prev"] = f"{base}?{urllib.parse.urlencode(prev)}"
        if index + limit < len(items):
            nxt = {**others, "limit": limit, "index": index + limit}
            page["next"] = f"{base}?{urllib.parse.urlencode(nxt)}"
        return page

    # -- rendering (shapes checked against the recorded responses) -------------------------

    def _artist_json(self, name: str, artist_id: str | None, *, full: bool) -> dict[str, Any]:
        aid = int(artist_id) if artist_id and artist_id.isdigit() else int(_md5(name)[:7], 16)
        pic = _md5(f"artist{aid}")
        out: dict[str, Any] = {
            "id": aid,
            "name": name,
            "link": f"https://www.deezer.com/artist/{aid}",
        }
        if full:
            out["share"] = f"https://www.deezer.com/artist/{aid}?utm_source=deezer"
        out["picture"] = f"https://api.deezer.com/artist/{aid}/image"
        for size, px in (("small", 56), ("medium", 250), ("big", 500), ("xl", 1000)):
            out[f"picture_{size}"] = f"{_CDN}/artist/{pic}/{px}x{px}-000000-80-0-0.jpg"
        if full:
            out["radio"] = True
        out["tracklist"] = f"https://api.deezer.com/artist/{aid}/top?limit=50"
        out["type"] = "artist"
        return out

    def _album_json(self, track: Track, *, full: bool) -> dict[str, Any]:
        album = track.album
        title = album.title if album else track.title
        raw_id = album.provider_ids.get(_PROVIDER) if album else None
        alb_id = int(raw_id) if raw_id and raw_id.isdigit() else int(_md5(title)[:8], 16)
        md5 = _md5(f"album{alb_id}")
        out: dict[str, Any] = {"id": alb_id, "title": title}
        if full:
            out["link"] = f"https://www.deezer.com/album/{alb_id}"
        out["cover"] = f"https://api.deezer.com/album/{alb_id}/image"
        for size, px in (("small", 56), ("medium", 250), ("big", 500), ("xl", 1000)):
            out[f"cover_{size}"] = f"{_CDN}/cover/{md5}/{px}x{px}-000000-80-0-0.jpg"
        out["md5_image"] = md5
        if full:
            out["release_date"] = (album.release_date if album else None) or "2000-01-01"
        out["tracklist"] = f"https://api.deezer.com/album/{alb_id}/tracks"
        out["type"] = "album"
        return out

    def _track_json(
        self,
        track: Track,
        *,
        short: bool = False,
        tid: int | None = None,
        time_add: int | None = None,
    ) -> dict[str, Any]:
        if tid is None:
            tid = next(k for k, v in self.tracks.items() if v is track)
        version = ""
        short_title = track.title
        m = re.search(r"\s*(\([^)]*\))$", track.title)
        if m:
            version, short_title = m.group(1), track.title[: m.start()]
        md5 = _md5(f"album{track.album.title if track.album else track.title}")
        credits = track.artists or ()
        main = credits[0] if credits else None
        main_name = main.name if main else "Unknown"
        main_id = main.provider_ids.get(_PROVIDER) if main else None
        explicit = bool(track.explicit)
        out: dict[str, Any] = {
            "id": tid,
            "readable": True,
            "title": track.title,
            "title_short": short_title,
            "title_version": version,
        }
        if not short:
            out["isrc"] = track.isrc or ""
        out["link"] = f"https://www.deezer.com/track/{tid}"
        if not short:
            out["share"] = f"https://www.deezer.com/track/{tid}?utm_source=deezer"
        out["duration"] = (track.duration_ms or 0) // 1000
        if not short:
            out["track_position"] = track.track_number or 1
            out["disk_number"] = track.disc_number or 1
        out["rank"] = 500000 + tid % 400000
        if not short:
            out["release_date"] = (track.album.release_date if track.album else None) or ""
        out["explicit_lyrics"] = explicit
        out["explicit_content_lyrics"] = 1 if explicit else 0
        out["explicit_content_cover"] = 0
        out["preview"] = f"https://cdnt-preview.dzcdn.net/api/1/1/{_md5(str(tid))}.mp3"
        if not short:
            out["bpm"] = 0
            out["gain"] = -10.0
            out["available_countries"] = ["FR", "GB", "US"]
            out["contributors"] = [
                {
                    **self._artist_json(c.name, c.provider_ids.get(_PROVIDER), full=True),
                    "role": "Featured" if c.role == "featured" else "Main",
                }
                for c in credits
            ]
        out["md5_image"] = md5
        if not short:
            out["track_token"] = secrets.token_urlsafe(32)
        if time_add is not None:
            out["time_add"] = time_add
        out["artist"] = self._artist_json(main_name, main_id, full=not short)
        out["album"] = self._album_json(track, full=not short)
        out["type"] = "track"
        return out

    def _user_json(self, user: DeezerUser) -> dict[str, Any]:
        pic = _md5(f"user{user.id}")
        out: dict[str, Any] = {
            "id": user.id,
            "name": user.name,
            "lastname": "",
            "firstname": "",
            "email": user.email,
            "status": 0,
            "birthday": "0000-00-00",
            "inscription_date": "2020-01-01",
            "gender": "",
            "link": f"https://www.deezer.com/profile/{user.id}",
            "picture": f"https://api.deezer.com/user/{user.id}/image",
        }
        for size, px in (("small", 56), ("medium", 250), ("big", 500), ("xl", 1000)):
            out[f"picture_{size}"] = f"{_CDN}/user/{pic}/{px}x{px}-000000-80-0-0.jpg"
        out.update(
            {
                "country": user.country,
                "lang": "EN",
                "is_kid": False,
                "explicit_content_level": "explicit_display",
                "tracklist": f"https://api.deezer.com/user/{user.id}/flow",
                "type": "user",
            }
        )
        return out

    def _playlist_json(self, playlist: _Playlist, *, full: bool = False) -> dict[str, Any]:
        pic = _md5(f"playlist{playlist.id}")
        creator = self.users.get(playlist.creator)
        out: dict[str, Any] = {
            "id": playlist.id,
            "title": playlist.title,
        }
        if full:
            out["description"] = playlist.description
        out.update(
            {
                "duration": sum(
                    (self.tracks[t].duration_ms or 0) // 1000
                    for t in playlist.tracks
                    if t in self.tracks
                ),
                "public": playlist.public,
                "is_loved_track": False,
                "collaborative": playlist.collaborative,
                "nb_tracks": len(playlist.tracks),
                "fans": 0,
                "link": f"https://www.deezer.com/playlist/{playlist.id}",
            }
        )
        if full:
            out["share"] = f"https://www.deezer.com/playlist/{playlist.id}?utm_source=deezer"
        out["picture"] = f"https://api.deezer.com/playlist/{playlist.id}/image"
        for size, px in (("small", 56), ("medium", 250), ("big", 500), ("xl", 1000)):
            out[f"picture_{size}"] = f"{_CDN}/playlist/{pic}/{px}x{px}-000000-80-0-0.jpg"
        out["checksum"] = playlist.checksum
        if full:
            out["md5_image"] = pic
            out["picture_type"] = "playlist"
            out["creation_date"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(playlist.created))
        else:
            out["time_add"] = int(playlist.created)
            out["time_mod"] = int(playlist.modified)
        out["tracklist"] = f"https://api.deezer.com/playlist/{playlist.id}/tracks"
        out["creator"] = {
            "id": playlist.creator,
            "name": creator.name if creator else "",
            "tracklist": f"https://api.deezer.com/user/{playlist.creator}/flow",
            "type": "user",
        }
        out["type"] = "playlist"
        if full:
            shown = playlist.tracks[: self.embedded_tracks]
            out["tracks"] = {
                "data": [
                    self._track_json(
                        self.tracks[t], short=True, tid=t, time_add=playlist.time_add.get(t, 0)
                    )
                    for t in shown
                ],
                "checksum": playlist.checksum,
            }
        return out
