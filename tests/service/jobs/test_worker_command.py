"""``playlist-service worker``: a separate process that runs jobs and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from playlist_interop.model import Playlist, Track, make_converter
from playlist_service.queue import JobState, SqlJobQueue
from playlist_service.store import create_engine, upgrade

REPO = Path(__file__).resolve().parents[3]


async def test_worker_process_runs_jobs_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.sqlite3'}"
    engine = create_engine(url)
    await upgrade(engine)
    queue = SqlJobQueue(engine)
    document = make_converter().unstructure(
        Playlist(name="Mix", tracks=[Track("One", locations=["one.mp3"])])
    )
    job = await queue.enqueue("export", {"source": {"playlist": document}, "format": "pls"})
    env = {
        **os.environ,
        "PLAYLIST_SERVICE_DATA_DIR": str(tmp_path),
        "PLAYLIST_SERVICE_DATABASE_URL": url,
        "PLAYLIST_SERVICE_WORKER_POLL_SECONDS": "0.05",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "playlist_service",
        "worker",
        "--concurrency",
        "2",
        env=env,
        cwd=REPO,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(300):
            done = await queue.get(job.id)
            if done.state.terminal:
                break
            await asyncio.sleep(0.05)
        assert done.state is JobState.SUCCEEDED, done.error
        assert done.result is not None
        blob = tmp_path / "blobs" / done.result["blob_key"]
        assert blob.read_bytes().startswith(b"[playlist]")
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, stderr.decode()
        assert b"worker stopped" in stderr
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await engine.dispose()
