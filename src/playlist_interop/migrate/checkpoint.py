"""Migration checkpoints: what a migration has done, so it can resume without repeating it.

A :class:`MigrationCheckpoint` is saved after every successful add batch (and every so often
while matching). It records the match outcome of each source entry, the target playlist, how
many entries were added and, while an add request is in flight, which batch it carries: after
a crash the resumed run reads the target to learn whether that batch landed.

Stores implement :class:`CheckpointStore`; :class:`InMemoryCheckpointStore` and
:class:`JsonFileCheckpointStore` ship here, the service keeps them in its database.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from playlist_interop import errors, types

__all__ = [
    "CheckpointStore",
    "InMemoryCheckpointStore",
    "JsonFileCheckpointStore",
    "MigrationCheckpoint",
    "TrackOutcome",
]

_FORMAT = 1


@attrs.frozen
class TrackOutcome:
    """The match outcome of one source entry, in the compact form checkpoints and reports use."""

    index: int
    """Position in the source playlist (0-based)."""
    status: str
    """``"matched"``, ``"uncertain"`` or ``"unmatched"``."""
    target_id: types.ProviderTrackId | None = None
    """The target track (matched) or the suggestion (uncertain)."""
    target_label: str | None = None
    """``"Artist - Title"`` of the target track, for reports."""
    confidence: float = 0.0
    """From 0.0 to 1.0."""
    via: str = "none"
    """How it was decided (``"isrc"``, ``"text"``, ``"correction"``, ``"identity"``...)."""
    reasons: tuple[str, ...] = ()
    """Why, most important first."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "i": self.index,
            "s": self.status,
            "id": self.target_id,
            "t": self.target_label,
            "c": self.confidence,
            "v": self.via,
            "r": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrackOutcome:
        """Inverse of :meth:`to_dict`."""
        return cls(
            index=int(data["i"]),
            status=str(data["s"]),
            target_id=None if data.get("id") is None else types.ProviderTrackId(str(data["id"])),
            target_label=data.get("t"),
            confidence=float(data.get("c", 0.0)),
            via=str(data.get("v", "none")),
            reasons=tuple(data.get("r", ())),
        )


