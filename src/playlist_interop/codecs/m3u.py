"""The M3U/M3U8 codec: plain path lists and extended ``#EXTM3U`` playlists.

See :class:`M3UCodec` for what is read and written, and where directives go in the model.
"""

from playlist_interop.codecs._m3u import M3U, M3UCodec

__all__ = ["M3U", "M3UCodec"]
