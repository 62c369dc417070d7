"""The vocabulary of version markers found in track titles.

A *segment* is a piece of a title that may describe a version rather than name the song:
the content of a bracket (``(Live)``, ``[Bonobo Remix]``, ``【MV】``) or what follows a spaced
dash (``- 2011 Remaster``). :func:`classify_segment` tells what a segment is:

- version tags (:class:`VersionTag`) with an optional detail (the remixer, the venue...);
- featured artists (``feat. X``);
- noise that says nothing about the recording (``Official Video``, ``Lyrics``, ``2009``,
  ``Deluxe Edition``);
- or nothing known, in which case the segment belongs to the title.

Word lists cover English plus the common Spanish, Portuguese, French, German and Japanese
spellings seen in catalogues. They are rules about language, never about particular songs.
"""

from __future__ import annotations

import enum
import functools
import re

import attrs

__all__ = [
    "MILD_TAGS",
    "STRONG_TAGS",
    "VETO_TAGS",
    "SegmentInfo",
    "VersionTag",
    "classify_segment",
    "split_featured",
]


class VersionTag(enum.StrEnum):
    """A kind of version a title can announce."""

    LIVE = "live"
    REMIX = "remix"
    REMASTER = "remaster"
    EDIT = "edit"
    ACOUSTIC = "acoustic"
    INSTRUMENTAL = "instrumental"
    KARAOKE = "karaoke"
    COVER = "cover"
    SPED_UP = "sped_up"
    SLOWED = "slowed"
    DEMO = "demo"
    EXTENDED = "extended"
    ACAPELLA = "acapella"
    RERECORDED = "rerecorded"
    EXPLICIT = "explicit"
    CLEAN = "clean"
    MONO = "mono"
    OTHER_VERSION = "other_version"


VETO_TAGS = frozenset(
    {
        VersionTag.LIVE,
        VersionTag.REMIX,
        VersionTag.ACOUSTIC,
        VersionTag.INSTRUMENTAL,
        VersionTag.KARAOKE,
        VersionTag.COVER,
        VersionTag.SPED_UP,
        VersionTag.SLOWED,
        VersionTag.DEMO,
        VersionTag.EXTENDED,
        VersionTag.ACAPELLA,
        VersionTag.RERECORDED,
    }
)
"""Tags naming a different recording or arrangement: present on one side only, they veto."""

STRONG_TAGS = frozenset({VersionTag.OTHER_VERSION, VersionTag.EDIT})
"""Tags that usually mean another cut of the same song: a large penalty, no veto."""

