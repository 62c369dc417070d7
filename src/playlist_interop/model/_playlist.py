"""The playlist model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from playlist_interop.model._track import Image, Track, freeze_mapping
from playlist_interop.types import ProviderName, ProviderPlaylistId

__all__ = ["Playlist", "ProviderRef"]


def _tracks(value: Iterable[Track]) -> tuple[Track, ...]:
    return value if type(value) is tuple else tuple(value)


@attrs.frozen
class ProviderRef:
    """Where a playlist lives at a music service."""

    provider: ProviderName
    """Registered provider name."""
    id: ProviderPlaylistId
    """The playlist's id at that provider."""
    snapshot: str | None = None
    """Version marker of the playlist (Spotify's ``snapshot_id``, an ETag...)."""
    url: str | None = None
    """Web address of the playlist, when known."""


@attrs.frozen
class Playlist:
    """An ordered list of tracks with its metadata. Duplicates are allowed."""

    name: str | None = None
    """Title of the playlist."""
    tracks: tuple[Track, ...] = attrs.field(default=(), converter=_tracks)
    """Entries in order."""
    description: str | None = None
    """Free-text description or annotation."""
    owner: str | None = None
    """Display name or id of the owner/creator."""
    image: Image | None = None
    """Cover image."""
    public: bool | None = None
    """Whether others can find it; ``None`` when the source does not say."""
    collaborative: bool | None = None
    """Whether others can edit it."""
    created_at: dt.datetime | None = None
    """Creation time, timezone-aware where the source says the zone."""
    updated_at: dt.datetime | None = None
    """Last modification time."""
    provider_ref: ProviderRef | None = None
    """Where the playlist lives at a provider, if it came from one."""
    location: str | None = None
    """Where the playlist itself can be found (a file path or URL)."""
    extras: Mapping[str, Any] = attrs.field(factory=dict, converter=freeze_mapping)
    """Anything the source carries that the model has no field for."""

    def __len__(self) -> int:
        return len(self.tracks)
