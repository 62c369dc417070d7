"""TIDAL: the adapter over the official API (openapi.tidal.com/v2) and its OAuth 2.1 settings.

Sign in with the PKCE helpers of :mod:`playlist_interop.providers.auth`::

    client = OAuthClient(oauth_config(client_id=..., redirect_uri=...))
    session = OAuthSession(client, token, saver=TokenFile(path))  # refresh tokens rotate
    provider = TidalProvider(credentials=session)
"""

from playlist_interop.providers.tidal._adapter import TidalProvider
from playlist_interop.providers.tidal._wire import DEFAULT_SCOPES, oauth_config, parse_duration

__all__ = ["DEFAULT_SCOPES", "TidalProvider", "oauth_config", "parse_duration"]
