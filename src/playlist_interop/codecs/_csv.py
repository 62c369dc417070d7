"""The CSV codec: header-mapped profiles, dialect sniffing, streaming read and write.

Reading
    The encoding comes from a BOM (UTF-8, UTF-16, UTF-32) or, without one, is UTF-8 when
    the first 64 KiB decode as UTF-8 and Windows-1252 otherwise. The delimiter (``,``,
    ``;`` or tab) is the one that splits the header into the most known columns. Headers
    map to model fields by name (:data:`~._csv_profiles.HEADER_FIELDS`); unknown columns
    are kept in ``Track.extras`` as ``"csv.<header>"`` and written back. Memory is bounded
    per row: a physical line over 1 MiB, a row over 4 MiB (an unterminated quote), more
    than 4096 columns or NUL bytes raise ``PlaylistFormatError`` with the line number.
    Bytes the encoding cannot decode do too in strict mode; otherwise they become U+FFFD
    with a warning naming the line. The process-wide ``csv.field_size_limit`` is raised to
    4 MiB when it is lower (the default, 128 KiB, is too small for some exports) and never
    lowered: the codec's own per-line and per-row caps are what bound memory.

Writing
    UTF-8 with a BOM (what spreadsheet programs need to read UTF-8), ``,`` delimiter,
    CRLF rows (RFC 4180). A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR
    gets a leading apostrophe so spreadsheets do not run it as a formula, unless the cell
    is a plain number; numeric columns are never touched. Reading removes exactly that
    apostrophe again, so the round trip is exact.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from itertools import chain, repeat
from operator import attrgetter, is_
from types import MappingProxyType
from typing import Any, BinaryIO, TextIO

import attrs

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
)
from playlist_interop.codecs._csv_profiles import (
    EXTRA_PREFIX,
    GENERIC,
    PROFILES,
    Column,
    CsvProfile,
    detect_profile,
    field_for_header,
)
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track
from playlist_interop.model._track import EMPTY_MAPPING as EMPTY
from playlist_interop.model._track import assemble_track
from playlist_interop.types import DurationMs, MusicBrainzId, ProviderName, ProviderTrackId

__all__ = ["CSV", "CsvCodec"]

_NAME = "csv"
_HEAD = 1 << 16
_MAX_LINE = 1 << 20
_MAX_ROW = 4 << 20
_MAX_COLUMNS = 4096
_SCAN_TRACKS = 1000
_BATCH_ROWS = 512
_BATCH_CHARS = 1 << 18
_CHUNK = 1 << 15
"""Characters read at a time (see :meth:`_RowSource._block`)."""
_PROFILE_KEY = "csv.profile"

_TRIGGERS = frozenset("=+-@\t\r")
_ROWS_PER_WRITE = 1024  # rows the writer encodes and hands to the stream at once
_RISKY = _TRIGGERS | {"'"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\Z")
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
"""A line with its end (LF, CRLF or a lone CR), or the last line when it has none."""
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}\Z")
_SPOTIFY_TRACK = re.compile(r"(?:spotify:track:|https?://open\.spotify\.com/track/)([A-Za-z0-9]+)")
_SPOTIFY = ProviderName("spotify")
_SPOTIFY_ARTIST = "spotify:artist:"
_SPOTIFY_ALBUM = "spotify:album:"
_TRUE = frozenset({"true", "yes", "y", "1", "explicit"})
_FALSE = frozenset({"false", "no", "n", "0", "clean", ""})
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _error(reason: str, line: int | None = None, column: int | None = None) -> PlaylistFormatError:
    return PlaylistFormatError(reason, codec=_NAME, line=line, column=column)


# --------------------------------------------------------------------------- cells


def neutralise(value: str) -> str:
    """Prefix ``value`` with an apostrophe when a spreadsheet would run it as a formula."""
    if value and (value[0] in _TRIGGERS or value[0] == "'"):
        bare = value.lstrip("'")
        if bare and bare[0] in _TRIGGERS and not _NUMBER.match(value):
            return "'" + value
    return value


def restore(value: str) -> str:
    """Undo :func:`neutralise`."""
    if value[:1] == "'" and _ESCAPED.match(value):
        return value[1:]
    return value


def join_list(items: Iterable[str], separator: str) -> str:
    """Join names with ``separator``, escaping it (and backslashes) inside names."""
    names = items if isinstance(items, list) else list(items)
    joined = separator.join(names)
    # Every separator in the result is one of the joins: no name holds one (or a backslash).
    if "\\" not in joined and joined.count(separator) == len(names) - 1:
        return joined
    escaped_separator = "\\" + separator
    return separator.join(
        item.replace("\\", "\\\\").replace(separator, escaped_separator) for item in names
    )


def split_list(cell: str, separator: str) -> list[str]:
    """Split a joined cell; ``\\<separator>`` and ``\\\\`` are escapes, names are stripped."""
    if "\\" not in cell:
        return [part.strip() for part in cell.split(separator) if part.strip()]
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(cell):
        char = cell[i]
        if char == "\\" and i + 1 < len(cell) and cell[i + 1] in (separator, "\\"):
            current.append(cell[i + 1])
            i += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def parse_duration(cell: str, unit: str) -> int:
    """Milliseconds from ``"231373"`` (ms), ``"3:51"``, ``"1:02:03.5"`` or seconds.

    ``unit`` is ``"ms"``, ``"s"`` or ``"?"`` (a bare ``duration`` header: integers below
    10,000 are taken as seconds, larger ones as milliseconds).

    Raises:
        ValueError: not a duration.
    """
    if cell.isdigit() and unit == "ms":  # the common case, without the regular expressions
        return int(cell)
    text = cell.strip()
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds, fraction = clock.groups()
        total = (int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)
        millis = int((fraction or "0").ljust(3, "0"))
        return total * 1000 + millis
    number = float(text)  # ValueError propagates
    if not 0 <= number < float("inf"):
        raise ValueError(f"negative or non-finite duration {cell!r}")
    if unit == "s" or (unit == "?" and number < 10_000):
        return round(number * 1000)
    return round(number)


def _format_bool(value: bool) -> str:
    return "true" if value else "false"


# --------------------------------------------------------------------------- decoding


class _Rejoined(io.RawIOBase):
    """``head`` followed by the rest of ``stream``; closing it leaves ``stream`` open."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def _encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a file starting with ``head`` and the length of its BOM."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    nul = head.find(b"\x00")
    if nul >= 0:
        raise _error("binary data (NUL byte), not a CSV file", line=head.count(b"\n", 0, nul) + 1)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1", 0
        return "cp1252", 0
    return "utf-8", 0


_SEP_DIRECTIVE = re.compile(r"sep=(.)\Z", re.IGNORECASE)


