"""Every typed ``web.AppKey`` and ``web.RequestKey`` of the service, in one place.

Application keys hold the resources the cleanup contexts in :mod:`playlist_service.app` set
up; request keys hold what middlewares learn about a request. Declare new keys here (each
with a one-line comment) rather than next to the code that uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from playlist_service.settings import ProviderSettings, Settings

if TYPE_CHECKING:  # imported for the annotations only; keeps keys.py import-light
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

    from playlist_interop.providers.musicbrainz import MusicBrainzClient
    from playlist_service.accounts import AccountStore
    from playlist_service.api.middlewares import RateLimiter, ServiceMetrics
    from playlist_service.auth import MobileLogin, Principal, SessionManager
    from playlist_service.blobs import BlobStore
    from playlist_service.crypto import KeyRing
    from playlist_service.library import Library
    from playlist_service.providers import ProviderHub
    from playlist_service.queue import SqlJobQueue
    from playlist_service.worker import Worker, WorkerOptions

__all__ = [
    "ACCOUNTS",
    "BLOB_STORE",
    "DEMO_MUSICBRAINZ_URL",
    "DEMO_PROVIDERS",
    "ENGINE",
    "JOB_QUEUE",
    "KEY_RING",
    "LIBRARY",
    "METRICS",
    "MOBILE_LOGIN",
    "MUSICBRAINZ",
    "OPENAPI_SPEC",
    "PRINCIPAL",
    "PROVIDER_HUB",
    "RATE_LIMITER",
    "REDIS",
    "REQUEST_ID",
    "SESSIONS",
    "SETTINGS",
    "WORKER",
    "WORKER_OPTIONS",
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

KEY_RING: Final[web.AppKey[KeyRing]] = web.AppKey("key_ring")
"""Encryption keys for secrets at rest (provider tokens)."""

SESSIONS: Final[web.AppKey[SessionManager]] = web.AppKey("sessions")
"""Issues, verifies, refreshes and revokes user sessions."""

ACCOUNTS: Final[web.AppKey[AccountStore]] = web.AppKey("accounts")
"""Users and their linked provider accounts."""

PROVIDER_HUB: Final[web.AppKey[ProviderHub]] = web.AppKey("provider_hub")
"""The providers this deployment signs users in with."""

MOBILE_LOGIN: Final[web.AppKey[MobileLogin]] = web.AppKey("mobile_login")
"""The mobile OAuth sign-in flow."""

LIBRARY: Final[web.AppKey[Library]] = web.AppKey("library")
"""Stored playlists and the artist catalog."""

MUSICBRAINZ: Final[web.AppKey[MusicBrainzClient | None]] = web.AppKey("musicbrainz")
"""The library's MusicBrainz client for artist enrichment, or ``None`` when disabled."""

DEMO_MUSICBRAINZ_URL: Final[web.AppKey[str]] = web.AppKey("demo_musicbrainz_url")
"""Demo mode: base URL of the in-process MusicBrainz emulator."""

DEMO_PROVIDERS: Final[web.AppKey[dict[str, ProviderSettings]]] = web.AppKey("demo_providers")
"""Demo mode: provider settings pointing at the in-process emulators."""

# Jobs, worker and blob keys (issue 7) are declared below this line.

BLOB_STORE: Final[web.AppKey[BlobStore]] = web.AppKey("blob_store")
"""Where exports, uploads and other job artifacts are kept."""

JOB_QUEUE: Final[web.AppKey[SqlJobQueue]] = web.AppKey("job_queue")
"""The durable job queue (routes enqueue, workers claim)."""

WORKER_OPTIONS: Final[web.AppKey[WorkerOptions]] = web.AppKey("worker_options")
"""Worker and queue options (from ``PLAYLIST_SERVICE_WORKER_*`` unless set before start)."""

WORKER: Final[web.AppKey[Worker | None]] = web.AppKey("worker")
"""The embedded worker, or ``None`` when workers run as separate processes."""

# --- production middlewares (issue 8) ---------------------------------------------------

METRICS: Final[web.AppKey[ServiceMetrics]] = web.AppKey("metrics")
"""This process's Prometheus metrics (own registry)."""

RATE_LIMITER: Final[web.AppKey[RateLimiter | None]] = web.AppKey("rate_limiter")
"""Per-client request counters (memory or Redis), ``None`` when rate limits are off."""

# --- request keys -----------------------------------------------------------------------

REQUEST_ID: Final = web.RequestKey("request_id", str)
"""The request's id (from ``X-Request-ID`` when well-formed, else generated)."""

PRINCIPAL: Final[web.RequestKey[Principal | None]] = web.RequestKey("principal")
"""The authenticated session of the request, or ``None`` when anonymous."""
