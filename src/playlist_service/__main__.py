"""``playlist-service``: run the API (default), migrate the database, rotate keys.

``main()`` only reads settings and runs; everything else lives in the modules it calls::

    playlist-service                 # = serve
    playlist-service serve --demo    # with loopback provider emulators, no credentials
    playlist-service migrate-db      # apply pending schema migrations and exit
    playlist-service rotate-keys     # re-encrypt provider tokens under the current key
    playlist-service worker          # a job worker process (PLAYLIST_SERVICE_WORKER=external)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from playlist_service.settings import Settings, SettingsError

__all__ = ["main"]

Command = Callable[[Settings, argparse.Namespace], int]


def _print_to_stderr(text: object) -> None:
    sys.stderr.write(f"{text}\n")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from playlist_service._loop import loop_factory
    from playlist_service.app import create_app
    from playlist_service.logging import AccessLogger, configure_logging

    configure_logging(args.log_level)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log_class=AccessLogger,
        print=_print_to_stderr,
        loop=loop_factory(settings.event_loop)(),
    )
    return 0


async def _migrate(settings: Settings, revision: str) -> tuple[str | None, str | None]:
    from playlist_service.store import create_engine, current_revision, upgrade

    engine = create_engine(settings.database_url)
    try:
        before = await current_revision(engine)
        await upgrade(engine, revision, time_limit=settings.migration_timeout)
        return before, await current_revision(engine)
    finally:
        await engine.dispose()


def _migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    before, after = asyncio.run(_migrate(settings, args.revision))
    sys.stdout.write(f"database schema: {before or 'empty'} -> {after}\n")
    return 0


async def _rotate(settings: Settings, batch: int, max_rows: int | None) -> str:
    from playlist_service.crypto import KeyRing, rotate
    from playlist_service.store import create_engine

    engine = create_engine(settings.database_url)
    try:
        report = await rotate(engine, KeyRing(settings.token_keys), batch=batch, max_rows=max_rows)
    finally:
        await engine.dispose()
    return (
        f"re-encrypted {report.reencrypted} secrets under key {report.current_key!r}; "
        f"{report.failed} could not be decrypted"
    )


def _rotate_keys(settings: Settings, args: argparse.Namespace) -> int:
    if args.new_key:
        import base64

        from playlist_service.crypto import KeyRing

        key = base64.b64encode(KeyRing.generate_key()).decode()
        sys.stdout.write(
            "new key (put it FIRST in PLAYLIST_SERVICE_TOKEN_KEYS, keep the old ones after it,\n"
            "restart the API, then run rotate-keys again):\n"
            f"{args.new_key}:{key}\n"
        )
        return 0
    sys.stdout.write(asyncio.run(_rotate(settings, args.batch, args.max_rows)) + "\n")
    return 0


def _rotate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=int, default=200, help="rows per transaction")
    parser.add_argument("--max-rows", type=int, help="stop after this many accounts")
    parser.add_argument(
        "--new-key", metavar="KEY_ID", help="print a fresh key entry with this id and exit"
    )


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    import attrs

    from playlist_service._loop import loop_factory
    from playlist_service.logging import configure_logging
    from playlist_service.worker import WorkerOptions, run_worker

    configure_logging(args.log_level)
    options = WorkerOptions.from_env()
    if args.concurrency:
        options = attrs.evolve(options, concurrency=args.concurrency)
    with asyncio.Runner(loop_factory=loop_factory(settings.event_loop)) as runner:
        runner.run(run_worker(settings, options))
    return 0


def _engine_command(settings: Settings, work: Callable[[Any], Any]) -> Any:
    from playlist_service.store import create_engine

    async def run() -> Any:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from playlist_service.ops import backup

    counts = _engine_command(settings, lambda engine: backup(engine, Path(args.path)))
    sys.stdout.write(
        f"backed up {sum(counts.values())} rows of {len(counts)} tables to {args.path}\n"
    )
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from playlist_service.ops import BackupError, restore

    try:
        counts = _engine_command(settings, lambda engine: restore(engine, Path(args.path)))
    except BackupError as exc:
        sys.stderr.write(f"playlist-service: restore refused: {exc}\n")
        return 2
    sys.stdout.write(f"restored {sum(counts.values())} rows into {len(counts)} tables\n")
    return 0


def _cleanup(settings: Settings, args: argparse.Namespace) -> int:
    import datetime as dt

    from playlist_service.ops import cleanup
    from playlist_service.worker import open_blobs

    report = _engine_command(
        settings,
        lambda engine: cleanup(
            engine,
            open_blobs(settings),
            job_retention=dt.timedelta(days=args.job_retention_days),
        ),
    )
    sys.stdout.write(" ".join(f"{n}={c}" for n, c in report.as_dict().items()) + "\n")
    return 0


# name -> (help, run, add arguments); the jobs worker registers "worker" here.
_COMMANDS: dict[str, tuple[str, Command, Callable[[argparse.ArgumentParser], Any]]] = {
    "serve": ("run the HTTP API (default)", _serve, lambda p: None),
    "migrate-db": (
        "apply pending database migrations and exit",
        _migrate_db,
        lambda p: p.add_argument("--revision", default="head", help="target (default: head)"),
    ),
    "rotate-keys": (
        "re-encrypt stored provider tokens under the current key (resumable)",
        _rotate_keys,
        _rotate_arguments,
    ),
    "backup": (
        "write a portable backup of the database (gzip JSON lines) and exit",
        _backup,
        lambda p: p.add_argument("path", help="backup file to write"),
    ),
    "restore": (
        "load a backup into an empty database migrated to the backup's revision",
        _restore,
        lambda p: p.add_argument("path", help="backup file to read"),
    ),
    "cleanup": (
        "delete expired sessions, refresh tokens, login attempts, idempotency keys, old jobs",
        _cleanup,
        lambda p: p.add_argument(
            "--job-retention-days", type=float, default=30.0, help="keep finished jobs (30)"
        ),
    ),
    "worker": (
        "run a job worker process (stops gracefully on SIGTERM)",
        _worker,
        lambda p: p.add_argument(
            "--concurrency", type=int, help="jobs at once (PLAYLIST_SERVICE_WORKER_CONCURRENCY)"
        ),
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="playlist-service", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start loopback provider emulators so you can sign in without credentials",
    )
    parser.add_argument("--host", help="listen address (PLAYLIST_SERVICE_HOST)")
    parser.add_argument("--port", type=int, help="listen port (PLAYLIST_SERVICE_PORT)")
    parser.add_argument("--log-level", default="INFO", help="log level (default INFO)")
    sub = parser.add_subparsers(dest="command")
    for name, (help_text, _run, add_arguments) in _COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Read settings from the environment (and a few flags) and run the chosen command."""
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.demo:
        overrides["demo"] = True
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    try:
        settings = Settings.from_env(**overrides)
    except SettingsError as exc:
        sys.stderr.write(f"playlist-service: bad settings: {exc}\n")
        return 2
    command = args.command or "serve"
    return _COMMANDS[command][1](settings, args)


if __name__ == "__main__":
    sys.exit(main())
