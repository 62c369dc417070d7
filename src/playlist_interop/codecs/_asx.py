"""Implementation of :mod:`playlist_interop.codecs.asx` (documented there)."""

from __future__ import annotations

import codecs as _codecs
import re
from collections.abc import Iterable, Iterator
from types import MappingProxyType
from typing import Any, BinaryIO
from urllib.parse import urljoin

from lxml import etree

from playlist_interop.codecs import _xml
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
from playlist_interop.codecs._xspf_common import LossCounter, SharedValues
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist, Track
from playlist_interop.model._track import EMPTY_MAPPING, assemble_entry
from playlist_interop.types import DurationMs

__all__ = ["ASX", "AsxCodec", "format_time", "parse_time", "record_track_losses"]

_CODEC = "asx"

# element -> parents Silverlight accepts it under ("" is the document root)
_PARENTS: dict[str, frozenset[str]] = {
    "asx": frozenset({""}),
    "abstract": frozenset({"asx", "entry", "banner"}),
    "author": frozenset({"asx", "entry"}),
    "banner": frozenset({"asx", "entry"}),
    "base": frozenset({"asx", "entry"}),
    "copyright": frozenset({"asx", "entry"}),
    "duration": frozenset({"entry", "ref"}),
    "entry": frozenset({"asx"}),
    "entryref": frozenset({"asx"}),
    "logurl": frozenset({"asx", "entry"}),
    "moreinfo": frozenset({"asx", "entry", "banner"}),
    "param": frozenset({"asx", "entry"}),
    "ref": frozenset({"entry"}),
    "skin": frozenset({"asx"}),
    "starttime": frozenset({"entry", "ref"}),
    "title": frozenset({"asx", "entry"}),
}
# Windows Media Player elements Silverlight refused
_UNSUPPORTED = frozenset({"repeat", "event", "startmarker", "endmarker", "previewduration"})
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "asx": frozenset({"version"}),
    "banner": frozenset({"href"}),
    "base": frozenset({"href"}),
    "duration": frozenset({"value"}),
    "entry": frozenset({"clientskip"}),
    "entryref": frozenset({"href"}),
    "logurl": frozenset({"href"}),
    "moreinfo": frozenset({"href", "target"}),
    "param": frozenset({"name", "value"}),
    "ref": frozenset({"href"}),
    "skin": frozenset({"href"}),
    "starttime": frozenset({"value"}),
}
_UNSUPPORTED_ATTRIBUTES = frozenset(
    {("asx", "bannerbar"), ("asx", "previewmode"), ("entry", "skipifref")}
)
_TEXT_ELEMENTS = frozenset({"abstract", "author", "copyright", "title"})
_EVENT_TAGS = ("asx", "entry", "entryref")
_ENTRY_CONTAINERS = frozenset({"asx", "repeat", "event"})
_CONTAINERS = frozenset({"asx", "entry", "ref", "banner", "repeat", "event"})

_NAME = re.compile(
    r"(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>)"  # left alone
    r"|<(/?)([A-Za-z_][\w.\-]*)"  # element names: lower-cased
    r"|&(?!(?:#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);)",  # a bare ampersand
    re.DOTALL,
)
# The same work without a Python call per tag (see _lower_names): every element name, any
# name that is not plain lower-case ASCII, and the bare ampersand alternative alone.
_ANY_NAME = re.compile(r"</?([A-Za-z_][\w.\-]*)")
_UNSURE_NAME = re.compile(r"</?+[a-z0-9_.\-]*+[^a-z0-9_.\-\s/>]")
_BARE_AMPERSAND = re.compile(r"&(?!(?:#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);)")
_SPELLINGS_KEPT = 16  # upper- or mixed-case names remembered from one piece to the next
_NEW_NAMES_LIMIT = 16  # more new spellings than this in one piece: the regular expression
_CREDITS_KEPT = 16_384  # distinct artist names whose ArtistCredit one reader reuses
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
_CHUNK = 1 << 16
_TIME = re.compile(r"\s*([0-9]+)(?::([0-9]+))?(?::([0-9]+))?(?:\.([0-9]*))?")


