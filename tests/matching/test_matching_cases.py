"""The labelled real candidate lists of ``matching/cases.jsonl``, with ISRCs visible and hidden.

Scoring as the fixture suggests: a pick in ``best``/``acceptable`` is correct, in ``tolerated``
soft, anything else a false match; ``uncertain`` and ``unmatched`` abstain. Every hard-case
category of the file is run on its own so a regression names the category it breaks.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from playlist_interop.matching import MatchStatus, decide
from tests.matching._matching_cases import Case, load_cases


@pytest.fixture(scope="module")
def cases(matching_fixtures: Path) -> list[Case]:
    return list(load_cases(matching_fixtures / "cases.jsonl"))


def _run(cases: list[Case], *, hide_isrcs: bool) -> dict[str, list[str]]:
    verdicts: dict[str, list[str]] = {}
    for case in cases:
        subject = case.hide_isrcs() if hide_isrcs else case
        result = decide(subject.source, subject.candidates)
        # Every decision is explained, per candidate.
        assert result.explanation.reasons
        assert len(result.explanation.candidates) == len(subject.candidates)
        verdicts.setdefault(case.verdict(result), []).append(case.case_id)
    return verdicts


def test_the_fixture_is_what_the_sources_say(cases: list[Case]) -> None:
    assert len(cases) == 26
    assert sum(case.none for case in cases) == 8
    assert sum(len(case.candidates) for case in cases) == 112


def test_isrcs_visible_every_positive_right_and_no_false_match(cases: list[Case]) -> None:
    verdicts = _run(cases, hide_isrcs=False)
    assert verdicts.get("wrong", []) == []
    assert verdicts.get("missed", []) == []
    assert len(verdicts["correct"]) == 18
    assert len(verdicts["abstained_ok"]) == 8


def test_isrcs_hidden_never_a_false_match(cases: list[Case]) -> None:
    verdicts = _run(cases, hide_isrcs=True)
    assert verdicts.get("wrong", []) == []
    counts = Counter({key: len(value) for key, value in verdicts.items()})
    # Text and length alone still find most of the 18 positives (the benchmark prints the rate).
    assert counts["correct"] >= 16
    assert counts["abstained_ok"] == 8


def _categories(path: Path) -> list[str]:
    if not path.exists():
        return []
    return sorted({tag for case in load_cases(path) for tag in case.category})


CATEGORIES = _categories(
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "matching" / "cases.jsonl"
)


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("hide_isrcs", [False, True], ids=["isrc", "no-isrc"])
def test_hard_case_category(cases: list[Case], category: str, hide_isrcs: bool) -> None:
    chosen = [case for case in cases if category in case.category]
    assert chosen
    verdicts = _run(chosen, hide_isrcs=hide_isrcs)
    assert verdicts.get("wrong", []) == []
    if not hide_isrcs:
        assert verdicts.get("missed", []) == []


def test_a_none_case_names_the_decoys_it_rejected(cases: list[Case]) -> None:
    case = next(c for c in cases if c.case_id.endswith("__none") and "live_decoy" not in c.category)
    result = decide(case.source, case.candidates)
    assert result.status is MatchStatus.UNMATCHED
    assert result.track is None
    assert result.explanation.candidates[0].fields.title >= 0.0
