"""Decoding line-based playlist text: BOMs, UTF-8/UTF-16/UTF-32, legacy 8-bit, CR/LF/CRLF.

Shared by the text codecs (M3U, PLS, CSV). The API is small on purpose:

- :func:`iter_lines` streams ``(line_number, text)`` pairs from a binary stream with
  bounded memory: it reads fixed-size chunks, never the whole file.
- :func:`head_text` decodes the first bytes of a file for sniffers.
- :func:`decode_legacy` decodes bytes as Windows-1252 (Latin-1 for the five bytes
  Windows-1252 leaves undefined), the usual encoding of old ``.m3u`` and ``.pls`` files.
- :func:`find_control` finds a control character that has no place in playlist text;
  :func:`iter_line_batches` tells with each batch whether any of its lines may have one.

Encoding rules of :func:`iter_lines`:

1. A byte order mark decides: UTF-8, UTF-16 LE/BE or UTF-32 LE/BE (the mark is dropped).
2. Without a mark, NUL bytes in every other position of the first bytes mean UTF-16
   without a mark; any other NUL byte in the first chunk means binary data, which is
   refused with :class:`~playlist_interop.errors.PlaylistFormatError`.
3. Otherwise each line is UTF-8 when it decodes as UTF-8 (valid multi-byte UTF-8 almost
   never occurs by chance in 8-bit text) and Windows-1252 otherwise. The caller hears of
   the first such line through ``on_fallback``.
4. When the encoding is declared (a BOM, or ``utf8_declared`` for ``.m3u8`` files),
   bytes that are invalid in it raise in ``strict`` mode; in lenient mode they are read
   as Windows-1252 (UTF-8) or replaced by U+FFFD (UTF-16/32) and reported through
   ``on_fallback``.

Lines end at CR, LF or CRLF, in any mix (``bytes.splitlines`` semantics: form feeds and
Unicode line separators are text, not line ends). Line numbers are 1-based.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from playlist_interop.errors import PlaylistFormatError

__all__ = [
    "MAX_LINE_BYTES",
    "decode_legacy",
    "find_control",
    "head_text",
    "iter_line_batches",
    "iter_lines",
]

MAX_LINE_BYTES = 1 << 20
"""Longest line accepted (1 MiB); longer lines raise, so memory stays bounded."""

_CHUNK = 1 << 16

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Windows-1252 for 0x80-0x9F where it defines a character; Latin-1 elsewhere.
_WINDOWS_1252 = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if byte not in {0x81, 0x8D, 0x8F, 0x90, 0x9D}
}
_LEGACY_TABLE = str.maketrans({chr(byte): char for byte, char in _WINDOWS_1252.items()})

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_TABLE = bytes(  # zero for those bytes, and CR: in a block of lines it ends one
    0 if byte in {*range(0x09), *range(0x0B, 0x0D), *range(0x0E, 0x20), 0x7F} else 1
    for byte in range(256)
)


def decode_legacy(raw: bytes) -> str:
    """Decode ``raw`` as Windows-1252, using Latin-1 for bytes Windows-1252 leaves undefined.

    Never fails: every byte maps to a character.
    """
    return raw.decode("latin-1").translate(_LEGACY_TABLE)


def find_control(text: str) -> int | None:
    """Index of the first C0 control character (other than TAB) or DEL in ``text``, if any."""
    match = _CONTROL.search(text)
    return None if match is None else match.start()


def _has_control(block: bytes) -> bool:
    """Whether a block of whole lines (UTF-8, or 8-bit text) holds what :func:`find_control`
    finds.

    One ``translate`` and one ``memchr`` over the bytes, several times faster than
    :meth:`str.isprintable`: in UTF-8, C0 controls and DEL are single bytes that no other
    character contains, Windows-1252 and Latin-1 decode those bytes to themselves and no
    other byte to them, and every CR in a block ends a line.
    """
    return b"\x00" in block.translate(_CONTROL_TABLE)


def _detect(head: bytes) -> tuple[str | None, int]:
    """(encoding or None for "UTF-8 with legacy fallback", length of the BOM)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    sample = head[:512]
    if len(sample) >= 4 and b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
            return "utf-16-le", 0
        if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
            return "utf-16-be", 0
    return None, 0


