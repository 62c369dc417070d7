"""The migration run: plan -> match -> create -> add in batches -> report, resumable."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import attrs

from playlist_interop.codecs import detect_format, write_playlist
from playlist_interop.errors import MigrationCancelled, MigrationError, QuotaExceeded
from playlist_interop.matching import CorrectionStore, Matcher, MatchPolicy
from playlist_interop.matching._matcher import affordable
from playlist_interop.migrate._plan import (
    Endpoint,
    MigrationPlan,
    PlaylistFile,
    ProviderPlaylist,
    describe,
    match_entries,
    plan_id_for,
    read_source,
)
from playlist_interop.migrate._report import (
    MigrationReport,
    ProgressEvent,
    ProgressSink,
    ReportEntry,
    emit,
)
from playlist_interop.migrate.checkpoint import (
    CheckpointStore,
    MigrationCheckpoint,
    TrackOutcome,
)
from playlist_interop.model import Playlist, Track
from playlist_interop.providers._protocol import Capability, Provider
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId

__all__ = ["migrate"]


class _Cancel:
    def __init__(self, event: asyncio.Event | None) -> None:
        self.event = event

    def __call__(self) -> bool:
        return self.event is not None and self.event.is_set()


def _identity_outcomes(playlist: Playlist) -> tuple[TrackOutcome, ...]:
    return tuple(
        TrackOutcome(index=i, status="matched", confidence=1.0, via="identity")
        for i in range(len(playlist.tracks))
    )


async def migrate(
    source: Endpoint | Playlist,
    target: Endpoint,
    *,
    dry_run: bool = False,
    checkpoint: CheckpointStore | None = None,
    resume: bool = True,
    progress: ProgressSink | None = None,
    cancel: asyncio.Event | None = None,
    policy: MatchPolicy | None = None,
    corrections: CorrectionStore | None = None,
    include_uncertain: bool = False,
    concurrency: int = 8,
) -> MigrationReport:
    """Copy a playlist from ``source`` to ``target``, matching tracks at the target provider.

    Steps: read the source; match each distinct entry once (identity when the entry already
    has an id at the target provider, then remembered corrections, ISRC, text); stop here for
    a dry run; create the target playlist (or use the given one and append); add the matched
    entries in the provider's maximal batches, in order, duplicates kept; report.

    With a ``checkpoint`` store the run saves its state after every add batch (and while
    matching) and, when ``resume`` is true, continues a previous run of the same plan without
    adding any entry twice: a batch in flight at a crash is checked against the target.

    Args:
        source: A provider playlist, a playlist file or a :class:`Playlist`.
        target: A provider playlist (``playlist_id=None`` creates one) or a file.
        dry_run: Match and report, write nothing.
        checkpoint: Where to keep resumable state.
        resume: Continue the checkpoint of this plan if there is one.
        progress: Receives a :class:`ProgressEvent` at each step.
        cancel: Set it to stop at the next safe point (raises :class:`MigrationCancelled`).
        policy: Matching thresholds.
        corrections: Remembered user decisions, consulted before any lookup.
        include_uncertain: Also add entries whose match is only ``uncertain``.
        concurrency: Lookups in flight at once.

    Raises:
        MigrationCancelled: ``cancel`` was set; the checkpoint allows resuming.
        MigrationError: the target changed under a resumed run, or the source is unusable.
    """
    cancelled = _Cancel(cancel)
    source_text, target_text = describe(source), describe(target)
    await emit(progress, ProgressEvent("read", 0, 1, source_text))
    state: MigrationCheckpoint | None = None
    playlist = await read_source(source)
    plan_id = plan_id_for(playlist, source_text, target_text)
    if checkpoint is not None and resume:
        state = await checkpoint.load(plan_id)
    resumed = state is not None
    if state is None:
        state = MigrationCheckpoint(plan_id=plan_id)
    await emit(progress, ProgressEvent("read", 1, 1, f"{len(playlist.tracks)} entries"))

    async def save(new_state: MigrationCheckpoint) -> MigrationCheckpoint:
        if checkpoint is not None and not dry_run:
            await checkpoint.save(new_state)
        return new_state

    calls = 0
    if isinstance(target, PlaylistFile):
        outcomes = _identity_outcomes(playlist)
        plan = MigrationPlan(plan_id, playlist, outcomes)
    else:
        matcher = Matcher(target.provider, policy=policy or MatchPolicy(), corrections=corrections)
        known = {o.index: o for o in state.outcomes}

        async def on_chunk(done: dict[int, TrackOutcome]) -> None:
            nonlocal state
            assert state is not None
            state = await save(attrs.evolve(state, outcomes=tuple(done.values())))

        found, results = await match_entries(
            playlist.tracks,
            matcher,
            known=known,
            concurrency=concurrency,
            progress=progress,
            cancelled=cancelled,
            on_chunk=on_chunk if checkpoint is not None else None,
        )
        calls = matcher.lookups
        outcomes = tuple(found[i] for i in range(len(playlist.tracks)))
        plan = MigrationPlan(
            plan_id, playlist, outcomes, [results.get(i) for i in range(len(outcomes))]
        )
        state = attrs.evolve(state, outcomes=outcomes)
    if dry_run:
        total = len(plan.outcomes)
        await emit(progress, ProgressEvent("done", total, total, "dry run"))
        return _report(plan, source_text, target_text, dry_run=True, calls=calls)
    if isinstance(target, PlaylistFile):
        location = await _write_file(playlist, target)
        await emit(progress, ProgressEvent("done", 1, 1, location))
        return _report(
            plan, source_text, target_text, added=len(playlist.tracks), location=location
        )
    ids = [ProviderTrackId(i) for i in plan.to_add(include_uncertain=include_uncertain)]
    state = await _ensure_target(
        target, playlist, state, resumable=checkpoint is not None, progress=progress, save=save
    )
    state = await save(state)
    playlist_id = ProviderPlaylistId(state.target_playlist_id or "")
    if state.in_flight:
        state = await save(await _settle_in_flight(target.provider, playlist_id, state, ids))
    provider = target.provider
    size = max(1, int(provider.max_add_batch))
    await emit(progress, ProgressEvent("add", state.added, len(ids)))
    while state.added < len(ids):
        if cancelled():
            raise MigrationCancelled(f"cancelled after adding {state.added} of {len(ids)}")
        batch = ids[state.added : state.added + size]
        ok, cost, remaining = affordable(provider, "add_tracks", len(batch))
        if not ok:
            # Stop before anything is in flight: the resume needs no verification read.
            raise QuotaExceeded(
                f"no quota left to add {len(batch)} more; {state.added} of {len(ids)} added",
                provider=provider.name,
                needed=cost,
                remaining=remaining or 0,
            )
        state = await save(attrs.evolve(state, in_flight=len(batch)))
        snapshot = await provider.add_tracks(playlist_id, batch)
        state = await save(
            attrs.evolve(
                state,
                added=state.added + len(batch),
                in_flight=0,
                snapshot=snapshot or state.snapshot,
            )
        )
        await emit(progress, ProgressEvent("add", state.added, len(ids)))
    state = await save(attrs.evolve(state, finished=True))
    await emit(progress, ProgressEvent("done", len(ids), len(ids), playlist_id))
    return _report(
        plan,
        source_text,
        target_text,
        added=state.added,
        playlist_id=playlist_id,
        calls=calls,
        resumed=resumed,
        include_uncertain=include_uncertain,
    )


async def _ensure_target(
    target: ProviderPlaylist,
    playlist: Playlist,
    state: MigrationCheckpoint,
    *,
    resumable: bool,
    progress: ProgressSink | None,
    save: Callable[[MigrationCheckpoint], Awaitable[MigrationCheckpoint]],
) -> MigrationCheckpoint:
    """Create the target playlist, or adopt the given one (recording its length for resumes).

    The name is checkpointed before the create request: if the run dies between the request
    and the next checkpoint, the resumed run adopts the empty playlist of that name (one
    listing of the user's playlists) rather than creating a second one.
    """
    if state.target_playlist_id is not None:
        return state
    provider = target.provider
    if target.playlist_id is not None:
        base = None
        if resumable:
            base = await _count_entries(provider, target.playlist_id)
        return attrs.evolve(state, target_playlist_id=target.playlist_id, base_length=base)
    name = target.name or playlist.name or "Migrated playlist"
    if state.creating is not None and Capability.LIST_PLAYLISTS in provider.capabilities:
        empty = [
            summary
            async for summary in provider.iter_playlists()
            if summary.name == state.creating and summary.track_count == 0
        ]
        if len(empty) == 1:
            ref = empty[0].ref
            return attrs.evolve(
                state,
                target_playlist_id=ref.id,
                base_length=0,
                snapshot=ref.snapshot,
                creating=None,
            )
    state = await save(attrs.evolve(state, creating=name))
    await emit(progress, ProgressEvent("create", 0, 1))
    ref = await provider.create_playlist(
        name, description=playlist.description, public=target.public
    )
    await emit(progress, ProgressEvent("create", 1, 1, ref.id))
    return attrs.evolve(
        state, target_playlist_id=ref.id, base_length=0, snapshot=ref.snapshot, creating=None
    )


async def _entries(provider: Provider, playlist_id: ProviderPlaylistId) -> list[Track]:
    return [track async for track in provider.iter_playlist_tracks(playlist_id)]


async def _count_entries(provider: Provider, playlist_id: ProviderPlaylistId) -> int:
    count = 0
    async for _ in provider.iter_playlist_tracks(playlist_id):
        count += 1
    return count


async def _settle_in_flight(
    provider: Provider,
    playlist_id: ProviderPlaylistId,
    state: MigrationCheckpoint,
    ids: Sequence[ProviderTrackId],
) -> MigrationCheckpoint:
    """Learn whether the batch in flight at the crash landed, from the target's entries."""
    current = [t.provider_ids.get(provider.name) for t in await _entries(provider, playlist_id)]
    done, landed = ids[: state.added], ids[: state.added + state.in_flight]
    base = state.base_length
    if base is not None:
        if len(current) == base + len(landed) and current[base:] == list(landed):
            return attrs.evolve(state, added=len(landed), in_flight=0)
        if len(current) == base + len(done) and current[base:] == list(done):
            return attrs.evolve(state, in_flight=0)
    else:
        tail_landed = current[len(current) - len(landed) :] if landed else []
        tail_done = current[len(current) - len(done) :] if done else []
        if landed and tail_landed == list(landed) and tail_done != list(done):
            return attrs.evolve(state, added=len(landed), in_flight=0)
        if tail_done == list(done) and tail_landed != list(landed):
            return attrs.evolve(state, in_flight=0)
    raise MigrationError(
        f"the target playlist {playlist_id} changed since the checkpoint "
        f"({len(current)} entries); refusing to guess which tracks are missing"
    )


async def _write_file(playlist: Playlist, target: PlaylistFile) -> str:
    fmt = target.format or detect_format(filename=os.fspath(target.path))
    result = write_playlist(playlist, fmt)
    path = Path(target.path)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(result.data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    await asyncio.to_thread(write)
    return os.fspath(path)


def _report(
    plan: MigrationPlan,
    source: str,
    target: str,
    *,
    dry_run: bool = False,
    added: int = 0,
    playlist_id: str | None = None,
    location: str | None = None,
    calls: int = 0,
    resumed: bool = False,
    include_uncertain: bool = False,
) -> MigrationReport:
    wanted = {"matched", "uncertain"} if include_uncertain else {"matched"}
    entries = tuple(
        ReportEntry(
            source=track,
            outcome=outcome,
            added=not dry_run
            and outcome.status in wanted
            and (outcome.target_id is not None or location is not None),
        )
        for track, outcome in zip(plan.playlist.tracks, plan.outcomes, strict=True)
    )
    return MigrationReport(
        source=source,
        target=target,
        entries=entries,
        dry_run=dry_run,
        target_playlist_id=playlist_id,
        target_location=location,
        added=added,
        provider_calls=calls,
        resumed=resumed,
    )
