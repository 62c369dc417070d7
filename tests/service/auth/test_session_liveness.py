"""Session liveness memory: fewer database lookups, revocations still prompt.

On SQLite and PostgreSQL (the ``engine`` fixture), and across two "processes" (two session
managers on one database) with and without the Redis revocation broadcast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.auth import RedisRevocations, SessionError, SessionLiveness, SessionManager
from playlist_service.store.tables import users, utcnow

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("PLAYLIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
JWT_KEY = secrets.token_bytes(32)
HASH_KEY = secrets.token_bytes(32)
LATER = utcnow() + dt.timedelta(hours=1)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- the memory itself


def test_a_confirmation_lasts_ttl_seconds() -> None:
    clock = FakeClock()
    live = SessionLiveness(2.0, clock=clock)
    live.remember("s1", "u1", LATER)
    assert live.is_live("s1", "u1", utcnow())
    clock.now += 1.9
    assert live.is_live("s1", "u1", utcnow())
    clock.now += 0.1
    assert not live.is_live("s1", "u1", utcnow())
    assert len(live) == 0  # the stale entry is dropped


def test_another_user_or_an_expired_session_is_not_live() -> None:
    live = SessionLiveness(60.0, clock=FakeClock())
    live.remember("s1", "u1", LATER)
    assert not live.is_live("s1", "u2", utcnow())
    live.remember("s2", "u1", utcnow() + dt.timedelta(seconds=1))
    assert not live.is_live("s2", "u1", utcnow() + dt.timedelta(seconds=2))


def test_forget_forget_user_and_clear() -> None:
    live = SessionLiveness(60.0, clock=FakeClock())
    for session, user in (("a", "u1"), ("b", "u1"), ("c", "u2")):
        live.remember(session, user, LATER)
    live.forget("a")
    assert not live.is_live("a", "u1", utcnow())
    assert live.is_live("b", "u1", utcnow())
    live.forget_user("u1")
    assert not live.is_live("b", "u1", utcnow())
    assert live.is_live("c", "u2", utcnow())
    live.clear()
    assert len(live) == 0


def test_it_is_bounded_and_drops_the_oldest_first() -> None:
    live = SessionLiveness(60.0, max_entries=3, clock=FakeClock())
    for n in range(5):
        live.remember(f"s{n}", "u", LATER)
    assert len(live) == 3
    assert not live.is_live("s0", "u", utcnow())
    assert not live.is_live("s1", "u", utcnow())
    assert live.is_live("s4", "u", utcnow())


def test_ttl_zero_remembers_nothing() -> None:
    live = SessionLiveness(0.0)
    live.remember("s1", "u1", LATER)
    assert not live.is_live("s1", "u1", utcnow())
    with pytest.raises(ValueError, match="negative"):
        SessionLiveness(-1.0)


def test_malformed_broadcasts_are_ignored() -> None:
    live = SessionLiveness(60.0, clock=FakeClock())
    live.remember("s1", "u1", LATER)
    revocations = RedisRevocations(None, "chan", live)  # type: ignore[arg-type]
    for message in (b"not json", b"[1, 2]", b'{"session_id": 5}', b"{}"):
        revocations.apply(message)
    assert live.is_live("s1", "u1", utcnow())
    revocations.apply(b'{"session_id": "s1", "user_id": null}')
    assert not live.is_live("s1", "u1", utcnow())


# ---------------------------------------------------------------- with the database


def _manager(engine: AsyncEngine, interval: float) -> SessionManager:
    return SessionManager(
        engine,
        jwt_secret=JWT_KEY,
        refresh_hash_key=HASH_KEY,
        issuer="test-iss",
        audience="test-aud",
        session_check_interval=interval,
    )


@pytest.fixture
async def user(engine: AsyncEngine) -> str:
    async with engine.begin() as conn:
        await conn.execute(sa.insert(users).values(id="u1", created_at=utcnow()))
    return "u1"


def _count_statements(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    @sa.event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _record(*args: Any) -> None:
        seen.append(str(args[2]))

    return seen


async def test_a_confirmed_session_skips_the_lookup(engine: AsyncEngine, user: str) -> None:
    manager = _manager(engine, 60.0)
    tokens = await manager.start(user)
    statements = _count_statements(engine)
    await manager.authenticate(tokens.access_token)
    assert len(statements) == 1
    for _ in range(5):
        await manager.authenticate(tokens.access_token)
    assert len(statements) == 1
    # With the memory off every request asks the database.
    strict = _manager(engine, 0.0)
    for _ in range(3):
        await strict.authenticate(tokens.access_token)
    assert len(statements) == 4


async def test_signing_out_takes_effect_at_once_in_the_same_process(
    engine: AsyncEngine, user: str
) -> None:
    manager = _manager(engine, 60.0)
    one, two, three = [await manager.start(user) for _ in range(3)]
    for tokens in (one, two, three):
        await manager.authenticate(tokens.access_token)
    assert await manager.revoke(user, one.session_id)
    with pytest.raises(SessionError):
        await manager.authenticate(one.access_token)
    await manager.revoke_all(user)
    for tokens in (two, three):
        with pytest.raises(SessionError):
            await manager.authenticate(tokens.access_token)


async def test_a_reused_refresh_token_stops_the_access_token_at_once(
    engine: AsyncEngine, user: str
) -> None:
    manager = _manager(engine, 60.0)
    first = await manager.start(user)
    second = await manager.refresh(first.refresh_token)
    await manager.authenticate(second.access_token)
    with pytest.raises(SessionError, match="already used"):
        await manager.refresh(first.refresh_token)
    with pytest.raises(SessionError, match="signed out"):
        await manager.authenticate(second.access_token)


async def test_without_a_broadcast_another_process_notices_within_the_interval(
    engine: AsyncEngine, user: str
) -> None:
    clock = FakeClock()
    here, there = _manager(engine, 1.0), _manager(engine, 1.0)
    there.liveness = SessionLiveness(1.0, clock=clock)
    tokens = await here.start(user)
    await there.authenticate(tokens.access_token)
    await here.revoke(user, tokens.session_id)
    await there.authenticate(tokens.access_token)  # still trusted from its memory
    clock.now += 1.0
    with pytest.raises(SessionError):
        await there.authenticate(tokens.access_token)


# ---------------------------------------------------------------- over Redis


@pytest.fixture
async def redis() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is required in CI: {exc!r}")
        pytest.skip(f"Redis unavailable: {exc!r}")
    try:
        yield client
    finally:
        await client.aclose()


async def _wait_refused(manager: SessionManager, token: str, seconds: float = 5.0) -> float:
    """Seconds until ``manager`` refuses ``token``."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        try:
            await manager.authenticate(token)
        except SessionError:
            return loop.time() - start
        if loop.time() - start > seconds:
            raise AssertionError("the revoked session was still accepted")
        await asyncio.sleep(0.01)


