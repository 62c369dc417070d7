"""Migration endpoints, reading the source and planning (matching every entry once)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import attrs

from playlist_interop.codecs import read_playlist
from playlist_interop.errors import MigrationCancelled
from playlist_interop.matching import Matcher, MatchResult, MatchStatus, correction_keys
from playlist_interop.migrate._report import ProgressEvent, ProgressSink, emit
from playlist_interop.migrate.checkpoint import TrackOutcome
from playlist_interop.model import Playlist, Track
from playlist_interop.providers._protocol import Provider
from playlist_interop.types import ProviderName, ProviderPlaylistId

__all__ = [
    "MigrationPlan",
    "PlaylistFile",
    "ProviderPlaylist",
    "describe",
    "match_entries",
    "plan_id_for",
    "read_source",
]


@attrs.frozen
class ProviderPlaylist:
    """A playlist at a provider: a source, or a target (``playlist_id=None`` creates one)."""

    provider: Provider
    """The signed-in provider adapter."""
    playlist_id: ProviderPlaylistId | None = None
    """The playlist; for a target, ``None`` means "create a new playlist"."""
    name: str | None = None
    """Name of a playlist to create (defaults to the source's name)."""
    public: bool = False
    """Visibility of a created playlist."""


@attrs.frozen
class PlaylistFile:
    """A playlist file: a source, or a target written at the end."""

    path: Path = attrs.field(converter=Path)
    """Where it is (or will be)."""
    format: str | None = None
    """Codec name; ``None`` detects it (source) or takes it from the extension (target)."""


Endpoint = ProviderPlaylist | PlaylistFile


def describe(endpoint: Endpoint | Playlist) -> str:
    """A short description (``spotify:37i9...``, ``mix.xspf``, ``new spotify playlist``)."""
    if isinstance(endpoint, Playlist):
        return f"playlist {endpoint.name or '(untitled)'}"
    if isinstance(endpoint, PlaylistFile):
        return os.fspath(endpoint.path)
    if endpoint.playlist_id is None:
        return f"new {endpoint.provider.name} playlist"
    return f"{endpoint.provider.name}:{endpoint.playlist_id}"


async def read_source(source: Endpoint | Playlist) -> Playlist:
    """Read the whole source playlist (one paged read for a provider)."""
    if isinstance(source, Playlist):
        return source
    if isinstance(source, PlaylistFile):
        path, fmt = source.path, source.format
        playlist = await asyncio.to_thread(read_playlist, path, format=fmt)
        if not playlist.name:
            playlist = attrs.evolve(playlist, name=path.stem)
        return playlist
    if source.playlist_id is None:
        raise ValueError("a provider source needs a playlist id")
    return await source.provider.get_playlist(source.playlist_id)


def plan_id_for(playlist: Playlist, source: str, target: str) -> str:
    """Fingerprint of a migration: the source entries (in order) and both endpoints."""
    digest = hashlib.sha256()
    digest.update(f"{source}\x00{target}\x00".encode())
    for track in playlist.tracks:
        digest.update("\x1f".join(_dedupe_key(track)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:32]


def _dedupe_key(track: Track) -> tuple[str, ...]:
    return (*correction_keys(track), track.title, track.artist_line)


def _label(track: Track) -> str:
    return f"{track.artist_line} - {track.title}" if track.artist_line else track.title


def outcome_of(index: int, result: MatchResult, provider: ProviderName) -> TrackOutcome:
    """The compact :class:`TrackOutcome` of a :class:`MatchResult`."""
    target = result.track
    target_id = None if target is None else target.provider_ids.get(provider)
    return TrackOutcome(
        index=index,
        status=result.status.value,
        target_id=target_id,
        target_label=None if target is None else _label(target),
        confidence=result.confidence,
        via=result.explanation.via,
        reasons=result.explanation.reasons,
    )


@attrs.frozen
class MigrationPlan:
    """The outcome of the dry-run part: every entry matched, nothing written yet."""

    plan_id: str
    """Fingerprint (see :func:`plan_id_for`)."""
    playlist: Playlist
    """The source playlist."""
    outcomes: tuple[TrackOutcome, ...]
    """One outcome per source entry, in order."""
    results: Sequence[MatchResult | None] = ()
    """Full match results with explanations, where this run computed them."""

    def to_add(self, *, include_uncertain: bool = False) -> list[str]:
        """Target ids to add, in source order, duplicates kept."""
        wanted = {MatchStatus.MATCHED.value}
        if include_uncertain:
            wanted.add(MatchStatus.UNCERTAIN.value)
        return [o.target_id for o in self.outcomes if o.status in wanted and o.target_id]


async def match_entries(
    tracks: Sequence[Track],
    matcher: Matcher,
    *,
    known: dict[int, TrackOutcome],
    concurrency: int = 8,
    progress: ProgressSink | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    on_chunk: Callable[[dict[int, TrackOutcome]], Awaitable[None]] | None = None,
    chunk: int = 200,
) -> tuple[dict[int, TrackOutcome], dict[int, MatchResult]]:
    """Match every entry not in ``known``, each distinct track once, ``concurrency`` at a time.

    ``on_chunk`` is awaited with all outcomes so far after every ``chunk`` new ones (the
    migration saves its checkpoint there).

    Raises:
        MigrationCancelled: ``cancelled()`` turned true; outcomes so far went to ``on_chunk``.
    """
    provider = matcher.provider_name
    outcomes = dict(known)
    results: dict[int, MatchResult] = {}
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, track in enumerate(tracks):
        if index not in outcomes:
            groups.setdefault(_dedupe_key(track), []).append(index)
    total = len(tracks)
    pending = list(groups.values())
    semaphore = asyncio.Semaphore(max(1, concurrency))
    since_save = 0
    lock = asyncio.Lock()

    async def work(indexes: list[int]) -> None:
        nonlocal since_save
        async with semaphore:
            if cancelled():
                return
            result = await matcher.match(tracks[indexes[0]])
        async with lock:
            for index in indexes:
                results[index] = result
                outcomes[index] = outcome_of(index, result, provider)
            since_save += len(indexes)
            await emit(progress, ProgressEvent("match", len(outcomes), total))
            if on_chunk is not None and since_save >= chunk:
                since_save = 0
                await on_chunk(outcomes)

    await emit(progress, ProgressEvent("match", len(outcomes), total))
    tasks = [asyncio.ensure_future(work(indexes)) for indexes in pending]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if on_chunk is not None:
            await on_chunk(outcomes)
        raise
    if on_chunk is not None and since_save:
        await on_chunk(outcomes)
    if cancelled() and len(outcomes) < total:
        raise MigrationCancelled("cancelled while matching")
    return outcomes, results