def head_text(head: bytes) -> str | None:
    """Decode the first bytes of a file for sniffing; ``None`` when they look binary.

    A truncated final character is dropped; the last line may be incomplete.
    """
    encoding, skip = _detect(head)
    body = head[skip:]
    if encoding is None:
        if b"\x00" in body:
            return None
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(body) - 3 and exc.reason == "unexpected end of data":
                return body[: exc.start].decode("utf-8")
            return decode_legacy(body)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(body)
    return None if "\x00" in text else text


def _chunks(stream: BinaryIO, first: bytes) -> Iterator[bytes]:
    if first:
        yield first
    while chunk := stream.read(_CHUNK):
        yield chunk


def _transcode(
    chunks: Iterator[bytes], encoding: str, *, strict: bool, codec: str
) -> Iterator[bytes]:
    """Re-encode UTF-16/32 chunks as UTF-8 so one line splitter serves every encoding."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict" if strict else "replace")
    try:
        for chunk in chunks:
            yield decoder.decode(chunk).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlaylistFormatError(
            f"invalid {encoding.upper()} text: {exc.reason}", codec=codec
        ) from exc


def _too_long(max_line_bytes: int, codec: str, line: int) -> PlaylistFormatError:
    return PlaylistFormatError(f"line longer than {max_line_bytes} bytes", codec=codec, line=line)


def _raw_blocks(
    chunks: Iterator[bytes], max_line_bytes: int, codec: str, delivered: Callable[[], int]
) -> Iterator[bytes]:
    """Cut chunks into blocks of whole lines, each line still ending in CR, LF or CRLF.

    Only the last block (the file's last line, when it has no line end) lacks one. A CRLF
    split across chunks stays one line end. Errors come in line order: a block is cut
    short before a line longer than ``max_line_bytes`` and the error raised after it, so
    a caller sees every line before the long one first. ``delivered()`` is the number of
    lines in the blocks yielded so far: lines are counted only for an error's number.
    """
    rest = b""
    skip_lf = False
    for chunk in chunks:
        if not chunk:
            continue
        if skip_lf:
            skip_lf = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]  # noqa: PLW2901 - the LF of a CRLF split across chunks
        data = rest + chunk if rest else chunk
        if not data:
            continue
        if b"\r" in data:
            end = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            block, rest = data[:end], data[end:]
            skip_lf = end == len(data) and data.endswith(b"\r")
        else:
            end = data.rfind(b"\n") + 1
            block, rest = data[:end], data[end:]
        if len(rest) > max_line_bytes:
            raise _too_long(max_line_bytes, codec, delivered() + _line_count(block) + 1)
        if len(block) > max_line_bytes:
            offset = 0
            for line in block.splitlines(keepends=True):
                if len(line.rstrip(b"\r\n")) > max_line_bytes:
                    if offset:
                        yield block[:offset]  # delivered() then counts its lines
                    raise _too_long(max_line_bytes, codec, delivered() + 1)
                offset += len(line)
        if block:
            yield block
    if rest:
        yield rest


def _line_count(block: bytes) -> int:
    """Lines in a block of whole lines (CR, LF and CRLF each end one)."""
    return block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")


def _split(text: str) -> list[str]:
    """Lines of ``text`` (whole lines from :func:`_raw_blocks`) without their ends.

    Only CR, LF and CRLF end lines, as in ``bytes.splitlines``; ``str.splitlines`` would
    also split at form feeds and Unicode line separators.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def iter_line_batches(
    stream: BinaryIO,
    *,
    codec: str,
    strict: bool = False,
    utf8_declared: bool = False,
    on_fallback: Callable[[int, str], None] | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[tuple[int, list[str], bool]]:
    """Yield ``(number of the first line, lines, controls)`` batches of ``stream``'s lines.

    ``controls`` is false when no line of the batch has a character :func:`find_control`
    finds, so that a caller need not look for one line by line.

    The same lines, numbers, errors and ``on_fallback`` calls as :func:`iter_lines`, in
    the same order relative to the lines (a batch ends where ``on_fallback`` is called or
    an error is raised), but decoded a block at a time: the loop over lines is the
    caller's, which is what makes the line-based codecs fast. Arguments as in
    :func:`iter_lines`.
    """
    head = stream.read(_CHUNK)
    encoding, skip = _detect(head)
    chunks = _chunks(stream, head[skip:])
    declared = utf8_declared or encoding is not None
    if encoding in {None, "utf-8"}:
        if b"\x00" in head:
            line = head[: head.index(b"\x00")].count(b"\n") + 1
            raise PlaylistFormatError(
                "binary data (NUL bytes), not a text playlist", codec=codec, line=line
            )
        replaced = False
    else:
        chunks = _transcode(chunks, encoding, strict=strict, codec=codec)
        replaced = not strict  # the decoder put U+FFFD for invalid bytes
    fallback_seen = False
    number = 1

    def delivered() -> int:  # lines in the batches so far: their blocks' lines
        return number - 1

    for block in _raw_blocks(chunks, max_line_bytes, codec, delivered):
        controls = _has_control(block)
        try:
            lines = _split(block.decode("utf-8"))
        except UnicodeDecodeError:
            lines = []
            for raw in block.splitlines():
                try:
                    lines.append(raw.decode("utf-8"))
                    continue
                except UnicodeDecodeError as exc:
                    if strict and declared:
                        if lines:
                            yield number, lines, controls
                        raise PlaylistFormatError(
                            f"invalid {(encoding or 'utf-8').upper()} text: {exc.reason}",
                            codec=codec,
                            line=number + len(lines),
                            column=exc.start + 1,
                        ) from exc
                lines.append(decode_legacy(raw))
                if not fallback_seen:
                    fallback_seen = True
                    if on_fallback is not None:
                        if len(lines) > 1:
                            yield number, lines[:-1], controls
                            number += len(lines) - 1
                            del lines[:-1]
                        on_fallback(number, "windows-1252")
        if replaced and not fallback_seen:
            first = next((i for i, line in enumerate(lines) if "\ufffd" in line), None)
            if first is not None:
                fallback_seen = True
                if on_fallback is not None:
                    if first:
                        yield number, lines[:first], controls
                        number += first
                        del lines[:first]
                    on_fallback(number, "replacement characters")
        if lines:
            yield number, lines, controls
            number += len(lines)


def iter_lines(
    stream: BinaryIO,
    *,
    codec: str,
    strict: bool = False,
    utf8_declared: bool = False,
    on_fallback: Callable[[int, str], None] | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    keep_ends: bool = False,
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for every line of ``stream``, reading it in chunks.

    Args:
        stream: Binary stream positioned at the start of the file.
        codec: Codec name for errors.
        strict: Raise on bytes that are invalid in a declared encoding (see module docs).
        utf8_declared: Treat the file as declared UTF-8 even without a BOM (``.m3u8``).
        on_fallback: Called once, with the line number and the encoding used, for the
            first line that had to be read as Windows-1252 or with replacement characters.
        max_line_bytes: Longest line accepted.
        keep_ends: Append ``"\\n"`` to every line (for :mod:`csv`, which joins quoted
            fields that span lines).

    Raises:
        PlaylistFormatError: binary data, an over-long line, or (strict) invalid text in
            a declared encoding.
    """
    batches = iter_line_batches(
        stream,
        codec=codec,
        strict=strict,
        utf8_declared=utf8_declared,
        on_fallback=on_fallback,
        max_line_bytes=max_line_bytes,
    )
    for first, lines, _ in batches:
        if keep_ends:
            for number, line in enumerate(lines, first):
                yield number, line + "\n"
        else:
            yield from enumerate(lines, first)
