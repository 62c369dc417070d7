"""Implementation of :mod:`playlist_interop.codecs.wpl` (documented there)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from types import MappingProxyType
from typing import Any, BinaryIO

from lxml import etree

from playlist_interop.codecs import _xml
from playlist_interop.codecs._asx import record_track_losses
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
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.model._track import EMPTY_MAPPING, assemble_entry
from playlist_interop.types import DurationMs

__all__ = ["WPL", "WplCodec"]

_CODEC = "wpl"
_DERIVED_META = frozenset({"itemcount", "totalduration"})
_MEDIA_MAPPED = frozenset(
    {"src", "tracktitle", "trackartist", "albumtitle", "albumartist", "duration"}
)
_HEAD_CHILDREN = frozenset({"title", "author", "meta", "guid"})
_SEQ_CHILDREN = frozenset({"media", "smartPlaylist"})
_RELEASE_BATCH = 64  # read <seq> children removed from the tree together
_NAMES_KEPT = 256  # distinct tags whose local name one reader remembers
_SHARED_KEPT = 16_384  # distinct artist names (and albums) whose objects one reader reuses


def _attrs(element: etree._Element) -> dict[str, str]:
    """Attributes with lower-cased names (first spelling wins)."""
    result: dict[str, str] = {}
    for key, value in element.attrib.items():
        result.setdefault(str(key).lower(), str(value))
    return result


class _Reader:
    def __init__(self, strict: bool, on_warning: WarningHandler | None) -> None:
        self.strict = strict
        self.on_warning = on_warning
        self.name: str | None = None
        self.owner: str | None = None
        self.extras: dict[str, Any] = {}
        self.seen_body = False
        self.names: dict[object, str] = {}
        self.credits = SharedValues(_SHARED_KEPT).credits  # (ArtistCredit(name),) by name
        self.albums: dict[tuple[str, str | None], Album] = {}

    def local_name(self, element: etree._Element) -> str:
        """:func:`_xml.local_name`, remembered per tag."""
        tag = element.tag
        name = self.names.get(tag)
        if name is None:
            name = _xml.local_name(element)
            if len(self.names) < _NAMES_KEPT:
                self.names[tag] = name
        return name

    def album(self, title: str, artist: str | None) -> Album:
        """``Album(title)`` with ``artist`` credited when not empty, shared like credits."""
        key = (title, artist)
        album = self.albums.get(key)
        if album is None:
            if len(self.albums) >= _SHARED_KEPT:
                self.albums.clear()
            artists = self.credits[artist] if artist else ()
            album = self.albums[key] = Album(title, artists=artists)
        return album

    def problem(self, reason: str, element: etree._Element | None) -> None:
        line = _xml.line_of(element) if element is not None else None
        if self.strict:
            raise PlaylistFormatError(reason, codec=_CODEC, line=line)
        emit_warning(FormatWarning(reason, codec=_CODEC, line=line), self.on_warning)

    def no_text(self, element: etree._Element) -> None:
        texts = [element.text or ""] + [child.tail or "" for child in element]
        if any(t.strip() for t in texts):
            self.problem(f"<{_xml.local_name(element)}> may only contain elements", element)

    def head(self, element: etree._Element) -> None:
        self.no_text(element)
        metas: list[tuple[str, str]] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = _xml.local_name(child)
            if name not in _HEAD_CHILDREN:
                self.problem(f"element <{name}> is not allowed in <head>", child)
                continue
            text = _xml.text_of(child).strip()
            if name == "title" and self.name is None:
                self.name = text
            elif name == "author" and self.owner is None and text:
                self.owner = text
            elif name == "guid":
                self.extras["wpl.guid"] = text
            elif name == "meta":
                attrs = _attrs(child)
                meta_name = attrs.get("name")
                if meta_name is None:
                    self.problem("<meta> needs a name attribute", child)
                elif meta_name.lower() not in _DERIVED_META:
                    metas.append((meta_name, attrs.get("content", "")))
        if metas:
            self.extras["wpl.meta"] = tuple(metas)

    def media(self, element: etree._Element) -> Track | None:
        others: dict[str, str] = {}  # the attributes the model has no field for
        found = _wmp_attributes(element)
        if found is None:
            attrs: dict[str, str] = {}  # lower-cased names (first spelling wins)
            for key, value in element.items():
                lower = str(key).lower()
                if lower not in attrs:
                    attrs[lower] = str(value)
                if lower not in _MEDIA_MAPPED:
                    others[str(key)] = str(value)
            found = tuple(attrs.get(name) for name in _MEDIA_ORDER)
        src, raw_duration, title, artist, album_title, album_artist = found
        if not src:
            self.problem("<media> has no src attribute", element)
            return None
        duration: int | None = None
        if raw_duration is not None:
            text = raw_duration.strip()
            if text.isascii() and text.isdigit():  # int() refuses some Unicode digits ("²")
                duration = int(text)
            else:
                self.problem(f"<media> duration is not a number of ms: {text!r}", element)
        album = None
        if album_title is not None:
            album = self.albums.get((album_title, album_artist))
            if album is None:
                album = self.album(album_title, album_artist)
        elif album_artist:
            others["albumArtist"] = album_artist
        artists: tuple[ArtistCredit, ...] = ()
        if artist:
            artists = self.credits[artist]
        # Normal-form values: assembled without Track's converters.
        return assemble_entry(
            title if title is not None else "",
            artists,
            album,
            DurationMs(duration) if duration is not None else None,
            (src,),
            extras=MappingProxyType({"wpl.attributes": others}) if others else EMPTY_MAPPING,
        )

    def run(self, stream: BinaryIO) -> Iterator[Track]:
        """Yield the tracks of ``<smil><body><seq>`` as their ``<media>`` end tags are parsed.

        Elements are checked at their start tags (a problem is reported where it begins),
        read at their end tags and, inside a ``<seq>``, removed from the tree once read, a
        batch at a time (only the ``<seq>``'s text and its children's tails are looked at
        later, and the last child read is kept for that).
        """
        depth = 0
        path: list[str] = []
        in_seq = False  # inside <smil><body><seq> (depth 3)
        unreleased = 0  # children of that <seq> read but still in the tree
        last: etree._Element | None = None  # the last of them
        names = self.names
        for event, element in _xml.iterparse(stream, codec=_CODEC):
            if event == "start":
                name = names.get(element.tag) or self.local_name(element)
                depth += 1
                path.append(name)
                if depth == 4:
                    if in_seq and name not in _SEQ_CHILDREN:
                        self.problem(f"element <{name}> is not allowed in <seq>", element)
                elif depth == 1:
                    if name != "smil":
                        raise PlaylistFormatError(
                            f"root element is <{name}>, not a WPL <smil>",
                            codec=_CODEC,
                            line=_xml.line_of(element),
                        )
                elif depth == 2:
                    if name == "body":
                        self.seen_body = True
                    elif name != "head":
                        self.problem(f"element <{name}> is not allowed in <smil>", element)
                elif depth == 3 and path[1] == "body":
                    if name == "seq":
                        in_seq, unreleased, last = True, 0, None
                    else:
                        self.problem(f"element <{name}> is not allowed in <body>", element)
                continue
            name = path.pop()  # this element's, from its start
            if depth == 4 and in_seq:
                if name == "media":
                    track = self.media(element)
                    if track is not None:
                        yield track
                elif name == "smartPlaylist":
                    raw = etree.tostring(element, encoding="unicode", with_tail=False)
                    self.extras["wpl.smartPlaylist"] = (
                        *self.extras.get("wpl.smartPlaylist", ()),
                        raw,
                    )
                unreleased += 1
                last = element
                if unreleased >= _RELEASE_BATCH:
                    _release_before(element)
                    unreleased = 0
            elif depth == 3 and in_seq:
                if last is not None:
                    _release_before(last)
                    last = None
                self.no_text(element)
                in_seq = False
            elif depth == 2 and name == "head":
                self.head(element)
            elif depth == 2 and name == "body":
                self.no_text(element)
            elif depth == 1 and not self.seen_body:
                self.problem("<smil> has no <body>", element)
            depth -= 1

    def playlist(self, tracks: Iterable[Track]) -> Playlist:
        return Playlist(name=self.name, owner=self.owner, tracks=tracks, extras=self.extras)


_MEDIA_ORDER = ("src", "duration", "tracktitle", "trackartist", "albumtitle", "albumartist")


def _wmp_attributes(element: etree._Element) -> tuple[str | None, ...] | None:
    """The mapped attributes of a ``<media>`` in :data:`_MEDIA_ORDER`, or ``None``.

    Only when every attribute is spelled as Windows Media Player writes it (nothing to
    fold to lower case, nothing else to keep); ``None`` sends the element to the loop
    that folds case and keeps the other attributes, which then gives the same values.
    """
    get = element.get
    found = (
        get("src"),
        get("duration"),
        get("trackTitle"),
        get("trackArtist"),
        get("albumTitle"),
        get("albumArtist"),
    )
    if len(element.attrib) != 6 - found.count(None):
        return None
    return found


def _release_before(element: etree._Element) -> None:
    """Remove the siblings before ``element`` (all read) from the tree."""
    parent = element.getparent()
    if parent is not None:
        del parent[: parent.index(element)]


_CARRIED = frozenset({"artists", "album", "duration_ms", "locations"})


class WplCodec:
    """The WPL codec (``application/vnd.ms-wpl``)."""

    name = "wpl"
    extensions: tuple[str, ...] = ("wpl", "zpl")
    media_types: tuple[str, ...] = ("application/vnd.ms-wpl",)

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole WPL playlist."""
        reader = _Reader(strict, on_warning)
        with open_source(source) as stream, gc_paused():
            tracks = list(reader.run(stream))
        return reader.playlist(tracks)

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield tracks one at a time with bounded memory."""
        reader = _Reader(strict, on_warning)
        with open_source(source) as stream:
            yield from reader.run(stream)

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist`` as WPL (UTF-8)."""
        return write_in_memory(self.write_stream, playlist)

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write ``playlist``'s metadata and ``tracks`` to ``out`` as WPL."""
        losses = LossCounter()
        w = _xml.XmlWriter(
            out, lambda: losses.track("control characters", "XML 1.0 cannot hold them; removed")
        )
        extras = playlist.extras
        w.write('<?wpl version="1.0"?>\n<smil>\n  <head>\n')
        for meta_name, content in extras.get("wpl.meta", ()):
            w.write(
                f'    <meta name="{w.attr(str(meta_name))}" content="{w.attr(str(content))}"/>\n'
            )
        if isinstance(extras.get("wpl.guid"), str):
            w.write(f"    <guid>{w.text(extras['wpl.guid'])}</guid>\n")
        if playlist.owner is not None:
            w.write(f"    <author>{w.text(playlist.owner)}</author>\n")
        if playlist.name is not None:
            w.write(f"    <title>{w.text(playlist.name)}</title>\n")
        w.write("  </head>\n  <body>\n    <seq>\n")
        for key in extras:
            if key not in {"wpl.meta", "wpl.guid", "wpl.smartPlaylist"}:
                losses.playlist(f"playlist.extras.{key}")
        for name in ("description", "image", "public", "collaborative", "created_at"):
            if getattr(playlist, name) is not None:
                losses.playlist(f"playlist.{name}")
        if playlist.updated_at is not None or playlist.provider_ref is not None:
            losses.playlist("playlist.updated_at/provider_ref")
        for track in tracks:
            _write_media(w, track, losses)
        w.write("    </seq>\n")
        for raw in extras.get("wpl.smartPlaylist", ()):
            try:
                element = _xml.parse_bytes(str(raw).encode("utf-8"), codec=_CODEC)
            except PlaylistFormatError:
                element = None
            if element is None or _xml.local_name(element) != "smartPlaylist":
                losses.playlist("playlist.extras.wpl.smartPlaylist", "not well-formed XML")
                continue
            w.write(f"    <seq>\n      {raw}\n    </seq>\n")
        w.write("  </body>\n</smil>\n")
        w.flush()
        return losses.losses()

    def sniff(self, head: bytes) -> float:
        """Confidence that ``head`` starts a WPL file."""
        text = _xml.decode_head(head[:4096])
        if re.search(r"<\?wpl\s", text):
            return 1.0
        if re.search(r"<smil[\s>]", text) and "<media" in text:
            return 0.6
        return 0.0


