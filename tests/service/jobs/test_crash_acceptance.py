"""Acceptance: 200 jobs, 3 worker processes on PostgreSQL, 10 random ``kill -9``.

Expected: no job lost (all succeed), no side effect done twice (one row per job step, one
artifact per export), and every job's event stream numbered 1..n without gaps, with each
progress step exactly once.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from playlist_interop.codecs import get_codec
from playlist_interop.model import ArtistCredit, Playlist, Track, make_converter
from playlist_service.blobs import LocalBlobStore
from playlist_service.queue import JobState, SqlJobQueue
from playlist_service.store import create_engine, upgrade
from playlist_service.store.tables_jobs import jobs
from tests.service.jobs._acceptance_worker import side_effects
from tests.service.jobs._db import POSTGRES_URL, add_user, postgres_available

REPO = Path(__file__).resolve().parents[3]
WORKERS = 3
KILLS = 10
EXPORTS = 100
STEP_JOBS = 100
STEPS = 5


def _database_url(name: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class Workers:
    """Worker processes forked by the acceptance worker's zygote (imports done once)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.zygote = subprocess.Popen(
            [sys.executable, "-m", "tests.service.jobs._acceptance_worker", "--zygote"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.pids: list[int] = []

    def spawn(self) -> int:
        assert self.zygote.stdin is not None
        assert self.zygote.stdout is not None
        self.zygote.stdin.write("spawn\n")
        self.zygote.stdin.flush()
        pid = int(self.zygote.stdout.readline())
        self.pids.append(pid)
        return pid

    @staticmethod
    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    async def wait_gone(self, pid: int, limit: float) -> bool:
        end = time.monotonic() + limit
        while self.alive(pid):
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.02)
        return True

    def close(self) -> None:
        for pid in self.pids:
            if self.alive(pid):
                os.kill(pid, signal.SIGKILL)
        if self.zygote.stdin is not None:
            self.zygote.stdin.close()
        self.zygote.wait(timeout=10)


def _playlist(n: int) -> dict[str, object]:
    playlist = Playlist(
        name=f"Mix {n}",
        tracks=[
            Track(title=f"Song {n}.{i}", artists=[ArtistCredit(name=f"Artist {i}")])
            for i in range(20)
        ],
    )
    document: dict[str, object] = make_converter().unstructure(playlist)
    return document


