"""Spotify Web API payloads as attrs classes, read with one strict cattrs converter.

Shapes follow the real responses recorded in the shared fixtures (spotDL cassettes, harmony
and spotify_to_ytmusic JSON) and the February 2026 changes: playlist item wrappers carry the
content under ``item`` (``track`` before), playlists carry their items/summary under ``items``
(``tracks`` before). Both spellings are read. Every field the adapter does not need is
ignored; every field it reads may be ``null`` where Spotify sends ``null`` (local files have
``null`` ids, albums and artists without ids, removed content is a ``null`` item).

:func:`structure` turns a decoded body into a wire class or raises ``ProviderError`` naming
the JSON path of the problem, so a malformed body never surfaces as ``KeyError``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import BaseValidationError, IterableValidationError, IterableValidationNote

from playlist_interop.errors import ProviderError

__all__ = [
    "Album",
    "Artist",
    "Episode",
    "ErrorBody",
    "ExternalIds",
    "FullPlaylist",
    "Image",
    "Paging",
    "PlaylistItem",
    "Restrictions",
    "SearchResponse",
    "SeveralTracks",
    "Show",
    "SimplifiedPlaylist",
    "SnapshotResponse",
    "Track",
    "TracksRef",
    "User",
    "structure",
    "structure_content",
]

PROVIDER = "spotify"
T = TypeVar("T")


@attrs.frozen
class Image:
    """An image object."""

    url: str
    height: int | None = None
    width: int | None = None


@attrs.frozen
class ExternalIds:
    """``external_ids`` of a track or album."""

    isrc: str | None = None
    ean: str | None = None
    upc: str | None = None


@attrs.frozen
class Artist:
    """A simplified artist (local files: ``id``/``uri`` are null)."""

    name: str | None = None
    id: str | None = None
    uri: str | None = None


@attrs.frozen
class Album:
    """A simplified album."""

    name: str | None = None
    id: str | None = None
    uri: str | None = None
    album_type: str | None = None
    artists: list[Artist] = attrs.Factory(list)
    images: list[Image] = attrs.Factory(list)
    release_date: str | None = None
    release_date_precision: str | None = None
    total_tracks: int | None = None
    external_ids: ExternalIds | None = None


@attrs.frozen
class Restrictions:
    """Why content is not playable (``market``, ``product``, ``explicit``)."""

    reason: str | None = None


@attrs.frozen
class LinkedFrom:
    """The originally requested track when Spotify relinked it for the market."""

    id: str | None = None
    uri: str | None = None


@attrs.frozen
class Track:
    """A full track object (or a local file, ``is_local`` true and ``id`` null)."""

    name: str | None = None
    id: str | None = None
    uri: str | None = None
    type: str = "track"
    artists: list[Artist] = attrs.Factory(list)
    album: Album | None = None
    duration_ms: int | None = None
    explicit: bool | None = None
    external_ids: ExternalIds | None = None
    external_urls: dict[str, str] | None = None
    disc_number: int | None = None
    track_number: int | None = None
    is_local: bool = False
    is_playable: bool | None = None
    restrictions: Restrictions | None = None
    linked_from: LinkedFrom | None = None


@attrs.frozen
class Show:
    """The show an episode belongs to."""

    name: str | None = None
    id: str | None = None
    publisher: str | None = None


@attrs.frozen
class Episode:
    """A podcast episode object."""

    name: str | None = None
    id: str | None = None
    uri: str | None = None
    type: str = "episode"
    duration_ms: int | None = None
    explicit: bool | None = None
    release_date: str | None = None
    images: list[Image] = attrs.Factory(list)
    external_urls: dict[str, str] | None = None
    show: Show | None = None


@attrs.frozen
class PlaylistItem:
    """A playlist item wrapper; the content is under ``item`` (2026) or ``track`` (before)."""

    added_at: str | None = None
    is_local: bool = False
    item: dict[str, Any] | None = None
    track: dict[str, Any] | None = None

    @property
    def content(self) -> dict[str, Any] | None:
        """The raw track/episode object, whichever key carried it."""
        return self.item if self.item is not None else self.track


@attrs.frozen
class Paging:
    """A paging object; ``items`` are structured by the caller for their type."""

    items: list[Any] = attrs.Factory(list)
    next: str | None = None
    total: int | None = None
    offset: int | None = None
    limit: int | None = None
    href: str | None = None


@attrs.frozen
class TracksRef:
    """``{"href", "total"}`` summary of a simplified playlist's entries."""

    total: int | None = None
    href: str | None = None


@attrs.frozen
class User:
    """A user object (``/me``, playlist owners)."""

    id: str
    display_name: str | None = None
    email: str | None = None
    country: str | None = None
    images: list[Image] | None = None
    uri: str | None = None