def _dialect_line(text: str) -> tuple[str | None, str]:
    """Excel's ``sep=;`` first line (its delimiter, if any) and the header line."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if lines:
        directive = _SEP_DIRECTIVE.match(lines[0].strip(" \r\n\ufeff"))
        if directive:
            return directive[1], (lines[1] if len(lines) > 1 else "")
        return None, lines[0]
    return None, ""


def _header_delimiter(line: str) -> tuple[str, list[str]]:
    """The delimiter that splits the header ``line`` into the most known columns."""
    best = (",", [line])
    best_score = -1
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(cells) < 2:
            score = 0
        else:
            known = sum(1 for cell in cells if field_for_header(cell) is not None)
            score = known * 1000 + len(cells)
        if score > best_score:
            best, best_score = (delimiter, cells), score
    return best


class _RowSource:
    """The rows of a CSV text in batches, with the size limits and the line numbers.

    A line without a quote character is a whole row: it is split on the delimiter, which
    gives exactly what :func:`csv.reader` would (a line ends at its only CR, LF or CRLF)
    at a fraction of the cost. Any other line goes through :func:`csv.reader`, which takes
    further lines while a quoted field goes on; only such rows can grow past one line, so
    only they count towards the row cap.

    The text is read in blocks of whole lines (:meth:`_block`, about :data:`_CHUNK`
    characters). A plain block (no quote, NUL, lone CR or bad byte; every line ending the
    same way and shorter than the line cap) is split with one ``str.split`` for its lines
    and one per line for its cells. Any other block is cut into the lines
    ``readline(_MAX_LINE)`` would give (:func:`_physical_lines`) and read line by line as
    above. With ``split=False`` every line comes from ``readline`` itself: the reference
    the tests hold the blocks to.

    A batch is a run of such plain lines, or one row alone: a row through
    :func:`csv.reader`, or a line that warns or fails (bad bytes, NUL, too long). So the
    rows before an event are handed out, and their own warnings given, before it, exactly
    as when reading row by row.
    """

    def __init__(
        self,
        text: TextIO,
        *,
        encoding: str,
        delimiter: str,
        strict: bool,
        on_warning: WarningHandler | None,
        split: bool = True,
    ) -> None:
        self._read = text.read
        self._readline = None if split else text.readline
        self._encoding = encoding
        self._delimiter = delimiter
        self._strict = strict
        self._on_warning = on_warning
        self._split = split and delimiter not in '"\r\n'
        self._tail = ""
        """Text read after the last whole line of the last block."""
        self._end = False
        self._rows: list[list[str]] = []
        """Rows of the current plain block; those from ``_row_at`` on are still to come."""
        self._row_at = 0
        self._bare = False
        """No line of the current plain block holds an apostrophe."""
        self._lines: list[str] = []
        """Lines of the current other block; those from ``_line_at`` on are still to come."""
        self._line_at = 0
        self._pending: str | None = None
        self._row_chars = 0
        self._reader = csv.reader(self._quoted_lines(), delimiter=delimiter, strict=strict)
        self.lines = 0
        """Physical lines handed out so far."""

    def batches(
        self, max_rows: int = _BATCH_ROWS
    ) -> Iterator[tuple[list[list[str]], Sequence[int], bool]]:
        """Lists of rows, each with the numbers of the lines its rows start on.

        The flag says the rows come from a plain block without an apostrophe: no cell in them
        starts with one (so :func:`restore` leaves every cell as it is).
        """
        delimiter = self._delimiter
        split = self._split
        undecodable = _UNDECODABLE.search
        while True:
            if self._row_at < len(self._rows):
                start = self._row_at
                rows = self._rows[start : start + max_rows]
                self._row_at = start + len(rows)
                first = self.lines + 1
                self.lines += len(rows)
                yield rows, range(first, first + len(rows)), self._bare
                continue
            lines = self._lines
            at = self._line_at
            if at == len(lines):
                if not self._fill(rows=split):
                    return
                continue
            line = lines[at]
            at += 1
            self._line_at = at
            self.lines += 1
            first = self.lines
            if not (
                split
                and '"' not in line
                and "\x00" not in line
                and len(line) < _MAX_LINE
                and (line.isascii() or not undecodable(line))
            ):
                row = self._row(line)
                if row is None:
                    return
                yield [row], (first,), False
                continue
            cells = line.rstrip("\r\n")
            rows = [cells.split(delimiter) if cells else []]
            chars = len(line)
            while at < len(lines) and len(rows) < max_rows and chars < _BATCH_CHARS:
                line = lines[at]
                if (
                    '"' in line
                    or "\x00" in line
                    or len(line) >= _MAX_LINE
                    or (not line.isascii() and undecodable(line))
                ):
                    break
                at += 1
                chars += len(line)
                cells = line.rstrip("\r\n")
                rows.append(cells.split(delimiter) if cells else [])
            self._line_at = at
            self.lines = first + len(rows) - 1
            yield rows, range(first, first + len(rows)), False

    def _fill(self, *, rows: bool) -> bool:
        """Take the next block: as rows when ``rows`` and it is plain, else as lines.

        ``False`` at the end of the text. Called only once the last block is used up.
        """
        self._rows, self._row_at = [], 0
        self._line_at = 0
        if self._readline is not None:
            line = self._readline(_MAX_LINE)
            self._lines = [line] if line else []
            return bool(line)
        block = self._block()
        plain = self._plain_rows(block) if rows and block else None
        if plain is None:
            self._lines = _physical_lines(block)
        else:
            self._rows, self._lines = plain, []
            self._bare = "'" not in block
        return bool(block)

    def _block(self) -> str:
        """The next whole lines of the text, or the rest of it at its end.

        Reads :data:`_CHUNK` characters at a time until the text holds a line end it can
        cut after: an LF, or a CR that is not the last character read (an LF may follow
        it). A line that reaches :data:`_MAX_LINE` without one is cut there, as ``readline``
        cuts it; so the text held stays within a few chunks and one line cap.
        """
        text = self._tail
        if len(text) >= _MAX_LINE:  # the rest of a line cut at the cap: cut it again
            self._tail = text[_MAX_LINE:]
            return text[:_MAX_LINE]
        while not self._end:
            more = self._read(_CHUNK)
            if not more:
                self._end = True
                break
            text += more
            cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
            if cut:
                self._tail = text[cut:]
                return text[:cut]
            if len(text) >= _MAX_LINE:
                self._tail = text[_MAX_LINE:]
                return text[:_MAX_LINE]
        self._tail = ""
        return text

    def _plain_rows(self, block: str) -> list[list[str]] | None:
        """The rows of ``block`` split on the delimiter; ``None`` unless every line is plain.

        Plain: no quote, NUL or undecodable byte, shorter than the line cap (the whole
        block is), and every line ending in LF, or every one in CRLF (the last line may
        have no end).
        """
        if '"' in block or "\x00" in block or len(block) >= _MAX_LINE:
            return None
        if not block.isascii() and _UNDECODABLE.search(block):
            return None
        if "\r" in block:
            lines = block.split("\r\n")
            inner = "".join(lines)
            if "\r" in inner or "\n" in inner:
                return None  # a lone CR or LF
        else:
            lines = block.split("\n")
        if not lines[-1]:
            lines.pop()  # what follows the last line end
        delimiter = self._delimiter
        if all(lines):
            return list(map(str.split, lines, repeat(delimiter)))
        return [line.split(delimiter) if line else [] for line in lines]  # an empty line: []

    def _next_line(self) -> str:
        """The next physical line, whatever block it is in; ``""`` at the end of the text."""
        if self._line_at == len(self._lines) and not self._fill(rows=False):
            return ""
        line = self._lines[self._line_at]
        self._line_at += 1
        return line

    def _row(self, line: str) -> list[str] | None:
        """The row that starts with ``line``, checked; ``None`` at the end of the text."""
        line = self._checked(line)
        if self._split and '"' not in line:
            cells = line.rstrip("\r\n")
            return cells.split(self._delimiter) if cells else []
        self._pending = line
        try:
            return next(self._reader, None)
        except csv.Error as exc:
            raise _error(str(exc), line=self.lines) from None

    def _checked(self, line: str) -> str:
        """``line`` once decoded cleanly, free of NUL bytes and complete."""
        if not line.isascii() and _UNDECODABLE.search(line):
            reason = f"not valid {self._encoding} text"
            if self._strict:
                raise _error(reason, line=self.lines)
            emit_warning(
                FormatWarning(f"{reason}; bad bytes replaced", codec=_NAME, line=self.lines),
                self._on_warning,
            )
            line = _UNDECODABLE.sub("\ufffd", line)
        if "\x00" in line:
            raise _error("binary data (NUL byte), not a CSV file", line=self.lines)
        if len(line) >= _MAX_LINE and line[-1] not in "\r\n":
            raise _error(f"line longer than {_MAX_LINE} characters", line=self.lines)
        return line

    def _quoted_lines(self) -> Iterator[str]:
        """What :func:`csv.reader` reads: a row's first line, then the lines it asks for."""
        while True:
            line = self._pending
            if line is not None:
                self._pending = None
                self._row_chars = len(line)
            else:
                line = self._next_line()
                if not line:
                    return
                self.lines += 1
                line = self._checked(line)
                self._row_chars += len(line)
                if self._row_chars > _MAX_ROW:
                    raise _error(
                        f"row longer than {_MAX_ROW} characters (unterminated quote?)",
                        line=self.lines,
                    )
            yield line


