"""A small in-memory implementation of the ``Provider`` protocol for matcher and quota tests.

The main migration tests run against the Spotify loopback emulator; this fake covers what the
emulators do not model (a unit quota with ``cost_of``/``quota_remaining``, a provider that can
only search text, a provider without any hook).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from playlist_interop.errors import CapabilityError, NotFound, QuotaExceeded
from playlist_interop.matching.normalize import fold
from playlist_interop.model import Playlist, ProviderRef, Track
from playlist_interop.providers._protocol import (
    Capability,
    PlaylistSummary,
    TrackQuery,
    UserProfile,
)
from playlist_interop.types import Isrc, ProviderName, ProviderPlaylistId, ProviderTrackId

ALL = frozenset(Capability)


class FakeProvider:
    """Catalogue search and playlists in memory; counts every call by operation."""

    def __init__(
        self,
        catalog: Sequence[Track] = (),
        *,
        name: str = "fake",
        capabilities: frozenset[Capability] = ALL,
        max_add_batch: int = 100,
    ) -> None:
        self.name = ProviderName(name)
        self.capabilities = capabilities
        self.max_add_batch = max_add_batch
        self.catalog = list(catalog)
        self.calls: list[str] = []
        self.playlists: dict[str, list[ProviderTrackId]] = {}
        self.names: dict[str, str] = {}

    def _id(self, track: Track) -> ProviderTrackId:
        return track.provider_ids[self.name]

    async def current_user(self) -> UserProfile:
        self.calls.append("current_user")
        return UserProfile(self.name, "me")

    async def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        self.calls.append("iter_playlists")
        for playlist_id, name in self.names.items():
            ref = ProviderRef(self.name, ProviderPlaylistId(playlist_id))
            yield PlaylistSummary(ref, name, len(self.playlists[playlist_id]))

    async def iter_playlist_tracks(self, playlist_id: ProviderPlaylistId) -> AsyncIterator[Track]:
        self.calls.append("iter_playlist_tracks")
        if playlist_id not in self.playlists:
            raise NotFound("no such playlist", provider=self.name, status=404)
        by_id = {self._id(track): track for track in self.catalog}
        for track_id in list(self.playlists[playlist_id]):
            yield by_id.get(track_id) or Track(track_id, provider_ids={self.name: track_id})

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        tracks = [track async for track in self.iter_playlist_tracks(playlist_id)]
        ref = ProviderRef(self.name, playlist_id)
        return Playlist(name=self.names[playlist_id], tracks=tracks, provider_ref=ref)

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        self.calls.append("create_playlist")
        playlist_id = f"pl{len(self.playlists) + 1}"
        self.playlists[playlist_id] = []
        self.names[playlist_id] = name
        return ProviderRef(self.name, ProviderPlaylistId(playlist_id), snapshot="0")

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        self.calls.append("add_tracks")
        if len(track_ids) > self.max_add_batch:
            raise ValueError("batch too large")
        self.playlists[playlist_id].extend(track_ids)
        return str(len(self.playlists[playlist_id]))

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        raise CapabilityError("not in the fake", provider=self.name)

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        raise CapabilityError("not in the fake", provider=self.name)

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        self.calls.append("search_isrc")
        return [track for track in self.catalog if track.isrc == isrc]

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        self.calls.append("search_text")
        words = set(fold(query.free_text or query.title).split())
        if query.artist and not query.free_text:
            words |= set(fold(query.artist).split())
        ranked = []
        for track in self.catalog:
            text = set(fold(f"{track.title} {track.artist_line}").split())
            overlap = len(words & text)
            if overlap:
                ranked.append((overlap, track))
        ranked.sort(key=lambda item: -item[0])
        return [track for _, track in ranked[:limit]]

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        by_id = {self._id(track): track for track in self.catalog}
        return [by_id.get(track_id) for track_id in track_ids]

    async def aclose(self) -> None:
        return None


class QuotaFakeProvider(FakeProvider):
    """A fake that spends units like YouTube: searches 100, inserts 50; no ISRC search."""

    def __init__(self, catalog: Sequence[Track] = (), *, units: int) -> None:
        super().__init__(catalog, capabilities=ALL - {Capability.SEARCH_ISRC}, max_add_batch=1)
        self.units = units

    def cost_of(self, operation: str) -> int:
        return {"search_text": 100, "add_tracks": 50, "create_playlist": 50}.get(operation, 1)

    def quota_remaining(self) -> int | None:
        return self.units

    def _spend(self, operation: str) -> None:
        cost = self.cost_of(operation)
        if cost > self.units:
            raise QuotaExceeded(
                "quota spent", provider=self.name, needed=cost, remaining=self.units
            )
        self.units -= cost

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        self._spend("search_text")
        return await super().search_text(query, limit=limit)
