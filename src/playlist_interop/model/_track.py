"""The track model: what one entry of a playlist points at."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from playlist_interop.types import DurationMs, Isrc, MusicBrainzId, ProviderName, ProviderTrackId

__all__ = [
    "Album",
    "ArtistCredit",
    "Image",
    "Track",
    "assemble_album",
    "assemble_entry",
    "assemble_track",
    "assemble_tracks",
]


_EMPTY: Mapping[Any, Any] = MappingProxyType({})


def freeze_mapping(value: Mapping[Any, Any] | None) -> Mapping[Any, Any]:
    """The model's normal form of a mapping field: frozen, the shared empty one when empty."""
    # Hot path of every codec: share one empty proxy and never re-copy a frozen mapping.
    if not value:
        return _EMPTY
    if type(value) is MappingProxyType:
        return value
    return MappingProxyType(dict(value))


def _credits(value: Iterable[ArtistCredit]) -> tuple[ArtistCredit, ...]:
    return value if type(value) is tuple else tuple(value)


def _images(value: Iterable[Image]) -> tuple[Image, ...]:
    return value if type(value) is tuple else tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    if type(value) is tuple:
        return value
    return (value,) if isinstance(value, str) else tuple(value)


def normalise_isrc(value: str | None) -> Isrc | None:
    """The model's normal form of an ISRC: upper case without dashes or spaces."""
    if value is None:
        return None
    cleaned = value.replace("-", "").replace(" ", "").strip().upper()
    return Isrc(cleaned) if cleaned else None


@attrs.frozen
class ArtistCredit:
    """One credited artist of a track or album, in credit order."""

    name: str
    """The artist's name as credited."""
    role: str | None = None
    """``"main"``, ``"featured"``, ``"remixer"``, ``"composer"``... or ``None`` when unknown."""
    provider_ids: Mapping[ProviderName, str] = attrs.field(factory=dict, converter=freeze_mapping)
    """Ids of this artist at each provider."""
    musicbrainz_id: MusicBrainzId | None = None
    """MusicBrainz artist id, when known."""
    join_phrase: str | None = None
    """Text that joins this credit to the next one (``" & "``, ``" feat. "``)."""


@attrs.frozen
class Image:
    """A picture (cover art, playlist image) by URL."""

    url: str
    """Where the image is."""
    width: int | None = None
    """Width in pixels, when known."""
    height: int | None = None
    """Height in pixels, when known."""


@attrs.frozen(weakref_slot=False)  # no __weakref__ slot: see _TrackUnderConstruction
class Album:
    """The release a track appears on."""

    title: str
    """Album title."""
    artists: tuple[ArtistCredit, ...] = attrs.field(default=(), converter=_credits)
    """Album artists in credit order."""
    release_date: str | None = None
    """Release date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    upc: str | None = None
    """Barcode of the release, when known."""
    provider_ids: Mapping[ProviderName, str] = attrs.field(factory=dict, converter=freeze_mapping)
    """Ids of this album at each provider."""
    musicbrainz_id: MusicBrainzId | None = None
    """MusicBrainz release id, when known."""
    images: tuple[Image, ...] = attrs.field(default=(), converter=_images)
    """Cover art, largest first when the source says."""


@attrs.frozen(weakref_slot=False)  # no __weakref__ slot: see _TrackUnderConstruction
class Track:
    """A recording as a playlist refers to it.

    Every field but ``title`` is optional, because playlist files often know little.
    Fields a source has but the model does not are kept in ``extras`` so no codec or
    provider loses them.
    """

    title: str
    """The track title as the source spells it."""
    artists: tuple[ArtistCredit, ...] = attrs.field(default=(), converter=_credits)
    """Credited artists in order (never a set)."""
    album: Album | None = None
    """The release, when known."""
    duration_ms: DurationMs | None = None
    """Length in milliseconds."""
    isrc: Isrc | None = attrs.field(default=None, converter=normalise_isrc)
    """ISRC, normalised to upper case without dashes."""
    track_number: int | None = None
    """Position on its disc."""
    disc_number: int | None = None
    """Disc of the release."""
    explicit: bool | None = None
    """Explicit-lyrics flag, when the source says."""
    provider_ids: Mapping[ProviderName, ProviderTrackId] = attrs.field(
        factory=dict, converter=freeze_mapping
    )
    """Ids at each provider: ``{"spotify": "4uLU6hMCjMI75M1A2tKUQC"}``."""
    locations: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    """File paths or URLs, in the source's order of preference."""
    image: Image | None = None
    """Track-level image, when the source has one apart from album art."""
    musicbrainz_recording_id: MusicBrainzId | None = None
    """MusicBrainz recording id, when known."""
    genres: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    """Genres or tags, in source order."""
    extras: Mapping[str, Any] = attrs.field(factory=dict, converter=freeze_mapping)
    """Anything the source carries that the model has no field for, by source-specific key."""

    @property
    def artist_names(self) -> tuple[str, ...]:
        """Names of the credited artists, in order."""
        return tuple(a.name for a in self.artists)

    @property
    def artist_line(self) -> str:
        """The credits joined as they would be displayed (``"A & B feat. C"``)."""
        parts: list[str] = []
        for i, credit in enumerate(self.artists):
            parts.append(credit.name)
            if i < len(self.artists) - 1:
                parts.append(credit.join_phrase if credit.join_phrase is not None else ", ")
        return "".join(parts)


_new = object.__new__


