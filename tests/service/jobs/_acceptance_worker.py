"""A worker process for the crash test: the built-in handlers plus ``steps``.

``steps`` does ``payload["steps"]`` units of work; each unit writes one row to
``test_side_effects`` in the same fenced transaction as its checkpoint and progress event,
so a unit is either done once or not at all whatever happens to the process.

Run as ``python -m tests.service.jobs._acceptance_worker`` with the service's environment.
"""

from __future__ import annotations

import asyncio
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


if __name__ == "__main__":
    main()
