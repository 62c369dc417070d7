"""The Spotify Web API adapter."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from playlist_interop.errors import AuthError, NotFound, ProviderError
from playlist_interop.model import Playlist, ProviderRef, Track
from playlist_interop.providers._adapter_base import OwnsHttpClient
from playlist_interop.providers._batching import chunked
from playlist_interop.providers._http import (
    Credentials,
    HttpCore,
    HttpResponse,
    RequestBudget,
    RetryPolicy,
    Transport,
    default_error_mapper,
    resolve_base_url,
)
from playlist_interop.providers._oauth import OAuthConfig, resolve_credentials
from playlist_interop.providers._protocol import (
    Capability,
    PlaylistSummary,
    TrackQuery,
    UserProfile,
)
from playlist_interop.providers.spotify import _map
from playlist_interop.providers.spotify import _wire as w
from playlist_interop.types import Isrc, ProviderName, ProviderPlaylistId, ProviderTrackId

__all__ = ["SpotifyProvider"]

logger = logging.getLogger("playlist_interop.providers.spotify")

_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_URI = re.compile(r"^spotify:(track|episode):[0-9A-Za-z]{22}$")
_QUERY_UNSAFE = re.compile(r'["\n\r\t]+')


def _error_mapper(response: HttpResponse) -> ProviderError:
    """The one place Spotify's HTTP errors become typed errors."""
    message = None
    try:
        body = w.structure(response.json(), w.ErrorBody, what="error")
    except ProviderError:
        body = None
    if body is not None:
        if isinstance(body.error, w.ErrorDetail):
            message = body.error.message
        elif isinstance(body.error, str):
            message = body.error
            if body.error_description:
                message += f": {body.error_description}"
    if message:
        message = f"{response.method} {response.url}: {message}"
    return default_error_mapper(response, message)


