"""The application factory: ``create_app(settings) -> web.Application``.

Three lists below are the single place where the shape of the service is written down:

- :func:`_middlewares` — middleware order, outermost first;
- :func:`_cleanup_contexts` — resources, each set up and torn down in its own context
  (set up in list order, torn down in reverse);
- :data:`_ROUTE_TABLES` — the handler modules' route tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from playlist_service import keys
from playlist_service.accounts import AccountStore
from playlist_service.api._io import client_ip
from playlist_service.api._spec import load_spec
from playlist_service.api.handlers import artists, auth, jobs, me, meta, ops, playlists
from playlist_service.api.middlewares import (
    RateLimiter,
    RateLimitRule,
    ServiceMetrics,
    cors_middleware,
    metrics_middleware,
    rate_limit_middleware,
)
from playlist_service.api.middlewares.contract import query_contract_middleware
from playlist_service.api.middlewares.idempotency import idempotency_middleware
from playlist_service.api.middlewares.request_id import (
    add_request_id_header,
    request_id_middleware,
)
from playlist_service.auth import MobileLogin, SessionManager, auth_middleware
from playlist_service.crypto import KeyRing
from playlist_service.errors import problem_middleware, problem_response
from playlist_service.library import Library
from playlist_service.providers import ProviderHub
from playlist_service.settings import ProviderSettings, Settings
from playlist_service.store import create_engine, upgrade
from playlist_service.worker import blob_store_ctx, job_queue_ctx, worker_ctx

__all__ = ["create_app"]

_log = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # playlist files; larger bodies get a 413 problem
REVOCATIONS_START_TIMEOUT = 5.0  # seconds to wait for the revocation channel at start-up


def _principal_key(request: web.Request) -> str:
    """Whose idempotency keys a request uses: the user, or the client address."""
    principal = request.get(keys.PRINCIPAL)
    if principal is not None:
        return f"user:{principal.user_id}"
    return f"anon:{client_ip(request) or 'unknown'}"


def _problem(request: web.Request, status: int, title: str, detail: str) -> web.StreamResponse:
    return problem_response(
        status, title=title, detail=detail, request_id=request.get(keys.REQUEST_ID)
    )


def _middlewares(
    settings: Settings,
    spec: dict[str, Any],
    metrics: ServiceMetrics,
    limiter: RateLimiter | None,
) -> list[Middleware]:
    """The middleware chain, outermost first. Each entry says why it sits where it does."""
    chain: list[Middleware] = [
        # 1. Request id first: everything below (logs, errors, metrics) can name the request.
        request_id_middleware,
        # 2. Metrics: outside the error middleware so it sees final status codes.
        metrics_middleware(metrics),
        # 3. CORS: outside the error middleware so problem responses carry its headers.
        cors_middleware(settings.cors_origins),
        # 4. Errors: anything raised below leaves as application/problem+json.
        problem_middleware,
    ]
    if limiter is not None:
        # 5. Rate limits: inside errors (the 429 is a problem document), before anything
        #    that costs a database lookup, so floods of bad tokens are limited too.
        chain.append(
            rate_limit_middleware(
                limiter, problem=_problem, trusted_proxies=settings.trusted_proxies
            )
        )
    chain += [
        # 6. Contract: query parameters the contract does not define are a 400 (cheap, so
        #    before authentication's database lookup).
        query_contract_middleware(spec),
        # 7. Authentication: Bearer session JWT -> keys.PRINCIPAL (401 when invalid).
        auth_middleware,
        # 8. Idempotency keys: innermost, so a replay is keyed by the principal and the
        #    stored response commits in the handler's own transaction.
        idempotency_middleware(
            lambda request: request.app[keys.ENGINE], _principal_key, problem=_problem
        ),
    ]
    return chain


async def _engine_ctx(app: web.Application) -> AsyncIterator[None]:
    """The database engine; applies pending migrations first when configured to."""
    settings = app[keys.SETTINGS]
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
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


async def _demo_ctx(app: web.Application) -> AsyncIterator[None]:
    """Demo mode: the library's provider emulators, on loopback ports, for the app's life."""
    from playlist_service.demo import start_demo

    demo = await start_demo()
    app[keys.DEMO_PROVIDERS] = demo.providers
    app[keys.DEMO_MUSICBRAINZ_URL] = demo.musicbrainz_url
    try:
        yield
    finally:
        await demo.close()


async def _musicbrainz_ctx(app: web.Application) -> AsyncIterator[None]:
    """The library's MusicBrainz client (one per process: MusicBrainz allows 1 request/s)."""
    from playlist_interop.providers.musicbrainz import MusicBrainzClient

    settings = app[keys.SETTINGS]
    url = settings.musicbrainz_url
    if settings.demo and url is None:
        url = app[keys.DEMO_MUSICBRAINZ_URL]
    if url == "off":
        app[keys.MUSICBRAINZ] = None
        yield
        return
    client = MusicBrainzClient(user_agent=settings.musicbrainz_user_agent, api_url=url)
    app[keys.MUSICBRAINZ] = client
    try:
        yield
    finally:
        await client.aclose()


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    """The domain services over the engine: sessions, accounts, sign-in, library."""
    settings = app[keys.SETTINGS]
    engine = app[keys.ENGINE]
    ring = KeyRing(settings.token_keys)
    providers = dict(settings.providers)
    allowed_redirects = list(settings.allowed_redirects)
    if settings.demo:
        demo_providers: dict[str, ProviderSettings] = app[keys.DEMO_PROVIDERS]
        providers.update(demo_providers)
        allowed_redirects.append(f"{settings.base_url}/demo")
    hub = ProviderHub.from_settings(providers, base_url=settings.base_url)
    sessions = SessionManager(
        engine,
        jwt_secret=settings.jwt_secret,
        refresh_hash_key=settings.refresh_hash_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        access_ttl=settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
        session_check_interval=settings.session_check_interval,
    )
    accounts = AccountStore(engine, ring)
    app[keys.KEY_RING] = ring
    app[keys.PROVIDER_HUB] = hub
    app[keys.SESSIONS] = sessions
    app[keys.ACCOUNTS] = accounts
    app[keys.LIBRARY] = Library(engine)
    app[keys.MOBILE_LOGIN] = MobileLogin(
        engine=engine,
        ring=ring,
        state_key=settings.refresh_hash_key,
        hub=hub,
        accounts=accounts,
        sessions=sessions,
        attempt_ttl=settings.oauth_attempt_ttl,
        allowed_redirects=allowed_redirects,
    )
    yield