def _physical_lines(block: str) -> list[str]:
    """``block`` cut into lines as ``readline(_MAX_LINE)`` cuts a text read with ``newline=""``.

    A line ends after an LF, a CRLF or a lone CR; one longer than the cap comes in pieces
    of the cap's length.
    """
    lines: list[str] = _LINE.findall(block)
    if len(block) > _MAX_LINE and max(map(len, lines)) > _MAX_LINE:
        cap = _MAX_LINE
        lines = [line[i : i + cap] for line in lines for i in range(0, len(line), cap)]
    return lines


# --------------------------------------------------------------------------- reading


@attrs.frozen
class _Header:
    """What the header row says about the file."""

    profile: CsvProfile
    headers: tuple[str, ...]
    fields: tuple[str | None, ...]
    """Field of each column; ``None`` for extras (and duplicate fields)."""
    keys: tuple[str, ...]
    """``Track.extras`` key of each column."""
    column_of: dict[str, int]
    """Field -> 0-based column index."""


def _compile_header(cells: list[str], line: int) -> _Header:
    headers = tuple(cell.replace("\ufeff", "").strip() for cell in cells)
    fields: list[str | None] = []
    column_of: dict[str, int] = {}
    keys: list[str] = []
    for index, header in enumerate(headers):
        field = field_for_header(header) if header else None
        if field is not None and field in column_of:
            field = None
        if field is not None:
            column_of[field] = index
        fields.append(field)
        key = EXTRA_PREFIX + (header or f"column {index + 1}")
        if key in keys:  # a repeated header keeps its cells apart
            key = f"{key} #{index + 1}"
        keys.append(key)
    useful = {"title", "artists", "isrc", "spotify_uri", "location"}
    if not useful & set(column_of) and not any(f.startswith("provider_id:") for f in column_of):
        raise _error(
            "not a playlist CSV: the header names no title, artist, ISRC, URI or location column",
            line=line,
        )
    return _Header(
        profile=detect_profile(list(headers)),
        headers=headers,
        fields=tuple(fields),
        keys=tuple(keys),
        column_of=column_of,
    )


_ALBUM_FIELDS = frozenset(
    {"album", "album_artists", "release_date", "album_image", "upc", "album_uri"}
)
_DURATIONS = (("duration_ms", "ms"), ("duration", "?"), ("duration_s", "s"))
# Handled in this order (a Spotify local-file URI comes before the location column).
_RARE_FIELDS = (
    "isrc",
    "explicit",
    "track_number",
    "disc_number",
    "spotify_uri",
    "location",
    "playlist_name",
    "genres",
    "image",
    "musicbrainz_recording_id",
)


