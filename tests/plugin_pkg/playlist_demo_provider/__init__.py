"""An in-memory provider, as a third-party plugin would ship one.

It offers every capability except reordering, so the conformance kit's skip path is exercised.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any

from playlist_interop.errors import CapabilityError, NotFound
from playlist_interop.model import ArtistCredit, Playlist, ProviderRef, Track
from playlist_interop.providers import Capability, PlaylistSummary, TrackQuery, UserProfile
from playlist_interop.types import Isrc, ProviderName, ProviderPlaylistId, ProviderTrackId

NAME = ProviderName("demo")

NOT_A_PROVIDER = {"name": "demo-invalid"}


class DemoProvider:
    """Playlists and tracks held in dictionaries."""

    name = NAME
    capabilities = frozenset(Capability) - {Capability.REORDER_TRACKS}
    max_add_batch = 7
    page_size = 5

    def __init__(
        self,
        *,
        credentials: Any = None,
        transport: Any = None,
        api_url: str | None = None,
        tracks: Sequence[Track] = (),
        user: str = "demo-user",
    ) -> None:
        self.tracks: dict[str, Track] = {}
        for track in tracks:
            self.tracks[track.provider_ids[NAME]] = track
        self.playlists: dict[str, tuple[str, list[str], str | None]] = {}
        self.user = user
        self.calls = 0
        self._ids = itertools.count(1)

    def seed_track(self, track_id: str, title: str, artist: str, isrc: str | None) -> Track:
        track = Track(
            title=title,
            artists=(ArtistCredit(artist),),
            isrc=Isrc(isrc) if isrc else None,
            provider_ids={NAME: ProviderTrackId(track_id)},
        )
        self.tracks[track_id] = track
        return track

    async def current_user(self) -> UserProfile:
        self.calls += 1
        return UserProfile(provider=NAME, id=self.user, display_name="Demo User")

    async def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        for pid, (name, items, description) in list(self.playlists.items()):
            self.calls += 1
            yield PlaylistSummary(
                ref=ProviderRef(NAME, ProviderPlaylistId(pid)),
                name=name,
                track_count=len(items),
                owner=self.user,
                description=description,
            )

    async def iter_playlist_tracks(self, playlist_id: ProviderPlaylistId) -> AsyncIterator[Track]:
        items = self._items(playlist_id)
        for start in range(0, len(items), self.page_size):
            self.calls += 1
            for tid in items[start : start + self.page_size]:
                yield self.tracks[tid]

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        name, _, description = self._get(playlist_id)
        tracks = [t async for t in self.iter_playlist_tracks(playlist_id)]
        return Playlist(
            name=name,
            description=description,
            tracks=tracks,
            owner=self.user,
            provider_ref=ProviderRef(NAME, playlist_id),
        )

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        self.calls += 1
        pid = f"pl{next(self._ids)}"
        self.playlists[pid] = (name, [], description)
        return ProviderRef(NAME, ProviderPlaylistId(pid))

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        items = self._items(playlist_id)
        for tid in track_ids:
            if tid not in self.tracks:
                raise NotFound(f"no track {tid}", provider=NAME, status=404)
        at = len(items) if position is None else position
        for start in range(0, len(track_ids), self.max_add_batch):
            self.calls += 1
            batch = list(track_ids[start : start + self.max_add_batch])
            items[at:at] = batch
            at += len(batch)
        return None

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        self.calls += 1
        items = self._items(playlist_id)
        drop = set(track_ids)
        items[:] = [t for t in items if t not in drop]
        return None

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        raise CapabilityError("the demo provider cannot reorder", provider=NAME)

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        self.calls += 1
        return [t for t in self.tracks.values() if t.isrc == isrc.upper()]

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        self.calls += 1
        title = query.title.casefold()
        found = [t for t in self.tracks.values() if title in t.title.casefold()]
        if query.artist:
            artist = query.artist.casefold()
            found = [t for t in found if any(artist in a.casefold() for a in t.artist_names)]
        return found[:limit]

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        self.calls += 1
        return [self.tracks.get(t) for t in track_ids]

    async def aclose(self) -> None:
        return None

    def _get(self, playlist_id: str) -> tuple[str, list[str], str | None]:
        try:
            return self.playlists[playlist_id]
        except KeyError:
            raise NotFound(f"no playlist {playlist_id}", provider=NAME, status=404) from None

    def _items(self, playlist_id: str) -> list[str]:
        return self._get(playlist_id)[1]