async def _revocations_ctx(app: web.Application) -> AsyncIterator[None]:
    """With Redis: broadcast session revocations to (and from) every API process."""
    redis = app[keys.REDIS]
    if redis is None:
        yield
        return
    from playlist_service.auth import RedisRevocations

    sessions = app[keys.SESSIONS]
    settings = app[keys.SETTINGS]
    revocations = RedisRevocations(
        redis, f"{settings.redis_prefix}:session-revoked", sessions.liveness
    )
    listener = asyncio.create_task(revocations.listen(), name="session-revocations")
    try:
        await asyncio.wait_for(revocations.subscribed.wait(), REVOCATIONS_START_TIMEOUT)
    except TimeoutError:
        _log.warning("session revocation broadcast not subscribed yet; retrying in background")
    sessions.broadcast = revocations.publish
    try:
        yield
    finally:
        sessions.broadcast = None
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


def _cleanup_contexts(settings: Settings) -> list[CleanupContext]:
    """Resources in set-up order (torn down in reverse)."""
    return [
        _engine_ctx,
        _redis_ctx,
        *([_demo_ctx] if settings.demo else []),
        _services_ctx,
        _revocations_ctx,
        _musicbrainz_ctx,
        blob_store_ctx,
        job_queue_ctx,
        worker_ctx,  # last, so it stops first: jobs finish before the engine closes
    ]


_ROUTE_TABLES: tuple[web.RouteTableDef, ...] = (
    auth.routes,
    me.routes,
    playlists.routes,
    artists.routes,
    meta.routes,
    ops.routes,
    # jobs routes (issue 7) are added below this line
    jobs.routes,
)


def create_app(settings: Settings, **app_kwargs: Any) -> web.Application:
    """Build the service for ``settings``; nothing is opened until the app starts."""
    spec = load_spec()
    metrics = ServiceMetrics()
    limiter = None
    if settings.rate_limits_enabled:
        limiter = RateLimiter(
            [
                RateLimitRule("global", settings.rate_limit),
                RateLimitRule("auth", settings.auth_rate_limit, path_prefixes=("/auth/",)),
            ],
            settings.redis_url,
            key_prefix=f"{settings.redis_prefix}:rl",
        )
    app = web.Application(
        middlewares=_middlewares(settings, spec, metrics, limiter),
        client_max_size=MAX_UPLOAD_BYTES,
        **app_kwargs,
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = metrics
    app[keys.RATE_LIMITER] = limiter
    app[keys.OPENAPI_SPEC] = spec
    app.cleanup_ctx.extend(_cleanup_contexts(settings))
    app.on_response_prepare.append(add_request_id_header)
    for table in _ROUTE_TABLES:
        app.router.add_routes(table)
    if settings.demo:
        from playlist_service import demo

        app.router.add_routes(demo.routes)
    return app