class _RowReader:
    """Turns rows into tracks for one file; the per-row work is planned once per header."""

    def __init__(self, header: _Header, strict: bool, on_warning: WarningHandler | None) -> None:
        self.header = header
        self.strict = strict
        self.on_warning = on_warning
        self.playlist_name: str | None = None
        self._first = True
        self._width = len(header.headers)
        self._mapped = [(f, i) for i, f in enumerate(header.fields) if f is not None]
        self.extra_columns = [(i, header.keys[i]) for i, f in enumerate(header.fields) if f is None]
        """Index and ``Track.extras`` key of each column no field takes."""
        present = set(header.column_of)
        self._album = bool(present & _ALBUM_FIELDS)
        self._durations = [(f, unit) for f, unit in _DURATIONS if f in present]
        self._providers = [
            (f, ProviderName(f.partition(":")[2])) for f in present if f.startswith("provider_id:")
        ]
        self._rare = [field for field in _RARE_FIELDS if field in present]
        self.artist_separator = header.profile.artist_separator
        self.genre_separator = header.profile.genre_separator

    def _bad(self, reason: str, line: int, field: str) -> None:
        column = self.header.column_of.get(field)
        col = None if column is None else column + 1
        if self.strict:
            raise _error(reason, line=line, column=col)
        emit_warning(FormatWarning(reason, codec=_NAME, line=line, column=col), self.on_warning)

    def tracks(self, source: _RowSource) -> Iterator[Track]:
        """The tracks of the rows ``source`` has left; blank rows are skipped."""
        track = self.track
        for rows, starts, _ in source.batches():
            for row, start in zip(rows, starts, strict=True):
                if len(row) > _MAX_COLUMNS:
                    raise _error(f"more than {_MAX_COLUMNS} columns", line=start)
                if any(row):
                    yield track(row, start)

    def track(self, row: list[str], line: int) -> Track:
        """The track of one row that starts on ``line``."""
        width = self._width
        extras: dict[str, Any]
        if len(row) != width:
            self._bad(f"row has {len(row)} cells, the header {width}", line, "")
            extras = {
                f"{EXTRA_PREFIX}column {i + 1}": restore(cell)
                for i, cell in enumerate(row[width:], start=width)
                if cell
            }
            row = row[:width] + [""] * (width - len(row))
        else:
            extras = {}
        values = {f: c if c[0] != "'" else restore(c) for f, i in self._mapped if (c := row[i])}
        if self.extra_columns:
            for i, key in self.extra_columns:
                cell = row[i]
                if cell:
                    extras[key] = cell if cell[0] != "'" else restore(cell)
        return self._build(values, extras, line)

    def _keep_raw(self, field: str, cell: str, extras: dict[str, Any]) -> None:
        extras[self.header.keys[self.header.column_of[field]]] = cell

    def _int(self, field: str, cell: str, extras: dict[str, Any], line: int) -> int | None:
        head = _number_head(cell)
        if head.isascii() and head.isdigit():  # int() refuses some Unicode digits ("²")
            return int(head)
        self._bad(f"{field.replace('_', ' ')} {cell!r} is not a number", line, field)
        self._keep_raw(field, cell, extras)
        return None

    def _build(self, values: dict[str, str], extras: dict[str, Any], line: int) -> Track:
        get = values.get
        artists: tuple[ArtistCredit, ...] = ()
        cell = get("artists")
        if cell:
            names = split_list(cell, self.artist_separator)
            uris = get("artist_uris")
            if uris:
                artists = self._credits(names, uris, "artist_uris", extras, line)
            else:
                artists = tuple([ArtistCredit(name) for name in names])
        elif "artist_uris" in values:
            self._keep_raw("artist_uris", values["artist_uris"], extras)

        duration: int | None = None
        for field, unit in self._durations:
            cell = get(field)
            if cell is None:
                continue
            if duration is None:
                try:
                    duration = parse_duration(cell, unit)
                    continue
                except ValueError:
                    self._bad(f"duration {cell!r} is not in ms or m:ss", line, field)
            self._keep_raw(field, cell, extras)

        provider_ids: dict[ProviderName, ProviderTrackId] = {}
        locations: list[str] = []
        isrc = explicit = track_number = disc_number = image = mbid = None
        genres: tuple[str, ...] = ()
        for field in self._rare:  # only the columns this file has
            cell = get(field)
            if field == "playlist_name":
                if self._first:
                    self._first = False
                    self.playlist_name = cell
                elif cell is not None and cell != self.playlist_name:
                    self._keep_raw(field, cell, extras)
            elif cell is None:
                continue
            elif field == "isrc":
                isrc = self._isrc(cell, extras, line)
            elif field == "explicit":
                explicit = self._explicit(cell, extras, line)
            elif field == "track_number":
                track_number = self._int(field, cell, extras, line)
            elif field == "disc_number":
                disc_number = self._int(field, cell, extras, line)
            elif field == "spotify_uri":
                match = _SPOTIFY_TRACK.fullmatch(cell.strip())
                if match:
                    provider_ids[_SPOTIFY] = ProviderTrackId(match[1])
                else:
                    locations.append(cell)
            elif field == "location":
                locations.extend(part for part in cell.split("\n") if part)
            elif field == "genres":
                genres = tuple(split_list(cell, self.genre_separator))
            elif field == "image":
                image = Image(cell)
            else:
                mbid = MusicBrainzId(cell.strip().lower())
        for field, provider in self._providers:
            cell = get(field)
            if cell is None:
                continue
            if provider not in provider_ids:
                provider_ids[provider] = ProviderTrackId(cell.strip())
            else:
                self._keep_raw(field, cell, extras)

        return Track(
            title=get("title", ""),
            artists=artists,
            album=self.album_of(values, extras, line) if self._album else None,
            duration_ms=None if duration is None else DurationMs(duration),
            isrc=isrc,
            track_number=track_number,
            disc_number=disc_number,
            explicit=explicit,
            provider_ids=provider_ids,
            locations=locations,
            image=image,
            musicbrainz_recording_id=mbid,
            genres=genres,
            extras=extras,
        )

    def _isrc(self, cell: str | None, extras: dict[str, Any], line: int) -> str | None:
        if cell is None:
            return None
        cleaned = _clean_isrc(cell)
        if cleaned is not None:
            return cleaned
        self._bad(f"ISRC {cell!r} is not 12 characters CCXXXYYNNNNN", line, "isrc")
        self._keep_raw("isrc", cell, extras)
        return None

    def _explicit(self, cell: str | None, extras: dict[str, Any], line: int) -> bool | None:
        if cell is None:
            return None
        lowered = cell.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        self._bad(f"explicit flag {cell!r} is not true/false", line, "explicit")
        self._keep_raw("explicit", cell, extras)
        return None

    def _credits(
        self, names: list[str], uris: str, field: str, extras: dict[str, Any], line: int
    ) -> tuple[ArtistCredit, ...]:
        """Credits with Spotify ids from a URI list that should pair with ``names``."""
        ids = _uri_ids(uris, _SPOTIFY_ARTIST)
        if ids is None or len(ids) != len(names):
            self._bad(f"{field.replace('_', ' ')} do not pair with the names", line, field)
            self._keep_raw(field, uris, extras)
            return tuple([ArtistCredit(name) for name in names])
        return tuple(
            [
                ArtistCredit(name, provider_ids={_SPOTIFY: i} if i else {})
                for name, i in zip(names, ids, strict=True)
            ]
        )

    def album_of(self, values: dict[str, str], extras: dict[str, Any], line: int) -> Album | None:
        """The album of a row's (restored, non-empty) ``values``; ``None`` when it has none."""
        get = values.get
        title = get("album")
        album_artists = get("album_artists")
        release = get("release_date")
        image = get("album_image")
        upc = get("upc")
        uri = get("album_uri")
        if not (title or album_artists or release or image or upc or uri):
            return None
        credits: tuple[ArtistCredit, ...] = ()
        uris = get("album_artist_uris")
        if album_artists:
            names = split_list(album_artists, self.artist_separator)
            if uris:
                credits = self._credits(names, uris, "album_artist_uris", extras, line)
            else:
                credits = tuple([ArtistCredit(n) for n in names])
        elif uris:
            self._keep_raw("album_artist_uris", uris, extras)
        album_ids: dict[ProviderName, str] = {}
        if uri:
            if uri.startswith(_SPOTIFY_ALBUM):
                album_ids[_SPOTIFY] = uri[len(_SPOTIFY_ALBUM) :]
            else:
                self._keep_raw("album_uri", uri, extras)
        return Album(
            title=title or "",
            artists=credits,
            release_date=release,
            upc=upc,
            provider_ids=album_ids,
            images=(Image(image),) if image else (),
        )


def _clean_isrc(cell: str) -> str | None:
    """The ISRC in ``cell`` (dashes and spaces dropped, upper case), if it is one."""
    cleaned = cell if len(cell) == 12 else cell.replace("-", "").replace(" ", "").strip()
    cleaned = cleaned.upper()
    return cleaned if _ISRC.match(cleaned) else None


def _number_head(cell: str) -> str:
    """The part of a number cell before a slash (``"3/12"`` track numbers)."""
    return cell.strip().split("/", 1)[0].strip()


def _uri_ids(cell: str | None, prefix: str) -> list[str] | None:
    """Ids from ``"spotify:artist:A,spotify:artist:B"``; ``None`` when not such a list."""
    if not cell:
        return None
    ids: list[str] = []
    for raw in cell.split(","):
        part = raw.strip()
        if part.startswith(prefix):
            ids.append(part[len(prefix) :])
        elif part:
            return None
        else:
            ids.append("")
    return ids


# Fields the fast path takes. A header with any other field (URI lists that pair with names,
# album URIs, provider ids, the playlist name, images, MusicBrainz ids) or with two duration
# columns reads every row through the general path.
_FAST_ROW_FIELDS = (
    *("title", "artists", "isrc", "explicit", "track_number", "disc_number", "spotify_uri"),
    *("location", "genres"),
)
"""What the fast path reads from a row besides its duration and album cells."""
_FAST_ALBUM_FIELDS = ("album", "album_artists", "release_date", "upc", "album_image")
_FAST_FIELDS = frozenset(
    {*_FAST_ROW_FIELDS, *(field for field, _ in _DURATIONS), *_FAST_ALBUM_FIELDS}
)
_EXPLICIT = {**dict.fromkeys(_FALSE, False), **dict.fromkeys(_TRUE, True)}
_CACHE_ENTRIES = 8192
"""Distinct cells each memo holds before it starts again (memory stays bounded)."""
_CACHE_KEY_CHARS = 256
"""Longer cells are not kept in a memo."""

_AlbumKey = str | tuple[str, ...]
_COLUMN_ROWS = 8
"""Batches this long or longer are built column by column."""
_EXPLICIT_CELLS: dict[str, bool | None] = {
    variant: value
    for word, value in _EXPLICIT.items()
    for variant in (word, word.upper(), word.title())
}
_EXPLICIT_CELLS[""] = None
_NO_ISRC: dict[str, None] = {"": None}
"""``_NO_ISRC.get(cell, cell)``: ``None`` for an empty ISRC cell, else the cell."""


