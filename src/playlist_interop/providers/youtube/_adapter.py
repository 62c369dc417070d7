"""The YouTube adapter: the ``Provider`` protocol over the YouTube Data API v3, quota-aware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from playlist_interop.errors import CapabilityError, NotFound, ProviderError
from playlist_interop.model import Playlist, ProviderRef, Track
from playlist_interop.providers._adapter_base import HttpAdapter
from playlist_interop.providers._batching import chunked
from playlist_interop.providers._http import (
    DEFAULT_RETRY,
    Credentials,
    HttpCore,
    RequestBudget,
    RetryPolicy,
    Transport,
    resolve_base_url,
)
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._oauth import OAuthConfig, resolve_credentials
from playlist_interop.providers._protocol import (
    Capability,
    PlaylistSummary,
    TrackQuery,
    UserProfile,
)
from playlist_interop.providers.youtube._map import (
    map_item,
    map_playlist,
    map_search_result,
    map_summary,
    map_user,
    map_video,
    with_video,
)
from playlist_interop.providers.youtube._quota import YouTubeQuota
from playlist_interop.providers.youtube._wire import (
    API_URL,
    DEFAULT_SCOPES,
    OFFLINE_PARAMS,
    PROVIDER,
    ListPage,
    error_mapper,
    oauth_config,
)
from playlist_interop.types import Isrc, ProviderName, ProviderPlaylistId, ProviderTrackId

__all__ = ["YouTubeProvider"]

_PAGE = 50
_MUSIC_CATEGORY = "10"
_OPERATION_COSTS: dict[str, tuple[str, ...]] = {
    "current_user": ("channels.list",),
    "iter_playlists": ("playlists.list",),
    "get_playlist": ("playlists.list",),
    "iter_playlist_tracks": ("playlistItems.list", "videos.list"),
    "create_playlist": ("playlists.insert",),
    "add_tracks": ("playlistItems.insert",),
    "remove_tracks": ("playlistItems.delete",),
    "reorder_tracks": ("playlistItems.update",),
    "search_text": ("search.list", "videos.list"),
    "get_tracks": ("videos.list",),
    "search_isrc": (),
}
"""API methods one call of each ``Provider`` operation spends (per page, or per track for
``add_tracks``/``remove_tracks``/``reorder_tracks``)."""


class YouTubeProvider(HttpAdapter):
    """The ``Provider`` protocol for YouTube (Data API v3), spending a daily unit budget.

    Every call is charged to :attr:`quota` before it is sent: ``search.list`` costs 100 units,
    each insert/update/delete 50, each list page 1. When the budget cannot pay,
    :class:`~playlist_interop.errors.QuotaExceeded` is raised *before* spending, so callers
    stop cleanly and resume the next (Pacific) day; :meth:`YouTubeQuota.report` gives the
    figures for progress and migration reports. ``playlistItems.insert`` takes one video per
    call (``max_add_batch`` is 1). YouTube has no ISRC search.

    Args:
        credentials: An ``OAuthSession`` for Google OAuth (see :func:`oauth_config`) or a
            ``BearerToken``.
        access_token: Shortcut for ``credentials=BearerToken(access_token)``.
        api_url: Base URL (env ``PLAYLIST_YOUTUBE_API_URL``).
        quota: The project's unit budget; share one instance between adapters of a project.
        fetch_details: Complete playlist entries and search results with ``videos.list``
            (1 unit per 50 videos) to learn their durations, which matching needs.
        transport: Injected HTTP transport.
        retry: Retry policy.
        budget: Request budget (pacing), independent of the unit quota.
    """

    name = ProviderName(PROVIDER)
    capabilities = frozenset(Capability) - {Capability.SEARCH_ISRC}
    max_add_batch = 1
    default_scopes = DEFAULT_SCOPES
    authorize_params: Mapping[str, str] = MappingProxyType(OFFLINE_PARAMS)
    """Extra authorization-request parameters: without them Google sends no refresh token."""

    @classmethod
    def oauth_config(
        cls,
        *,
        client_id: str,
        redirect_uri: str,
        client_secret: str | None = None,
        auth_url: str | None = None,
        scopes: Sequence[str] | None = None,
    ) -> OAuthConfig:
        """Google's OAuth endpoints (PKCE); authorize with :attr:`authorize_params`."""
        return oauth_config(
            client_id=client_id,
            redirect_uri=redirect_uri,
            client_secret=client_secret,
            auth_url=auth_url,
            scopes=tuple(scopes) if scopes is not None else DEFAULT_SCOPES,
        )

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        access_token: str | None = None,
        api_url: str | None = None,
        quota: YouTubeQuota | None = None,
        fetch_details: bool = True,
        transport: Transport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        budget: RequestBudget | None = None,
    ) -> None:
        credentials = resolve_credentials(credentials, access_token)
        self.api_url = resolve_base_url(PROVIDER, "api", api_url, API_URL)
        self.quota = quota if quota is not None else YouTubeQuota()
        self.fetch_details = fetch_details
        self._http = HttpCore(
            provider=PROVIDER,
            base_url=self.api_url,
            transport=transport,
            credentials=credentials,
            retry=retry,
            budget=budget,
            error_mapper=error_mapper(self.quota.exhaust),
            request_id_headers=("x-goog-request-id", "x-request-id"),
        )

    def __repr__(self) -> str:
        return f"YouTubeProvider(api_url={self.api_url!r}, quota={self.quota!r})"

    # -- the quota hook the matcher and migrations use ------------------------------------

    def cost_of(self, operation: str) -> int:
        """Units one call of a ``Provider`` operation spends (``"search_text"``: 101).

        Page-wise operations are priced per page of 50; ``add_tracks``, ``remove_tracks`` and
        ``reorder_tracks`` per track. Without ``fetch_details`` the ``videos.list`` completions
        are not spent.
        """
        try:
            methods = _OPERATION_COSTS[operation]
        except KeyError:
            raise ValueError(f"unknown provider operation {operation!r}") from None
        if not self.fetch_details and operation in ("iter_playlist_tracks", "search_text"):
            methods = methods[:1]
        return sum(self.quota.cost(m) for m in methods)

    def quota_remaining(self) -> int | None:
        """Units left today in :attr:`quota`."""
        return self.quota.remaining

    # -- the one request path (charging the quota first) ----------------------------------

    async def _call(
        self,
        api_method: str,
        http_method: str,
        path: str,
        params: Mapping[str, str | int | None],
        body: Any = None,
    ) -> Any:
        await self.quota.charge(api_method, provider=PROVIDER)
        response = await self._http.request(
            http_method,
            path,
            params=params,
            json_body=body,
            idempotent=http_method in ("GET", "PUT", "DELETE"),
        )
        return response.json() if response.content.strip() else None

    async def _list(
        self, api_method: str, path: str, params: Mapping[str, str | int | None]
    ) -> AsyncIterator[ListPage]:
        token: str | None = None
        while True:
            body = await self._call(api_method, "GET", path, {**params, "pageToken": token})
            page = ListPage.parse(body)
            yield page
            if not page.next_token or page.next_token == token:
                return
            token = page.next_token

    async def _videos(self, ids: Sequence[str]) -> dict[str, Track]:
        found: dict[str, Track] = {}
        for batch in chunked(list(dict.fromkeys(ids)), _PAGE):
            body = await self._call(
                "videos.list",
                "GET",
                "videos",
                {"part": "snippet,contentDetails", "id": ",".join(batch), "maxResults": _PAGE},
            )
            for video in ListPage.parse(body).items:
                track = map_video(video)
                found[track.provider_ids[self.name]] = track
        return found

    async def _complete(self, tracks: list[Track]) -> list[Track]:
        if not self.fetch_details or not tracks:
            return tracks
        details = await self._videos([t.provider_ids[self.name] for t in tracks])
        return [with_video(t, details.get(t.provider_ids[self.name])) for t in tracks]

    # -- Provider protocol ----------------------------------------------------------------

    async def current_user(self) -> UserProfile:
        """The signed-in user's channel (``channels.list?mine=true``, 1 unit)."""
        body = await self._call(
            "channels.list", "GET", "channels", {"part": "snippet", "mine": "true"}
        )
        page = ListPage.parse(body)
        if not page.items:
            raise NotFound("this account has no YouTube channel", provider=PROVIDER)
        return map_user(page.items[0])

    async def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        """``playlists.list?mine=true``, 50 a page (1 unit each)."""
        params: dict[str, str | int | None] = {
            "part": "snippet,contentDetails,status",
            "mine": "true",
            "maxResults": _PAGE,
        }
        async for page in self._list("playlists.list", "playlists", params):
            for item in page.items:
                yield map_summary(item)

    async def iter_playlist_tracks(self, playlist_id: ProviderPlaylistId) -> AsyncIterator[Track]:
        """``playlistItems.list``, 50 a page, each page completed by one ``videos.list``."""
        params: dict[str, str | int | None] = {
            "part": "snippet,contentDetails",
            "playlistId": playlist_id,
            "maxResults": _PAGE,
        }
        async for page in self._list("playlistItems.list", "playlistItems", params):
            for track in await self._complete([map_item(i) for i in page.items]):
                yield track

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        """``playlists.list?id=`` then every entry."""
        body = await self._call(
            "playlists.list",
            "GET",
            "playlists",
            {"part": "snippet,contentDetails,status", "id": playlist_id, "maxResults": 1},
        )
        page = ListPage.parse(body)
        if not page.items:
            raise NotFound(f"playlist {playlist_id} not found", provider=PROVIDER, status=404)
        tracks = [t async for t in self.iter_playlist_tracks(playlist_id)]
        return map_playlist(page.items[0], tracks)

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        """``playlists.insert`` (50 units)."""
        body = await self._call(
            "playlists.insert",
            "POST",
            "playlists",
            {"part": "snippet,status"},
            {
                "snippet": {"title": name, "description": description or ""},
                "status": {"privacyStatus": "public" if public else "private"},
            },
        )
        return map_summary(JsonObject.of(body, provider=PROVIDER)).ref

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        """One ``playlistItems.insert`` per video (50 units each), in order.

        Each insert is charged before it is sent: when the quota runs out midway, the videos
        inserted so far stay and ``QuotaExceeded`` says how many units were missing.
        """
        for offset, video_id in enumerate(track_ids):
            snippet: dict[str, Any] = {
                "playlistId": playlist_id,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            }
            if position is not None:
                snippet["position"] = position + offset
            await self._call(
                "playlistItems.insert",
                "POST",
                "playlistItems",
                {"part": "snippet"},
                {"snippet": snippet},
            )
        return None

    async def _items(self, playlist_id: ProviderPlaylistId) -> list[tuple[str, str]]:
        """``(playlist item id, video id)`` of every entry, without video details."""
        params: dict[str, str | int | None] = {
            "part": "snippet",
            "playlistId": playlist_id,
            "maxResults": _PAGE,
        }
        out: list[tuple[str, str]] = []
        async for page in self._list("playlistItems.list", "playlistItems", params):
            for item in page.items:
                resource = item.obj("snippet").obj("resourceId")
                out.append((item.ident(), resource.string("videoId")))
        return out

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        """``playlistItems.delete`` for every entry of these videos (50 units each)."""
        wanted = set(track_ids)
        for item_id, video_id in await self._items(playlist_id):
            if video_id in wanted:
                await self._call("playlistItems.delete", "DELETE", "playlistItems", {"id": item_id})
        return None

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        """``playlistItems.update`` with a new ``position`` for each moved entry (50 each)."""
        items = await self._items(playlist_id)
        end = range_start + range_length
        if not 0 <= range_start < len(items) or range_length < 1 or end > len(items):
            raise ProviderError(
                f"range {range_start}+{range_length} outside a playlist of {len(items)}",
                provider=PROVIDER,
            )
        if range_start <= insert_before <= end:
            return None
        moved = list(enumerate(items[range_start:end]))
        target = insert_before if insert_before < range_start else insert_before - range_length
        if target > range_start:
            # Moving down: place the last entry first, so earlier moves do not shift later ones.
            moved.reverse()
        for offset, (item_id, video_id) in moved:
            await self._call(
                "playlistItems.update",
                "PUT",
                "playlistItems",
                {"part": "snippet"},
                {
                    "id": item_id,
                    "snippet": {
                        "playlistId": playlist_id,
                        "resourceId": {"kind": "youtube#video", "videoId": video_id},
                        "position": target + offset,
                    },
                },
            )
        return None

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        """YouTube's Data API cannot search by ISRC."""
        raise CapabilityError("YouTube has no ISRC search", provider=PROVIDER)

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        """``search.list`` for music videos (100 units) plus ``videos.list`` for durations."""
        text = query.free_text or " - ".join(p for p in (query.artist, query.title) if p)
        body = await self._call(
            "search.list",
            "GET",
            "search",
            {
                "part": "snippet",
                "type": "video",
                "videoCategoryId": _MUSIC_CATEGORY,
                "q": text,
                "maxResults": max(1, min(limit, _PAGE)),
            },
        )
        results = [map_search_result(r) for r in ListPage.parse(body).items]
        return (await self._complete(results))[:limit]

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        """``videos.list?id=`` 50 ids a call (1 unit each), in order."""
        found = await self._videos(track_ids)
        return [found.get(t) for t in track_ids]
