"""``playlist convert``: formats, stdin/stdout, streaming, losses and errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from playlist_interop.cli import main
from playlist_interop.codecs import get_codec
from playlist_interop.codecs.csv import CSV
from playlist_interop.model import Album, ArtistCredit, Playlist, Track

CSV_TEXT = (
    "title,artist,album,duration_ms,location\n"
    "One,Alpha,First,61000,/music/one.mp3\n"
    "Two,Beta;Gamma,Second,122000,http://example.com/two.ogg\n"
)


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


class FakeStdout:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_to_m3u_by_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "My_Mix.csv", CSV_TEXT)
    target = tmp_path / "out.m3u8"
    assert main(["convert", str(source), str(target)]) == 0
    playlist = get_codec("m3u").read(target)
    assert playlist.name == "My Mix"
    assert [t.locations for t in playlist.tracks] == [
        ("/music/one.mp3",),
        ("http://example.com/two.ogg",),
    ]
    assert [t.duration_ms for t in playlist.tracks] == [61000, 122000]
    err = capsys.readouterr().err
    assert "converted 2 tracks from csv to m3u" in err
    assert "Traceback" not in err


def test_losses_are_printed_as_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "in.csv", "title,artist,isrc,Rating\nx,y,USRC17607839,5\n")
    assert main(["convert", str(source), str(tmp_path / "out.pls")]) == 0
    err = capsys.readouterr().err
    assert "playlist: warning: pls cannot carry isrc (1 track)" in err
    assert "extras.csv.Rating" in err


def test_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "in.csv", "title,isrc\nx,USRC17607839\n")
    assert main(["convert", "-q", str(source), str(tmp_path / "out.m3u")]) == 0
    assert capsys.readouterr().err == ""


def test_stdin_to_stdout_needs_formats(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdout = FakeStdout()
    monkeypatch.setattr(sys, "stdin", FakeStdin(CSV_TEXT.encode()))
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["convert", "-", "-", "--to", "xspf"]) == 0
    playlist = get_codec("xspf").read(stdout.buffer.getvalue())
    assert [t.title for t in playlist.tracks] == ["One", "Two"]
    assert playlist.tracks[1].artist_names in (("Beta", "Gamma"), ("Beta, Gamma",))


def test_stdout_without_to_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "in.csv", CSV_TEXT)
    assert main(["convert", str(source), "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playlist: error:")
    assert "--to" in err
    assert err.count("\n") == 1


def test_csv_profile_option(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", CSV_TEXT)
    target = tmp_path / "out.csv"
    assert main(["convert", str(source), str(target), "--profile", "soundiiz"]) == 0
    header = target.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header == "title,artist,album,isrc"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "excel"], "unknown CSV profile"),
        (["--to", "nope"], "unknown format"),
        (["--from", "nope"], "unknown format"),
    ],
)
def test_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    source = write(tmp_path / "in.csv", CSV_TEXT)
    assert main(["convert", str(source), str(tmp_path / "o.csv"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "o.csv").exists()


def test_profile_on_a_non_csv_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "in.csv", CSV_TEXT)
    assert main(["convert", str(source), str(tmp_path / "o.m3u"), "--profile", "generic"]) == 2
    assert "--profile applies to CSV" in capsys.readouterr().err


def test_missing_input_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(tmp_path / "absent.csv"), str(tmp_path / "o.m3u")]) == 2
    assert "No such file" in capsys.readouterr().err
    assert main(["convert", str(tmp_path), str(tmp_path / "o.m3u")]) == 2
    assert "directory" in capsys.readouterr().err


def test_bad_input_leaves_no_partial_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"t{i},a\n" for i in range(5000))
    source = write(tmp_path / "in.csv", "title,artist\n" + rows + "x,y,z\n")
    target = tmp_path / "out.m3u"
    assert main(["convert", "--strict", str(source), str(target)]) == 2
    err = capsys.readouterr().err
    assert "csv line 5002" in err
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


def test_unknown_content_without_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "blob"
    source.write_bytes(b"\x00\x01 binary junk")
    assert main(["convert", str(source), str(tmp_path / "o.m3u")]) == 2
    assert "format" in capsys.readouterr().err


def test_content_sniffing_beats_a_missing_extension(tmp_path: Path) -> None:
    source = write(tmp_path / "download", "#EXTM3U\n#EXTINF:61,Alpha - One\n/music/one.mp3\n")
    target = tmp_path / "o.csv"
    assert main(["convert", str(source), str(target)]) == 0
    (track,) = CSV.read(target).tracks
    assert (track.title, track.artist_names, track.duration_ms) == ("One", ("Alpha",), 61000)


def test_rich_csv_to_jspf_and_back_keeps_shared_fields(tmp_path: Path) -> None:
    tracks = [
        Track(
            f"Song {i}",
            artists=[ArtistCredit("Band")],
            album=Album("Album"),
            duration_ms=1000 * i,
            locations=[f"http://example.com/{i}.mp3"],
        )
        for i in range(1, 4)
    ]
    source = tmp_path / "in.csv"
    source.write_bytes(CSV.write(Playlist(tracks=tracks)).data)
    middle = tmp_path / "mid.jspf"
    back = tmp_path / "back.csv"
    assert main(["convert", "-q", str(source), str(middle)]) == 0
    assert main(["convert", "-q", str(middle), str(back)]) == 0
    again = CSV.read(back).tracks
    assert [(t.title, t.artist_names, t.duration_ms, t.locations) for t in again] == [
        (t.title, t.artist_names, t.duration_ms, t.locations) for t in tracks
    ]


def test_real_entry_point_never_shows_a_traceback(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "title,artist\n" + "a,b,c\n")
    script = Path(sys.executable).with_name("playlist")
    result = subprocess.run(
        [str(script), "convert", "--strict", "--to", "m3u", str(source), "-"],
        capture_output=True,
        text=True,
        check=False,
        input="",
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr == "playlist: error: csv line 2: row has 3 cells, the header 2\n"


def test_large_inputs_stream_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from playlist_interop.cli import _convert

    monkeypatch.setattr(_convert, "_WHOLE_READ_BYTES", 100)
    lines = ["#EXTM3U", "#PLAYLIST:Big"]
    for i in range(50):
        lines += [f"#EXTINF:{i + 1},Artist - Song {i}", f"/music/{i}.mp3"]
    source = write(tmp_path / "big.m3u", "\n".join(lines) + "\n")
    target = tmp_path / "big.xspf"
    assert main(["convert", str(source), str(target)]) == 0
    err = capsys.readouterr().err
    assert "streaming it without m3u playlist-level fields" in err
    playlist = get_codec("xspf").read(target)
    assert len(playlist.tracks) == 50
    assert playlist.tracks[49].duration_ms == 50_000


def test_csv_input_always_streams_and_keeps_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from playlist_interop.cli import _convert

    monkeypatch.setattr(_convert, "_WHOLE_READ_BYTES", 0)
    text = (
        "Track name,Artist name,Album,Playlist name,Type,ISRC,Spotify - id\n"
        "Song,Band,LP,Road Trip,Playlist,USRC17607839,abc\n"
    )
    source = write(tmp_path / "export.csv", text)
    target = tmp_path / "out.m3u"
    target_xspf = tmp_path / "out.xspf"
    source_with_location = write(tmp_path / "with_loc.csv", "title,location\nA,/a.mp3\n")
    assert main(["convert", str(source), str(target_xspf)]) == 0
    assert get_codec("xspf").read(target_xspf).name == "Road Trip"
    assert main(["convert", str(source_with_location), str(target)]) == 0
    assert get_codec("m3u").read(target).name == "with loc"
    assert "streaming it without" not in capsys.readouterr().err


def test_output_problems_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "in.csv", CSV_TEXT)
    assert main(["convert", str(source), str(tmp_path / "nope" / "o.m3u")]) == 2
    err = capsys.readouterr().err
    assert "No such directory" in err
    assert str(tmp_path / "nope") in err
    (tmp_path / "dir.m3u").mkdir()
    assert main(["convert", str(source), str(tmp_path / "dir.m3u")]) == 2
    assert "Is a directory" in capsys.readouterr().err


def test_converting_a_file_onto_itself_is_safe(tmp_path: Path) -> None:
    source = write(tmp_path / "same.csv", CSV_TEXT)
    assert main(["convert", "-q", str(source), str(source)]) == 0
    assert [t.title for t in CSV.read(source).tracks] == ["One", "Two"]
