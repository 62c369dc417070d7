"""``enrichment``: a stored playlist's tracks and catalog artists, looked up at MusicBrainz.

Each track goes through the library's :class:`~playlist_interop.providers.musicbrainz.
MusicBrainzClient` (ISRC first, then a scored search; 1 request per second, as MusicBrainz
asks). Every 10 tracks the enriched ones are checkpointed with a progress event in one fenced
transaction, so a retried attempt resumes after the last checkpoint instead of asking
MusicBrainz again. At the end the stored playlist's document is replaced and the catalog
artists that MusicBrainz identified get their MBIDs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from playlist_interop.model import Track, make_converter
from playlist_interop.providers.musicbrainz import MusicBrainzClient
from playlist_service.library import artist_key
from playlist_service.store.tables import artists, stored_playlists, utcnow
from playlist_service.worker._context import JobContext, PermanentJobError
from playlist_service.worker.handlers._sources import load_playlist

__all__ = ["ENRICHMENT_KIND", "MUSICBRAINZ_SERVICE", "enrich_playlist"]

ENRICHMENT_KIND = "enrichment"
"""Job kind of MusicBrainz enrichments."""

MUSICBRAINZ_SERVICE = "musicbrainz"
"""Key in :attr:`HandlerServices.extras` of a factory of ``MusicBrainzClient``."""

_CHECKPOINT = "enrichment"
_EVERY = 10
_converter = make_converter()


async def enrich_playlist(context: JobContext) -> Mapping[str, Any]:
    """Enrich ``payload["stored_playlist_id"]`` in place. Result: counts of what changed."""
    playlist_id = context.job.payload.get("stored_playlist_id")
    if not isinstance(playlist_id, str):
        raise PermanentJobError("stored_playlist_id is required", code="invalid-job")
    factory: Callable[[], MusicBrainzClient] | None = context.services.extras.get(
        MUSICBRAINZ_SERVICE
    )
    if factory is None:
        raise PermanentJobError("MusicBrainz is not configured", code="enrichment-disabled")
    playlist = await load_playlist(context, {"stored_playlist_id": playlist_id})
    total = len(playlist.tracks)
    state = await context.load_checkpoint(_CHECKPOINT) or {"done": 0, "tracks": {}}
    done = int(state["done"])
    changed: dict[str, Any] = dict(state["tracks"])
    async with factory() as client:
        for index in range(done, total):
            context.check_cancelled()
            track = playlist.tracks[index]
            enriched = await client.enrich(track)
            if enriched != track:
                changed[str(index)] = _converter.unstructure(enriched)
            if (index + 1) % _EVERY == 0 or index + 1 == total:
                async with context.transaction() as tx:
                    await tx.save_checkpoint(_CHECKPOINT, {"done": index + 1, "tracks": changed})
                    await tx.emit(
                        "progress",
                        {"done": index + 1, "total": total, "enriched": len(changed)},
                        progress=(index + 1, total),
                    )
    tracks = list(playlist.tracks)
    for position, document in changed.items():
        tracks[int(position)] = _converter.structure(document, Track)
    result = attrs.evolve(playlist, tracks=tracks)
    identified = _artist_ids(playlist.tracks, tracks)
    async with context.transaction() as tx:
        await tx.connection.execute(
            stored_playlists.update()
            .where(
                stored_playlists.c.id == playlist_id,
                stored_playlists.c.user_id == context.job.owner_id,
            )
            .values(document=_converter.unstructure(result), updated_at=utcnow())
        )
        for key, (name, mbid) in sorted(identified.items()):
            await tx.connection.execute(
                artists.update()
                .where(artists.c.name_key == key)
                .values(
                    musicbrainz_id=mbid,
                    musicbrainz={"id": mbid, "name": name},
                    enriched_at=utcnow(),
                )
            )
    return {
        "stored_playlist_id": playlist_id,
        "tracks": total,
        "enriched": len(changed),
        "artists_identified": len(identified),
    }


def _artist_ids(before: tuple[Track, ...], after: list[Track]) -> dict[str, tuple[str, str]]:
    """Catalog name key -> (credited name, MBID) for every credit MusicBrainz identified.

    A credit is known under the enriched name and, when the credit lists line up, under the
    name the source used (MusicBrainz may write it in another script).
    """
    found: dict[str, tuple[str, str]] = {}
    for old, new in zip(before, after, strict=True):
        aligned = len(old.artists) == len(new.artists)
        for position, credit in enumerate(new.artists):
            if not credit.musicbrainz_id:
                continue
            names = [credit.name]
            if aligned:
                names.append(old.artists[position].name)
            for name in names:
                key = artist_key(name)
                if key:
                    found.setdefault(key, (credit.name, credit.musicbrainz_id))
    return found
