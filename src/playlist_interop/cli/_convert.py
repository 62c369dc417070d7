"""``playlist convert IN OUT``: any playlist file format to any other, streaming."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import attrs

from playlist_interop.cli._files import (
    STDIO,
    WarningPrinter,
    input_format,
    open_input,
    output_codec,
    print_losses,
)
from playlist_interop.codecs import Codec, Source, available_formats
from playlist_interop.model import Playlist, Track

__all__ = ["register", "run"]

# Inputs up to this size are read whole so every playlist-level field reaches the output;
# larger ones stream track by track (codecs with ``read_metadata`` always stream).
_WHOLE_READ_BYTES = 8 << 20


def register(subparsers: Any) -> None:
    """Add the ``convert`` command."""
    formats = ", ".join(available_formats())
    parser = subparsers.add_parser(
        "convert",
        help="convert a playlist file to another format",
        description=(
            "Convert a playlist file to another format. Formats come from --from/--to, else "
            f"from the file extension or the content ({formats}). Use - for stdin/stdout. "
            "Fields the target format cannot carry are listed on stderr."
        ),
    )
    parser.add_argument("input", metavar="IN", help="playlist file to read, or - for stdin")
    parser.add_argument("output", metavar="OUT", help="file to write, or - for stdout")
    parser.add_argument("--from", dest="from_format", metavar="F", help="input format")
    parser.add_argument("--to", dest="to_format", metavar="F", help="output format")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse input that breaks its format's specification instead of reading it "
        "with warnings",
    )
    parser.add_argument(
        "--profile",
        metavar="P",
        help="CSV column set to write: exportify, exportify-old, tunemymusic, soundiiz, generic",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print no warnings or summary")
    parser.set_defaults(handler=run)


def _size(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        try:
            here = stream.tell()
            end = stream.seek(0, os.SEEK_END)
            stream.seek(here)
        except (OSError, ValueError):
            return None
        return end


class _Counted:
    """Counts the tracks that pass through."""

    def __init__(self, tracks: Iterable[Track]) -> None:
        self._tracks = tracks
        self.count = 0

    def __iter__(self) -> Iterator[Track]:
        for track in self._tracks:
            self.count += 1
            yield track


def _source(
    codec: Codec,
    name: str,
    stream: BinaryIO,
    *,
    strict: bool,
    printer: WarningPrinter,
    quiet: bool,
) -> tuple[Playlist, Iterable[Track]]:
    """Playlist metadata and the tracks to write, streaming when the input is large.

    Files are handed to the codec by path (so it can use the file name, such as ``.m3u8``
    meaning UTF-8); stdin is handed over as the spooled stream.
    """
    source: Source = stream if name == STDIO else name
    read_metadata = getattr(codec, "read_metadata", None)
    if read_metadata is not None:
        metadata = read_metadata(source)
        stream.seek(0)
        return metadata, codec.iter_tracks(source, strict=strict, on_warning=printer)
    size = _size(stream)
    if size is not None and size <= _WHOLE_READ_BYTES:
        playlist = codec.read(source, strict=strict, on_warning=printer)
        return playlist, playlist.tracks
    if not quiet:
        print(
            f"playlist: warning: input is over {_WHOLE_READ_BYTES >> 20} MiB; streaming it "
            f"without {codec.name} playlist-level fields (name, description)",
            file=sys.stderr,
        )
    return Playlist(), codec.iter_tracks(source, strict=strict, on_warning=printer)


@contextlib.contextmanager
def _open_output(name: str) -> Iterator[BinaryIO]:
    """stdout, or a temporary file renamed over ``name`` only when writing succeeded."""
    if name == STDIO:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(directory):
        raise FileNotFoundError(2, "No such directory", directory)
    if os.path.isdir(name):
        raise IsADirectoryError(21, "Is a directory", name)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
        "wb", dir=directory, prefix=".playlist-", suffix=".tmp", delete=False
    )
    try:
        with handle:
            yield handle  # type: ignore[misc]
        os.replace(handle.name, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def run(args: argparse.Namespace) -> int:
    """Convert ``args.input`` to ``args.output``; returns the exit code."""
    printer = WarningPrinter(limit=0 if args.quiet else 20)
    target = output_codec(args.output, args.to_format, args.profile)
    with open_input(args.input) as stream:
        source = input_format(args.input, stream, args.from_format)
        metadata, tracks = _source(
            source, args.input, stream, strict=args.strict, printer=printer, quiet=args.quiet
        )
        # The input's own path is not where the converted playlist lives.
        metadata = attrs.evolve(metadata, location=None, tracks=())
        counted = _Counted(tracks)
        with _open_output(args.output) as out:
            losses = target.write_stream(metadata, counted, out)
    if not args.quiet:
        printer.finish()
        print_losses(losses, target.name)
        print(
            f"playlist: converted {counted.count} tracks from {source.name} to {target.name}",
            file=sys.stderr,
        )
    return 0
