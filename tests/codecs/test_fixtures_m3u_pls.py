"""The M3U and PLS codecs against real files written by other projects.

Outcomes come from the manifests (``expected.tsv``, top level and per source folder);
the Nightingale ``*_result.xml`` files give the entries that project's reader produced,
which are compared where the two models overlap (location, display title, duration).
"""

from __future__ import annotations

import contextlib
import csv
import urllib.parse
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from playlist_interop.codecs import Codec, detect_format, get_codec
from playlist_interop.codecs._text import decode_legacy
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist, Track

FORMATS = ("m3u", "pls")
ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "playlists"


def _manifest_rows() -> dict[str, dict[str, str]]:
    """``relative path -> row`` from the top-level and per-folder manifests."""
    rows: dict[str, dict[str, str]] = {}
    if not ROOT.is_dir():
        return rows
    with (ROOT / "expected.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["file"].split("/", 1)[0] in FORMATS:
                rows[row["file"]] = row
    for fmt in FORMATS:
        for manifest in sorted((ROOT / fmt).glob("*/expected.tsv")):
            folder = manifest.parent.relative_to(ROOT).as_posix()
            with manifest.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t"):
                    rows.setdefault(f"{folder}/{row['file']}", row)
    return {name: row for name, row in rows.items() if row.get("expected") in {"valid", "invalid"}}


ROWS = _manifest_rows()
VALID = sorted(name for name, row in ROWS.items() if row["expected"] == "valid")
INVALID = sorted(name for name, row in ROWS.items() if row["expected"] == "invalid")


def _codec_for(name: str) -> Codec:
    return get_codec(name.split("/", 1)[0])


def _read(path: Path, codec: Codec, *, strict: bool) -> Playlist:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return codec.read(path, strict=strict)


def test_manifests_cover_every_playlist_file(shared_fixtures: Path) -> None:
    on_disk = {
        path.relative_to(shared_fixtures / "playlists").as_posix()
        for fmt in FORMATS
        for path in (shared_fixtures / "playlists" / fmt).rglob("*")
        if path.is_file() and path.suffix.lower() in {".m3u", ".m3u8", ".pls"}
    }
    assert on_disk, "no M3U/PLS fixtures found"
    assert on_disk == set(ROWS)


@pytest.mark.parametrize("name", VALID)
def test_valid_file_reads(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    codec = _codec_for(name)
    playlist = _read(path, codec, strict=False)
    assert playlist.location == str(path)
    non_blank = [line for line in path.read_bytes().splitlines() if line.strip()]
    if non_blank:
        assert playlist.tracks, "a non-empty file gave no tracks"
    for track in playlist.tracks:
        assert len(track.locations) == 1
        assert track.locations[0].strip() == track.locations[0] != ""
        assert "\n" not in track.title
        assert "\r" not in track.title
    # Streaming gives the same tracks as reading the whole file.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(codec.iter_tracks(path)) == playlist.tracks
    # Writing and reading back keeps every track and location.
    result = codec.write(playlist)
    again = _read_bytes(result.data, codec)
    assert [t.locations for t in again.tracks] == [t.locations for t in playlist.tracks]


def _read_bytes(data: bytes, codec: Codec) -> Playlist:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what we write must read back without complaint
        return codec.read(data, strict=True)


@pytest.mark.parametrize("name", VALID)
def test_valid_file_in_strict_mode(shared_fixtures: Path, name: str) -> None:
    """M3U has no normative spec, so strict accepts every real file; PLS may refuse."""
    path = shared_fixtures / "playlists" / name
    codec = _codec_for(name)
    if codec.name == "m3u":
        lenient = _read(path, codec, strict=False)
        assert _read(path, codec, strict=True) == lenient
    else:
        error: PlaylistFormatError | None = None
        try:
            _read(path, codec, strict=True)
        except PlaylistFormatError as exc:
            error = exc
        if error is not None:
            assert error.codec == "pls"
            assert error.reason


@pytest.mark.parametrize("name", INVALID)
def test_invalid_file_is_refused_in_strict_mode(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    codec = _codec_for(name)
    with pytest.raises(PlaylistFormatError) as info:
        _read(path, codec, strict=True)
    assert info.value.codec == codec.name
    assert info.value.line is not None
    # Lenient mode may recover or refuse, but never crashes with anything else.
    with contextlib.suppress(PlaylistFormatError):
        _read(path, codec, strict=False)


@pytest.mark.parametrize("name", VALID + INVALID)
def test_content_sniffing_finds_the_format(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    head = path.read_bytes()[:4096]
    codec = _codec_for(name)
    if not head.strip():
        assert codec.sniff(head) < 0.3
        return
    assert codec.sniff(head) >= 0.5
    assert detect_format(head=head) == codec.name
    assert detect_format(filename=path.name, head=head) == codec.name


# --- Nightingale expected results -----------------------------------------------------


def _result_pairs() -> list[tuple[str, str]]:
    pairs = []
    for fmt in FORMATS:
        for result in sorted((ROOT / fmt).rglob("*_result.xml")) if ROOT.is_dir() else []:
            stem = result.name.removesuffix("_result.xml")
            candidates = [f"{stem}.{fmt}", f"{stem}.m3u8"]
            if stem.endswith(fmt):
                candidates.append(f"{stem[: -len(fmt)]}.{fmt}")
            for candidate in candidates:
                if (result.parent / candidate).is_file():
                    pairs.append(
                        (
                            result.relative_to(ROOT).as_posix(),
                            (result.parent / candidate).relative_to(ROOT).as_posix(),
                        )
                    )
                    break
    return pairs


_LEGACY_BYTES = {decode_legacy(bytes([b])): bytes([b]) for b in range(256)}


def _name_bytes(text: str) -> set[bytes]:
    """The byte spellings a name may have had in the file (UTF-8, or the legacy 8-bit one)."""
    spellings = {text.encode("utf-8")}
    if all(char in _LEGACY_BYTES for char in text):
        spellings.add(b"".join(_LEGACY_BYTES[char] for char in text))
    with contextlib.suppress(UnicodeEncodeError):
        spellings.add(text.encode("latin-1"))
    return spellings


def _last_part(location: str) -> str:
    if "://" in location:
        parts = urllib.parse.urlsplit(location)
        location = urllib.parse.unquote(parts.path) or parts.netloc
        if location in {"", "/"}:
            location = parts.netloc
    return location.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _display(track: Track) -> str:
    return f"{track.artist_line} - {track.title}" if track.artists else track.title


@pytest.mark.parametrize(("result", "playlist_file"), _result_pairs())
def test_matches_nightingale_results(
    shared_fixtures: Path, result: str, playlist_file: str
) -> None:
    base = shared_fixtures / "playlists"
    codec = _codec_for(playlist_file)
    tracks = list(_read(base / playlist_file, codec, strict=False).tracks)
    expected = ET.parse(base / result).getroot().findall("item-test")
    assert expected
    position = 0
    for item in expected:
        properties = {
            node.get("name"): node.get("value") for node in item.findall("assert-property-value")
        }
        url = properties.get("#contentURL") or item.get("value") or ""
        want = _name_bytes(_last_part(url))
        for index in range(position, len(tracks)):
            if _name_bytes(_last_part(tracks[index].locations[0])) & want:
                position = index + 1
                track = tracks[index]
                break
        else:
            pytest.fail(f"no track for {url} after entry {position}")
        if "#trackName" in properties:
            assert _display(track) == properties["#trackName"]
        if (microseconds := properties.get("#duration")) is not None:
            assert track.duration_ms is not None
            assert track.duration_ms // 1000 == int(microseconds) // 1_000_000
