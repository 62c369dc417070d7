"""M3U and M3U8: plain path lists and the extended ``#EXTM3U`` directives."""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice, repeat
from operator import attrgetter, itemgetter, mul
from types import MappingProxyType
from typing import Any, BinaryIO

from playlist_interop.codecs._base import (
    BuiltOnLookup,
    FormatWarning,
    Loss,
    Source,
    WarningHandler,
    WriteResult,
    emit_warning,
    gc_paused,
    open_source,
    plain_album,
    sole_credit,
    write_in_memory,
)
from playlist_interop.codecs._text import (
    find_control,
    head_text,
    iter_line_batches,
)
from playlist_interop.codecs._winamp import (
    ISRC_LOSS,
    LossTally,
    clean_text,
    credit_line,
    display_parts,
    format_seconds,
    join_display,
    parse_seconds,
    plain_shape,
    split_display,
)
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, Image, Playlist, Track
from playlist_interop.model._track import EMPTY_MAPPING, assemble_entry, assemble_tracks
from playlist_interop.types import DurationMs

__all__ = ["M3U", "M3UCodec"]

ATTRIBUTES = "m3u.attributes"
BEFORE = "m3u.before"
AFTER = "m3u.after"
GROUP = "m3u.group"
ALBUM_ARTIST = "m3u.album_artist"
PREAMBLE = "m3u.preamble"
TRAILER = "m3u.trailer"

_NAME = "m3u"
_DIRECTIVE = re.compile(r"#([A-Za-z][A-Za-z0-9_-]*)")
_ATTRIBUTE = re.compile(r'([^\s=,"]+)=(?:"([^"]*)"|([^\s,"]*))')
_SPACE = re.compile(r"\s*")
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{2,5}$")
_FLUSH_LINES = 2048
_RUN = 512  # plain tracks the writer reads at a time
_UNPRINTABLE_ASCII = bytes([*range(0x0A), *range(0x0B, 0x20), 0x7F])  # all but LF
_ISRC = attrgetter("isrc")
_CACHE_SIZE = 16384  # distinct artists/albums/durations kept per read: memory stays bounded
_EXACT_MS = 10**15  # below this, integer arithmetic gives format_seconds's text
_MILLISECONDS = ["", *(f".{ms:03d}".rstrip("0") for ms in range(1, 1000))]
_FIRST_WINDOW = 8  # entries in the first window of a run
_MAX_WINDOW = 512
_MAX_BACKOFF = 64
_SECONDS = r"#EXTINF:-?[0-9]{1,12}(?:\.[0-9]{1,9})?"
_HEADS = re.compile(f"{_SECONDS}(?:,{_SECONDS})*")  # "#EXTINF:<seconds>" joined by ","
_LONG_FRACTION = re.compile(r"\.[0-9]{10}")  # more decimals than parse_seconds reads


class _Unknown(enum.Enum):
    UNKNOWN = enum.auto()


_UNKNOWN = _Unknown.UNKNOWN
_KNOWN = frozenset(
    {"EXTM3U", "EXTINF", "PLAYLIST", "EXTALB", "EXTART", "EXTGENRE", "EXTIMG", "EXTGRP"}
)


def _parse_attributes(text: str, pos: int) -> tuple[dict[str, str], int, bool]:
    """Read ``key="value"`` pairs from ``pos`` up to a comma or the end.

    Returns the attributes, the position of the comma (or ``len(text)``) and whether
    everything parsed.
    """
    attributes: dict[str, str] = {}
    end = len(text)
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= end or text[pos] == ",":
            return attributes, pos, True
        match = _ATTRIBUTE.match(text, pos)
        if match is None:
            comma = text.find(",", pos)
            return attributes, end if comma < 0 else comma, False
        value = match.group(2) if match.group(2) is not None else match.group(3)
        attributes[match.group(1)] = value
        pos = match.end()


def _format_attributes(
    attributes: object, tally: LossTally | None, field: str = f"extras.{ATTRIBUTES}"
) -> str:
    if not isinstance(attributes, Mapping) or not attributes:
        if attributes and tally is not None:
            tally.note(field, "attributes must be a mapping of strings")
        return ""
    parts: list[str] = []
    for key, value in attributes.items():
        text = clean_text(str(value))
        if not isinstance(key, str) or not re.fullmatch(r'[^\s=,"]+', key) or '"' in text:
            if tally is not None:
                tally.note(
                    field, "attribute names with spaces, '=' or quotes, or values with quotes"
                )
            continue
        parts.append(f' {key}="{text}"')
    return "".join(parts)


def _cached_seconds(cache: dict[str, DurationMs | None], text: str) -> DurationMs | _Unknown | None:
    """:func:`parse_seconds` of ``text``, kept in ``cache``; ``_UNKNOWN`` when not a number."""
    try:
        value = parse_seconds(text)
    except ValueError:
        return _UNKNOWN
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[text] = value
    return value


