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
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from playlist_service.settings import Settings
from tests.service.contract import ContractClient

T = TypeVar("T")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get(
    "PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def run_in_thread(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a fresh loop in another thread.

    Session fixtures may be first requested from inside a running event loop (an async
    fixture calling ``getfixturevalue``), where ``asyncio.run`` is not allowed.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings with fresh random secrets and a SQLite file in ``data_dir``."""
    values: dict[str, object] = {
        "jwt_secret": "base64:" + _key(),
        "refresh_hash_key": "base64:" + _key(),
        "token_keys": "k1:" + _key(),
        "port": 0,
        # Functional tests send bursts of requests; tests/service/production tests the limits.
        "rate_limits_enabled": False,
    }
    values.update(overrides)
    return Settings.from_env({}, data_dir=data_dir, **values)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'service.sqlite3'}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (asyncpg URL); dropped afterwards."""

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
        run_in_thread(lambda: run(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {base.host}:{base.port} is required in CI: {exc!r}")
        pytest.skip(f"PostgreSQL unavailable: {exc!r}")
    url = base.set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        run_in_thread(lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (not migrated) on SQLite and on the real PostgreSQL server.

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

    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_in_thread(run)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; tests get copies of it."""

    from playlist_service.store import create_engine, upgrade

    path = tmp_path_factory.mktemp("template") / "service.sqlite3"

    async def build() -> None:
        eng = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(eng, time_limit=60)
        finally:
            await eng.dispose()

    run_in_thread(build)
    return path


@pytest.fixture(scope="session")
def shared_postgres_url(postgres_database: str) -> str:
    """A schema of the session database migrated once; tests empty its tables first."""

    from playlist_service.store import create_engine, upgrade

    _pg_exec(postgres_database, 'CREATE SCHEMA "shared"')
    url = make_url(postgres_database).update_query_dict({"search_path": "shared"})
    rendered = url.render_as_string(hide_password=False)

    async def build() -> None:
        eng = create_engine(rendered)
        try:
            await upgrade(eng, time_limit=60)
        finally:
            await eng.dispose()

    run_in_thread(build)
    return rendered


async def empty_shared_schema(url: str) -> None:
    """Empty every table of the shared PostgreSQL test schema (keeps the migrations)."""
    from playlist_service.store import create_engine

    eng = create_engine(url)
    try:
        async with eng.begin() as conn:
            names = (
                (
                    await conn.execute(
                        sa.text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'shared'"
                            " AND tablename <> 'alembic_version'"
                        )
                    )
                )
                .scalars()
                .all()
            )
            if names:
                tables = ", ".join(f'"shared"."{name}"' for name in names)
                await conn.execute(sa.text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[sa.ext.asyncio.AsyncEngine]:
    """A migrated, empty database on SQLite and on the real PostgreSQL server."""
    import shutil

    from playlist_service.store import create_engine

    if request.param == "sqlite":
        path = tmp_path / "service.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        eng = create_engine(f"sqlite+aiosqlite:///{path}")
    else:
        url = request.getfixturevalue("shared_postgres_url")
        await empty_shared_schema(url)
        eng = create_engine(url)
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


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


APP_REDIRECT = "com.example.playlists:/oauth"


@pytest.fixture
async def spotify_emulator() -> AsyncIterator[Any]:
    """The library's Spotify emulator with a small catalog and two playlists."""
    from playlist_interop.testing.emulators.spotify import SpotifyEmulator
    from playlist_service.demo import demo_catalog

    emulator = SpotifyEmulator(display_name="Emu Listener", client_ids=["test-client"])
    ids = [emulator.add_track(track) for track in demo_catalog()]
    emulator.add_playlist("Evening", ids[:4])
    emulator.add_playlist("Morning", ids[4:9], public=True)
    async with emulator:
        yield emulator


@pytest.fixture
async def tidal_emulator() -> AsyncIterator[Any]:
    """The library's TIDAL emulator (a second provider, for linking accounts)."""
    from playlist_interop.testing.emulators.tidal import TidalEmulator
    from playlist_service.demo import demo_catalog

    emulator = TidalEmulator()
    ids = [emulator.add_track(track) for track in demo_catalog()]
    emulator.add_playlist("Tidal picks", ids[:3])
    async with emulator:
        yield emulator


@pytest.fixture
async def musicbrainz_emulator() -> AsyncIterator[Any]:
    """The library's MusicBrainz emulator knowing the demo catalog's recordings."""
    from playlist_interop.testing.emulators.musicbrainz import MusicBrainzEmulator
    from playlist_service.demo import demo_catalog

    emulator = MusicBrainzEmulator(rate=1000.0)
    for track in demo_catalog():
        emulator.add_track(track, tags=("trip hop",))
    async with emulator:
        yield emulator


@pytest.fixture
def service_database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """The database of the ``service`` fixture: a copy of the migrated SQLite template."""
    import shutil

    database = tmp_path / "service.sqlite3"
    shutil.copyfile(sqlite_template, database)  # already migrated: start-up stays fast
    return f"sqlite+aiosqlite:///{database}"


@pytest.fixture
async def service(
    aiohttp_client: Any,
    tmp_path: Path,
    spotify_emulator: Any,
    musicbrainz_emulator: Any,
    tidal_emulator: Any,
    service_database_url: str,
) -> ContractClient:
    """The whole service on a real loopback port, signing in with the Spotify emulator."""
    from aiohttp.test_utils import TestServer

    from playlist_service.app import create_app
    from playlist_service.logging import AccessLogger
    from playlist_service.settings import ProviderSettings

    port = free_port()
    settings = make_settings(
        tmp_path,
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        allowed_redirects=(APP_REDIRECT,),
        trusted_proxies=("127.0.0.1/32",),  # the tests play a reverse proxy on loopback
        musicbrainz_url=musicbrainz_emulator.api_url,
        database_url=service_database_url,
        providers={
            "spotify": ProviderSettings(
                client_id="test-client",
                base_urls={"auth": spotify_emulator.auth_url, "api": spotify_emulator.api_url},
            ),
            "tidal": ProviderSettings(
                client_id="test-client",
                base_urls={"auth": tidal_emulator.auth_url, "api": tidal_emulator.api_url},
            ),
        },
    )
    # The access logger the service runs with (it never prints query strings: OAuth codes).
    server = TestServer(create_app(settings), host="127.0.0.1", port=port)
    await server.start_server(access_log_class=AccessLogger)
    client = ContractClient(await aiohttp_client(server))
    client.emulator = spotify_emulator
    client.musicbrainz = musicbrainz_emulator
    client.tidal = tidal_emulator
    client.settings = settings
    return client
