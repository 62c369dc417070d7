"""The production middlewares inside the real app: ops routes, rate limits, idempotency keys.

Every request goes through the contract-checking client, so responses (429, 409, 422
problems, replays, /health, /ready, /metrics) are validated against openapi.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from playlist_service.app import create_app
from playlist_service.store.tables import stored_playlists
from tests.service.auth.test_mobile_flow import sign_in
from tests.service.conftest import make_settings
from tests.service.contract import ContractClient

M3U = "#EXTM3U\n#PLAYLIST:Road trip\n#EXTINF:215,Portishead - Glory Box\nglory.mp3\n"


async def test_health_ready_metrics(api: ContractClient) -> None:
    health = await api.get("/health")
    assert health.status == 200
    assert health.json() == {"status": "ok"}
    ready = await api.get("/ready")
    assert ready.status == 200, ready.body
    checks = ready.json()["checks"]
    assert {"database", "blob_store", "redis", "rate_limits"} <= set(checks)
    assert all(c["status"] == "ok" for c in checks.values())
    metrics = await api.get("/metrics")
    assert metrics.status == 200
    assert metrics.headers["Content-Type"].startswith("text/plain; version=")
    text = metrics.body.decode()
    assert 'playlist_http_responses_total{method="GET",route="/health",status="200"} 1.0' in text
    assert "playlist_http_request_duration_seconds_bucket" in text


async def test_ready_reports_a_dead_database(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limits_enabled=False)
    client = ContractClient(await aiohttp_client(create_app(settings)))
    from playlist_service import keys

    await client.app[keys.ENGINE].dispose()
    bad = sa.ext.asyncio.create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    client.app._state[keys.ENGINE] = bad  # the app is frozen: swap the stored engine itself
    ready = await client.get("/ready")
    assert ready.status == 503
    assert ready.content_type == "application/problem+json"
    assert ready.json()["code"] == "not-ready"
    assert ready.json()["checks"]["database"]["status"] == "fail"
    await bad.dispose()


async def test_auth_routes_are_rate_limited(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limits_enabled=True)
    client = ContractClient(await aiohttp_client(create_app(settings)))
    statuses = [(await client.get("/auth/providers")).status for _ in range(10)]
    assert statuses == [200] * 10
    limited = await client.get("/auth/providers")
    assert limited.status == 429
    assert limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Policy"] == '"auth";q=10;w=60'
    assert limited.json()["request_id"] == limited.headers["X-Request-ID"]
    other = await client.get("/health")  # operations routes are never limited
    assert other.status == 200
    docs = await client.get("/openapi.yaml")
    assert docs.headers["RateLimit-Policy"] == '"global";q=100;w=60'


async def test_idempotent_import_replays_and_stores_once(service: ContractClient) -> None:
    token = (await sign_in(service))["access_token"]
    headers = {"Idempotency-Key": "import-road-trip-1"}

    async def send(body: str) -> Any:
        return await service.post(
            "/playlists/import",
            token=token,
            data=body.encode(),
            content_type="application/octet-stream",
            params={"filename": "roadtrip.m3u8"},
            headers=headers,
        )

    first = await send(M3U)
    assert first.status == 201, first.body
    again = await send(M3U)
    assert again.status == 201
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    stored = await service.get("/playlists/stored", token=token)
    assert len(stored.json()["items"]) == 1

    changed = await send(M3U.replace("Road trip", "Other trip"))
    assert changed.status == 422
    assert changed.content_type == "application/problem+json"


async def test_refresh_responses_are_never_replayed(service: ContractClient) -> None:
    tokens = await sign_in(service)
    headers = {"Idempotency-Key": "refresh-1"}
    body = {"refresh_token": tokens["refresh_token"]}
    first = await service.post("/auth/refresh", json=body, headers=headers)
    assert first.status == 200
    retry = await service.post("/auth/refresh", json=body, headers=headers)
    assert retry.status == 409
    assert "refresh_token" not in retry.json()
    # Nothing secret was stored for the key either.
    from playlist_service import keys
    from playlist_service.store.tables_idempotency import idempotency_keys

    async with service.app[keys.ENGINE].connect() as conn:
        row = (await conn.execute(sa.select(idempotency_keys))).one()
    assert row.body is None
    assert not row.replayable


async def test_failed_request_releases_its_key(service: ContractClient) -> None:
    token = (await sign_in(service))["access_token"]
    headers = {"Idempotency-Key": "bad-file"}
    params = {"filename": "broken.xspf"}
    bad = await service.post(
        "/playlists/import",
        token=token,
        data=b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><playlist/>",
        content_type="application/octet-stream",
        params=params,
        headers=headers,
    )
    assert 400 <= bad.status < 500
    from playlist_service import keys

    async with service.app[keys.ENGINE].connect() as conn:
        count = await conn.execute(sa.select(sa.func.count()).select_from(stored_playlists))
        assert count.scalar_one() == 0
    # The key was released, so the corrected upload with the same key goes through.
    good = await service.post(
        "/playlists/import",
        token=token,
        data=M3U.encode(),
        content_type="application/octet-stream",
        params={"filename": "roadtrip.m3u8"},
        headers=headers,
    )
    assert good.status == 201, good.body