@pytest.mark.redis
async def test_the_broadcast_reaches_every_process(
    engine: AsyncEngine, user: str, redis: Any
) -> None:
    channel = f"test-revoked-{uuid.uuid4().hex}"
    managers = [_manager(engine, 60.0) for _ in range(3)]  # far longer than the waits below
    listeners = []
    for manager in managers:
        revocations = RedisRevocations(redis, channel, manager.liveness)
        manager.broadcast = revocations.publish
        listeners.append(asyncio.create_task(revocations.listen()))
        await asyncio.wait_for(revocations.subscribed.wait(), 5)
    try:
        signer = managers[0]
        one, two = await signer.start(user), await signer.start(user)
        for manager in managers:
            await manager.authenticate(one.access_token)
            await manager.authenticate(two.access_token)
        await signer.revoke(user, one.session_id)
        for manager in managers[1:]:
            assert await _wait_refused(manager, one.access_token) < 2.0
            await manager.authenticate(two.access_token)  # the other device is untouched
        await managers[2].revoke_all(user)
        for manager in managers[:2]:
            assert await _wait_refused(manager, two.access_token) < 2.0
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)


@pytest.mark.redis
async def test_a_listener_that_subscribes_again_trusts_nothing(redis: Any) -> None:
    live = SessionLiveness(60.0)
    live.remember("s1", "u1", LATER)
    revocations = RedisRevocations(redis, f"test-revoked-{uuid.uuid4().hex}", live)
    task = asyncio.create_task(revocations.listen())
    try:
        await asyncio.wait_for(revocations.subscribed.wait(), 5)
        assert len(live) == 0  # revocations before the subscription may have been missed
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


# ---------------------------------------------------------------- verified access tokens


async def test_a_verified_token_is_remembered_until_it_expires(
    engine: AsyncEngine, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playlist_service.auth import _sessions

    manager = _manager(engine, 60.0)
    manager.access_ttl = 2
    tokens = await manager.start(user)
    verifications: list[str] = []
    original = manager._verify

    def counting(token: str) -> tuple[Any, float]:
        verifications.append(token)
        return original(token)

    monkeypatch.setattr(manager, "_verify", counting)
    first = manager.decode_access_token(tokens.access_token)
    assert manager.decode_access_token(tokens.access_token) == first
    assert len(verifications) == 1  # the second time only the expiry was checked
    tampered = tokens.access_token[:-2] + ("A" if tokens.access_token[-2] != "A" else "B") + "x"
    with pytest.raises(SessionError) as refused:
        manager.decode_access_token(tampered)
    assert refused.value.code == "invalid-token"
    await asyncio.sleep(2.1)
    with pytest.raises(SessionError, match="expired"):
        manager.decode_access_token(tokens.access_token)
    assert _sessions.MAX_VERIFIED_TOKENS >= 1000


async def test_verified_tokens_are_bounded(
    engine: AsyncEngine, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playlist_service.auth import _sessions

    monkeypatch.setattr(_sessions, "MAX_VERIFIED_TOKENS", 2)
    manager = _manager(engine, 60.0)
    for _ in range(4):
        manager.decode_access_token((await manager.start(user)).access_token)
    assert len(manager._verified) == 2
