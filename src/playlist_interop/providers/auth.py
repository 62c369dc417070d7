"""OAuth2 authorization code flow with PKCE, tokens, and their persistence.

Typical use (see the CLI's ``playlist login``)::

    pkce = PkcePair.generate()
    state = generate_state()
    url = client.authorization_url(state=state, pkce=pkce)
    # ... the browser comes back to the redirect URI with ?code=...&state=...
    token = await client.exchange_code(code, code_verifier=pkce.verifier)
    session = OAuthSession(client, token, saver=TokenFile(path))
"""

from playlist_interop.providers._oauth import (
    BearerToken,
    OAuthClient,
    OAuthConfig,
    OAuthSession,
    OAuthToken,
    PkcePair,
    TokenFile,
    TokenSaver,
    code_challenge,
    generate_state,
)

__all__ = [
    "BearerToken",
    "OAuthClient",
    "OAuthConfig",
    "OAuthSession",
    "OAuthToken",
    "PkcePair",
    "TokenFile",
    "TokenSaver",
    "code_challenge",
    "generate_state",
]
