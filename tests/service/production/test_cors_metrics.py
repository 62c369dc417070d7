"""CORS allow-list and Prometheus metrics middlewares."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from playlist_service.api.middlewares import (
    ServiceMetrics,
    cors_middleware,
    metrics_handler,
    metrics_middleware,
)

ALLOWED = "https://app.example.com"


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    metrics = ServiceMetrics()

    async def item(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["item_id"]})

    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound

    app = web.Application(middlewares=[cors_middleware([ALLOWED]), metrics_middleware(metrics)])
    app.router.add_get("/items/{item_id}", item)
    app.router.add_get("/missing", missing)
    app.router.add_get("/metrics", metrics_handler(metrics))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_allowed_origin_gets_headers(client: TestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/items/1", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]


async def test_other_origin_gets_no_cors_headers(client: TestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/items/1", headers={"Origin": "https://evil.example"})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_preflight(client: TestClient) -> None:  # type: ignore[type-arg]
    ok = await client.options(
        "/items/1",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
    )
    assert ok.status == 204
    assert "Idempotency-Key" in ok.headers["Access-Control-Allow-Headers"]
    denied = await client.options(
        "/items/1",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert denied.status == 403
    assert "Access-Control-Allow-Origin" not in denied.headers


async def test_metrics_count_by_route_template(client: TestClient) -> None:  # type: ignore[type-arg]
    for i in range(3):
        await client.get(f"/items/{i}")
    await client.get("/missing")
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    text = await response.text()
    assert (
        'playlist_http_responses_total{method="GET",route="/items/{item_id}",status="200"} 3.0'
        in text
    )
    assert 'route="/missing",status="404"} 1.0' in text
    assert "playlist_http_request_duration_seconds_bucket" in text
