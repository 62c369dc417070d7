"""Users and their linked provider accounts (tokens encrypted at rest)."""

from playlist_service.accounts._store import (
    AccountLinkedElsewhere,
    AccountStore,
    AccountTokenSaver,
    LinkedAccount,
    LoginResult,
    new_id,
)

__all__ = [
    "AccountLinkedElsewhere",
    "AccountStore",
    "AccountTokenSaver",
    "LinkedAccount",
    "LoginResult",
    "new_id",
]
