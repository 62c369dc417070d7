"""Finding a codec: by name, extension, media type and content (generated and real files)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from playlist_interop.codecs import (
    Codec,
    available_formats,
    detect_format,
    get_codec,
    read_playlist,
    write_playlist,
)
from playlist_interop.errors import PlaylistFormatError, UnsupportedFormatError
from playlist_interop.model import ArtistCredit, Playlist, Track

SAMPLE = Playlist(
    name="Sample",
    tracks=[
        Track(
            "One",
            artists=[ArtistCredit("Alpha")],
            duration_ms=61_000,
            locations=["http://example.com/one.mp3"],
        ),
        Track("Two", locations=["http://example.com/two.ogg"]),
    ],
)
FORMATS = available_formats()


def test_available_formats() -> None:
    assert set(FORMATS) >= {"m3u", "pls", "xspf", "jspf", "csv"}
    assert list(FORMATS) == sorted(FORMATS)


@pytest.mark.parametrize("name", FORMATS)
def test_every_codec_satisfies_the_protocol(name: str) -> None:
    codec = get_codec(name)
    assert isinstance(codec, Codec)
    assert codec.name == name
    assert get_codec(name.upper()) is codec


def test_aliases_and_unknown_names() -> None:
    assert get_codec("m3u8") is get_codec("m3u")
    assert get_codec("json") is get_codec("jspf")
    with pytest.raises(UnsupportedFormatError, match="unknown format 'mp3'"):
        get_codec("mp3")


@pytest.mark.parametrize(
    ("name", "extension"),
    [(name, ext) for name in FORMATS for ext in get_codec(name).extensions],
)
def test_detect_by_extension(name: str, extension: str) -> None:
    assert detect_format(filename=f"/some/dir/My List.{extension}") == name
    assert detect_format(filename=f"LIST.{extension.upper()}") == name


@pytest.mark.parametrize(
    ("name", "media_type"),
    [(name, mime) for name in FORMATS for mime in get_codec(name).media_types],
)
def test_detect_by_media_type(name: str, media_type: str) -> None:
    assert detect_format(media_type=media_type) == name
    assert detect_format(media_type=f"{media_type.upper()}; charset=utf-8") == name


@pytest.mark.parametrize("name", FORMATS)
def test_detect_by_content_of_our_own_output(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = write_playlist(SAMPLE, name).data
    assert detect_format(head=data) == name
    # Conclusive content wins over a misleading extension.
    other = "pls" if name != "pls" else "m3u"
    if get_codec(name).sniff(data) >= 0.9:
        assert detect_format(filename=f"x.{other}", head=data) == name


def test_extension_decides_when_content_is_unclear() -> None:
    assert detect_format(filename="list.m3u", head=b"/music/a.mp3\n") == "m3u"
    assert detect_format(filename="list.csv", head=b"a,b\n1,2\n") == "csv"


def test_nothing_points_at_a_format() -> None:
    with pytest.raises(UnsupportedFormatError):
        detect_format(filename="notes.txt", head=b"just some words")
    with pytest.raises(UnsupportedFormatError):
        detect_format()
    with pytest.raises(UnsupportedFormatError):
        detect_format(media_type="audio/mpeg")


def test_read_playlist_detects_and_reads(tmp_path: Path) -> None:
    for name in FORMATS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = write_playlist(SAMPLE, name).data
            from_bytes = read_playlist(data)
        assert [t.locations[0] for t in from_bytes.tracks] == [
            "http://example.com/one.mp3",
            "http://example.com/two.ogg",
        ], name
        path = tmp_path / f"sample.{get_codec(name).extensions[0]}"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert len(read_playlist(path).tracks) == 2


def _valid_fixtures(shared_fixtures: Path) -> list[tuple[str, Path]]:
    root = shared_fixtures / "playlists"
    found = []
    for line in (root / "expected.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        folder = cells[0].split("/", 1)[0]
        if cells[1] == "valid" and folder in FORMATS:
            found.append((folder, root / cells[0]))
    return found


def test_real_files_by_name_and_content(shared_fixtures: Path) -> None:
    wrong = []
    for folder, path in _valid_fixtures(shared_fixtures):
        head = path.read_bytes()[:4096]
        try:
            detected = detect_format(filename=path.name, head=head)
        except PlaylistFormatError as exc:
            detected = f"error: {exc}"
        if detected != folder:
            wrong.append((path.name, detected))
    assert wrong == []


def test_real_files_by_content_alone(shared_fixtures: Path) -> None:
    """Formats with a signature are recognised without a file name."""
    wrong = []
    checked = 0
    for folder, path in _valid_fixtures(shared_fixtures):
        head = path.read_bytes()[:4096]
        if folder == "m3u" and b"#EXTM3U" not in head[:16]:
            continue  # a bare list of paths is only an M3U by its name
        checked += 1
        try:
            detected = detect_format(head=head)
        except PlaylistFormatError as exc:
            detected = f"error: {exc}"
        if detected != folder:
            wrong.append((path.name, detected))
    assert checked > 50
    assert wrong == []
