"""The TIDAL adapter: the ``Provider`` protocol over the official API (openapi.tidal.com/v2)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from playlist_interop.errors import ProviderError
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
from playlist_interop.providers.tidal._map import map_playlist, map_summary, map_track, map_user
from playlist_interop.providers.tidal._wire import (
    API_URL,
    DEFAULT_SCOPES,
    JSON_API,
    PROVIDER,
    Document,
    error_mapper,
    oauth_config,
    resource_query,
)
from playlist_interop.types import Isrc, ProviderName, ProviderPlaylistId, ProviderTrackId

__all__ = ["TidalProvider"]

_TRACK_INCLUDE = "artists,albums,albums.coverArt"
_ITEM_INCLUDE = "items,items.artists,items.albums"


@attrs.frozen
class _Item:
    track_id: str
    item_id: str
    type: str


class TidalProvider(HttpAdapter):
    """The ``Provider`` protocol for TIDAL's official API.

    JSON:API documents with ``include=`` for related resources, cursor pagination
    (``page[cursor]``, 20 resources a page), ``filter[isrc]`` and ``filter[id]`` lookups,
    playlist items addressed by their ``itemId`` (TIDAL moves and removes entries, not
    tracks), at most 20 items per write. OAuth 2.1 with PKCE and rotating refresh tokens comes
    from :mod:`playlist_interop.providers.auth` with :func:`oauth_config`.

    Args:
        credentials: An ``OAuthSession`` (refresh on expiry, rotation saved) or ``BearerToken``.
        access_token: Shortcut for ``credentials=BearerToken(access_token)``.
        api_url: Base URL (env ``PLAYLIST_TIDAL_API_URL``).
        country_code: Catalog market; read from the user's profile when not given.
        transport: Injected HTTP transport.
        retry: Retry policy.
        budget: Request budget (TIDAL's limits are per client; none by default).
    """

    name = ProviderName(PROVIDER)
    capabilities = frozenset(Capability)
    max_add_batch = 20
    max_lookup_batch = 20
    default_scopes = DEFAULT_SCOPES
    authorize_params: Mapping[str, str] = MappingProxyType({})
    """Extra authorization-request parameters the sign-in needs (none for TIDAL)."""

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
        """OAuth 2.1 endpoints (PKCE; refresh tokens rotate: save them with a TokenSaver)."""
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
        country_code: str | None = None,
        transport: Transport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        budget: RequestBudget | None = None,
    ) -> None:
        credentials = resolve_credentials(credentials, access_token)
        self.api_url = resolve_base_url(PROVIDER, "api", api_url, API_URL)
        self._country = country_code
        self._user: UserProfile | None = None
        self._http = HttpCore(
            provider=PROVIDER,
            base_url=self.api_url,
            transport=transport,
            credentials=credentials,
            retry=retry,
            budget=budget,
            error_mapper=error_mapper,
            headers={"Accept": JSON_API},
            request_id_headers=("x-tidal-request-id", "x-request-id", "x-amzn-requestid"),
        )

    # -- plumbing --------------------------------------------------------------------------

    async def _doc(self, path: str, params: Mapping[str, str | None] | None = None) -> Document:
        response = await self._http.request("GET", path, params=params)
        return Document.parse(response.json())

    async def _send(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        response = await self._http.request(
            method,
            path,
            json_body=body,
            headers={"Content-Type": JSON_API},
            idempotent=method in ("DELETE", "PATCH"),
        )
        return response.json() if response.content.strip() else None

    async def _country_code(self) -> str:
        if self._country is None:
            user = await self.current_user()
            self._country = user.country or "US"
        return self._country

    async def _pages(self, path: str, params: Mapping[str, str | None]) -> AsyncIterator[Document]:
        cursor: str | None = None
        while True:
            doc = await self._doc(path, {**params, "page[cursor]": cursor})
            yield doc
            if doc.next_cursor is None or doc.next_cursor == cursor:
                return
            cursor = doc.next_cursor

    # -- Provider protocol ----------------------------------------------------------------

    async def current_user(self) -> UserProfile:
        """``GET /users/me``."""
        if self._user is None:
            doc = await self._doc("users/me")
            self._user = map_user(doc.data[0])
        return self._user

    async def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        """``GET /playlists?filter[owners.id]=<me>`` over every cursor page."""
        user = await self.current_user()
        params = {
            "countryCode": await self._country_code(),
            "filter[owners.id]": user.id,
            "include": "coverArt",
        }
        async for doc in self._pages("playlists", params):
            for resource in doc.data:
                yield map_summary(doc, resource)

    async def _iter_items(
        self, playlist_id: ProviderPlaylistId, *, include: bool = True
    ) -> AsyncIterator[tuple[Document, JsonObject]]:
        params = {"countryCode": await self._country_code(), "include": _ITEM_INCLUDE}
        if not include:
            params.pop("include")
        async for doc in self._pages(f"playlists/{playlist_id}/relationships/items", params):
            for ident in doc.data:
                yield doc, ident

    async def iter_playlist_tracks(self, playlist_id: ProviderPlaylistId) -> AsyncIterator[Track]:
        """Every item of a playlist in order, with its ``itemId`` in ``extras``."""
        async for doc, ident in self._iter_items(playlist_id):
            resource = doc.included.get((ident.string("type"), ident.ident()))
            meta = ident.opt_obj("meta")
            if resource is None:  # unavailable in this market: keep the entry, say so
                yield Track(
                    title="",
                    provider_ids={self.name: ProviderTrackId(ident.ident())},
                    extras={PROVIDER: {"unavailable": True, **(dict(meta.data) if meta else {})}},
                )
                continue
            yield map_track(doc, resource, meta)

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        """``GET /playlists/{id}`` then its items."""
        doc = await self._doc(
            f"playlists/{playlist_id}",
            {"countryCode": await self._country_code(), "include": "coverArt,owners"},
        )
        tracks = [t async for t in self.iter_playlist_tracks(playlist_id)]
        return map_playlist(doc, doc.data[0], tracks)

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        """``POST /playlists`` with a JSON:API body."""
        attributes: dict[str, Any] = {
            "name": name,
            "accessType": "PUBLIC" if public else "UNLISTED",
        }
        if description is not None:
            attributes["description"] = description
        body = await self._send(
            "POST",
            f"playlists?countryCode={await self._country_code()}",
            {"data": {"type": "playlists", "attributes": attributes}},
        )
        doc = Document.parse(body)
        summary = map_summary(doc, doc.data[0])
        return summary.ref

    async def _items(self, playlist_id: ProviderPlaylistId) -> list[_Item]:
        return [
            _Item(ident.ident(), _item_id(ident), ident.string("type"))
            async for _, ident in self._iter_items(playlist_id, include=False)
        ]

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        """``POST /playlists/{id}/relationships/items``, 20 per request, ``positionBefore``
        naming the ``itemId`` the tracks go in front of."""
        before: str | None = None
        if position is not None:
            items = await self._items(playlist_id)
            if position < len(items):
                before = items[max(0, position)].item_id
        for batch in chunked(list(track_ids), self.max_add_batch):
            body: dict[str, Any] = {"data": [{"id": t, "type": "tracks"} for t in batch]}
            if before is not None:
                body["meta"] = {"positionBefore": before}
            await self._send("POST", f"playlists/{playlist_id}/relationships/items", body)
        return None

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        """Remove every entry of these tracks (by ``itemId``), 20 per request."""
        wanted = set(track_ids)
        doomed = [i for i in await self._items(playlist_id) if i.track_id in wanted]
        for batch in chunked(doomed, self.max_add_batch):
            await self._send(
                "DELETE",
                f"playlists/{playlist_id}/relationships/items",
                {"data": [_identifier(i) for i in batch]},
            )
        return None

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        """``PATCH /playlists/{id}/relationships/items`` with ``positionBefore``.

        TIDAL can only move entries *before* another one; moving a range to the end is done by
        moving what follows it in front of it.
        """
        items = await self._items(playlist_id)
        end = range_start + range_length
        if not 0 <= range_start < len(items) or range_length < 1 or end > len(items):
            raise ProviderError(
                f"range {range_start}+{range_length} outside a playlist of {len(items)}",
                provider=PROVIDER,
            )
        if range_start <= insert_before <= end:
            return None  # already in place
        if insert_before >= len(items):
            moved, anchor = items[end:], items[range_start]
        else:
            moved, anchor = items[range_start:end], items[insert_before]
        for batch in chunked(moved, self.max_add_batch):
            await self._send(
                "PATCH",
                f"playlists/{playlist_id}/relationships/items",
                {
                    "data": [_identifier(i) for i in batch],
                    "meta": {"positionBefore": anchor.item_id},
                },
            )
        return None

    async def _tracks(self, repeated: dict[str, list[str]]) -> list[Track]:
        country = await self._country_code()
        path = resource_query("tracks", repeated)
        out: list[Track] = []
        async for doc in self._pages(path, {"countryCode": country, "include": _TRACK_INCLUDE}):
            out.extend(map_track(doc, resource) for resource in doc.data)
        return out

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        """``GET /tracks?filter[isrc]=...``: every release of the recording."""
        return await self._tracks({"filter[isrc]": [isrc.replace("-", "").strip().upper()]})

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        """``GET /searchResults/{query}/relationships/tracks`` (first page is enough)."""
        text = query.free_text or " ".join(p for p in (query.artist, query.title, query.album) if p)
        doc = await self._doc(
            f"searchResults/{_segment(text)}/relationships/tracks",
            {
                "countryCode": await self._country_code(),
                "include": "tracks,tracks.artists,tracks.albums",
            },
        )
        found = []
        for ident in doc.data:
            resource = doc.included.get((ident.string("type"), ident.ident()))
            if resource is not None:
                found.append(map_track(doc, resource))
        return found[:limit]

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        """``GET /tracks?filter[id]=...`` 20 ids at a time, in order, ``None`` for unknown ids."""
        by_id: dict[str, Track] = {}
        for batch in chunked(list(dict.fromkeys(track_ids)), self.max_lookup_batch):
            for track in await self._tracks({"filter[id]": list(batch)}):
                by_id[track.provider_ids[self.name]] = track
        return [by_id.get(t) for t in track_ids]


def _item_id(ident: JsonObject) -> str:
    meta = ident.opt_obj("meta")
    if meta is None or not meta.has("itemId"):
        raise ident.error("meta", "an object with itemId")
    return meta.ident("itemId")


def _identifier(item: _Item) -> dict[str, Any]:
    return {"id": item.track_id, "type": item.type, "meta": {"itemId": item.item_id}}


def _segment(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text, safe="")
