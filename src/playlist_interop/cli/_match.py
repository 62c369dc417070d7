"""``playlist match FILE --to PROVIDER``: find every entry of a playlist file at a service.

Nothing is written at the provider: this is the matching part of ``playlist migrate`` with
a report of each decision (matched, uncertain with a suggestion, unmatched with reasons).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from playlist_interop.cli._login import open_provider
from playlist_interop.cli._migrate import ProgressDisplay, corrections_store, print_report
from playlist_interop.migrate import PlaylistFile, ProviderPlaylist, migrate

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``match`` command."""
    parser = subparsers.add_parser(
        "match",
        help="find the tracks of a playlist file at a music service (changes nothing)",
        description=(
            "Match every entry of FILE at PROVIDER: by ISRC first, then by title, artists and "
            "length, never taking a live, remix, cover or other version for the original. "
            "Prints a table of the entries that need attention and, with --json, every "
            "decision with its reasons."
        ),
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--to", dest="provider", required=True, metavar="PROVIDER")
    parser.add_argument("--from", dest="from_format", metavar="F", help="file format")
    parser.add_argument("--json", metavar="PATH", help="write the full report as JSON (- stdout)")
    parser.add_argument("--corrections", metavar="PATH", help="remembered corrections file")
    parser.add_argument("--all", action="store_true", help="list matched tracks in the table too")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


async def _match(args: argparse.Namespace) -> int:
    source = PlaylistFile(Path(args.file), args.from_format)
    async with open_provider(args.provider) as provider:
        with ProgressDisplay(enabled=not args.quiet) as display:
            report = await migrate(
                source,
                ProviderPlaylist(provider),
                dry_run=True,
                progress=display,
                corrections=corrections_store(args.corrections),
            )
    print_report(report, show_matched=args.all, json_path=args.json)
    return 0


def run(args: argparse.Namespace) -> Any:
    """The ``match`` handler (a coroutine the dispatcher runs)."""
    if not os.path.exists(args.file):
        raise FileNotFoundError(2, "No such file or directory", args.file)
    return _match(args)
