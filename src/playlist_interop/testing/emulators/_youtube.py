"""Implementation of :mod:`playlist_interop.testing.emulators.youtube` (see its docstring)."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs
from aiohttp import web

from playlist_interop.model import Track
from playlist_interop.providers.auth import OAuthToken
from playlist_interop.testing.emulators._base import AccessGrant, Emulator
from playlist_interop.types import ProviderName

__all__ = ["YouTubeEmulator", "video_id"]

_NAME = ProviderName("youtube")
_SCOPE = "https://www.googleapis.com/auth/youtube"
_GRANT = web.RequestKey("grant", AccessGrant)
_COSTS = {
    ("GET", "channels"): 1,
    ("GET", "playlists"): 1,
    ("POST", "playlists"): 50,
    ("GET", "playlistItems"): 1,
    ("POST", "playlistItems"): 50,
    ("PUT", "playlistItems"): 50,
    ("DELETE", "playlistItems"): 50,
    ("GET", "videos"): 1,
    ("GET", "search"): 100,
}
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def video_id(seed: str) -> str:
    """A deterministic 11-character video id derived from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:11]


def _etag(*parts: object) -> str:
    return base64.urlsafe_b64encode(
        hashlib.sha1(repr(parts).encode(), usedforsecurity=False).digest()
    ).decode()[:27]


def _iso_duration(ms: int | None) -> str:
    seconds = round((ms or 0) / 1000)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    out = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return out + (f"{secs}S" if secs or out == "PT" else "")


def _thumbs(vid: str) -> dict[str, Any]:
    sizes = {"default": (120, 90), "medium": (320, 180), "high": (480, 360)}
    return {
        key: {"url": f"https://i.ytimg.com/vi/{vid}/{key}.jpg", "width": w, "height": h}
        for key, (w, h) in sizes.items()
    }


@attrs.define
class _Item:
    id: str
    video_id: str
    added: str = "2026-01-01T00:00:00Z"


@attrs.define
class _Playlist:
    id: str
    title: str
    description: str
    privacy: str
    channel_id: str
    items: list[_Item] = attrs.field(factory=list)
    published: str = "2026-01-01T00:00:00Z"


