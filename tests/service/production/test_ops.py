"""Operator commands: portable backup/restore (SQLite -> PostgreSQL), cleanup of expired rows."""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service import keys
from playlist_service.ops import BackupError, backup, cleanup, restore
from playlist_service.store import all_tables, create_engine, upgrade
from playlist_service.store.tables import provider_accounts, refresh_tokens, sessions, utcnow
from tests.service.auth.test_mobile_flow import sign_in
from tests.service.conftest import _pg_exec
from tests.service.contract import ContractClient


@pytest.fixture
def postgres_schema_url(postgres_database: str) -> Iterator[str]:
    """An empty schema on the real PostgreSQL server, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_exec(postgres_database, f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_database).update_query_dict({"search_path": schema})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _pg_exec(postgres_database, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    counts = {}
    async with engine.connect() as conn:
        for table in all_tables():
            result = await conn.execute(sa.select(sa.func.count()).select_from(table))
            counts[table.name] = int(result.scalar_one())
    return counts


async def test_backup_restores_into_postgresql(
    service: ContractClient, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    tokens = await sign_in(service)
    await service.post(
        "/playlists/import",
        token=tokens["access_token"],
        data=b"#EXTM3U\n#EXTINF:215,Portishead - Glory Box\nglory.mp3\n",
        content_type="application/octet-stream",
        params={"filename": "mix.m3u8"},
    )
    source = service.app[keys.ENGINE]
    path = tmp_path / "backup.jsonl.gz"
    written = await backup(source, path)
    assert written["users"] == 1
    assert written["provider_accounts"] == 1
    assert written["stored_playlists"] == 1
    # The file holds ciphertexts and hashes only: no provider or session token in clear.
    text = gzip.decompress(path.read_bytes()).decode()
    assert tokens["refresh_token"] not in text
    issued = service.emulator.tokens.issued  # every code and token the provider handed out
    assert issued
    for secret in issued:
        assert secret not in text

    target_url: str = request.getfixturevalue("postgres_schema_url")
    target = create_engine(target_url)
    try:
        await upgrade(target, time_limit=60)
        restored = await restore(target, path)
        assert restored == {name: n for name, n in written.items() if n}
        assert await _counts(target) == await _counts(source)
        query = sa.select(provider_accounts.c.access_token, provider_accounts.c.refresh_token)
        async with source.connect() as a, target.connect() as b:
            assert (await a.execute(query)).all() == (await b.execute(query)).all()
        with pytest.raises(BackupError, match="not empty"):
            await restore(target, path)
    finally:
        await target.dispose()


async def test_restore_refuses_other_files(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        await upgrade(engine, time_limit=60)
        bogus = tmp_path / "bogus.gz"
        bogus.write_bytes(gzip.compress(b'{"format": "other"}\n'))
        with pytest.raises(BackupError, match="not a playlist-service backup"):
            await restore(engine, bogus)
        old = tmp_path / "old.gz"
        old.write_bytes(
            gzip.compress(b'{"format": "playlist-service-backup/1", "revision": "0001"}\n')
        )
        with pytest.raises(BackupError, match="revision"):
            await restore(engine, old)
    finally:
        await engine.dispose()


async def test_cleanup_deletes_only_expired_rows(service: ContractClient) -> None:
    await sign_in(service)
    live = await sign_in(service)
    engine = service.app[keys.ENGINE]
    listed = await service.get("/auth/sessions", token=live["access_token"])
    (first_session,) = [s["id"] for s in listed.json()["sessions"] if not s["current"]]
    async with engine.begin() as conn:
        await conn.execute(
            sessions.update()
            .where(sessions.c.id == first_session)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        await conn.execute(
            refresh_tokens.update()
            .where(refresh_tokens.c.session_id == first_session)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    blobs = service.app[keys.BLOB_STORE]
    report = await cleanup(engine, blobs)
    assert report.sessions == 1
    assert report.refresh_tokens >= 1
    # The live session still refreshes.
    refreshed = await service.post("/auth/refresh", json={"refresh_token": live["refresh_token"]})
    assert refreshed.status == 200
    assert (await cleanup(engine, blobs)).sessions == 0


def test_cli_backup_and_cleanup(tmp_path: Path) -> None:
    env: dict[str, Any] = {
        "PLAYLIST_SERVICE_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "playlist_service", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run("migrate-db").returncode == 0
    result = run("backup", str(tmp_path / "b.gz"))
    assert result.returncode == 0, result.stderr
    assert "backed up 0 rows" in result.stdout
    cleaned = run("cleanup")
    assert cleaned.returncode == 0, cleaned.stderr
    assert "sessions=0" in cleaned.stdout
    refused = run("restore", str(tmp_path / "b.gz"))
    assert refused.returncode == 0, refused.stderr  # empty backup into an empty database
