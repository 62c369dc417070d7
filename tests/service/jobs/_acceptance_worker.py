"""A worker process for the crash test: the built-in handlers plus ``steps``.

``steps`` does ``payload["steps"]`` units of work; each unit writes one row to
``test_side_effects`` in the same fenced transaction as its checkpoint and progress event,
so a unit is either done once or not at all whatever happens to the process.

Run as ``python -m tests.service.jobs._acceptance_worker`` with the service's environment
for one worker, or with ``--zygote`` for a parent that has imported everything once and forks
a fresh worker process for every ``spawn`` line on its standard input, printing its pid (as
pre-loading servers do; a crash test that restarts workers then waits milliseconds, not the
seconds an import takes on a busy machine).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from playlist_service.settings import Settings
from playlist_service.worker import JobContext, WorkerOptions, run_worker
from playlist_service.worker.handlers import builtin_handlers

side_effects = sa.Table(
    "test_side_effects",
    sa.MetaData(),
    sa.Column("job_id", sa.String(40), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("worker", sa.String(128), nullable=False),
)


async def steps(context: JobContext) -> Mapping[str, Any]:
    """Checkpointed multi-step work with one side-effect row per step."""
    total = int(context.job.payload["steps"])
    pause = float(context.job.payload.get("pause", 0.05))
    checkpoint = await context.load_checkpoint("steps") or {"done": 0}
    for step in range(int(checkpoint["done"]), total):
        await asyncio.sleep(pause)
        async with context.transaction() as tx:
            await tx.connection.execute(
                side_effects.insert().values(
                    job_id=context.job.id, step=step, worker=context.lease.worker_id
                )
            )
            await tx.save_checkpoint("steps", {"done": step + 1})
            await tx.emit(
                "progress", {"done": step + 1, "total": total}, progress=(step + 1, total)
            )
    return {"steps": total}


def main() -> None:
    """Run one worker with the environment's settings until SIGTERM."""
    handlers = {**builtin_handlers(), "steps": steps}
    asyncio.run(run_worker(Settings.from_env(), WorkerOptions.from_env(), handlers=handlers))


def zygote() -> None:
    """Fork a worker per ``spawn`` line of standard input; children are reaped automatically."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        if line.strip() != "spawn":
            continue
        pid = os.fork()
        if pid == 0:  # the worker: no event loop, thread or connection was inherited
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                main()
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    zygote() if "--zygote" in sys.argv else main()
