"""WPL (Windows Media Player / Groove playlists, a SMIL dialect): read, stream, write, sniff.

A WPL file is ``<smil><head>...</head><body><seq><media src="..."/>...</seq></body></smil>``.
Attribute names are read case-insensitively (``CONTENT=`` occurs in the wild). Mapping:

- ``head/title`` -> ``Playlist.name``, ``head/author`` -> ``Playlist.owner``,
  ``head/guid`` -> ``extras["wpl.guid"]``, ``head/meta`` -> ``extras["wpl.meta"]`` as
  ``(name, content)`` pairs (``ItemCount`` and ``TotalDuration`` are derived and rewritten
  from the tracks, so they are not kept);
- ``media``: ``src`` -> ``locations``, ``trackTitle`` -> ``title``, ``trackArtist`` -> one
  artist, ``albumTitle``/``albumArtist`` -> ``album``, ``duration`` (ms) -> ``duration_ms``;
  other attributes (``cid``, ``tid``...) -> ``extras["wpl.attributes"]``;
- auto-playlist definitions (``smartPlaylist``) are kept as raw XML in
  ``extras["wpl.smartPlaylist"]`` and written back.

Strict mode refuses a missing ``<body>``, ``<media>`` without ``src``, unknown elements
in ``head``/``body``/``seq`` and text where only elements belong; lenient mode warns.
Any DOCTYPE is refused in both modes.
"""

from playlist_interop.codecs._wpl import WPL, WplCodec

__all__ = ["WPL", "WplCodec"]