class _TrackUnderConstruction:
    """:class:`Track`'s slots without its frozen ``__setattr__``, for :func:`assemble_track`.

    A frozen attrs class overrides ``__setattr__``, so every write to a ``Track`` goes
    through a descriptor call. An instance of this class has the same layout, so plain
    attribute stores fill it in (CPython turns them into direct slot writes), and
    assigning ``__class__`` then makes it a ``Track``: about half the cost of setting
    fourteen ``Track`` slots one descriptor call at a time. CPython allows that assignment
    only between classes with the same slots; one with a ``__weakref__`` slot never
    qualifies, hence ``Track``'s ``weakref_slot=False``. A layout that drifts apart makes
    the assignment raise ``TypeError`` on the first call; the tests call it.
    """

    __slots__ = tuple(field.name for field in attrs.fields(Track))


class _AlbumUnderConstruction:
    """:class:`Album`'s slots, for :func:`assemble_album` (see :class:`_TrackUnderConstruction`)."""

    __slots__ = tuple(field.name for field in attrs.fields(Album))


def assemble_track(  # noqa: PLR0917 - one parameter per field, in field order
    title: str,
    artists: tuple[ArtistCredit, ...],
    album: Album | None,
    duration_ms: DurationMs | None,
    isrc: Isrc | None,
    track_number: int | None,
    disc_number: int | None,
    explicit: bool | None,
    provider_ids: Mapping[ProviderName, ProviderTrackId],
    locations: tuple[str, ...],
    image: Image | None,
    musicbrainz_recording_id: MusicBrainzId | None,
    genres: tuple[str, ...],
    extras: Mapping[str, Any],
) -> Track:
    """Build a :class:`Track` from values already in the model's normal form.

    For codecs' inner loops only: ``Track(...)`` runs a converter per field and sets each
    slot through ``object.__setattr__``, which costs about as much as parsing a playlist
    line. This sets the slots directly, so every value must already be what the converters
    would make of it: tuples (not lists) for ``artists``, ``locations`` and ``genres``,
    a normalised ISRC or ``None``, and frozen mappings (``MappingProxyType``, or
    :data:`EMPTY_MAPPING`) for ``provider_ids`` and ``extras``. The result is then equal to
    ``Track(...)`` with the same arguments; a test holds the two together for every field.
    """
    track: Any = _new(_TrackUnderConstruction)
    track.title = title
    track.artists = artists
    track.album = album
    track.duration_ms = duration_ms
    track.isrc = isrc
    track.track_number = track_number
    track.disc_number = disc_number
    track.explicit = explicit
    track.provider_ids = provider_ids
    track.locations = locations
    track.image = image
    track.musicbrainz_recording_id = musicbrainz_recording_id
    track.genres = genres
    track.extras = extras
    track.__class__ = Track
    assembled: Track = track
    return assembled


def assemble_entry(
    title: str,
    artists: tuple[ArtistCredit, ...],
    album: Album | None,
    duration_ms: DurationMs | None,
    locations: tuple[str, ...],
    *,
    extras: Mapping[str, Any],
) -> Track:
    """:func:`assemble_track` for a playlist file's entry: these fields and no other.

    The shape most playlist formats read (M3U, PLS, ASX, WPL); :func:`assemble_tracks`
    builds a run of them at once.
    """
    return assemble_track(
        title, artists, album, duration_ms, None, None, None, None, _EMPTY, locations, None,
        None, (), extras,
    )  # fmt: skip


def assemble_tracks(
    titles: Iterable[str],
    artists: Iterable[tuple[ArtistCredit, ...]],
    albums: Iterable[Album | None],
    durations: Iterable[DurationMs | None],
    locations: Iterable[tuple[str, ...]],
    *,
    extras: Mapping[str, Any],
) -> list[Track]:
    """:func:`assemble_entry` for a run of entries, one item of each column per track.

    Each track has the title, artists, album, duration and locations of its items, ``extras``
    (shared), and no other field. One loop instead of a call per track costs about a third
    less; the values must be in normal form, as for :func:`assemble_track`. The columns are
    zipped, so the shortest decides how many tracks there are.
    """
    tracks: list[Track] = []
    append = tracks.append
    new, twin, final, nothing = _new, _TrackUnderConstruction, Track, _EMPTY
    columns = zip(titles, artists, albums, durations, locations, strict=False)  # may repeat()
    for title, credits, album, duration, where in columns:
        track: Any = new(twin)
        track.title = title
        track.artists = credits
        track.album = album
        track.duration_ms = duration
        track.isrc = None
        track.track_number = None
        track.disc_number = None
        track.explicit = None
        track.provider_ids = nothing
        track.locations = where
        track.image = None
        track.musicbrainz_recording_id = None
        track.genres = ()
        track.extras = extras
        track.__class__ = final
        append(track)
    return tracks


def assemble_album(  # noqa: PLR0917 - one parameter per field, in field order
    title: str,
    artists: tuple[ArtistCredit, ...],
    release_date: str | None,
    upc: str | None,
    provider_ids: Mapping[ProviderName, str],
    musicbrainz_id: MusicBrainzId | None,
    images: tuple[Image, ...],
) -> Album:
    """Build an :class:`Album` from values already in the model's normal form.

    :func:`assemble_track` for albums, under the same rules: tuples for ``artists`` and
    ``images``, a frozen mapping for ``provider_ids``; the result equals ``Album(...)``.
    """
    album: Any = _new(_AlbumUnderConstruction)
    album.title = title
    album.artists = artists
    album.release_date = release_date
    album.upc = upc
    album.provider_ids = provider_ids
    album.musicbrainz_id = musicbrainz_id
    album.images = images
    album.__class__ = Album
    assembled: Album = album
    return assembled


EMPTY_MAPPING: Mapping[Any, Any] = _EMPTY
"""The shared empty frozen mapping the model uses for ``provider_ids`` and ``extras``."""
