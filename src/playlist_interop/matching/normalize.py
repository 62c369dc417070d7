"""Normalisation of titles and artist credits for matching.

Two tracks are compared through comparison keys, never through their raw strings:

- :func:`fold` turns any text into a key: Unicode NFKC, case folding, Latin diacritics removed
  (``Mañana`` → ``manana``), punctuation dropped, ``&`` read as ``and``. Other scripts are kept
  as they are, so Japanese, Chinese, Korean, Cyrillic, Greek, Hebrew or Devanagari titles stay
  comparable with themselves (NFKC also unifies full-width and half-width forms).
- :func:`parse_title` separates the *core* title from featured artists (``feat. X``) and
  version markers (``- Live at ...``, ``(Bonobo Remix)``, ``[2011 Remaster]``) and drops noise
  (``(Official Video)``, ``(Lyrics)``, ``(2009)``).
- :func:`split_artists` splits a credit line (``"A & B feat. C"``) into names.
- :func:`normalize_track` computes all keys of a :class:`~playlist_interop.model.Track` once;
  the scorer only ever compares these.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

import attrs

from playlist_interop.matching import _markers
from playlist_interop.matching._markers import VersionTag

if TYPE_CHECKING:
    from playlist_interop.model import Track
    from playlist_interop.types import DurationMs, Isrc

__all__ = [
    "NormalizedTrack",
    "ParsedTitle",
    "VersionTag",
    "clean_text",
    "fold",
    "normalize_track",
    "parse_title",
    "primary_artist",
    "split_artists",
]

_new = tuple.__new__
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u00b4": "'",
    }
)
_SPECIAL_LETTERS = {
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "\u0131": "i",
    "ħ": "h",
}


@functools.cache
def _fold_table() -> dict[int, str | None]:
    """Punctuation, symbols and separators of the BMP → space; apostrophes and dots deleted."""
    table: dict[int, str | None] = {}
    for code in range(0x10000):
        category = unicodedata.category(chr(code))
        if category[0] in "PSZ" or category in ("Cc", "Cf"):
            table[code] = " "
    for char in "'.`\u02bc":
        table[ord(char)] = None
    table[ord("&")] = " and "
    for letter, replacement in _SPECIAL_LETTERS.items():
        table[ord(letter)] = replacement
    return table


def clean_text(text: str) -> str:
    """Display-preserving clean-up: HTML entities, zero-width characters, NFKC, smart quotes."""
    if "&" in text and ";" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH)).translate(_QUOTES)
    return " ".join(text.split())


# ASCII fast path of fold(): 1-to-1 ASCII translate tables take CPython's fast path.
_ASCII_PUNCT = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isalnum() and chr(c) not in "'.`&"}
)


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """The comparison key of ``text`` (see the module docstring)."""
    if text.isascii():
        if "&" in text:
            if ";" in text:
                text = html.unescape(text)
            text = text.replace("&", " and ")
        text = text.lower()
        if "'" in text or "." in text or "`" in text:
            text = text.replace("'", "").replace(".", "").replace("`", "")
        return " ".join(text.translate(_ASCII_PUNCT).split())
    text = clean_text(text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    # Drop only the combining diacritics of Latin/Greek/Cyrillic (U+0300-U+036F); the marks of
    # other scripts (kana voicing, Indic vowel signs) carry meaning and stay.
    stripped = "".join(ch for ch in decomposed if not 0x300 <= ord(ch) <= 0x36F)
    text = unicodedata.normalize("NFC", stripped)
    return " ".join(text.translate(_fold_table()).split())


@attrs.frozen
class ParsedTitle:
    """A title taken apart into its core, featured artists and version markers."""

    text: str
    """The title as given."""
    core: str
    """The title without featured artists, version markers and noise (display form)."""
    base: str
    """:attr:`core` without unexplained bracketed parts (``Running Up That Hill``)."""
    featured: tuple[str, ...] = ()
    """Featured artists named in the title, in order."""
    tags: frozenset[VersionTag] = frozenset()
    """Version markers found."""
    details: tuple[tuple[VersionTag, str], ...] = ()
    """Each marker with its detail (remixer, venue), folded; empty detail when none."""
    dash_parts: tuple[str, ...] = ()
    """The core's parts around spaced dashes (``("Artist", "Song")`` for ``Artist - Song``)."""