class _NotCommon(Exception):
    """A line that the fast mode of :class:`_Reader` leaves to the general mode."""


def _durations(heads: Sequence[str]) -> list[DurationMs | None] | None:
    """What the general mode reads from each ``#EXTINF:<seconds>`` head; ``None`` unless
    every head is one.

    Whole milliseconds, the common case, come from one JSON parse of the heads joined as
    ``[<seconds>e3, ...]``. Its grammar refuses what the general mode refuses or reads
    differently (``+5``, ``12.``, ``1e3``, ``nan``, non-ASCII digits; also leading zeros,
    which the slower way below then reads), a decimal exponent makes every value exact,
    and below :data:`_EXACT_MS` an integral value is what ``round(seconds * 1000)`` gives.
    Negative, sub-millisecond, over-long and huge values take the slower way: a
    regular expression over the joined heads and :func:`parse_seconds` arithmetic.
    """
    text = "e3,".join(heads)
    numbers = text.replace("#EXTINF:", "")
    if len(numbers) == len(text) - 8 * len(heads) and "-" not in numbers:
        try:
            values: list[float] = json.loads(f"[{numbers}e3]")
        except ValueError:
            pass
        else:
            if (
                _LONG_FRACTION.search(numbers) is None
                and all(map(float.is_integer, values))
                and max(values) < _EXACT_MS
            ):
                return list(map(int, values))  # type: ignore[arg-type]
    joined = ",".join(heads)
    if _HEADS.fullmatch(joined) is None:
        return None
    seconds = map(itemgetter(slice(8, None)), heads)
    if "-" in joined:
        return list(map(parse_seconds, seconds))
    return list(map(round, map(mul, map(float, seconds), repeat(1000))))  # as parse_seconds


def _looks_like_location(line: str) -> bool:
    if "\t" in line or '"' in line or line.count(",") >= 2 or line.count(";") >= 2:
        return False
    return (
        "://" in line
        or line.startswith(("/", "\\", "~", "./", "../"))
        or _DRIVE.match(line) is not None
        or _EXTENSION.search(line) is not None
    )


class _Entry:
    """What the lines before a location say about it."""

    __slots__ = (
        "after",
        "album",
        "album_artist",
        "attributes",
        "before",
        "display",
        "duration",
        "extinf_line",
        "genres",
        "image",
    )

    def __init__(self) -> None:
        self.before: list[str] = []
        self.after: list[str] = []
        self.extinf_line: int | None = None
        self.duration: DurationMs | None = None
        self.display: str | None = None
        self.attributes: dict[str, str] = {}
        self.album: str | None = None
        self.album_artist: str | None = None
        self.genres: list[str] = []
        self.image: str | None = None

    @classmethod
    def of(
        cls,
        extinf_line: int | None,
        duration: DurationMs | None,
        display: str | None,
        album: str | None,
    ) -> _Entry:
        """The entry the fast mode of :meth:`_Reader.tracks` has read so far."""
        entry = cls()
        entry.extinf_line = extinf_line
        entry.duration = duration
        entry.display = display
        entry.album = album
        return entry

    def has_track_data(self) -> bool:
        return (
            self.extinf_line is not None
            or self.album is not None
            or self.album_artist is not None
            or bool(self.genres)
            or self.image is not None
        )


