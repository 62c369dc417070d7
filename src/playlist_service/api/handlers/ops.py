"""Operations endpoints: ``/health`` (liveness), ``/ready`` (dependencies), ``/metrics``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from playlist_service import keys
from playlist_service.api.middlewares import metrics_response
from playlist_service.errors import problem_response

__all__ = ["routes"]

routes = web.RouteTableDef()

_CHECK_TIMEOUT = 2.0


@routes.get("/health")
async def health(_request: web.Request) -> web.Response:
    """The process is up; checks no dependency (liveness probes must not cascade)."""
    return web.json_response({"status": "ok"})


async def _database(app: web.Application) -> None:
    async with app[keys.ENGINE].connect() as conn:
        await conn.execute(sa.text("SELECT 1"))


async def _redis(app: web.Application) -> None:
    client = app[keys.REDIS]
    if client is not None:
        await client.ping()  # type: ignore[misc]  # redis-py types ping() as sync or async


async def _blobs(app: web.Application) -> None:
    await app[keys.BLOB_STORE].exists("_ready-probe")


async def _rate_limits(app: web.Application) -> None:
    limiter = app[keys.RATE_LIMITER]
    if limiter is not None and not await limiter.check():
        raise ConnectionError("rate-limit storage does not answer")


_CHECKS: dict[str, Callable[[web.Application], Awaitable[None]]] = {
    "database": _database,
    "redis": _redis,
    "blob_store": _blobs,
    "rate_limits": _rate_limits,
}


@routes.get("/ready")
async def ready(request: web.Request) -> web.Response:
    """Whether the database, Redis (when configured) and the blob store answer."""

    async def run(name: str, check: Callable[[web.Application], Awaitable[None]]) -> Any:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(check(request.app), _CHECK_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return name, {"status": "fail", "error": type(exc).__name__}
        return name, {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}

    results = dict(await asyncio.gather(*(run(n, c) for n, c in _CHECKS.items())))
    failed = sorted(name for name, result in results.items() if result["status"] != "ok")
    if failed:
        return problem_response(
            503,
            code="not-ready",
            detail=f"not ready: {', '.join(failed)} did not answer",
            extensions={"checks": results},
            request_id=request.get(keys.REQUEST_ID),
        )
    return web.json_response({"status": "ok", "checks": results})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this process's metrics."""
    return metrics_response(request.app[keys.METRICS])
