"""Fixtures of the service tests: settings on a temporary SQLite file, a throw-away
PostgreSQL database per test session, and a running app on a loopback port.

PostgreSQL comes from ``PLAYLIST_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``); the tests create a database with a unique
name next to it and drop it at the end. When ``CI=true`` an unreachable server fails the
tests instead of skipping them.
"""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from playlist_service.settings import Settings
from tests.service.contract import ContractClient

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get(
    "PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings with fresh random secrets and a SQLite file in ``data_dir``."""
    values: dict[str, object] = {
        "jwt_secret": "base64:" + _key(),
        "refresh_hash_key": "base64:" + _key(),
        "token_keys": "k1:" + _key(),
        "port": 0,
    }
    values.update(overrides)
    return Settings.from_env({}, data_dir=data_dir, **values)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'service.sqlite3'}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (asyncpg URL); dropped afterwards."""
    import asyncio

    import asyncpg

    base = make_url(POSTGRES_URL)
    name = f"pi_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {base.host}:{base.port} is required in CI: {exc!r}")
        pytest.skip(f"PostgreSQL unavailable: {exc!r}")
    url = base.set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and on the real PostgreSQL server.

    On PostgreSQL every test gets its own schema inside the session's database (dropped
    afterwards), selected through the connection's ``search_path``.
    """
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'service.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_exec(base, f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"search_path": schema})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _pg_exec(base, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _pg_exec(url: str, sql: str) -> None:
    import asyncio

    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[sa.ext.asyncio.AsyncEngine]:
    """A migrated engine on SQLite or PostgreSQL."""
    from playlist_service.store import create_engine, upgrade

    eng = create_engine(database_url)
    await upgrade(eng, time_limit=60)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-default settings in a temporary data dir, with fresh secrets."""
    return make_settings(tmp_path)


@pytest.fixture
async def api(aiohttp_client: Any, settings: Settings) -> ContractClient:
    """The app on a loopback port behind a contract-checking client."""
    from playlist_service.app import create_app

    return ContractClient(await aiohttp_client(create_app(settings)))
