"""Safe XML parsing shared by the XML codecs (XSPF, ASX, WPL).

Hostile XML never gets far:

- any document type declaration (``<!DOCTYPE ...>``) is refused before lxml sees it, because
  even with entity resolution off lxml still reads internal subsets; with no DTD there are
  no entities to expand (no "billion laughs"), no external entities and no DTD to fetch;
- the lxml parser is configured with ``resolve_entities=False``, ``no_network=True``,
  ``load_dtd=False`` and ``huge_tree=False`` as a second line of defence;
- every lxml error becomes a :class:`~playlist_interop.errors.PlaylistFormatError` with the
  line and column lxml reports.

Large files are read with :func:`iterparse`, which hands out elements as they end so a
caller can clear what it has consumed and keep memory bounded.
"""

from __future__ import annotations

import codecs as _codecs
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from lxml import etree

from playlist_interop.errors import PlaylistFormatError

__all__ = [
    "XML_NS",
    "ChainStream",
    "XmlWriter",
    "check_prolog",
    "decode_head",
    "iterparse",
    "line_of",
    "local_name",
    "namespace",
    "parse_bytes",
    "safe_parser",
    "text_of",
]

XML_NS = "http://www.w3.org/XML/1998/namespace"
"""The namespace of ``xml:base``, ``xml:lang``..."""

_PROLOG_LIMIT = 1 << 20  # a prolog (declaration, comments, PIs) longer than 1 MiB is hostile
_READ_SIZE = 1 << 16


def safe_parser() -> etree.XMLParser:
    """A fresh lxml parser that never loads a DTD, expands an entity or uses the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def decode_head(head: bytes) -> str:
    """Decode the first bytes well enough to find markup (not to read text)."""
    if head.startswith((_codecs.BOM_UTF32_LE, _codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif head.startswith((_codecs.BOM_UTF16_LE, _codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif head.startswith(b"<\x00\x00\x00"):
        encoding = "utf-32-le"
    elif head.startswith(b"\x00\x00\x00<"):
        encoding = "utf-32-be"
    elif head.startswith((b"<\x00?\x00", b"<\x00!\x00")):
        encoding = "utf-16-le"
    elif head.startswith((b"\x00<\x00?", b"\x00<\x00!")):
        encoding = "utf-16-be"
    elif head.startswith(_codecs.BOM_UTF8):
        return head[3:].decode("latin-1")
    else:
        # Every other encoding XML allows is ASCII-compatible for markup characters.
        return head.decode("latin-1")
    return head.decode(encoding, errors="ignore").lstrip("\ufeff")


_PI_OR_COMMENT = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)


def _prolog_verdict(text: str) -> str | None:
    """``"doctype"``, ``"ok"`` (root element reached) or ``None`` (need more text)."""
    position = 0
    while True:
        match = _PI_OR_COMMENT.match(text, position)
        if match is None:
            break
        position = match.end()
    rest = text[position:].lstrip()
    if not rest or rest in {"<", "<!", "<!-", "<?"} or rest.startswith(("<!--", "<?")):
        # Either nothing yet or an unterminated comment / PI: need more input.
        return None
    if rest.startswith("<!") or "<!" in rest[: rest.find("<") + 2]:
        return "doctype"  # also behind junk that lxml would otherwise have to judge
    return "ok"


def check_prolog(stream: BinaryIO, *, codec: str) -> bytes:
    """Read the prolog of ``stream`` and refuse any ``<!DOCTYPE``.

    Returns the bytes consumed, which the caller must parse in front of the rest of the
    stream (see :class:`ChainStream`).

    Raises:
        PlaylistFormatError: the document declares a DTD (any ``<!`` before the root element).
    """
    head = b""
    while True:
        chunk = stream.read(_READ_SIZE)
        head += chunk
        verdict = _prolog_verdict(decode_head(head))
        if verdict == "doctype":
            text = decode_head(head)
            line = text[: text.find("<!", 0) + 1].count("\n") + 1 if "<!" in text else None
            raise PlaylistFormatError(
                "document type declarations (DOCTYPE/DTD) are not allowed", codec=codec, line=line
            )
        if verdict == "ok" or not chunk:
            return head
        if len(head) > _PROLOG_LIMIT:
            raise PlaylistFormatError("XML prolog is too long", codec=codec, line=1)


class ChainStream:
    """A read-only binary stream that yields ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative)."""
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._stream.read(size)


def _format_error(
    exc: etree.LxmlError, codec: str, log: etree._ListErrorLog | None
) -> PlaylistFormatError:
    line: int | None = None
    column: int | None = None
    message = ""
    # The error log names the first real problem; the exception text can be a follow-up
    # ("no element found" at line 0 when iterparse stops on an undeclared entity).
    entries = [entry for entry in log or () if entry.level >= etree.ErrorLevels.ERROR]
    if entries:
        first = entries[0]
        line, column, message = first.line or None, first.column or None, first.message
    else:
        position = getattr(exc, "position", None)
        if position and position[0]:
            line, column = position
        message = str(getattr(exc, "msg", "") or exc)
    message = re.sub(r",? line \d+, column \d+.*$", "", message).strip() or "malformed XML"
    return PlaylistFormatError(
        f"not well-formed XML: {message}", codec=codec, line=line, column=column
    )


def parse_bytes(data: bytes, *, codec: str) -> etree._Element:
    """Parse a whole document held in memory and return its root element.

    Raises:
        PlaylistFormatError: DOCTYPE present, or the bytes are not well-formed XML.
    """
    import io

    check_prolog(io.BytesIO(data), codec=codec)
    parser = safe_parser()
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _format_error(exc, codec, parser.error_log) from None
    if root is None:
        raise PlaylistFormatError("empty XML document", codec=codec, line=1)
    _refuse_dtd(root, codec)
    return root


def iterparse(
    stream: BinaryIO,
    *,
    codec: str,
    events: tuple[str, ...] = ("start", "end"),
    tag: tuple[str, ...] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from ``stream`` with the safe settings.

    ``tag`` limits the events to those elements (``"{*}name"`` matches any namespace).
    The caller should clear elements it has consumed (``element.clear()`` and deleting
    earlier siblings) to keep memory bounded.

    Raises:
        PlaylistFormatError: DOCTYPE present, or the input is not well-formed XML.
    """
    head = check_prolog(stream, codec=codec)
    if not head.strip():
        raise PlaylistFormatError("empty XML document", codec=codec, line=1)
    source = ChainStream(head, stream)
    parser = None
    try:
        parser = etree.iterparse(
            source,
            events=events,
            tag=tag,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_pis=True,
        )
        pairs: Iterator[tuple[str, etree._Element]] = iter(parser)
        for event, element in pairs:
            # Second line of defence: whatever the prolog scan missed, lxml has seen.
            _refuse_dtd(element, codec)
            yield event, element
            break
        yield from pairs  # the rest without a Python step per event
    except etree.XMLSyntaxError as exc:
        log = parser.error_log if parser is not None else None
        raise _format_error(exc, codec, log) from None


