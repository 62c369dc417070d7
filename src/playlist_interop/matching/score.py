"""Scoring candidates against a source track and deciding on a match.

:func:`score_candidate` compares two :class:`~playlist_interop.matching.normalize.NormalizedTrack`
keys field by field (title, artists, album, duration, ISRC, version markers, explicit flag) and
returns a :class:`CandidateScore`. :func:`decide` scores a candidate list and returns a
:class:`MatchResult`: ``matched``, ``uncertain`` (a suggestion for a person to confirm) or
``unmatched``, always with an :class:`Explanation`.

Rules, in order:

1. A candidate whose version markers conflict with the source's (live, remix, acoustic,
   instrumental, karaoke/cover, sped up/slowed, demo, extended, a cappella, re-recorded on one
   side only, or two different remixes) is vetoed: it is never picked.
2. ISRC first: a candidate carrying the source's ISRC is matched when its title agrees and its
   length is within :attr:`MatchPolicy.isrc_duration_window_ms`. A *different* ISRC does not
   reject a candidate by itself, but it cannot be ``matched`` on text alone: it is ``uncertain``.
3. Otherwise the best text score wins when it is high enough on every field and leads the
   best *different* runner-up by :attr:`MatchPolicy.margin` (another release of the same
   recording is not a rival).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import attrs
from rapidfuzz.distance import Indel

from playlist_interop.matching import _markers, normalize

if TYPE_CHECKING:
    from playlist_interop.matching.normalize import NormalizedTrack
    from playlist_interop.model import Track

__all__ = [
    "CandidateScore",
    "Explanation",
    "FieldScores",
    "MatchPolicy",
    "MatchResult",
    "MatchStatus",
    "decide",
    "score_candidate",
]

_ratio = Indel.normalized_similarity
_new = tuple.__new__


class MatchStatus(enum.StrEnum):
    """The outcome of matching one track."""

    MATCHED = "matched"
    """Confident: safe to use without review."""
    UNCERTAIN = "uncertain"
    """A plausible candidate that a person should confirm."""
    UNMATCHED = "unmatched"
    """No candidate is the source recording."""


@attrs.frozen
class MatchPolicy:
    """Thresholds of the decision; the defaults suit catalogue-to-catalogue matching."""

    match_score: float = 0.85
    """Least overall score for ``matched``."""
    uncertain_score: float = 0.6
    """Least overall score for ``uncertain``."""
    margin: float = 0.05
    """Least lead over the best different runner-up for ``matched``."""
    title_match: float = 0.85
    """Least title similarity for ``matched``."""
    title_uncertain: float = 0.7
    """Least title similarity for ``uncertain``."""
    artist_match: float = 0.7
    """Least artist similarity for ``matched`` (when the source names artists)."""
    artist_uncertain: float = 0.5
    """Least artist similarity for ``uncertain``."""
    duration_match_ms: int = 10_000
    """Largest length difference for a ``matched`` text match."""
    exact_length_gap_ms: int = 500
    """Largest difference between two lengths both given to the millisecond (catalogues that
    measure the same file agree to within a frame) for a ``matched`` text match."""
    isrc_duration_window_ms: int = 15_000
    """Largest length difference that still confirms an equal ISRC."""
    isrc_title: float = 0.6
    """Least title similarity that confirms an equal ISRC."""
    cross_script_isrc_ms: int = 3_000
    """Largest length difference that confirms an equal ISRC when the titles are written in
    different scripts (and so cannot be compared)."""
    weight_title: float = 0.55
    """Weight of the title in the overall score."""
    weight_artist: float = 0.30
    """Weight of the artists."""
    weight_duration: float = 0.15
    """Weight of the length."""


_DEFAULT_POLICY = MatchPolicy()


class FieldScores(NamedTuple):
    """Per-field similarities of one candidate, each from 0.0 to 1.0 (``None``: not compared).

    Named tuples (here and in :class:`CandidateScore`) keep scoring 100,000 candidates a second.
    """

    title: float
    """Core title similarity."""
    artist: float | None
    """Artist credit similarity (``None`` when either side names no artist)."""
    album: float | None
    """Album title similarity."""
    duration: float | None
    """Length agreement."""
    duration_diff_ms: int | None
    """Absolute length difference."""
    isrc: str | None
    """``"same"``, ``"different"`` or ``None`` when either ISRC is unknown."""


class CandidateScore(NamedTuple):
    """How well one candidate fits the source, and why."""

    candidate: Track
    """The candidate as the provider returned it."""
    score: float
    """Overall score from 0.0 to 1.0, penalties included."""
    fields: FieldScores
    """Per-field similarities."""
    vetoes: tuple[str, ...] = ()
    """Reasons this candidate can never be picked (conflicting versions)."""
    reasons: tuple[str, ...] = ()
    """Penalties and notes that shaped :attr:`score`."""

    @property
    def vetoed(self) -> bool:
        """True when any veto applies."""
        return bool(self.vetoes)


@attrs.frozen
class Explanation:
    """Why a decision came out as it did."""

    via: str
    """``"isrc"``, ``"text"``, ``"correction"``, ``"identity"`` or ``"none"``."""
    reasons: tuple[str, ...]
    """Sentences about the decision, most important first."""
    candidates: tuple[CandidateScore, ...] = ()
    """Every candidate scored, best first (vetoed ones last)."""
    margin: float | None = None
    """Lead of the pick over the best different runner-up, when there was one."""
    queries: tuple[str, ...] = ()
    """Lookups made to find the candidates, in order (filled by the matcher)."""


@attrs.frozen
class MatchResult:
    """The decision for one source track."""

    source: Track
    """The track that was matched."""
    status: MatchStatus
    """matched, uncertain or unmatched."""
    track: Track | None
    """The pick (``matched``) or the suggestion (``uncertain``); ``None`` when unmatched."""
    confidence: float
    """From 0.0 to 1.0."""
    explanation: Explanation
    """Per-field scores, vetoes and reasons."""

    @property
    def matched(self) -> bool:
        """True for a confident match."""
        return self.status is MatchStatus.MATCHED


def _duration_score(diff: int) -> float:
    seconds = diff / 1000.0
    if seconds <= 1.0:
        return 1.0 - 0.02 * seconds
    if seconds <= 3.0:
        return 0.98 - 0.04 * (seconds - 1.0)
    if seconds <= 10.0:
        return 0.9 - 0.4 * (seconds - 3.0) / 7.0
    if seconds <= 30.0:
        return 0.5 - 0.5 * (seconds - 10.0) / 20.0
    return 0.0


def _best(name: str, names: Sequence[str]) -> float:
    if name in names:
        return 1.0
    best = 0.0
    for other in names:
        best = max(best, _ratio(name, other))
    return best


def _name_similarity(a: str, b: str) -> float:
    """Similarity of two folded artist names, steep: catalogues spell a name one way.

    Equal keys (spaces aside) score 1.0; otherwise the edit similarity is squashed so that a
    near miss of another person (``calvin kleinen``/``marvin kleinen``, 0.86) is far below a
    match, while a one-letter typo in a long name (0.97) still counts.
    """
    if a == b:
        return 1.0
    value = _ratio(a, b)
    if value <= 0.5:
        return 0.0
    if value >= 0.8 and a.replace(" ", "") == b.replace(" ", ""):
        return 1.0
    return ((value - 0.5) / 0.5) ** 2


def _artist_score(
    source: Sequence[str], credited: Sequence[str], names: Sequence[str]
) -> tuple[float, str | None]:
    """Similarity of two artist lists and, when they disagree, why.

    70 % for the source's lead artist being credited (60 % of that when only another of the
    source's artists leads the candidate), 30 % for how much of each list the other covers.
    Credits that each name someone the other lacks (``A, B`` against ``A, C``) conflict and
    cap the score below the match threshold.
    """
    if len(source) == 1:
        sims = [_name_similarity(source[0], b) for b in names]
        best = max(sims)
        if len(sims) == 1:
            return 0.7 * best + (0.3 if best >= 0.8 else 0.0), None
        missing_other = sum(1 for value in sims if value < 0.8)
        if best >= 0.8:  # the source's artist is credited, with others
            return 0.7 * best + 0.15 * (2 - missing_other / len(sims)), None
        return 0.7 * max(best, 0.6 * sims[0]) + 0.15 * (1 - missing_other / len(sims)), None
    lead = credited[0] if credited else source[0]
    # Best similarity of each name on one side to any name on the other, pairs computed once.
    best_src = [0.0] * len(source)
    best_other = [0.0] * len(names)
    for i, a in enumerate(source):
        for j, b in enumerate(names):
            value = _name_similarity(a, b)
            best_src[i] = max(best_src[i], value)
            best_other[j] = max(best_other[j], value)
    primary = best_src[source.index(lead)] if lead in source else 0.0
    if primary < 0.8:
        primary = max(primary, 0.6 * best_other[0])
    missing_source = sum(1 for value in best_src if value < 0.8)
    missing_other = sum(1 for value in best_other if value < 0.8)
    coverage = (2 - missing_source / len(source) - missing_other / len(names)) / 2
    score = 0.7 * primary + 0.3 * coverage
    if missing_source and missing_other and primary > 0:
        return min(score, 0.65), "the artist credits differ (each names someone the other lacks)"
    if primary < 0.8 <= max(best_src):
        return score, "the source's lead artist is not credited"
    return score, None


_VERSION_TEXT = {
    (tag, side): f"{tag.value.replace('_', ' ')} on the {side} only"
    for tag in _markers.VersionTag
    for side in ("source", "candidate")
}
_VETO = _markers.VETO_TAGS
_STRONG = _markers.STRONG_TAGS
_MILD = _markers.MILD_TAGS
# Clean/explicit edits and mono mixes are other recordings with their own ISRCs: on one side
# only they keep a text match uncertain. A remaster is the same performance: a penalty only.
_LYRICS_OR_MIX = frozenset(
    {_markers.VersionTag.EXPLICIT, _markers.VersionTag.CLEAN, _markers.VersionTag.MONO}
)
_DETAILED = (_markers.VersionTag.REMIX, _markers.VersionTag.LIVE)


def _version_check(
    source: NormalizedTrack, candidate: NormalizedTrack, vetoes: list[str], reasons: list[str]
) -> float:
    """Vetoes and penalties from version markers; returns the penalty."""
    src_tags = source.title.tags
    cand_tags = candidate.title.tags
    if not src_tags and not cand_tags:
        return 0.0
    penalty = 0.0
    for tag in src_tags ^ cand_tags:
        text = _VERSION_TEXT[tag, "candidate" if tag in cand_tags else "source"]
        if tag in _VETO:
            vetoes.append(f"version conflict: {text}")
        elif tag in _STRONG:
            penalty += 0.2
            reasons.append(f"version differs: {text}")
        elif tag in _MILD:
            penalty += 0.03
            reasons.append(f"minor version difference: {text}")
    for tag in _DETAILED:
        if tag in src_tags and tag in cand_tags:
            a = dict(source.title.details).get(tag, "")
            b = dict(candidate.title.details).get(tag, "")
            if a and b and _ratio(a, b) < 0.7:
                if tag is _markers.VersionTag.REMIX:
                    vetoes.append(f"different remix: {a!r} vs {b!r}")
                else:
                    penalty += 0.1
                    reasons.append(f"different live recording: {a!r} vs {b!r}")
    return penalty


def score_candidate(
    source: NormalizedTrack, candidate: NormalizedTrack, policy: MatchPolicy = _DEFAULT_POLICY
) -> CandidateScore:
    """Compare one candidate with the source (both normalised)."""
    reasons: list[str] = []
    vetoes: list[str] = []
    title = _ratio(source.core, candidate.core)
    if title < 1.0 and (source.base != source.core or candidate.base != candidate.core):
        title = max(title, 0.95 * _ratio(source.base, candidate.base))
    artist: float | None = None
    if source.artists:
        note: str | None = None
        if candidate.artists:
            artist, note = _artist_score(source.artists, source.credited, candidate.artists)
        else:
            artist = 0.5
        # "Artist - Title" uploads: read the title's head as the artist when that fits better.
        for heads, tail in candidate.dash_splits:
            alt_title = _ratio(source.base, tail)
            alt_artist, alt_note = _artist_score(
                source.artists, source.credited, (*heads, *candidate.artists)
            )
            if alt_title + alt_artist > title + artist + 0.1:
                title, artist, note = alt_title, alt_artist, alt_note
                reasons.append("read the title as 'artist - title'")
        if note is not None:
            reasons.append(note)
    album: float | None = None
    if source.album and candidate.album:
        album = _ratio(source.album, candidate.album)
    duration: float | None = None
    diff: int | None = None
    if source.duration_ms is not None and candidate.duration_ms is not None:
        diff = abs(source.duration_ms - candidate.duration_ms)
        duration = 1.0 - 0.00002 * diff if diff <= 1000 else _duration_score(diff)
        if diff > 3000:
            reasons.append(f"length differs by {diff / 1000:.1f} s")
    isrc: str | None = None
    if source.isrc and candidate.isrc:
        isrc = "same" if source.isrc == candidate.isrc else "different"
    weight = policy.weight_title
    total = weight * title
    if artist is not None:
        total += policy.weight_artist * artist
        weight += policy.weight_artist
    if duration is not None:
        total += policy.weight_duration * duration
        weight += policy.weight_duration
    total /= weight
    if source.title.tags or candidate.title.tags:
        total -= _version_check(source, candidate, vetoes, reasons)
    if (
        source.explicit is not None
        and candidate.explicit is not None
        and source.explicit != candidate.explicit
    ):
        total -= 0.06
        reasons.append("explicit flag differs")
    if candidate.kind == "video" and source.kind != "video":
        total -= 0.02
        reasons.append("a video upload rather than catalogue audio")
    if album is not None and album >= 0.9:
        total += 0.02
    # tuple.__new__: the named tuples' fast path (no argument parsing); fields in order.
    fields = _new(FieldScores, (title, artist, album, duration, diff, isrc))
    score = 1.0 if total > 1.0 else (0.0 if total < 0.0 else total)
    return _new(
        CandidateScore,
        (candidate.track, score, fields, tuple(vetoes) if vetoes else (), tuple(reasons)),
    )


_UNRELATED = "the title shares no word with the source's: not scored further"


def _unrelated(
    src: NormalizedTrack, words: frozenset[str], track: Track, policy: MatchPolicy
) -> CandidateScore | None:
    """A title-only score for a candidate that cannot be the song, else ``None``.

    Blocking, as in record linkage: a title sharing no word with the source's and less than
    half similar cannot reach the ``uncertain`` threshold whatever its other fields say, so
    its artists, album and markers are not worked out (an equal ISRC is always scored).
    """
    if src.isrc is not None and track.isrc == src.isrc:
        return None
    folded = normalize.fold(track.title)
    if not words.isdisjoint(folded.split()):
        return None
    title = _ratio(src.core, folded)
    if title >= 0.5:
        return None
    isrc = None
    if src.isrc and track.isrc:
        isrc = "different"
    fields = _new(FieldScores, (title, None, None, None, None, isrc))
    return _new(CandidateScore, (track, policy.weight_title * title, fields, (), (_UNRELATED,)))


def _equivalent(
    a: tuple[NormalizedTrack | None, CandidateScore],
    b: tuple[NormalizedTrack | None, CandidateScore],
) -> bool:
    """True when two candidates look like releases of one recording (not rivals)."""
    (na, sa), (nb, sb) = a, b
    if na is None or nb is None:
        return False
    if na.isrc and nb.isrc:
        return na.isrc == nb.isrc
    if (na.title.tags - _markers.MILD_TAGS) != (nb.title.tags - _markers.MILD_TAGS):
        return False
    if (
        na.duration_ms is not None
        and nb.duration_ms is not None
        and abs(int(na.duration_ms) - int(nb.duration_ms)) > 3000
    ):
        return False
    # Both fit the source's own title and artists: they are the source's song twice.
    fa, fb = sa.fields, sb.fields
    if (
        fa.artist is not None
        and fb.artist is not None
        and min(fa.title, fb.title) >= 0.9
        and min(fa.artist, fb.artist) >= 0.85
    ):
        return True
    if _ratio(na.base, nb.base) < 0.9:
        return False
    if na.artists and nb.artists:
        return _best(na.artists[0], nb.artists) >= 0.85 or _best(nb.artists[0], na.artists) >= 0.85
    return True


def _latin(text: str) -> bool:
    """Whether a folded text is written in Latin letters (digits and spaces aside)."""
    return text.isascii() or all(
        ch.isascii() or not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text
    )


def _to_the_millisecond(a: NormalizedTrack, b: NormalizedTrack) -> bool:
    return (
        a.duration_ms is not None
        and b.duration_ms is not None
        and int(a.duration_ms) % 1000 != 0
        and int(b.duration_ms) % 1000 != 0
    )


def _sort_key(item: tuple[NormalizedTrack | None, CandidateScore]) -> tuple[bool, float]:
    return (not item[1].vetoes, item[1].score)


def decide(
    source: Track | NormalizedTrack,
    candidates: Iterable[Track | NormalizedTrack],
    policy: MatchPolicy = _DEFAULT_POLICY,
) -> MatchResult:
    """Score ``candidates`` against ``source`` and decide (see the module docstring)."""
    keys = normalize.NormalizedTrack
    src = source if isinstance(source, keys) else normalize.normalize_track(source)
    scored: list[tuple[NormalizedTrack | None, CandidateScore]] = []
    seen: set[int] = set()
    words = frozenset((*src.core.split(), *src.base.split()))
    for item in candidates:
        track = item.track if isinstance(item, keys) else item
        if id(track) in seen:
            continue
        seen.add(id(track))
        if not isinstance(item, keys):
            quick = _unrelated(src, words, item, policy)
            if quick is not None:
                scored.append((None, quick))
                continue
        full = item if isinstance(item, keys) else normalize.normalize_track(item)
        scored.append((full, score_candidate(src, full, policy)))
    scored.sort(key=_sort_key, reverse=True)
    ranked = tuple(score for _, score in scored)
    viable = [item for item in scored if not item[1].vetoes]
    if not viable:
        reason = "no candidates" if not scored else "every candidate is another version"
        return MatchResult(
            src.track, MatchStatus.UNMATCHED, None, 0.0, Explanation("none", (reason,), ranked)
        )
    reasons: list[str] = []
    same_isrc = [item for item in viable if item[1].fields.isrc == "same"]
    if same_isrc:
        isrc_norm, best = same_isrc[0]
        diff = best.fields.duration_diff_ms
        # A title in another script (百花繚乱 / In Bloom) can neither confirm nor contradict
        # an ISRC: then a close length must confirm it on its own.
        other_script = isrc_norm is not None and _latin(src.core) != _latin(isrc_norm.core)
        if other_script and diff is not None and diff <= policy.cross_script_isrc_ms:
            reasons.append("same ISRC, confirmed by length (the titles are in other scripts)")
            reasons.extend(best.reasons)
            return MatchResult(
                src.track,
                MatchStatus.MATCHED,
                best.candidate,
                0.9,
                Explanation("isrc", tuple(reasons), ranked),
            )
        if best.fields.title >= policy.isrc_title and (
            diff is None or diff <= policy.isrc_duration_window_ms
        ):
            reasons.append("same ISRC, confirmed by title" + (" and length" if diff else ""))
            reasons.extend(best.reasons)
            confidence = round(0.9 + 0.1 * best.score, 4)
            return MatchResult(
                src.track,
                MatchStatus.MATCHED,
                best.candidate,
                confidence,
                Explanation("isrc", tuple(reasons), ranked),
            )
        reasons.append("a candidate has the same ISRC but its title or length disagrees")
    norm, best = viable[0]
    runner = next((item for item in viable[1:] if not _equivalent(viable[0], item)), None)
    margin = None if runner is None else best.score - runner[1].score
    fields = best.fields
    problems: list[str] = []
    if best.score < policy.match_score:
        problems.append(f"overall score {best.score:.2f} is below {policy.match_score:.2f}")
    if fields.title < policy.title_match:
        problems.append(f"title similarity {fields.title:.2f} is low")
    if fields.artist is not None and fields.artist < policy.artist_match:
        problems.append(f"artist similarity {fields.artist:.2f} is low")
    if fields.artist is None and fields.duration is None:
        problems.append("only the title could be compared")
    if fields.duration_diff_ms is not None and fields.duration_diff_ms > policy.duration_match_ms:
        problems.append(f"length differs by {fields.duration_diff_ms / 1000:.0f} s")
    if (
        fields.duration_diff_ms is not None
        and fields.duration_diff_ms > policy.exact_length_gap_ms
        and norm is not None
        and _to_the_millisecond(src, norm)
    ):
        problems.append(
            "both lengths are exact to the millisecond yet differ by "
            f"{fields.duration_diff_ms} ms: possibly another master or recording"
        )
    if norm is not None:
        edited = (src.title.tags ^ norm.title.tags) & _LYRICS_OR_MIX
        if edited:
            names = ", ".join(sorted(tag.value for tag in edited))
            problems.append(f"{names} on one side only: only an equal ISRC could confirm it")
        if src.explicit is not None and norm.explicit is not None and src.explicit != norm.explicit:
            problems.append("the explicit flags differ: possibly the clean or explicit edit")
    if fields.isrc == "different":
        problems.append("the candidate's ISRC differs from the source's")
    if margin is not None and margin < policy.margin:
        problems.append(f"a different candidate scores almost as well (margin {margin:.2f})")
    if same_isrc:
        problems.append("ISRC evidence is contradictory")
    if not problems:
        reasons.append("title, artists and length agree")
        reasons.extend(best.reasons)
        return MatchResult(
            src.track,
            MatchStatus.MATCHED,
            best.candidate,
            round(best.score, 4),
            Explanation("text", tuple(reasons), ranked, margin),
        )
    reasons.extend(problems)
    reasons.extend(best.reasons)
    plausible = (
        best.score >= policy.uncertain_score
        and fields.title >= policy.title_uncertain
        and (fields.artist is None or fields.artist >= policy.artist_uncertain)
    )
    if plausible:
        return MatchResult(
            src.track,
            MatchStatus.UNCERTAIN,
            best.candidate,
            round(best.score, 4),
            Explanation("text", tuple(reasons), ranked, margin),
        )
    return MatchResult(
        src.track,
        MatchStatus.UNMATCHED,
        None,
        round(best.score, 4),
        Explanation("none", ("no candidate is close enough", *reasons), ranked, margin),
    )