class YouTubeEmulator(Emulator):
    """Google's OAuth (``/oauth/auth``, ``/oauth/token``) and YouTube's API (``/youtube/v3``).

    Args:
        catalog: Tracks served as music videos of "Artist - Topic" channels.
        daily_quota: Units per day before ``quotaExceeded``.
        channel_id: The signed-in user's channel id.
        channel_title: Its title.
        token_lifetime: Seconds an access token lives.
        rate_limit: Requests per second the API accepts; faster calls get 429
            (``rateLimitExceeded``) with a ``Retry-After`` (``None``: no limit).
        rate_burst: Calls accepted back to back before the rate applies.
    """

    provider = "youtube"
    page_max = 50

    def __init__(
        self,
        catalog: Iterable[Track] = (),
        *,
        daily_quota: int = 10_000,
        channel_id: str = "UCemulatedchannel000000",
        channel_title: str = "Emulated Listener",
        token_lifetime: float = 3599,
        rate_limit: float | None = None,
        rate_burst: int = 1,
    ) -> None:
        super().__init__(
            token_lifetime=token_lifetime, rate_limit=rate_limit, rate_burst=rate_burst
        )
        self.tokens.rotate_refresh = False  # Google keeps the refresh token
        self.daily_quota = daily_quota
        self.quota_used = 0
        self.channel_id = channel_id
        self.channel_title = channel_title
        self.videos: dict[str, Track] = {}
        self.deleted: set[str] = set()
        self.playlists: dict[str, _Playlist] = {}
        self._counter = itertools.count(1)
        self._offline_codes: set[str] = set()
        for track in catalog:
            self.add_video(track)

    # -- seeding ---------------------------------------------------------------------------

    def add_video(self, track: Track) -> str:
        """Serve ``track`` as a video; returns its id."""
        vid = track.provider_ids.get(_NAME) or video_id(
            f"{track.isrc}:{track.title}:{track.artist_line}"
        )
        self.videos[vid] = track
        return vid

    def add_playlist(
        self, title: str, video_ids: Sequence[str] = (), *, privacy: str = "private"
    ) -> str:
        """A playlist of the signed-in channel; returns its id."""
        pid = "PL" + video_id(f"playlist:{next(self._counter)}:{title}") * 3
        playlist = _Playlist(pid[:34], title, "", privacy, self.channel_id)
        playlist.items = [_Item(self._item_id(), v) for v in video_ids]
        self.playlists[playlist.id] = playlist
        return playlist.id

    def playlist_video_ids(self, playlist_id: str) -> list[str]:
        """Video ids of a playlist in order."""
        return [i.video_id for i in self.playlists[playlist_id].items]

    def issue_token(self, *, client_id: str = "emulator-client") -> OAuthToken:
        """Mint a token without the browser dance."""
        grant = AccessGrant(client_id=client_id, user_id=self.channel_id, scope=(_SCOPE,))
        return OAuthToken.from_response(self.tokens.issue(grant), provider="youtube")

    def _item_id(self) -> str:
        return (
            base64.urlsafe_b64encode(f"item{next(self._counter):08d}".encode()).decode().rstrip("=")
        )

    @property
    def api_url(self) -> str:
        """API base URL (``.../youtube/v3``)."""
        return self.base_url + "/youtube/v3"

    @property
    def auth_url(self) -> str:
        """OAuth base URL (``/auth`` and ``/token`` hang off it)."""
        return self.base_url + "/oauth"

    # -- app -------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """OAuth and API routes."""
        app.router.add_get("/oauth/auth", self._authorize)
        app.router.add_post("/oauth/token", self._token)
        for method, name in _COSTS:
            app.router.add_route(method, f"/youtube/v3/{name}", self._api(method, name))

    def is_api_path(self, path: str) -> bool:
        """Faults apply to the API and the token endpoint."""
        return path.startswith(("/youtube/v3/", "/oauth/token"))

    def error_response(
        self, status: int, message: str, *, reason: str | None = None, domain: str = "global"
    ) -> web.Response:
        """Google's error body."""
        default = {
            401: "authError",
            403: "forbidden",
            404: "notFound",
            429: "rateLimitExceeded",
            503: "backendError",
        }.get(status, "badRequest")
        body = {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason or default}],
                "status": _STATUS.get(status, "UNKNOWN"),
            }
        }
        return web.json_response(body, status=status)

    def _api(self, method: str, name: str) -> Any:
        cost = _COSTS[(method, name)]
        handler = getattr(self, f"_{method.lower()}_{name.lower()}")

        async def wrapped(request: web.Request) -> web.StreamResponse:
            grant = self.bearer_grant(request)
            if isinstance(grant, web.Response):
                return grant
            if self.quota_used + cost > self.daily_quota:
                return self.error_response(
                    403,
                    "The request cannot be completed because you have exceeded your "
                    '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                    reason="quotaExceeded",
                    domain="youtube.quota",
                )
            self.quota_used += cost
            request[_GRANT] = grant
            response: web.StreamResponse = await handler(request)
            return response

        return wrapped

    # -- OAuth -----------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        redirect_uri = q.get("redirect_uri", "")
        if not q.get("client_id") or not redirect_uri or q.get("response_type") != "code":
            return web.Response(status=400, text="Error 400: invalid_request")
        grant = AccessGrant(
            client_id=q["client_id"],
            user_id=self.channel_id,
            scope=tuple(q.get("scope", "").split()),
        )
        code = self.tokens.issue_code(
            grant,
            redirect_uri=redirect_uri,
            challenge=q.get("code_challenge", ""),
            method=q.get("code_challenge_method", "S256"),
        )
        if q.get("access_type") == "offline":
            self._offline_codes.add(code)
        params = {
            "code": code,
            "scope": q.get("scope", ""),
            **({"state": q["state"]} if "state" in q else {}),
        }
        sep = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(f"{redirect_uri}{sep}{urlencode(params)}")

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = str(form.get("client_id", ""))
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            client_id = base64.b64decode(header[6:]).decode(errors="replace").partition(":")[0]

        def refuse(error: str, description: str) -> web.Response:
            return web.json_response({"error": error, "error_description": description}, status=400)

        if not client_id:
            return refuse("invalid_client", "The OAuth client was not found.")
        if form.get("grant_type") == "authorization_code":
            code = str(form.get("code", ""))
            result = self.tokens.redeem_code(
                code,
                client_id=client_id,
                redirect_uri=str(form.get("redirect_uri", "")),
                verifier=str(form["code_verifier"]) if "code_verifier" in form else None,
            )
            if isinstance(result, str):
                return refuse("invalid_grant", result)
            offline = code in self._offline_codes
            self._offline_codes.discard(code)
            return web.json_response(self.tokens.issue(result, with_refresh=offline))
        if form.get("grant_type") == "refresh_token":
            refreshed = self.tokens.refresh(str(form.get("refresh_token", "")), client_id=client_id)
            if isinstance(refreshed, str):
                return refuse("invalid_grant", "Token has been expired or revoked.")
            return web.json_response(refreshed)
        return refuse("unsupported_grant_type", "Invalid grant_type")

    # -- rendering -------------------------------------------------------------------------

    def _list(
        self,
        kind: str,
        request: web.Request,
        items: list[Any],
        render: Any,
        *,
        size: int | None = None,
    ) -> web.Response:
        if size is None:
            raw_max = request.query.get("maxResults", "5")
            if not raw_max.isdigit() or not 0 <= int(raw_max) <= self.page_max:
                return self.error_response(
                    400, "Invalid value for maxResults", reason="invalidParameter"
                )
            size = int(raw_max)
        token = request.query.get("pageToken")
        start = 0
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token + "==").decode().removeprefix("p"))
            except ValueError:
                return self.error_response(400, "Invalid page token", reason="invalidPageToken")
        page = items[start : start + size]
        body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "etag": _etag(kind, start)}
        if start + size < len(items):
            body["nextPageToken"] = (
                base64.urlsafe_b64encode(f"p{start + size}".encode()).decode().rstrip("=")
            )
        if start > 0:
            body["prevPageToken"] = (
                base64.urlsafe_b64encode(f"p{max(0, start - size)}".encode()).decode().rstrip("=")
            )
        body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": size}
        body["items"] = [render(i) for i in page]
        return web.json_response(body)

    def _channel_title(self, track: Track) -> str:
        return f"{track.artists[0].name if track.artists else 'Unknown'} - Topic"

    def _video(self, vid: str, parts: set[str]) -> dict[str, Any]:
        track = self.videos[vid]
        channel = self._channel_title(track)
        out: dict[str, Any] = {"kind": "youtube#video", "etag": _etag("video", vid), "id": vid}
        if "snippet" in parts:
            album = track.album.title if track.album else track.title
            out["snippet"] = {
                "publishedAt": "2020-05-01T00:00:00Z",
                "channelId": "UC" + video_id(channel) * 2,
                "title": track.title,
                "description": f"Provided to YouTube by Emulator\n\n{track.title} \u00b7 "
                f"{track.artist_line}\n\n{album}\n",
                "thumbnails": _thumbs(vid),
                "channelTitle": channel,
                "tags": [*track.artist_names, track.title],
                "categoryId": "10",
                "liveBroadcastContent": "none",
            }
        if "contentDetails" in parts:
            out["contentDetails"] = {
                "duration": _iso_duration(track.duration_ms),
                "dimension": "2d",
                "definition": "hd",
                "caption": "false",
                "licensedContent": True,
                "contentRating": {},
                "projection": "rectangular",
            }
        return out

    def _playlist(self, playlist: _Playlist, parts: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "youtube#playlist",
            "etag": _etag("playlist", playlist.id, len(playlist.items), playlist.title),
            "id": playlist.id,
        }
        if "snippet" in parts:
            out["snippet"] = {
                "publishedAt": playlist.published,
                "channelId": playlist.channel_id,
                "title": playlist.title,
                "description": playlist.description,
                "thumbnails": _thumbs(playlist.items[0].video_id if playlist.items else "none"),
                "channelTitle": self.channel_title,
                "localized": {"title": playlist.title, "description": playlist.description},
            }
        if "status" in parts:
            out["status"] = {"privacyStatus": playlist.privacy}
        if "contentDetails" in parts:
            out["contentDetails"] = {"itemCount": len(playlist.items)}
        return out

    def _item(self, playlist: _Playlist, index: int, parts: set[str]) -> dict[str, Any]:
        item = playlist.items[index]
        gone = item.video_id in self.deleted or item.video_id not in self.videos
        out: dict[str, Any] = {
            "kind": "youtube#playlistItem",
            "etag": _etag("item", item.id, index),
            "id": item.id,
        }
        if "snippet" in parts:
            snippet: dict[str, Any] = {
                "publishedAt": item.added,
                "channelId": playlist.channel_id,
                "title": "Deleted video" if gone else self.videos[item.video_id].title,
                "description": "This video is unavailable." if gone else "",
                "thumbnails": {} if gone else _thumbs(item.video_id),
                "channelTitle": self.channel_title,
                "playlistId": playlist.id,
                "position": index,
                "resourceId": {"kind": "youtube#video", "videoId": item.video_id},
            }
            if not gone:
                track = self.videos[item.video_id]
                channel = self._channel_title(track)
                snippet["videoOwnerChannelTitle"] = channel
                snippet["videoOwnerChannelId"] = "UC" + video_id(channel) * 2
            out["snippet"] = snippet
        if "contentDetails" in parts:
            details: dict[str, Any] = {"videoId": item.video_id}
            if not gone:
                details["videoPublishedAt"] = "2020-05-01T00:00:00Z"
            out["contentDetails"] = details
        return out

    # -- API handlers ----------------------------------------------------------------------

    @staticmethod
    def _parts(request: web.Request) -> set[str]:
        return {p.strip() for p in request.query.get("part", "").split(",") if p.strip()}

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            return self.error_response(400, "Invalid JSON payload", reason="parseError")
        if not isinstance(body, dict):
            return self.error_response(400, "Invalid JSON payload", reason="parseError")
        return body

    def _own_playlist(self, pid: object) -> _Playlist | web.Response:
        playlist = self.playlists.get(str(pid))
        if playlist is None:
            return self.error_response(
                404,
                "The playlist identified with the request's <code>playlistId</code> parameter "
                "cannot be found.",
                reason="playlistNotFound",
                domain="youtube.playlistItem",
            )
        return playlist

    async def _get_channels(self, request: web.Request) -> web.Response:
        if request.query.get("mine") != "true":
            return self.error_response(
                400, "No filter selected.", reason="missingRequiredParameter"
            )
        channel = {
            "kind": "youtube#channel",
            "etag": _etag("channel", self.channel_id),
            "id": self.channel_id,
            "snippet": {
                "title": self.channel_title,
                "description": "",
                "customUrl": "@emulated",
                "publishedAt": "2015-01-01T00:00:00Z",
                "thumbnails": _thumbs("channel"),
                "localized": {"title": self.channel_title, "description": ""},
                "country": "DE",
            },
        }
        return self._list("channel", request, [channel], lambda c: c, size=5)

    async def _get_playlists(self, request: web.Request) -> web.Response:
        parts = self._parts(request)
        if "id" in request.query:
            wanted = request.query["id"].split(",")
            found = [self.playlists[p] for p in wanted if p in self.playlists]
        elif request.query.get("mine") == "true":
            found = [p for p in self.playlists.values() if p.channel_id == self.channel_id]
        else:
            return self.error_response(
                400, "No filter selected.", reason="missingRequiredParameter"
            )
        return self._list("playlist", request, found, lambda p: self._playlist(p, parts))

    async def _post_playlists(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        snippet = body.get("snippet") or {}
        title = snippet.get("title") if isinstance(snippet, dict) else None
        if not isinstance(title, str) or not title:
            return self.error_response(
                400, "Playlist title is required.", reason="playlistTitleRequired"
            )
        status = body.get("status") or {}
        privacy = status.get("privacyStatus", "public") if isinstance(status, dict) else "public"
        pid = self.add_playlist(title, privacy=privacy)
        self.playlists[pid].description = str(snippet.get("description") or "")
        return web.json_response(self._playlist(self.playlists[pid], {"snippet", "status"}))

    async def _get_playlistitems(self, request: web.Request) -> web.Response:
        playlist = self._own_playlist(request.query.get("playlistId"))
        if isinstance(playlist, web.Response):
            return playlist
        parts = self._parts(request)
        return self._list(
            "playlistItem",
            request,
            list(range(len(playlist.items))),
            lambda i: self._item(playlist, i, parts),
        )

    def _resource(self, body: dict[str, Any]) -> tuple[_Playlist, str, int | None] | web.Response:
        snippet = body.get("snippet")
        if not isinstance(snippet, dict):
            return self.error_response(400, "snippet is required", reason="required")
        playlist = self._own_playlist(snippet.get("playlistId"))
        if isinstance(playlist, web.Response):
            return playlist
        resource = snippet.get("resourceId")
        vid = resource.get("videoId") if isinstance(resource, dict) else None
        if not isinstance(vid, str) or vid not in self.videos or vid in self.deleted:
            return self.error_response(
                404, "Video not found.", reason="videoNotFound", domain="youtube.playlistItem"
            )
        position = snippet.get("position")
        if position is not None and (
            not isinstance(position, int) or not 0 <= position <= len(playlist.items)
        ):
            return self.error_response(
                400,
                "Invalid position.",
                reason="invalidPlaylistItemPosition",
                domain="youtube.playlistItem",
            )
        return playlist, vid, position

    async def _post_playlistitems(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        parsed = self._resource(body)
        if isinstance(parsed, web.Response):
            return parsed
        playlist, vid, position = parsed
        item = _Item(self._item_id(), vid)
        at = len(playlist.items) if position is None else position
        playlist.items.insert(at, item)
        return web.json_response(self._item(playlist, at, {"snippet"}))

    async def _put_playlistitems(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        parsed = self._resource(body)
        if isinstance(parsed, web.Response):
            return parsed
        playlist, vid, position = parsed
        index = next((n for n, i in enumerate(playlist.items) if i.id == body.get("id")), None)
        if index is None:
            return self.error_response(
                404,
                "Playlist item not found.",
                reason="playlistItemNotFound",
                domain="youtube.playlistItem",
            )
        item = playlist.items.pop(index)
        item.video_id = vid
        at = len(playlist.items) if position is None else min(position, len(playlist.items))
        playlist.items.insert(at, item)
        return web.json_response(self._item(playlist, at, {"snippet"}))

    async def _delete_playlistitems(self, request: web.Request) -> web.Response:
        item_id = request.query.get("id")
        for playlist in self.playlists.values():
            for n, item in enumerate(playlist.items):
                if item.id == item_id:
                    del playlist.items[n]
                    return web.Response(status=204)
        return self.error_response(
            404,
            "Playlist item not found.",
            reason="playlistItemNotFound",
            domain="youtube.playlistItem",
        )

    async def _get_videos(self, request: web.Request) -> web.Response:
        ids = [v for v in request.query.get("id", "").split(",") if v]
        if len(ids) > self.page_max:
            return self.error_response(400, "Too many ids.", reason="invalidParameter")
        parts = self._parts(request)
        found = [v for v in ids if v in self.videos and v not in self.deleted]
        copy = request.clone(
            rel_url=request.rel_url.update_query({"maxResults": str(self.page_max)})
        )
        return self._list("video", copy, found, lambda v: self._video(v, parts))

    async def _get_search(self, request: web.Request) -> web.Response:
        words = request.query.get("q", "").casefold().replace(" - ", " ").split()
        found = []
        for vid, track in self.videos.items():
            haystack = " ".join([track.title, *track.artist_names]).casefold()
            if vid not in self.deleted and words and all(w in haystack for w in words):
                found.append(vid)

        def render(vid: str) -> dict[str, Any]:
            track = self.videos[vid]
            channel = self._channel_title(track)
            return {
                "kind": "youtube#searchResult",
                "etag": _etag("search", vid),
                "id": {"kind": "youtube#video", "videoId": vid},
                "snippet": {
                    "publishedAt": "2020-05-01T00:00:00Z",
                    "channelId": "UC" + video_id(channel) * 2,
                    "title": html.escape(track.title),  # search.list escapes HTML
                    "description": "",
                    "thumbnails": _thumbs(vid),
                    "channelTitle": html.escape(channel),
                    "liveBroadcastContent": "none",
                    "publishTime": "2020-05-01T00:00:00Z",
                },
            }

        return self._list("search", request, found, render)