class _FastRows:
    """:meth:`_RowReader.track` for the rows that hold nothing unusual, at a fraction of its cost.

    Which cell feeds which field is planned once per header. Artist, genre and album cells
    repeat from row to row, so their values are built once per distinct cell: they are
    immutable and equal by value, so tracks can share them. A batch of plain lines is built
    column by column (:meth:`_columns`: C-level ``map`` and ``zip`` over whole columns, so
    the cost per row is little more than the ``Track`` itself); any other batch row by row
    (:meth:`_one_by_one`). A row neither can take exactly as the general path would (a cell
    count other than the header's, a cell starting with an apostrophe, a value that does
    not parse) goes to :meth:`_RowReader.track`, which warns, raises or keeps the raw cell
    as it always does.
    """

    def __init__(self, rows: _RowReader) -> None:
        header = rows.header
        column = header.column_of
        self._rows = rows
        self._width = width = len(header.headers)
        unit = next((u for f, u in _DURATIONS if f in column), "ms")
        self._unit = unit
        self._ms = unit == "ms"
        duration = next((f for f, _ in _DURATIONS if f in column), "")
        # Duration third: the order in which _columns unpacks the cells.
        self._fields = (*_FAST_ROW_FIELDS[:2], duration, *_FAST_ROW_FIELDS[2:])
        self._columns_of = tuple(column.get(field) for field in self._fields)
        # A field without a column reads the empty cell appended after the last one.
        self._pick = operator.itemgetter(*(width if i is None else i for i in self._columns_of))
        self._album_fields = tuple(f for f in _FAST_ALBUM_FIELDS if f in column)
        self._album_columns = tuple(column[f] for f in self._album_fields)
        self._album_key: Callable[[list[str]], _AlbumKey] | None = (
            operator.itemgetter(*self._album_columns) if self._album_columns else None
        )
        self._extra = rows.extra_columns
        self._artists = BuiltOnLookup(self._credits, _CACHE_ENTRIES, _short)
        self._genres = BuiltOnLookup(self._genre_list, _CACHE_ENTRIES, _short)
        self._albums = BuiltOnLookup(self._album, _CACHE_ENTRIES, _short)

    @classmethod
    def plan(cls, rows: _RowReader) -> _FastRows | None:
        """The fast path for ``rows``' header, or ``None`` when it has fields it leaves out."""
        fields = set(rows.header.column_of)
        if fields - _FAST_FIELDS or sum(1 for f, _ in _DURATIONS if f in fields) > 1:
            return None
        return cls(rows)

    def tracks(self, source: _RowSource) -> Iterator[Track]:
        """The tracks of the rows ``source`` has left, as :meth:`_RowReader.tracks` makes them.

        Batch after batch, as the tracks are asked for (a C-level chain: no generator frame
        to resume per track).
        """
        return chain.from_iterable(map(self._batch, source.batches()))

    def _batch(self, batch: tuple[list[list[str]], Sequence[int], bool]) -> Iterable[Track]:
        rows, starts, bare = batch
        built = self._columns(rows, bare) if len(rows) >= _COLUMN_ROWS else None
        return self._one_by_one(rows, starts) if built is None else built

    def _columns(self, rows: list[list[str]], bare: bool = False) -> list[Track] | None:
        """The tracks of plain ``rows``, column by column; ``None`` if one needs more care.

        The rows come from plain lines, so no cell holds a line break; with ``bare`` no cell
        starts with an apostrophe either.
        """
        count = len(rows)
        try:
            columns = list(zip(*rows, strict=True))
        except ValueError:
            return None  # ragged rows
        if len(columns) != self._width:
            return None
        if not (any(map(all, columns)) or all(map(any, rows))):
            return None  # a blank row (no column is full, and a row is empty)
        if not bare:
            everything = "\x00".join(chain.from_iterable(rows))  # no cell holds a NUL
            if everything[:1] == "'" or "\x00'" in everything:
                return None  # a cell to restore
        (
            titles,
            artists,
            durations,
            isrcs,
            explicit,
            track_numbers,
            disc_numbers,
            uris,
            locations,
            genres,
        ) = (None if i is None else columns[i] for i in self._columns_of)
        credits: Iterable[tuple[ArtistCredit, ...]] = repeat((), count)
        if artists is not None:
            credits = map(self._artists.__getitem__, artists)
        albums: Iterable[Album | None] = repeat(None, count)
        if self._album_columns:
            keys: Iterable[_AlbumKey] = columns[self._album_columns[0]]
            if len(self._album_columns) > 1:
                keys = zip(*(columns[i] for i in self._album_columns), strict=True)
            albums = map(self._albums.__getitem__, keys)
        ms: Iterable[int | None] = repeat(None, count)
        if durations is not None:
            if not (self._ms and all(durations) and _ascii_digits("".join(durations))):
                return None
            ms = map(int, durations)
        if isrcs is not None and not all(map(_ISRC.match, filter(None, isrcs))):
            return None  # "" is no ISRC to Track, like None
        flags: Iterable[bool | None] = repeat(None, count)
        if explicit is not None:
            if not _EXPLICIT_CELLS.keys() >= set(explicit):
                return None
            flags = map(_EXPLICIT_CELLS.__getitem__, explicit)
        numbers = _numbers(track_numbers, count)
        discs = _numbers(disc_numbers, count)
        if numbers is None or discs is None:
            return None
        provider_ids: Iterable[Mapping[ProviderName, ProviderTrackId]] = repeat(EMPTY, count)
        if uris is not None:
            matches = list(map(_SPOTIFY_TRACK.fullmatch, uris))
            if not all(matches):
                return None  # local files and empty cells
            provider_ids = [_frozen({_SPOTIFY: ProviderTrackId(m[1])}) for m in matches if m]
        places: Iterable[tuple[str, ...]] = repeat((), count)
        if locations is not None:
            if not all(locations):
                return None
            places = zip(locations)
        genre_lists: Iterable[tuple[str, ...]] = repeat((), count)
        if genres is not None:
            genre_lists = map(self._genres.__getitem__, genres)
        extras: Iterable[Mapping[str, str]] = repeat(EMPTY, count)
        if self._extra:
            keys_of = [key for _, key in self._extra]
            cells = zip(*(columns[i] for i, _ in self._extra), strict=True)
            extras = [
                _frozen({k: c for k, c in zip(keys_of, row, strict=True) if c}) for row in cells
            ]
        # Every value is in the model's normal form (tuples, frozen mappings, clean ISRCs),
        # so the tracks are assembled without Track's converters.
        return list(
            map(
                assemble_track,
                ("",) * count if titles is None else titles,
                credits,
                albums,
                ms,
                repeat(None, count) if isrcs is None else map(_NO_ISRC.get, isrcs, isrcs),
                numbers,
                discs,
                flags,
                provider_ids,
                places,
                repeat(None, count),
                repeat(None, count),
                genre_lists,
                extras,
            )
        )

    def _one_by_one(self, rows: list[list[str]], starts: Sequence[int]) -> Iterator[Track]:
        """The tracks of ``rows`` (starting on the lines ``starts``), row by row."""
        general = self._rows.track
        width = self._width
        pick = self._pick
        album_key = self._album_key
        albums = self._albums
        artists_of = self._artists
        genres_of = self._genres
        extra = self._extra
        ms_unit = self._ms
        unit = self._unit
        isrc_match = _ISRC.match
        for row, line in zip(rows, starts, strict=True):
            if len(row) != width:
                if len(row) > _MAX_COLUMNS:
                    raise _error(f"more than {_MAX_COLUMNS} columns", line=line)
                if any(row):
                    yield general(row, line)
                continue
            if not any(row):
                continue
            row.append("")  # the cell of every fast field without a column
            (
                title,
                artists,
                duration,
                isrc,
                explicit,
                track_number,
                disc_number,
                uri,
                location,
                genres,
            ) = pick(row)
            if title[:1] == "'":
                yield self._general(row, line)
                continue
            credits = artists_of[artists]
            album = None
            if album_key is not None:
                album = albums[album_key(row)]
            ms: int | None = None
            if duration:
                try:
                    ms = int(duration) if ms_unit and duration.isdigit() else None
                    if ms is None:
                        ms = parse_duration(duration, unit)
                except ValueError:
                    yield self._general(row, line)
                    continue
            if isrc and not (len(isrc) == 12 and isrc_match(isrc)):
                isrc = _clean_isrc(isrc)  # an upper-case 12-character match is already clean
                if isrc is None:
                    yield self._general(row, line)
                    continue
            flag: bool | None = None
            if explicit:
                flag = _EXPLICIT.get(explicit.strip().lower())
                if flag is None:
                    yield self._general(row, line)
                    continue
            number = disc = None
            if track_number or disc_number:
                number = _number(track_number) if track_number else None
                disc = _number(disc_number) if disc_number else None
                if (track_number and number is None) or (disc_number and disc is None):
                    yield self._general(row, line)
                    continue
            provider_ids: Mapping[ProviderName, ProviderTrackId] = EMPTY
            locations: tuple[str, ...] = ()
            if uri or location:
                if uri[:1] == "'" or location[:1] == "'":
                    yield self._general(row, line)
                    continue
                if uri:
                    match = _SPOTIFY_TRACK.fullmatch(uri.strip())
                    if match:
                        provider_ids = _frozen({_SPOTIFY: ProviderTrackId(match[1])})
                    else:
                        locations = (uri,)
                if locations or "\n" in location:
                    locations = (*locations, *(part for part in location.split("\n") if part))
                elif location:
                    locations = (location,)
            genre_names: tuple[str, ...] = ()
            if genres:
                genre_names = genres_of[genres]
            extras: Mapping[str, str] = EMPTY
            if extra:
                extras = _frozen(
                    {k: c if c[0] != "'" else restore(c) for i, k in extra if (c := row[i])}
                )
            # Every value is in the model's normal form: assembled without Track's converters.
            yield assemble_track(
                title,
                credits,
                album,
                None if ms is None else DurationMs(ms),
                isrc or None,
                number,
                disc,
                flag,
                provider_ids,
                locations,
                None,
                None,
                genre_names,
                extras,
            )

    def _general(self, row: list[str], line: int) -> Track:
        del row[-1]  # the empty cell :meth:`track` appended
        return self._rows.track(row, line)

    def _credits(self, cell: str) -> tuple[ArtistCredit, ...]:
        credits: tuple[ArtistCredit, ...] = ()
        if cell:
            names = split_list(restore(cell), self._rows.artist_separator)
            credits = tuple([ArtistCredit(name) for name in names])
        return credits

    def _genre_list(self, cell: str) -> tuple[str, ...]:
        return tuple(split_list(restore(cell), self._rows.genre_separator))

    def _album(self, key: _AlbumKey) -> Album | None:
        if isinstance(key, str) and self._album_fields == ("album",):
            return Album(restore(key)) if key else None  # what album_of makes of a title alone
        cells = (key,) if isinstance(key, str) else key
        values = {f: restore(c) for f, c in zip(self._album_fields, cells, strict=True) if c}
        return self._rows.album_of(values, {}, 0)  # the fast fields never warn: no line


