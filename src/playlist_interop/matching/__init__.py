"""Track matching: normalisation, per-field scores, ISRC-first decisions with explanations.

Use :class:`Matcher` to find tracks at a provider, or :func:`decide` on candidate lists you
already have. :mod:`playlist_interop.matching.normalize` and
:mod:`playlist_interop.matching.score` hold the building blocks.
"""

from playlist_interop.matching._corrections import (
    Correction,
    CorrectionStore,
    InMemoryCorrectionStore,
    JsonFileCorrectionStore,
    correction_keys,
)
from playlist_interop.matching._markers import VersionTag
from playlist_interop.matching._matcher import Matcher, QuotaAware, build_queries
from playlist_interop.matching.normalize import NormalizedTrack, normalize_track
from playlist_interop.matching.score import (
    CandidateScore,
    Explanation,
    FieldScores,
    MatchPolicy,
    MatchResult,
    MatchStatus,
    decide,
    score_candidate,
)

__all__ = [
    "CandidateScore",
    "Correction",
    "CorrectionStore",
    "Explanation",
    "FieldScores",
    "InMemoryCorrectionStore",
    "JsonFileCorrectionStore",
    "MatchPolicy",
    "MatchResult",
    "MatchStatus",
    "Matcher",
    "NormalizedTrack",
    "QuotaAware",
    "VersionTag",
    "build_queries",
    "correction_keys",
    "decide",
    "normalize_track",
    "score_candidate",
]
