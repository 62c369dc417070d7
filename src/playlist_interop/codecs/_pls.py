"""PLS (Winamp/SHOUTcast ``[playlist]`` files)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, BinaryIO

from playlist_interop.codecs._base import (
    FormatWarning,
    Loss,
    Source,
    WarningHandler,
    WriteResult,
    emit_warning,
    open_source,
    write_in_memory,
)
from playlist_interop.codecs._text import find_control, head_text, iter_line_batches
from playlist_interop.codecs._winamp import (
    ARTISTS_IN_TITLE,
    ISRC_LOSS,
    NO_ALBUM,
    ROUNDED,
    LossTally,
    clean_text,
    display_parts,
    format_seconds,
    join_display,
    parse_seconds,
    plain_location,
)
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist, Track
from playlist_interop.model._track import EMPTY_MAPPING, assemble_entry
from playlist_interop.types import DurationMs

__all__ = ["PLS", "PLSCodec"]

KEYS = "pls.keys"
"""Extras key (track and playlist) holding keys PLS readers do not know, by name."""

_NAME = "pls"
_NAME_KEY = "x-gnome-title"  # the playlist title, as totem-pl-parser writes it
_NUMBERED = re.compile(r"([A-Za-z][A-Za-z_.-]*?)(\d{1,9})")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_SECTION = re.compile(r"\[([^\]]*)\]")
_DIGITS = "0123456789"
_FIELDS = frozenset({"file", "title", "length"})
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9 _.-]*")
_WINDOW = 4096
_FLUSH_LINES = 2048


class _Entry:
    __slots__ = ("extra", "file", "first_line", "has_length", "length", "title")

    def __init__(self, first_line: int) -> None:
        self.first_line = first_line
        self.file: str | None = None
        self.title: str | None = None
        self.length: DurationMs | None = None
        self.has_length = False
        self.extra: dict[str, str] = {}


class _Reader:
    """One pass over a PLS file.

    Entries are kept in a window of at most ``_WINDOW`` pending indices and yielded in
    index order: every real file (keys grouped by entry, any order inside the window) is
    read exactly, in bounded memory. A key for an entry that already left the window is
    reported like any other error.
    """

    def __init__(self, *, strict: bool, on_warning: WarningHandler | None) -> None:
        self.strict = strict
        self.on_warning = on_warning
        self.name: str | None = None
        self.keys: dict[str, str] = {}
        self.declared_count: int | None = None
        self.version: str | None = None
        self.count = 0
        self._pending: dict[int, _Entry] = {}
        self._emitted_max = 0
        self._last_index = 0
        self._count_line: int | None = None
        self._gap_line: int | None = None  # first line of the first entry after a gap
        self._seen_single: set[str] = set()

    def problem(
        self,
        reason: str,
        line: int | None = None,
        column: int | None = None,
        *,
        then: str | None = None,
    ) -> None:
        """An error in strict mode, a warning otherwise; ``then`` says what lenient mode does."""
        if self.strict:
            raise PlaylistFormatError(reason, codec=_NAME, line=line, column=column)
        if then:
            reason = f"{reason}; {then}"
        emit_warning(FormatWarning(reason, codec=_NAME, line=line, column=column), self.on_warning)

    def warn(self, reason: str, line: int | None = None) -> None:
        emit_warning(FormatWarning(reason, codec=_NAME, line=line), self.on_warning)

    def tracks(self, stream: BinaryIO) -> Iterator[Track]:
        header_seen = False
        in_playlist = False
        header_missing_reported = False
        junk_reported = False
        any_key = False
        batches = iter_line_batches(stream, codec=_NAME, strict=self.strict)
        for first, batch, controls in batches:  # no controls: no line needs the check below
            for number, raw in enumerate(batch, first):
                line = raw.strip()
                if not line or line[0] in ";#":
                    continue
                if controls and not line.isprintable():
                    column = find_control(line)
                    if column is not None:
                        self.problem(
                            f"control character U+{ord(line[column]):04X}",
                            number,
                            column + 1,
                            then="line skipped",
                        )
                        continue
                section = _SECTION.fullmatch(line) if line[0] == "[" else None
                if section is not None:
                    name = section.group(1).strip().lower()
                    if name == "playlist":
                        if header_seen:
                            self.problem("second [playlist] section", number)
                        header_seen = in_playlist = True
                    else:
                        self.problem(
                            f"unknown section [{section.group(1)[:40]}]",
                            number,
                            then="its keys are ignored",
                        )
                        in_playlist = False
                    continue
                key, equals, value = line.partition("=")
                key = key.rstrip()
                lower = key.lower()
                stem = lower.rstrip(_DIGITS)
                known = equals and stem in _FIELDS and 0 < len(lower) - len(stem) <= 9
                if not known and (not equals or not _KEY.fullmatch(key)):
                    if header_seen or any_key:
                        self.problem("not a key=value line", number, then="skipped")
                    elif self.strict:
                        raise PlaylistFormatError(
                            "not a PLS playlist: expected [playlist] or a key=value line",
                            codec=_NAME,
                            line=number,
                        )
                    elif not junk_reported:
                        junk_reported = True
                        self.warn("text before the [playlist] section ignored", number)
                    continue
                if not header_seen:
                    if not header_missing_reported:
                        header_missing_reported = True
                        self.problem("missing [playlist] section header", number)
                    in_playlist = True
                if not in_playlist:
                    continue
                any_key = True
                value = value.strip()
                if known:
                    self._numbered(key, stem, int(lower[len(stem) :]), value, number)
                else:
                    numbered = _NUMBERED.fullmatch(key)
                    if numbered is None or lower in {"numberofentries", "version"}:
                        self._single(key, lower, value, number)
                    else:
                        name, index = numbered.group(1), int(numbered.group(2))
                        self._numbered(key, name, index, value, number)
                if len(self._pending) > _WINDOW:
                    yield from self._flush(_WINDOW // 2)
        if not header_seen and not any_key:
            raise PlaylistFormatError("not a PLS playlist: no [playlist] section", codec=_NAME)
        yield from self._flush(len(self._pending))
        self._check_counts()

    def _single(self, key: str, lower: str, value: str, number: int) -> None:
        """A key without an entry number."""
        if lower in self._seen_single:
            self.problem(f"duplicate key {key[:40]}", number, then="the first value is kept")
            return
        self._seen_single.add(lower)
        if lower == "numberofentries":
            if _INTEGER.fullmatch(value) and int(value) >= 0:
                self.declared_count = int(value)
                self._count_line = number
            else:
                self.problem(f"NumberOfEntries {value[:40]!r} is not a number", number)
        elif lower == "version":
            self.version = value
            if value != "2":
                self.problem(f"Version {value[:40]!r}; only 2 exists", number)
        elif lower == _NAME_KEY:
            self.name = value or None
        else:
            self.keys[key] = value

    def _numbered(self, key: str, name: str, index: int, value: str, number: int) -> None:
        """``<name><index>=<value>``; ``name`` is lower case for the known fields."""
        if index == 0:
            self.problem(f"{key}: entries are numbered from 1", number)
        entry = self._pending.get(index)
        if entry is None:
            if index <= self._emitted_max:
                self.problem(f"{key} comes after entry {index} was read", number, then="ignored")
                return
            entry = self._pending[index] = _Entry(number)
        if name == "file":
            if entry.file is not None:
                self.problem(f"duplicate key {key}", number, then="the first value is kept")
            elif not value:
                self.problem(f"{key} is empty", number)
            else:
                entry.file = value
        elif name == "title":
            if entry.title is not None:
                self.problem(f"duplicate key {key}", number, then="the first value is kept")
            else:
                entry.title = value
        elif name == "length":
            if entry.has_length:
                self.problem(f"duplicate key {key}", number, then="the first value is kept")
                return
            entry.has_length = True
            try:
                entry.length = parse_seconds(value)
            except ValueError:
                self.problem(f"{key} {value[:40]!r} is not a number of seconds", number)
                return
            if self.strict and not _INTEGER.fullmatch(value):
                self.problem(f"{key} {value!r} is not a whole number of seconds", number)
        elif name in entry.extra:
            self.problem(f"duplicate key {key[:40]}", number, then="the first value is kept")
        else:
            entry.extra[name] = value

    def _flush(self, how_many: int) -> Iterator[Track]:
        for index in sorted(self._pending)[:how_many]:
            entry = self._pending.pop(index)
            self._emitted_max = max(self._emitted_max, index)
            if entry.file is None:
                self.problem(f"entry {index} has no File{index}", entry.first_line, then="skipped")
                continue
            if index != self._last_index + 1 and self._gap_line is None:
                self._gap_line = entry.first_line
            self._last_index = index
            self.count += 1
            yield self._track(entry)

    def _track(self, entry: _Entry) -> Track:
        assert entry.file is not None
        extra = entry.extra
        return assemble_entry(  # normal-form values, as Track(...) would make them
            entry.title or "",
            (),
            None,
            entry.length,
            (entry.file,),
            extras=MappingProxyType({KEYS: extra}) if extra else EMPTY_MAPPING,
        )

    def _check_counts(self) -> None:
        if self.declared_count is None:
            if self.strict:
                self.problem("NumberOfEntries is missing")
        elif self.declared_count != self.count:
            self.problem(
                f"NumberOfEntries says {self.declared_count}, the file has {self.count}",
                self._count_line,
            )
        if self.version is None and self.strict:
            self.problem("Version is missing")
        if self._gap_line is not None:
            self.problem(
                "entries are not numbered 1, 2, 3... without gaps",
                self._gap_line,
                then="read in index order",
            )


class _PlainTally:
    """The fast path of :meth:`PLSCodec.write_stream` for plain tracks.

    A plain track has one location and at most one artist credit (a bare name); its album,
    ISRC and fractional seconds, which PLS cannot carry, are counted here as the loss
    tally would count them; it has nothing else the format cannot carry, and its text
    needs no cleaning beyond outer spaces. :meth:`add` writes its lines; any other track
    takes the general path.
    """

    __slots__ = ("album", "artists", "isrc", "rounded", "tally")

    def __init__(self, tally: LossTally) -> None:
        self.tally = tally
        self.isrc = 0
        self.artists = 0
        self.album = 0
        self.rounded = 0

    def add(self, track: Track, index: int, lines: list[str]) -> bool:
        """Append the lines of entry ``index`` for a plain ``track``; False for any other."""
        location = plain_location(track)
        if location is None:
            return False
        artists = track.artists
        title = track.title
        if not location:
            return False
        title = title.strip()
        if artists:
            credit = artists[0]
            artist = credit.name
            if (
                credit.role is not None
                or credit.provider_ids
                or credit.musicbrainz_id
                or credit.join_phrase is not None
                or not artist.isprintable()
            ):
                return False
            self.artists += 1
            artist = artist.strip()
            if artist:
                title = f"{artist} - {title}"
        if track.album is not None:
            self.album += 1
        if track.isrc:
            self.isrc += 1
        duration = track.duration_ms
        if duration is None:
            seconds = "-1"
        else:
            seconds = str(round(duration / 1000))  # as format_seconds(whole=True)
            if duration % 1000:
                self.rounded += 1
        lines.append(f"File{index}={location}")
        if title:
            lines.append(f"Title{index}={title}")
        lines.append(f"Length{index}={seconds}")
        return True

    def close(self) -> None:
        """Hand the counts to the loss tally."""
        note = self.tally.note
        for field, count, reason in (
            ("isrc", self.isrc, ISRC_LOSS),
            ("artists", self.artists, ARTISTS_IN_TITLE),
            ("album", self.album, NO_ALBUM),
            ("duration_ms", self.rounded, ROUNDED),
        ):
            if count:
                note(field, reason, count)


class PLSCodec:
    """The PLS codec; use the module-level :data:`PLS` instance.

    Reading
        Keys are case-insensitive; ``FileN``, ``TitleN`` (the display title, kept whole:
        in PLS it is as often a radio station's name as ``"Artist - Title"``) and
        ``LengthN`` (seconds, ``-1`` unknown) make entry N. Entries are read in index
        order, so gaps and keys in any order work.
        ``X-GNOME-Title`` is the playlist name. Other keys are kept: numbered ones in the
        track's ``extras["pls.keys"]``, the rest in the playlist's.

    Strictness
        Strict mode raises on what the format forbids: a missing ``[playlist]`` header,
        other sections, lines that are not ``key=value``, duplicate keys, an entry without
        ``FileN``, a ``LengthN`` that is not whole seconds, gaps in the numbering,
        ``NumberOfEntries`` missing or wrong, ``Version`` missing or not 2, control
        characters, invalid text in a declared encoding. Lenient mode warns instead; for
        duplicate keys the first value is kept. Both modes refuse input that is not a PLS
        file at all, binary data and over-long lines.

    Writing
        UTF-8, ``[playlist]``, ``FileN``/``TitleN`` (``"Artist - Title"`` when the track
        has artists)/``LengthN``, then ``NumberOfEntries``
        and ``Version=2`` at the end (as Winamp writes them, which lets it stream).
    """

    name: str = "pls"
    extensions: tuple[str, ...] = ("pls",)
    media_types: tuple[str, ...] = ("audio/x-scpls", "audio/scpls", "application/x-scpls")

    def __repr__(self) -> str:
        return "PLS"

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole PLS playlist."""
        reader = _Reader(strict=strict, on_warning=on_warning)
        with open_source(source) as stream:
            tracks = tuple(reader.tracks(stream))
        location = os.fspath(source) if isinstance(source, str | os.PathLike) else None
        extras: dict[str, Any] = {KEYS: reader.keys} if reader.keys else {}
        return Playlist(name=reader.name, tracks=tracks, location=location, extras=extras)

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield the entries in index order with bounded memory."""
        reader = _Reader(strict=strict, on_warning=on_warning)
        with open_source(source) as stream:
            yield from reader.tracks(stream)

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist`` as a UTF-8 PLS file."""
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
        tally = LossTally(extras_prefix="pls.", whole_seconds=True, split_title=False)
        tally.playlist(playlist, name=True)
        lines = ["[playlist]"]
        if playlist.name:
            lines.append(f"X-GNOME-Title={clean_text(playlist.name)}")
        lines += _extra_keys(playlist.extras.get(KEYS), None, tally, f"playlist.extras.{KEYS}")
        count = 0
        plain = _PlainTally(tally)
        add = plain.add if fast else None
        for track in tracks:
            if add is not None and add(track, count + 1, lines):
                count += 1
                if len(lines) >= _FLUSH_LINES:
                    out.write(("\n".join(lines) + "\n").encode("utf-8"))
                    lines = []
                continue
            parts = display_parts(track)
            tally.track(track, parts)
            location = next((clean_text(x) for x in track.locations if clean_text(x)), "")
            if not location:
                tally.note("locations", "no location: a PLS entry is a path or URL; left out")
                continue
            count += 1
            lines.append(f"File{count}={location}")
            display = join_display(*parts)
            if display:
                lines.append(f"Title{count}={display}")
            lines.append(f"Length{count}={format_seconds(track.duration_ms, whole=True)}")
            lines += _extra_keys(track.extras.get(KEYS), count, tally, f"extras.{KEYS}")
            if len(lines) >= _FLUSH_LINES:
                out.write(("\n".join(lines) + "\n").encode("utf-8"))
                lines = []
        lines += [f"NumberOfEntries={count}", "Version=2"]
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
        plain.close()
        return tally.losses()

    def sniff(self, head: bytes) -> float:
        """1.0 when the first line is ``[playlist]``, 0.7 for ``FileN=`` lines without it."""
        text = head_text(head)
        if text is None:
            return 0.0
        lines = [line.strip() for line in text.splitlines()[:64]]
        lines = [line for line in lines if line and line[0] not in ";#"]
        if not lines:
            return 0.0
        if lines[0].lower() == "[playlist]":
            return 1.0
        if any(re.match(r"(?i)file\d+=", line) for line in lines):
            return 0.7
        return 0.0


_EXTRA_NAME = re.compile(r"[A-Za-z][A-Za-z_.-]*")
_RESERVED = re.compile(r"(?i)(?:file|title|length)\d*|numberofentries|version|x-gnome-title")


def _extra_keys(value: object, index: int | None, tally: LossTally, field: str) -> list[str]:
    """``key=value`` lines for kept unknown keys (numbered with ``index`` for tracks)."""
    if not value:
        return []
    tracks = 0 if index is None else 1
    if not isinstance(value, Mapping):
        tally.note(field, "kept keys must be a mapping of strings", tracks)
        return []
    lines = []
    for key, item in value.items():
        name = str(key).strip()
        if (
            not name
            or "=" in name
            or name[0] in "[;#"
            or _RESERVED.fullmatch(name)
            or not name.isprintable()
        ):
            tally.note(field, "key names that PLS cannot hold or that clash with its own", tracks)
            continue
        if name[-1].isdigit() or (index is not None and not _EXTRA_NAME.fullmatch(name)):
            tally.note(field, "key names that would not read back as the same key", tracks)
            continue
        suffix = "" if index is None else str(index)
        lines.append(f"{name}{suffix}={clean_text(str(item))}")
    return lines


PLS = PLSCodec()
"""The PLS codec."""