def _number(cell: str) -> int | None:
    """A track or disc number as :meth:`_RowReader.track` reads it; ``None`` if it is not one."""
    head = _number_head(cell)
    return int(head) if head.isdigit() and head.isascii() else None


def _frozen(mapping: dict[Any, Any]) -> Mapping[Any, Any]:
    """``mapping`` as the model keeps it: read-only, the shared empty one when empty."""
    return MappingProxyType(mapping) if mapping else EMPTY


def _numbers(column: tuple[str, ...] | None, count: int) -> Iterable[int | None] | None:
    """Track or disc numbers of a column of plain digits; ``None`` for any other column."""
    if column is None:
        return repeat(None, count)
    if all(column) and _ascii_digits("".join(column)):
        return map(int, column)
    return None


def _ascii_digits(text: str) -> bool:
    return text.isdigit() and text.isascii()


def _short(key: _AlbumKey) -> bool:
    """Whether a cell (or an album's cells) is short enough to keep in a memo."""
    return (len(key) if isinstance(key, str) else sum(map(len, key))) <= _CACHE_KEY_CHARS


# --------------------------------------------------------------------------- writing


_Getter = Callable[[Track], str]


def _artist_names(credits: tuple[ArtistCredit, ...], separator: str) -> str:
    return join_list([credit.name for credit in credits], separator)


def _artist_uris(credits: tuple[ArtistCredit, ...]) -> str:
    ids = [credit.provider_ids.get(_SPOTIFY) for credit in credits]
    if not ids or not all(ids):
        return ""
    return ",".join(_SPOTIFY_ARTIST + str(i) for i in ids)


def _spotify_uri(track: Track) -> str:
    spotify = track.provider_ids.get(_SPOTIFY)
    if spotify:
        return "spotify:track:" + spotify
    if track.locations and track.locations[0].startswith("spotify:"):
        return track.locations[0]
    return ""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _getter(field: str | None, header: str, profile: CsvProfile, playlist: Playlist) -> _Getter:
    """How a column's cell is made from a track ("" when the track has no value)."""
    artist_sep = profile.artist_separator
    genre_sep = profile.genre_separator
    key = EXTRA_PREFIX + header
    if field is None:
        return lambda t: _text(t.extras.get(key))
    if field == "playlist_name":
        name = playlist.name or ""
        return lambda t: _text(t.extras.get(key) or name)
    if field.startswith("provider_id:"):
        provider = ProviderName(field.partition(":")[2])
        return lambda t: t.provider_ids.get(provider) or ""
    getters: dict[str, _Getter] = {
        "title": lambda t: t.title,
        "artists": lambda t: _artist_names(t.artists, artist_sep) if t.artists else "",
        "artist_uris": lambda t: _artist_uris(t.artists),
        "album": lambda t: t.album.title if t.album else "",
        "album_uri": lambda t: (
            _SPOTIFY_ALBUM + t.album.provider_ids[_SPOTIFY]
            if t.album and t.album.provider_ids.get(_SPOTIFY)
            else ""
        ),
        "album_artists": lambda t: _artist_names(t.album.artists, artist_sep) if t.album else "",
        "album_artist_uris": lambda t: _artist_uris(t.album.artists) if t.album else "",
        "release_date": lambda t: _text(t.album.release_date) if t.album else "",
        "album_image": lambda t: t.album.images[0].url if t.album and t.album.images else "",
        "upc": lambda t: _text(t.album.upc) if t.album else "",
        "disc_number": lambda t: _text(t.disc_number),
        "track_number": lambda t: _text(t.track_number),
        "duration_ms": lambda t: _text(t.duration_ms),
        "explicit": lambda t: "" if t.explicit is None else _format_bool(t.explicit),
        "isrc": lambda t: t.isrc or "",
        "spotify_uri": _spotify_uri,
        "genres": lambda t: join_list(t.genres, genre_sep),
        "location": lambda t: "\n".join(t.locations),
        "image": lambda t: t.image.url if t.image else "",
        "musicbrainz_recording_id": lambda t: t.musicbrainz_recording_id or "",
    }
    return getters[field]


