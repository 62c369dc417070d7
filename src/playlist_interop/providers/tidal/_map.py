"""TIDAL JSON:API resources to model objects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playlist_interop.model import Album, ArtistCredit, Image, Playlist, ProviderRef, Track
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._protocol import PlaylistSummary, UserProfile
from playlist_interop.providers.tidal._wire import PROVIDER, Document, parse_duration
from playlist_interop.types import DurationMs, Isrc, ProviderName, ProviderPlaylistId

__all__ = ["map_playlist", "map_summary", "map_track", "map_user"]

_NAME = ProviderName(PROVIDER)


def _attributes(resource: JsonObject) -> JsonObject:
    return resource.opt_obj("attributes") or JsonObject({}, PROVIDER, f"{resource.path}.attributes")


def _sharing_url(attrs: JsonObject) -> str | None:
    for link in attrs.objects("externalLinks", required=False):
        href = link.opt_string("href")
        if href:
            return href
    return None


def _images(doc: Document, resource: JsonObject, attrs: JsonObject) -> tuple[Image, ...]:
    files: list[JsonObject] = []
    for artwork in doc.related(resource, "coverArt"):
        files.extend(_attributes(artwork).objects("files", required=False))
    if not files:  # older documents carried imageLinks in the attributes
        files = attrs.objects("imageLinks", required=False)
    images = []
    for file in files:
        meta = file.opt_obj("meta")
        images.append(
            Image(
                file.string("href"),
                width=meta.opt_integer("width") if meta else None,
                height=meta.opt_integer("height") if meta else None,
            )
        )
    return tuple(sorted(images, key=lambda i: -(i.width or 0)))


def _artist(resource: JsonObject, role: str | None) -> ArtistCredit:
    attrs = _attributes(resource)
    return ArtistCredit(attrs.string("name"), role=role, provider_ids={_NAME: resource.ident()})


def _album(doc: Document, resource: JsonObject) -> Album:
    attrs = _attributes(resource)
    return Album(
        title=attrs.string("title"),
        artists=tuple(
            _artist(a, "main" if i == 0 else None)
            for i, a in enumerate(doc.related(resource, "artists"))
        ),
        release_date=attrs.opt_string("releaseDate"),
        upc=attrs.opt_string("barcodeId"),
        provider_ids={_NAME: resource.ident()},
        images=_images(doc, resource, attrs),
    )


def map_track(doc: Document, resource: JsonObject, meta: JsonObject | None = None) -> Track:
    """A ``tracks`` resource (with its included artists and album) as a :class:`Track`.

    TIDAL keeps the version apart (``title`` "Song", ``version`` "Live"); the model title joins
    them as the apps display it ("Song (Live)").
    """
    attrs = _attributes(resource)
    title = attrs.string("title")
    version = attrs.opt_string("version")
    if version and version.casefold() not in title.casefold():
        title = f"{title} ({version})"
    duration = parse_duration(attrs.opt_string("duration"))
    albums = doc.related(resource, "albums")
    extras: dict[str, Any] = {}
    for key in ("version", "popularity", "mediaTags", "availability", "accessType", "bpm", "key"):
        if attrs.raw(key) not in (None, "", []):
            extras[key] = attrs.raw(key)
    if meta is not None:
        for key in ("itemId", "addedAt"):
            if meta.raw(key) is not None:
                extras[key] = meta.raw(key)
    copyright_raw = attrs.raw("copyright")
    if isinstance(copyright_raw, dict):
        copyright_raw = copyright_raw.get("text")
    if isinstance(copyright_raw, str):
        extras["copyright"] = copyright_raw
    url = _sharing_url(attrs)
    return Track(
        title=title,
        artists=tuple(
            _artist(a, "main" if i == 0 else None)
            for i, a in enumerate(doc.related(resource, "artists"))
        ),
        album=_album(doc, albums[0]) if albums else None,
        duration_ms=DurationMs(duration) if duration is not None else None,
        isrc=Isrc(attrs.string("isrc")) if attrs.opt_string("isrc") else None,
        explicit=attrs.opt_bool("explicit"),
        track_number=meta.opt_integer("trackNumber") if meta is not None else None,
        disc_number=meta.opt_integer("volumeNumber") if meta is not None else None,
        provider_ids={_NAME: resource.ident()},
        locations=(url,) if url else (),
        extras={PROVIDER: extras} if extras else {},
    )


def map_user(resource: JsonObject) -> UserProfile:
    """``/users/me`` as a :class:`UserProfile`."""
    attrs = _attributes(resource)
    return UserProfile(
        provider=_NAME,
        id=resource.ident(),
        display_name=attrs.opt_string("username") or attrs.opt_string("firstName"),
        email=attrs.opt_string("email"),
        country=attrs.opt_string("country"),
    )


def map_summary(doc: Document, resource: JsonObject) -> PlaylistSummary:
    """A ``playlists`` resource as a :class:`PlaylistSummary`."""
    attrs = _attributes(resource)
    access = attrs.opt_string("accessType")
    owners = doc.related(resource, "owners")
    images = _images(doc, resource, attrs)
    return PlaylistSummary(
        ref=ProviderRef(
            provider=_NAME,
            id=ProviderPlaylistId(resource.ident()),
            snapshot=attrs.opt_string("lastModifiedAt"),
            url=_sharing_url(attrs),
        ),
        name=attrs.string("name"),
        track_count=attrs.opt_integer("numberOfItems"),
        owner=owners[0].ident() if owners else None,
        public=None if access is None else access == "PUBLIC",
        collaborative=None,
        description=attrs.opt_string("description") or None,
        image=images[0] if images else None,
    )


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def map_playlist(doc: Document, resource: JsonObject, tracks: list[Track]) -> Playlist:
    """A ``playlists`` resource plus its tracks as a :class:`Playlist`."""
    summary = map_summary(doc, resource)
    attrs = _attributes(resource)
    extras = {
        key: attrs.raw(key)
        for key in ("playlistType", "accessType", "bounded", "duration")
        if attrs.raw(key) is not None
    }
    return Playlist(
        name=summary.name,
        tracks=tracks,
        description=summary.description,
        owner=summary.owner,
        image=summary.image,
        public=summary.public,
        created_at=_time(attrs.opt_string("createdAt")),
        updated_at=_time(attrs.opt_string("lastModifiedAt")),
        provider_ref=summary.ref,
        location=summary.ref.url,
        extras={PROVIDER: extras} if extras else {},
    )
