"""``playlist migrate SRC DST``: copy a playlist between files and music services.

SRC is a playlist file or ``PROVIDER:PLAYLIST_ID``; DST is a file, a provider name (a new
playlist is created) or ``PROVIDER:PLAYLIST_ID`` (entries are appended). A checkpoint is kept
under the config directory so an interrupted run continues with ``--resume``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from playlist_interop.cli._export import parse_reference
from playlist_interop.cli._login import config_dir, open_provider
from playlist_interop.errors import MigrationCancelled
from playlist_interop.matching import JsonFileCorrectionStore
from playlist_interop.migrate import (
    JsonFileCheckpointStore,
    MigrationReport,
    PlaylistFile,
    ProgressEvent,
    ProviderPlaylist,
    migrate,
)
from playlist_interop.providers import available_providers

__all__ = ["ProgressDisplay", "corrections_store", "print_report", "register", "run"]

_STAGES = {
    "read": "Reading",
    "match": "Matching",
    "create": "Creating",
    "add": "Adding",
}


class ProgressDisplay:
    """A rich progress bar per migration stage, on stderr; a :class:`ProgressSink`."""

    def __init__(self, *, enabled: bool = True) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        """Show ``event``."""
        label = _STAGES.get(event.stage)
        if label is None:
            return
        task = self.tasks.get(event.stage)
        if task is None:
            task = self.progress.add_task(label, total=max(event.total, 1))
            self.tasks[event.stage] = task
        self.progress.update(task, completed=event.done, total=max(event.total, 1))


def corrections_store(path: str | None) -> JsonFileCorrectionStore:
    """The user's remembered corrections (``--corrections`` or the config directory's)."""
    return JsonFileCorrectionStore(Path(path) if path else config_dir() / "corrections.json")


def _is_provider_ref(text: str) -> bool:
    name, sep, rest = text.partition(":")
    return bool(sep and rest and name in available_providers() and not os.path.exists(text))


def _is_provider_name(text: str) -> bool:
    return text in available_providers() and not os.path.exists(text)


@contextlib.asynccontextmanager
async def _endpoint(text: str, *, target: bool, args: argparse.Namespace) -> AsyncIterator[Any]:
    """A migration endpoint for ``text`` (a provider is signed in for the duration)."""
    if _is_provider_ref(text):
        name, playlist_id = parse_reference(text)
        async with open_provider(name) as provider:
            yield ProviderPlaylist(provider, playlist_id, name=args.name, public=args.public)
        return
    if target and _is_provider_name(text):
        async with open_provider(text) as provider:
            yield ProviderPlaylist(provider, None, name=args.name, public=args.public)
        return
    yield PlaylistFile(Path(text), getattr(args, "from_format", None) if not target else None)


def print_report(report: MigrationReport, *, show_matched: bool, json_path: str | None) -> None:
    """The summary table on stderr; the full JSON report to ``json_path`` (``-``: stdout)."""
    from rich.console import Console

    console = Console(stderr=True)
    console.print(report.table(show_matched=show_matched))
    if json_path == "-":
        sys.stdout.write(report.to_json() + "\n")
    elif json_path:
        Path(json_path).write_text(report.to_json() + "\n", encoding="utf-8")


def _checkpoints() -> JsonFileCheckpointStore:
    return JsonFileCheckpointStore(config_dir() / "migrations")


def register(subparsers: Any) -> None:
    """Add the ``migrate`` command."""
    parser = subparsers.add_parser(
        "migrate",
        help="copy a playlist between files and music services, matching every track",
        description=(
            "Copy SRC to DST. SRC is a playlist file or PROVIDER:PLAYLIST_ID; DST is a file, a "
            "provider name (creates a playlist) or PROVIDER:PLAYLIST_ID (appends). Tracks are "
            "matched by ISRC, then by title, artists and length; only confident matches are "
            "added unless --include-uncertain."
        ),
    )
    parser.add_argument("source", metavar="SRC")
    parser.add_argument("target", metavar="DST")
    parser.add_argument("--dry-run", action="store_true", help="match and report, change nothing")
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted run of the same migration"
    )
    parser.add_argument("--name", help="name of a created playlist (default: the source's)")
    parser.add_argument("--public", action="store_true", help="make a created playlist public")
    parser.add_argument(
        "--include-uncertain", action="store_true", help="also add tracks matched with doubt"
    )
    parser.add_argument("--from", dest="from_format", metavar="F", help="source file format")
    parser.add_argument("--json", metavar="PATH", help="write the full report as JSON (- stdout)")
    parser.add_argument("--corrections", metavar="PATH", help="remembered corrections file")
    parser.add_argument("--all", action="store_true", help="list matched tracks in the table too")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


async def _migrate(args: argparse.Namespace) -> int:
    store = _checkpoints()
    async with (
        _endpoint(args.source, target=False, args=args) as source,
        _endpoint(args.target, target=True, args=args) as target,
    ):
        with ProgressDisplay(enabled=not args.quiet) as display:
            try:
                report = await migrate(
                    source,
                    target,
                    dry_run=args.dry_run,
                    checkpoint=store,
                    resume=args.resume,
                    progress=display,
                    corrections=corrections_store(args.corrections),
                    include_uncertain=args.include_uncertain,
                )
            except MigrationCancelled:
                print("playlist: cancelled; continue with --resume", file=sys.stderr)
                return 1
    print_report(report, show_matched=args.all, json_path=args.json)
    where = report.target_location or report.target_playlist_id or args.target
    count = _would_add(report, args) if report.dry_run else report.added
    summary = f"{'would add' if report.dry_run else 'added'} {count}"
    note = " (resumed)" if report.resumed else ""
    print(f"playlist: {summary} of {len(report.entries)} entries to {where}{note}", file=sys.stderr)
    return 0


def _would_add(report: MigrationReport, args: argparse.Namespace) -> int:
    wanted = {"matched", "uncertain"} if args.include_uncertain else {"matched"}
    return sum(1 for entry in report.entries if entry.outcome.status in wanted)


def run(args: argparse.Namespace) -> Any:
    """The ``migrate`` handler (a coroutine the dispatcher runs)."""
    if not _is_provider_ref(args.source) and not os.path.exists(args.source):
        raise FileNotFoundError(2, "No such file or directory", args.source)
    return _migrate(args)
