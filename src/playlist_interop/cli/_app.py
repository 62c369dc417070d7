"""Argument parsing, command dispatch and the one place errors become exit codes.

Each command lives in its own module ``_<command>.py`` exposing
``register(subparsers: argparse._SubParsersAction) -> None``; the parser it adds sets
``handler`` (a callable taking the parsed ``argparse.Namespace`` and returning an exit code,
possibly as a coroutine). Add a command by writing its module and naming it in ``_COMMANDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import sys
from collections.abc import Sequence

from playlist_interop.errors import PlaylistInteropError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILURE", "EXIT_OK", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a Unix tool killed by a closed pipe reports

# Order is the order of ``playlist --help``.
_COMMANDS: tuple[str, ...] = (
    "convert",
    "inspect",
    "providers",
    "login",
    "export",
    "match",
    "migrate",
)


def build_parser() -> argparse.ArgumentParser:
    """The full ``playlist`` parser with every command registered."""
    from playlist_interop import __version__

    parser = argparse.ArgumentParser(
        prog="playlist",
        description="Read, write, match and migrate playlists across services and files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        module = importlib.import_module(f"playlist_interop.cli._{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    except PlaylistInteropError as exc:
        print(f"playlist: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (``playlist inspect --json big.xspf | head``): stop quietly,
        # as Unix tools do, and keep the interpreter from failing to flush at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        print(
            f"playlist: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("playlist: interrupted", file=sys.stderr)
        return 130
    return int(result or EXIT_OK)
