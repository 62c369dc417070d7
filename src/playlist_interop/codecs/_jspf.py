"""Implementation of :mod:`playlist_interop.codecs.jspf` (documented there)."""

from __future__ import annotations

import codecs as _codecs
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from playlist_interop.codecs._base import (
    FormatWarning,
    Loss,
    Source,
    WarningHandler,
    WriteResult,
    emit_warning,
    gc_paused,
    open_source,
    write_in_memory,
)
from playlist_interop.codecs._xspf_common import (
    LossCounter,
    SharedValues,
    XspfPlaylist,
    XspfTrack,
    assemble_plain_track,
    format_date_time,
    parse_date_time,
    plain_track_fields,
    playlist_from_fields,
    playlist_to_fields,
    to_uri,
    track_from_fields,
    track_to_fields,
    valid_uri,
)
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist, Track
from playlist_interop.types import DurationMs

__all__ = ["JSPF", "JspfCodec"]

_CODEC = "jspf"
_CHUNK = 1 << 16
_BATCH = 256  # tracks per json.dumps call when writing
_WHITESPACE = " \t\n\r"

_TRACK_TEXT = ("title", "creator", "annotation", "album")
_TRACK_URI = ("info", "image")
_TRACK_KEYS = frozenset(
    {*_TRACK_TEXT, *_TRACK_URI, "location", "identifier", "trackNum", "duration"}
    | {"link", "meta", "extension"}
)
_PLAIN_TRACK_KEYS = frozenset(
    {"location", "identifier", "title", "creator", "album", "trackNum", "duration"}
)
# The end of an array item: the separator, and the whitespace around it.
_ITEM_END = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
_PLAYLIST_TEXT = ("title", "creator", "annotation")
_PLAYLIST_URI = ("info", "location", "identifier", "image", "license")


