"""Session operations of the service on SQLite (embedded default) and PostgreSQL.

For each database: access-token checks per second (JWT verification plus the session row
lookup every authenticated request makes), sequential refresh rotations per second, and one
race of 50 concurrent refreshes of the same token (wall time; exactly one must win).

    .venv/bin/python benchmarks/service_auth.py [--checks 2000] [--refreshes 300]

PostgreSQL comes from PLAYLIST_TEST_POSTGRES_URL (a throw-away database is created and
dropped); it is skipped when the server is unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
import uuid

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from playlist_service.auth import SessionError, SessionManager
from playlist_service.store import create_engine, upgrade
from playlist_service.store.tables import users, utcnow

POSTGRES = os.environ.get("PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def measure(url: str, checks: int, refreshes: int) -> dict[str, float]:
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(sa.insert(users).values(id="bench", created_at=utcnow()))
    manager = SessionManager(
        engine,
        jwt_secret=secrets.token_bytes(32),
        refresh_hash_key=secrets.token_bytes(32),
        issuer="bench",
        audience="bench",
    )
    try:
        tokens = await manager.start("bench")
        start = time.perf_counter()
        for _ in range(checks):
            await manager.authenticate(tokens.access_token)
        check_rate = checks / (time.perf_counter() - start)

        start = time.perf_counter()
        current = tokens
        for _ in range(refreshes):
            current = await manager.refresh(current.refresh_token)
        refresh_rate = refreshes / (time.perf_counter() - start)

        race = await manager.start("bench")
        start = time.perf_counter()
        results = await asyncio.gather(
            *(manager.refresh(race.refresh_token) for _ in range(50)), return_exceptions=True
        )
        race_ms = (time.perf_counter() - start) * 1000
        wins = sum(not isinstance(r, BaseException) for r in results)
        losses = sum(isinstance(r, SessionError) for r in results)
        assert wins == 1, wins
        assert losses == 49, losses
        return {"checks/s": check_rate, "refreshes/s": refresh_rate, "race ms": race_ms}
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--refreshes", type=int, default=300)
    args = parser.parse_args()
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            (
                "sqlite",
                await measure(f"sqlite+aiosqlite:///{tmp}/b.sqlite3", args.checks, args.refreshes),
            )
        )
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(admin, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"postgresql skipped: {exc!r}")
    else:
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
            url = make_url(POSTGRES).set(drivername="postgresql+asyncpg", database=name)
            rows.append(
                (
                    "postgresql",
                    await measure(
                        url.render_as_string(hide_password=False), args.checks, args.refreshes
                    ),
                )
            )
        finally:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
    print(f"{'database':<12}{'checks/s':>12}{'refreshes/s':>14}{'50-way race ms':>16}")
    for db, figures in rows:
        print(
            f"{db:<12}{figures['checks/s']:>12.0f}{figures['refreshes/s']:>14.0f}"
            f"{figures['race ms']:>16.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
