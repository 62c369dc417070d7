"""Spotify wire objects -> library models.

Choices:

- A track's ``provider_ids["spotify"]`` is its bare id; its ``locations`` hold its
  ``open.spotify.com`` URL.
- Local files have no id: they keep their ``spotify:local:...`` URI in ``extras`` and in
  ``locations``, and ``extras["spotify_local"]`` is ``True``.
- Episodes become tracks whose artist is the show's publisher and album the show; they carry
  no ``provider_ids`` (a track id would be wrong) but ``extras["spotify_uri"]`` keeps the
  ``spotify:episode:...`` URI, which :meth:`SpotifyProvider.add_tracks` accepts.
- Content Spotify marks unplayable in the market keeps ``extras["spotify_playable"] = False``
  and the restriction reason; relinked tracks keep the requested id in
  ``extras["spotify_linked_from"]``.
- Playlist descriptions are HTML-unescaped (Spotify sends ``&amp;``, ``&#x27;``).
"""

from __future__ import annotations

import html
from typing import Any

from playlist_interop.model import Album, ArtistCredit, Image, Playlist, ProviderRef, Track
from playlist_interop.providers._protocol import PlaylistSummary, UserProfile
from playlist_interop.providers.spotify import _wire as w
from playlist_interop.types import DurationMs, ProviderName, ProviderPlaylistId, ProviderTrackId

__all__ = [
    "NAME",
    "content_to_track",
    "episode_to_track",
    "image",
    "playlist_from_wire",
    "summary_from_wire",
    "track_from_wire",
    "user_from_wire",
]

NAME = ProviderName("spotify")
_OPEN = "https://open.spotify.com"


def image(images: list[w.Image] | None) -> Image | None:
    """The first (largest) image."""
    if not images:
        return None
    first = images[0]
    return Image(url=first.url, width=first.width, height=first.height)


def _credits(artists: list[w.Artist]) -> tuple[ArtistCredit, ...]:
    result = []
    for artist in artists:
        if not artist.name:
            continue
        ids = {NAME: artist.id} if artist.id else {}
        result.append(ArtistCredit(name=artist.name, provider_ids=ids))
    return tuple(result)


def _album(album: w.Album | None) -> Album | None:
    if album is None or not album.name:
        return None
    upc = album.external_ids.upc if album.external_ids else None
    return Album(
        title=album.name,
        artists=_credits(album.artists),
        release_date=album.release_date or None,
        upc=upc,
        provider_ids={NAME: album.id} if album.id else {},
        images=tuple(Image(url=i.url, width=i.width, height=i.height) for i in album.images),
    )


def track_from_wire(track: w.Track, *, added_at: str | None = None) -> Track:
    """A track object (or local file) as a :class:`Track`."""
    extras: dict[str, Any] = {}
    if added_at:
        extras["spotify_added_at"] = added_at
    if track.is_playable is False:
        extras["spotify_playable"] = False
    if track.restrictions is not None and track.restrictions.reason:
        extras["spotify_restriction"] = track.restrictions.reason
    if track.linked_from is not None and track.linked_from.id:
        extras["spotify_linked_from"] = track.linked_from.id
    locations: list[str] = []
    provider_ids: dict[ProviderName, ProviderTrackId] = {}
    if track.is_local or not track.id:
        extras["spotify_local"] = bool(track.is_local)
        if track.uri:
            extras["spotify_uri"] = track.uri
            locations.append(track.uri)
    else:
        provider_ids[NAME] = ProviderTrackId(track.id)
        url = (track.external_urls or {}).get("spotify") or f"{_OPEN}/track/{track.id}"
        locations.append(url)
    return Track(
        title=track.name or "",
        artists=_credits(track.artists),
        album=_album(track.album),
        duration_ms=DurationMs(track.duration_ms) if track.duration_ms else None,
        isrc=track.external_ids.isrc if track.external_ids else None,
        track_number=track.track_number or None,
        disc_number=track.disc_number or None,
        explicit=track.explicit,
        provider_ids=provider_ids,
        locations=locations,
        extras=extras,
    )


def episode_to_track(episode: w.Episode, *, added_at: str | None = None) -> Track:
    """A podcast episode as a :class:`Track` (see the module notes)."""
    show = episode.show
    artist = (show.publisher or show.name) if show else None
    extras: dict[str, Any] = {"spotify_type": "episode"}
    if episode.uri:
        extras["spotify_uri"] = episode.uri
    if added_at:
        extras["spotify_added_at"] = added_at
    url = (episode.external_urls or {}).get("spotify")
    return Track(
        title=episode.name or "",
        artists=(ArtistCredit(artist),) if artist else (),
        album=Album(title=show.name) if show and show.name else None,
        duration_ms=DurationMs(episode.duration_ms) if episode.duration_ms else None,
        explicit=episode.explicit,
        locations=(url,) if url else (),
        image=image(episode.images),
        extras=extras,
    )


def content_to_track(content: w.Track | w.Episode, *, added_at: str | None = None) -> Track:
    """Either kind of playlist content as a :class:`Track`."""
    if isinstance(content, w.Episode):
        return episode_to_track(content, added_at=added_at)
    return track_from_wire(content, added_at=added_at)


def _owner(owner: w.User | None) -> str | None:
    if owner is None:
        return None
    return owner.display_name or owner.id


def _description(text: str | None) -> str | None:
    return html.unescape(text) if text else None


def summary_from_wire(playlist: w.SimplifiedPlaylist) -> PlaylistSummary:
    """A listed playlist as a :class:`PlaylistSummary`."""
    url = (playlist.external_urls or {}).get("spotify")
    return PlaylistSummary(
        ref=ProviderRef(NAME, ProviderPlaylistId(playlist.id), playlist.snapshot_id, url),
        name=playlist.name or "",
        track_count=playlist.total,
        owner=_owner(playlist.owner),
        public=playlist.public,
        collaborative=playlist.collaborative,
        description=_description(playlist.description),
        image=image(playlist.images),
    )


def playlist_from_wire(
    playlist: w.FullPlaylist, tracks: list[Track], *, skipped: int = 0
) -> Playlist:
    """A full playlist with its entries as a :class:`Playlist`."""
    url = (playlist.external_urls or {}).get("spotify")
    extras: dict[str, Any] = {}
    followers = (playlist.followers or {}).get("total")
    if isinstance(followers, int):
        extras["spotify_followers"] = followers
    if skipped:
        extras["spotify_skipped_items"] = skipped
    return Playlist(
        name=playlist.name,
        tracks=tracks,
        description=_description(playlist.description),
        owner=_owner(playlist.owner),
        image=image(playlist.images),
        public=playlist.public,
        collaborative=playlist.collaborative,
        provider_ref=ProviderRef(NAME, ProviderPlaylistId(playlist.id), playlist.snapshot_id, url),
        location=url,
        extras=extras,
    )


def user_from_wire(user: w.User) -> UserProfile:
    """``/me`` as a :class:`UserProfile`."""
    return UserProfile(
        provider=NAME,
        id=user.id,
        display_name=user.display_name,
        email=user.email,
        country=user.country,
        image=image(user.images),
    )
