"""Sessions on SQLite and PostgreSQL: JWT checks, refresh rotation, reuse detection,
50 concurrent refreshes, device sessions and revocation."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

import jwt
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.auth import ACCESS_TOKEN_TYPE, SessionError, SessionManager
from playlist_service.store.tables import refresh_tokens, users, utcnow

KEY = secrets.token_bytes(32)


@pytest.fixture
async def manager(engine: AsyncEngine) -> SessionManager:
    async with engine.begin() as conn:
        for uid in ("u1", "u2"):
            await conn.execute(sa.insert(users).values(id=uid, created_at=utcnow()))
    return SessionManager(
        engine,
        jwt_secret=KEY,
        refresh_hash_key=secrets.token_bytes(32),
        issuer="test-iss",
        audience="test-aud",
        access_ttl=60,
    )


async def test_start_gives_a_jwt_and_a_refresh_token(manager: SessionManager) -> None:
    tokens = await manager.start("u1", device_name="Pixel", user_agent="app/1.0", ip="10.0.0.1")
    header = jwt.get_unverified_header(tokens.access_token)
    assert header == {"alg": "HS256", "typ": ACCESS_TOKEN_TYPE}
    principal = await manager.authenticate(tokens.access_token)
    assert principal.user_id == "u1"
    assert principal.session_id == tokens.session_id
    (session,) = await manager.list_sessions("u1")
    assert (session.device_name, session.user_agent, session.ip) == ("Pixel", "app/1.0", "10.0.0.1")


async def test_refresh_tokens_are_stored_only_as_hmac(
    manager: SessionManager, engine: AsyncEngine
) -> None:
    tokens = await manager.start("u1")
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(refresh_tokens.c.token_hash))).scalars().all()
    assert stored == [manager.hash_refresh_token(tokens.refresh_token)]
    assert all(tokens.refresh_token.encode() not in value for value in stored)


async def test_refresh_rotates_and_reuse_revokes_the_family(manager: SessionManager) -> None:
    first = await manager.start("u1")
    second = await manager.refresh(first.refresh_token, user_agent="app/1.1")
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    third = await manager.refresh(second.refresh_token)
    await manager.authenticate(third.access_token)

    with pytest.raises(SessionError) as caught:  # the first token again: stolen copy
        await manager.refresh(first.refresh_token)
    assert caught.value.code == "refresh-token-reused"
    # the whole family is dead: the newest refresh token and the live JWT both fail
    with pytest.raises(SessionError) as caught:
        await manager.refresh(third.refresh_token)
    assert caught.value.code == "session-revoked"
    with pytest.raises(SessionError) as caught:
        await manager.authenticate(third.access_token)
    assert caught.value.code == "session-revoked"
    assert await manager.list_sessions("u1") == []


async def test_other_devices_survive_a_reuse(manager: SessionManager) -> None:
    phone = await manager.start("u1", device_name="phone")
    tablet = await manager.start("u1", device_name="tablet")
    await manager.refresh(phone.refresh_token)
    with pytest.raises(SessionError):
        await manager.refresh(phone.refresh_token)
    await manager.authenticate(tablet.access_token)
    await manager.refresh(tablet.refresh_token)


async def test_fifty_concurrent_refreshes_give_exactly_one_success(
    manager: SessionManager,
) -> None:
    start = await manager.start("u1")
    results = await asyncio.gather(
        *(manager.refresh(start.refresh_token) for _ in range(50)), return_exceptions=True
    )
    successes = [r for r in results if not isinstance(r, BaseException)]
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(successes) == 1
    assert len(failures) == 49
    assert all(isinstance(f, SessionError) for f in failures), failures[:3]
    assert {f.code for f in failures} == {"refresh-token-reused"}  # type: ignore[union-attr]


async def test_unknown_and_expired_refresh_tokens(
    manager: SessionManager, engine: AsyncEngine
) -> None:
    with pytest.raises(SessionError) as caught:
        await manager.refresh("rt1.not-a-token")
    assert caught.value.code == "invalid-refresh-token"
    tokens = await manager.start("u1")
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(refresh_tokens).values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    with pytest.raises(SessionError) as caught:
        await manager.refresh(tokens.refresh_token)
    assert caught.value.code == "refresh-token-expired"


def _forge(claims: dict[str, object], *, key: bytes = KEY, **header: str) -> str:
    base = {
        "iss": "test-iss",
        "aud": "test-aud",
        "sub": "u1",
        "sid": "s1",
        "jti": "j1",
        "iat": int(utcnow().timestamp()),
        "exp": int(utcnow().timestamp()) + 60,
    }
    base.update(claims)
    return jwt.encode(base, key, algorithm="HS256", headers={"typ": "at+jwt", **header})


@pytest.mark.parametrize(
    ("token_factory", "code"),
    [
        (lambda: _forge({}, typ="JWT"), "invalid-token"),  # an ID token or other JWT
        (lambda: _forge({"aud": "someone-else"}), "invalid-token"),
        (lambda: _forge({"iss": "evil"}), "invalid-token"),
        (lambda: _forge({"exp": int(utcnow().timestamp()) - 5}), "token-expired"),
        (lambda: _forge({}, key=secrets.token_bytes(32)), "invalid-token"),
        (lambda: _forge({"sid": None}), "invalid-token"),
        (lambda: "not.a.jwt", "invalid-token"),
        (
            lambda: jwt.encode({"sub": "u1"}, None, algorithm="none", headers={"typ": "at+jwt"}),
            "invalid-token",
        ),
    ],
)
def test_access_token_checks(manager: SessionManager, token_factory: object, code: str) -> None:
    with pytest.raises(SessionError) as caught:
        manager.decode_access_token(token_factory())  # type: ignore[operator]
    assert caught.value.code == code


def test_short_keys_are_refused(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SessionManager(engine, jwt_secret=b"short", refresh_hash_key=KEY, issuer="i", audience="a")


async def test_revoke_one_and_all(manager: SessionManager) -> None:
    a = await manager.start("u1", device_name="a")
    b = await manager.start("u1", device_name="b")
    c = await manager.start("u1", device_name="c")
    other = await manager.start("u2")
    assert not await manager.revoke("u2", a.session_id)  # not yours
    assert await manager.revoke("u1", a.session_id)
    with pytest.raises(SessionError):
        await manager.authenticate(a.access_token)
    assert await manager.revoke_all("u1", except_session=c.session_id) == 1
    with pytest.raises(SessionError):
        await manager.refresh(b.refresh_token)
    await manager.authenticate(c.access_token)
    assert await manager.revoke_all("u1") == 1
    assert await manager.list_sessions("u1") == []
    await manager.authenticate(other.access_token)  # another user is untouched