@attrs.frozen
class SimplifiedPlaylist:
    """A playlist as ``/me/playlists`` lists it."""

    id: str
    name: str | None = None
    description: str | None = None
    owner: User | None = None
    public: bool | None = None
    collaborative: bool | None = None
    snapshot_id: str | None = None
    images: list[Image] | None = None
    external_urls: dict[str, str] | None = None
    items: TracksRef | None = None
    tracks: TracksRef | None = None

    @property
    def total(self) -> int | None:
        """Number of entries, from whichever key carried the summary."""
        ref = self.items if self.items is not None else self.tracks
        return ref.total if ref is not None else None


@attrs.frozen
class FullPlaylist:
    """``GET /playlists/{id}``: metadata plus the first page of entries."""

    id: str
    name: str | None = None
    description: str | None = None
    owner: User | None = None
    public: bool | None = None
    collaborative: bool | None = None
    snapshot_id: str | None = None
    images: list[Image] | None = None
    external_urls: dict[str, str] | None = None
    followers: dict[str, Any] | None = None
    items: Paging | None = None
    tracks: Paging | None = None

    @property
    def page(self) -> Paging | None:
        """The embedded first page of entries."""
        return self.items if self.items is not None else self.tracks


@attrs.frozen
class SnapshotResponse:
    """Answer of add/remove/reorder."""

    snapshot_id: str | None = None


@attrs.frozen
class SearchResponse:
    """``GET /search?type=track``."""

    tracks: Paging | None = None


@attrs.frozen
class SeveralTracks:
    """``GET /tracks?ids=``: one entry per id, ``null`` for unknown ids."""

    tracks: list[Track | None]


@attrs.frozen
class ErrorDetail:
    """The ``error`` member of a Web API error body."""

    status: int | None = None
    message: str | None = None


@attrs.frozen
class ErrorBody:
    """``{"error": {"status", "message"}}`` (Web API) or RFC 6749 (accounts service)."""

    error: ErrorDetail | str | None = None
    error_description: str | None = None


def _strict(kind: Any, name: str) -> Any:
    def hook(value: object, _: object) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value

    return hook


def _is_attrs(cls: Any) -> bool:
    return isinstance(cls, type) and attrs.has(cls)


def _is_list(cls: Any) -> bool:
    return getattr(cls, "__origin__", None) is list


def _make_converter() -> cattrs.Converter:
    """A converter that checks JSON types instead of coercing them (``5`` is no title)."""
    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(bool, _strict(bool, "a boolean"))
    converter.register_structure_hook(float, _strict(float | int, "a number"))

    def attrs_factory(cls: type) -> Any:
        inner: Any = converter.gen_structure_attrs_fromdict(cls)

        def hook(value: object, target: type) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"expected an object, got {type(value).__name__}")
            return inner(value, target)

        return hook

    def list_factory(cls: Any) -> Any:
        (item_type,) = cls.__args__

        def hook(value: object, _: object) -> Any:
            if not isinstance(value, list):
                raise TypeError(f"expected an array, got {type(value).__name__}")
            result: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    result.append(converter.structure(item, item_type))
                except Exception as exc:  # noqa: BLE001 - collected into the group below
                    note = IterableValidationNote(f"@ index {index}", index, item_type)
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("while reading an array", errors, cls)
            return result

        return hook

    converter.register_structure_hook_factory(_is_attrs, attrs_factory)
    converter.register_structure_hook_factory(_is_list, list_factory)

    def error_detail_or_text(value: object, _: object) -> ErrorDetail | str | None:
        if value is None or isinstance(value, str):
            return value
        return converter.structure(value, ErrorDetail)

    converter.register_structure_hook(ErrorDetail | str | None, error_detail_or_text)
    return converter


_CONVERTER = _make_converter()


def structure(data: Any, cls: type[T], *, what: str) -> T:
    """Read ``data`` as ``cls``; a body of the wrong shape raises ``ProviderError``."""
    if not isinstance(data, dict):
        raise ProviderError(
            f"{what}: expected a JSON object, got {type(data).__name__}", provider=PROVIDER
        )
    try:
        return _CONVERTER.structure(data, cls)
    except BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path=what)[:3])
        raise ProviderError(f"unexpected payload shape: {problems}", provider=PROVIDER) from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ProviderError(
            f"unexpected payload shape in {what}: {exc}", provider=PROVIDER
        ) from None


def structure_content(data: dict[str, Any], *, what: str) -> Track | Episode:
    """Read a playlist item's content as a :class:`Track` or an :class:`Episode`."""
    if data.get("type") == "episode":
        return structure(data, Episode, what=what)
    return structure(data, Track, what=what)
