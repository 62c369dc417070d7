"""Candidate retrieval from a provider, then :func:`~playlist_interop.matching.decide`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, runtime_checkable

import attrs

from playlist_interop.errors import CapabilityError, QuotaExceeded
from playlist_interop.matching._corrections import CorrectionStore, correction_keys
from playlist_interop.matching.normalize import NormalizedTrack, normalize_track
from playlist_interop.matching.score import (
    Explanation,
    MatchPolicy,
    MatchResult,
    MatchStatus,
    decide,
)
from playlist_interop.model import Track
from playlist_interop.providers._protocol import Capability, Provider, TrackQuery
from playlist_interop.types import DurationMs, ProviderName

__all__ = ["Matcher", "QuotaAware", "affordable", "build_queries"]

T = TypeVar("T")


@runtime_checkable
class QuotaAware(Protocol):
    """Optional hook of providers that spend a unit budget (YouTube's daily quota).

    The matcher asks before each lookup and skips fallback queries it cannot afford; a provider
    without these methods is treated as unmetered.
    """

    def cost_of(self, operation: str) -> int:
        """Units one call of ``operation`` (``"search_text"``, ``"add_tracks"``...) spends."""
        ...

    def quota_remaining(self) -> int | None:
        """Units left, or ``None`` when unknown or unlimited."""
        ...


def affordable(provider: object, operation: str, times: int = 1) -> tuple[bool, int, int | None]:
    """Whether ``times`` calls of ``operation`` fit the provider's quota: (ok, cost, remaining).

    Providers without the :class:`QuotaAware` hook are unmetered (always ``ok``).
    """
    if not isinstance(provider, QuotaAware):
        return True, 0, None
    cost = provider.cost_of(operation) * times
    remaining = provider.quota_remaining()
    return (remaining is None or cost <= remaining), cost, remaining


def build_queries(source: NormalizedTrack) -> tuple[TrackQuery, ...]:
    """The text queries for ``source``, most specific first, without repeats.

    1. title as given, lead artist, album, length;
    2. core title (no featured artists, markers or noise) with lead artist, no album;
    3. the same words as a free-text query (forgiving of misspelt or differently split names).
    """
    track = source.track
    lead = track.artists[0].name if track.artists else None
    core = source.title.core
    versions = " ".join(
        tag.value.replace("_", " ") for tag in sorted(source.title.tags) if tag.value != "remaster"
    )
    album = track.album.title if track.album is not None else None
    queries = [
        TrackQuery(
            title=track.title,
            artist=lead,
            album=album,
            duration_ms=track.duration_ms,
            isrc=track.isrc,
        ),
        TrackQuery(title=core, artist=lead, duration_ms=track.duration_ms),
    ]
    free = " ".join(part for part in (lead, core, versions) if part)
    queries.append(TrackQuery(title=core, artist=lead, free_text=free))
    unique: list[TrackQuery] = []
    for query in queries:
        if query not in unique:
            unique.append(query)
    return tuple(unique)


def _describe(query: TrackQuery) -> str:
    if query.free_text:
        return f"text {query.free_text!r}"
    parts = [f"title {query.title!r}"]
    if query.artist:
        parts.append(f"artist {query.artist!r}")
    if query.album:
        parts.append(f"album {query.album!r}")
    return "fielded " + ", ".join(parts)


@attrs.define
class Matcher:
    """Finds a track at one provider: corrections, then ISRC, then text queries with fallbacks.

    Stops at the first lookup that yields a confident match, so a track with a good ISRC costs
    one request. Candidates accumulate across lookups and each decision sees all of them.

    Args:
        provider: Where to look.
        policy: Decision thresholds.
        corrections: Remembered decisions; they win over any lookup.
        limit: Candidates asked for per text query.
        max_text_queries: Most text queries per track; by default 3, or 1 for a provider
            with a unit quota (:class:`QuotaAware`), where each search is expensive.
    """

    provider: Provider
    policy: MatchPolicy = attrs.field(factory=MatchPolicy)
    corrections: CorrectionStore | None = None
    limit: int = 10
    max_text_queries: int | None = None
    lookups: int = attrs.field(default=0, init=False)
    """Provider calls made so far."""

    @property
    def provider_name(self) -> ProviderName:
        """Name of the provider matched against."""
        return self.provider.name

    async def match(self, track: Track) -> MatchResult:
        """Decide which track of the provider ``track`` is (see the class docstring).

        Raises:
            QuotaExceeded: the provider's quota cannot afford even the first lookup.
        """
        name = self.provider.name
        own_id = track.provider_ids.get(name)
        if own_id is not None:
            return MatchResult(
                track,
                MatchStatus.MATCHED,
                track,
                1.0,
                Explanation("identity", (f"the track already has a {name} id",)),
            )
        if self.corrections is not None:
            correction = await self.corrections.get(name, correction_keys(track))
            if correction is not None:
                return self._corrected(track, correction.track_id, correction.note)
        source = normalize_track(track)
        pool: dict[str, NormalizedTrack] = {}
        queries: list[str] = []
        result: MatchResult | None = None
        capabilities = self.provider.capabilities
        if track.isrc and Capability.SEARCH_ISRC in capabilities:
            found = await self._call(
                "search_isrc",
                queries,
                lambda: self.provider.search_isrc(
                    track.isrc  # type: ignore[arg-type]
                ),
                f"isrc {track.isrc}",
            )
            if found is not None:
                self._add(pool, found)
                result = decide(source, pool.values(), self.policy)
                if result.matched:
                    return self._with_queries(result, queries)
        if Capability.SEARCH_TEXT in capabilities:
            most = self.max_text_queries
            if most is None:
                most = 1 if isinstance(self.provider, QuotaAware) else 3
            for index, query in enumerate(build_queries(source)):
                if index >= most:
                    break
                found = await self._call(
                    "search_text",
                    queries,
                    lambda q=query: self.provider.search_text(q, limit=self.limit),  # type: ignore[misc]
                    _describe(query),
                )
                if found is None:
                    break
                self._add(pool, found)
                result = decide(source, pool.values(), self.policy)
                if result.matched:
                    break
        if result is None:
            if not queries:
                raise CapabilityError(
                    "cannot look tracks up (no ISRC or text search)", provider=name
                )
            result = decide(source, pool.values(), self.policy)
        return self._with_queries(result, queries)

    async def _call(
        self,
        operation: str,
        queries: list[str],
        call: Callable[[], Awaitable[list[Track]]],
        description: str,
    ) -> list[Track] | None:
        ok, cost, remaining = affordable(self.provider, operation)
        if not ok:
            if not queries:
                raise QuotaExceeded(
                    f"no quota left for {operation}",
                    provider=self.provider.name,
                    needed=cost,
                    remaining=remaining or 0,
                )
            queries.append(f"{description} (skipped: quota)")
            return None
        try:
            self.lookups += 1
            found = await call()
        except QuotaExceeded:
            if not queries:
                raise
            queries.append(f"{description} (skipped: quota)")
            return None
        queries.append(f"{description}: {len(found)} candidate(s)")
        return found

    def _add(self, pool: dict[str, NormalizedTrack], found: list[Track]) -> None:
        name = self.provider.name
        for candidate in found:
            key = candidate.provider_ids.get(name) or f"#{len(pool)}:{candidate.title}"
            if key not in pool:
                pool[key] = normalize_track(candidate)

    def _with_queries(self, result: MatchResult, queries: list[str]) -> MatchResult:
        explanation = attrs.evolve(result.explanation, queries=tuple(queries))
        return attrs.evolve(result, explanation=explanation)

    def _corrected(self, track: Track, track_id: str | None, note: str | None) -> MatchResult:
        name = self.provider.name
        why = "remembered correction" + (f": {note}" if note else "")
        if track_id is None:
            return MatchResult(
                track, MatchStatus.UNMATCHED, None, 1.0, Explanation("correction", (why,))
            )
        target = Track(
            title=track.title,
            artists=track.artists,
            album=track.album,
            duration_ms=DurationMs(track.duration_ms) if track.duration_ms else None,
            isrc=track.isrc,
            provider_ids={name: track_id},
        )
        return MatchResult(
            track, MatchStatus.MATCHED, target, 1.0, Explanation("correction", (why,))
        )
