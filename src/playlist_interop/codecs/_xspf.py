"""Implementation of :mod:`playlist_interop.codecs.xspf` (documented there)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
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
from playlist_interop.codecs._xspf_common import (
    XSPF_NS,
    LossCounter,
    SharedValues,
    XspfPlaylist,
    XspfTrack,
    assemble_plain_track,
    format_date_time,
    parse_date_time,
    parse_non_negative_int,
    plain_track_fields,
    playlist_from_fields,
    playlist_to_fields,
    track_from_fields,
    track_to_fields,
    valid_uri,
)
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist, Track

__all__ = ["XSPF", "XspfCodec"]

_CODEC = "xspf"
_XML_BASE = f"{{{_xml.XML_NS}}}base"

_TRACK_ONCE = ("title", "creator", "annotation", "info", "image", "album", "trackNum", "duration")
_TRACK_MANY = ("location", "identifier", "link", "meta", "extension")
_PLAYLIST_ONCE = (
    "title",
    "creator",
    "annotation",
    "info",
    "location",
    "identifier",
    "image",
    "date",
    "license",
    "attribution",
    "trackList",
)
_PLAYLIST_MANY = ("link", "meta", "extension")
_TRACK_ELEMENTS = frozenset(_TRACK_ONCE + _TRACK_MANY)
_TRACK_ONCE_SET = frozenset(_TRACK_ONCE)
_ALL_NAMES = frozenset(
    _TRACK_ONCE + _TRACK_MANY + _PLAYLIST_ONCE + _PLAYLIST_MANY + ("playlist", "track")
)
_DEFAULT_NS_DECLARATION = f' xmlns="{XSPF_NS}"'
_EVENT_TAGS = ("{*}playlist", "{*}trackList", "{*}track")
_URI_LEAVES = frozenset({"info", "image", "location", "identifier", "license"})
_PLAIN_TRACK_ELEMENTS = (
    "location",
    "identifier",
    "title",
    "creator",
    "album",
    "trackNum",
    "duration",
)


class _Reader:
    """One pass over an XSPF document, validating as it goes."""

    def __init__(self, strict: bool, on_warning: WarningHandler | None) -> None:
        self.strict = strict
        self.on_warning = on_warning
        self.ns: str | None = XSPF_NS
        self.names: dict[str, str] = {}
        """Qualified tag -> XSPF element name, for the namespace the document uses."""
        self.plain_names: dict[str, str] = {}
        """The same for the elements a plain track has (see :meth:`plain_track`)."""
        self.shared = SharedValues()
        self.list_base = ""
        self.first_item = True
        self.version = "1"
        self.fields = XspfPlaylist()
        self.track_lists = 0

    # -- reporting --------------------------------------------------------------------

    def problem(self, reason: str, element: etree._Element | None = None) -> None:
        """Raise in strict mode, warn in lenient mode."""
        line = _xml.line_of(element) if element is not None else None
        if self.strict:
            raise PlaylistFormatError(reason, codec=_CODEC, line=line)
        emit_warning(FormatWarning(reason, codec=_CODEC, line=line), self.on_warning)

    # -- helpers ----------------------------------------------------------------------

    def is_xspf(self, element: etree._Element) -> bool:
        return _xml.namespace(element) == self.ns

    def check_attributes(
        self, element: etree._Element, allowed: frozenset[str] = frozenset()
    ) -> None:
        for name in element.attrib:
            if name in allowed or str(name).startswith(f"{{{_xml.XML_NS}}}"):
                continue
            self.problem(
                f"attribute {_plain(str(name))!r} is not allowed on <{_xml.local_name(element)}>",
                element,
            )

    def check_no_text(self, element: etree._Element) -> None:
        text = element.text
        if (text is not None and not text.isspace()) or any(
            child.tail is not None and not child.tail.isspace() for child in element
        ):
            self.problem(
                f"<{_xml.local_name(element)}> may only contain elements, not text", element
            )

    def leaf_text(self, element: etree._Element) -> str:
        """Text of an element that must hold character data only."""
        if element.keys():
            self.check_attributes(element)
        if len(element):  # child elements are refused; comments are just skipped
            if any(isinstance(child.tag, str) for child in element):
                self.problem(
                    f"<{_xml.local_name(element)}> must hold plain text, not markup", element
                )
            return _xml.text_of(element)
        return element.text or ""

    def uri(self, value: str, element: etree._Element, what: str) -> str:
        text = value.strip()
        if not valid_uri(text):
            self.problem(f"{what} is not a valid URI: {text!r}", element)
        return text

    def counted(self, children: list[etree._Element], once: Iterable[str]) -> None:
        counts = Counter(_xml.local_name(c) for c in children if self.is_xspf(c))
        for name in once:
            if counts[name] > 1:
                extra = [c for c in children if self.is_xspf(c) and _xml.local_name(c) == name]
                self.problem(f"<{name}> may appear only once here", extra[1])

    def rel_value(self, element: etree._Element, with_uri_content: bool) -> tuple[str, str] | None:
        name = _xml.local_name(element)
        self.check_attributes(element, frozenset({"rel"}))
        rel = element.get("rel")
        if rel is None:
            self.problem(f"<{name}> needs a rel attribute", element)
            return None
        rel = self.uri(rel, element, f"<{name}> rel")
        if any(isinstance(child.tag, str) for child in element):
            self.problem(f"<{name}> must hold plain text, not markup", element)
        content = _xml.text_of(element) if len(element) else element.text or ""
        if with_uri_content:
            content = self.uri(content, element, f"<{name}> value")
        return rel, content

    def extension(self, element: etree._Element) -> str | None:
        self.check_attributes(element, frozenset({"application"}))
        application = element.get("application")
        if application is None:
            self.problem("<extension> needs an application attribute", element)
        else:
            self.uri(application, element, "<extension> application")
        raw = etree.tostring(element, encoding="unicode", with_tail=False)
        # The XSPF default namespace is where the element is written back anyway; dropping
        # its declaration keeps the string the same however often it goes round.
        end = raw.find(">")  # lxml escapes ">" in attribute values, so this ends the tag
        return raw[:end].replace(_DEFAULT_NS_DECLARATION, "", 1) + raw[end:]

    def foreign(self, element: etree._Element, where: str, extras: dict[str, object]) -> None:
        self.problem(f"element <{_plain(str(element.tag))}> is not allowed in <{where}>", element)
        raw = etree.tostring(element, encoding="unicode", with_tail=False)
        extras["xspf.unknown"] = (*extras.get("xspf.unknown", ()), raw)  # type: ignore[misc]

    # -- the document -----------------------------------------------------------------

    def root(self, element: etree._Element) -> None:
        name = _xml.local_name(element)
        namespace = _xml.namespace(element)
        if name != "playlist":
            raise PlaylistFormatError(
                f"root element is <{name}>, not an XSPF <playlist>",
                codec=_CODEC,
                line=_xml.line_of(element),
            )
        if namespace != XSPF_NS:
            self.problem(f"root <playlist> is in namespace {namespace!r}, not {XSPF_NS!r}", element)
        self.ns = namespace
        prefix = "" if namespace is None else f"{{{namespace}}}"
        self.names = {prefix + name: name for name in _ALL_NAMES}
        self.plain_names = {prefix + name: name for name in _PLAIN_TRACK_ELEMENTS}
        self.check_attributes(element, frozenset({"version"}))
        version = element.get("version")
        self.version = (version or "").strip()
        if version is None:
            self.problem("<playlist> has no version attribute", element)
        elif version.strip() not in {"0", "1"}:
            self.problem(f"unsupported XSPF version {version!r}", element)

    def plain_track(self, element: etree._Element) -> Track | None:
        """The track of a plain ``<track>``, or None when :meth:`track` must read it.

        Plain: no attributes, no text, and only location, identifier, title, creator,
        album, trackNum and duration children, each without attributes or markup, with
        valid values, and the single ones once: nothing to report. :meth:`track` reads the
        same track from it, only slower.
        """
        text = element.text
        if (text is not None and not text.isspace()) or element.keys():
            return None
        names = self.plain_names
        base = self.list_base
        locations: list[str] = []
        identifiers: list[str] = []
        values: dict[str, Any] = {}
        for child in element:
            tail = child.tail
            if tail is not None and not tail.isspace():
                return None
            name = names.get(child.tag)
            if name is None or len(child) or child.keys():
                return None
            text = child.text or ""
            if name in {"location", "identifier"}:
                text = text.strip()
                if not valid_uri(text):
                    return None
                if name == "identifier":
                    identifiers.append(text)
                else:
                    locations.append(urljoin(base, text) if base else text)
            elif name in values:
                return None
            elif name in {"duration", "trackNum"}:
                # Plain ASCII digits are what parse_non_negative_int takes without stripping.
                number = int(text) if text.isascii() and text.isdigit() else None
                if number is None:
                    number = parse_non_negative_int(text)
                if number is None or (number == 0 and name == "trackNum"):
                    return None
                values[name] = number
            else:
                values[name] = text
        return assemble_plain_track(
            self.shared,
            values.get("title"),
            values.get("creator"),
            values.get("album"),
            values.get("duration"),
            values.get("trackNum"),
            tuple(locations),
            identifiers,
        )

    def track(self, element: etree._Element) -> Track:
        if element.keys():
            self.check_attributes(element)
        text_inside = element.text is not None and not element.text.isspace()
        own_base = element.get(_XML_BASE)
        base = urljoin(self.list_base, own_base.strip()) if own_base else self.list_base
        names = self.names
        values: dict[str, object] = {}
        locations: list[str] = []
        identifiers: list[str] = []
        links: list[tuple[str, str]] = []
        metas: list[tuple[str, str]] = []
        extensions: list[str] = []
        extras: dict[str, object] = {}
        for child in element:
            tail = child.tail
            if tail is not None and not text_inside and not tail.isspace():
                text_inside = True
            tag = child.tag
            if not isinstance(tag, str):
                continue
            name = names.get(tag)
            if name is None or name not in _TRACK_ELEMENTS:
                self.foreign(child, "track", extras)
                continue
            if name in _TRACK_ONCE_SET and (name in values or f"xspf.invalid.{name}" in extras):
                self.problem(f"<{name}> may appear only once here", child)
                continue
            if name == "link":
                pair = self.rel_value(child, with_uri_content=True)
                if pair:
                    links.append(pair)
            elif name == "meta":
                pair = self.rel_value(child, with_uri_content=False)
                if pair:
                    metas.append(pair)
            elif name == "extension":
                raw = self.extension(child)
                if raw is not None:
                    extensions.append(raw)
            else:
                text = self.leaf_text(child) if len(child) or child.keys() else child.text or ""
                if name in _URI_LEAVES:
                    text = text.strip()
                    if not valid_uri(text):
                        self.problem(f"<{name}> is not a valid URI: {text!r}", child)
                if name == "location":
                    locations.append(urljoin(base, text) if base else text)
                elif name == "identifier":
                    identifiers.append(text)
                elif name in {"trackNum", "duration"}:
                    number = parse_non_negative_int(text)
                    if number is None:
                        self.problem(f"<{name}> is not a non-negative integer: {text!r}", child)
                        extras[f"xspf.invalid.{name}"] = text
                    else:
                        if number == 0 and name == "trackNum":
                            self.problem("<trackNum> must be greater than zero", child)
                        values[name] = number
                else:
                    values[name] = text
        if text_inside:
            self.problem("<track> may only contain elements, not text", element)
        fields = XspfTrack(
            locations=tuple(locations),
            identifiers=tuple(identifiers),
            title=_str(values.get("title")),
            creator=_str(values.get("creator")),
            annotation=_str(values.get("annotation")),
            info=_str(values.get("info")),
            image=_str(values.get("image")),
            album=_str(values.get("album")),
            track_num=_int(values.get("trackNum")),
            duration=_int(values.get("duration")),
            links=tuple(links),
            metas=tuple(metas),
            extensions=tuple(extensions),
            extras=extras,
        )
        return track_from_fields(fields, self.shared)

    def playlist(self, element: etree._Element) -> None:
        """Read the playlist-level children once the document has ended."""
        self.check_no_text(element)
        children = [c for c in element if isinstance(c.tag, str)]
        self.counted(children, _PLAYLIST_ONCE)
        values: dict[str, object] = {}
        attribution: list[tuple[str, str]] = []
        links: list[tuple[str, str]] = []
        metas: list[tuple[str, str]] = []
        extensions: list[str] = []
        extras: dict[str, object] = {}
        for child in children:
            name = _xml.local_name(child)
            if not self.is_xspf(child) or name not in _PLAYLIST_ONCE + _PLAYLIST_MANY:
                self.foreign(child, "playlist", extras)
                continue
            if name == "trackList":
                self.check_attributes(child)
                continue
            if name == "link":
                pair = self.rel_value(child, with_uri_content=True)
                if pair:
                    links.append(pair)
            elif name == "meta":
                pair = self.rel_value(child, with_uri_content=False)
                if pair:
                    metas.append(pair)
            elif name == "extension":
                raw = self.extension(child)
                if raw is not None:
                    extensions.append(raw)
            elif name == "attribution":
                if "attribution" in values:
                    continue
                values["attribution"] = True
                self.check_attributes(child)
                self.check_no_text(child)
                for item in child:
                    if not isinstance(item.tag, str):
                        continue
                    item_name = _xml.local_name(item)
                    if not self.is_xspf(item) or item_name not in {"location", "identifier"}:
                        self.problem(
                            f"element <{_plain(str(item.tag))}> is not allowed in <attribution>",
                            item,
                        )
                        continue
                    text = self.uri(self.leaf_text(item), item, f"<attribution> {item_name}")
                    attribution.append((item_name, text))
            else:
                text = self.leaf_text(child)
                if name in _URI_LEAVES:
                    text = self.uri(text, child, f"<{name}>")
                if name == "date":
                    parsed = parse_date_time(text)
                    if parsed is None and self.version == "0":
                        parsed = _iso_8601(text)  # version 0 dates are any ISO 8601 form
                    if parsed is None:
                        self.problem(f"<date> is not an xsd:dateTime: {text.strip()!r}", child)
                        extras["xspf.invalid.date"] = text
                    else:
                        values.setdefault("date", parsed)
                elif name == "location":
                    base = _base_of(child)
                    values.setdefault(name, urljoin(base, text) if base else text)
                else:
                    values.setdefault(name, text)
        if self.track_lists == 0:
            self.problem("<playlist> has no <trackList>", element)
        date = values.get("date")
        if not isinstance(date, dt.datetime):
            date = None
        self.fields = XspfPlaylist(
            title=_str(values.get("title")),
            creator=_str(values.get("creator")),
            annotation=_str(values.get("annotation")),
            info=_str(values.get("info")),
            location=_str(values.get("location")),
            identifier=_str(values.get("identifier")),
            image=_str(values.get("image")),
            date=date,
            license=_str(values.get("license")),
            attribution=tuple(attribution),
            links=tuple(links),
            metas=tuple(metas),
            extensions=tuple(extensions),
            extras=extras,
        )

    def run(self, stream: BinaryIO) -> Iterator[Track]:
        """Yield the tracks; :attr:`fields` is filled once the iterator is exhausted.

        Only ``playlist``, ``trackList`` and ``track`` elements produce events, which keeps
        the per-track overhead close to lxml's own; everything else is read from the tree.
        """
        root: etree._Element | None = None
        track_list: etree._Element | None = None
        tag_list = tag_track = ""
        events = _xml.iterparse(stream, codec=_CODEC, tag=_EVENT_TAGS)
        for event, element in events:
            if root is None:
                top = element.getroottree().getroot()
                if top is not element:
                    raise PlaylistFormatError(
                        f"root element is <{_xml.local_name(top)}>, not an XSPF <playlist>",
                        codec=_CODEC,
                        line=_xml.line_of(top),
                    )
                root = element
                self.root(element)
                prefix = "" if self.ns is None else f"{{{self.ns}}}"
                tag_list, tag_track = prefix + "trackList", prefix + "track"
                continue
            parent = element.getparent()
            if event == "start":
                if parent is root and element.tag == tag_list:
                    self.track_lists += 1
                    if self.track_lists == 1:
                        track_list = element
                        self.list_base = _base_of(element)
                continue
            if track_list is not None and parent is track_list:
                if element.tag == tag_track:
                    yield self.plain_track(element) or self.track(element)
                self.release(element, track_list, tag_track)
            elif track_list is not None and element is track_list:
                self.check_list_items(track_list, tag_track, list(track_list))
                track_list = None
            elif element is root:
                self.playlist(root)
        if root is None:
            raise PlaylistFormatError("no XSPF <playlist> root element", codec=_CODEC, line=1)

    def check_list_items(
        self, track_list: etree._Element, tag_track: str, items: list[etree._Element]
    ) -> None:
        """Report text and non-track elements among ``items`` (children of ``<trackList>``)."""
        for item in items:
            if isinstance(item.tag, str) and item.tag != tag_track:
                self.problem(
                    f"element <{_plain(str(item.tag))}> is not allowed in <trackList>", item
                )
            if item.tail is not None and not item.tail.isspace():
                self.problem("<trackList> may only contain elements, not text", track_list)

    def release(self, element: etree._Element, track_list: etree._Element, tag: str) -> None:
        """Free a consumed child of ``<trackList>`` and check the siblings before it."""
        node = element.getprevious()
        if node is None:
            if self.first_item:
                self.first_item = False
                text = track_list.text
                if text is not None and not text.isspace():
                    self.problem("<trackList> may only contain elements, not text", track_list)
        elif (
            node.tag == tag
            and node.getprevious() is None
            and (node.tail is None or node.tail.isspace())
        ):
            del track_list[0]  # the usual case: just the previous (already read) track
        else:
            previous = []
            while node is not None:
                previous.append(node)
                node = node.getprevious()
            self.check_list_items(track_list, tag, previous)
            for _ in previous:
                del track_list[0]
        element.clear(keep_tail=True)  # type: ignore[call-arg]


def _iso_8601(text: str) -> dt.datetime | None:
    """An ISO 8601 date or date-time (XSPF version 0); dates become midnight."""
    value = text.strip()
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _base_of(element: etree._Element) -> str:
    """The ``xml:base`` in effect for ``element``'s children ("" when none is set)."""
    bases: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        value = node.get(_XML_BASE)
        if value is not None:
            bases.append(value.strip())
        node = node.getparent()
    result = ""
    for base in reversed(bases):
        result = urljoin(result, base) if result else base
    return result


