"""Every typed ``web.AppKey`` and ``web.RequestKey`` of the service, in one place.

Application keys hold the resources the cleanup contexts in :mod:`playlist_service.app` set
up; request keys hold what middlewares learn about a request. Declare new keys here (each
with a one-line comment) rather than next to the code that uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from playlist_service.settings import Settings

if TYPE_CHECKING:  # imported for the annotations only; keeps keys.py import-light
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

    from playlist_service.auth import Principal

__all__ = [
    "ENGINE",
    "OPENAPI_SPEC",
    "PRINCIPAL",
    "REDIS",
    "REQUEST_ID",
    "SETTINGS",
]

# --- application keys -------------------------------------------------------------------

SETTINGS: Final = web.AppKey("settings", Settings)
"""The settings the app was created with."""

ENGINE: Final[web.AppKey[AsyncEngine]] = web.AppKey("engine")
"""The SQLAlchemy async engine (SQLite or PostgreSQL)."""

REDIS: Final[web.AppKey[Redis | None]] = web.AppKey("redis")
"""A Redis client when ``redis_url`` is set, else ``None``."""

OPENAPI_SPEC: Final[web.AppKey[dict[str, Any]]] = web.AppKey("openapi_spec")
"""The parsed ``openapi.yaml`` contract."""

# Jobs, worker and blob keys (issue 7) are declared below this line.

# --- request keys -----------------------------------------------------------------------

REQUEST_ID: Final = web.RequestKey("request_id", str)
"""The request's id (from ``X-Request-ID`` when well-formed, else generated)."""

PRINCIPAL: Final[web.RequestKey[Principal | None]] = web.RequestKey("principal")
"""The authenticated session of the request, or ``None`` when anonymous."""
