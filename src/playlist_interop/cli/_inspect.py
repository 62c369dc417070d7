"""``playlist inspect FILE``: what a playlist file holds, as a summary or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from playlist_interop.cli._files import STDIO, WarningPrinter, input_format, open_input
from playlist_interop.codecs import Source
from playlist_interop.model import Playlist, make_converter

__all__ = ["register", "run", "summary_rows"]


def register(subparsers: Any) -> None:
    """Add the ``inspect`` command."""
    parser = subparsers.add_parser(
        "inspect",
        help="summarise a playlist file (or print it as JSON)",
        description="Read a playlist file and summarise it, or print the whole model as JSON.",
    )
    parser.add_argument("file", metavar="FILE", help="playlist file, or - for stdin")
    parser.add_argument("--from", dest="from_format", metavar="F", help="input format")
    parser.add_argument("--json", action="store_true", help="print the playlist model as JSON")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse input that breaks its format's specification",
    )
    parser.set_defaults(handler=run)


def _clock(milliseconds: int) -> str:
    seconds = milliseconds // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def summary_rows(playlist: Playlist, format_name: str) -> list[tuple[str, str]]:
    """The (label, value) lines of the summary."""
    tracks = playlist.tracks
    total = len(tracks)
    rows: list[tuple[str, str]] = [("Format", format_name)]
    for label, value in (
        ("Name", playlist.name),
        ("Description", playlist.description),
        ("Owner", playlist.owner),
        ("Location", playlist.location),
    ):
        if value:
            rows.append((label, value))
    rows.append(("Tracks", str(total)))
    durations = [t.duration_ms for t in tracks if t.duration_ms is not None]
    if durations:
        rows.append(("Duration", f"{_clock(sum(durations))} ({len(durations)} of {total} known)"))
    coverage = {
        "With artists": sum(1 for t in tracks if t.artists),
        "With album": sum(1 for t in tracks if t.album is not None),
        "With ISRC": sum(1 for t in tracks if t.isrc),
        "With location": sum(1 for t in tracks if t.locations),
    }
    rows.extend((label, f"{count} of {total}") for label, count in coverage.items())
    providers: Counter[str] = Counter()
    extras: Counter[str] = Counter()
    for track in tracks:
        providers.update(track.provider_ids.keys())
        extras.update(track.extras.keys())
    if providers:
        rows.append(("Provider ids", ", ".join(f"{p} {n}" for p, n in providers.most_common())))
    if extras:
        shown = ", ".join(key for key, _ in extras.most_common(8))
        more = f" (+{len(extras) - 8} more)" if len(extras) > 8 else ""
        rows.append(("Track extras", shown + more))
    if playlist.extras:
        rows.append(("Playlist extras", ", ".join(playlist.extras)))
    return rows


def run(args: argparse.Namespace) -> int:
    """Read ``args.file`` and print its summary or JSON; returns the exit code."""
    printer = WarningPrinter()
    with open_input(args.file) as stream:
        codec = input_format(args.file, stream, args.from_format)
        source: Source = stream if args.file == STDIO else args.file
        playlist = codec.read(source, strict=args.strict, on_warning=printer)
    printer.finish()
    if args.json:
        document = make_converter().unstructure(playlist)
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        return 0

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in summary_rows(playlist, codec.name):
        table.add_row(label, Text(value))  # Text: names may contain [brackets]
    if printer.count:
        table.add_row("Warnings", str(printer.count))
    Console(file=sys.stdout, highlight=False).print(table)
    return 0