def _plain(tag: str) -> str:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return f"{name} (namespace {namespace})"
    return tag


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- writing --------------------------------------------------------------------------


def _checked_extension(raw: str, losses: LossCounter, *, playlist: bool) -> str | None:
    """``raw`` if it is one valid XSPF ``<extension>`` element, else None (recorded as a loss).

    Checked in place, inside an element that declares the XSPF namespace as the default,
    because that is where it will be written.
    """
    wrapped = f'<w xmlns="{XSPF_NS}">{raw}</w>'.encode()
    try:
        wrapper = _xml.parse_bytes(wrapped, codec=_CODEC)
    except PlaylistFormatError:
        wrapper = None
    children = [] if wrapper is None else list(wrapper)
    element = children[0] if len(children) == 1 else None
    application = element.get("application") if element is not None else None
    ok = (
        element is not None
        and element.tag == f"{{{XSPF_NS}}}extension"
        and not (wrapper is not None and (wrapper.text or "").strip())
        and not (element.tail or "").strip()
        and application is not None
        and valid_uri(application.strip())
        and all(
            name == "application" or str(name).startswith(f"{{{_xml.XML_NS}}}")
            for name in element.attrib
        )
    )
    if not ok:
        field = "extras.xspf.extension"
        reason = "not a valid XSPF <extension> element"
        if playlist:
            losses.playlist(f"playlist.{field}", reason)
        else:
            losses.track(field, reason)
        return None
    return raw


