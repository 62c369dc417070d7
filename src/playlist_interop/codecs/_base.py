"""What every codec is: the ``Codec`` protocol, read warnings and the loss report."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, Generic, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.model._track import EMPTY_MAPPING, assemble_album

__all__ = [
    "Codec",
    "FormatWarning",
    "Loss",
    "Source",
    "WarningHandler",
    "WriteResult",
    "emit_warning",
    "open_source",
]

_K = TypeVar("_K")
_V = TypeVar("_V")

Source: TypeAlias = "str | os.PathLike[str] | bytes | BinaryIO"
"""What a codec reads: a path (``str`` or ``PathLike``), the file's bytes, or a binary stream."""


class FormatWarning(UserWarning):
    """Something in a playlist file was wrong but could be read in lenient mode.

    Attributes:
        codec: Name of the codec.
        line: 1-based line, when known.
        column: 1-based column, when known.
        reason: The message without the position prefix.
    """

    def __init__(
        self, reason: str, *, codec: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.codec = codec
        self.line = line
        self.column = column
        self.reason = reason
        where = codec if line is None else f"{codec} line {line}"
        if line is not None and column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {reason}")


WarningHandler: TypeAlias = Callable[[FormatWarning], None]
"""Receives each :class:`FormatWarning` of a lenient read."""


def emit_warning(warning: FormatWarning, handler: WarningHandler | None) -> None:
    """Hand ``warning`` to ``handler``, or to :func:`warnings.warn` when there is none."""
    if handler is not None:
        handler(warning)
    else:
        warnings.warn(warning, stacklevel=3)


@attrs.frozen
class Loss:
    """One kind of information a target format cannot carry."""

    field: str
    """Model field (``"isrc"``, ``"playlist.description"``, ``"extras.spotify_popularity"``)."""
    tracks: int
    """How many tracks had a value there (0 for playlist-level fields)."""
    reason: str = "not representable in the target format"
    """Why it was dropped."""


@attrs.frozen
class WriteResult:
    """The output of :meth:`Codec.write` and what it could not carry."""

    data: bytes
    """The encoded playlist."""
    losses: tuple[Loss, ...] = ()
    """Every field that had values but is not in ``data``; empty when lossless."""

    @property
    def lossless(self) -> bool:
        """True when nothing was dropped."""
        return not self.losses


@runtime_checkable
class Codec(Protocol):
    """A playlist file format.

    Codecs are synchronous: they turn bytes into model objects and back, with no I/O
    beyond the stream they are given.
    """

    name: str
    """Short name used on the command line (``"m3u"``, ``"xspf"``)."""
    extensions: tuple[str, ...]
    """File name endings without the dot, lower case (``("m3u", "m3u8")``)."""
    media_types: tuple[str, ...]
    """MIME types of the format."""

    def read(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Playlist:
        """Read a whole playlist.

        Raises:
            PlaylistFormatError: the input is not a readable playlist of this format (in
                strict mode: anything the format's specification forbids).
        """
        ...

    def iter_tracks(
        self, source: Source, *, strict: bool = False, on_warning: WarningHandler | None = None
    ) -> Iterator[Track]:
        """Yield tracks one by one with bounded memory."""
        ...

    def write(self, playlist: Playlist) -> WriteResult:
        """Encode ``playlist``; the result lists every field that could not be written."""
        ...

    def write_stream(
        self, playlist: Playlist, tracks: Iterable[Track], out: BinaryIO
    ) -> tuple[Loss, ...]:
        """Write ``playlist``'s metadata with ``tracks`` (not ``playlist.tracks``) to ``out``.

        Used to convert huge playlists with bounded memory. Returns the losses.
        """
        ...

    def sniff(self, head: bytes) -> float:
        """Confidence from 0.0 to 1.0 that ``head`` (the first bytes of a file) is this format."""
        ...


@contextlib.contextmanager
def open_source(source: Source) -> Iterator[BinaryIO]:
    """Open any :data:`Source` as a binary stream (closing it afterwards if we opened it)."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(source))
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle
    else:
        yield source


def write_in_memory(
    write_stream: Callable[[Playlist, Iterable[Track], BinaryIO], tuple[Loss, ...]],
    playlist: Playlist,
) -> WriteResult:
    """A codec's ``write``: its ``write_stream`` of the whole playlist into memory."""
    out = io.BytesIO()
    losses = write_stream(playlist, playlist.tracks, out)
    return WriteResult(data=out.getvalue(), losses=losses)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a whole playlist is read into memory.

    A read makes hundreds of thousands of objects that all survive it and hold no cycles;
    the collector would scan them again and again as they pile up (a quarter of a large
    read's time). Re-enabled as is, its first pass would still walk them all: freezing and
    unfreezing moves them straight to the oldest generation instead, where full
    collections still see them. Skipped when something else has frozen objects (it expects
    them to stay frozen), and the collector is left off if it was off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


class BuiltOnLookup(dict[_K, _V], Generic[_K, _V]):
    """Values built from their key on first look-up; at most ``limit`` are kept.

    For values a read shares between its tracks (artist credits, albums): immutable and
    equal by value, so sharing changes nothing but time and memory. Look-ups are plain
    subscripts (``map(memo.__getitem__, keys)`` runs in C); a miss builds the value, and
    past ``limit`` entries the memory starts afresh, so ever new keys stay bounded. A key
    ``keep`` refuses (a long cell, say) is built every time instead of kept. An exception
    from ``build`` propagates and nothing is kept.
    """

    def __init__(
        self,
        build: Callable[[_K], _V],
        limit: int,
        keep: Callable[[_K], bool] | None = None,
    ) -> None:
        super().__init__()
        self._build = build
        self._limit = limit
        self._keep = keep

    def __missing__(self, key: _K) -> _V:
        value = self._build(key)
        if self._keep is None or self._keep(key):
            if len(self) >= self._limit:
                self.clear()
            self[key] = value
        return value


def sole_credit(name: str | None) -> tuple[ArtistCredit, ...]:
    """The credits of a track by one artist: ``(ArtistCredit(name),)``, ``()`` for none."""
    return (ArtistCredit(name),) if name else ()


def plain_album(title: str) -> Album:
    """``Album(title)``, without the constructor's converters."""
    return assemble_album(title, (), None, None, EMPTY_MAPPING, None, ())