def _refuse_dtd(element: etree._Element, codec: str) -> None:
    docinfo = element.getroottree().docinfo
    doctype = getattr(docinfo, "doctype", "")  # missing from lxml-stubs
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise PlaylistFormatError(
            "document type declarations (DOCTYPE/DTD) are not allowed", codec=codec, line=1
        )


def line_of(element: etree._Element) -> int | None:
    """The 1-based source line of ``element`` when lxml knows it."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def text_of(element: etree._Element) -> str:
    """All character data inside ``element`` (markup dropped)."""
    return "".join(t for t in element.itertext() if isinstance(t, str))


def local_name(element: etree._Element) -> str:
    """The tag of ``element`` without its namespace (``""`` for comments and PIs)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(element: etree._Element) -> str | None:
    """The namespace URI of ``element``, or ``None`` when it has none."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return None


_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What text/attr must look at: invalid characters plus those they escape. Most values
# have none and are returned as they are, without a translate.
_TEXT_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")
_ATTR_SPECIAL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>"\r\n\t]')
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


class XmlWriter:
    """Buffers XML text for a binary stream; escapes values and drops characters XML cannot hold.

    ``on_invalid`` is called each time a value had such characters, to record the loss.
    """

    def __init__(self, out: BinaryIO, on_invalid: Callable[[], None]) -> None:
        self.out = out
        self.on_invalid = on_invalid
        self._buffer: list[str] = []
        self._size = 0

    def clean(self, value: str) -> str:
        """``value`` without the characters XML 1.0 cannot hold."""
        if _INVALID_XML_CHARS.search(value):
            self.on_invalid()
            return _INVALID_XML_CHARS.sub("", value)
        return value

    def text(self, value: str) -> str:
        """``value`` escaped for element content."""
        if _TEXT_SPECIAL.search(value) is None:
            return value
        return self.clean(value).translate(_TEXT_ESCAPES)

    def attr(self, value: str) -> str:
        """``value`` escaped for a double-quoted attribute."""
        if _ATTR_SPECIAL.search(value) is None:
            return value
        return self.clean(value).translate(_ATTR_ESCAPES)

    def write(self, chunk: str) -> None:
        """Queue ``chunk`` (already escaped markup)."""
        self._buffer.append(chunk)
        self._size += len(chunk)
        if self._size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        """Encode and write what is queued."""
        if self._buffer:
            self.out.write("".join(self._buffer).encode("utf-8"))
            self._buffer.clear()
            self._size = 0
