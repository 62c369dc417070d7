"""Playlist file formats: M3U/M3U8, PLS, XSPF, JSPF, CSV, ASX and WPL."""

from playlist_interop.codecs._base import (
    Codec,
    FormatWarning,
    Loss,
    Source,
    WarningHandler,
    WriteResult,
)
from playlist_interop.codecs._registry import (
    available_formats,
    detect_format,
    get_codec,
    read_playlist,
    write_playlist,
)

__all__ = [
    "Codec",
    "FormatWarning",
    "Loss",
    "Source",
    "WarningHandler",
    "WriteResult",
    "available_formats",
    "detect_format",
    "get_codec",
    "read_playlist",
    "write_playlist",
]
