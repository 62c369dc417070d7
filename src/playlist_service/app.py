"""The application factory: ``create_app(settings) -> web.Application``.

Three lists below are the single place where the shape of the service is written down:

- :func:`_middlewares` — middleware order, outermost first;
- :func:`_cleanup_contexts` — resources, each set up and torn down in its own context
  (set up in list order, torn down in reverse);
- :data:`_ROUTE_TABLES` — the handler modules' route tables.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from playlist_service import keys
from playlist_service.api._spec import load_spec
from playlist_service.api.handlers import meta
from playlist_service.api.middlewares.request_id import (
    add_request_id_header,
    request_id_middleware,
)
from playlist_service.errors import problem_middleware
from playlist_service.settings import Settings
from playlist_service.store import create_engine, upgrade

__all__ = ["create_app"]

_log = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # playlist files; larger bodies get a 413 problem


def _middlewares(settings: Settings) -> list[Middleware]:
    """The middleware chain, outermost first. Each entry says why it sits where it does."""
    del settings  # the production middlewares (issue 8) read it
    return [
        # 1. Request id first: everything below (logs, errors, metrics) can name the request.
        request_id_middleware,
        # 2. (slot) metrics: outside the error middleware so it sees final status codes.
        # 3. (slot) CORS: outside the error middleware so problem responses carry its headers.
        # 4. Errors: anything raised below leaves as application/problem+json.
        problem_middleware,
        # 5. (slot) rate limits: inside errors; its 429 is a problem document.
        # 6. (slot) authentication: Bearer session JWT -> keys.PRINCIPAL.
        # 7. (slot) idempotency keys: innermost, so a replay is keyed by the principal.
    ]


async def _engine_ctx(app: web.Application) -> AsyncIterator[None]:
    """The database engine; applies pending migrations first when configured to."""
    settings = app[keys.SETTINGS]
    engine = create_engine(settings.database_url)
    try:
        if settings.migrate_on_start:
            await upgrade(engine, time_limit=settings.migration_timeout)
        app[keys.ENGINE] = engine
        yield
    finally:
        await engine.dispose()


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    """A Redis client when ``redis_url`` is set (shared rate limits etc.), else ``None``."""
    settings = app[keys.SETTINGS]
    if settings.redis_url is None:
        app[keys.REDIS] = None
        yield
        return
    from redis.asyncio import Redis

    client: Redis = Redis.from_url(settings.redis_url)
    app[keys.REDIS] = client
    try:
        yield
    finally:
        await client.aclose()


def _cleanup_contexts(settings: Settings) -> list[CleanupContext]:
    """Resources in set-up order (torn down in reverse)."""
    del settings
    return [
        _engine_ctx,
        _redis_ctx,
        # (slot) blob store (issue 7)
        # (slot) in-process worker (issue 7), last so it stops first
    ]


_ROUTE_TABLES: tuple[web.RouteTableDef, ...] = (
    meta.routes,
    # jobs routes (issue 7) are added below this line
)


def create_app(settings: Settings, **app_kwargs: Any) -> web.Application:
    """Build the service for ``settings``; nothing is opened until the app starts."""
    app = web.Application(
        middlewares=_middlewares(settings),
        client_max_size=MAX_UPLOAD_BYTES,
        **app_kwargs,
    )
    app[keys.SETTINGS] = settings
    app[keys.OPENAPI_SPEC] = load_spec()
    app.cleanup_ctx.extend(_cleanup_contexts(settings))
    app.on_response_prepare.append(add_request_id_header)
    for table in _ROUTE_TABLES:
        app.router.add_routes(table)
    return app
