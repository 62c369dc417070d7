"""Conventions shared by the Winamp-born formats M3U and PLS.

- The display title ``"Artist - Title"`` of ``#EXTINF`` and ``TitleN``.
- Durations in (possibly fractional) seconds, ``-1`` for unknown.
- Cleaning text for a line-based format (no line breaks or control characters).
- Tallying what a write cannot carry into :class:`~playlist_interop.codecs.Loss` records.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from playlist_interop.codecs._base import Loss
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.types import DurationMs

__all__ = [
    "ARTISTS_IN_TITLE",
    "ISRC_LOSS",
    "NO_ALBUM",
    "ROUNDED",
    "LossTally",
    "clean_text",
    "credit_line",
    "display_is_ambiguous",
    "display_parts",
    "format_seconds",
    "join_display",
    "needs_cleaning",
    "parse_seconds",
    "plain_location",
    "plain_shape",
    "split_display",
]

ISRC_LOSS = "no ISRC field"
"""Why an ISRC is lost (the formats have no field for it)."""
ARTISTS_IN_TITLE = "written into the title as 'Artist - Title'"
"""Why artists are lost when readers do not split the title (PLS)."""
NO_ALBUM = "no album field"
"""Why an album is lost (PLS)."""
ROUNDED = "rounded to whole seconds"
"""Why a duration is lost when the format has whole seconds (PLS)."""

_SEPARATOR = " - "
_NUMBER = re.compile(r"[+-]?\d{1,12}(?:\.\d{1,9})?")
_LINE_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")


def plain_shape(track: Track) -> str | None:
    """The location of a track of the shape M3U and PLS writers take on their fast path.

    ``None`` unless the track has exactly one location, at most one artist credit and none
    of the fields these formats cannot carry (what else each writer's fast path checks is
    its own).
    """
    locations = track.locations
    if (
        len(locations) != 1
        or len(track.artists) > 1
        or track.extras
        or track.genres
        or track.image is not None
        or track.track_number is not None
        or track.disc_number is not None
        or track.explicit is not None
        or track.provider_ids
        or track.musicbrainz_recording_id
    ):
        return None
    return locations[0]


def plain_location(track: Track) -> str | None:
    """The stripped location of a track of :func:`plain_shape` with a printable title and
    location; ``None`` for any other track."""
    location = plain_shape(track)
    if location is None or not (track.title.isprintable() and location.isprintable()):
        return None
    return location.strip()


def split_display(display: str) -> tuple[str | None, str]:
    """Split a display title at the first ``" - "`` into (artist, title).

    ``"Weird Al - Gump"`` gives ``("Weird Al", "Gump")``; text without the separator is
    all title. A trailing ``" -"`` (an artist with an empty title, after line stripping)
    counts as the separator. A separator inside brackets does not split
    (``"(#1 - 553/1000) 1.FM"`` is all title).
    """
    if " -" not in display:
        return None, display.strip()
    artist, separator, title = (display + " ").partition(_SEPARATOR)
    artist = artist.strip()
    if not separator or not artist or not _balanced(artist):
        return None, display.strip()
    return artist, title.strip()


def _balanced(text: str) -> bool:
    """False when brackets open in ``text`` close later: ``"(#1 - 2) Radio"`` is one name."""
    if "(" not in text and ")" not in text and "[" not in text and "]" not in text:
        return True
    return text.count("(") == text.count(")") and text.count("[") == text.count("]")


def credit_line(credits: Iterable[ArtistCredit]) -> str:
    """Credits joined for display, like :attr:`Track.artist_line`."""
    items = tuple(credits)
    parts: list[str] = []
    for i, credit in enumerate(items):
        parts.append(credit.name)
        if i < len(items) - 1:
            parts.append(credit.join_phrase if credit.join_phrase is not None else ", ")
    return "".join(parts)


def display_parts(track: Track) -> tuple[str, str]:
    """``(artist line, title)`` of ``track``, each cleaned to one line."""
    artists = track.artists
    artist = artists[0].name if len(artists) == 1 else credit_line(artists)
    return clean_text(artist), clean_text(track.title)


def join_display(artist: str, title: str) -> str:
    """The display title ``"Artist - Title"``, or the title alone when there is no artist."""
    return f"{artist}{_SEPARATOR}{title}" if artist else title


def display_is_ambiguous(artist: str, title: str) -> bool:
    """True when the display title would not split back into the same artist and title."""
    return split_display(join_display(artist, title)) != (artist or None, title)


def parse_seconds(text: str) -> DurationMs | None:
    """Parse a duration in seconds (``"233"``, ``"12.34"``); negative (``-1``) means unknown.

    Raises:
        ValueError: ``text`` is not a number of seconds.
    """
    value = text.strip()
    if value.isascii():
        if value.isdigit() and len(value) <= 12:
            return DurationMs(int(value) * 1000)
        whole, _, fraction = value.partition(".")
        if whole.isdigit() and fraction.isdigit() and len(whole) <= 12 and len(fraction) <= 9:
            return DurationMs(round(float(value) * 1000))  # what the general case gives
    if not _NUMBER.fullmatch(value):
        raise ValueError(f"not a number of seconds: {value!r}")
    if value.startswith("-"):
        return None
    return DurationMs(round(float(value) * 1000))


def format_seconds(duration_ms: DurationMs | None, *, whole: bool = False) -> str:
    """Seconds for ``duration_ms`` (``-1`` when unknown); decimals only when needed.

    With ``whole``, the value is rounded to whole seconds.
    """
    if duration_ms is None:
        return "-1"
    if whole or duration_ms % 1000 == 0:
        return str(round(duration_ms / 1000))
    return f"{duration_ms / 1000:.3f}".rstrip("0")


def clean_text(text: str) -> str:
    """``text`` on one line: line breaks and control characters become single spaces."""
    if text.isprintable():
        return text.strip()
    return _LINE_BREAKS.sub(" ", text).strip()


def needs_cleaning(text: str) -> bool:
    """True when :func:`clean_text` changes ``text`` beyond outer whitespace."""
    return not text.isprintable() and _LINE_BREAKS.search(text) is not None


class LossTally:
    """Counts, track by track, the values a format cannot carry.

    Args:
        extras_prefix: Extras keys with this prefix are the format's own (carried).
        album: ``"none"`` (albums are dropped), ``"title"`` (title and artist names kept).
        image: Whether the track image URL is carried.
        genres: Whether genres are carried.
        whole_seconds: Whether durations are rounded to whole seconds.
        split_title: Whether readers split the display title back into artist and title
            (M3U); otherwise artists end up inside the title (PLS).
    """

    def __init__(
        self,
        *,
        extras_prefix: str,
        album: str = "none",
        image: bool = False,
        genres: bool = False,
        whole_seconds: bool = False,
        split_title: bool = True,
    ) -> None:
        self._split_title = split_title
        self._prefix = extras_prefix
        self._album = album
        self._image = image
        self._genres = genres
        self._whole_seconds = whole_seconds
        self._counts: Counter[str] = Counter()
        self._reasons: dict[str, str] = {}

    def note(self, field: str, reason: str, count: int = 1) -> None:
        """Record ``count`` tracks that lost ``field``."""
        self._counts[field] += count
        self._reasons.setdefault(field, reason)

    def track(self, track: Track, display: tuple[str, str] | None = None) -> None:
        """Tally what ``track`` loses; call once per written track.

        ``display`` is :func:`display_parts` of the track, when the caller has it already.
        """
        note = self.note
        artist, title = display if display is not None else display_parts(track)
        if track.isrc:
            note("isrc", ISRC_LOSS)
        if track.track_number is not None:
            note("track_number", "no track number field")
        if track.disc_number is not None:
            note("disc_number", "no disc number field")
        if track.explicit is not None:
            note("explicit", "no explicit flag")
        if track.provider_ids:
            note("provider_ids", "no provider id field")
        if track.musicbrainz_recording_id:
            note("musicbrainz_recording_id", "no MusicBrainz id field")
        if len(track.locations) > 1:
            note("locations", "only the first location is written")
        if track.locations and needs_cleaning(track.locations[0]):
            note("locations", "line breaks and control characters replaced by spaces")
        if not self._split_title:
            if track.artists:
                note("artists", ARTISTS_IN_TITLE)
        elif len(track.artists) > 1:
            note("artists", "several credits are written as one display name")
        for credit in track.artists:
            self._credit(credit, "artists")
        if self._split_title and display_is_ambiguous(artist, title):
            note("title", "' - ' in the title or artist reads back as 'artist - title'")
        if needs_cleaning(track.title) or any(
            needs_cleaning(c.name) or needs_cleaning(c.join_phrase or "") for c in track.artists
        ):
            note("title", "line breaks and control characters replaced by spaces")
        if track.duration_ms is not None and self._whole_seconds and track.duration_ms % 1000:
            note("duration_ms", ROUNDED)
        if track.album is not None:
            self._album_losses(track.album)
        if track.image is not None:
            if not self._image:
                note("image", "no track image field")
            elif track.image.width is not None or track.image.height is not None:
                note("image.size", "image width and height are not written")
        if track.genres and not self._genres:
            note("genres", "no genre field")
        for key in track.extras:
            if not key.startswith(self._prefix):
                note(f"extras.{key}", "no place for this extra")

    def _credit(self, credit: ArtistCredit, where: str) -> None:
        if credit.role is not None:
            self.note(f"{where}.role", "artist roles are not written")
        if credit.provider_ids:
            self.note(f"{where}.provider_ids", "artist provider ids are not written")
        if credit.musicbrainz_id:
            self.note(f"{where}.musicbrainz_id", "artist MusicBrainz ids are not written")

    def _album_losses(self, album: Album) -> None:
        if self._album == "none":
            self.note("album", NO_ALBUM)
            return
        if len(album.artists) > 1:
            self.note("album.artists", "several album artists are written as one name")
        for credit in album.artists:
            self._credit(credit, "album.artists")
        for name, value in (
            ("release_date", album.release_date),
            ("upc", album.upc),
            ("provider_ids", album.provider_ids),
            ("musicbrainz_id", album.musicbrainz_id),
            ("images", album.images),
        ):
            if value:
                self.note(f"album.{name}", f"no album {name.replace('_', ' ')} field")

    def playlist(self, playlist: Playlist, *, name: bool) -> None:
        """Tally playlist-level fields; ``name`` says whether the format carries the name."""
        fields: dict[str, object] = {
            "description": playlist.description,
            "owner": playlist.owner,
            "image": playlist.image,
            "public": playlist.public,
            "collaborative": playlist.collaborative,
            "created_at": playlist.created_at,
            "updated_at": playlist.updated_at,
            "provider_ref": playlist.provider_ref,
        }
        if not name:
            fields["name"] = playlist.name
        elif playlist.name and needs_cleaning(playlist.name):
            self.note("playlist.name", "line breaks and control characters replaced by spaces", 0)
        for field, value in fields.items():
            if value is not None:
                self.note(f"playlist.{field}", "not representable in the target format", 0)
        for key in playlist.extras:
            if not key.startswith(self._prefix):
                self.note(f"playlist.extras.{key}", "no place for this extra", 0)

    def losses(self) -> tuple[Loss, ...]:
        """The tally as :class:`Loss` records, sorted by field."""
        return tuple(
            Loss(field=field, tracks=self._counts[field], reason=self._reasons[field])
            for field in sorted(self._reasons)
        )
