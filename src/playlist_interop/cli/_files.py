"""What the file commands share: opening inputs (``-`` is stdin), formats, warnings."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from playlist_interop.codecs import Codec, FormatWarning, Loss, detect_format, get_codec
from playlist_interop.errors import UnsupportedFormatError

__all__ = [
    "STDIO",
    "WarningPrinter",
    "input_format",
    "open_input",
    "output_codec",
    "print_losses",
]

STDIO = "-"
"""The file name that means stdin (as input) or stdout (as output)."""

_SPOOL_BYTES = 16 << 20
_HEAD_BYTES = 4096


@contextlib.contextmanager
def open_input(name: str) -> Iterator[BinaryIO]:
    """Open ``name`` for binary reading; stdin is spooled so it can be read twice.

    Raises:
        OSError: the file cannot be opened.
    """
    if name == STDIO:
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            stdin = sys.stdin.buffer
            while chunk := stdin.read(1 << 16):
                spool.write(chunk)
            spool.seek(0)
            yield spool  # type: ignore[misc]
        return
    if os.path.isdir(name):
        raise IsADirectoryError(21, "Is a directory", name)
    with open(name, "rb") as handle:
        yield handle


def input_format(name: str, stream: BinaryIO, given: str | None) -> Codec:
    """The codec for an input: ``given``, else detected from the name and first bytes."""
    if given:
        return get_codec(given)
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    if not head:
        raise UnsupportedFormatError("input is empty", codec="detect")
    filename = None if name == STDIO else name
    return get_codec(detect_format(filename=filename, head=head))


def output_codec(name: str, given: str | None, profile: str | None) -> Codec:
    """The codec for an output: ``given``, else from the file extension."""
    if given:
        codec = get_codec(given)
    elif name == STDIO:
        raise UnsupportedFormatError(
            "name the output format with --to when writing to stdout", codec="detect"
        )
    else:
        extension = os.path.splitext(name)[1]
        if not extension:
            raise UnsupportedFormatError(
                f"cannot tell the output format of {name!r} (no extension); use --to",
                codec="detect",
            )
        codec = get_codec(detect_format(filename=name))
    if profile is not None:
        with_profile = getattr(codec, "with_profile", None)
        if with_profile is None:
            raise UnsupportedFormatError(
                f"--profile applies to CSV output, not {codec.name}", codec=codec.name
            )
        try:
            codec = with_profile(profile)
        except ValueError as exc:
            raise UnsupportedFormatError(str(exc), codec=codec.name) from None
    return codec


class WarningPrinter:
    """Prints read warnings to stderr, up to a limit, then counts the rest."""

    def __init__(self, stream: TextIO | None = None, limit: int = 20) -> None:
        self._stream = stream
        self.limit = limit
        self.count = 0

    def __call__(self, warning: FormatWarning) -> None:
        self.count += 1
        if self.count <= self.limit:
            print(f"playlist: warning: {warning}", file=self._stream or sys.stderr)

    def finish(self) -> None:
        """Say how many warnings were not shown."""
        if self.count > self.limit:
            hidden = self.count - self.limit
            print(
                f"playlist: warning: ... and {hidden} more warnings",
                file=self._stream or sys.stderr,
            )


def print_losses(losses: tuple[Loss, ...], target: str, stream: TextIO | None = None) -> None:
    """One warning line per field the target format could not carry.

    Many dropped extras with the same reason share one line so the list stays readable.
    """
    out = stream or sys.stderr
    extras: dict[tuple[str, int], list[str]] = {}
    for loss in losses:
        if loss.field.startswith(("extras.", "playlist.extras.")):
            extras.setdefault((loss.reason, loss.tracks), []).append(loss.field)
    grouped = {field for fields in extras.values() if len(fields) > 3 for field in fields}
    for loss in losses:
        if loss.field not in grouped:
            print(
                f"playlist: warning: {target} cannot carry {loss.field}{_tracks(loss.tracks)}: "
                f"{loss.reason}",
                file=out,
            )
    for (reason, tracks), fields in extras.items():
        if len(fields) > 3:
            names = ", ".join(field.split(".", 1)[1] for field in fields[:4])
            print(
                f"playlist: warning: {target} cannot carry {len(fields)} extras "
                f"({names}, ...){_tracks(tracks)}: {reason}",
                file=out,
            )


def _tracks(count: int) -> str:
    if not count:
        return ""
    return " (1 track)" if count == 1 else f" ({count} tracks)"