class _Source:
    """Incremental text over a binary stream with positions for error messages."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._decoder: _codecs.IncrementalDecoder | None = None
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self._consumed_lines = 0  # newlines in text dropped from the buffer
        self._consumed_after_newline = 0  # characters after the last dropped newline
        self._total = 0
        self._limit = limit

    def _decoder_for(self, first: bytes) -> _codecs.IncrementalDecoder:
        if first.startswith(_codecs.BOM_UTF8):
            return _codecs.getincrementaldecoder("utf-8-sig")()
        if first.startswith((_codecs.BOM_UTF16_LE, _codecs.BOM_UTF16_BE)):
            return _codecs.getincrementaldecoder("utf-16")()
        return _codecs.getincrementaldecoder("utf-8")()

    def more(self, size: int = _CHUNK) -> bool:
        """Append more text; False at end of input."""
        if self.eof:
            return False
        data = self._stream.read(size)
        self._total += len(data)
        if self._total > self._limit:
            raise PlaylistFormatError(
                f"JSPF document is larger than {self._limit} bytes", codec=_CODEC
            )
        if self._decoder is None:
            self._decoder = self._decoder_for(data)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise self.error(f"not UTF-8 text ({exc.reason})") from None
        if not data:
            self.eof = True
        self.buffer += text
        return bool(data) or bool(text)

    def compact(self) -> None:
        """Drop consumed text (keeping line counts) so memory stays bounded."""
        if self.pos > _CHUNK:
            dropped = self.buffer[: self.pos]
            newlines = dropped.count("\n")
            if newlines:
                self._consumed_lines += newlines
                self._consumed_after_newline = len(dropped) - dropped.rfind("\n") - 1
            else:
                self._consumed_after_newline += len(dropped)
            self.buffer = self.buffer[self.pos :]
            self.pos = 0

    def position(self, pos: int | None = None) -> tuple[int, int]:
        at = self.pos if pos is None else pos
        before = self.buffer[:at]
        newlines = before.count("\n")
        line = self._consumed_lines + newlines + 1
        column = at - before.rfind("\n") if newlines else self._consumed_after_newline + at + 1
        return line, column

    def error(self, reason: str, pos: int | None = None) -> PlaylistFormatError:
        line, column = self.position(pos)
        return PlaylistFormatError(reason, codec=_CODEC, line=line, column=column)

    def skip_ws(self) -> None:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or not self.more():
                return

    def peek(self) -> str:
        self.skip_ws()
        return self.buffer[self.pos] if self.pos < len(self.buffer) else ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = self.peek() or "end of input"
            raise self.error(f"expected {what}, found {found!r}")
        self.pos += 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _Decoder:
    """Decodes one JSON value at a time from a :class:`_Source`."""

    def __init__(self, source: _Source, strict: bool) -> None:
        self.source = source
        self.strict = strict
        # Without a hook the decoder builds the same dicts (the last of equal keys wins),
        # only faster; strict mode needs the hook to refuse duplicate keys.
        self.decoder = json.JSONDecoder(
            parse_constant=_reject_constant, object_pairs_hook=self._object if strict else None
        )
        self.scan: Callable[[str, int], tuple[Any, int]] = self.decoder.scan_once  # type: ignore[attr-defined]
        """Decode the value that starts exactly at an index (raises ``StopIteration`` if none)."""

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def value(self) -> Any:
        source = self.source
        source.skip_ws()
        while True:
            try:
                value, end = self.decoder.raw_decode(source.buffer, source.pos)
            except json.JSONDecodeError as exc:
                if (
                    not source.eof
                    and _maybe_truncated(exc, len(source.buffer))
                    and source.more(max(_CHUNK, len(source.buffer)))
                ):
                    continue
                raise source.error(f"invalid JSON: {exc.msg}", exc.pos) from None
            except ValueError as exc:
                raise source.error(f"invalid JSON: {exc}") from None
            except RecursionError:
                raise source.error("JSON nested too deeply") from None
            # A number may continue in the next chunk ("12" + "34").
            if end >= len(source.buffer) and not source.eof and source.more():
                continue
            source.pos = end
            source.compact()
            return value


def _maybe_truncated(exc: json.JSONDecodeError, size: int) -> bool:
    """Whether more input could make the failed decode succeed."""
    # A literal, number or escape is at most a few characters; strings can be any length.
    return exc.msg.startswith("Unterminated string") or exc.pos >= size - 64


class _Reader:
    """Walks ``{"playlist": {..., "track": [...]}}`` yielding tracks as they are decoded."""

    def __init__(self, strict: bool, on_warning: WarningHandler | None) -> None:
        self.strict = strict
        self.on_warning = on_warning
        self.fields = XspfPlaylist()
        self.source: _Source | None = None
        self.shared = SharedValues()

    def problem(self, reason: str) -> None:
        line = column = None
        if self.source is not None:
            line, column = self.source.position()
        if self.strict:
            raise PlaylistFormatError(reason, codec=_CODEC, line=line, column=column)
        emit_warning(FormatWarning(reason, codec=_CODEC, line=line, column=column), self.on_warning)

    # -- values -----------------------------------------------------------------------

    def text(self, value: Any, key: str, where: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        self.problem(f"{where} {key!r} must be a string, not {type(value).__name__}")
        return None if isinstance(value, list | dict) else str(value)

    def uri(self, value: Any, key: str, where: str) -> str | None:
        text = self.text(value, key, where)
        if text is None:
            return None
        stripped = text.strip()
        if not valid_uri(stripped):
            self.problem(f"{where} {key!r} is not a valid URI: {stripped!r}")
        return stripped

    def uris(self, value: Any, key: str, where: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if value is None:
            return ()
        if not isinstance(items, list):
            self.problem(f"{where} {key!r} must be a string or a list of strings")
            return ()
        result = []
        for item in items:
            uri = self.uri(item, key, where)
            if uri is not None:
                result.append(uri)
        return tuple(result)

    def number(self, value: Any, key: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            if value == 0 and key == "trackNum":
                self.problem("track 'trackNum' must be greater than zero")
            return value
        self.problem(f"track {key!r} must be a non-negative integer, not {value!r}")
        if isinstance(value, float) and math.isfinite(value) and value >= 0:
            return round(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return None

    def pairs(self, value: Any, key: str, where: str) -> tuple[tuple[str, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(f"{where} {key!r} must be a list of objects")
            return ()
        result: list[tuple[str, str]] = []
        for item in value:
            if not isinstance(item, dict):
                self.problem(f"{where} {key!r} entries must be objects")
                continue
            for rel, raw in item.items():
                if not valid_uri(rel.strip()):
                    self.problem(f"{where} {key} rel is not a valid URI: {rel!r}")
                content = raw if isinstance(raw, str) else json.dumps(raw)
                if not isinstance(raw, str):
                    self.problem(f"{where} {key} value must be a string")
                elif key == "link" and not valid_uri(content.strip()):
                    self.problem(f"{where} link value is not a valid URI: {content!r}")
                result.append((rel, content))
        return tuple(result)

    def extension(self, value: Any, where: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(f"{where} 'extension' must be an object")
            return None
        for application in value:
            if not valid_uri(application.strip()):
                self.problem(f"{where} extension application is not a valid URI: {application!r}")
        return value

    # -- objects ----------------------------------------------------------------------

    def track(self, obj: Any) -> Track | None:
        if not isinstance(obj, dict):
            self.problem(f"track entries must be objects, not {type(obj).__name__}")
            return None
        extras: dict[str, Any] = {}
        if not _TRACK_KEYS.issuperset(obj):
            unknown = {k: v for k, v in obj.items() if k not in _TRACK_KEYS}
            for key in unknown:
                self.problem(f"unknown track key {key!r}")
            extras["jspf.unknown"] = unknown
        fields = XspfTrack(
            locations=self.uris(obj.get("location"), "location", "track"),
            identifiers=self.uris(obj.get("identifier"), "identifier", "track"),
            title=self.text(obj.get("title"), "title", "track"),
            creator=self.text(obj.get("creator"), "creator", "track"),
            annotation=self.text(obj.get("annotation"), "annotation", "track"),
            info=self.uri(obj.get("info"), "info", "track"),
            image=self.uri(obj.get("image"), "image", "track"),
            album=self.text(obj.get("album"), "album", "track"),
            track_num=self.number(obj.get("trackNum"), "trackNum"),
            duration=self.number(obj.get("duration"), "duration"),
            links=self.pairs(obj.get("link"), "link", "track"),
            metas=self.pairs(obj.get("meta"), "meta", "track"),
            json_extension=self.extension(obj.get("extension"), "track"),
            extras=extras,
        )
        return track_from_fields(fields, self.shared)

    def playlist_fields(self, obj: dict[str, Any]) -> None:
        extras: dict[str, Any] = {}
        known = {*_PLAYLIST_TEXT, *_PLAYLIST_URI, "date", "attribution", "link", "meta"}
        unknown = {k: v for k, v in obj.items() if k not in known and k != "extension"}
        for key in unknown:
            self.problem(f"unknown playlist key {key!r}")
        if unknown:
            extras["jspf.unknown"] = unknown
        date = None
        raw_date = self.text(obj.get("date"), "date", "playlist")
        if raw_date is not None:
            date = parse_date_time(raw_date)
            if date is None:
                self.problem(f"playlist 'date' is not an xsd:dateTime: {raw_date!r}")
                extras["xspf.invalid.date"] = raw_date
        attribution: list[tuple[str, str]] = []
        raw_attribution = obj.get("attribution")
        if raw_attribution is not None:
            if not isinstance(raw_attribution, list):
                self.problem("playlist 'attribution' must be a list")
                raw_attribution = []
            for item in raw_attribution:
                if not isinstance(item, dict):
                    self.problem("attribution entries must be objects")
                    continue
                for kind, value in item.items():
                    if kind not in {"location", "identifier"}:
                        self.problem(
                            f"attribution entries hold location or identifier, not {kind!r}"
                        )
                        continue
                    uri = self.uri(value, kind, "attribution")
                    if uri is not None:
                        attribution.append((kind, uri))
        self.fields = XspfPlaylist(
            title=self.text(obj.get("title"), "title", "playlist"),
            creator=self.text(obj.get("creator"), "creator", "playlist"),
            annotation=self.text(obj.get("annotation"), "annotation", "playlist"),
            info=self.uri(obj.get("info"), "info", "playlist"),
            location=self.uri(obj.get("location"), "location", "playlist"),
            identifier=self.uri(obj.get("identifier"), "identifier", "playlist"),
            image=self.uri(obj.get("image"), "image", "playlist"),
            date=date,
            license=self.uri(obj.get("license"), "license", "playlist"),
            attribution=tuple(attribution),
            links=self.pairs(obj.get("link"), "link", "playlist"),
            metas=self.pairs(obj.get("meta"), "meta", "playlist"),
            json_extension=self.extension(obj.get("extension"), "playlist"),
            extras=extras,
        )

    # -- the document -----------------------------------------------------------------

    def run(self, stream: BinaryIO, limit: int) -> Iterator[Track]:
        source = self.source = _Source(stream, limit)
        decoder = _Decoder(source, self.strict)
        if source.peek() != "{":
            raise source.error("a JSPF document is a JSON object with a 'playlist' key")
        source.pos += 1
        seen_playlist = False
        for key in self._keys(source, decoder):
            if key == "playlist" and not seen_playlist:
                seen_playlist = True
                yield from self._playlist(source, decoder)
            else:
                if key == "playlist":
                    self.problem("duplicate key 'playlist'")
                else:
                    self.problem(f"unknown top-level key {key!r}")
                decoder.value()
        if source.peek():
            raise source.error("unexpected data after the JSON document")
        if not seen_playlist:
            raise source.error("not a JSPF document: no 'playlist' key")

    def _keys(self, source: _Source, decoder: _Decoder) -> Iterator[str]:
        """Iterate the keys of an object whose ``{`` was consumed; values are read by the caller."""
        if source.peek() == "}":
            source.pos += 1
            return
        seen: set[str] = set()
        while True:
            if source.peek() != '"':
                raise source.error("expected an object key")
            key = decoder.value()
            if key in seen and self.strict:
                raise source.error(f"invalid JSON: duplicate key {key!r}")
            seen.add(key)
            source.expect(":", "':'")
            yield key
            char = source.peek()
            source.pos += 1
            if char == "}":
                return
            if char != ",":
                raise source.error(
                    f"expected ',' or '}}', found {char or 'end of input'!r}", source.pos - 1
                )

    def _playlist(self, source: _Source, decoder: _Decoder) -> Iterator[Track]:
        if source.peek() != "{":
            raise source.error("'playlist' must be an object")
        source.pos += 1
        fields: dict[str, Any] = {}
        seen_tracks = False
        for key in self._keys(source, decoder):
            if key == "track" and not seen_tracks:
                seen_tracks = True
                yield from self._tracks(source, decoder)
            else:
                fields[key] = decoder.value()
        if not seen_tracks:
            self.problem("playlist has no 'track' list")
        self.playlist_fields(fields)

    def _tracks(self, source: _Source, decoder: _Decoder) -> Iterator[Track]:
        if source.peek() != "[":
            value = decoder.value()
            if value is not None:
                self.problem("'track' must be a list")
            return
        source.pos += 1
        if source.peek() == "]":
            source.pos += 1
            return
        scan, shared = decoder.scan, self.shared
        while True:
            # The usual case, decoded here: the item starts right at ``pos`` and it and the
            # separator after it are in the buffer. Anything else (whitespace first, a chunk
            # boundary, an error) goes the general way, which reads on or reports.
            buffer = source.buffer
            skip = 0  # characters from the item's end past the separator after it, if known
            last = False  # whether that separator is the list's "]"
            try:
                obj, end = scan(buffer, source.pos)
            except (StopIteration, ValueError, RecursionError):
                pass
            else:
                if buffer.startswith(", {", end):  # as written by this codec
                    skip = 2
                elif after := _ITEM_END.match(buffer, end):
                    skip = after.end() - end
                    last = after.group(1) == "]"
            if skip:
                source.pos = end
                if end > _CHUNK:
                    source.compact()
            else:
                obj = decoder.value()
            track = _plain_track(obj, shared)
            if track is None:
                track = self.track(obj)
            if track is not None:
                yield track
            if skip:
                source.pos += skip
                if last:
                    return
                continue
            char = source.peek()
            source.pos += 1
            if char == "]":
                return
            if char != ",":
                raise source.error(
                    f"expected ',' or ']', found {char or 'end of input'!r}", source.pos - 1
                )
            source.skip_ws()  # so the next item starts at ``pos``, as the usual case needs


def _plain_track(obj: Any, shared: SharedValues) -> Track | None:
    """The track of a plain track object, or None when :meth:`_Reader.track` must build it.

    Plain: only the keys of ``_PLAIN_TRACK_KEYS``, each of its usual JSON type, valid URIs
    and numbers in range, so there is nothing to report. :meth:`_Reader.track` builds the
    same track from it, only slower.
    """
    if type(obj) is not dict or not _PLAIN_TRACK_KEYS.issuperset(obj):
        return None
    get = obj.get
    title = get("title")
    creator = get("creator")
    album = get("album")
    track_num = get("trackNum")
    duration: DurationMs | None = get("duration")
    if not (
        (title is None or type(title) is str)
        and (creator is None or type(creator) is str)
        and (album is None or type(album) is str)
        and (track_num is None or (type(track_num) is int and track_num > 0))
        and (duration is None or (type(duration) is int and duration >= 0))
    ):
        return None
    locations = _plain_uris(get("location"))
    if locations is None:
        return None
    identifiers = get("identifier")
    if identifiers is not None:
        identifiers = _plain_uris(identifiers)
        if identifiers is None:
            return None
    return assemble_plain_track(
        shared, title, creator, album, duration, track_num, locations, identifiers or ()
    )


def _plain_uris(value: Any) -> tuple[str, ...] | None:
    """What :meth:`_Reader.uris` gives for ``value`` if it has nothing to report, else None."""
    if type(value) is list:
        if len(value) == 1 and type(value[0]) is str:  # the usual case, in short
            uri = value[0].strip()
            return (uri,) if valid_uri(uri) else None
        items = value
    elif type(value) is str:
        items = [value]
    elif value is None:
        return ()
    else:
        return None
    result = []
    for item in items:
        if type(item) is not str:
            return None
        # Stripped even when valid: a URI may hold non-ASCII spaces (U+00A0) that strip drops.
        uri = item.strip()
        if not valid_uri(uri):
            return None
        result.append(uri)
    return tuple(result)


# -- writing --------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them as JSON escapes
        return json.dumps(json.loads(text), ensure_ascii=True).encode("ascii")


_EXT_LOSS = "extras.jspf.extension"
_EXT_WHY = "application is not a URI; written percent-encoded"


def _extension(extension: Mapping[str, Any], on_change: Callable[[], None]) -> dict[str, Any]:
    """The extension object with every application key made a valid URI."""
    result: dict[str, Any] = {}
    for application, value in extension.items():
        key = to_uri(str(application))
        if key != application:
            on_change()
        result[key] = value
    return result


def _track_object(track: Track, losses: LossCounter) -> dict[str, Any]:
    plain = plain_track_fields(track, losses)
    if plain is None:
        return _general_track_object(track, losses)
    locations, identifiers, title, creator, album, track_num, duration = plain
    obj: dict[str, Any] = {}
    if locations:
        obj["location"] = list(locations)
    if identifiers:
        obj["identifier"] = list(identifiers)
    if title is not None:
        obj["title"] = title
    if creator is not None:
        obj["creator"] = creator
    if album is not None:
        obj["album"] = album
    if track_num is not None:
        obj["trackNum"] = track_num
    if duration is not None:
        obj["duration"] = duration
    return obj


def _general_track_object(track: Track, losses: LossCounter) -> dict[str, Any]:
    f = track_to_fields(track, losses, json=True)
    obj: dict[str, Any] = {}
    if f.locations:
        obj["location"] = list(f.locations)
    if f.identifiers:
        obj["identifier"] = list(f.identifiers)
    simple: dict[str, Any] = {
        "title": f.title,
        "creator": f.creator,
        "annotation": f.annotation,
        "info": f.info,
        "image": f.image,
        "album": f.album,
        "trackNum": f.track_num,
        "duration": f.duration,
    }
    obj.update({key: value for key, value in simple.items() if value is not None})
    if f.links:
        obj["link"] = [{rel: value} for rel, value in f.links]
    if f.metas:
        obj["meta"] = [{rel: value} for rel, value in f.metas]
    if f.json_extension:
        obj["extension"] = _extension(f.json_extension, lambda: losses.track(_EXT_LOSS, _EXT_WHY))
    return obj


class JspfCodec:
    """The JSPF codec (XSPF in JSON)."""

    name = "jspf"
    extensions: tuple[str, ...] = ("jspf",)
    media_types: tuple[str, ...] = ("application/jspf+json", "application/json")
    max_bytes: int = 512 * 1024 * 1024
    """Largest document read; anything bigger is refused rather than buffered."""

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole JSPF playlist."""
        reader = _Reader(strict, on_warning)
        with open_source(source) as stream, gc_paused():
            tracks = list(reader.run(stream, self.max_bytes))
        return playlist_from_fields(reader.fields, tracks)

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield tracks one at a time, decoding one track object at a time."""
        reader = _Reader(strict, on_warning)
        with open_source(source) as stream:
            yield from reader.run(stream, self.max_bytes)

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist`` as JSPF (UTF-8)."""
        return write_in_memory(self.write_stream, playlist)

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write ``playlist``'s metadata and ``tracks`` to ``out`` as JSPF."""
        losses = LossCounter()
        f = playlist_to_fields(playlist, losses, json=True)
        simple: dict[str, Any] = {
            "title": f.title,
            "creator": f.creator,
            "annotation": f.annotation,
            "info": f.info,
            "location": f.location,
            "identifier": f.identifier,
            "image": f.image,
            "date": format_date_time(f.date) if f.date is not None else None,
            "license": f.license,
        }
        head = {key: value for key, value in simple.items() if value is not None}
        if f.attribution:
            head["attribution"] = [{kind: value} for kind, value in f.attribution]
        if f.links:
            head["link"] = [{rel: value} for rel, value in f.links]
        if f.metas:
            head["meta"] = [{rel: value} for rel, value in f.metas]
        if f.json_extension:
            head["extension"] = _extension(
                f.json_extension, lambda: losses.playlist(f"playlist.{_EXT_LOSS}", _EXT_WHY)
            )
        prefix = _dumps(head)[1:-1]
        out.write(_encode('{"playlist": {' + prefix + (", " if prefix else "") + '"track": ['))
        _write_each(out, tracks, lambda track: _track_object(track, losses))
        out.write(b"\n]}}\n")
        return losses.losses()

    def sniff(self, head: bytes) -> float:
        """Confidence that ``head`` starts a JSPF document."""
        text = head.decode("utf-8-sig", errors="ignore").lstrip()
        if not text.startswith("{"):
            return 0.0
        if '"playlist"' in text and '"track"' in text:
            return 0.95
        if '"playlist"' in text:
            return 0.7
        return 0.05


def _write_each(
    out: BinaryIO, tracks: Iterable[Track], build: Callable[[Track], dict[str, Any]]
) -> None:
    """Write the track objects in batches (one ``json.dumps`` per batch is much faster)."""
    batch: list[dict[str, Any]] = []
    first = True
    for track in tracks:
        batch.append(build(track))
        if len(batch) >= _BATCH:
            out.write(_encode(("\n" if first else ",\n") + _dumps(batch)[1:-1]))
            batch.clear()
            first = False
    if batch:
        out.write(_encode(("\n" if first else ",\n") + _dumps(batch)[1:-1]))


JSPF = JspfCodec()
"""The JSPF codec instance the registry uses."""
