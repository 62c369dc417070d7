"""Stored playlists and the artist catalog."""

from playlist_service.library._library import (
    MAX_IMPORT_BYTES,
    CatalogArtist,
    Library,
    StoredPlaylist,
    artist_key,
)

__all__ = ["MAX_IMPORT_BYTES", "CatalogArtist", "Library", "StoredPlaylist", "artist_key"]
