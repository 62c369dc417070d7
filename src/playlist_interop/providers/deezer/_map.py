"""Deezer JSON objects to model objects.

Deezer sends three shapes of track: the full object of ``/track/{id}`` (``isrc``,
``contributors``, ``track_position``...), and the short object of search results and playlist
pages (no ISRC, one ``artist``). Durations are whole seconds. Fields the model has no slot for
go to ``extras["deezer"]``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from playlist_interop.model import Album, ArtistCredit, Image, Playlist, ProviderRef, Track
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._protocol import PlaylistSummary, UserProfile
from playlist_interop.providers.deezer._wire import PROVIDER
from playlist_interop.types import DurationMs, Isrc, ProviderName, ProviderPlaylistId

__all__ = ["map_playlist", "map_summary", "map_track", "map_user"]

_NAME = ProviderName(PROVIDER)
_SIZES = (("xl", 1000), ("big", 500), ("medium", 250), ("small", 56))
_ROLES = {"main": "main", "featured": "featured"}
_TRACK_EXTRAS = (
    "title_short",
    "title_version",
    "readable",
    "rank",
    "bpm",
    "gain",
    "preview",
    "md5_image",
    "explicit_content_lyrics",
    "explicit_content_cover",
    "time_add",
)


def _images(obj: JsonObject, prefix: str) -> tuple[Image, ...]:
    images: list[Image] = []
    for size, pixels in _SIZES:
        url = obj.opt_string(f"{prefix}_{size}")
        if url:
            images.append(Image(url, width=pixels, height=pixels))
    return tuple(images)


def _artist(obj: JsonObject, *, default_role: str | None = None) -> ArtistCredit:
    role_raw = obj.opt_string("role")
    role = _ROLES.get(role_raw.lower(), role_raw.lower()) if role_raw else default_role
    return ArtistCredit(obj.string("name"), role=role, provider_ids={_NAME: obj.ident()})


def _album(obj: JsonObject, *, release_date: str | None) -> Album:
    artist = obj.opt_obj("artist")
    return Album(
        title=obj.string("title"),
        artists=(_artist(artist),) if artist is not None else (),
        release_date=obj.opt_string("release_date") or release_date,
        upc=obj.opt_string("upc"),
        provider_ids={_NAME: obj.ident()},
        images=_images(obj, "cover"),
    )


def map_track(obj: JsonObject) -> Track:
    """A Deezer track object (full or short) as a :class:`Track`."""
    contributors = obj.objects("contributors", required=False)
    if contributors:
        artists = tuple(_artist(c) for c in contributors)
    else:
        artist = obj.opt_obj("artist")
        artists = (_artist(artist, default_role="main"),) if artist is not None else ()
    album_obj = obj.opt_obj("album")
    duration = obj.opt_integer("duration")
    explicit = obj.opt_bool("explicit_lyrics")
    extras: dict[str, Any] = {
        key: obj.raw(key) for key in _TRACK_EXTRAS if obj.raw(key) not in (None, "")
    }
    link = obj.opt_string("link")
    return Track(
        title=obj.string("title"),
        artists=artists,
        album=_album(album_obj, release_date=obj.opt_string("release_date"))
        if album_obj is not None
        else None,
        duration_ms=DurationMs(duration * 1000) if duration is not None else None,
        isrc=Isrc(obj.string("isrc")) if obj.has("isrc") and obj.string("isrc") else None,
        track_number=obj.opt_integer("track_position"),
        disc_number=obj.opt_integer("disk_number"),
        explicit=explicit,
        provider_ids={_NAME: obj.ident()},
        locations=(link,) if link else (),
        extras={PROVIDER: extras} if extras else {},
    )


def map_user(obj: JsonObject) -> UserProfile:
    """``/user/me`` as a :class:`UserProfile`."""
    picture = _images(obj, "picture")
    return UserProfile(
        provider=_NAME,
        id=obj.ident(),
        display_name=obj.opt_string("name"),
        email=obj.opt_string("email"),
        country=obj.opt_string("country"),
        image=picture[0] if picture else None,
    )


def _owner(obj: JsonObject) -> str | None:
    creator = obj.opt_obj("creator") or obj.opt_obj("user")
    if creator is None:
        return None
    return creator.opt_string("name") or creator.ident()


def map_summary(obj: JsonObject) -> PlaylistSummary:
    """A playlist of ``/user/me/playlists`` as a :class:`PlaylistSummary`."""
    pictures = _images(obj, "picture")
    return PlaylistSummary(
        ref=ProviderRef(
            provider=_NAME,
            id=ProviderPlaylistId(obj.ident()),
            snapshot=obj.opt_string("checksum"),
            url=obj.opt_string("link"),
        ),
        name=obj.string("title"),
        track_count=obj.opt_integer("nb_tracks"),
        owner=_owner(obj),
        public=obj.opt_bool("public"),
        collaborative=obj.opt_bool("collaborative"),
        description=obj.opt_string("description") or None,
        image=pictures[0] if pictures else None,
    )


def _timestamp(value: int | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _creation_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    # Deezer writes "2024-01-31 12:00:00" without a zone; it is Paris time on the wire,
    # which we cannot know for sure, so the value stays naive rather than guessed.
    return parsed


def map_playlist(obj: JsonObject, tracks: list[Track]) -> Playlist:
    """``/playlist/{id}`` plus its tracks as a :class:`Playlist`."""
    summary = map_summary(obj)
    extras: dict[str, Any] = {}
    for key in ("fans", "is_loved_track", "duration", "md5_image"):
        if obj.raw(key) is not None:
            extras[key] = obj.raw(key)
    return Playlist(
        name=summary.name,
        tracks=tracks,
        description=summary.description,
        owner=summary.owner,
        image=summary.image,
        public=summary.public,
        collaborative=summary.collaborative,
        created_at=_creation_date(obj.opt_string("creation_date")),
        updated_at=_timestamp(obj.opt_integer("time_mod")),
        provider_ref=summary.ref,
        location=summary.ref.url,
        extras={PROVIDER: extras} if extras else {},
    )
