"""Remembered user corrections: "this source track is that provider track" (or "none")."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs

from playlist_interop.matching.normalize import fold, parse_title
from playlist_interop.model import Track
from playlist_interop.types import ProviderName, ProviderTrackId

__all__ = [
    "Correction",
    "CorrectionStore",
    "InMemoryCorrectionStore",
    "JsonFileCorrectionStore",
    "correction_keys",
]


def correction_keys(track: Track) -> tuple[str, ...]:
    """Keys a correction for ``track`` is filed under, most specific first.

    ISRC, then each provider id, then a text key (folded lead artist, core title and version
    markers, length to 5 s) so the same song read from a playlist file finds the correction too.
    """
    keys: list[str] = []
    if track.isrc:
        keys.append(f"isrc:{track.isrc}")
    for provider, track_id in sorted(track.provider_ids.items()):
        keys.append(f"id:{provider}:{track_id}")
    parsed = parse_title(track.title)
    artist = fold(track.artists[0].name) if track.artists else ""
    tags = ",".join(sorted(tag.value for tag in parsed.tags))
    length = "" if track.duration_ms is None else str(round(int(track.duration_ms) / 5000))
    keys.append(f"text:{artist}|{fold(parsed.core)}|{tags}|{length}")
    return tuple(keys)


def _keys(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Correction:
    """A person's decision for one source track at one provider."""

    provider: ProviderName
    """The provider the decision is about."""
    source_keys: tuple[str, ...] = attrs.field(converter=_keys)
    """:func:`correction_keys` of the source track."""
    track_id: ProviderTrackId | None
    """The right track at the provider, or ``None`` for "it is not there"."""
    note: str | None = None
    """Free text (who decided, why)."""

    @classmethod
    def for_track(
        cls,
        source: Track,
        provider: ProviderName,
        track_id: ProviderTrackId | None,
        note: str | None = None,
    ) -> Correction:
        """A correction for ``source`` with its keys computed."""
        return cls(provider, correction_keys(source), track_id, note)


@runtime_checkable
class CorrectionStore(Protocol):
    """Where corrections are remembered; the matcher consults it before any lookup."""

    async def get(self, provider: ProviderName, keys: tuple[str, ...]) -> Correction | None:
        """The correction filed under the first of ``keys`` that has one, if any."""
        ...

    async def put(self, correction: Correction) -> None:
        """Remember ``correction`` under each of its keys (replacing older ones)."""
        ...

    async def delete(self, provider: ProviderName, keys: tuple[str, ...]) -> None:
        """Forget the corrections filed under ``keys``."""
        ...


class InMemoryCorrectionStore:
    """A :class:`CorrectionStore` in a dictionary (tests, one-off runs)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Correction] = {}

    async def get(self, provider: ProviderName, keys: tuple[str, ...]) -> Correction | None:
        """See :meth:`CorrectionStore.get`."""
        for key in keys:
            found = self._items.get((provider, key))
            if found is not None:
                return found
        return None

    async def put(self, correction: Correction) -> None:
        """See :meth:`CorrectionStore.put`."""
        for key in correction.source_keys:
            self._items[(correction.provider, key)] = correction

    async def delete(self, provider: ProviderName, keys: tuple[str, ...]) -> None:
        """See :meth:`CorrectionStore.delete`."""
        for key in keys:
            self._items.pop((provider, key), None)

    def __len__(self) -> int:
        return len({id(c) for c in self._items.values()})


class JsonFileCorrectionStore(InMemoryCorrectionStore):
    """A :class:`CorrectionStore` kept in a JSON file, rewritten atomically on each change."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self._lock = asyncio.Lock()
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            for item in data.get("corrections", []):
                correction = Correction(
                    provider=ProviderName(item["provider"]),
                    source_keys=tuple(item["source_keys"]),
                    track_id=(
                        None if item.get("track_id") is None else ProviderTrackId(item["track_id"])
                    ),
                    note=item.get("note"),
                )
                for key in correction.source_keys:
                    self._items[(correction.provider, key)] = correction

    async def put(self, correction: Correction) -> None:
        """See :meth:`CorrectionStore.put`."""
        async with self._lock:
            await super().put(correction)
            self._save()

    async def delete(self, provider: ProviderName, keys: tuple[str, ...]) -> None:
        """See :meth:`CorrectionStore.delete`."""
        async with self._lock:
            await super().delete(provider, keys)
            self._save()

    def _save(self) -> None:
        unique: dict[int, Correction] = {id(c): c for c in self._items.values()}
        payload = {
            "version": 1,
            "corrections": [
                {
                    "provider": c.provider,
                    "source_keys": list(c.source_keys),
                    "track_id": c.track_id,
                    "note": c.note,
                }
                for c in unique.values()
            ],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".corrections-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
