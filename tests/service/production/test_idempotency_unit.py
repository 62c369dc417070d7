"""Idempotency middleware on its own: concurrent use of a key, rollback with the change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.api.middlewares.idempotency import (
    idempotency_middleware,
    purge_expired_keys,
)
from playlist_service.store import begin, create_engine, upgrade
from playlist_service.store.tables import users, utcnow


def _problem(request: web.Request, status: int, title: str, detail: str) -> web.Response:
    return web.json_response({"status": status, "title": title, "detail": detail}, status=status)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'idem.sqlite3'}")
    await upgrade(eng, time_limit=60)
    yield eng
    await eng.dispose()


async def _user_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(users))).scalar_one())


def _app(
    engine: AsyncEngine, gate: asyncio.Event, fail_after_write: bool = False
) -> web.Application:
    async def create_user(request: web.Request) -> web.Response:
        body = await request.json()
        await gate.wait()  # a slow provider call, before any database write
        async with begin(engine) as conn:
            await conn.execute(users.insert().values(id=body["id"], created_at=utcnow()))
        if fail_after_write:
            raise web.HTTPInternalServerError(text="boom after the write")
        return web.json_response({"id": body["id"]}, status=201)

    app = web.Application(
        middlewares=[idempotency_middleware(lambda r: engine, lambda r: "user:1", problem=_problem)]
    )
    app.router.add_post("/users", create_user)
    return app


async def test_concurrent_request_with_same_key_gets_409(engine: AsyncEngine) -> None:
    gate = asyncio.Event()
    async with TestClient(TestServer(_app(engine, gate))) as client:
        headers = {"Idempotency-Key": "k-1"}
        first = asyncio.create_task(client.post("/users", json={"id": "u1"}, headers=headers))
        await asyncio.sleep(0.2)
        second = await client.post("/users", json={"id": "u1"}, headers=headers)
        assert second.status == 409
        gate.set()
        response = await first
        assert response.status == 201
        replay = await client.post("/users", json={"id": "u1"}, headers=headers)
        assert replay.status == 201
        assert replay.headers["Idempotency-Replayed"] == "true"
    assert await _user_count(engine) == 1


async def test_failure_rolls_back_the_change_and_frees_the_key(engine: AsyncEngine) -> None:
    gate = asyncio.Event()
    gate.set()
    async with TestClient(TestServer(_app(engine, gate, fail_after_write=True))) as client:
        response = await client.post("/users", json={"id": "u2"}, headers={"Idempotency-Key": "k"})
        assert response.status == 500
    assert await _user_count(engine) == 0  # the write was in the request's unit of work
    async with TestClient(TestServer(_app(engine, gate))) as client:
        retry = await client.post("/users", json={"id": "u2"}, headers={"Idempotency-Key": "k"})
        assert retry.status == 201
    assert await _user_count(engine) == 1


async def test_bad_keys_and_purge(engine: AsyncEngine) -> None:
    import datetime as dt

    gate = asyncio.Event()
    gate.set()
    async with TestClient(TestServer(_app(engine, gate))) as client:
        bad = await client.post("/users", json={"id": "u3"}, headers={"Idempotency-Key": "a b"})
        assert bad.status == 400
        ok = await client.post("/users", json={"id": "u3"}, headers={"Idempotency-Key": "k3"})
        assert ok.status == 201
    assert await purge_expired_keys(engine) == 0
    assert await purge_expired_keys(engine, now=utcnow() + dt.timedelta(hours=25)) == 1


async def test_requests_without_key_pass_through(engine: AsyncEngine) -> None:
    gate = asyncio.Event()
    gate.set()
    async with TestClient(TestServer(_app(engine, gate))) as client:
        for i in range(2):
            response = await client.post("/users", json={"id": f"free{i}"})
            assert response.status == 201
            assert "Idempotency-Replayed" not in response.headers
    assert await _user_count(engine) == 2
