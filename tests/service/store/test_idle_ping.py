"""PostgreSQL pool: only connections that sat idle are pinged, and a dead one is replaced."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from playlist_service.store import _engine
from playlist_service.store._engine import create_engine, read_only


async def _backend_pid(engine: Any) -> int:
    async with read_only(engine) as conn:
        return int((await conn.execute(sa.text("select pg_backend_pid()"))).scalar_one())


def _count_pings(engine: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        pings.append(1)
        return bool(original(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


async def test_a_connection_used_moments_ago_is_not_pinged(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(postgres_database)
    pings = _count_pings(engine, monkeypatch)
    try:
        first = await _backend_pid(engine)
        for _ in range(5):
            assert await _backend_pid(engine) == first
        assert pings == []
    finally:
        await engine.dispose()


async def test_an_idle_connection_that_died_is_replaced_before_use(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every checked-in connection counts as idle: the next checkout pings it.
    monkeypatch.setattr(_engine, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = create_engine(postgres_database)
    killer = create_engine(postgres_database)
    pings = _count_pings(engine, monkeypatch)
    try:
        doomed = await _backend_pid(engine)
        async with read_only(killer) as conn:
            await conn.execute(sa.text(f"select pg_terminate_backend({doomed})"))
        replacement = await _backend_pid(engine)  # no error reaches the caller
        assert replacement != doomed
        assert pings, "the idle connection was not pinged"
    finally:
        await engine.dispose()
        await killer.dispose()