def _encoding(head: bytes) -> str:
    """The encoding of an ASX file: BOM, then the XML declaration, then UTF-8 or Windows-1252."""
    if head.startswith(_codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((_codecs.BOM_UTF16_LE, _codecs.BOM_UTF16_BE)):
        return "utf-16"
    declared = _ENCODING.match(head)
    if declared:
        try:
            return _codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            pass
    try:
        _codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _replace(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1)
    if match.group(3) is not None:
        return f"<{match.group(2)}{match.group(3).lower()}"
    return "&amp;"


def _lower_names(text: str, spellings: dict[str, str]) -> str | None:
    """``_NAME.sub(_replace, text)`` with a few ``str.replace`` passes instead of a call per tag.

    ``None`` (the caller then uses the regular expression) when ``text`` holds a comment,
    CDATA section or processing instruction, an element name with non-ASCII letters, or
    more new spellings than :data:`_NEW_NAMES_LIMIT`. ``spellings`` maps the upper- or
    mixed-case names of earlier pieces to lower case; new ones are added to it.

    Without ``<!`` and ``<?`` every ``<`` starts an element name (or none at all), so
    lower-casing ``<NAME`` and ``</NAME`` lower-cases that name, or the start of a longer
    one. Known spellings go first; if a ``<`` is then followed by anything but a lower-case
    ASCII name (``<!`` and ``<?`` included), the piece is looked at closely: its names are
    listed and the rest replaced longest first, so a shorter name never cuts into a
    longer one that still has capitals.
    """
    for spelling, lower in spellings.items():
        text = text.replace("<" + spelling, "<" + lower).replace("</" + spelling, "</" + lower)
    if _UNSURE_NAME.search(text) is not None:
        if "<!" in text or "<?" in text:
            return None
        found = set(_ANY_NAME.findall(text))
        if not all(name.isascii() for name in found):
            return None
        new = sorted((name for name in found if name.lower() != name), key=len, reverse=True)
        if len(new) > _NEW_NAMES_LIMIT:
            return None
        for spelling in new:
            lower = spelling.lower()
            text = text.replace("<" + spelling, "<" + lower).replace("</" + spelling, "</" + lower)
            if len(spellings) < _SPELLINGS_KEPT:
                spellings[spelling] = lower
    return _BARE_AMPERSAND.sub("&amp;", text) if "&" in text else text


class _NormalisedStream:
    """UTF-8 bytes of an ASX file with element names lower-cased and bare ``&`` escaped.

    Works chunk by chunk (cutting before the last ``<`` so no tag is split), keeping every
    line where it was so lxml's positions stay right. Bytes that are invalid in the chosen
    encoding become U+FFFD.
    """

    def __init__(self, head: bytes, stream: BinaryIO, encoding: str) -> None:
        self._stream = stream
        self._decoder = _codecs.getincrementaldecoder(encoding)(errors="replace")
        self._text = self._decoder.decode(head)
        self._out = b""
        self._first = True
        self._eof = False
        self._spellings: dict[str, str] = {}

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all when negative); short reads keep the buffer small."""
        while (size < 0 or not self._out) and not self._eof:
            self._fill()
        if size < 0:
            data, self._out = self._out, b""
        else:
            data, self._out = self._out[:size], self._out[size:]
        return data

    def _fill(self) -> None:
        chunk = self._stream.read(_CHUNK)
        if chunk:
            self._text += self._decoder.decode(chunk)
            cut = self._text.rfind("<")
            if cut <= 0:
                if len(self._text) < _CHUNK * 4:
                    return
                # A long run of text: pass it on, but never split an "&...;" reference.
                amp = self._text.rfind("&", len(self._text) - 16)
                cut = amp if amp > 0 else len(self._text)
            ready, self._text = self._text[:cut], self._text[cut:]
        else:
            self._eof = True
            ready, self._text = self._text + self._decoder.decode(b"", final=True), ""
        if self._first:
            ready = _DECLARATION.sub("", ready.lstrip("\ufeff"), count=1)
            self._first = False
        lowered = _lower_names(ready, self._spellings)
        if lowered is None:
            lowered = _NAME.sub(_replace, ready)
        self._out += lowered.encode("utf-8")


def parse_time(value: str) -> int | None:
    """Milliseconds of an ASX time value (``[[hh:]mm:]ss[.fract]``), read as leniently as
    Windows Media does (trailing junk ignored); ``None`` when it does not start with a number."""
    if len(value) == 12 and value[2] == ":" == value[5] and value[8] == ".":
        digits = value[:2] + value[3:5] + value[6:8] + value[9:]  # hh:mm:ss.fff, as written
        if digits.isascii() and digits.isdigit():
            hours, rest = divmod(int(digits), 10_000_000)
            minutes, millis = divmod(rest, 100_000)  # millis: ss and fff, ssfff
            return (hours * 60 + minutes) * 60_000 + millis
    match = _TIME.match(value)
    if match is None:
        return None
    hours_or_less, minutes_or_less, seconds_part, fraction = match.groups()
    seconds = int(hours_or_less)
    if minutes_or_less is not None:
        seconds = seconds * 60 + int(minutes_or_less)
    if seconds_part is not None:
        seconds = seconds * 60 + int(seconds_part)
    millis = int((fraction + "000")[:3]) if fraction else 0
    return seconds * 1000 + millis


def format_time(millis: int) -> str:
    """``hh:mm:ss.fff`` for an ASX ``VALUE``."""
    seconds, ms = divmod(millis, 1000)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}.{ms:03d}"


class _Reader:
    def __init__(self, strict: bool, on_warning: WarningHandler | None) -> None:
        self.strict = strict
        self.on_warning = on_warning
        self.playlist_fields: dict[str, Any] = {}
        self.playlist_extras: dict[str, Any] = {}
        self.base = ""
        self.entries_seen = False
        self.credits = SharedValues(_CREDITS_KEPT).credits  # (ArtistCredit(name),) by name

    def problem(self, reason: str, element: etree._Element | None) -> None:
        line = _xml.line_of(element) if element is not None else None
        if self.strict:
            raise PlaylistFormatError(reason, codec=_CODEC, line=line)
        emit_warning(FormatWarning(reason, codec=_CODEC, line=line), self.on_warning)

    def attributes(self, element: etree._Element) -> dict[str, str]:
        """Lower-cased attributes, checked against what Silverlight accepts."""
        name = _xml.local_name(element)
        result: dict[str, str] = {}
        allowed = _ATTRIBUTES.get(name, frozenset())
        for key, value in element.attrib.items():
            lower = str(key).lower()
            if lower in result:
                self.problem(f"attribute {lower!r} given twice on <{name}>", element)
            result.setdefault(lower, str(value))
            if (name, lower) in _UNSUPPORTED_ATTRIBUTES:
                self.problem(f"unsupported ASX attribute {lower!r} on <{name}>", element)
            elif lower not in allowed and name in _PARENTS:
                self.problem(f"invalid ASX attribute {lower!r} on <{name}>", element)
        return result

    def text(self, element: etree._Element) -> str:
        if any(isinstance(child.tag, str) for child in element):
            self.problem(f"<{_xml.local_name(element)}> must hold plain text, not markup", element)
        return (_xml.text_of(element) if len(element) else element.text or "").strip()

    def check_content(self, element: etree._Element, parent: str) -> None:
        name = _xml.local_name(element)
        if name in _UNSUPPORTED:
            self.problem(f"unsupported ASX element <{name}>", element)
        elif name not in _PARENTS:
            self.problem(f"invalid ASX element <{name}>", element)
        elif parent not in _PARENTS[name] and parent not in _UNSUPPORTED:
            self.problem(f"<{name}> is not allowed inside <{parent or 'document'}>", element)
        if name not in _TEXT_ELEMENTS:
            texts = [element.text or ""] + [child.tail or "" for child in element]
            if any(t.strip() for t in texts):
                self.problem(f"<{name}> may not contain text", element)
            if name not in _CONTAINERS and any(isinstance(c.tag, str) for c in element):
                self.problem(f"<{name}> may not contain elements", element)

    def time_value(self, element: etree._Element, attrs: dict[str, str]) -> int | None:
        raw = attrs.get("value")
        if raw is None or raw == "":
            return None
        millis = parse_time(raw)
        if millis is None:
            self.problem(f"invalid time value {raw!r} in <{_xml.local_name(element)}>", element)
        return millis

    # -- walking ------------------------------------------------------------------------

    def run(self, stream: BinaryIO) -> Iterator[Track]:
        """Yield entries as their end tags are parsed; playlist fields are complete at the end.

        Only ``asx``, ``entry`` and ``entryref`` produce events. Whatever precedes an entry
        in its container is read (and freed) before the entry, so a ``BASE`` applies to the
        entries after it; one that comes after every entry is kept in ``extras["asx.base"]``.
        """
        root: etree._Element | None = None
        for event, element in _xml.iterparse(stream, codec=_CODEC, tag=_EVENT_TAGS):
            if root is None:
                top = element.getroottree().getroot()
                if top is not element:
                    raise PlaylistFormatError(
                        f"root element is <{_xml.local_name(top)}>, not <ASX>",
                        codec=_CODEC,
                        line=_xml.line_of(top),
                    )
                root = element
                self.start(element)
                continue
            if event == "start":
                continue
            parent = element.getparent()
            if parent is None:
                self.finish(element)
                continue
            if parent is root and element.tag == "entry":
                if not self.drop_previous_entry(element, root):
                    self.flush_before(element, root, "asx")
                track = self.plain_entry(element)
                if track is None:
                    self.check_content(element, "asx")
                    self.entries_seen = True
                    track = self.entry(element)
                else:
                    self.entries_seen = True
                yield track
                # Not cleared: the next entry removes it, and nothing reads it before.
                continue
            kind = _xml.local_name(parent)
            if kind not in _ENTRY_CONTAINERS:
                continue  # inside an entry or another element: read with its ancestor
            if kind in _UNSUPPORTED and self.strict:
                self.problem(f"unsupported ASX element <{kind}>", parent)
            self.flush_before(element, parent, kind)
            name = _xml.local_name(element)
            self.check_content(element, kind)
            if name == "entry":
                self.entries_seen = True
                yield self.entry(element)
            elif name == "entryref":
                href = self.attributes(element).get("href")
                if href:
                    self.entries_seen = True
                    yield Track(
                        title="", locations=(self.resolve(href, ""),), extras={"asx.entryref": True}
                    )
            else:  # a nested <asx>: what is left in it once its entries are read
                self.attributes(element)
                self.rest(element, name)
            tail = element.tail
            element.clear()
            element.tail = tail
        if root is None:
            raise PlaylistFormatError("no <ASX> root element", codec=_CODEC, line=1)

    def start(self, root: etree._Element) -> None:
        name = _xml.local_name(root)
        if name != "asx":
            raise PlaylistFormatError(
                f"root element is <{name}>, not <ASX>", codec=_CODEC, line=_xml.line_of(root)
            )
        attrs = self.attributes(root)
        version = attrs.get("version")
        if version is not None and version.strip() not in {"3", "3.0"}:
            self.problem(f"unsupported ASX version {version!r}", root)

    def finish(self, root: etree._Element) -> None:
        self.check_content(root, "")
        self.rest(root, "asx")

    def flush_before(self, element: etree._Element, parent: etree._Element, kind: str) -> None:
        """Read and free the siblings before ``element`` in its container."""
        if parent.text is not None and not parent.text.isspace():
            self.problem(f"<{kind}> may not contain text", parent)
        parent.text = None
        previous: list[etree._Element] = []
        node = element.getprevious()
        while node is not None:
            previous.append(node)
            node = node.getprevious()
        for node in reversed(previous):
            if node.tail is not None and not node.tail.isspace():
                self.problem(f"<{kind}> may not contain text", parent)
            if node.tag not in {"entry", "entryref"}:  # those were read already
                self.child(node, kind)
            parent.remove(node)

    def drop_previous_entry(self, element: etree._Element, root: etree._Element) -> bool:
        """:meth:`flush_before` for an entry of ``<asx>`` that follows just one entry read
        already (and no text); ``False``, having done nothing, in every other case."""
        previous = element.getprevious()
        if (
            previous is None
            or previous.tag != "entry"
            or root.text is not None
            or previous.getprevious() is not None
        ):
            return False
        tail = previous.tail
        if tail is not None and not tail.isspace():
            self.problem("<asx> may not contain text", root)
        root.remove(previous)
        return True

    def rest(self, container: etree._Element, kind: str) -> None:
        """Read what is left in a container whose entries were already read."""
        for node in container:
            self.child(node, kind)

    def child(self, node: etree._Element, kind: str) -> None:
        """One non-entry child of ``<asx>`` (or, leniently, ``<repeat>``/``<event>``)."""
        if not isinstance(node.tag, str):
            return
        name = _xml.local_name(node)
        if name in {"entry", "entryref"} and kind in _ENTRY_CONTAINERS:
            return  # read at its own end tag
        self.check_content(node, kind)
        if name in {"repeat", "event"}:
            self.attributes(node)
            self.rest(node, name)
        elif name == "base":
            href = self.attributes(node).get("href")
            if href and not self.base and "asx.base" not in self.playlist_extras:
                if self.entries_seen:
                    self.playlist_extras["asx.base"] = href.strip()
                else:
                    self.base = href.strip()
        else:
            self.metadata(node, self.playlist_fields, self.playlist_extras, level="asx")

    def metadata(
        self, element: etree._Element, fields: dict[str, Any], extras: dict[str, Any], level: str
    ) -> None:
        name = _xml.local_name(element)
        attrs = self.attributes(element)
        if name in _TEXT_ELEMENTS:
            text = self.text(element)
            if name in fields:
                others = extras.setdefault(f"asx.{name}.more", ())
                extras[f"asx.{name}.more"] = (*others, text)
            else:
                fields[name] = text
        elif name == "param":
            if "name" in attrs:
                params = extras.get("asx.param", ())
                extras["asx.param"] = (*params, (attrs["name"], attrs.get("value", "")))
        elif name == "moreinfo":
            if "href" in attrs:
                extras.setdefault("asx.moreinfo", attrs["href"])
        elif name in {"duration", "starttime"}:
            millis = self.time_value(element, attrs)
            if millis is not None:
                fields.setdefault(name, millis)
        elif name in {"banner", "logurl", "skin"} and "href" in attrs and level != "ref":
            extras.setdefault(f"asx.{name}", attrs["href"])
        elif name == "ref" and level == "asx":
            pass  # a REF outside an ENTRY plays nothing; reported by check_content

    def plain_entry(self, element: etree._Element) -> Track | None:
        """The track of an entry that :meth:`entry` would read without a word, or ``None``.

        The common shape only: no attributes, no text, and at most one ``TITLE`` and
        ``AUTHOR`` (no attributes, plain text), one ``DURATION`` (at most a valid
        ``VALUE``) and any ``REF`` (at most ``HREF``), none holding anything else. For
        every other entry ``None`` sends it to :meth:`check_content` and :meth:`entry`,
        which give the same track for these.
        """
        text = element.text
        if (text and not text.isspace()) or element.keys():
            return None
        title: str | None = None
        author: str | None = None
        duration: int | None = None
        timed = False
        locations: list[str] = []
        for child in element:
            tail = child.tail
            if (tail and not tail.isspace()) or len(child):
                return None
            tag = child.tag
            if tag in {"title", "author"}:
                if child.keys():
                    return None
                value = (child.text or "").strip()
                if tag == "title" and title is None:
                    title = value
                elif tag == "author" and author is None:
                    author = value
                else:
                    return None
                continue
            if tag != "ref" and (tag != "duration" or timed):
                return None
            text = child.text
            if text and not text.isspace():
                return None
            attributes = child.items()
            if len(attributes) > 1:
                return None
            key, raw = (str(attributes[0][0]), str(attributes[0][1])) if attributes else ("", "")
            if tag == "ref":
                if key and key.lower() != "href":
                    return None
                if raw:
                    locations.append(self.resolve(raw, ""))
                continue
            if key and key.lower() != "value":
                return None
            timed = True
            if raw:
                duration = parse_time(raw)
                if duration is None:
                    return None
        # Normal-form values: assembled without Track's converters.
        return assemble_entry(
            title or "",
            self.credits[author] if author else (),
            None,
            DurationMs(duration) if duration is not None else None,
            tuple(locations),
            extras=EMPTY_MAPPING,
        )

    def resolve(self, href: str, entry_base: str) -> str:
        href = href.strip()
        base = entry_base or self.base
        return urljoin(base, href) if base else href

    def entry(self, element: etree._Element) -> Track:
        attrs = self.attributes(element)
        fields: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        if "clientskip" in attrs:
            value = attrs["clientskip"].strip().lower()
            if value not in {"yes", "no"}:
                self.problem(f"CLIENTSKIP must be YES or NO, not {attrs['clientskip']!r}", element)
            extras["asx.clientskip"] = value
        entry_base = ""
        refs: list[etree._Element] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = _xml.local_name(child)
            self.check_content(child, "entry")
            if name == "ref":
                refs.append(child)
            elif name == "base":
                entry_base = self.attributes(child).get("href", "").strip()
            elif name in {"entry", "repeat", "event", "asx", "entryref"}:
                continue  # reported by check_content; nothing to read here
            else:
                self.metadata(child, fields, extras, level="entry")
        locations: list[str] = []
        for ref in refs:
            ref_attrs = self.attributes(ref)
            for inner in ref:
                if not isinstance(inner.tag, str):
                    continue
                self.check_content(inner, "ref")
                if _xml.local_name(inner) in {"duration", "starttime"}:
                    self.metadata(inner, fields, extras, level="ref")
            href = ref_attrs.get("href")
            if href:
                locations.append(self.resolve(href, entry_base))
        if "abstract" in fields:
            extras["asx.abstract"] = fields["abstract"]
        if "copyright" in fields:
            extras["asx.copyright"] = fields["copyright"]
        if "starttime" in fields:
            extras["asx.starttime_ms"] = fields["starttime"]
        author = fields.get("author")
        duration = fields.get("duration")
        return Track(
            title=fields.get("title", ""),
            artists=self.credits[author] if author else (),
            duration_ms=DurationMs(duration) if duration is not None else None,
            locations=tuple(locations),
            extras=extras,
        )

    def playlist(self, tracks: Iterable[Track]) -> Playlist:
        fields = self.playlist_fields
        extras = dict(self.playlist_extras)
        if "copyright" in fields:
            extras["asx.copyright"] = fields["copyright"]
        return Playlist(
            name=fields.get("title"),
            owner=fields.get("author"),
            description=fields.get("abstract"),
            tracks=tracks,
            extras=extras,
        )


def _read_ini(text: str) -> list[Track]:
    """The pre-XML ASX form: ``[Reference]`` then ``RefN=URL`` lines."""
    tracks = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().lower().startswith("ref") and value.strip():
            tracks.append(Track(title="", locations=(value.strip(),)))
    return tracks


_VALUE_FIELDS = (
    *("artists", "album", "duration_ms", "isrc", "track_number", "disc_number", "explicit"),
    *("provider_ids", "image", "musicbrainz_recording_id", "genres"),
)
_COLLECTION_TYPES: frozenset[type] = frozenset((tuple, dict, MappingProxyType))


def record_track_losses(
    track: Track, carried: frozenset[str], carried_extras: frozenset[str], losses: LossCounter
) -> None:
    """Record every model field of ``track`` with a value that is not in ``carried``.

    Extras count as carried when their key is in ``carried_extras``.
    """
    for field in _VALUE_FIELDS:
        if field in carried:
            continue
        value = getattr(track, field)
        # Empty tuples and mappings are no value; "in ((), {})" would call Album.__eq__.
        if value is None or (type(value) in _COLLECTION_TYPES and not value):
            continue
        losses.track(field)
    if "artists" in carried and len(track.artists) > 1:
        losses.track("artists", "several credits are joined into one name")
    if "artists" in carried and any(
        a.role or a.provider_ids or a.musicbrainz_id for a in track.artists
    ):
        losses.track("artists.details")
    if "locations" in carried and len(track.locations) > 1 and "locations[]" not in carried:
        losses.track("locations", "only the first location is written")
    for key in track.extras:
        if key not in carried_extras:
            losses.track(f"extras.{key}")


_ENTRY_CARRIED = frozenset({"artists", "duration_ms", "locations", "locations[]"})
_ENTRY_EXTRAS = frozenset(
    {
        "asx.abstract",
        "asx.copyright",
        "asx.starttime_ms",
        "asx.param",
        "asx.moreinfo",
        "asx.banner",
        "asx.logurl",
        "asx.clientskip",
        "asx.entryref",
        "asx.skin",  # reported separately
    }
    | {f"asx.{name}.more" for name in _TEXT_ELEMENTS}
)
_PLAYLIST_EXTRAS = frozenset(
    {"asx.copyright", "asx.param", "asx.moreinfo", "asx.banner", "asx.logurl", "asx.skin"}
    | {"asx.base"}
    | {f"asx.{name}.more" for name in _TEXT_ELEMENTS}
)


class AsxCodec:
    """The ASX codec (Windows Media metafiles)."""

    name = "asx"
    extensions: tuple[str, ...] = ("asx", "wax", "wvx")
    media_types: tuple[str, ...] = ("video/x-ms-asf", "audio/x-ms-wax", "video/x-ms-wvx")

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read an ASX playlist (see the module docstring for strict vs lenient)."""
        reader = _Reader(strict, on_warning)
        with gc_paused():
            tracks = list(self._tracks(source, reader))
        return reader.playlist(tracks)

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield entries one at a time with bounded memory."""
        yield from self._tracks(source, _Reader(strict, on_warning))

    def _tracks(self, source: Source, reader: _Reader) -> Iterator[Track]:
        with open_source(source) as stream:
            head = stream.read(_CHUNK)
            encoding = _encoding(head)
            start = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
            if start[:11].lower() == "[reference]":
                yield from _read_ini((head + stream.read()).decode(encoding, errors="replace"))
                return
            if not start:
                raise PlaylistFormatError("empty file", codec=_CODEC, line=1)
            yield from reader.run(_NormalisedStream(head, stream, encoding))  # type: ignore[arg-type]

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist`` as ASX 3.0 (UTF-8)."""
        return write_in_memory(self.write_stream, playlist)

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write ``playlist``'s metadata and ``tracks`` to ``out`` as ASX."""
        losses = LossCounter()
        w = _xml.XmlWriter(
            out, lambda: losses.track("control characters", "XML 1.0 cannot hold them; removed")
        )
        w.write('<ASX VERSION="3.0">\n')
        _write_texts(
            w,
            "  ",
            [
                ("TITLE", playlist.name),
                ("AUTHOR", playlist.owner),
                ("ABSTRACT", playlist.description),
                ("COPYRIGHT", _opt_str(playlist.extras.get("asx.copyright"))),
            ],
        )
        _write_extras(w, "  ", playlist.extras)
        for name in ("image", "public", "collaborative", "created_at", "updated_at"):
            if getattr(playlist, name) is not None:
                losses.playlist(f"playlist.{name}")
        if playlist.provider_ref is not None:
            losses.playlist("playlist.provider_ref")
        for key in playlist.extras:
            if key not in _PLAYLIST_EXTRAS:
                losses.playlist(f"playlist.extras.{key}")
        for track in tracks:
            _write_entry(w, track, losses)
        base = playlist.extras.get("asx.base")
        if isinstance(base, str):  # a BASE that followed the entries applies to none of them
            w.write(f'  <BASE HREF="{w.attr(base)}" />\n')
        w.write("</ASX>\n")
        w.flush()
        return losses.losses()

    def sniff(self, head: bytes) -> float:
        """Confidence that ``head`` starts an ASX file."""
        text = _xml.decode_head(head[:4096]).lstrip("\ufeff \t\r\n")
        if re.match(r"(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<asx[\s>]", text, re.I | re.S):
            return 0.95
        if text.lower().startswith("[reference]"):
            return 0.6
        return 0.0


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _write_texts(w: _xml.XmlWriter, indent: str, items: list[tuple[str, str | None]]) -> None:
    for tag, value in items:
        if value is not None:
            w.write(f"{indent}<{tag}>{w.text(value)}</{tag}>\n")


