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
    """A :class:`CheckpointStore` keeping one JSON file per plan in a directory.

    Files are replaced atomically (write to a temporary file, then rename), so a crash
    during a save leaves the previous checkpoint intact.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._lock = asyncio.Lock()

    def path_for(self, plan_id: str) -> Path:
        """The file of ``plan_id``."""
        safe = "".join(ch for ch in plan_id if ch.isalnum() or ch in "-_")
        return self.directory / f"migration-{safe}.json"

    async def load(self, plan_id: str) -> MigrationCheckpoint | None:
        """See :meth:`CheckpointStore.load`."""
        path = self.path_for(plan_id)
        if not path.exists():
            return None
        return MigrationCheckpoint.from_json(path.read_bytes())

    async def save(self, checkpoint: MigrationCheckpoint) -> None:
        """See :meth:`CheckpointStore.save`."""
        async with self._lock:
            await asyncio.to_thread(self._write, checkpoint)

    def _write(self, checkpoint: MigrationCheckpoint) -> None:
        path = self.path_for(checkpoint.plan_id)
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".checkpoint-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(checkpoint.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def clear(self, plan_id: str) -> None:
        """See :meth:`CheckpointStore.clear`."""
        self.path_for(plan_id).unlink(missing_ok=True)
