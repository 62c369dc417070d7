"""Rate limits: per-client buckets, auth limit, headers, trusted proxies, Redis across processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import IN_CI
from tests.service.conftest import free_port
from tests.service.production.ratelimit_app import build

REDIS_URL = os.environ.get("PLAYLIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def client() -> AsyncIterator[TestClient[aiohttp.web.Request, aiohttp.web.Application]]:
    async with TestClient(TestServer(build(None))) as test_client:
        yield test_client


async def test_auth_routes_allow_ten_per_minute(client: TestClient) -> None:  # type: ignore[type-arg]
    statuses = [(await client.get("/auth/refresh")).status for _ in range(12)]
    assert statuses == [200] * 10 + [429, 429]
    denied = await client.get("/auth/refresh")
    assert denied.headers["Content-Type"].startswith("application/problem+json")
    assert 1 <= int(denied.headers["Retry-After"]) <= 60
    assert denied.headers["RateLimit-Policy"] == '"auth";q=10;w=60'
    assert denied.headers["RateLimit"].startswith('"auth";r=0;t=')
    # Other routes still have their own (global) budget.
    response = await client.get("/items")
    assert response.status == 200
    assert response.headers["RateLimit-Policy"] == '"global";q=100;w=60'


async def test_global_limit_and_headers(client: TestClient) -> None:  # type: ignore[type-arg]
    first = await client.get("/items")
    assert first.headers["RateLimit"].startswith('"global";r=99;')
    statuses = [(await client.get("/items")).status for _ in range(100)]
    assert statuses.count(200) == 99
    assert statuses[-1] == 429
    assert (await client.get("/health")).status == 200  # exempt


async def test_forwarded_for_is_ignored_without_trusted_proxy(client: TestClient) -> None:  # type: ignore[type-arg]
    # The test client connects from 127.0.0.1, which is not a trusted proxy: spoofed headers
    # must not give a fresh bucket.
    for i in range(10):
        await client.get("/auth/refresh", headers={"X-Forwarded-For": f"203.0.113.{i}"})
    spoofed = await client.get("/auth/refresh", headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status == 429


def test_client_address_walks_trusted_proxies() -> None:
    import ipaddress

    from aiohttp.test_utils import make_mocked_request

    from playlist_service.api.middlewares.ratelimit import client_address

    proxies = (ipaddress.ip_network("10.0.0.0/8"),)

    def request(peer: str, xff: str | None) -> aiohttp.web.Request:
        headers = {"X-Forwarded-For": xff} if xff else {}
        req = make_mocked_request("GET", "/", headers=headers)
        return req.clone(remote=peer)

    assert client_address(request("10.1.1.1", "198.51.100.9, 10.2.2.2"), proxies) == "198.51.100.9"
    assert client_address(request("10.1.1.1", "garbage"), proxies) == "10.1.1.1"
    assert client_address(request("203.0.113.5", "198.51.100.9"), proxies) == "203.0.113.5"
    assert client_address(request("10.1.1.1", None), proxies) == "10.1.1.1"


def _redis_up() -> bool:
    host, port = "127.0.0.1", 6379
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@pytest.mark.redis
async def test_three_processes_share_one_budget_in_redis() -> None:
    if not _redis_up():
        if IN_CI:
            pytest.fail("Redis is required in CI")
        pytest.skip("Redis is not running")
    prefix = f"rltest-{uuid.uuid4().hex}"
    ports = [free_port() for _ in range(3)]
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'src'}"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.service.production.ratelimit_app",
                str(port),
                REDIS_URL,
                prefix,
            ],
            cwd=root,
            env=env,
        )
        for port in ports
    ]
    try:
        await _wait_listening(ports)
        async with aiohttp.ClientSession() as session:

            async def one(i: int) -> int:
                async with session.get(f"http://127.0.0.1:{ports[i % 3]}/items") as response:
                    return response.status

            statuses = await asyncio.gather(*(one(i) for i in range(150)))
        assert statuses.count(200) == 100
        assert statuses.count(429) == 50
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


async def _wait_listening(ports: list[int], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    pending: Callable[[], list[int]] = lambda: [p for p in ports if not _listening(p)]  # noqa: E731
    while pending():
        if time.monotonic() > deadline:
            raise TimeoutError(f"ports {pending()} never opened")
        await asyncio.sleep(0.1)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