def _write_media(w: _xml.XmlWriter, track: Track, losses: LossCounter) -> None:
    if not track.locations:
        losses.track("track without location", "WPL entries need a src; the track is skipped")
        return
    record_track_losses(track, _CARRIED, frozenset({"wpl.attributes"}), losses)
    if track.album is not None:
        a = track.album
        if len(a.artists) > 1:
            losses.track("album.artists", "several album artists are joined into one")
        if a.release_date or a.upc or a.provider_ids or a.musicbrainz_id or a.images:
            losses.track("album (beyond title and artist)")
    parts = [f'src="{w.attr(track.locations[0])}"']
    if track.title:
        parts.append(f'trackTitle="{w.attr(track.title)}"')
    if track.artists:
        parts.append(f'trackArtist="{w.attr(track.artist_line)}"')
    if track.album is not None:
        parts.append(f'albumTitle="{w.attr(track.album.title)}"')
        if track.album.artists:
            album_artist = ", ".join(a.name for a in track.album.artists)
            parts.append(f'albumArtist="{w.attr(album_artist)}"')
    if track.duration_ms is not None:
        parts.append(f'duration="{int(track.duration_ms)}"')
    others = track.extras.get("wpl.attributes")
    if isinstance(others, dict):
        mapped = {"src", "tracktitle", "trackartist", "albumtitle", "albumartist", "duration"}
        for key, value in others.items():
            if str(key).lower() not in mapped and re.fullmatch(r"[A-Za-z_][\w.\-]*", str(key)):
                parts.append(f'{key}="{w.attr(str(value))}"')
    w.write(f"      <media {' '.join(parts)}/>\n")


WPL = WplCodec()
"""The WPL codec instance the registry uses."""
