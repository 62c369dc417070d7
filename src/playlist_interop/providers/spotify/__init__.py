"""Spotify Web API adapter (registered as the ``spotify`` provider).

Covers the February 2026 Web API: playlist items at ``/playlists/{id}/items``, playlist
creation with ``POST /me/playlists``, search pages of at most 10. Local files, podcast
episodes, removed (``null``) and unplayable items are read; adds go 100 URIs per request,
lookups 50 ids per request.
"""

from playlist_interop.providers.spotify._adapter import SpotifyProvider

__all__ = ["SpotifyProvider"]
