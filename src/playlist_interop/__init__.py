"""playlist-interop: read, write, match and migrate playlists across services and files."""

from importlib.metadata import version as _version

from playlist_interop.codecs import (
    available_formats,
    detect_format,
    get_codec,
    read_playlist,
    write_playlist,
)
from playlist_interop.errors import PlaylistFormatError, PlaylistInteropError, ProviderError
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, ProviderRef, Track

__version__ = _version("playlist-interop")

__all__ = [
    "Album",
    "ArtistCredit",
    "Image",
    "Playlist",
    "PlaylistFormatError",
    "PlaylistInteropError",
    "ProviderError",
    "ProviderRef",
    "Track",
    "__version__",
    "available_formats",
    "detect_format",
    "get_codec",
    "read_playlist",
    "write_playlist",
]