MILD_TAGS = frozenset({VersionTag.REMASTER, VersionTag.EXPLICIT, VersionTag.CLEAN, VersionTag.MONO})
"""Tags about mastering, mixing or lyrics editing: a small penalty. Clean/explicit and mono on
one side only also keep a text-only match ``uncertain`` (those versions have their own
ISRCs, so only an equal ISRC confirms them); a remaster is the same performance."""


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# Order matters only for the detail text: each pattern's match is cut from the segment.
_TAG_PATTERNS: tuple[tuple[VersionTag, re.Pattern[str]], ...] = (
    (
        VersionTag.KARAOKE,
        _words(
            r"karaoke",
            r"originally performed by",
            r"in the style of",
            r"made famous by",
            r"backing track",
            r"sing ?along",
        ),
    ),
    (
        VersionTag.COVER,
        _words(r"cover(?:ed)?(?: version)?", r"tribute(?: to)?", r"as performed by"),
    ),
    (VersionTag.SPED_UP, _words(r"sped[ -]?up", r"speed[ -]?up", r"nightcore", r"super ?sped")),
    (VersionTag.SLOWED, _words(r"slowed(?: down)?", r"slowed \+ reverb", r"\+ ?reverb", r"reverb")),
    (VersionTag.ACAPELLA, _words(r"a ?capp?ell?a", r"acc?app?ell?a", r"vocals? only")),
    (
        VersionTag.INSTRUMENTAL,
        _words(r"instrumental(?: version)?", r"inst\.?", r"off ?vocal", r"minus one"),
    ),
    (
        VersionTag.ACOUSTIC,
        _words(
            r"acoustic(?: version| session)?",
            r"unplugged",
            r"ac[uú]stic[oa]",
            r"acoustique",
            r"akustik",
        ),
    ),
    (
        VersionTag.LIVE,
        _words(
            r"live(?: version| recording| session)?",
            r"en vivo",
            r"ao vivo",
            r"en directo",
            r"en concierto",
            r"en public",
            r"live @",
        ),
    ),
    (
        VersionTag.DEMO,
        _words(
            r"demo(?: version| session| tape)?",
            r"try-?out(?: tape)?",
            r"rough (?:mix|cut)",
            r"early version",
            r"work tape",
        ),
    ),
    (
        VersionTag.EXTENDED,
        _words(r"extended(?: version| mix| edit| cut)?", r"long version", r"full length version"),
    ),
    (
        VersionTag.RERECORDED,
        _words(r"re-?recorded(?: version)?", r"re-?record(?:ing)?", r"[a-z]+'s version"),
    ),
    (
        VersionTag.REMASTER,
        _words(
            r"re-?master(?:ed)?(?: version| edition)?",
            r"remasterizad[oa]",
            r"remasteris[ée]e?",
            r"digital(?:ly)? remaster(?:ed)?",
        ),
    ),
    (
        VersionTag.EDIT,
        _words(
            r"radio (?:edit|version|mix)",
            r"single (?:edit|version|mix)",
            r"short (?:edit|version)",
            r"clean edit",
            r"edit(?:ed)?(?: version)?",
            r"7\" version",
            r"video (?:edit|version)",
        ),
    ),
    (
        VersionTag.REMIX,
        _words(
            r"re-?mix(?:ed)?",
            r"[a-z0-9'.]+ mix",
            r"dub(?: mix)?",
            r"vip",
            r"re-?work(?:ed)?",
            r"bootleg",
            r"re-?edit",
            r"mashup",
            r"lo-?fi(?: version| edit)?",
            r"8d(?: audio)?",
            r"bass ?boosted",
            r"chopped (?:and|&|n) screwed",
            r"phonk",
        ),
    ),
    (VersionTag.EXPLICIT, _words(r"explicit(?: version)?", r"dirty(?: version)?")),
    (VersionTag.CLEAN, _words(r"clean(?: version)?", r"censored")),
    (VersionTag.MONO, _words(r"mono(?: version| mix)?")),
)

# Segments (or the rest of a segment once tags are cut) that say nothing about the recording.
_NOISE = _words(
    r"official(?: music| hd| lyrics?| lyric)?(?: video| audio| visuali[sz]er| mv)?",
    r"oficial",
    r"music video",
    r"lyrics? video",
    r"(?:with )?lyrics?",
    r"letra",
    r"video(?: clip)?(?: officiel| official| oficial)?",
    r"videoclip(?: oficiel| oficial)?",
    r"vid[ée]o clip",
    r"clip(?: officiel)?",
    r"offizielles video",
    r"audio",
    r"music audio",
    r"visuali[sz]er",
    r"hd",
    r"hq",
    r"4k",
    r"m/?v",
    r"(?:official )?(?:track )?stream",
    r"premiere",
    r"album(?: version| track| edit)?",
    r"original(?: version| mix| single version| album version)?",
    r"stereo(?: version| mix)?",
    r"deluxe(?: edition| version| box set)?",
    r"expanded(?: edition)?",
    r"bonus(?: track)?(?: edition| version)?",
    r"(?:\d+(?:st|nd|rd|th) )?anniversary(?: edition)?",
    r"re-?issue(?:d)?",
    r"release(?:d)?",
    r"edition",
    r"version",
    r"box set",
    r"sub español",
    r"full album",
    r"from [\"'“].+",
    r"from the .+",
    r"prod(?:\.|uced)?(?: by)? .+",
    r"parody of .+",
    r"lyrical adapt(?:at)?ion of .+",
    r"\*\*new\*\*",
)