class _Reader:
    """One pass over an M3U file; collects playlist metadata while yielding tracks."""

    def __init__(
        self,
        *,
        strict: bool,
        on_warning: WarningHandler | None,
        utf8_declared: bool,
        fast: bool = True,
    ) -> None:
        self.strict = strict
        self.on_warning = on_warning
        self.utf8_declared = utf8_declared
        self.fast = fast
        """Whether common entries take the fast mode; tests turn it off to compare."""
        self.name: str | None = None
        self.header_attributes: dict[str, str] = {}
        self.preamble: list[str] = []
        self.trailer: list[str] = []
        self.group: str | None = None
        self.count = 0
        self.credits = BuiltOnLookup(sole_credit, _CACHE_SIZE)
        """``credits[name]``: the artist credit tuple for a name (``()`` for none), shared
        by the tracks of one read."""
        self.albums = BuiltOnLookup(plain_album, _CACHE_SIZE)
        """``albums[title]``: an album without artists, shared like :attr:`credits`."""
        self.album_lines = BuiltOnLookup(self._album_of_line, _CACHE_SIZE)
        """The same albums by their whole ``#EXTALB:<title>`` line, for :meth:`_window`;
        a line that is not one with a stripped, non-empty title raises :class:`_NotCommon`."""
        self.width = _FIRST_WINDOW  # entries :meth:`_run` tries next
        self.skip = 0  # run attempts to skip after a miss
        self.backoff = 1  # attempts to skip after the next miss

    def warn(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        emit_warning(FormatWarning(reason, codec=_NAME, line=line, column=column), self.on_warning)

    def tracks(self, stream: BinaryIO) -> Iterator[Track]:
        """Yield the tracks of ``stream`` in order.

        Lines are handled in two modes, each with the same result. The fast mode keeps
        the common entry (an ``#EXTINF`` without attributes, an ``#EXTALB``, a location)
        in local variables, and reads runs of such entries a window at a time (see
        :meth:`_run`); any other line turns the entry into an :class:`_Entry` and the
        general mode handles it from that line to its location. ``fast=False`` keeps
        the general mode throughout.
        """

        def fallback(line: int, encoding: str) -> None:
            if self.utf8_declared or encoding != "windows-1252":
                self.warn(f"text is not valid Unicode; read as {encoding}", line)

        batches = iter_line_batches(
            stream,
            codec=_NAME,
            strict=self.strict,
            utf8_declared=self.utf8_declared,
            on_fallback=fallback,
        )
        credits = self.credits
        albums = self.albums
        durations: dict[str, DurationMs | None] = {}
        entry: _Entry | None = None if self.fast else _Entry()  # None: the fast mode
        extinf_line: int | None = None
        duration: DurationMs | None = None
        display: str | None = None
        album_title: str | None = None
        for first, batch, controls in batches:
            size = len(batch)
            index = 0
            while index < size:
                raw = batch[index]
                if (
                    entry is None
                    and extinf_line is None
                    and album_title is None
                    and not controls
                    and raw.startswith("#EXTINF:")
                ):
                    run, taken = self._run(batch, index)
                    if taken:
                        yield from run
                        index += taken
                        continue
                number = first + index
                index += 1
                line = raw.strip()
                if not line:
                    continue
                if controls and not line.isprintable():
                    column = find_control(line)
                    if column is not None:
                        reason = f"control character U+{ord(line[column]):04X} in a line"
                        if self.strict:
                            raise PlaylistFormatError(
                                reason, codec=_NAME, line=number, column=column + 1
                            )
                        self.warn(f"{reason}; line skipped", number, column + 1)
                        continue
                if entry is None:
                    if line[0] != "#":
                        if display is None:
                            artist, title = None, ""
                        else:
                            artist, title = split_display(display)
                        artists = credits[artist]
                        album = None
                        if album_title is not None:
                            album = albums[album_title]
                        group = self.group
                        # Normal-form values: assembled without Track's converters.
                        yield assemble_entry(
                            title,
                            artists,
                            album,
                            duration,
                            (line,),
                            extras=EMPTY_MAPPING
                            if group is None
                            else MappingProxyType({GROUP: group}),
                        )
                        self.count += 1
                        extinf_line = duration = display = album_title = None
                        continue
                    if line.startswith("#EXTINF:"):
                        if extinf_line is None:
                            body = line[8:]
                            if '"' not in body and "=" not in body:
                                duration_text, comma, rest = body.partition(",")
                                duration_text = duration_text.strip()
                                parsed = durations.get(duration_text, _UNKNOWN)
                                if parsed is _UNKNOWN and duration_text and comma:
                                    parsed = _cached_seconds(durations, duration_text)
                                if parsed is not _UNKNOWN and comma:
                                    extinf_line, duration, display = number, parsed, rest
                                    continue
                    elif line.startswith("#EXTALB:"):
                        album_title = line[8:].strip() or None
                        continue
                    entry = _Entry.of(extinf_line, duration, display, album_title)
                if line[0] == "#":
                    if line.startswith("#EXTINF:") and entry.extinf_line is None:
                        self._extinf(line[8:], number, entry)  # without a regex
                    else:
                        entry = self._directive(line, number, entry)
                    continue
                yield self._track(entry, line)
                self.count += 1
                entry = None if self.fast else _Entry()
                extinf_line = duration = display = album_title = None
        if entry is None:
            entry = _Entry.of(extinf_line, duration, display, album_title)
        if entry.extinf_line is not None:
            self.warn("#EXTINF without a location after it; ignored", entry.extinf_line)
        elif entry.has_track_data():
            self.warn("entry directives without a location at the end; ignored")
        self.trailer = entry.before + entry.after

    def _run(self, lines: list[str], start: int) -> tuple[list[Track], int]:
        """Read a run of common entries from ``lines[start]`` on: its tracks, lines taken.

        The run is read a window of entries at a time by :meth:`_window`; a window that
        does not qualify is halved until one does, and nothing is taken when even one
        entry does not (the general mode reads it). After such a miss the next few
        attempts are skipped, more of them each time, so that files without common
        entries hardly pay for the attempts.
        """
        if self.skip:
            self.skip -= 1
            return [], 0
        period = 2
        if start + 1 < len(lines) and lines[start + 1].startswith("#EXTALB:"):
            period = 3
        width = min(self.width, (len(lines) - start) // period)
        location = lines[start + period - 1] if width else ""
        tracks = None
        if location[:1] not in {"", "#", " "} and '"' not in lines[start]:
            while width and (tracks := self._window(lines, start, width, period)) is None:
                width //= 2
        if tracks is None:
            self.skip = self.backoff
            self.backoff = min(2 * self.backoff, _MAX_BACKOFF)
            self.width = _FIRST_WINDOW
            return [], 0
        self.backoff = 1
        if width == self.width:
            self.width = min(2 * width, _MAX_WINDOW)
        self.count += width
        return tracks, width * period

    def _window(self, lines: list[str], start: int, count: int, period: int) -> list[Track] | None:
        """The tracks of ``count`` common entries of ``period`` lines from ``lines[start]``.

        Common entries are an ``#EXTINF:<seconds>,<display>`` line without attributes,
        with ``period`` 3 an ``#EXTALB:<title>`` line, and a stripped location; the lines
        are free of control characters (the caller checked the batch and the first line).
        The other lines need no stripping: their prefix starts them, a stripped title
        (:meth:`_split`) or album title (:meth:`_albums`) ends them, or else the general
        mode reads them. ``None`` unless all ``count`` entries are common. Each check
        runs over the whole window at once (joined text, ``map``), so the work per entry
        is mostly the ``Track`` itself; the result is what the general mode would read.
        """
        window = lines[start : start + count * period]
        infs = window[::period]
        places = window[period - 1 :: period]
        if not all(places) or list(map(str.strip, places)) != places:
            return None
        joined = "\n".join(infs)
        if joined.count("\n#EXTINF:") != count - 1 or '"' in joined or "=" in joined:
            return None
        joined = "\n".join(places)
        if "#" in joined and (joined[0] == "#" or "\n#" in joined):  # "#": one fast scan
            return None
        heads, commas, displays = zip(*map(str.partition, infs, repeat(",")), strict=True)
        if commas.count(",") != count:  # partition gives its separator object: compared by identity
            return None
        durations = _durations(heads)
        if durations is None:
            return None
        albums: Iterable[Album | None] = repeat(None)
        if period == 3:
            found = self._albums(window[1::period])
            if found is None:
                return None
            albums = found
        names, titles = self._split(displays)
        group = self.group
        extras = EMPTY_MAPPING if group is None else MappingProxyType({GROUP: group})
        credits = map(self.credits.__getitem__, names)
        return assemble_tracks(titles, credits, albums, durations, zip(places), extras=extras)

    @staticmethod
    def _split(displays: Sequence[str]) -> tuple[Sequence[str | None], Sequence[str]]:
        """:func:`split_display` of every display title, at once when they are plain.

        Plain: ASCII without tabs (so that ``" "`` is the only space character), each
        split at a ``" - "`` into a stripped artist without brackets and a stripped title;
        the split is then what :func:`split_display` gives (which strips what it returns,
        so a display may end in spaces the general mode strips from the line).
        """
        text = "".join(displays)
        if text.isascii() and "\t" not in text:
            names, separators, titles = zip(
                *map(str.partition, displays, repeat(" - ")), strict=True
            )
            artists = "".join(names)
            if not (
                separators.count(" - ") != len(separators)
                or not all(names)
                or "(" in artists
                or ")" in artists
                or "[" in artists
                or "]" in artists
                or tuple(map(str.strip, names)) != names  # " " is the only space here
                or tuple(map(str.strip, titles)) != titles
            ):
                return names, titles
        pairs = list(map(split_display, displays))
        return [name for name, _ in pairs], [title for _, title in pairs]

    def _albums(self, lines: list[str]) -> list[Album] | None:
        """The album of each ``#EXTALB:<title>`` line, shared per line (see :attr:`album_lines`).

        ``None`` unless every line is such a line with a stripped, non-empty title.
        """
        try:
            return list(map(self.album_lines.__getitem__, lines))
        except _NotCommon:
            return None

    def _album_of_line(self, line: str) -> Album:
        title = line[8:]
        if not line.startswith("#EXTALB:") or not title or title.strip() != title:
            raise _NotCommon
        return self.albums[title]

    def album(self, title: str, artist: str | None) -> Album:
        """``Album(title, (ArtistCredit(artist),))``, shared like :attr:`credits`."""
        if artist is None:
            return self.albums[title]
        return Album(title=title, artists=self.credits[artist])

    def _directive(self, line: str, number: int, entry: _Entry) -> _Entry:
        match = _DIRECTIVE.match(line)
        if match is None:  # "# comment"
            (entry.after if entry.extinf_line is not None else entry.before).append(line)
            return entry
        name = match.group(1).upper()
        rest = line[match.end() :]
        value = rest[1:].strip() if rest.startswith(":") else None
        if name.startswith("EXT-X-"):
            raise PlaylistFormatError(
                f"HTTP Live Streaming playlist (#{match.group(1)}): it lists media segments, "
                "not tracks; open it with a media player",
                codec=_NAME,
                line=number,
            )
        if name == "EXTM3U":
            attributes, _, complete = _parse_attributes(rest, 0)
            if not complete:
                self.warn("unreadable attributes on #EXTM3U", number)
            self.header_attributes.update(attributes)
        elif name == "PLAYLIST" and value is not None:
            self.name = value or None
            if self.count == 0 and not entry.has_track_data():
                self.preamble.extend(entry.before)
                entry.before.clear()
        elif name == "EXTINF":
            if entry.extinf_line is not None:
                self.warn("#EXTINF without a location after it; ignored", entry.extinf_line)
                fresh = _Entry()
                fresh.before = entry.before + entry.after
                entry = fresh
            self._extinf(rest[1:] if rest.startswith(":") else rest, number, entry)
        elif name == "EXTALB" and value is not None:
            entry.album = value or None
        elif name == "EXTART" and value is not None:
            entry.album_artist = value or None
        elif name == "EXTGENRE" and value is not None:
            if value:
                entry.genres.append(value)
        elif name == "EXTIMG" and value is not None:
            entry.image = value or None
        elif name == "EXTGRP" and value is not None:
            self.group = value or None
        else:
            (entry.after if entry.extinf_line is not None else entry.before).append(line)
        return entry

    def _extinf(self, body: str, number: int, entry: _Entry) -> None:
        entry.extinf_line = number
        if '"' not in body and "=" not in body:
            duration_text, comma, display = body.partition(",")
            duration_text = duration_text.strip()
            entry.display = display if comma else None
        else:
            match = _SPACE.match(body)
            start = match.end() if match else 0
            end = start
            while end < len(body) and not body[end].isspace() and body[end] != ",":
                end += 1
            duration_text = body[start:end]
            attributes, comma_at, complete = _parse_attributes(body, end)
            if not complete:
                self.warn("unreadable attributes in #EXTINF; kept what could be read", number)
            entry.attributes = attributes
            entry.display = body[comma_at + 1 :] if comma_at < len(body) else None
        if entry.display is None:
            self.warn("#EXTINF without ',' before the title", number)
        if not duration_text:
            self.warn("#EXTINF without a duration", number)
            return
        try:
            entry.duration = parse_seconds(duration_text)
        except ValueError:
            self.warn(f"#EXTINF duration {duration_text[:40]!r} is not a number", number)

    def _track(self, entry: _Entry, location: str) -> Track:
        artist, title = (None, "") if entry.display is None else split_display(entry.display)
        album = None
        if entry.album is not None:
            album = self.album(entry.album, entry.album_artist or None)
        extras: dict[str, Any] = {}
        if entry.attributes:
            extras[ATTRIBUTES] = entry.attributes
        if entry.before:
            extras[BEFORE] = tuple(entry.before)
        if entry.after:
            extras[AFTER] = tuple(entry.after)
        if self.group is not None:
            extras[GROUP] = self.group
        if entry.album_artist and album is None:
            extras[ALBUM_ARTIST] = entry.album_artist
        return Track(
            title=title,
            artists=self.credits[artist],
            album=album,
            duration_ms=entry.duration,
            locations=(location,),
            image=Image(entry.image) if entry.image else None,
            genres=tuple(entry.genres),
            extras=extras,
        )


def _utf8_declared(source: Source) -> bool:
    """``.m3u8`` means UTF-8 by definition."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source).lower().endswith(".m3u8")
    return False


def _comment_lines(value: object, field: str, tally: LossTally, tracks: int = 1) -> list[str]:
    """Kept comment/directive lines from extras, each forced to start with '#'."""
    if not value:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        tally.note(field, "kept lines must be a sequence of strings", tracks)
        return []
    lines = []
    for item in value:
        text = clean_text(str(item))
        if not text.startswith("#"):
            text = f"# {text}"
        directive = _DIRECTIVE.match(text)
        if directive is not None:
            name = directive.group(1).upper()
            with_value = text[directive.end() :].startswith(":")
            if (
                name.startswith("EXT-X-")
                or name in {"EXTM3U", "EXTINF"}
                or (name in _KNOWN and with_value)
            ):
                tally.note(field, "HLS tags and M3U's own directives are not written", tracks)
                continue
        lines.append(text)
    return lines


class _PlainRuns:
    """The fast path of :meth:`M3UCodec.write_stream`: runs of plain tracks.

    A plain track has one location, at most one artist credit (a bare name) and an album
    with a title only, if any; apart from an ISRC (counted here, as the loss tally would)
    it has nothing the format cannot carry, and its text needs no cleaning beyond outer
    spaces. :meth:`split` reads plain tracks a run at a time in one loop and checks the
    text of a whole run at once for characters that would need cleaning (see
    :func:`_printable_text`); every other track is handed on for the general path.
    """

    __slots__ = ("grouped", "isrc", "tally")

    def __init__(self, tally: LossTally) -> None:
        self.tally = tally
        self.isrc = 0
        self.grouped = False
        """Set by the writer while an ``#EXTGRP`` group is open: plain tracks close it, so
        they take the general path too."""

    def split(self, tracks: Iterable[Track]) -> Iterator[bytes | Track]:
        """Each run of plain ``tracks`` as UTF-8 lines and, in order between them, the others."""
        source = iter(tracks)
        while True:
            if self.grouped:
                track = next(source, None)
                if track is None:
                    return
                yield track
                continue
            entries, taken, breaks, stopper = self._run(source)
            data = _printable_text(entries, breaks) if taken else b""
            if data is None:
                # The run ends before its first track with such text, which takes the
                # general path; the tracks after it are read again.
                bad = next(i for i, track in enumerate(taken) if not _printable_fields(track))
                source = chain(taken[bad + 1 :], () if stopper is None else (stopper,), source)
                stopper = taken[bad]
                del taken[bad:]
                data = ("\n".join(entries[:bad]) + "\n").encode("utf-8")
            if taken:
                self.isrc += len(taken) - list(map(_ISRC, taken)).count(None)
                yield data
            if stopper is not None:
                yield stopper
            elif len(taken) < _RUN:
                return

    @staticmethod
    def _run(source: Iterator[Track]) -> tuple[list[str], list[Track], int, Track | None]:
        """Read plain tracks from ``source`` until one is not plain or :data:`_RUN` are read.

        Returns the text of each track's entry, the tracks, the number of line ends in
        their text joined by ``"\\n"``, and the track that was not plain (``None`` if none).
        Fields are stripped of spaces only: other outer whitespace is not printable, so
        :func:`_printable_text` refuses it and the general path cleans it as it should.
        """
        entries: list[str] = []
        taken: list[Track] = []
        add, take = entries.append, taken.append
        milliseconds, exact = _MILLISECONDS, _EXACT_MS
        breaks = -1  # entries are joined by one line end fewer than there are entries
        for track in islice(source, _RUN):
            location = plain_shape(track)
            if location is None:
                return entries, taken, breaks, track
            artists = track.artists
            location = location.strip(" ")
            if not location or location[0] == "#":
                return entries, taken, breaks, track
            title = track.title
            artist = ""
            if artists:
                credit = artists[0]
                if (
                    credit.role is not None
                    or credit.provider_ids
                    or credit.musicbrainz_id
                    or credit.join_phrase is not None
                ):
                    return entries, taken, breaks, track
                artist = credit.name.strip(" ")
                if (
                    " -" in artist
                    or "(" in artist
                    or ")" in artist
                    or "[" in artist
                    or "]" in artist
                ):
                    return entries, taken, breaks, track  # might not read back as this artist
            if not artist and " -" in title:
                return entries, taken, breaks, track
            album = track.album
            album_title = ""
            if album is not None:
                if (
                    album.artists
                    or album.release_date
                    or album.upc
                    or album.provider_ids
                    or album.musicbrainz_id
                    or album.images
                ):
                    return entries, taken, breaks, track
                album_title = album.title.strip(" ")
            duration = track.duration_ms
            take(track)
            if artist and album_title and type(duration) is int and 0 <= duration < exact:
                seconds = milliseconds[duration % 1000]  # the usual entry, in one piece
                add(
                    f"#EXTINF:{duration // 1000}{seconds},{artist} - {title.strip(' ')}\n"
                    f"#EXTALB:{album_title}\n{location}"
                )
                breaks += 3
            else:
                entry, lines = _plain_entry(
                    artist, title, album_title, duration, location, credited=bool(artists)
                )
                add(entry)
                breaks += lines
        return entries, taken, breaks, None

    def close(self) -> None:
        """Hand the counts to the loss tally."""
        if self.isrc:
            self.tally.note("isrc", ISRC_LOSS, self.isrc)


def _plain_entry(
    artist: str,
    title: str,
    album_title: str,
    duration: DurationMs | None,
    location: str,
    *,
    credited: bool,
) -> tuple[str, int]:
    """The text of a plain track's entry, from its fields as :meth:`_PlainRuns._run` has
    them, and its number of lines. ``artist`` is ``""`` for none or a blank name;
    ``credited`` tells whether the track has a credit."""
    if title or credited or duration is not None:
        if type(duration) is int and 0 <= duration < _EXACT_MS:
            seconds = f"{duration // 1000}{_MILLISECONDS[duration % 1000]}"
        else:
            seconds = format_seconds(duration)
        title = f"{artist} - {title.strip(' ')}" if artist else title.strip(" ")
        if album_title:
            return f"#EXTINF:{seconds},{title}\n#EXTALB:{album_title}\n{location}", 3
        return f"#EXTINF:{seconds},{title}\n{location}", 2
    if album_title:
        return f"#EXTALB:{album_title}\n{location}", 2
    return location, 1


def _printable_text(entries: list[str], breaks: int) -> bytes | None:
    """``entries`` as UTF-8 lines; ``None`` unless their text, with ``breaks`` line ends
    between lines, has only printable characters besides.

    ASCII text (the common case) is checked as bytes in one pass, several times faster
    than :meth:`str.isprintable`; a line end in a field shows in the count.
    """
    text = "\n".join(entries)
    if text.count("\n") != breaks:
        return None
    if text.isascii():
        data = (text + "\n").encode("ascii")
        return data if len(data.translate(None, _UNPRINTABLE_ASCII)) == len(data) else None
    return (text + "\n").encode("utf-8") if text.replace("\n", "").isprintable() else None


def _printable_fields(track: Track) -> bool:
    """Whether the fields a plain ``track`` writes are printable (see :class:`_PlainRuns`)."""
    album = track.album
    return (
        track.title.isprintable()
        and track.locations[0].isprintable()
        and all(credit.name.isprintable() for credit in track.artists)
        and (album is None or album.title.isprintable())
    )


def _write_entry(track: Track, lines: list[str], tally: LossTally, group: str | None) -> str | None:
    """Append the lines of ``track``'s entry, the general way; the ``#EXTGRP`` group after it.

    ``group`` is the group open before it (``None``: none).
    """
    display = display_parts(track)
    tally.track(track, display)
    location = next((clean_text(x) for x in track.locations if clean_text(x)), "")
    if not location:
        tally.note("locations", "no location: an M3U entry is a path or URL; left out")
        return group
    if location.startswith("#"):
        location = "./" + location
        tally.note("locations", "a path starting with '#' is written as './#...'")
    extras = track.extras
    lines += _comment_lines(extras.get(BEFORE), f"extras.{BEFORE}", tally)
    track_group = extras.get(GROUP)
    track_group = (clean_text(str(track_group)) or None) if track_group else None
    if track_group != group:
        lines.append(f"#EXTGRP:{track_group or ''}")
        group = track_group
    attributes = _format_attributes(extras.get(ATTRIBUTES), tally)
    if track.title or track.artists or track.duration_ms is not None or attributes:
        duration = format_seconds(track.duration_ms)
        lines.append(f"#EXTINF:{duration}{attributes},{join_display(*display)}")
    album_artist = None
    if track.album is not None:
        if clean_text(track.album.title):
            lines.append(f"#EXTALB:{clean_text(track.album.title)}")
            album_artist = credit_line(track.album.artists)
        elif track.album.artists:
            album_artist = credit_line(track.album.artists)
    if not album_artist and extras.get(ALBUM_ARTIST):
        album_artist = str(extras[ALBUM_ARTIST])
    if album_artist and clean_text(album_artist):
        lines.append(f"#EXTART:{clean_text(album_artist)}")
    lines.extend(f"#EXTGENRE:{clean_text(g)}" for g in track.genres if clean_text(g))
    if track.image is not None and clean_text(track.image.url):
        lines.append(f"#EXTIMG:{clean_text(track.image.url)}")
    lines += _comment_lines(extras.get(AFTER), f"extras.{AFTER}", tally)
    lines.append(location)
    return group


class M3UCodec:
    """The M3U/M3U8 codec; use the module-level :data:`M3U` instance.

    Reading
        Every line is a location (path or URL), a directive (``#NAME`` or ``#NAME:value``)
        or a comment. Locations are kept exactly as written (relative paths, ``file://`` and
        ``http://`` URLs, Windows paths); resolve them against :attr:`Playlist.location`.

        ``#EXTINF:<seconds> [key="value" ...],<Artist - Title>`` gives the duration (``-1``:
        unknown; decimals allowed), the attributes (IPTV ``tvg-id`` and friends, kept in
        ``extras["m3u.attributes"]``) and the display title, split at the first ``" - "``.
        ``#EXTALB`` (album title), ``#EXTART`` (album artist), ``#EXTGENRE`` and ``#EXTIMG``
        apply to the next entry only; ``#EXTGRP`` starts a named group that lasts until the
        next ``#EXTGRP`` (``extras["m3u.group"]``). ``#PLAYLIST`` names the playlist;
        attributes on ``#EXTM3U`` go to the playlist's ``extras["m3u.attributes"]``.

        Other directives (``#EXTVLCOPT``...) and comments are kept in order: those before an
        entry's ``#EXTINF`` in ``extras["m3u.before"]``, those after it in
        ``extras["m3u.after"]``, those before ``#PLAYLIST`` in the playlist's
        ``extras["m3u.preamble"]`` and those after the last entry in
        ``extras["m3u.trailer"]``. Writing puts them back at the same places.

        HTTP Live Streaming playlists (``#EXT-X-`` tags) are refused: they describe media
        segments, not a list of tracks. Text: a byte order mark decides (UTF-8, UTF-16,
        UTF-32); UTF-16 without one is recognised; otherwise each line is UTF-8 when it
        decodes as such and Windows-1252 (legacy ``.m3u``) when not. CR, LF and CRLF all end
        lines.

    Strictness
        M3U has no normative specification, so strict mode refuses only what cannot be a
        playlist: control characters in a line and, for declared UTF-8 (a BOM or the
        ``.m3u8`` extension), invalid UTF-8. Malformed ``#EXTINF`` lines and an ``#EXTINF``
        without a location are warnings in both modes. Both modes refuse HLS, binary data
        and lines longer than 1 MiB.

    Writing
        UTF-8 with an ``#EXTM3U`` header and ``\\n`` line ends. Tracks without a location
        cannot be listed and are left out (reported in the losses).
    """

    name: str = "m3u"
    extensions: tuple[str, ...] = ("m3u", "m3u8")
    media_types: tuple[str, ...] = (
        "audio/x-mpegurl",
        "audio/mpegurl",
        "application/x-mpegurl",
        "application/mpegurl",
        "application/vnd.apple.mpegurl",
    )

    def __repr__(self) -> str:
        return "M3U"

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole M3U/M3U8 playlist (see the module documentation for the rules)."""
        reader = _Reader(strict=strict, on_warning=on_warning, utf8_declared=_utf8_declared(source))
        with open_source(source) as stream, gc_paused():
            tracks = tuple(reader.tracks(stream))
        extras: dict[str, Any] = {}
        if reader.header_attributes:
            extras[ATTRIBUTES] = reader.header_attributes
        if reader.preamble:
            extras[PREAMBLE] = tuple(reader.preamble)
        if reader.trailer:
            extras[TRAILER] = tuple(reader.trailer)
        location = os.fspath(source) if isinstance(source, str | os.PathLike) else None
        return Playlist(name=reader.name, tracks=tracks, location=location, extras=extras)

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield the tracks one by one, reading the file line by line."""
        reader = _Reader(strict=strict, on_warning=on_warning, utf8_declared=_utf8_declared(source))
        with open_source(source) as stream:
            yield from reader.tracks(stream)

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist`` as UTF-8 extended M3U."""
        return write_in_memory(self.write_stream, playlist)

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write ``playlist``'s metadata and ``tracks`` to ``out`` incrementally."""
        return self._write_stream(playlist, tracks, out)

    def _write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO, *, fast: bool = True
    ) -> tuple[Loss, ...]:
        """:meth:`write_stream`; ``fast=False`` writes every track the general way (tests)."""
        tally = LossTally(extras_prefix="m3u.", album="title", image=True, genres=True)
        tally.playlist(playlist, name=True)
        extras = playlist.extras
        lines = [
            "#EXTM3U"
            + _format_attributes(extras.get(ATTRIBUTES), tally, f"playlist.extras.{ATTRIBUTES}")
        ]
        lines += _comment_lines(extras.get(PREAMBLE), f"playlist.extras.{PREAMBLE}", tally, 0)
        if playlist.name:
            lines.append(f"#PLAYLIST:{clean_text(playlist.name)}")
        group: str | None = None
        runs = _PlainRuns(tally)
        for item in runs.split(tracks) if fast else tracks:
            if isinstance(item, bytes):
                if lines:
                    out.write(("\n".join(lines) + "\n").encode("utf-8"))
                    lines = []
                out.write(item)
                continue
            group = _write_entry(item, lines, tally, group)
            runs.grouped = group is not None
            if len(lines) >= _FLUSH_LINES:
                out.write(("\n".join(lines) + "\n").encode("utf-8"))
                lines = []
        lines += _comment_lines(
            playlist.extras.get(TRAILER), f"playlist.extras.{TRAILER}", tally, 0
        )
        if lines:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
        runs.close()
        return tally.losses()

    def sniff(self, head: bytes) -> float:
        """1.0 for ``#EXTM3U``, 0.9 for extended directives without it, 0.5 for path lists.

        HLS playlists get 0.5 so that reading them names the problem instead of failing
        to find a format.
        """
        text = head_text(head)
        if text is None:
            return 0.0
        lines = [line.strip() for line in text.splitlines()[:64]]
        lines = [line for line in lines if line]
        if not lines:
            return 0.0
        upper = [line[:12].upper() for line in lines]
        if any(line.startswith("#EXT-X-") for line in upper):
            return 0.5
        if upper[0].startswith("#EXTM3U"):
            return 1.0
        if any(line.startswith(("#EXTINF:", "#PLAYLIST:")) for line in upper):
            return 0.9
        if lines[0].startswith(("<", "{", "[")):
            return 0.0
        candidates = [line for line in lines if not line.startswith("#")]
        if not candidates:
            return 0.1
        ratio = sum(_looks_like_location(line) for line in candidates) / len(candidates)
        if ratio >= 0.8:
            return 0.5
        return 0.3 * ratio


M3U = M3UCodec()
"""The M3U/M3U8 codec."""
