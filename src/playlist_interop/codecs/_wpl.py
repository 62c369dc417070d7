"""Implementation of :mod:`playlist_interop.codecs.wpl` (documented there)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
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
    open_source,
)
from playlist_interop.codecs._xspf_common import LossCounter
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.types import DurationMs

__all__ = ["WPL", "WplCodec"]

_CODEC = "wpl"
_DERIVED_META = frozenset({"itemcount", "totalduration"})
_MEDIA_MAPPED = frozenset(
    {"src", "tracktitle", "trackartist", "albumtitle", "albumartist", "duration"}
)
_HEAD_CHILDREN = frozenset({"title", "author", "meta", "guid"})


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
        attrs = _attrs(element)
        src = attrs.get("src")
        if not src:
            self.problem("<media> has no src attribute", element)
            return None
        duration: int | None = None
        if "duration" in attrs:
            text = attrs["duration"].strip()
            if text.isdigit():
                duration = int(text)
            else:
                self.problem(f"<media> duration is not a number of ms: {text!r}", element)
        others = {
            str(key): str(value)
            for key, value in element.attrib.items()
            if str(key).lower() not in _MEDIA_MAPPED
        }
        album_title = attrs.get("albumtitle")
        album_artist = attrs.get("albumartist")
        album = None
        if album_title is not None:
            album = Album(
                album_title, artists=(ArtistCredit(album_artist),) if album_artist else ()
            )
        elif album_artist:
            others["albumArtist"] = album_artist
        artist = attrs.get("trackartist")
        return Track(
            title=attrs.get("tracktitle", ""),
            artists=(ArtistCredit(artist),) if artist else (),
            album=album,
            duration_ms=DurationMs(duration) if duration is not None else None,
            locations=(src,),
            extras={"wpl.attributes": others} if others else {},
        )

    def run(self, stream: BinaryIO) -> Iterator[Track]:
        depth = 0
        path: list[str] = []
        for event, element in _xml.iterparse(stream, codec=_CODEC):
            name = _xml.local_name(element)
            if event == "start":
                depth += 1
                path.append(name)
                if depth == 1 and name != "smil":
                    raise PlaylistFormatError(
                        f"root element is <{name}>, not a WPL <smil>",
                        codec=_CODEC,
                        line=_xml.line_of(element),
                    )
                if depth == 2 and name == "body":
                    self.seen_body = True
                elif depth == 2 and name != "head":
                    self.problem(f"element <{name}> is not allowed in <smil>", element)
                elif depth == 3 and path[1] == "body" and name != "seq":
                    self.problem(f"element <{name}> is not allowed in <body>", element)
                elif (
                    depth == 4
                    and path[1:3] == ["body", "seq"]
                    and name not in {"media", "smartPlaylist"}
                ):
                    self.problem(f"element <{name}> is not allowed in <seq>", element)
                continue
            if depth == 4 and path[1:3] == ["body", "seq"]:
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
                _release(element)
            elif depth == 3 and path[1] == "body" and name == "seq":
                self.no_text(element)
            elif depth == 2 and name == "head":
                self.head(element)
            elif depth == 2 and name == "body":
                self.no_text(element)
            elif depth == 1 and not self.seen_body:
                self.problem("<smil> has no <body>", element)
            path.pop()
            depth -= 1

    def playlist(self, tracks: Iterable[Track]) -> Playlist:
        return Playlist(name=self.name, owner=self.owner, tracks=tracks, extras=self.extras)


def _release(element: etree._Element) -> None:
    parent = element.getparent()
    tail = element.tail
    element.clear()
    element.tail = tail
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


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
        with open_source(source) as stream:
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
        out = io.BytesIO()
        losses = self.write_stream(playlist, playlist.tracks, out)
        return WriteResult(out.getvalue(), losses)

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