def _used_in(tracks: list[Track]) -> set[str]:
    """The generic-profile fields that some track of ``tracks`` has a value for.

    Found field by field: each field's scan stops at the first track with a value
    (``any``), so a field most tracks have costs next to nothing; albums are looked at
    once each.
    """
    used = {"title", "artists"}
    for field in ("duration_ms", "isrc", "track_number", "disc_number", "explicit", "image"):
        if not all(map(is_, map(attrgetter(field), tracks), repeat(None))):
            used.add(field)
    if any(map(attrgetter("musicbrainz_recording_id"), tracks)):
        used.add("musicbrainz_recording_id")
    if any(map(attrgetter("genres"), tracks)):
        used.add("genres")
    if any(map(attrgetter("locations"), tracks)):
        used.add("location")
    albums = {id(album): album for album in map(attrgetter("album"), tracks)}
    albums.pop(id(None), None)
    if albums:
        used.add("album")
        for field, attribute in _USED_ALBUM_FIELDS:
            if any(map(attrgetter(attribute), albums.values())):
                used.add(field)
    providers = set().union(*map(attrgetter("provider_ids"), tracks))
    used.update(f"provider_id:{provider}" for provider in providers)
    return used


_USED_ALBUM_FIELDS = (
    ("album_artists", "artists"),
    ("release_date", "release_date"),
    ("upc", "upc"),
    ("album_image", "images"),
)


def _plan_columns(profile: CsvProfile, sample: list[Track]) -> list[Column]:
    """The columns to write: the profile's, plus what the sample tracks need."""
    if profile.dynamic:
        used = _used_in(sample)
        for track in sample:
            extras = track.extras
            if extras:
                used.update(
                    c.field
                    for c in profile.columns
                    if c.field and EXTRA_PREFIX + c.header in extras
                )
        columns = [c for c in profile.columns if c.field in used]
        providers = sorted(f for f in used if f.startswith("provider_id:"))
        columns.extend(Column(f"{f.partition(':')[2]}_id", f) for f in providers)
    else:
        columns = list(profile.columns)
    headers = {c.header for c in columns}
    for track in sample:
        for key in track.extras or ():
            if key.startswith(EXTRA_PREFIX) and key != _PROFILE_KEY:
                header = key[len(EXTRA_PREFIX) :]
                if header not in headers:
                    headers.add(header)
                    columns.append(Column(header, None))
    return columns


class _LossCounter:
    """Counts, per model field, the tracks whose value the chosen columns cannot carry."""

    def __init__(self, columns: list[Column]) -> None:
        self.carried = {c.field for c in columns if c.field is not None}
        self.headers = {c.header for c in columns}
        self.counts: Counter[str] = Counter()
        self.spotify_only = "spotify_uri" in self.carried
        self.uncarried = tuple(
            field
            for field in ("duration_ms", "isrc", "track_number", "disc_number", "explicit")
            if field not in self.carried
        )
        """The fields among these five that no column carries."""

    def add(self, track: Track) -> None:
        counts = self.counts
        carried = self.carried
        if track.artists:
            if "artists" not in carried:
                counts["artists"] += 1
            else:
                self._credits(track.artists, "artists", "artist_uris" in carried)
        album = track.album
        if album is not None:
            if "album" not in carried:
                counts["album"] += 1
            else:
                if album.artists:
                    if "album_artists" in carried:
                        self._credits(
                            album.artists, "album.artists", "album_artist_uris" in carried
                        )
                    else:
                        counts["album.artists"] += 1
                if album.release_date and "release_date" not in carried:
                    counts["album.release_date"] += 1
                if album.upc and "upc" not in carried:
                    counts["album.upc"] += 1
                if album.musicbrainz_id:
                    counts["album.musicbrainz_id"] += 1
                for provider in album.provider_ids:
                    if not (provider == "spotify" and "album_uri" in carried):
                        counts[f"album.provider_ids.{provider}"] += 1
                if album.images:
                    if "album_image" not in carried or len(album.images) > 1:
                        counts["album.images"] += 1
                    elif album.images[0].width or album.images[0].height:
                        counts["album.images.size"] += 1
        for field in self.uncarried:
            if getattr(track, field) is not None:
                counts[field] += 1
        if track.musicbrainz_recording_id and "musicbrainz_recording_id" not in carried:
            counts["musicbrainz_recording_id"] += 1
        if track.genres and "genres" not in carried:
            counts["genres"] += 1
        if track.image is not None:
            if "image" not in carried:
                counts["image"] += 1
            elif track.image.width or track.image.height:
                counts["image.size"] += 1
        for provider in track.provider_ids:
            if provider == "spotify" and self.spotify_only:
                continue
            if f"provider_id:{provider}" not in carried:
                counts[f"provider_ids.{provider}"] += 1
        if track.locations:
            if "location" in carried:
                if any(not loc or "\n" in loc for loc in track.locations):
                    counts["locations"] += 1
            elif self.spotify_only:
                spotify_local = track.locations[0].startswith("spotify:") and not (
                    track.provider_ids.get(_SPOTIFY)
                )
                if len(track.locations) > int(spotify_local):
                    counts["locations"] += 1
            else:
                counts["locations"] += 1
        for key in track.extras:
            if not key.startswith(EXTRA_PREFIX) or key[len(EXTRA_PREFIX) :] not in self.headers:
                counts[f"extras.{key}"] += 1

    def _credits(self, credits: tuple[ArtistCredit, ...], label: str, uris: bool) -> None:
        for c in credits:
            name = c.name
            if (
                c.role is not None
                or c.join_phrase is not None
                or c.musicbrainz_id
                or c.provider_ids
                or not name
                or name[0].isspace()
                or name[-1].isspace()
            ):
                break
        else:
            return  # the common case: plain names, nothing to lose
        counts = self.counts
        if any(c.role is not None for c in credits):
            counts[f"{label}.role"] += 1
        if any(c.join_phrase is not None for c in credits):
            counts[f"{label}.join_phrase"] += 1
        if any(c.musicbrainz_id for c in credits):
            counts[f"{label}.musicbrainz_id"] += 1
        ids = [c.provider_ids for c in credits]
        if any(ids):
            spotify_all = all(i.get(_SPOTIFY) for i in ids)
            if not (uris and spotify_all and all(set(i) == {"spotify"} for i in ids)):
                counts[f"{label}.provider_ids"] += 1
        if any(not c.name.strip() or c.name != c.name.strip() for c in credits):
            counts[f"{label}.name"] += 1

    def losses(self, playlist: Playlist) -> tuple[Loss, ...]:
        found = [Loss(field, count) for field, count in sorted(self.counts.items())]
        playlist_fields: list[tuple[str, object]] = [
            ("name", None if "playlist_name" in self.carried else playlist.name),
            ("description", playlist.description),
            ("owner", playlist.owner),
            ("image", playlist.image),
            ("public", playlist.public),
            ("collaborative", playlist.collaborative),
            ("created_at", playlist.created_at),
            ("updated_at", playlist.updated_at),
            ("provider_ref", playlist.provider_ref),
        ]
        for field, value in playlist_fields:
            if value is not None:
                found.append(Loss(f"playlist.{field}", 0))
        found.extend(
            Loss(f"playlist.extras.{key}", 0) for key in playlist.extras if key != _PROFILE_KEY
        )
        return tuple(found)


