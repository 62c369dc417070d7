"""Running workers: embedded in the API (cleanup contexts) or as ``playlist-service worker``."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.providers.musicbrainz import MusicBrainzClient
from playlist_service import keys
from playlist_service.blobs import BlobStore, LocalBlobStore, open_blob_store
from playlist_service.queue import Backoff, SqlJobQueue
from playlist_service.settings import Settings
from playlist_service.worker._context import Handler, HandlerServices, JobMetrics
from playlist_service.worker._options import WorkerOptions
from playlist_service.worker._worker import Worker
from playlist_service.worker.handlers._enrichment import MUSICBRAINZ_SERVICE
from playlist_service.worker.handlers._migration import (
    PROVIDERS_SERVICE,
    ProviderOpener,
    account_provider_opener,
)
from playlist_service.worker.handlers._webhook import PublicAddressResolver

__all__ = [
    "blob_store_ctx",
    "job_queue_ctx",
    "make_queue",
    "open_blobs",
    "run_worker",
    "webhook_key",
    "worker_ctx",
    "worker_services",
]

_log = logging.getLogger(__name__)


def webhook_key(settings: Settings) -> bytes:
    """The key webhook signing secrets derive from (itself derived from a service secret)."""
    return hmac.new(
        settings.refresh_hash_key, b"playlist-service webhook signing key v1", hashlib.sha256
    ).digest()


def _musicbrainz_factory(
    settings: Settings, url: str | None = None
) -> Callable[[], MusicBrainzClient] | None:
    """MusicBrainz clients as the settings say (``None`` when ``MUSICBRAINZ_URL=off``)."""
    from playlist_service import __version__

    api_url = url or settings.musicbrainz_url
    if api_url == "off":
        return None
    agent = settings.musicbrainz_user_agent or (
        f"playlist-service/{__version__} ( {settings.base_url} )"
    )
    return lambda: MusicBrainzClient(user_agent=agent, api_url=api_url)


def make_queue(engine: AsyncEngine, options: WorkerOptions) -> SqlJobQueue:
    """The job queue with the options' retry policy."""
    return SqlJobQueue(
        engine,
        backoff=Backoff(base=options.retry_base_seconds, cap=options.retry_cap_seconds),
        default_max_attempts=options.max_attempts,
    )


def open_blobs(settings: Settings) -> BlobStore:
    """The blob store the settings name."""
    return open_blob_store(settings.blob_location, endpoint_url=settings.s3_endpoint_url)


@contextlib.asynccontextmanager
async def worker_services(
    settings: Settings,
    engine: AsyncEngine,
    blobs: BlobStore,
    options: WorkerOptions,
    *,
    providers: ProviderOpener | None = None,
    musicbrainz: Callable[[], MusicBrainzClient] | None = None,
    queue: SqlJobQueue | None = None,
    metrics: JobMetrics | None = None,
) -> AsyncIterator[HandlerServices]:
    """Handler services with their own HTTP client (closed on exit).

    ``providers`` opens users' provider adapters for migrations; by default one is built
    from the settings' provider registrations and the linked accounts in the database.
    """
    if providers is None:
        from playlist_service.accounts import AccountStore
        from playlist_service.crypto import KeyRing
        from playlist_service.providers import ProviderHub

        hub = ProviderHub.from_settings(settings.providers, base_url=settings.base_url)
        providers = account_provider_opener(hub, AccountStore(engine, KeyRing(settings.token_keys)))
    connector = None
    if not options.webhook_allow_private:
        connector = aiohttp.TCPConnector(resolver=PublicAddressResolver())
    async with aiohttp.ClientSession(connector=connector) as http:
        yield HandlerServices(
            queue=queue or make_queue(engine, options),
            blobs=blobs,
            options=options,
            http=http,
            webhook_key=webhook_key(settings),
            metrics=metrics,
            extras={
                PROVIDERS_SERVICE: providers,
                MUSICBRAINZ_SERVICE: musicbrainz or _musicbrainz_factory(settings),
            },
        )


async def run_worker(
    settings: Settings,
    options: WorkerOptions,
    *,
    handlers: Mapping[str, Handler] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run one worker until SIGINT/SIGTERM (or ``stop``), then shut down gracefully.

    The database schema must already be migrated (the API does it on start, or run
    ``playlist-service migrate-db``).
    """
    from playlist_service.store import create_engine
    from playlist_service.worker.handlers import builtin_handlers

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    blobs = open_blobs(settings)
    try:
        async with worker_services(settings, engine, blobs, options) as services:
            worker = Worker(services, handlers or builtin_handlers())
            _log.info("worker started", extra={"worker_id": worker.worker_id})
            worker.start()
            await stop.wait()
            await worker.stop()
            _log.info("worker stopped", extra={"worker_id": worker.worker_id})
    finally:
        await blobs.aclose()
        await engine.dispose()


# --- cleanup contexts of the API application --------------------------------------------


class _PrometheusJobMetrics:
    """:class:`JobMetrics` onto the API's Prometheus families (``playlist_jobs``...)."""

    def __init__(self, metrics: Any) -> None:
        self._metrics = metrics

    def job_finished(self, kind: str, state: str, seconds: float) -> None:
        self._metrics.jobs.labels(kind, state).inc()
        self._metrics.job_duration.labels(kind).observe(seconds)

    def queue_depth(self, queued: int) -> None:
        self._metrics.jobs_queued.set(queued)


def _options(app: web.Application) -> WorkerOptions:
    options = app.get(keys.WORKER_OPTIONS)
    if options is None:
        options = WorkerOptions.from_env()
        app[keys.WORKER_OPTIONS] = options
    return options


async def blob_store_ctx(app: web.Application) -> AsyncIterator[None]:
    """The blob store named by the settings (``keys.BLOB_STORE``)."""
    blobs = open_blobs(app[keys.SETTINGS])
    if isinstance(blobs, LocalBlobStore):
        await blobs.sweep()
    app[keys.BLOB_STORE] = blobs
    try:
        yield
    finally:
        await blobs.aclose()


async def job_queue_ctx(app: web.Application) -> AsyncIterator[None]:
    """The job queue on the app's engine (``keys.JOB_QUEUE``); routes enqueue through it."""
    app[keys.JOB_QUEUE] = make_queue(app[keys.ENGINE], _options(app))
    yield


async def worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """The embedded worker (``keys.WORKER``) when ``settings.worker`` is ``inprocess``.

    Registered last so it stops first: running jobs finish or are handed back before the
    engine and the blob store close.
    """
    from playlist_service.worker.handlers import builtin_handlers

    settings = app[keys.SETTINGS]
    if settings.worker != "inprocess":
        app[keys.WORKER] = None
        yield
        return
    options = _options(app)
    # with --demo the app's hub and MusicBrainz URL point at the in-process emulators
    providers = account_provider_opener(app[keys.PROVIDER_HUB], app[keys.ACCOUNTS])
    demo_musicbrainz = app.get(keys.DEMO_MUSICBRAINZ_URL) if settings.demo else None
    async with worker_services(
        settings,
        app[keys.ENGINE],
        app[keys.BLOB_STORE],
        options,
        providers=providers,
        musicbrainz=_musicbrainz_factory(settings, demo_musicbrainz),
        queue=app[keys.JOB_QUEUE],  # one queue per process: SQLite writes queue on one lock
        metrics=_PrometheusJobMetrics(app[keys.METRICS]) if keys.METRICS in app else None,
    ) as services:
        worker = Worker(services, builtin_handlers())
        app[keys.WORKER] = worker
        worker.start()
        try:
            yield
        finally:
            await worker.stop()
