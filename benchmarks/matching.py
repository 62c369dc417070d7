"""Matching benchmarks.

1. Accuracy on the labelled real candidate lists of the shared fixtures
   (``matching/cases.jsonl``), with ISRCs visible and with every ISRC hidden: precision,
   recall, false-match rate and abstention rate, as the fixture's notes suggest.
2. Speed: 10,000 source tracks decided against 10 candidates each (100,000 comparisons),
   CPU time measured with ``time.process_time``; the goal is under 1 s.

Run: ``.venv/bin/python benchmarks/matching.py [--fixtures PATH]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from playlist_interop.matching import MatchStatus, decide, normalize_track
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.types import DurationMs, ProviderName, ProviderTrackId

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def _title(data: dict[str, Any]) -> str:
    """The title as our adapters spell it: TIDAL's separate ``version`` joins the title."""
    title: str = data["title"]
    version = (data.get("extra") or {}).get("version")
    if isinstance(version, str) and version and version.casefold() not in title.casefold():
        title = f"{title} ({version})"
    return title


def _track(data: dict[str, Any], provider: str, kind: str | None, hide_isrc: bool) -> Track:
    return Track(
        title=_title(data),
        artists=tuple(ArtistCredit(a) for a in data.get("artists") or ()),
        album=Album(data["album"]) if data.get("album") else None,
        duration_ms=DurationMs(data["duration_ms"]) if data.get("duration_ms") else None,
        isrc=None if hide_isrc else data.get("isrc"),
        explicit=data.get("explicit"),
        provider_ids={ProviderName(provider): ProviderTrackId(str(data["id"]))},
        extras={"kind": kind} if kind else {},
    )


def accuracy(path: Path, *, hide_isrc: bool) -> dict[str, float | int]:
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        target = case["target_provider"]
        source = _track(case["source"], "source", None, hide_isrc)
        candidates = [_track(c, target, c.get("kind"), hide_isrc) for c in case["candidates"]]
        result = decide(source, candidates)
        expected = case["expected"]
        counts["cases"] += 1
        counts["positives" if not expected["none"] else "negatives"] += 1
        counts[result.status.value] += 1
        if result.status is not MatchStatus.MATCHED or result.track is None:
            counts["abstained_on_positive" if not expected["none"] else "abstained_on_none"] += 1
            continue
        picked = result.track.provider_ids[ProviderName(target)]
        if picked in expected["best"] or picked in expected["acceptable"]:
            counts["correct"] += 1
        elif picked in expected["tolerated"]:
            counts["tolerated"] += 1
        else:
            counts["false_match_on_none" if expected["none"] else "wrong_pick"] += 1
    picks = counts["correct"] + counts["tolerated"] + counts["wrong_pick"]
    picks += counts["false_match_on_none"]
    return {
        "cases": counts["cases"],
        "positives": counts["positives"],
        "negatives": counts["negatives"],
        "correct": counts["correct"],
        "tolerated": counts["tolerated"],
        "wrong_pick": counts["wrong_pick"],
        "false_match_on_none": counts["false_match_on_none"],
        "uncertain": counts["uncertain"],
        "precision": counts["correct"] / picks if picks else 1.0,
        "recall": counts["correct"] / counts["positives"] if counts["positives"] else 1.0,
        "false_match_rate": counts["false_match_on_none"] / max(1, counts["negatives"]),
        "abstention_rate": (counts["abstained_on_positive"] + counts["abstained_on_none"])
        / max(1, counts["cases"]),
    }


_WORDS = tuple(
    " ".join(
        (
            "love night heart dream fire light blue summer rain gold river shadow echo wild",
            "city angel storm moon ghost stone ocean paper glass silver young time home road sky",
        )
    ).split()
)
_VERSIONS = ("", "", "", "", " - Live", " (Remix)", " - 2011 Remaster", " (Acoustic)", " (feat. X)")