def _open(
    stream: BinaryIO, *, strict: bool, on_warning: WarningHandler | None, fast: bool = True
) -> tuple[_RowReader, Generator[Track, None, None]]:
    """Read the header of ``stream``; return its row reader and the track iterator.

    ``fast=False`` turns the fast paths off (every line through :func:`csv.reader`, every
    row through :meth:`_RowReader.track`): the tests compare both.
    """
    head = stream.read(_HEAD)
    if not head.strip():
        raise _error("empty file: no header row", line=1)
    encoding, bom = _encoding(head)
    head_text = head[bom:].decode(encoding, errors="replace")
    declared, header_line = _dialect_line(head_text)
    delimiter = declared or _header_delimiter(header_line)[0]
    if csv.field_size_limit() < _MAX_ROW:
        csv.field_size_limit(_MAX_ROW)
    raw = io.BufferedReader(_Rejoined(head[bom:], stream), buffer_size=_HEAD)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
    source = _RowSource(
        text,
        encoding=encoding,
        delimiter=delimiter,
        strict=strict,
        on_warning=on_warning,
        split=fast,
    )
    header_row: list[str] | None = None
    for (row,), _, _ in source.batches(max_rows=1):
        if declared and row and len(row) <= 2 and row[0].strip().lower() == "sep=":
            declared = None  # the directive line itself
            continue
        if any(cell.strip() for cell in row):
            header_row = row
            break
    if header_row is None:
        raise _error("empty file: no header row", line=source.lines or 1)
    if len(header_row) > _MAX_COLUMNS:
        raise _error(f"more than {_MAX_COLUMNS} columns", line=source.lines)
    header = _compile_header([restore(cell) for cell in header_row], source.lines)
    rows = _RowReader(header, strict, on_warning)
    fast_rows = _FastRows.plan(rows) if fast else None

    def tracks() -> Generator[Track, None, None]:
        try:
            yield from (rows if fast_rows is None else fast_rows).tracks(source)
        finally:
            text.detach()  # the caller's stream stays open

    return rows, tracks()


# --------------------------------------------------------------------------- codec


@attrs.frozen
class CsvCodec:
    """CSV playlists in the column sets of Exportify, TuneMyMusic, Soundiiz or plain columns.

    ``CSV`` (profile ``None``) reads any of them and writes a playlist back in the profile
    it was read with (kept in ``Playlist.extras["csv.profile"]``), or in the generic
    profile. ``CSV.with_profile("tunemymusic")`` always writes that column set.
    """

    profile: str | None = None
    """Profile to write (``"exportify"``, ``"exportify-old"``, ``"tunemymusic"``,
    ``"soundiiz"``, ``"generic"``), or ``None`` for the playlist's own."""

    name: str = "csv"
    extensions: tuple[str, ...] = ("csv", "tsv")
    media_types: tuple[str, ...] = ("text/csv", "text/tab-separated-values", "application/csv")

    profiles: tuple[str, ...] = attrs.field(default=tuple(PROFILES), init=False)
    """Names of the known profiles."""

    def __attrs_post_init__(self) -> None:
        if self.profile is not None and self.profile not in PROFILES:
            known = ", ".join(PROFILES)
            raise ValueError(f"unknown CSV profile {self.profile!r} (known: {known})")

    def with_profile(self, profile: str | None) -> CsvCodec:
        """A codec that writes ``profile``'s columns."""
        return attrs.evolve(self, profile=profile)

    # ---- reading

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole playlist (see the module docstring for the rules).

        The cyclic garbage collector is paused while the rows are read (and restored as it
        was): the model's immutable objects form no cycles, and its repeated passes over a
        growing list of tracks would otherwise cost as much as the reading itself.
        """
        with open_source(source) as stream:
            reader, rows = _open(stream, strict=strict, on_warning=on_warning)
            with gc_paused():
                tracks = list(rows)
        return self._playlist(source, reader, tracks)

    def read_metadata(self, source: Source) -> Playlist:
        """The playlist without its tracks, from the header and first row only."""
        with open_source(source) as stream:
            reader, rows = _open(stream, strict=False, on_warning=lambda _w: None)
            next(rows, None)
            rows.close()
        return self._playlist(source, reader, [])

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield tracks one by one; memory stays bounded by the longest row."""
        with open_source(source) as stream:
            _, rows = _open(stream, strict=strict, on_warning=on_warning)
            yield from rows

    def _playlist(self, source: Source, reader: _RowReader, tracks: list[Track]) -> Playlist:
        name = reader.playlist_name
        location = None
        if isinstance(source, str | os.PathLike):
            location = os.fspath(source)
            if name is None:
                stem = os.path.splitext(os.path.basename(location))[0]
                name = stem.replace("_", " ").strip() or None
        return Playlist(
            name=name,
            tracks=tracks,
            location=location,
            extras={_PROFILE_KEY: reader.header.profile.name},
        )

    # ---- writing

    def _profile_for(self, playlist: Playlist) -> CsvProfile:
        if self.profile is not None:
            return PROFILES[self.profile]
        named = playlist.extras.get(_PROFILE_KEY)
        return PROFILES.get(named, GENERIC) if isinstance(named, str) else GENERIC

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist``; the result lists every field no column carries."""
        out = io.BytesIO()
        losses = self._write(playlist, playlist.tracks, out, sample=list(playlist.tracks))
        return WriteResult(data=out.getvalue(), losses=losses)

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write incrementally; columns are planned from the first 1000 tracks."""
        iterator = iter(tracks)
        sample: list[Track] = []
        for track in iterator:
            sample.append(track)
            if len(sample) >= _SCAN_TRACKS:
                break
        return self._write(playlist, _chain(sample, iterator), out, sample=sample)

    def _write(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO, sample: list[Track]
    ) -> tuple[Loss, ...]:
        profile = self._profile_for(playlist)
        columns = _plan_columns(profile, sample)
        getters = [_getter(c.field, c.header, profile, playlist) for c in columns]
        # A value kept raw in extras under a column's header fills that column when empty.
        fallbacks = [EXTRA_PREFIX + c.header for c in columns]
        counter = _LossCounter(columns)
        # The BOM that "utf-8-sig" would write (not when appending to a seekable stream),
        # then plain UTF-8, encoded a block of rows at a time.
        if not (out.seekable() and out.tell() != 0):
            out.write(codecs.BOM_UTF8)
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([neutralise(c.header) for c in columns])
        writerow = writer.writerow
        risky = _RISKY
        rows = 0
        for track in tracks:
            counter.add(track)
            cells = [get(track) for get in getters]
            extras = track.extras
            if extras:
                cells = [c or _text(extras.get(k)) for c, k in zip(cells, fallbacks, strict=True)]
            cells = [c if not c or c[0] not in risky else neutralise(c) for c in cells]
            joined = "".join(cells)
            if not joined:
                counter.counts["tracks.empty"] += 1
            elif "\x00" in joined:  # a NUL would make the file read as binary
                cells = [c.replace("\x00", "") for c in cells]
                counter.counts["text.nul_characters"] += 1
                if not any(cells):
                    counter.counts["tracks.empty"] += 1
            writerow(cells)
            rows += 1
            if rows == _ROWS_PER_WRITE:
                out.write(text.getvalue().encode("utf-8"))
                text.seek(0)
                text.truncate()
                rows = 0
        out.write(text.getvalue().encode("utf-8"))
        return counter.losses(playlist)

    # ---- sniffing

    def sniff(self, head: bytes) -> float:
        """Confidence from the header line: 0.95 for a known exporter's header."""
        try:
            encoding, bom = _encoding(head)
        except PlaylistFormatError:
            return 0.0
        text = head[bom:].decode(encoding, errors="replace")
        declared, line = _dialect_line(text)
        line = line.strip()
        if not line or line[0] in "#<[{":
            return 0.0
        if declared:
            cells = next(csv.reader([line], delimiter=declared), [])
        else:
            _, cells = _header_delimiter(line)
        if len(cells) < 2:
            return 0.0
        known = sum(1 for cell in cells if field_for_header(cell) is not None)
        if detect_profile(cells) is not GENERIC:
            return 0.95
        if known >= 2:
            return 0.9
        if known == 1:
            return 0.5
        return 0.2


def _chain(first: list[Track], rest: Iterator[Track]) -> Iterator[Track]:
    yield from first
    yield from rest


CSV = CsvCodec()
"""The CSV codec (writes each playlist in the profile it was read with, else generic)."""
