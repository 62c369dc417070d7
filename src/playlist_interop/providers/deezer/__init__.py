"""Deezer: the adapter, its OAuth flavour and its wire details.

``DeezerProvider`` implements the :class:`~playlist_interop.providers.Provider` protocol over
``api.deezer.com``; ``DeezerOAuth`` runs Deezer's own OAuth (``app_id``, ``perms``,
form-encoded token answer, no refresh token).
"""

from playlist_interop.providers.deezer._adapter import DeezerOAuth, DeezerProvider
from playlist_interop.providers.deezer._wire import DEFAULT_PERMS, DeezerErrorCode

__all__ = ["DEFAULT_PERMS", "DeezerErrorCode", "DeezerOAuth", "DeezerProvider"]
