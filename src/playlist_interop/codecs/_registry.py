"""Finding a codec by name, file name, media type or content."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable

from playlist_interop.codecs._base import Codec, Source, WarningHandler, WriteResult, open_source
from playlist_interop.errors import UnsupportedFormatError
from playlist_interop.model import Playlist

__all__ = [
    "available_formats",
    "detect_format",
    "get_codec",
    "read_playlist",
    "write_playlist",
]

# name -> "module:attribute"; modules import lazily so reading M3U never loads lxml.
_BUILTIN: dict[str, str] = {
    "m3u": "playlist_interop.codecs.m3u:M3U",
    "pls": "playlist_interop.codecs.pls:PLS",
    "xspf": "playlist_interop.codecs.xspf:XSPF",
    "jspf": "playlist_interop.codecs.jspf:JSPF",
    "csv": "playlist_interop.codecs.csv:CSV",
    "asx": "playlist_interop.codecs.asx:ASX",
    "wpl": "playlist_interop.codecs.wpl:WPL",
}
_ALIASES = {"m3u8": "m3u", "json": "jspf"}
_SNIFF_BYTES = 4096
_loaded: dict[str, Codec] = {}


def available_formats() -> tuple[str, ...]:
    """Names of the built-in formats, sorted."""
    return tuple(sorted(_BUILTIN))


def get_codec(name: str) -> Codec:
    """Return the codec called ``name`` (case-insensitive; ``m3u8`` is ``m3u``).

    Raises:
        UnsupportedFormatError: no such format.
    """
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _BUILTIN:
        known = ", ".join(available_formats())
        raise UnsupportedFormatError(f"unknown format {name!r} (known: {known})", codec=name)
    if key not in _loaded:
        module_name, _, attribute = _BUILTIN[key].partition(":")
        _loaded[key] = getattr(importlib.import_module(module_name), attribute)
    return _loaded[key]


def _codecs() -> Iterable[Codec]:
    return (get_codec(name) for name in available_formats())


def detect_format(
    *, filename: str | None = None, media_type: str | None = None, head: bytes | None = None
) -> str:
    """Guess the format from a file name, a media type and/or the first bytes.

    Content wins when it is conclusive (confidence >= 0.9); otherwise the extension, then
    the media type, then the best content guess above 0.3 decides.

    Raises:
        UnsupportedFormatError: nothing points at a known format.
    """
    scores: dict[str, float] = {}
    if head is not None:
        scores = {codec.name: codec.sniff(head[:_SNIFF_BYTES]) for codec in _codecs()}
        best = max(scores, key=lambda name: scores[name])
        if scores[best] >= 0.9:
            return best
    if filename:
        extension = os.path.splitext(filename)[1].lower().lstrip(".")
        for codec in _codecs():
            if extension in codec.extensions:
                return codec.name
    if media_type:
        bare = media_type.split(";", 1)[0].strip().lower()
        for codec in _codecs():
            if bare in codec.media_types:
                return codec.name
    if scores:
        best = max(scores, key=lambda name: scores[name])
        if scores[best] > 0.3:
            return best
    raise UnsupportedFormatError(
        "cannot tell the playlist format; name it explicitly", codec=filename or "detect"
    )


def read_playlist(
    source: Source,
    *,
    format: str | None = None,
    strict: bool = False,
    on_warning: WarningHandler | None = None,
) -> Playlist:
    """Read a playlist in any supported format, detecting it when ``format`` is ``None``."""
    if format is None:
        filename = os.fspath(source) if isinstance(source, str | os.PathLike) else None
        with open_source(source) as stream:
            head = stream.read(_SNIFF_BYTES)
            if isinstance(source, bytes):
                data: Source = source
            elif filename is None:
                data = head + stream.read()
            else:
                data = source
        format = detect_format(filename=filename, head=head)
        source = data
    return get_codec(format).read(source, strict=strict, on_warning=on_warning)


def write_playlist(playlist: Playlist, format: str) -> WriteResult:
    """Encode ``playlist`` in ``format``; see :attr:`WriteResult.losses` for what was dropped."""
    return get_codec(format).write(playlist)