_YEAR_ONLY = re.compile(r"^[\s\d/.\-\u2013,+&]*$")
_DETAIL_FILLER = re.compile(
    r"(?<!\w)(?:version|mix|edit|ver\.?|at|@|the|from|by|\d{4}|[-\u2013\u2014/+&,:]|and)(?!\w)",
    re.IGNORECASE,
)
_VERSION_WORD = re.compile(
    r"(?<!\w)(?:version|ver\.|ver|take|alternate|alt\.)(?!\w)", re.IGNORECASE
)
_FEAT = re.compile(r"^(?:feat\.?|ft\.?|featuring)(?:\s+|(?<=\.))(?P<who>.+)$", re.IGNORECASE)
_WEAK_FEAT = re.compile(r"^(?:with|con|avec|mit|w/)\s+(?P<who>.+)$", re.IGNORECASE)
_YEARISH = re.compile(r"(?<!\w)(?:(?:19|20)\d{2}s?|\d{1,2}/\d{1,2}/\d{2,4})(?!\w)")
_DATE = re.compile(r"(?<!\w)\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?!\w)")
_PUNCT = " -\u2013\u2014/+&,.:;|()[]{}<>\"'~*!?"
_ARTIST_JOIN = re.compile(r"\s*(?:,|&|/|\u00d7)\s*|\s+(?:and|y|et|und|x)\s+", re.IGNORECASE)


def split_featured(names: str) -> tuple[str, ...]:
    """Split a featured-artists text (``"Mos Def and Bobby Womack"``) into names."""
    parts = tuple(part.strip() for part in _ARTIST_JOIN.split(names) if part and part.strip())
    return parts or ((names.strip(),) if names.strip() else ())


@attrs.frozen
class SegmentInfo:
    """What one title segment turned out to be."""

    tags: tuple[tuple[VersionTag, str], ...] = ()
    """Version tags found, each with its detail text (folded later; may be empty)."""
    featured: tuple[str, ...] = ()
    """Featured artists named by the segment."""
    noise: bool = False
    """True when the segment is only noise (or only tags and noise)."""

    @property
    def known(self) -> bool:
        """True when the segment is not part of the title proper."""
        return bool(self.tags or self.featured or self.noise)


_UNKNOWN = SegmentInfo()


@functools.lru_cache(maxsize=1 << 14)
def classify_segment(segment: str) -> SegmentInfo:
    """Classify one bracket content or dash suffix (see the module docstring)."""
    text = segment.strip()
    if not text:
        return SegmentInfo(noise=True)
    feat = _FEAT.match(text)
    if feat is not None:
        who = feat.group("who")
        # "feat. X" may carry a version after it: "(DJ Gollum feat. DJ Cap Remix)" is a remix.
        inner = _tags_of(who)
        if inner:
            return SegmentInfo(tags=inner)
        return SegmentInfo(featured=split_featured(who))
    tags = _tags_of(text)
    if tags:
        return SegmentInfo(tags=tags)
    stripped = _NOISE.sub(" ", _YEARISH.sub(" ", text))
    if _YEAR_ONLY.match(text) or not stripped.strip(_PUNCT) or _DATE.search(text):
        return SegmentInfo(noise=True)
    weak = _WEAK_FEAT.match(text)
    if weak is not None:
        return SegmentInfo(featured=split_featured(weak.group("who")))
    if _VERSION_WORD.search(text):
        detail = _DETAIL_FILLER.sub(" ", _VERSION_WORD.sub(" ", stripped)).strip(_PUNCT)
        return SegmentInfo(tags=((VersionTag.OTHER_VERSION, " ".join(detail.split())),))
    return _UNKNOWN


def _tags_of(text: str) -> tuple[tuple[VersionTag, str], ...]:
    if _ANY_TAG.search(text) is None:
        return ()
    found: list[VersionTag] = []
    rest = text
    for tag, pattern in _TAG_PATTERNS:
        match = pattern.search(rest)
        if match is None:
            continue
        if tag is VersionTag.REMIX and _is_noise_mix(match.group(0)):
            continue
        found.append(tag)
        rest = rest[: match.start()] + " " + rest[match.end() :]
    if not found:
        return ()
    leftover = _DETAIL_FILLER.sub(" ", _NOISE.sub(" ", _YEARISH.sub(" ", rest))).strip(_PUNCT)
    leftover = " ".join(leftover.split())
    return tuple((tag, leftover if tag in _DETAILED else "") for tag in found)


def _is_noise_mix(text: str) -> bool:
    word = text.casefold().split()[0] if " " in text else ""
    return word in {"original", "album", "radio", "single", "extended", "mono", "stereo", "rough"}


_ANY_TAG = re.compile("|".join(pattern.pattern for _, pattern in _TAG_PATTERNS), re.IGNORECASE)
_DETAILED = frozenset({VersionTag.REMIX, VersionTag.LIVE})
