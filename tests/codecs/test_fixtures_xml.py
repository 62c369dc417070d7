"""The XSPF, JSPF, ASX and WPL codecs against real files written by other projects.

Outcomes come from the manifests (``expected.tsv``, top level and per source folder) and
their ``severity`` column (see the fixtures' README):

- every ``valid`` file reads in lenient mode, and in strict mode too whenever the lenient
  read found nothing to warn about;
- every ``invalid`` file raises ``PlaylistFormatError`` in strict mode; ``xml`` ones in
  lenient mode too; ``uri`` ones are read leniently with the raw value and a warning; the
  rest may be read with a warning or refused, but never crash;
- the hostile XML files are refused by every XML codec in both modes.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import Codec, FormatWarning, detect_format, get_codec
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Playlist

FORMATS = ("xspf", "jspf", "asx", "wpl", "xml-attacks")
XML_CODECS = ("xspf", "asx", "wpl")
ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "playlists"


def _manifest_rows() -> dict[str, dict[str, str]]:
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
VALID = sorted(n for n, r in ROWS.items() if r["expected"] == "valid")
INVALID = sorted(
    n for n, r in ROWS.items() if r["expected"] == "invalid" and not n.startswith("xml-attacks/")
)
ATTACKS = sorted(n for n in ROWS if n.startswith("xml-attacks/"))


def _codec_for(name: str) -> Codec:
    return get_codec(name.split("/", 1)[0])


def _lenient(path: Path, codec: Codec) -> tuple[Playlist, list[FormatWarning]]:
    seen: list[FormatWarning] = []
    playlist = codec.read(path, strict=False, on_warning=seen.append)
    return playlist, seen


def test_manifests_cover_every_playlist_file(shared_fixtures: Path) -> None:
    for fmt in FORMATS:
        for path in sorted((shared_fixtures / "playlists" / fmt).rglob("*")):
            if path.is_file() and path.suffix.lower() not in {".md", ".tsv"}:
                name = path.relative_to(shared_fixtures / "playlists").as_posix()
                assert name in ROWS, f"{name} has no manifest row"


@pytest.mark.parametrize("name", VALID)
def test_valid_file_reads(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    codec = _codec_for(name)
    playlist, seen = _lenient(path, codec)
    assert isinstance(playlist, Playlist)
    # The streaming path yields the same tracks.
    assert tuple(codec.iter_tracks(path, on_warning=lambda _w: None)) == playlist.tracks
    if not seen:
        assert codec.read(path, strict=True) == playlist
    # What was read can be written and read back strictly.
    result = codec.write(playlist)
    again = codec.read(result.data, strict=True)
    assert len(again.tracks) == len(playlist.tracks)


@pytest.mark.parametrize("name", VALID)
def test_valid_file_is_detected(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    head = path.read_bytes()[:4096]
    assert detect_format(filename=path.name, head=head) == _codec_for(name).name


@pytest.mark.parametrize("name", INVALID)
def test_invalid_file_is_refused_in_strict_mode(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    codec = _codec_for(name)
    with pytest.raises(PlaylistFormatError) as info:
        codec.read(path, strict=True)
    assert info.value.codec == codec.name
    assert info.value.line is not None


@pytest.mark.parametrize("name", INVALID)
def test_invalid_file_in_lenient_mode(shared_fixtures: Path, name: str) -> None:
    path = shared_fixtures / "playlists" / name
    codec = _codec_for(name)
    severity = ROWS[name]["severity"]
    if severity == "xml":
        with pytest.raises(PlaylistFormatError):
            codec.read(path, on_warning=lambda _w: None)
        return
    try:
        _playlist, seen = _lenient(path, codec)
    except PlaylistFormatError:
        assert severity in {"structure", "namespace", "schema", "value"}
        return
    assert seen, "a lenient read of an invalid file must say what was wrong"
    assert all(w.codec == codec.name for w in seen)


def test_uri_violations_keep_the_raw_value(shared_fixtures: Path) -> None:
    uri_rows = [n for n in INVALID if ROWS[n]["severity"] == "uri"]
    assert uri_rows
    for name in uri_rows:
        path = shared_fixtures / "playlists" / name
        playlist, seen = _lenient(path, _codec_for(name))
        assert any("URI" in w.reason for w in seen), name
        blob = repr(playlist)
        assert "This should be a URI" in blob or "This should be a URI" in repr(
            [t.extras for t in playlist.tracks]
        ), name


@pytest.mark.parametrize("codec_name", XML_CODECS)
@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("strict", [False, True])
def test_hostile_xml_is_refused_quickly(
    shared_fixtures: Path, name: str, codec_name: str, strict: bool
) -> None:
    path = shared_fixtures / "playlists" / name
    started = time.perf_counter()
    with pytest.raises(PlaylistFormatError) as info:
        get_codec(codec_name).read(path, strict=strict)
    assert "DOCTYPE" in info.value.reason or "not well-formed" in info.value.reason
    assert time.perf_counter() - started < 2.0


_SNIPPETS = [
    b"<",
    b">",
    b"&",
    b'"',
    b"<track>",
    b"</track>",
    b"<title>x</title>",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\xff",
    b"\x00",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<entry>",
    b'<ref href="a b"/>',
    b"null",
    b"1e999",
    b"-1",
    b'"track":',
    b"<!DOCTYPE a>",
    b"\r",
    b'<meta rel="a b">x</meta>',
    b'<extension application="x y"><a/></extension>',
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_never_crash(data: st.DataObject) -> None:
    """Damaged real files end in PlaylistFormatError or a playlist whose re-encoding is valid."""
    if not ROOT.is_dir():
        pytest.skip("shared fixtures folder is absent")
    name = data.draw(st.sampled_from([n for n in VALID + INVALID if "/" in n]))
    blob = bytearray((ROOT / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(blob)))
        action = data.draw(st.sampled_from(["cut", "insert", "flip"]))
        if action == "cut":
            del blob[at : at + data.draw(st.integers(1, 20))]
        elif action == "insert":
            blob[at:at] = data.draw(st.sampled_from(_SNIPPETS))
        elif blob:
            blob[min(at, len(blob) - 1)] = data.draw(st.integers(0, 255))
    codec = get_codec(data.draw(st.sampled_from(["xspf", "jspf", "asx", "wpl"])))
    for strict in (False, True):
        try:
            playlist = codec.read(bytes(blob), strict=strict, on_warning=lambda _w: None)
        except PlaylistFormatError:
            continue
        assert list(
            codec.iter_tracks(bytes(blob), strict=strict, on_warning=lambda _w: None)
        ) == list(playlist.tracks)
        codec.read(codec.write(playlist).data, strict=True)


@pytest.mark.parametrize("name", ["xspf", "jspf", "asx", "wpl"])
def test_codecs_satisfy_the_protocol(name: str) -> None:
    codec = get_codec(name)
    assert isinstance(codec, Codec)
    assert codec.name == name
    assert codec.extensions
    assert all(ext == ext.lower() and not ext.startswith(".") for ext in codec.extensions)
    assert codec.media_types