def _write_fields(
    w: _xml.XmlWriter,
    indent: str,
    simple: list[tuple[str, str | None]],
    fields_links: XspfTrack | XspfPlaylist,
) -> None:
    for name, value in simple:
        if value is not None:
            w.write(f"{indent}<{name}>{w.text(value)}</{name}>\n")
    for rel, value in fields_links.links:
        w.write(f'{indent}<link rel="{w.attr(rel)}">{w.text(value)}</link>\n')
    for rel, value in fields_links.metas:
        w.write(f'{indent}<meta rel="{w.attr(rel)}">{w.text(value)}</meta>\n')


def _write_track(w: _xml.XmlWriter, track: Track, losses: LossCounter) -> None:
    plain = plain_track_fields(track, losses)
    if plain is None:
        _write_general_track(w, track, losses)
        return
    locations, identifiers, title, creator, album, track_num, duration = plain
    xml = "    <track>\n"
    for location in locations:
        xml += f"      <location>{w.text(location)}</location>\n"
    for identifier in identifiers:
        xml += f"      <identifier>{w.text(identifier)}</identifier>\n"
    if title is not None:
        xml += f"      <title>{w.text(title)}</title>\n"
    if creator is not None:
        xml += f"      <creator>{w.text(creator)}</creator>\n"
    if album is not None:
        xml += f"      <album>{w.text(album)}</album>\n"
    if track_num is not None:
        xml += f"      <trackNum>{track_num}</trackNum>\n"
    if duration is not None:
        xml += f"      <duration>{duration}</duration>\n"
    w.write(xml + "    </track>\n")


