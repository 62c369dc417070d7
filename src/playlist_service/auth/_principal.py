"""Who a request acts for."""

from __future__ import annotations

import attrs

__all__ = ["Principal"]


@attrs.frozen
class Principal:
    """The authenticated user session behind a request (from a verified session JWT)."""

    user_id: str
    """The user's id."""
    session_id: str
    """The device session (refresh-token family) the JWT was issued to."""
    token_id: str
    """The JWT's ``jti``."""