_BRACKET = re.compile(r"[\(\[\{<【]([^\(\)\[\]\{\}<>【】]*)[\)\]\}>】]")
_DASH = re.compile(r"(\s+[-\u2013\u2014~]\s+|\s*\|\s*)")
_INLINE_FEAT = re.compile(
    r"\s(?:feat\.?|ft\.?|featuring)(?:\s+|(?<=\.))(?P<who>\S.*)$", re.IGNORECASE
)
# Bare words at the very end of a title that only describe the upload (web-scrobbler's rules,
# minus a bare "clip", which too many real titles end with).
_TRAILING_NOISE = re.compile(
    r"(?:\s+(?:hd|hq|4k|\*\*new\*\*|full album|sub espa[ñn]ol|re-?issue|offizielles video"
    r"|vid[ée]o ?clip(?: officiel| oficiel| official| oficial)?)"
    r"|\.(?:avi|wmv|mpe?g|flv|mp4|mkv|mov|webm))+$",
    re.IGNORECASE,
)
_SPECIAL_CHARS = re.compile(r"[\(\[\{<【\-\u2013\u2014~|]")
_DASH_CHARS = re.compile(r"[-\u2013\u2014~|]")
_TRAILING_WORDS = frozenset(
    (
        *("hd", "hq", "4k", "**new**", "album", "espanol", "español", "reissue", "re-issue"),
        *("video", "clip", "videoclip", "officiel", "oficiel", "official", "oficial"),
    )
)


def _has_trailing_noise(text: str) -> bool:
    """Cheap pre-check for :data:`_TRAILING_NOISE` (a regex anchored at the end is slow)."""
    last = text.rpartition(" ")[2].lower()
    if last in _TRAILING_WORDS or "." in last:
        return _TRAILING_NOISE.search(text) is not None
    return False


def _special(text: str) -> bool:
    """Whether ``text`` may hold anything but a plain title (brackets, dashes, feat., noise)."""
    if _SPECIAL_CHARS.search(text) is not None:
        return True
    lower = text.lower()
    return ("ft" in lower or "feat" in lower) or _has_trailing_noise(text)


@functools.lru_cache(maxsize=1 << 16)
def parse_title(title: str) -> ParsedTitle:
    """Split ``title`` into core, featured artists and version markers."""
    text = clean_text(title)
    if not _special(text):
        return ParsedTitle(text=title, core=text, base=text, dash_parts=(text,))
    featured: list[str] = []
    details: list[tuple[VersionTag, str]] = []
    unknown: list[str] = []

    def bracket(match: re.Match[str]) -> str:
        info = _markers.classify_segment(match.group(1))
        if not info.known:
            unknown.append(match.group(0))
            return match.group(0)
        featured.extend(info.featured)
        details.extend(info.tags)
        return " "

    if "(" in text or "[" in text or "{" in text or "<" in text or "【" in text:
        text = _BRACKET.sub(bracket, text)
    if _DASH_CHARS.search(text) is None:
        pieces, separators = [text], []
    elif "|" in text or "~" in text or "\u2013" in text or "\u2014" in text:
        split = _DASH.split(text)
        pieces, separators = split[::2], split[1::2]
    else:  # only " - " (clean_text left single spaces): no regex needed
        pieces = text.split(" - ")
        separators = [" - "] * (len(pieces) - 1)
    kept: list[str] = []
    for index, raw_piece in enumerate(pieces):
        piece = raw_piece.strip()
        if index > 0:
            if "|" in separators[index - 1]:
                continue  # "Title | Channel | Whatever": everything after a bar is noise
            info = _markers.classify_segment(piece)
            if info.known:
                featured.extend(info.featured)
                details.extend(info.tags)
                continue
        lower = piece.lower()
        feat = _INLINE_FEAT.search(piece) if ("ft" in lower or "feat" in lower) else None
        if feat is not None:
            who = feat.group("who")
            info = _markers.classify_segment("feat. " + who)
            featured.extend(info.featured)
            details.extend(info.tags)
            piece = piece[: feat.start()]
        if piece.strip():
            kept.append(" ".join(piece.split()))
    core = " - ".join(kept)
    if _has_trailing_noise(core):
        core = _TRAILING_NOISE.sub("", core).strip()
    core = core or clean_text(title)
    base = core
    for segment in unknown:
        base = base.replace(segment, " ")
    base = " ".join(base.split()) or core
    folded_details = tuple((tag, fold(detail)) for tag, detail in details)
    return ParsedTitle(
        text=title,
        core=core,
        base=base,
        featured=tuple(featured),
        tags=frozenset(tag for tag, _ in details),
        details=folded_details,
        dash_parts=tuple(kept) or (core,),
    )


# Cheap pre-check for _ARTIST_SPLIT: a credit without any of these is one name.
_SPLIT_MARKS = (
    ",",
    ";",
    "&",
    "+",
    "/",
    "(",
    "[",
    "{",
    "\u00d7",
    " x ",
    " vs",
    " with ",
    "feat",
    "ft",
)
_BRACKETS = re.compile(r"[\(\)\[\]\{\}]")
_VARIOUS = re.compile(
    r"^(?:various(?: artists?)?|va|v a|verschiedene interpreten|multi-?interpr[eè]tes)\b"
)
_ARTIST_SPLIT = re.compile(
    r"\s*(?:,|;|&|\+|/|\s(?:x|\u00d7|vs\.?|with|feat\.?|ft\.?|featuring)\s|\s(?:feat|ft)\.)\s*",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1 << 16)