def _write_general_track(w: _xml.XmlWriter, track: Track, losses: LossCounter) -> None:
    f = track_to_fields(track, losses, json=False)
    w.write("    <track>\n")
    simple: list[tuple[str, str | None]] = [("location", loc) for loc in f.locations]
    simple += [("identifier", ident) for ident in f.identifiers]
    simple += [
        ("title", f.title),
        ("creator", f.creator),
        ("annotation", f.annotation),
        ("info", f.info),
        ("image", f.image),
        ("album", f.album),
        ("trackNum", None if f.track_num is None else str(f.track_num)),
        ("duration", None if f.duration is None else str(f.duration)),
    ]
    _write_fields(w, "      ", simple, f)
    for raw in f.extensions:
        checked = _checked_extension(raw, losses, playlist=False)
        if checked is not None:
            w.write(f"      {checked}\n")
    w.write("    </track>\n")


class XspfCodec:
    """The XSPF codec (``application/xspf+xml``)."""

    name = "xspf"
    extensions: tuple[str, ...] = ("xspf",)
    media_types: tuple[str, ...] = ("application/xspf+xml",)

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole XSPF playlist (see the module docstring for strict vs lenient)."""
        reader = _Reader(strict, on_warning)
        with open_source(source) as stream, gc_paused():
            tracks = list(reader.run(stream))
        return playlist_from_fields(reader.fields, tracks)

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield tracks one at a time; memory stays bounded whatever the file size."""
        reader = _Reader(strict, on_warning)
        with open_source(source) as stream:
            yield from reader.run(stream)

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist`` as XSPF v1 (UTF-8)."""
        return write_in_memory(self.write_stream, playlist)

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write ``playlist``'s metadata and ``tracks`` to ``out`` as XSPF."""
        losses = LossCounter()
        w = _xml.XmlWriter(
            out, lambda: losses.track("control characters", "XML 1.0 cannot hold them; removed")
        )
        f = playlist_to_fields(playlist, losses, json=False)
        w.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        w.write(f'<playlist version="1" xmlns="{XSPF_NS}">\n')
        _write_fields(
            w,
            "  ",
            [
                ("title", f.title),
                ("creator", f.creator),
                ("annotation", f.annotation),
                ("info", f.info),
                ("location", f.location),
                ("identifier", f.identifier),
                ("image", f.image),
                ("date", format_date_time(f.date) if f.date is not None else None),
                ("license", f.license),
            ],
            XspfPlaylist(),
        )
        if f.attribution:
            w.write("  <attribution>\n")
            for kind, value in f.attribution:
                tag = kind if kind in {"location", "identifier"} else "location"
                w.write(f"    <{tag}>{w.text(value)}</{tag}>\n")
            w.write("  </attribution>\n")
        _write_fields(w, "  ", [], f)
        for raw in f.extensions:
            checked = _checked_extension(raw, losses, playlist=True)
            if checked is not None:
                w.write(f"  {checked}\n")
        w.write("  <trackList>\n")
        for track in tracks:
            _write_track(w, track, losses)
        w.write("  </trackList>\n</playlist>\n")
        w.flush()
        return losses.losses()

    def sniff(self, head: bytes) -> float:
        """Confidence that ``head`` starts an XSPF document."""
        sample = _xml.decode_head(head[:4096])
        if XSPF_NS in sample:
            return 1.0
        if re.search(r"<playlist[\s>]", sample) and "<trackList" in sample:
            return 0.9
        if re.search(r"<playlist[\s>][^>]*version=", sample):
            return 0.6
        return 0.0


XSPF = XspfCodec()
"""The XSPF codec instance the registry uses."""