@attrs.frozen
class MigrationCheckpoint:
    """Everything a resumed migration needs (immutable; each save stores a new one)."""

    plan_id: str
    """Fingerprint of the source entries and the target; a checkpoint only resumes its plan."""
    outcomes: tuple[TrackOutcome, ...] = ()
    """Match outcomes decided so far (any order; by :attr:`TrackOutcome.index`)."""
    target_playlist_id: str | None = None
    """The target playlist, once created or chosen."""
    base_length: int | None = None
    """Entries the target had before this migration added any."""
    added: int = 0
    """Entries of the add list already confirmed in the target."""
    in_flight: int = 0
    """Size of the add batch sent but not yet confirmed (0 when none)."""
    snapshot: str | None = None
    """Target snapshot after the last confirmed batch, when the provider reports one."""
    finished: bool = False
    """True once every batch is confirmed."""
    creating: str | None = None
    """Name of the target playlist while its creation is under way: after a crash in that
    window the resumed run adopts the empty playlist of that name instead of making another."""

    def to_json(self) -> str:
        """Serialise (stable keys, UTF-8 safe)."""
        return json.dumps(
            {
                "format": _FORMAT,
                "plan_id": self.plan_id,
                "outcomes": [o.to_dict() for o in self.outcomes],
                "target_playlist_id": self.target_playlist_id,
                "base_length": self.base_length,
                "added": self.added,
                "in_flight": self.in_flight,
                "snapshot": self.snapshot,
                "finished": self.finished,
                "creating": self.creating,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> MigrationCheckpoint:
        """Inverse of :meth:`to_json`.

        Raises:
            MigrationError: the text is not a checkpoint of a known format.
        """
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                raise errors.MigrationError(f"unknown checkpoint format {data.get('format')!r}")
            return cls(
                plan_id=str(data["plan_id"]),
                outcomes=tuple(TrackOutcome.from_dict(o) for o in data.get("outcomes", ())),
                target_playlist_id=data.get("target_playlist_id"),
                base_length=data.get("base_length"),
                added=int(data.get("added", 0)),
                in_flight=int(data.get("in_flight", 0)),
                snapshot=data.get("snapshot"),
                finished=bool(data.get("finished", False)),
                creating=data.get("creating"),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise errors.MigrationError(f"unreadable checkpoint: {exc}") from exc


@runtime_checkable
class CheckpointStore(Protocol):
    """Where migrations keep their checkpoints, by plan id."""

    async def load(self, plan_id: str) -> MigrationCheckpoint | None:
        """The last checkpoint saved for ``plan_id``, if any."""
        ...

    async def save(self, checkpoint: MigrationCheckpoint) -> None:
        """Replace the checkpoint of ``checkpoint.plan_id`` (atomically)."""
        ...

    async def clear(self, plan_id: str) -> None:
        """Forget the checkpoint of ``plan_id``."""
        ...


class InMemoryCheckpointStore:
    """A :class:`CheckpointStore` in a dictionary (tests; survives only the process)."""

    def __init__(self) -> None:
        self.saves = 0
        self._items: dict[str, str] = {}

    async def load(self, plan_id: str) -> MigrationCheckpoint | None:
        """See :meth:`CheckpointStore.load`."""
        text = self._items.get(plan_id)
        return None if text is None else MigrationCheckpoint.from_json(text)

    async def save(self, checkpoint: MigrationCheckpoint) -> None:
        """See :meth:`CheckpointStore.save` (stored serialised, as a real store would)."""
        self._items[checkpoint.plan_id] = checkpoint.to_json()
        self.saves += 1

    async def clear(self, plan_id: str) -> None:
        """See :meth:`CheckpointStore.clear`."""
        self._items.pop(plan_id, None)


class JsonFileCheckpointStore:
    """A :class:`CheckpointStore` keeping each plan's checkpoint in a directory.

    Two files per plan: the small progress state (rewritten after every add batch) and the
    match outcomes (rewritten only when they change, so a 10,000-entry migration does not
    rewrite megabytes per batch). Both are replaced atomically (temporary file, fsync,
    rename): a crash during a save leaves the previous version intact, and outcomes are
    written before the state that follows them.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._lock = asyncio.Lock()
        self._written: dict[str, tuple[TrackOutcome, ...]] = {}

    def path_for(self, plan_id: str) -> Path:
        """The progress-state file of ``plan_id``."""
        safe = "".join(ch for ch in plan_id if ch.isalnum() or ch in "-_")
        return self.directory / f"migration-{safe}.json"

    def _outcomes_path(self, plan_id: str) -> Path:
        return self.path_for(plan_id).with_suffix(".outcomes.json")

    async def load(self, plan_id: str) -> MigrationCheckpoint | None:
        """See :meth:`CheckpointStore.load`."""
        return await asyncio.to_thread(self._read, plan_id)

    def _read(self, plan_id: str) -> MigrationCheckpoint | None:
        path = self.path_for(plan_id)
        if not path.exists():
            return None
        state = MigrationCheckpoint.from_json(path.read_bytes())
        outcomes_path = self._outcomes_path(plan_id)
        if state.outcomes or not outcomes_path.exists():
            return state
        try:
            raw = json.loads(outcomes_path.read_bytes())
            outcomes = tuple(TrackOutcome.from_dict(item) for item in raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.MigrationError(f"unreadable checkpoint outcomes: {exc}") from exc
        self._written[plan_id] = outcomes
        return attrs.evolve(state, outcomes=outcomes)

    async def save(self, checkpoint: MigrationCheckpoint) -> None:
        """See :meth:`CheckpointStore.save`."""
        async with self._lock:
            await asyncio.to_thread(self._write, checkpoint)

    def _write(self, checkpoint: MigrationCheckpoint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        plan_id = checkpoint.plan_id
        if self._written.get(plan_id) is not checkpoint.outcomes:
            data = json.dumps([o.to_dict() for o in checkpoint.outcomes], ensure_ascii=False)
            self._replace(self._outcomes_path(plan_id), data)
            self._written[plan_id] = checkpoint.outcomes
        self._replace(self.path_for(plan_id), attrs.evolve(checkpoint, outcomes=()).to_json())

    def _replace(self, path: Path, text: str) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".checkpoint-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def clear(self, plan_id: str) -> None:
        """See :meth:`CheckpointStore.clear`."""
        self.path_for(plan_id).unlink(missing_ok=True)
        self._outcomes_path(plan_id).unlink(missing_ok=True)
        self._written.pop(plan_id, None)
