"""Progress events and the migration report (JSON and a rich table)."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from playlist_interop.migrate.checkpoint import TrackOutcome
from playlist_interop.model import Track

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["MigrationReport", "ProgressEvent", "ProgressSink", "ReportEntry", "emit"]


@attrs.frozen
class ProgressEvent:
    """One step of a migration."""

    stage: str
    """``"read"``, ``"match"``, ``"create"``, ``"add"``, ``"write"`` or ``"done"``."""
    done: int
    """Units finished in this stage."""
    total: int
    """Units in this stage."""
    message: str | None = None
    """A short human-readable note."""


@runtime_checkable
class ProgressSink(Protocol):
    """Receives progress events; may be a plain function or a coroutine function."""

    def __call__(self, event: ProgressEvent) -> Awaitable[None] | None:
        """Handle one event (quickly: the migration waits for it)."""
        ...


async def emit(sink: ProgressSink | None, event: ProgressEvent) -> None:
    """Hand ``event`` to ``sink`` (awaiting it when it is a coroutine)."""
    if sink is None:
        return
    result = sink(event)
    if inspect.isawaitable(result):
        await result


@attrs.frozen
class ReportEntry:
    """One source entry and what became of it."""

    source: Track
    """The entry as read from the source."""
    outcome: TrackOutcome
    """Its match outcome."""
    added: bool
    """Whether it was added to the target."""


def _label(track: Track) -> str:
    artist = track.artist_line
    return f"{artist} - {track.title}" if artist else track.title


@attrs.frozen
class MigrationReport:
    """What a migration did (or, for a dry run, would do)."""

    source: str
    """Description of the source."""
    target: str
    """Description of the target."""
    entries: tuple[ReportEntry, ...]
    """Every source entry, in order."""
    dry_run: bool = False
    """True when nothing was written."""
    target_playlist_id: str | None = None
    """The target playlist at the provider (``None`` for a file target or a dry run)."""
    target_location: str | None = None
    """Path of the written file, for a file target."""
    added: int = 0
    """Entries added to the target."""
    provider_calls: int = 0
    """Lookups the matcher made in this run."""
    resumed: bool = False
    """True when this run continued a checkpoint."""

    @property
    def counts(self) -> dict[str, int]:
        """Entries per status: ``{"matched": .., "uncertain": .., "unmatched": ..}``."""
        counter = Counter(entry.outcome.status for entry in self.entries)
        return {key: counter.get(key, 0) for key in ("matched", "uncertain", "unmatched")}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "target": self.target,
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "target_playlist_id": self.target_playlist_id,
            "target_location": self.target_location,
            "added": self.added,
            "provider_calls": self.provider_calls,
            "counts": self.counts,
            "entries": [
                {
                    "index": entry.outcome.index,
                    "source": _label(entry.source),
                    "status": entry.outcome.status,
                    "added": entry.added,
                    "target_id": entry.outcome.target_id,
                    "target": entry.outcome.target_label,
                    "confidence": round(entry.outcome.confidence, 4),
                    "via": entry.outcome.via,
                    "reasons": list(entry.outcome.reasons),
                }
                for entry in self.entries
            ],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def table(self, *, show_matched: bool = False) -> RenderableType:
        """A rich table of the entries that need attention (all of them with ``show_matched``)."""
        from rich.table import Table

        counts = self.counts
        title = (
            f"{self.source} -> {self.target}: {counts['matched']} matched, "
            f"{counts['uncertain']} uncertain, {counts['unmatched']} unmatched"
            + (" (dry run)" if self.dry_run else f", {self.added} added")
        )
        table = Table(title=title, show_lines=False)
        table.add_column("#", justify="right")
        table.add_column("Source")
        table.add_column("Status")
        table.add_column("Target")
        table.add_column("Conf.", justify="right")
        table.add_column("Why")
        style = {"matched": "green", "uncertain": "yellow", "unmatched": "red"}
        for entry in self.entries:
            outcome = entry.outcome
            if outcome.status == "matched" and not show_matched:
                continue
            table.add_row(
                str(outcome.index + 1),
                _label(entry.source),
                f"[{style.get(outcome.status, '')}]{outcome.status}[/]",
                outcome.target_label or "",
                f"{outcome.confidence:.2f}",
                "; ".join(outcome.reasons[:2]),
            )
        return table
