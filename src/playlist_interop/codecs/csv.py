"""CSV playlists: Exportify (old and new column sets), TuneMyMusic, Soundiiz and generic.

``CSV`` is the codec the registry hands out for ``"csv"``; ``CSV.with_profile(name)``
writes a chosen column set. See :class:`CsvCodec` for the reading and writing rules.
"""

from playlist_interop.codecs._csv import CSV, CsvCodec

__all__ = ["CSV", "CsvCodec"]