class SpotifyProvider(OwnsHttpClient):
    """Spotify for one signed-in user.

    Args:
        credentials: Supplies the bearer token and renews it (an
            :class:`~playlist_interop.providers.auth.OAuthSession`).
        access_token: Shortcut for a fixed token without renewal.
        transport: Injected ``httpx`` transport.
        api_url: Web API base; else ``PLAYLIST_SPOTIFY_API_URL``; else the real service.
        market: ``market`` parameter for reads (``"from_token"`` marks unplayable content).
        retry: Retry policy of the HTTP core.
        budget: Request budget shared by the caller's Spotify clients.
    """

    name: ClassVar[ProviderName] = ProviderName("spotify")
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)
    max_add_batch: ClassVar[int] = 100
    """Most URIs per add or remove request."""
    page_size: ClassVar[int] = 50
    """Most entries per playlist items page and per playlists page."""
    search_page_size: ClassVar[int] = 10
    """Most results per search request (February 2026)."""
    lookup_batch: ClassVar[int] = 50
    """Most ids per ``GET /tracks``."""
    lookup_concurrency: ClassVar[int] = 8
    """Single-track lookups in flight at once when ``GET /tracks`` is refused."""
    default_api_url: ClassVar[str] = "https://api.spotify.com/v1"
    default_auth_url: ClassVar[str] = "https://accounts.spotify.com"
    default_scopes: ClassVar[tuple[str, ...]] = (
        "playlist-read-private",
        "playlist-read-collaborative",
        "playlist-modify-private",
        "playlist-modify-public",
        "user-read-private",
    )

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        access_token: str | None = None,
        transport: Transport | None = None,
        api_url: str | None = None,
        market: str | None = "from_token",
        retry: RetryPolicy | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        extra: dict[str, Any] = {} if retry is None else {"retry": retry}
        self.http = self._http = HttpCore(
            provider=self.name,
            base_url=resolve_base_url(self.name, "api", api_url, self.default_api_url),
            transport=transport,
            credentials=resolve_credentials(credentials, access_token),
            budget=budget,
            error_mapper=_error_mapper,
            **extra,
        )
        self.market = market
        self._batch_lookup = True

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
        """The accounts service endpoints for the authorization code flow with PKCE."""
        base = resolve_base_url(cls.name, "auth", auth_url, cls.default_auth_url)
        return OAuthConfig(
            provider=cls.name,
            client_id=client_id,
            authorize_url=f"{base}/authorize",
            token_url=f"{base}/api/token",
            redirect_uri=redirect_uri,
            scopes=tuple(scopes) if scopes is not None else cls.default_scopes,
            client_secret=client_secret,
        )

    # -- reading -------------------------------------------------------------------------------

    def _read_params(self) -> dict[str, str | int | float | bool | None]:
        return {"additional_types": "track,episode", "market": self.market}

    async def _get(
        self, path: str, params: Mapping[str, str | int | float | bool | None] | None = None
    ) -> Any:
        return (await self.http.request("GET", path, params=params)).json()

    async def _pages(self, first: w.Paging, what: str) -> AsyncIterator[w.Paging]:
        """``first`` and every page after it, following ``next`` links."""
        page: w.Paging | None = first
        seen: set[str] = set()
        while page is not None:
            yield page
            if not page.next or not page.items:
                return
            if page.next in seen:
                raise ProviderError(f"{what}: pagination loops at {page.next}", provider=self.name)
            seen.add(page.next)
            page = w.structure(await self._get(page.next), w.Paging, what=what)

    async def current_user(self) -> UserProfile:
        """The signed-in user (``GET /me``)."""
        return _map.user_from_wire(w.structure(await self._get("me"), w.User, what="me"))

    async def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        """Every playlist the user owns or follows, ``page_size`` per request."""
        first = w.structure(
            await self._get("me/playlists", {"limit": self.page_size}), w.Paging, what="playlists"
        )
        async for page in self._pages(first, "playlists"):
            for index, raw in enumerate(page.items):
                if raw is None:
                    continue
                wire = w.structure(raw, w.SimplifiedPlaylist, what=f"playlists.items[{index}]")
                yield _map.summary_from_wire(wire)

    def _page_tracks(self, page: w.Paging, what: str) -> tuple[list[Track], int]:
        tracks: list[Track] = []
        skipped = 0
        for index, raw in enumerate(page.items):
            entry = w.structure(raw, w.PlaylistItem, what=f"{what}.items[{index}]")
            content = entry.content
            if content is None:
                skipped += 1
                continue
            wire = w.structure_content(content, what=f"{what}.items[{index}].item")
            tracks.append(_map.content_to_track(wire, added_at=entry.added_at))
        return tracks, skipped

    async def iter_playlist_tracks(self, playlist_id: ProviderPlaylistId) -> AsyncIterator[Track]:
        """Every entry of a playlist in order, 50 per request; removed (null) items are
        skipped, local files and episodes included."""
        params = {**self._read_params(), "limit": self.page_size}
        path = f"playlists/{_check_id(playlist_id, 'playlist')}/items"
        first = w.structure(await self._get(path, params), w.Paging, what="items")
        async for page in self._pages(first, "items"):
            tracks, _ = self._page_tracks(page, "items")
            for track in tracks:
                yield track

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        """A playlist with every entry: its metadata request embeds the first page."""
        path = f"playlists/{_check_id(playlist_id, 'playlist')}"
        wire = w.structure(
            await self._get(path, self._read_params()), w.FullPlaylist, what="playlist"
        )
        tracks: list[Track] = []
        skipped = 0
        if wire.page is not None:
            async for page in self._pages(wire.page, "playlist.items"):
                page_tracks, page_skipped = self._page_tracks(page, "playlist.items")
                tracks.extend(page_tracks)
                skipped += page_skipped
        return _map.playlist_from_wire(wire, tracks, skipped=skipped)

    # -- writing -------------------------------------------------------------------------------

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        """Create a playlist for the current user (``POST /me/playlists``)."""
        body: dict[str, Any] = {"name": name, "public": public}
        if description:
            body["description"] = description
        response = await self.http.request("POST", "me/playlists", json_body=body)
        wire = w.structure(response.json(), w.FullPlaylist, what="created playlist")
        url = (wire.external_urls or {}).get("spotify")
        return ProviderRef(self.name, ProviderPlaylistId(wire.id), wire.snapshot_id, url)

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        """Add tracks (ids, or ``spotify:track:``/``spotify:episode:`` URIs) in batches of 100.

        Returns the snapshot id after the last batch.
        """
        path = f"playlists/{_check_id(playlist_id, 'playlist')}/items"
        uris = [_uri(t) for t in track_ids]
        snapshot = None
        at = position
        for batch in chunked(uris, self.max_add_batch):
            body: dict[str, Any] = {"uris": list(batch)}
            if at is not None:
                body["position"] = at
                at += len(batch)
            response = await self.http.request("POST", path, json_body=body)
            snapshot = w.structure(response.json(), w.SnapshotResponse, what="add").snapshot_id
        return snapshot

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        """Remove every occurrence of the tracks, 100 distinct URIs per request."""
        path = f"playlists/{_check_id(playlist_id, 'playlist')}/items"
        uris = list(dict.fromkeys(_uri(t) for t in track_ids))
        snapshot = None
        for batch in chunked(uris, self.max_add_batch):
            body = {"items": [{"uri": uri} for uri in batch]}
            response = await self.http.request("DELETE", path, json_body=body)
            snapshot = w.structure(response.json(), w.SnapshotResponse, what="remove").snapshot_id
        return snapshot

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        """Move a range of entries (``PUT /playlists/{id}/items``)."""
        path = f"playlists/{_check_id(playlist_id, 'playlist')}/items"
        body = {
            "range_start": range_start,
            "insert_before": insert_before,
            "range_length": range_length,
        }
        response = await self.http.request("PUT", path, json_body=body)
        return w.structure(response.json(), w.SnapshotResponse, what="reorder").snapshot_id

    # -- search and lookup -----------------------------------------------------------------

    async def _search(self, q: str, limit: int) -> list[Track]:
        results: list[Track] = []
        offset = 0
        while len(results) < limit:
            size = min(self.search_page_size, limit - len(results))
            params: dict[str, str | int | float | bool | None] = {
                "q": q,
                "type": "track",
                "limit": size,
                "offset": offset,
                "market": self.market,
            }
            body = w.structure(await self._get("search", params), w.SearchResponse, what="search")
            page = body.tracks
            if page is None or not page.items:
                break
            for index, raw in enumerate(page.items):
                if raw is not None:
                    wire = w.structure(raw, w.Track, what=f"search.tracks.items[{index}]")
                    results.append(_map.track_from_wire(wire))
            offset += len(page.items)
            if page.next is None or (page.total is not None and offset >= page.total):
                break
        return results[:limit]

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        """Tracks with this ISRC (``isrc:`` search), up to 50 releases."""
        cleaned = isrc.replace("-", "").replace(" ", "").upper()
        if not re.fullmatch(r"[A-Z0-9]{12}", cleaned):
            return []
        found = await self._search(f"isrc:{cleaned}", 50)
        return [t for t in found if t.isrc == cleaned]

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        """Fielded search (``track:"..." artist:"..." album:"..."``), best first."""
        if query.free_text:
            q = query.free_text
        else:
            parts = [f'track:"{_clean(query.title)}"']
            if query.artist:
                parts.append(f'artist:"{_clean(query.artist)}"')
            if query.album:
                parts.append(f'album:"{_clean(query.album)}"')
            q = " ".join(parts)
        return await self._search(q, max(1, limit))

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        """Tracks by id in order, 50 ids per request; ``None`` for unknown or malformed ids.

        Apps that Spotify denies ``GET /tracks`` (development mode since February 2026) get
        one ``GET /tracks/{id}`` per id instead, transparently.
        """
        wanted = list(dict.fromkeys(t for t in track_ids if _ID.match(t)))
        found: dict[str, Track] = {}
        if self._batch_lookup and len(wanted) > 1:
            try:
                for batch in chunked(wanted, self.lookup_batch):
                    params = {"ids": ",".join(batch), "market": self.market}
                    body = w.structure(
                        await self._get("tracks", params), w.SeveralTracks, what="tracks"
                    )
                    if len(body.tracks) != len(batch):
                        raise ProviderError(
                            f"GET /tracks answered {len(body.tracks)} entries for {len(batch)} ids",
                            provider=self.name,
                        )
                    # Entries come in the order of the ids asked for (relinked ones too).
                    for requested, wire in zip(batch, body.tracks, strict=True):
                        if wire is not None:
                            found[requested] = _map.track_from_wire(wire)
            except AuthError as exc:
                if exc.status != 403:
                    raise
                logger.info(
                    "GET /tracks is not available to this app; looking tracks up one by one"
                )
                self._batch_lookup = False
        if not self._batch_lookup or len(wanted) == 1:
            missing = [tid for tid in wanted if tid not in found]
            gate = asyncio.Semaphore(self.lookup_concurrency)

            async def one(tid: str) -> None:
                async with gate:
                    try:
                        raw = await self._get(f"tracks/{tid}", {"market": self.market})
                    except NotFound:
                        return
                found[tid] = _map.track_from_wire(w.structure(raw, w.Track, what="track"))

            try:
                async with asyncio.TaskGroup() as group:
                    for tid in missing:
                        group.create_task(one(tid))
            except* ProviderError as failed:
                # Callers catch ProviderError, not a group: report the first failure.
                raise failed.exceptions[0] from None
        return [found.get(t) for t in track_ids]


def _check_id(value: str, kind: str) -> str:
    if not _ID.match(value):
        raise NotFound(f"not a Spotify {kind} id: {value!r}", provider="spotify")
    return value


def _uri(track_id: str) -> str:
    if _URI.match(track_id):
        return track_id
    if _ID.match(track_id):
        return f"spotify:track:{track_id}"
    raise NotFound(f"not a Spotify track id or URI: {track_id!r}", provider="spotify")


def _clean(text: str) -> str:
    return " ".join(_QUERY_UNSAFE.sub(" ", text).split())