def split_artists(credit: str) -> tuple[str, ...]:
    """Split a credit line into artist names: ``"A & B feat. C, D"`` → ``("A", "B", "C", "D")``.

    Splits on commas, ``&``, ``x``, ``vs``, ``with`` and ``feat.``; never on a bare ``and``
    (band names use it: ``Florence and the Machine``).
    """
    text = clean_text(credit)
    lower = text.lower()
    if not any(mark in lower for mark in _SPLIT_MARKS):
        return (text,) if text else ()
    parts = [part.strip(" ()[]{}") for part in _ARTIST_SPLIT.split(_BRACKETS.sub(" ", text))]
    return tuple(part for part in parts if part) or ((text,) if text else ())


def primary_artist(credit: str) -> str:
    """The first name of a credit line (``"Amy Winehouse, Weird Al"`` → ``"Amy Winehouse"``)."""
    names = split_artists(credit)
    return names[0] if names else ""


class NormalizedTrack(NamedTuple):
    """Every comparison key of one track, computed once.

    A named tuple rather than an attrs class: matching builds one per candidate, hundreds of
    thousands per migration, and a tuple is several times cheaper to create.
    """

    track: Track
    """The track these keys describe."""
    title: ParsedTitle
    """The parsed title."""
    core: str
    """Folded core title."""
    base: str
    """Folded base title (core without unexplained bracketed parts)."""
    artists: tuple[str, ...]
    """Folded artist names: credits (split) then featured artists from the title, no repeats."""
    credited: tuple[str, ...]
    """Folded names of the credited artists only (split), in order."""
    album: str | None
    """Folded album core title."""
    duration_ms: DurationMs | None
    """Length."""
    isrc: Isrc | None
    """ISRC."""
    explicit: bool | None
    """Explicit flag."""
    kind: str | None
    """``"video"`` for music videos and uploads, ``"song"``/``"track"`` for catalogue audio."""
    dash_splits: tuple[tuple[tuple[str, ...], str], ...]
    """``(folded artist names, folded title)`` readings of ``Artist - Title`` style titles."""


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        if name and name not in seen:
            seen[name] = None
    return tuple(seen)


@functools.lru_cache(maxsize=1 << 16)
def _credit_keys(name: str) -> tuple[str, ...]:
    """Folded names of one credit without a leading "the" (``The Beatles`` = ``Beatles``) and
    without compilation placeholders (``Various Artists``)."""
    return _unique(
        folded[4:] if folded.startswith("the ") else folded
        for part in split_artists(name)
        if not _VARIOUS.match(folded := fold(part))
    )


@functools.lru_cache(maxsize=1 << 16)
def _title_keys(
    title: str,
) -> tuple[ParsedTitle, str, str, tuple[tuple[tuple[str, ...], str], ...]]:
    """Parsed title, folded core and base, and ``Artist - Title`` readings of one title."""
    parsed = parse_title(title)
    splits: tuple[tuple[tuple[str, ...], str], ...] = ()
    if len(parsed.dash_parts) >= 2:
        head, tail = parsed.dash_parts[0], " - ".join(parsed.dash_parts[1:])
        tail_title = parse_title(tail)
        heads = _unique((*_credit_keys(head), *(fold(name) for name in tail_title.featured)))
        splits = ((heads, fold(tail_title.base)),)
    return parsed, fold(parsed.core), fold(parsed.base), splits


@functools.lru_cache(maxsize=1 << 14)
def _album_key(title: str) -> str:
    return fold(parse_title(title).base)


def normalize_track(track: Track) -> NormalizedTrack:
    """Compute the comparison keys of ``track``."""
    parsed, core, base, splits = _title_keys(track.title)
    artists = track.artists
    if len(artists) == 1:
        credited = _credit_keys(artists[0].name)
    else:
        keys: list[str] = []
        for credit in artists:
            keys.extend(_credit_keys(credit.name))
        credited = tuple(dict.fromkeys(keys))  # order kept, repeats dropped
    names = credited
    if parsed.featured:
        names = _unique((*credited, *(fold(name) for name in parsed.featured)))
    album = track.album
    kind = track.extras.get("kind") if track.extras else None
    # tuple.__new__: the named tuple's fast path (no argument parsing); fields in order.
    return _new(
        NormalizedTrack,
        (
            track,
            parsed,
            core,
            base,
            names,
            credited,
            _album_key(album.title) if album is not None and album.title else None,
            track.duration_ms,
            track.isrc,
            track.explicit,
            kind if isinstance(kind, str) else None,
            splits,
        ),
    )
