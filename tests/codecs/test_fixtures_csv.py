"""Real Exportify exports (shared fixtures) read, match the raw cells, and round-trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from playlist_interop.codecs.csv import CSV
from playlist_interop.errors import PlaylistFormatError


def _manifest(shared_fixtures: Path) -> list[tuple[Path, str]]:
    root = shared_fixtures / "playlists"
    entries = []
    for line in (root / "expected.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        if cells[0].startswith("csv/"):
            entries.append((root / cells[0], cells[1]))
    return entries


def _raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_manifest_lists_csv_files(shared_fixtures: Path) -> None:
    entries = _manifest(shared_fixtures)
    assert len(entries) >= 10
    assert all(path.is_file() for path, _ in entries)


def test_every_csv_fixture_behaves_as_the_manifest_says(shared_fixtures: Path) -> None:
    for path, expected in _manifest(shared_fixtures):
        if expected == "valid":
            playlist = CSV.read(path, strict=True)
            assert len(playlist.tracks) == len(_raw_rows(path)), path.name
        elif expected == "invalid":
            with pytest.raises(PlaylistFormatError):
                CSV.read(path, strict=True)


def test_cells_land_in_the_right_fields(shared_fixtures: Path) -> None:
    for path, expected in _manifest(shared_fixtures):
        if expected != "valid":
            continue
        playlist = CSV.read(path, strict=True)
        assert playlist.extras["csv.profile"] == "exportify", path.name
        assert playlist.name == path.stem.replace("_", " ")
        for raw, track in zip(_raw_rows(path), playlist.tracks, strict=True):
            assert track.title == raw["Track Name"]
            assert ";".join(track.artist_names) == raw["Artist Name(s)"]
            assert track.duration_ms == (
                int(raw["Duration (ms)"]) if raw["Duration (ms)"] else None
            )
            uri = raw["Track URI"]
            if uri.startswith("spotify:track:"):
                assert track.provider_ids["spotify"] == uri.rsplit(":", 1)[1]
            assert track.explicit is (raw["Explicit"] == "true" if raw["Explicit"] else None)
            assert ",".join(track.genres) == raw["Genres"]
            assert track.extras.get("csv.Added At", "") == raw["Added At"]
            assert track.extras.get("csv.Tempo", "") == raw["Tempo"]


def test_local_or_unavailable_track_row(shared_fixtures: Path) -> None:
    path = next(p for p, _ in _manifest(shared_fixtures) if p.name == "Running_Playlist.csv")
    playlist = CSV.read(path, strict=True)
    without_uri = [t for t in playlist.tracks if "spotify" not in t.provider_ids]
    assert len(without_uri) == 1
    (track,) = without_uri
    assert track.locations == ()
    assert track.duration_ms is None
    assert track.extras["csv.Added At"] == "2020-03-07T20:54:55Z"


def test_fixtures_round_trip_cell_for_cell(shared_fixtures: Path) -> None:
    for path, expected in _manifest(shared_fixtures):
        if expected != "valid":
            continue
        playlist = CSV.read(path, strict=True)
        result = CSV.write(playlist)
        assert [loss.field for loss in result.losses] == ["playlist.name"]
        written = list(csv.DictReader(io.StringIO(result.data.decode("utf-8-sig"), newline="")))
        raw_rows = _raw_rows(path)
        assert len(written) == len(raw_rows)
        for out, raw in zip(written, raw_rows, strict=True):
            assert list(out) == list(raw)
            for header, cell in raw.items():
                # Text starting like a formula gets an apostrophe; nothing else changes.
                guarded = "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
                assert out[header] in (cell, guarded), (path.name, header, cell)
                if header == "Record Label" and cell == "+1 Records":
                    assert out[header] == "'+1 Records"
        assert CSV.read(result.data, strict=True).tracks == playlist.tracks


def test_streaming_equals_whole_read(shared_fixtures: Path) -> None:
    path = next(p for p, _ in _manifest(shared_fixtures) if p.name == "Liked_Songs.csv")
    assert tuple(CSV.iter_tracks(path, strict=True)) == CSV.read(path, strict=True).tracks
