"""Shared fixtures and the report header."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_REPORTED = (
    "aiohttp",
    "attrs",
    "cattrs",
    "httpx",
    "lxml",
    "tenacity",
    "pynacl",
    "rapidfuzz",
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "redis",
    "limits",
    "pyjwt",
    "openapi-core",
    "vcrpy",
    "hypothesis",
    "moto",
)


def _server_versions() -> list[str]:
    """Versions of the database servers the tests talk to (best effort, 2 s timeout)."""
    url = os.environ.get("PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import asyncio

        import asyncpg

        async def fetch() -> str:
            conn = await asyncpg.connect(url, timeout=2)
            try:
                return str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()

        return [f"postgresql server: {asyncio.run(fetch())}"]
    except Exception as exc:
        return [f"postgresql server: unavailable ({type(exc).__name__})"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    versions = []
    for name in _REPORTED:
        try:
            versions.append(f"{name}-{version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name}-absent")
    return ["deps: " + ", ".join(versions), *_server_versions()]


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real recorded files; skips outside CI when it is absent."""
    if not SHARED_FIXTURES.is_dir():
        if IN_CI:
            pytest.fail(f"shared fixtures missing at {SHARED_FIXTURES}")
        pytest.skip("shared fixtures folder is absent")
    return SHARED_FIXTURES
