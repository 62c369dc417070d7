"""Job throughput and latency: embedded (SQLite, worker in-process) and scale-out (PostgreSQL).

Run: ``.venv/bin/python benchmarks/jobs.py`` (options: ``--jobs``, ``--tracks``,
``--latency-samples``, ``--workers``, ``--skip-postgres``).

- **Export throughput**: ``--jobs`` export jobs (a ``--tracks``-entry playlist to XSPF, each
  written to the local blob store) are queued, then drained; jobs/s and MB/s of artifacts.
  Embedded: one worker with concurrency 4 in this process, on SQLite. PostgreSQL:
  ``--workers`` separate ``playlist-service worker`` processes (concurrency 4 each).
- **Job latency**: with the workers idle, one job at a time is queued and timed from the
  enqueue to its ``started`` event (pick-up) and to its ``succeeded`` event (done); p50/p95.
  Embedded, the enqueue wakes the worker (as the API does); separate workers find the job
  on their next poll (``PLAYLIST_SERVICE_WORKER_POLL_SECONDS``, 0.5 s by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from playlist_interop.model import ArtistCredit, Playlist, Track, make_converter
from playlist_service.blobs import LocalBlobStore
from playlist_service.queue import JobState, SqlJobQueue
from playlist_service.store import create_engine, upgrade
from playlist_service.worker import HandlerServices, Worker, WorkerOptions
from playlist_service.worker.handlers import builtin_handlers

REPO = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get(
    "PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def playlist_document(tracks: int) -> dict[str, Any]:
    playlist = Playlist(
        name="Benchmark mix",
        tracks=[
            Track(
                title=f"Song {i}",
                artists=[ArtistCredit(name=f"Artist {i % 40}")],
                duration_ms=180_000 + i,
                locations=[f"file:///music/{i}.flac"],
            )
            for i in range(tracks)
        ],
    )
    document: dict[str, Any] = make_converter().unstructure(playlist)
    return document


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def wait_all(queue: SqlJobQueue, ids: list[str], limit_seconds: float = 600) -> None:
    deadline = time.monotonic() + limit_seconds
    pending = set(ids)
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} jobs unfinished")
        for job_id in list(pending):
            job = await queue.get(job_id)
            if job.state.terminal:
                if job.state is not JobState.SUCCEEDED:
                    raise RuntimeError(f"job {job_id} ended {job.state}: {job.error}")
                pending.discard(job_id)
        if pending:
            await asyncio.sleep(0.05)


async def enqueue_exports(queue: SqlJobQueue, document: dict[str, Any], jobs: int) -> list[str]:
    """Queue ``jobs`` exports; their ids."""
    return [
        (await queue.enqueue("export", {"source": {"playlist": document}, "format": "xspf"})).id
        for _ in range(jobs)
    ]


async def latency(
    queue: SqlJobQueue, document: dict[str, Any], samples: int, worker: Worker | None
) -> tuple[list[float], list[float]]:
    pickup, total = [], []
    for _ in range(samples):
        job = await queue.enqueue("export", {"source": {"playlist": document}, "format": "xspf"})
        if worker is not None:
            worker.notify()
        await wait_all(queue, [job.id])
        events = {e.type: e.at for e in await queue.events(job.id)}
        queued_at = events["queued"]
        pickup.append((events["started"] - queued_at).total_seconds())
        total.append((events["succeeded"] - queued_at).total_seconds())
        await asyncio.sleep(0.05)
    return pickup, total


async def artifact_bytes(queue: SqlJobQueue, ids: list[str]) -> int:
    size = 0
    for job_id in ids:
        job = await queue.get(job_id)
        assert job.result is not None
        size += int(job.result["size"])
    return size


async def embedded(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'embedded.sqlite3'}")
    await upgrade(engine)
    queue = SqlJobQueue(engine)
    services = HandlerServices(
        queue=queue,
        blobs=LocalBlobStore(workdir / "blobs-embedded"),
        options=WorkerOptions(concurrency=4),
    )
    document = playlist_document(args.tracks)
    worker = Worker(services, builtin_handlers())
    ids = await enqueue_exports(queue, document, args.jobs)
    began = time.perf_counter()
    worker.start()
    await wait_all(queue, ids)
    seconds = time.perf_counter() - began
    size = await artifact_bytes(queue, ids)
    pickup, total = await latency(queue, document, args.latency_samples, worker)
    await worker.stop()
    await engine.dispose()
    return {"seconds": seconds, "bytes": size, "pickup": pickup, "total": total}


async def postgres(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    import asyncpg

    name = f"jobs_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}"
    engine = create_engine(url)
    processes: list[asyncio.subprocess.Process] = []
    try:
        await upgrade(engine)
        queue = SqlJobQueue(engine)
        document = playlist_document(args.tracks)
        ids = await enqueue_exports(queue, document, args.jobs)
        env = {
            **os.environ,
            "PLAYLIST_SERVICE_DATA_DIR": str(workdir),
            "PLAYLIST_SERVICE_DATABASE_URL": url,
            "PLAYLIST_SERVICE_BLOB_URL": (workdir / "blobs-pg").as_uri(),
            "PLAYLIST_SERVICE_WORKER_CONCURRENCY": "4",
        }
        # secrets generated once, before the workers start
        await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-c",
                "from playlist_service.settings import Settings as S; S.from_env()",
            ],
            env=env,
            check=True,
        )
        began = time.perf_counter()
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "playlist_service",
                "--log-level",
                "WARNING",
                "worker",
                env=env,
                cwd=REPO,
            )
            for _ in range(args.workers)
        ]
        await wait_all(queue, ids)
        seconds = time.perf_counter() - began
        size = await artifact_bytes(queue, ids)
        pickup, total = await latency(queue, document, args.latency_samples, None)
        return {"seconds": seconds, "bytes": size, "pickup": pickup, "total": total}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), 30)
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def report(label: str, jobs: int, figures: dict[str, Any]) -> str:
    rate = jobs / figures["seconds"]
    mb = figures["bytes"] / 1e6 / figures["seconds"]
    pickup_ms = [v * 1000 for v in figures["pickup"]]
    total_ms = [v * 1000 for v in figures["total"]]
    return (
        f"| {label:<38} | {rate:8.1f} | {mb:6.2f} | {statistics.median(pickup_ms):7.1f} | "
        f"{percentile(pickup_ms, 0.95):7.1f} | {statistics.median(total_ms):7.1f} | "
        f"{percentile(total_ms, 0.95):7.1f} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--tracks", type=int, default=100)
    parser.add_argument("--latency-samples", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows.append(
            report("embedded: SQLite, 1 worker x 4", args.jobs, await embedded(args, workdir))
        )
        if not args.skip_postgres:
            label = f"PostgreSQL, {args.workers} worker processes x 4"
            rows.append(report(label, args.jobs, await postgres(args, workdir)))
    print(f"\n{args.jobs} export jobs ({args.tracks}-track playlist -> XSPF -> local blob store)\n")
    print(
        "| setup                                  |   jobs/s |   MB/s | pick-up | pick-up |"
        "    done |    done |"
    )
    print(
        "|                                        |          |        | p50 ms  | p95 ms  |"
        " p50 ms  | p95 ms  |"
    )
    print("|" + "|".join("-" * w for w in (40, 10, 8, 9, 9, 9, 9)) + "|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    asyncio.run(main())
