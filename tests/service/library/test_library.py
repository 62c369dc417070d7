"""Stored playlists and the artist catalog on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import ArtistCredit, Playlist, Track, make_converter
from playlist_service.library import Library, artist_key
from playlist_service.store.tables import stored_playlists, users, utcnow


def _playlist(name: str, *credits: tuple[str, ...]) -> Playlist:
    return Playlist(
        name=name,
        tracks=tuple(
            Track(title=f"{name} {i}", artists=tuple(ArtistCredit(n) for n in names))
            for i, names in enumerate(credits)
        ),
    )


@pytest.fixture
async def library(engine: AsyncEngine) -> Library:
    async with engine.begin() as conn:
        for uid in ("alice", "bob"):
            await conn.execute(sa.insert(users).values(id=uid, created_at=utcnow()))
    return Library(engine)


def test_artist_key_folds_case_width_and_spaces() -> None:
    assert artist_key("  Björk ") == artist_key("BJÖRK")
    fullwidth = "\uff2d\uff41\uff53\uff53\uff49\uff56\uff45  Attack"  # NFKC folds the width
    assert artist_key(fullwidth) == "massive attack"


async def test_store_list_get_delete(library: Library) -> None:
    first = await library.store("alice", _playlist("One", ("A",)), source="file", format="m3u")
    await library.store("alice", _playlist("Two", ("B",), ("B",)), source="file")
    await library.store("bob", _playlist("Bob's", ("C",)), source="file")
    items, total = await library.list_playlists("alice", limit=1)
    assert total == 2
    assert len(items) == 1
    found = await library.get("alice", first.id)
    assert found is not None
    assert found[1].tracks[0].artists[0].name == "A"
    assert await library.get("bob", first.id) is None  # not Bob's
    assert not await library.delete("bob", first.id)
    assert await library.delete("alice", first.id)
    assert await library.get("alice", first.id) is None


async def test_pages_carry_the_total_even_past_the_end(library: Library) -> None:
    for name in ("One", "Two", "Three"):
        await library.store("alice", _playlist(name, ("A",)), source="file")
    await library.store("bob", _playlist("Bob's", ("C",)), source="file")
    pages = [await library.list_playlists("alice", limit=2, offset=o) for o in (0, 2, 3, 50)]
    assert [(len(items), total) for items, total in pages] == [(2, 3), (1, 3), (0, 3), (0, 3)]
    assert sorted(p.name for p in pages[0][0] + pages[1][0]) == ["One", "Three", "Two"]
    assert await library.list_playlists("carol") == ([], 0)


async def test_artists_are_counted_per_user_and_deduplicated(library: Library) -> None:
    await library.store(
        "alice",
        _playlist("Mix", ("Massive Attack", "Horace Andy"), ("massive attack",), ("Björk",)),
        source="file",
    )
    await library.store("alice", _playlist("More", ("MASSIVE ATTACK",)), source="file")
    await library.store("bob", _playlist("Bob", ("Björk",)), source="file")
    artists, total = await library.list_artists("alice")
    assert total == 3
    top = artists[0]
    assert top.name == "Massive Attack"  # the first spelling seen is kept
    assert (top.track_count, top.playlist_count) == (3, 2)
    bob, _ = await library.list_artists("bob")
    assert [(a.name, a.track_count) for a in bob] == [("Björk", 1)]
    # one catalog entry shared by both users
    alice_bjork = next(a for a in artists if a.name == "Björk")
    assert alice_bjork.id == bob[0].id


async def test_concurrent_stores_share_catalog_entries(library: Library) -> None:
    names = [f"Artist {n}" for n in range(30)]
    playlists = [_playlist(f"P{i}", *((n,) for n in names)) for i in range(6)]
    await asyncio.gather(*(library.store("alice", p, source="file") for p in playlists))
    artists, total = await library.list_artists("alice", limit=200)
    assert total == 30
    assert {a.playlist_count for a in artists} == {6}


async def test_playlists_written_elsewhere_are_indexed_on_read(
    library: Library, engine: AsyncEngine
) -> None:
    document = make_converter().unstructure(_playlist("Worker import", ("Aphex Twin",)))
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(stored_playlists).values(
                id="job123",
                user_id="alice",
                name="Worker import",
                source="file",
                track_count=1,
                document=document,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    artists, _ = await library.list_artists("alice")
    assert [a.name for a in artists] == ["Aphex Twin"]
    assert await library.index_pending("alice") == 0  # done once


async def test_import_file_uses_the_codecs(library: Library) -> None:
    data = b"#EXTM3U\n#EXTINF:120,Boards of Canada - Roygbiv\nroygbiv.flac\n"
    stored, warnings = await library.import_file("alice", data, filename="mine.m3u")
    assert stored.format == "m3u"
    assert stored.name == "mine"
    assert stored.track_count == 1
    assert warnings == []
    with pytest.raises(PlaylistFormatError):
        await library.import_file("alice", b"\x00\x01 nothing", filename=None)


async def test_ownership_checks_are_remembered_briefly_and_forgotten_on_delete(
    library: Library, engine: AsyncEngine
) -> None:
    stored = await library.store("alice", _playlist("One", ("A",)), source="file")
    assert await library.owns("alice", stored.id)
    assert not await library.owns("bob", stored.id)
    assert not await library.owns("alice", "no-such-id")
    statements: list[str] = []
    sa.event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert await library.owns("alice", stored.id)
    assert statements == []  # remembered: no query
    assert await library.delete("alice", stored.id)
    assert not await library.owns("alice", stored.id)  # deleted here: asked again at once
    strict = Library(library.engine, ownership_ttl=0)
    other = await library.store("alice", _playlist("Two", ("B",)), source="file")
    statements.clear()
    assert await strict.owns("alice", other.id)
    assert await strict.owns("alice", other.id)
    assert len([s for s in statements if "stored_playlists" in s]) == 2
