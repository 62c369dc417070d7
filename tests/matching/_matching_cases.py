"""Load the labelled matching cases of the shared fixtures as model objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from playlist_interop.matching import MatchResult, MatchStatus
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.types import DurationMs, ProviderName, ProviderTrackId


@attrs.frozen
class Case:
    case_id: str
    category: tuple[str, ...]
    target: str
    source: Track
    candidates: tuple[Track, ...]
    best: frozenset[str]
    acceptable: frozenset[str]
    tolerated: frozenset[str]
    none: bool

    def hide_isrcs(self) -> Case:
        return attrs.evolve(
            self,
            source=attrs.evolve(self.source, isrc=None),
            candidates=tuple(attrs.evolve(c, isrc=None) for c in self.candidates),
        )

    def verdict(self, result: MatchResult) -> str:
        """correct / tolerated / wrong (a false pick) / missed (no pick where one was due)."""
        if result.status is not MatchStatus.MATCHED or result.track is None:
            return "abstained_ok" if self.none else "missed"
        picked = result.track.provider_ids[ProviderName(self.target)]
        if picked in self.best or picked in self.acceptable:
            return "correct"
        if picked in self.tolerated:
            return "tolerated"
        return "wrong"


def _title(data: dict[str, Any]) -> str:
    """The title as our adapters spell it: TIDAL's separate ``version`` joins the title."""
    title: str = data["title"]
    version = (data.get("extra") or {}).get("version")
    if isinstance(version, str) and version and version.casefold() not in title.casefold():
        title = f"{title} ({version})"
    return title


def _track(data: dict[str, Any], provider: str, *, kind: str | None = None) -> Track:
    extras: dict[str, Any] = {}
    if kind:
        extras["kind"] = kind
    return Track(
        title=_title(data),
        artists=tuple(ArtistCredit(name) for name in data.get("artists") or ()),
        album=Album(data["album"]) if data.get("album") else None,
        duration_ms=DurationMs(data["duration_ms"]) if data.get("duration_ms") else None,
        isrc=data.get("isrc"),
        explicit=data.get("explicit"),
        provider_ids={ProviderName(provider): ProviderTrackId(str(data["id"]))},
        extras=extras,
    )


def load_cases(path: Path) -> Iterator[Case]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            target = raw["target_provider"]
            expected = raw["expected"]
            yield Case(
                case_id=raw["case_id"],
                category=tuple(raw["category"]),
                target=target,
                source=_track(raw["source"], raw["source"].get("provider") or "source"),
                candidates=tuple(_track(c, target, kind=c.get("kind")) for c in raw["candidates"]),
                best=frozenset(expected.get("best") or ()),
                acceptable=frozenset(expected.get("acceptable") or ()),
                tolerated=frozenset(expected.get("tolerated") or ()),
                none=bool(expected.get("none")),
            )