def _write_extras(w: _xml.XmlWriter, indent: str, extras: Any) -> None:
    for name in _TEXT_ELEMENTS:
        for value in extras.get(f"asx.{name}.more", ()):
            w.write(f"{indent}<{name.upper()}>{w.text(str(value))}</{name.upper()}>\n")
    for name in ("moreinfo", "banner", "logurl", "skin"):
        href = extras.get(f"asx.{name}")
        if isinstance(href, str):
            w.write(f'{indent}<{name.upper()} HREF="{w.attr(href)}" />\n')
    for pair in extras.get("asx.param", ()):
        name, value = pair
        w.write(f'{indent}<PARAM NAME="{w.attr(str(name))}" VALUE="{w.attr(str(value))}" />\n')


def _write_entry(w: _xml.XmlWriter, track: Track, losses: LossCounter) -> None:
    extras = track.extras
    if extras.get("asx.entryref"):
        plain = Track(title="", locations=track.locations[:1], extras={"asx.entryref": True})
        if track == plain:
            w.write(f'  <ENTRYREF HREF="{w.attr(track.locations[0])}" />\n')
            return
        losses.track("extras.asx.entryref", "a reference with metadata is written as an ENTRY")
    record_track_losses(track, _ENTRY_CARRIED, _ENTRY_EXTRAS, losses)
    if "asx.skin" in extras:
        losses.track("extras.asx.skin", "SKIN belongs to the whole playlist")
    if extras.get("asx.clientskip") in {"yes", "no"}:
        w.write(f'  <ENTRY CLIENTSKIP="{str(extras["asx.clientskip"]).upper()}">\n')
    else:
        w.write("  <ENTRY>\n")
    _write_texts(
        w,
        "    ",
        [
            ("TITLE", track.title or None),
            ("AUTHOR", track.artist_line or None),
            ("ABSTRACT", _opt_str(extras.get("asx.abstract"))),
            ("COPYRIGHT", _opt_str(extras.get("asx.copyright"))),
        ],
    )
    if track.duration_ms is not None:
        w.write(f'    <DURATION VALUE="{format_time(int(track.duration_ms))}" />\n')
    starttime = extras.get("asx.starttime_ms")
    if isinstance(starttime, int):
        w.write(f'    <STARTTIME VALUE="{format_time(starttime)}" />\n')
    _write_extras(w, "    ", {k: v for k, v in extras.items() if k != "asx.skin"})
    for location in track.locations:
        w.write(f'    <REF HREF="{w.attr(location)}" />\n')
    w.write("  </ENTRY>\n")


ASX = AsxCodec()
"""The ASX codec instance the registry uses."""
