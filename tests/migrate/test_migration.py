"""Migrations against the Spotify loopback emulator: files <-> provider, batches, resume."""

from __future__ import annotations

import asyncio
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from playlist_interop import read_playlist, write_playlist
from playlist_interop.errors import MigrationCancelled, MigrationError
from playlist_interop.matching import Correction, InMemoryCorrectionStore
from playlist_interop.migrate import (
    InMemoryCheckpointStore,
    JsonFileCheckpointStore,
    MigrationCheckpoint,
    PlaylistFile,
    ProgressEvent,
    ProviderPlaylist,
    TrackOutcome,
    migrate,
)
from playlist_interop.model import ArtistCredit, Playlist, Track
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from playlist_interop.types import DurationMs, ProviderPlaylistId, ProviderTrackId
from tests.migrate.conftest import SPOTIFY, CrashingProvider, as_file_entry, catalog

PID = ProviderPlaylistId


def entries_with_duplicates(n: int) -> list[Track]:
    """``n`` catalogue songs as file entries, with a few repeats at spread-out places."""
    songs = [as_file_entry(t) for t in catalog(n)]
    return [*songs[: n // 2], songs[3], *songs[n // 2 :], songs[3], songs[0]]


def expected_uris(entries: list[Track]) -> list[str]:
    by_title = {t.title: t.provider_ids[SPOTIFY] for t in catalog(150)}
    return [f"spotify:track:{by_title[t.title]}" for t in entries]


def write_file(path: Path, entries: list[Track], fmt: str) -> PlaylistFile:
    path.write_bytes(write_playlist(Playlist(name="From a file", tracks=entries), fmt).data)
    return PlaylistFile(path)


def created_playlist(emulator: SpotifyEmulator) -> str:
    (pid,) = [p for p, pl in emulator.playlists.items() if pl.name in ("From a file", "mix")]
    return pid


@pytest.mark.parametrize("fmt", ["jspf", "xspf", "csv"])
async def test_file_to_spotify_in_maximal_batches(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider, fmt: str
) -> None:
    entries = entries_with_duplicates(130)
    source = write_file(tmp_path / f"mix.{fmt}", entries, fmt)
    report = await migrate(source, ProviderPlaylist(spotify))
    pid = created_playlist(emulator)
    assert emulator.playlist_uris(pid) == expected_uris(entries)
    assert report.added == len(entries) == 133
    assert report.counts == {"matched": 133, "uncertain": 0, "unmatched": 0}
    # Minimal calls: one ISRC lookup per distinct track, one create, ceil(n/100) adds.
    assert emulator.request_count("GET", "/v1/search") == 130
    assert report.provider_calls == 130
    assert emulator.request_count("POST", "/v1/me/playlists") == 1
    assert emulator.request_count("POST", f"/v1/playlists/{pid}/items") == math.ceil(133 / 100)


async def test_text_matching_when_the_file_has_no_isrcs(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    entries = [as_file_entry(t, keep_isrc=False) for t in catalog(12)]
    report = await migrate(
        write_file(tmp_path / "m.xspf", entries, "xspf"), ProviderPlaylist(spotify)
    )
    assert report.counts["matched"] == 12
    assert {e.outcome.via for e in report.entries} == {"text"}
    assert emulator.playlist_uris(created_playlist(emulator)) == expected_uris(entries)


async def test_spotify_to_file(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    ids = [t.provider_ids[SPOTIFY] for t in catalog(120)]
    pid = emulator.add_playlist("Road trip", [*ids, ids[0]])
    before = emulator.request_count()
    out = tmp_path / "out" / "road.jspf"
    report = await migrate(ProviderPlaylist(spotify, PID(pid)), PlaylistFile(out))
    assert report.target_location == str(out)
    written = read_playlist(out)
    assert [t.title for t in written.tracks] == [f"Song {i}" for i in range(120)] + ["Song 0"]
    assert written.tracks[5].isrc == "QZCCC0000005"
    assert written.name == "Road trip"
    # One paged playlist read and no lookup at all.
    assert emulator.request_count("GET", "/v1/search") == 0
    assert emulator.request_count("POST") == 0
    assert emulator.request_count() - before <= 1 + math.ceil(121 / 50)


async def test_spotify_to_spotify_needs_no_lookup(
    emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    ids = [t.provider_ids[SPOTIFY] for t in catalog(30)]
    pid = emulator.add_playlist("Copy me", ids)
    report = await migrate(
        ProviderPlaylist(spotify, PID(pid)), ProviderPlaylist(spotify, name="Copy")
    )
    assert {e.outcome.via for e in report.entries} == {"identity"}
    assert emulator.request_count("GET", "/v1/search") == 0
    assert emulator.playlist_uris(report.target_playlist_id or "") == emulator.playlist_uris(pid)


async def test_dry_run_matches_but_writes_nothing(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    entries = [
        *entries_with_duplicates(20),
        Track("Nowhere To Be Found", artists=(ArtistCredit("Nobody"),)),
    ]
    report = await migrate(
        write_file(tmp_path / "m.jspf", entries, "jspf"), ProviderPlaylist(spotify), dry_run=True
    )
    assert report.dry_run
    assert report.counts == {"matched": 23, "uncertain": 0, "unmatched": 1}
    assert report.added == 0
    assert not emulator.playlists
    assert emulator.request_count("POST") == 0
    unmatched = [e for e in report.entries if e.outcome.status == "unmatched"]
    assert unmatched[0].outcome.reasons


async def test_append_to_an_existing_playlist(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    ids = [t.provider_ids[SPOTIFY] for t in catalog(150)]
    pid = emulator.add_playlist("Existing", ids[140:143])
    entries = [as_file_entry(t) for t in catalog(5)]
    report = await migrate(
        write_file(tmp_path / "m.jspf", entries, "jspf"),
        ProviderPlaylist(spotify, PID(pid)),
        checkpoint=InMemoryCheckpointStore(),
    )
    assert report.target_playlist_id == pid
    assert emulator.playlist_uris(pid) == [f"spotify:track:{i}" for i in ids[140:143] + ids[:5]]
    assert emulator.request_count("POST", "/v1/me/playlists") == 0


@pytest.mark.parametrize("after_sending", [False, True], ids=["before-landing", "after-landing"])
async def test_crash_mid_migration_then_resume_without_duplicates(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider, after_sending: bool
) -> None:
    entries = entries_with_duplicates(130)
    source = write_file(tmp_path / "m.jspf", entries, "jspf")
    store = JsonFileCheckpointStore(tmp_path / "checkpoints")
    crashing = CrashingProvider(spotify, fail_on_call=2, after_sending=after_sending)
    with pytest.raises(ConnectionResetError):
        await migrate(source, ProviderPlaylist(crashing), checkpoint=store)  # type: ignore[arg-type]
    pid = created_playlist(emulator)
    assert len(emulator.playlist_uris(pid)) == (133 if after_sending else 100)
    searches = emulator.request_count("GET", "/v1/search")
    # A new process: a new provider object, the same checkpoint directory.
    report = await migrate(
        source,
        ProviderPlaylist(spotify),
        checkpoint=JsonFileCheckpointStore(tmp_path / "checkpoints"),
    )
    assert report.resumed
    assert emulator.playlist_uris(pid) == expected_uris(entries)
    assert emulator.request_count("POST", "/v1/me/playlists") == 1
    assert emulator.request_count("GET", "/v1/search") == searches  # matching is not redone
    assert report.added == len(entries)


async def test_resume_refuses_when_the_target_changed(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    source = write_file(tmp_path / "m.jspf", entries_with_duplicates(150), "jspf")
    store = InMemoryCheckpointStore()
    crashing = CrashingProvider(spotify, fail_on_call=2, after_sending=False)
    with pytest.raises(ConnectionResetError):
        await migrate(source, ProviderPlaylist(crashing), checkpoint=store)  # type: ignore[arg-type]
    pid = created_playlist(emulator)
    emulator.playlists[pid].entries.pop()  # someone edits the playlist meanwhile
    with pytest.raises(MigrationError, match="changed since the checkpoint"):
        await migrate(source, ProviderPlaylist(spotify), checkpoint=store)


async def test_cancel_then_resume(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    entries = entries_with_duplicates(130)
    source = write_file(tmp_path / "m.jspf", entries, "jspf")
    store = InMemoryCheckpointStore()
    cancel = asyncio.Event()
    events: list[ProgressEvent] = []

    async def progress(event: ProgressEvent) -> None:
        events.append(event)
        if event.stage == "add" and event.done >= 100:
            cancel.set()

    with pytest.raises(MigrationCancelled):
        await migrate(
            source, ProviderPlaylist(spotify), checkpoint=store, progress=progress, cancel=cancel
        )
    pid = created_playlist(emulator)
    assert len(emulator.playlist_uris(pid)) == 100
    report = await migrate(
        source, ProviderPlaylist(spotify), checkpoint=store, progress=events.append
    )
    assert emulator.playlist_uris(pid) == expected_uris(entries)
    assert report.resumed
    stages = [e.stage for e in events]
    assert stages[0] == "read"
    assert {"match", "create", "add", "done"} <= set(stages)
    matches = [e for e in events if e.stage == "match"]
    assert matches[-1].done == matches[-1].total == len(entries)
    adds = [e.done for e in events if e.stage == "add"]
    assert adds == sorted(adds) or adds.count(100) >= 1


async def test_cancel_while_matching(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    source = write_file(tmp_path / "m.jspf", entries_with_duplicates(60), "jspf")
    cancel = asyncio.Event()
    cancel.set()
    with pytest.raises(MigrationCancelled):
        await migrate(source, ProviderPlaylist(spotify), cancel=cancel)
    assert not emulator.playlists


async def test_uncertain_entries_are_reported_not_added_unless_asked(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    song = catalog(1)[0]
    # Same title and artist, ten seconds longer and a different ISRC: a suggestion only.
    doubtful = Track(
        song.title,
        artists=song.artists,
        duration_ms=DurationMs(song.duration_ms + 25_000),
        isrc="QZXXX9999999",  # type: ignore[operator]
    )
    source = write_file(tmp_path / "m.jspf", [doubtful, as_file_entry(catalog(2)[1])], "jspf")
    report = await migrate(source, ProviderPlaylist(spotify, name="From a file"))
    assert report.counts == {"matched": 1, "uncertain": 1, "unmatched": 0}
    pid = report.target_playlist_id or ""
    assert len(emulator.playlist_uris(pid)) == 1
    again = await migrate(source, ProviderPlaylist(spotify, name="Both"), include_uncertain=True)
    assert len(emulator.playlist_uris(again.target_playlist_id or "")) == 2


async def test_remembered_corrections_win(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    songs = catalog(3)
    entry = as_file_entry(songs[0])
    corrections = InMemoryCorrectionStore()
    await corrections.put(
        Correction.for_track(entry, SPOTIFY, ProviderTrackId(songs[2].provider_ids[SPOTIFY]))
    )
    report = await migrate(
        write_file(tmp_path / "m.jspf", [entry], "jspf"),
        ProviderPlaylist(spotify),
        corrections=corrections,
    )
    assert emulator.playlist_uris(report.target_playlist_id or "") == [
        f"spotify:track:{songs[2].provider_ids[SPOTIFY]}"
    ]
    assert emulator.request_count("GET", "/v1/search") == 0


async def test_report_as_json_and_table(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    entries = [
        *entries_with_duplicates(4),
        Track("Nowhere To Be Found", artists=(ArtistCredit("Nobody"),)),
    ]
    report = await migrate(
        write_file(tmp_path / "m.jspf", entries, "jspf"), ProviderPlaylist(spotify)
    )
    data = json.loads(report.to_json())
    assert data["counts"] == {"matched": 7, "uncertain": 0, "unmatched": 1}
    assert [e["index"] for e in data["entries"]] == list(range(8))
    assert data["entries"][-1]["status"] == "unmatched"
    assert data["entries"][-1]["reasons"]
    assert data["entries"][0]["via"] == "isrc"
    console = Console(file=io.StringIO(), width=160, record=True)
    console.print(report.table())
    text = console.export_text()
    assert "Nobody - Nowhere To Be Found" in text
    assert "7 matched, 0 uncertain, 1 unmatched" in text


async def test_checkpoint_round_trip_and_format_check(tmp_path: Path) -> None:
    checkpoint = MigrationCheckpoint(
        plan_id="abc",
        outcomes=(
            TrackOutcome(0, "matched", ProviderTrackId("x"), "A - B", 0.97, "isrc", ("why",)),
        ),
        target_playlist_id="pl",
        base_length=0,
        added=1,
        in_flight=0,
        snapshot="s1",
    )
    assert MigrationCheckpoint.from_json(checkpoint.to_json()) == checkpoint
    with pytest.raises(MigrationError):
        MigrationCheckpoint.from_json('{"format": 99}')
    with pytest.raises(MigrationError):
        MigrationCheckpoint.from_json("not json")
    store = JsonFileCheckpointStore(tmp_path)
    await store.save(checkpoint)
    assert await store.load("abc") == checkpoint
    await store.clear("abc")
    assert await store.load("abc") is None


class CrashAfterCreate(CrashingProvider):
    """The playlist is created, then the process dies before the checkpoint records it."""

    async def create_playlist(self, name: str, **kwargs: Any) -> Any:
        await self.inner.create_playlist(name, **kwargs)
        raise ConnectionResetError("simulated crash after the create request")


async def test_crash_right_after_creating_the_playlist_adopts_it_on_resume(
    tmp_path: Path, emulator: SpotifyEmulator, spotify: SpotifyProvider
) -> None:
    entries = entries_with_duplicates(20)
    source = write_file(tmp_path / "m.jspf", entries, "jspf")
    store = InMemoryCheckpointStore()
    crashing = CrashAfterCreate(spotify, fail_on_call=0, after_sending=False)
    with pytest.raises(ConnectionResetError):
        await migrate(source, ProviderPlaylist(crashing), checkpoint=store)  # type: ignore[arg-type]
    report = await migrate(source, ProviderPlaylist(spotify), checkpoint=store)
    assert len(emulator.playlists) == 1  # adopted, not created twice
    assert emulator.playlist_uris(report.target_playlist_id or "") == expected_uris(entries)
