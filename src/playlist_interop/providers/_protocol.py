"""The ``Provider`` protocol every music-service adapter implements."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from playlist_interop.model import Image, Playlist, ProviderRef, Track
from playlist_interop.types import (
    DurationMs,
    Isrc,
    ProviderName,
    ProviderPlaylistId,
    ProviderTrackId,
)

if TYPE_CHECKING:
    from playlist_interop.providers._oauth import OAuthConfig

__all__ = [
    "Capability",
    "OAuthProviderFactory",
    "PlaylistSummary",
    "Provider",
    "ProviderFactory",
    "TrackQuery",
    "UserProfile",
]


class Capability(enum.StrEnum):
    """An operation a provider may offer."""

    CURRENT_USER = "current_user"
    LIST_PLAYLISTS = "list_playlists"
    GET_PLAYLIST = "get_playlist"
    CREATE_PLAYLIST = "create_playlist"
    ADD_TRACKS = "add_tracks"
    REMOVE_TRACKS = "remove_tracks"
    REORDER_TRACKS = "reorder_tracks"
    SEARCH_ISRC = "search_isrc"
    SEARCH_TEXT = "search_text"
    GET_TRACKS = "get_tracks"


@attrs.frozen
class UserProfile:
    """The account a provider session belongs to."""

    provider: ProviderName
    """Provider name."""
    id: str
    """The user's id at the provider."""
    display_name: str | None = None
    """Name to show."""
    email: str | None = None
    """E-mail address, when the scopes allow it."""
    country: str | None = None
    """ISO 3166-1 alpha-2 market of the account, when known."""
    image: Image | None = None
    """Avatar."""


@attrs.frozen
class PlaylistSummary:
    """A playlist as listings show it, without its tracks."""

    ref: ProviderRef
    """Where it lives."""
    name: str
    """Title."""
    track_count: int | None = None
    """Number of entries, when the listing says."""
    owner: str | None = None
    """Owner's display name or id."""
    public: bool | None = None
    """Visibility."""
    collaborative: bool | None = None
    """Whether others can edit."""
    description: str | None = None
    """Description."""
    image: Image | None = None
    """Cover image."""


@attrs.frozen
class TrackQuery:
    """What a text search looks for; each adapter turns it into its own query syntax."""

    title: str
    """Track title (required)."""
    artist: str | None = None
    """Main artist name."""
    album: str | None = None
    """Album title."""
    duration_ms: DurationMs | None = None
    """Expected length; adapters may use it to filter."""
    isrc: Isrc | None = None
    """Known ISRC, for adapters that can combine it with text."""
    free_text: str | None = None
    """A verbatim query that replaces the fielded one when set."""


@runtime_checkable
class Provider(Protocol):
    """An async adapter to one music service for one signed-in user.

    Methods for capabilities the provider lacks raise
    :class:`~playlist_interop.errors.CapabilityError`.
    Adapters own an HTTP client; close them with :meth:`aclose` or ``async with``.
    """

    name: ProviderName
    """Registered name (``"spotify"``)."""
    capabilities: frozenset[Capability]
    """What this adapter can do."""
    max_add_batch: int
    """Most track ids one add request may carry (Spotify 100, YouTube 1)."""

    async def current_user(self) -> UserProfile:
        """Return the signed-in user's profile."""
        ...

    def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        """Yield every playlist of the user, fetching all pages lazily."""
        ...

    def iter_playlist_tracks(self, playlist_id: ProviderPlaylistId) -> AsyncIterator[Track]:
        """Yield every entry of a playlist in order, fetching pages lazily."""
        ...

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        """Return a playlist with all its tracks."""
        ...

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        """Create an empty playlist owned by the user."""
        ...

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        """Add tracks in order (batched to ``max_add_batch``); return the new snapshot, if any."""
        ...

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        """Remove every occurrence of the given tracks; return the new snapshot, if any."""
        ...

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        """Move ``range_length`` entries from ``range_start`` to before ``insert_before``."""
        ...

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        """Return tracks carrying this ISRC (possibly several releases)."""
        ...

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        """Return up to ``limit`` candidates for a fielded text query, best first."""
        ...

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        """Look tracks up by id, in order; ``None`` where an id is unknown."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


@runtime_checkable
class ProviderFactory(Protocol):
    """A provider class as the plugin registry hands it out (the adapter class itself).

    Conventions every adapter follows so the CLI, the service and the conformance kit can
    build any provider the same way: keyword-only constructor arguments ``credentials``
    (the HTTP core's ``Credentials``, such as an ``OAuthSession``), ``transport`` (an injected
    ``httpx`` transport), ``api_url`` (overrides ``PLAYLIST_<NAME>_API_URL`` and the default),
    plus provider-specific extras.
    """

    name: ProviderName
    """Registered name."""
    capabilities: frozenset[Capability]
    """What the adapter can do."""
    max_add_batch: int
    """Most track ids one add request carries."""

    def __call__(self, *args: Any, **kwargs: Any) -> Provider:
        """Build an adapter."""
        ...


@runtime_checkable
class OAuthProviderFactory(ProviderFactory, Protocol):
    """A provider class that signs users in with the OAuth2 authorization code flow + PKCE."""

    def oauth_config(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        client_secret: str | None = None,
        auth_url: str | None = None,
    ) -> OAuthConfig:
        """Endpoints and default scopes for signing in (``auth_url`` overrides
        ``PLAYLIST_<NAME>_AUTH_URL`` and the default)."""
        ...
