"""Stored playlists (imported files, snapshots of provider playlists) and the artist catalog.

A stored playlist is kept as the model converter's JSON document. Every artist credited on
its tracks is entered in the shared ``artists`` catalog (keyed by a normalised name) and
linked to the playlist with the number of entries crediting it, which is what ``/artists``
lists; MusicBrainz data is attached to catalog entries when enrichment finds them.
Playlists written by other components (the worker's import job) are indexed lazily, the
first time the owner's catalog is read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from playlist_interop.codecs import detect_format, read_playlist
from playlist_interop.model import Playlist, Track, make_converter
from playlist_interop.providers.musicbrainz import MusicBrainzClient
from playlist_service.store import begin, read_only
from playlist_service.store.tables import artists, playlist_artists, stored_playlists, utcnow

__all__ = [
    "MAX_IMPORT_BYTES",
    "CatalogArtist",
    "Library",
    "StoredPlaylist",
    "artist_key",
]

MAX_IMPORT_BYTES: Final = 20 * 1024 * 1024
_converter = make_converter()


def artist_key(name: str) -> str:
    """The catalog key of an artist name: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())[:500]


@attrs.frozen
class StoredPlaylist:
    """A stored playlist without its tracks."""

    id: str
    name: str | None
    source: str
    """``file`` (an upload) or ``provider`` (a snapshot)."""
    format: str | None
    provider: str | None
    provider_playlist_id: str | None
    track_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class CatalogArtist:
    """A catalog artist as one user sees it."""

    id: str
    name: str
    musicbrainz_id: str | None
    musicbrainz: Mapping[str, Any] | None
    enriched_at: dt.datetime | None
    playlist_count: int
    """How many of the user's stored playlists credit the artist."""
    track_count: int
    """How many entries of those playlists credit the artist."""


