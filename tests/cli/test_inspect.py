"""``playlist inspect``: the summary, ``--json`` and errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from playlist_interop.cli import main
from playlist_interop.model import Playlist, make_converter

RUN_CLI = "import sys; from playlist_interop.cli import main; sys.exit(main(sys.argv[1:]))"
CSV_TEXT = (
    "title,artist,album,duration_ms,isrc,spotify_id,Rating\n"
    "One,Alpha,First [Deluxe],61000,USRC17607839,abc,5\n"
    "Two,Beta,,,,,\n"
)


def test_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "Late_Night.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    assert main(["inspect", str(source)]) == 0
    out = capsys.readouterr().out
    lines = {line.split(None, 1)[0]: line for line in out.splitlines() if line.strip()}
    assert "csv" in lines["Format"]
    assert "Late Night" in lines["Name"]
    assert lines["Tracks"].split()[-1] == "2"
    assert "1:01 (1 of 2 known)" in lines["Duration"]
    assert "spotify 1" in out
    assert "csv.Rating" in out


def test_json_is_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "x.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    assert main(["inspect", "--json", str(source)]) == 0
    document = json.loads(capsys.readouterr().out)
    playlist = make_converter().structure(document, Playlist)
    assert [t.title for t in playlist.tracks] == ["One", "Two"]
    assert playlist.tracks[0].album is not None
    assert playlist.tracks[0].album.title == "First [Deluxe]"
    assert playlist.tracks[0].provider_ids == {"spotify": "abc"}


def test_stdin_with_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class FakeStdin:
        buffer = io.BytesIO(b"[playlist]\nFile1=/a.mp3\nTitle1=A\nNumberOfEntries=1\n")

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    assert main(["inspect", "--json", "--from", "pls", "-"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["tracks"][0]["locations"] == ["/a.mp3"]


def test_warnings_are_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "x.csv"
    source.write_text("title,duration_ms\na,long\nb,longer\n", encoding="utf-8")
    assert main(["inspect", str(source)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("playlist: warning: csv line") == 2
    assert "Warnings" in captured.out


def test_strict_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "x.csv"
    source.write_text("title,duration_ms\na,long\n", encoding="utf-8")
    assert main(["inspect", "--strict", str(source)]) == 2
    err = capsys.readouterr().err
    assert err == "playlist: error: csv line 2, column 2: duration 'long' is not in ms or m:ss\n"


def test_empty_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "x.m3u"
    source.write_bytes(b"")
    assert main(["inspect", str(source)]) == 2
    assert "empty" in capsys.readouterr().err


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """``playlist inspect --json big.m3u | head -c 100``: a quiet stop, as Unix tools do."""
    source = tmp_path / "big.m3u"
    entries = "".join(f"#EXTINF:200,Artist {i} - Song {i}\n/music/{i}.mp3\n" for i in range(20000))
    source.write_text("#EXTM3U\n" + entries, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "inspect", "--json", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.read(100)
    proc.stdout.close()  # the reader goes away with most of the output unread
    _, stderr = proc.communicate(timeout=60)
    assert stderr == b""
    assert proc.returncode == 141