async def _check_streams(
    aiohttp_client: Any, url: str, data_dir: Path, owner: str, job_ids: list[str]
) -> None:
    from playlist_service import keys
    from playlist_service.app import create_app
    from playlist_service.settings import Settings

    settings = Settings.from_env(
        {},
        data_dir=data_dir / "api",
        database_url=url,
        worker="external",
        jwt_secret="j" * 32,
        refresh_hash_key="r" * 32,
        token_keys="k1:" + "a" * 43 + "=",
        port=0,
    )
    app = create_app(settings)
    client = await aiohttp_client(app)
    token = (await app[keys.SESSIONS].start(owner)).access_token
    for job_id in job_ids:
        response = await client.get(
            f"/jobs/{job_id}/events", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 200
        events = [
            json.loads(line[len("data: ") :])
            for line in (await response.text()).splitlines()
            if line.startswith("data: ")
        ]
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert [e["data"]["done"] for e in events if e["type"] == "progress"] == [1, 2, 3, 4, 5]
        assert events[-1]["type"] == "succeeded"


@pytest.mark.slow
@pytest.mark.postgres
async def test_kill_nine_loses_and_duplicates_nothing(tmp_path: Path, aiohttp_client: Any) -> None:
    if not await postgres_available():
        pytest.skip("PostgreSQL is not running (required when CI=true)")
    setup_at = time.monotonic()
    name = f"jobs_crash_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    engine = create_engine(url)
    workers: Workers | None = None
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(side_effects.metadata.create_all)
        queue = SqlJobQueue(engine)
        owner = await add_user(engine)
        export_ids = [
            (
                await queue.enqueue(
                    "export",
                    {"source": {"playlist": _playlist(n)}, "format": "xspf"},
                    max_attempts=25,
                    owner_id=owner,
                )
            ).id
            for n in range(EXPORTS)
        ]
        step_ids = [
            (
                await queue.enqueue(
                    "steps", {"steps": STEPS, "pause": 0.1}, max_attempts=25, owner_id=owner
                )
            ).id
            for _ in range(STEP_JOBS)
        ]
        blob_dir = tmp_path / "blobs"
        env = {
            **os.environ,
            "PLAYLIST_SERVICE_DATA_DIR": str(tmp_path),
            "PLAYLIST_SERVICE_DATABASE_URL": url,
            "PLAYLIST_SERVICE_BLOB_URL": blob_dir.as_uri(),
            "PLAYLIST_SERVICE_JWT_SECRET": "j" * 32,
            "PLAYLIST_SERVICE_REFRESH_HASH_KEY": "r" * 32,
            "PLAYLIST_SERVICE_TOKEN_KEYS": "k1:" + "a" * 43 + "=",
            "PLAYLIST_SERVICE_WORKER_CONCURRENCY": "4",
            "PLAYLIST_SERVICE_WORKER_LEASE_SECONDS": "1.0",
            "PLAYLIST_SERVICE_WORKER_HEARTBEAT_SECONDS": "0.25",
            "PLAYLIST_SERVICE_WORKER_POLL_SECONDS": "0.05",
            "PLAYLIST_SERVICE_WORKER_REAP_SECONDS": "0.25",
            "PLAYLIST_SERVICE_WORKER_RETRY_BASE_SECONDS": "0.05",
            "PLAYLIST_SERVICE_WORKER_RETRY_CAP_SECONDS": "0.5",
            "PYTHONPATH": str(REPO),
        }
        started_at = time.monotonic()
        workers = Workers(env)
        processes = [workers.spawn() for _ in range(WORKERS)]
        rng = random.Random()
        kills = 0
        interrupted = 0
        deadline = time.monotonic() + 120  # ~15 s on an idle machine; CI boxes are shared
        while kills < KILLS:
            await asyncio.sleep(rng.uniform(0.15, 0.4))
            assert time.monotonic() < deadline, "the crash test ran out of time"
            async with engine.connect() as conn:
                unfinished = (
                    await conn.execute(
                        sa.select(sa.func.count()).where(jobs.c.state != JobState.SUCCEEDED.value)
                    )
                ).scalar_one()
            assert unfinished > 0, f"all jobs finished after only {kills} kills"
            async with engine.connect() as conn:
                owners = (
                    (
                        await conn.execute(
                            sa.select(jobs.c.lease_owner).where(
                                jobs.c.state == JobState.RUNNING.value
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            held = collections.Counter(int(owner.split(":")[1]) for owner in owners)
            busy = [pid for pid in processes if held[pid]]
            if not busy:  # workers still starting: kill only one in the middle of jobs
                continue
            victim = rng.choice(busy)
            holding = held[victim]
            os.kill(victim, signal.SIGKILL)
            assert await workers.wait_gone(victim, 10)
            kills += 1
            interrupted += holding
            processes[processes.index(victim)] = workers.spawn()

        killed_at = time.monotonic()
        all_ids = set(export_ids) | set(step_ids)
        while True:
            assert time.monotonic() < deadline, "jobs did not finish in time"
            async with engine.connect() as conn:
                states = dict(
                    (
                        await conn.execute(
                            sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)
                        )
                    ).all()
                )
            if states.get(JobState.SUCCEEDED.value, 0) == len(all_ids):
                break
            assert not set(states) - {"queued", "running", "succeeded"}, states
            await asyncio.sleep(0.2)

        drained_at = time.monotonic()
        for pid in processes:
            os.kill(pid, signal.SIGTERM)
        for pid in processes:
            assert await workers.wait_gone(pid, 15), "a worker ignored SIGTERM"

        # 0 lost
        assert kills == KILLS
        assert interrupted >= KILLS  # every kill hit a worker in the middle of jobs
        # 0 duplicate side effects: one row per step of every steps job ...
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(side_effects.c.job_id, side_effects.c.step))).all()
        counts = collections.Counter((row.job_id, row.step) for row in rows)
        assert set(counts) == {(job_id, step) for job_id in step_ids for step in range(STEPS)}
        assert max(counts.values()) == 1
        # ... and exactly one artifact per export, matching its recorded checksum (a writer
        # killed mid-write leaves only a hidden temporary file, which the sweep removes)
        store = LocalBlobStore(blob_dir)
        leftovers = await store.sweep(older_than=0)
        xspf = get_codec("xspf")
        for job_id in export_ids:
            job = await queue.get(job_id)
            assert job.result is not None
            folder = blob_dir / "jobs" / job_id
            assert [p.name for p in folder.iterdir()] == ["export.xspf"]
            data = (folder / "export.xspf").read_bytes()
            assert hashlib.sha256(data).hexdigest() == job.result["sha256"]
            assert len(xspf.read(data).tracks) == 20
        # gap-free progress streams
        retried = 0
        for job_id in all_ids:
            events = await queue.events(job_id, limit=10_000)
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert events[0].type == "queued"
            assert events[-1].type == "succeeded"
            retried += sum(
                e.type == "retrying" and e.data.get("reason") == "lease_expired" for e in events
            )
            if job_id in step_ids:
                done = [e.data["done"] for e in events if e.type == "progress"]
                assert done == list(range(1, STEPS + 1))
        # (a job seen running just before a kill may have finished before the kill landed)
        assert retried >= KILLS // 2, "kills hardly interrupted anything"
        # ... and the same streams as an API process serves them (Server-Sent Events)
        await _check_streams(aiohttp_client, url, tmp_path, owner, rng.sample(step_ids, 5))
        print(
            f"\n{kills} kills hit workers holding {interrupted} jobs; {retried} lease expiries; "
            f"{leftovers} temporary files swept; setup {started_at - setup_at:.1f} s, "
            f"kills {killed_at - started_at:.1f} s, "
            f"the rest {drained_at - killed_at:.1f} s"
        )
    finally:
        if workers is not None:
            workers.close()
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