_STORED_COLUMNS = (
    stored_playlists.c.id,
    stored_playlists.c.name,
    stored_playlists.c.source,
    stored_playlists.c.format,
    stored_playlists.c.provider,
    stored_playlists.c.provider_playlist_id,
    stored_playlists.c.track_count,
    stored_playlists.c.created_at,
    stored_playlists.c.updated_at,
)
_STORED_NAMES = tuple(column.name for column in _STORED_COLUMNS)
_USER_ID = sa.bindparam("user_id", type_=stored_playlists.c.user_id.type)
# One round trip per page: the window count rides along with the rows. Statements on hot
# paths are built once with bound parameters (building one costs more than running it).
_PAGE_WITH_TOTAL = (
    sa.select(*_STORED_COLUMNS, sa.func.count().over().label("total"))
    .where(stored_playlists.c.user_id == _USER_ID)
    .order_by(stored_playlists.c.created_at.desc(), stored_playlists.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
    .offset(sa.bindparam("offset", type_=sa.Integer))
)
_OWNED_PLAYLIST = sa.select(stored_playlists.c.id).where(
    stored_playlists.c.id == sa.bindparam("playlist_id", type_=stored_playlists.c.id.type),
    stored_playlists.c.user_id == _USER_ID,
)
OWNERSHIP_TTL = 5.0
"""Seconds :meth:`Library.owns` trusts a playlist it found to be the user's."""
MAX_REMEMBERED_OWNERSHIPS = 10_000
_COUNT_OF_USER = sa.select(sa.func.count()).where(stored_playlists.c.user_id == _USER_ID)


def _insert_ignore(conn: AsyncConnection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


class Library:
    """The users' stored playlists and the artist catalog."""

    def __init__(self, engine: AsyncEngine, *, ownership_ttl: float = OWNERSHIP_TTL) -> None:
        self.engine = engine
        self._ownership_ttl = ownership_ttl
        self._owned: dict[tuple[str, str], float] = {}  # (user, playlist) -> confirmed at

    async def owns(self, user_id: str, playlist_id: str) -> bool:
        """Whether the user has this stored playlist (for checks before queueing a job).

        A confirmation is remembered for ``ownership_ttl`` seconds. A playlist deleted
        meanwhile in another process can then still pass, which is the race every such
        check has anyway: the job finds no playlist and fails with ``playlist-not-found``.
        A deletion through this process is forgotten at once.
        """
        key = (user_id, playlist_id)
        confirmed = self._owned.get(key)
        if confirmed is not None and time.monotonic() - confirmed < self._ownership_ttl:
            return True
        async with read_only(self.engine) as conn:
            row = (
                await conn.execute(
                    _OWNED_PLAYLIST, {"playlist_id": playlist_id, "user_id": user_id}
                )
            ).first()
        if row is None:
            self._owned.pop(key, None)
            return False
        if self._ownership_ttl > 0:
            if len(self._owned) >= MAX_REMEMBERED_OWNERSHIPS:
                del self._owned[next(iter(self._owned))]  # the oldest first
            self._owned[key] = time.monotonic()
        return True

    # -- playlists ------------------------------------------------------------------------

    async def store(
        self,
        user_id: str,
        playlist: Playlist,
        *,
        source: str,
        format: str | None = None,
        provider: str | None = None,
        provider_playlist_id: str | None = None,
    ) -> StoredPlaylist:
        """Keep a playlist for the user and enter its artists in the catalog."""
        now = utcnow()
        playlist_id = uuid.uuid4().hex
        document = _converter.unstructure(playlist)
        async with begin(self.engine) as conn:
            await conn.execute(
                sa.insert(stored_playlists).values(
                    id=playlist_id,
                    user_id=user_id,
                    name=(playlist.name or None) and playlist.name[:500],
                    source=source,
                    format=format,
                    provider=provider,
                    provider_playlist_id=provider_playlist_id,
                    track_count=len(playlist.tracks),
                    document=document,
                    created_at=now,
                    updated_at=now,
                )
            )
            await self._index(conn, playlist_id, playlist)
            row = (
                await conn.execute(
                    sa.select(*_STORED_COLUMNS).where(stored_playlists.c.id == playlist_id)
                )
            ).one()
        return StoredPlaylist(**row._mapping)

    async def import_file(
        self,
        user_id: str,
        data: bytes,
        *,
        filename: str | None = None,
        format: str | None = None,
    ) -> tuple[StoredPlaylist, list[str]]:
        """Read an uploaded playlist file with the library's codecs and store it.

        Returns the stored playlist and the codec's warnings (entries it could not keep).

        Raises:
            PlaylistFormatError: the file is not a playlist the codecs can read.
        """
        warnings: list[str] = []

        def parse() -> tuple[Playlist, str]:
            name = format or detect_format(filename=filename, head=data[:4096])
            playlist = read_playlist(
                data, format=name, on_warning=lambda w: warnings.append(str(w))
            )
            return playlist, name

        playlist, fmt = await asyncio.to_thread(parse)
        if not playlist.name and filename:
            stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0].strip()
            if stem:
                playlist = attrs.evolve(playlist, name=stem)
        stored = await self.store(user_id, playlist, source="file", format=fmt)
        return stored, warnings[:100]

    async def list_playlists(
        self, user_id: str, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[StoredPlaylist], int]:
        """A page of the user's stored playlists (newest first) and the total count."""
        page = {"user_id": user_id, "limit": limit, "offset": offset}
        async with read_only(self.engine) as conn:
            rows = (await conn.execute(_PAGE_WITH_TOTAL, page)).all()
            if rows:
                total = int(rows[0].total)
            elif offset == 0:
                total = 0
            else:  # a page past the end carries no count: ask for it
                total = int(await conn.scalar(_COUNT_OF_USER, page) or 0)
        items = [StoredPlaylist(**{k: row._mapping[k] for k in _STORED_NAMES}) for row in rows]
        return items, total

    async def get(self, user_id: str, playlist_id: str) -> tuple[StoredPlaylist, Playlist] | None:
        """A stored playlist of the user with its tracks, or ``None``."""
        t = stored_playlists
        async with read_only(self.engine) as conn:
            row = (
                await conn.execute(
                    sa.select(*_STORED_COLUMNS, t.c.document).where(
                        t.c.id == playlist_id, t.c.user_id == user_id
                    )
                )
            ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        document = values.pop("document")
        return StoredPlaylist(**values), _converter.structure(document, Playlist)

    async def delete(self, user_id: str, playlist_id: str) -> bool:
        """Forget a stored playlist; ``False`` when the user has no such playlist."""
        self._owned.pop((user_id, playlist_id), None)
        t = stored_playlists
        async with begin(self.engine) as conn:
            await conn.execute(
                sa.delete(playlist_artists).where(
                    playlist_artists.c.playlist_id.in_(
                        sa.select(t.c.id).where(t.c.id == playlist_id, t.c.user_id == user_id)
                    )
                )
            )
            result = await conn.execute(
                sa.delete(t).where(t.c.id == playlist_id, t.c.user_id == user_id)
            )
            return bool(result.rowcount)

    # -- artist catalog ---------------------------------------------------------------------

    async def _index(self, conn: AsyncConnection, playlist_id: str, playlist: Playlist) -> None:
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for track in playlist.tracks:
            seen: set[str] = set()
            for credit in track.artists:
                key = artist_key(credit.name)
                if not key or key in seen:
                    continue
                seen.add(key)
                counts[key] += 1
                names.setdefault(key, credit.name.strip()[:500])
        if not counts:
            return
        now = utcnow()
        keys = sorted(counts)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            await conn.execute(
                _insert_ignore(conn, artists),
                [
                    {"id": uuid.uuid4().hex, "name": names[k], "name_key": k, "created_at": now}
                    for k in chunk
                ],
            )
            result = await conn.execute(
                sa.select(artists.c.name_key, artists.c.id).where(artists.c.name_key.in_(chunk))
            )
            ids: dict[str, str] = {row.name_key: row.id for row in result}
            await conn.execute(
                _insert_ignore(conn, playlist_artists),
                [
                    {"playlist_id": playlist_id, "artist_id": ids[k], "track_count": counts[k]}
                    for k in chunk
                ],
            )

    async def index_pending(self, user_id: str) -> int:
        """Enter the artists of the user's stored playlists written without indexing."""
        t = stored_playlists
        linked = sa.select(playlist_artists.c.playlist_id).where(
            playlist_artists.c.playlist_id == t.c.id
        )
        async with read_only(self.engine) as conn:
            pending = (
                (
                    await conn.execute(
                        sa.select(t.c.id).where(
                            t.c.user_id == user_id, t.c.track_count > 0, ~sa.exists(linked)
                        )
                    )
                )
                .scalars()
                .all()
            )
        for playlist_id in pending:
            async with begin(self.engine) as conn:
                document = await conn.scalar(sa.select(t.c.document).where(t.c.id == playlist_id))
                if document is None:
                    continue
                await self._index(conn, playlist_id, _converter.structure(document, Playlist))
        return len(pending)

    def _artist_query(self, user_id: str) -> sa.Select[Any]:
        a, pa, t = artists, playlist_artists, stored_playlists
        return (
            sa.select(
                a.c.id,
                a.c.name,
                a.c.musicbrainz_id,
                a.c.musicbrainz,
                a.c.enriched_at,
                sa.func.count(pa.c.playlist_id).label("playlist_count"),
                sa.func.sum(pa.c.track_count).label("track_count"),
            )
            .join(pa, pa.c.artist_id == a.c.id)
            .join(t, t.c.id == pa.c.playlist_id)
            .where(t.c.user_id == user_id)
            .group_by(a.c.id, a.c.name, a.c.musicbrainz_id, a.c.musicbrainz, a.c.enriched_at)
        )

    @staticmethod
    def _catalog_artist(row: sa.RowMapping) -> CatalogArtist:
        return CatalogArtist(
            id=row["id"],
            name=row["name"],
            musicbrainz_id=row["musicbrainz_id"],
            musicbrainz=row["musicbrainz"],
            enriched_at=row["enriched_at"],
            playlist_count=int(row["playlist_count"]),
            track_count=int(row["track_count"] or 0),
        )

    async def list_artists(
        self, user_id: str, *, limit: int = 50, offset: int = 0, query: str | None = None
    ) -> tuple[list[CatalogArtist], int]:
        """The artists of the user's stored playlists, most credited first, and the total."""
        await self.index_pending(user_id)
        select = self._artist_query(user_id)
        if query:
            select = select.where(artists.c.name_key.contains(artist_key(query), autoescape=True))
        async with read_only(self.engine) as conn:
            total = await conn.scalar(sa.select(sa.func.count()).select_from(select.subquery()))
            rows = await conn.execute(
                select.order_by(sa.desc("track_count"), artists.c.name, artists.c.id)
                .limit(limit)
                .offset(offset)
            )
            return [self._catalog_artist(row._mapping) for row in rows], int(total or 0)

    async def get_artist(self, user_id: str, artist_id: str) -> CatalogArtist | None:
        """One artist of the user's catalog, or ``None``."""
        await self.index_pending(user_id)
        async with read_only(self.engine) as conn:
            row = (
                await conn.execute(self._artist_query(user_id).where(artists.c.id == artist_id))
            ).first()
        return self._catalog_artist(row._mapping) if row is not None else None

    async def _tracks_crediting(
        self, user_id: str, artist_id: str, key: str, *, limit: int
    ) -> list[Track]:
        """Up to ``limit`` tracks of the user's playlists crediting the artist, ISRCs first."""
        t, pa = stored_playlists, playlist_artists
        async with read_only(self.engine) as conn:
            documents = (
                (
                    await conn.execute(
                        sa.select(t.c.document)
                        .join(pa, pa.c.playlist_id == t.c.id)
                        .where(pa.c.artist_id == artist_id, t.c.user_id == user_id)
                        .order_by(t.c.created_at)
                        .limit(20)
                    )
                )
                .scalars()
                .all()
            )
        found: list[Track] = []
        seen: set[tuple[str, str | None]] = set()
        for document in documents:
            for track in _converter.structure(document, Playlist).tracks:
                if any(artist_key(c.name) == key for c in track.artists):
                    ident = (track.title, track.isrc)
                    if ident not in seen:
                        seen.add(ident)
                        found.append(track)
        found.sort(key=lambda track: track.isrc is None)
        return found[:limit]

    async def enrich_artist(
        self, user_id: str, artist_id: str, client: MusicBrainzClient, *, attempts: int = 3
    ) -> CatalogArtist | None:
        """Look the artist up in MusicBrainz through recordings of the user's playlists.

        MusicBrainz is asked for the recording of up to ``attempts`` tracks crediting the
        artist (by ISRC first, then a scored search: the library's client); the credit of
        the first recording found whose name matches gives the artist's MBID. Without a
        match, the artist is marked as looked up (``enriched_at``) with no data.

        Returns ``None`` when the user has no such artist.
        """
        artist = await self.get_artist(user_id, artist_id)
        if artist is None:
            return None
        key = artist_key(artist.name)
        for track in await self._tracks_crediting(user_id, artist_id, key, limit=attempts):
            recording = await client.find(track)
            if recording is None:
                continue
            for credit in recording.artist_credit:
                if key in {artist_key(credit.name), artist_key(credit.artist_name)}:
                    await self.set_musicbrainz(
                        artist_id,
                        str(credit.artist_id),
                        {
                            "id": str(credit.artist_id),
                            "name": credit.artist_name,
                            "credited_as": credit.name,
                            "recording": {
                                "id": str(recording.id),
                                "title": recording.title,
                                "first_release_date": recording.first_release_date,
                            },
                            "tags": list(recording.tags),
                        },
                    )
                    return await self.get_artist(user_id, artist_id)
        await self.set_musicbrainz(artist_id, None, None)
        return await self.get_artist(user_id, artist_id)

    async def set_musicbrainz(
        self, artist_id: str, musicbrainz_id: str | None, data: Mapping[str, Any] | None
    ) -> None:
        """Attach MusicBrainz data to a catalog artist (``None`` records "looked, no match")."""
        async with begin(self.engine) as conn:
            await conn.execute(
                sa.update(artists)
                .where(artists.c.id == artist_id)
                .values(
                    musicbrainz_id=musicbrainz_id,
                    musicbrainz=dict(data) if data is not None else None,
                    enriched_at=utcnow(),
                )
            )
