"""The scale-out setup (scripts/scale_out.py): 2 API processes + 2 workers sharing
PostgreSQL, Redis and an S3 API (moto, loopback). A user signs in through one API process,
imports and exports through the other, follows the job's events from either, downloads the
file from S3 by its presigned URL, signs out on one and is refused by the other at once, and
both processes share one rate-limit budget.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from playlist_interop.providers.auth import PkcePair
from tests.service.auth.test_mobile_flow import _consent
from tests.service.conftest import APP_REDIRECT, _pg_exec

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("PLAYLIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
M3U = b"#EXTM3U\n#PLAYLIST:Night bus\n#EXTINF:215,Portishead - Glory Box\nglory.mp3\n"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def database_url(postgres_database: str) -> Iterator[str]:
    schema = f"scale_{uuid.uuid4().hex[:10]}"
    _pg_exec(postgres_database, f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_database).update_query_dict({"search_path": schema})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _pg_exec(postgres_database, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
async def deployment(database_url: str, spotify_emulator: Any) -> AsyncIterator[dict[str, Any]]:
    providers = {
        "spotify": {
            "client_id": "test-client",
            "base_urls": {"auth": spotify_emulator.auth_url, "api": spotify_emulator.api_url},
        }
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "scale_out.py"),
            "--database-url",
            database_url,
            "--redis-url",
            REDIS_URL,
            "--redis-prefix",
            f"scale-test-{uuid.uuid4().hex[:8]}",
            "--env",
            f"PLAYLIST_SERVICE_PROVIDERS={json.dumps(providers)}",
            "--env",
            f"PLAYLIST_SERVICE_ALLOWED_REDIRECTS={APP_REDIRECT}",
            # Far longer than the test waits: only the Redis broadcast can make a sign-out
            # on one process refuse the token at once on the other.
            "--env",
            "PLAYLIST_SERVICE_SESSION_CHECK_INTERVAL=30",
        ],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), timeout=120)
    try:
        assert line, "scale_out.py exited before it was ready"
        yield json.loads(line)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 60)


class Api:
    """A client that counts the requests which count against the rate limit."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.counted = 0

    async def call(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any, Any]:
        self.counted += 1
        async with self.session.request(method, url, allow_redirects=False, **kwargs) as resp:
            body = await resp.read()
            try:
                data: Any = json.loads(body)
            except ValueError:
                data = body
            return resp.status, data, resp.headers


async def test_two_apis_and_two_workers_share_everything(deployment: dict[str, Any]) -> None:
    a, b = deployment["api"]
    async with aiohttp.ClientSession() as session:
        api = Api(session)
        # Sign in: authorize on A, provider callback and redeem on B.
        pkce = PkcePair.generate()
        status, started, _ = await api.call(
            "POST",
            f"{a}/auth/mobile/authorize",
            json={
                "provider": "spotify",
                "code_challenge": pkce.challenge,
                "redirect_uri": APP_REDIRECT,
            },
        )
        assert status == 201, started
        callback = urlsplit(await _consent(started["authorization_url"]))
        query = {k: v[0] for k, v in parse_qs(callback.query).items()}
        status, _, _ = await api.call("GET", f"{b}{callback.path}", params=query)
        assert status == 302
        status, tokens, _ = await api.call(
            "POST",
            f"{b}/auth/redeem",
            json={"attempt_id": started["attempt_id"], "code_verifier": pkce.verifier},
        )
        assert status == 200, tokens
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}

        # Import on A, export on B; a worker process does the job.
        status, imported, _ = await api.call(
            "POST",
            f"{a}/playlists/import",
            params={"filename": "night.m3u8"},
            data=M3U,
            headers={**auth, "Content-Type": "application/octet-stream"},
        )
        assert status == 201, imported
        status, job, _ = await api.call(
            "POST",
            f"{b}/exports/file",
            json={"source": {"stored_playlist_id": imported["playlist"]["id"]}, "format": "xspf"},
            headers=auth,
        )
        assert status == 202, job
        job_id = job["id"]
        for _ in range(100):
            status, job, _ = await api.call("GET", f"{a}/jobs/{job_id}", headers=auth)
            if job["state"] in {"succeeded", "failed", "dead"}:
                break
            await asyncio.sleep(0.2)
        assert job["state"] == "succeeded", job

        # The event stream, from either process, is the same gap-free sequence.
        streams = []
        for base in (a, b):
            api.counted += 1
            async with session.get(
                f"{base}/jobs/{job_id}/events", headers=auth, timeout=aiohttp.ClientTimeout(30)
            ) as response:
                text = await response.text()
            streams.append([int(v) for v in _field(text, "id")])
        assert streams[0] == streams[1]
        assert streams[0] == list(range(1, len(streams[0]) + 1))

        # The file is in S3: the artifact route redirects to a presigned URL.
        status, _, headers = await api.call("GET", f"{b}/jobs/{job_id}/artifact", headers=auth)
        assert status == 302
        location = headers["Location"]
        assert location.startswith(deployment["s3_endpoint"])
        async with session.get(location) as response:
            assert response.status == 200
            document = await response.text()
        assert "<title>Glory Box</title>" in document

        # Signing out on A stops the token on B at once (B trusted the session a moment ago).
        status, _, _ = await api.call("GET", f"{b}/playlists/stored", headers=auth)
        assert status == 200
        status, _, _ = await api.call("POST", f"{a}/auth/logout", headers=auth)
        assert status == 204
        for _ in range(20):
            status, _, _ = await api.call("GET", f"{b}/playlists/stored", headers=auth)
            if status == 401:
                break
            await asyncio.sleep(0.1)
        assert status == 401, "B still accepted a session signed out on A"

        # One rate-limit budget (100 a minute) across both processes, kept in Redis.
        already = api.counted
        statuses = [(await api.call("GET", f"{(a, b)[i % 2]}/openapi.yaml"))[0] for i in range(120)]
        assert statuses.count(200) == 100 - already
        assert set(statuses) == {200, 429}


def _field(stream: str, name: str) -> list[str]:
    return [
        line.split(":", 1)[1].strip() for line in stream.splitlines() if line.startswith(f"{name}:")
    ]
