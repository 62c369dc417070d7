"""``playlist match`` and ``playlist migrate`` against the emulator (in a thread)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playlist_interop import read_playlist, write_playlist
from playlist_interop.cli import main
from playlist_interop.model import ArtistCredit, Playlist, Track
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from tests.migrate.conftest import SPOTIFY, as_file_entry, catalog

UNKNOWN = Track("Nowhere To Be Found", artists=(ArtistCredit("Nobody"),))


def playlist_file(tmp_path: Path, n: int = 5, name: str = "Commute") -> Path:
    entries = [*(as_file_entry(t) for t in catalog(n)), UNKNOWN]
    path = tmp_path / "commute.jspf"
    path.write_bytes(write_playlist(Playlist(name=name, tracks=entries), "jspf").data)
    return path


def test_migrate_file_to_a_new_spotify_playlist(
    tmp_path: Path, cli_emulator: SpotifyEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    report_path = tmp_path / "report.json"
    code = main(
        ["migrate", str(playlist_file(tmp_path)), "spotify", "-q", "--json", str(report_path)]
    )
    assert code == 0
    (pid,) = cli_emulator.playlists
    assert cli_emulator.playlists[pid].name == "Commute"
    ids = [t.provider_ids[SPOTIFY] for t in catalog(5)]
    assert cli_emulator.playlist_uris(pid) == [f"spotify:track:{i}" for i in ids]
    report = json.loads(report_path.read_text())
    assert report["counts"] == {"matched": 5, "uncertain": 0, "unmatched": 1}
    err = capsys.readouterr().err
    assert "added 5 of 6 entries" in err
    assert "unmatched" in err
    assert "Nowhere" in err


def test_migrate_dry_run_changes_nothing(
    tmp_path: Path, cli_emulator: SpotifyEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["migrate", str(playlist_file(tmp_path)), "spotify", "--dry-run", "-q"])
    assert code == 0
    assert not cli_emulator.playlists
    assert "would add 5 of 6 entries" in capsys.readouterr().err


def test_migrate_spotify_to_a_file(tmp_path: Path, cli_emulator: SpotifyEmulator) -> None:
    ids = [t.provider_ids[SPOTIFY] for t in catalog(7)]
    pid = cli_emulator.add_playlist("Saved", ids)
    out = tmp_path / "saved.xspf"
    assert main(["migrate", f"spotify:{pid}", str(out), "-q"]) == 0
    assert [t.title for t in read_playlist(out).tracks] == [f"Song {i}" for i in range(7)]


def test_resume_after_a_finished_run_adds_nothing_twice(
    tmp_path: Path, cli_emulator: SpotifyEmulator
) -> None:
    pid = cli_emulator.add_playlist("Target")
    source = str(playlist_file(tmp_path))
    assert main(["migrate", source, f"spotify:{pid}", "-q"]) == 0
    assert main(["migrate", source, f"spotify:{pid}", "-q", "--resume"]) == 0
    assert len(cli_emulator.playlist_uris(pid)) == 5


def test_match_reports_every_decision(
    tmp_path: Path, cli_emulator: SpotifyEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["match", str(playlist_file(tmp_path)), "--to", "spotify", "-q", "--json", "-"])
    assert code == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["dry_run"] is True
    assert [e["status"] for e in report["entries"]] == ["matched"] * 5 + ["unmatched"]
    assert report["entries"][0]["via"] == "isrc"
    assert not cli_emulator.playlists


def test_missing_source_file_is_bad_input(tmp_path: Path, cli_emulator: SpotifyEmulator) -> None:
    assert main(["migrate", str(tmp_path / "nope.m3u"), "spotify", "-q"]) == 2
    assert main(["match", str(tmp_path / "nope.m3u"), "--to", "spotify"]) == 2


def test_progress_bars_are_drawn_on_stderr(
    tmp_path: Path, cli_emulator: SpotifyEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", str(playlist_file(tmp_path)), "spotify"]) == 0
    err = capsys.readouterr().err
    assert "Matching" in err
    assert "6/6" in err
    assert "Adding" in err