def _synthetic(rng: random.Random, n: int) -> list[tuple[Track, list[Track]]]:
    """``n`` sources, each with its own 10 candidates: the right one, versions, other songs."""
    pairs = []
    target = ProviderName("target")
    for i in range(n):
        words = rng.sample(_WORDS, rng.randint(1, 4))
        title = " ".join(words).title()
        artist = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} {i}"
        length = rng.randint(120_000, 400_000)
        source = Track(
            title,
            artists=(ArtistCredit(artist),),
            album=Album(f"{rng.choice(_WORDS).title()} Album"),
            duration_ms=DurationMs(length),
        )
        candidates = []
        for j in range(10):
            if j == 0:
                c_title, c_artist, c_len = title, artist, length + rng.randint(-1500, 1500)
            elif j < 5:
                c_title = title + rng.choice(_VERSIONS)
                c_artist, c_len = artist, length + rng.randint(-30_000, 30_000)
            else:
                c_title = " ".join(rng.sample(_WORDS, rng.randint(1, 4))).title()
                c_artist = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()}"
                c_len = rng.randint(120_000, 400_000)
            candidates.append(
                Track(
                    c_title,
                    artists=(ArtistCredit(c_artist), ArtistCredit("Guest"))
                    if j % 3
                    else (ArtistCredit(c_artist),),
                    album=Album(f"{rng.choice(_WORDS).title()} Album"),
                    # The target catalogue gives whole seconds (Deezer, YouTube, TIDAL do).
                    duration_ms=DurationMs(round(c_len / 1000) * 1000),
                    provider_ids={target: ProviderTrackId(f"{i}-{j}")},
                )
            )
        rng.shuffle(candidates)
        pairs.append((source, candidates))
    return pairs


def speed(n: int = 10_000) -> dict[str, float]:
    pairs = _synthetic(random.Random(5), n)
    # The synthetic catalogue is setup, not work: keep the collector from rescanning it.
    gc.collect()
    gc.freeze()
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    matched = 0
    for source, candidates in pairs:
        result = decide(source, candidates)
        matched += result.status is MatchStatus.MATCHED
    cpu = time.process_time() - start_cpu
    wall = time.perf_counter() - start_wall
    # The same work with keys normalised beforehand (as a migration does for the source).
    normalised = [(normalize_track(s), [normalize_track(c) for c in cs]) for s, cs in pairs]
    start_cpu = time.process_time()
    for source_key, candidate_keys in normalised:
        decide(source_key, candidate_keys)
    scoring_cpu = time.process_time() - start_cpu
    return {
        "tracks": n,
        "comparisons": n * 10,
        "cpu_s": cpu,
        "wall_s": wall,
        "scoring_only_cpu_s": scoring_cpu,
        "matched": matched,
    }


def _speed_in_child(tracks: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--speed-child", "--tracks", str(tracks)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="speed runs (best and median)")
    parser.add_argument("--speed-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.speed_child:
        print(json.dumps(speed(args.tracks)))
        return 0
    cases = args.fixtures / "matching" / "cases.jsonl"
    if cases.exists():
        print(f"Accuracy on {cases}")
        rows = {
            label: accuracy(cases, hide_isrc=hide)
            for label, hide in (("ISRCs visible", False), ("ISRCs hidden", True))
        }
        keys = list(next(iter(rows.values())))
        print(f"{'':22}" + "".join(f"{label:>16}" for label in rows))
        for key in keys:
            cells = []
            for row in rows.values():
                value = row[key]
                cells.append(f"{value:>16.3f}" if isinstance(value, float) else f"{value:>16}")
            print(f"{key:22}" + "".join(cells))
    else:
        print(f"(no fixtures at {cases}; accuracy skipped)")
    # Each run in a fresh interpreter: cold caches every time, as a real migration starts.
    runs = [_speed_in_child(args.tracks) for _ in range(args.repeat)]
    runs.sort(key=lambda figures: figures["cpu_s"])
    best, median = runs[0], runs[len(runs) // 2]
    print()
    print(f"Speed: {args.tracks} tracks x 10 candidates = {args.tracks * 10} comparisons")
    print(f"({args.repeat} runs, each in a fresh process)         best    median")
    for label, key in (
        ("cpu (normalise + score + decide)", "cpu_s"),
        ("wall", "wall_s"),
        ("cpu (score + decide, keys cached)", "scoring_only_cpu_s"),
    ):
        print(f"{label:36}{best[key]:>8.3f} s{median[key]:>8.3f} s")
    print(f"{'matched':36}{int(best['matched']):>10}")
    print(f"{'goal':36}{'< 1 s cpu':>12}")
    print(f"{'load average (1 min, 2 cores)':36}{os.getloadavg()[0]:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
