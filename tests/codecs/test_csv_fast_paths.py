"""The CSV fast paths give exactly what the general paths give.

``_open(..., fast=False)`` reads every line through ``csv.reader`` and every row through
``_RowReader.track``; ``fast=True`` (the default) splits quote-free lines itself and builds
plain rows in ``_FastRows``. Both must agree on tracks, warnings and errors.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import FormatWarning, _csv
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Track

Outcome = tuple[Any, ...]


def outcome(data: bytes, *, strict: bool, fast: bool) -> Outcome:
    """Tracks, playlist name, warnings and error of reading ``data`` one way."""
    caught: list[FormatWarning] = []
    tracks: list[Track] = []
    name = None
    try:
        reader, rows = _csv._open(
            io.BytesIO(data), strict=strict, on_warning=caught.append, fast=fast
        )
        tracks.extend(rows)
        name = reader.playlist_name
        error = None
    except PlaylistFormatError as exc:
        error = (str(exc), exc.line, exc.column)
    except ValueError as exc:  # the general path's int() of a non-ASCII digit ("\u00b2")
        error = (type(exc).__name__, str(exc))
    warnings = [(w.reason, w.line, w.column) for w in caught]
    return tracks, name, warnings, error


def assert_same(data: bytes) -> None:
    for strict in (False, True):
        assert outcome(data, strict=strict, fast=True) == outcome(data, strict=strict, fast=False)


# -- generated files ---------------------------------------------------------------------

HEADERS = [
    "title",
    "artist",
    "album",
    "album_artist",
    "duration_ms",
    "duration",
    "duration_s",
    "isrc",
    "explicit",
    "track_number",
    "disc_number",
    "release_date",
    "upc",
    "album_image",
    "genres",
    "location",
    "Track URI",
    "Track Name",
    "Artist Name(s)",
    "Album Name",
    "Duration (ms)",
    "Artist URI(s)",
    "Playlist name",
    "Spotify - id",
    "Note",
    "",
]
# Cells that parse, cells that do not, and cells the general path treats specially.
CELLS = [
    "",
    " ",
    "Song",
    "Artist 1",
    "Don't",
    "'=x",
    "'x",
    "''=y",
    "'\ttrue",
    "'12",
    "a;b",
    "a\\;b",
    "a\\,b, c",
    "a,b",
    'say "hi"',
    "3:51",
    "1:02:03.5",
    "231373",
    "231",
    "0123",
    "\u00b2",
    "\u0663",
    " 12 ",
    "3/12",
    "1e3",
    "-1",
    "inf",
    "true",
    " TRUE ",
    "Clean",
    "maybe",
    "USRC17607839",
    "usrc17607839",
    "US-RC1-76-07839",
    "USRC1760783",
    "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
    "https://open.spotify.com/track/X9",
    "spotify:local:a:b:c:1",
    "spotify:artist:A1,spotify:artist:B2",
    "/music/a.mp3",
    "/p\n/q",
    "\n",
    "x\r\ny",
    "=1+2",
    "@a",
    "2020-01-01",
    "pop,rock",
    "\u00e9t\u00e9",
]


# Cells a batch of plain lines is built from column by column, when a whole column takes them.
PLAIN_CELLS = ["", "Song", "Artist 1", "A;B", "231373", "7", "true", "USRC17607839", "/a.mp3"]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7))
    width = len(header)
    row = st.lists(st.sampled_from(CELLS), min_size=width, max_size=width)
    ragged = st.lists(st.sampled_from(CELLS), max_size=width + 2)
    rows = draw(st.lists(row | ragged, max_size=8))
    plain_row = st.lists(st.sampled_from(PLAIN_CELLS), min_size=width, max_size=width)
    rows += draw(st.lists(plain_row, max_size=24))  # long enough to be built by columns
    out = io.StringIO()
    terminator = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if draw(st.booleans()):
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
        writer.writerows([header, *rows])
    else:  # unquoted, as hand-made files are: quotes and newlines land where they fall
        for cells in [header, *rows]:
            out.write(delimiter.join(cells) + terminator)
    text = out.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_generated_files_read_the_same_both_ways(data: bytes) -> None:
    assert_same(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_a_header_read_the_same_both_ways(data: bytes) -> None:
    assert_same(b"title,artist,album,duration_ms,isrc,location\n" + data)


# -- cases worth naming --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "title,artist,album,duration_ms,isrc,location\nA,B,C,1000,USRC17607839,/a.mp3\n",
        "title,artist\n,\n\n,,\r\nA,B\rC,D",  # blank rows, CR-only and missing last line end
        "title,artist\na,b,c\nd\n",  # ragged rows
        "title;artist\nA;B\\;C\n",
        'title,artist\n"multi\nline",B\n"x""y",z\n',
        "sep=;\ntitle;artist\nA;B\n",
        "title,duration\nA,3:51\nB,231\nC,231373\nD,x\n",
        "title,duration_s\nA,231.5\n",
        "title,duration_ms\nA,\u00b2\nB,\u0663\n",
        "title,track_number,disc_number\nA,3/12,1\nB,\u00b2,1\nC, 4 ,x\n",
        "title,explicit\nA, TRUE \nB, \nC,maybe\nD,'\ttrue\n",
        "title,isrc\nA,usrc17607839\nB,US-RC1-76-07839\nC,USRC1760783\nD,'USRC17607839\n",
        "Track URI,Track Name\nspotify:local:a:b:c:1,A\nspotify:track:X,B\n",
        "title,location,Track URI\nA,/a\n/b,spotify:local:x\n",
        "title,artist,Note,Note\n'=A,'=B,'=n,\n",
        "title,album,release_date,upc,album_artist\nA,X,2020,123,P;Q\nB,X,2020,123,P;Q\nC,,,,\n",
        "title,artist,duration_ms,duration\nA,B,1000,2:00\n",  # two durations: general only
        "title,Artist URI(s),artist\nA,spotify:artist:1,B\n",  # URIs: general only
    ],
)
def test_named_cases_read_the_same_both_ways(text: str) -> None:
    assert_same(text.encode())


def test_shared_fixtures_read_the_same_both_ways(shared_fixtures: Path) -> None:
    paths = sorted((shared_fixtures / "playlists" / "csv").rglob("*.csv"))
    assert paths
    for path in paths:
        assert_same(path.read_bytes())


@pytest.mark.parametrize(
    "odd",
    ["", "'=x", "3:51", "\u00b2", "usrc17607839", "maybe", "3/12", "spotify:local:a", "x,y"],
)
def test_one_odd_cell_in_a_long_batch_reads_the_same_both_ways(odd: str) -> None:
    header = "title,artist,album,duration_ms,isrc,explicit,track_number,Track URI,location,Note"
    plain = "T{i},A{i};B,Al{i},{i}000,USRC1760783{d},true,{i},spotify:track:X{i},/m/{i}.mp3,n"
    lines = [plain.format(i=i, d=i % 10) for i in range(40)]
    for column in range(10):
        cells = lines[20].split(",")
        cells[column] = odd
        data = "\n".join([header, *lines[:20], ",".join(cells), *lines[21:]]) + "\n"
        assert_same(data.encode())


def test_plain_batches_are_built_by_columns() -> None:
    data = "title,artist,duration_ms\n" + "".join(f"T{i},A,{i}\n" for i in range(20))
    reader, _ = _csv._open(io.BytesIO(data.encode()), strict=True, on_warning=None)
    fast = _csv._FastRows.plan(reader)
    assert fast is not None
    rows = [line.split(",") for line in data.splitlines()[1:]]
    built = fast._columns(rows)
    assert built == outcome(data.encode(), strict=True, fast=False)[0]


# -- sharing and bounds ----------------------------------------------------------------------


def test_repeated_cells_share_their_values() -> None:
    text = "title,artist,album\nA,X;Y,Z\nB,X;Y,Z\n"
    first, second = outcome(text.encode(), strict=True, fast=True)[0]
    assert first.artists is second.artists
    assert first.album is second.album


def test_caches_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    cache: dict[str, object] = {}
    for i in range(10):
        _csv._remember(cache, f"key {i}", i)
        assert len(cache) <= _csv._CACHE_ENTRIES
    monkeypatch.setattr(_csv, "_CACHE_ENTRIES", 4)
    for i in range(10):
        _csv._remember(cache, f"key {i}", i)
        assert len(cache) <= 4
    _csv._remember(cache, "n" * (_csv._CACHE_KEY_CHARS + 1), 0)
    _csv._remember(cache, ("n" * _csv._CACHE_KEY_CHARS, "m"), 0)
    assert all(len(key) < _csv._CACHE_KEY_CHARS for key in cache)
    lines = [f"T{i},Artist {i % 7};X,Album {i % 5},{i}\n" for i in range(40)]
    assert_same(("title,artist,album,genres\n" + "".join(lines)).encode())


def test_tracks_are_built_with_the_fields_in_their_declared_order() -> None:
    # _FastRows passes Track's fields positionally.
    assert [field.name for field in attrs.fields(Track)] == [
        "title",
        "artists",
        "album",
        "duration_ms",
        "isrc",
        "track_number",
        "disc_number",
        "explicit",
        "provider_ids",
        "locations",
        "image",
        "musicbrainz_recording_id",
        "genres",
        "extras",
    ]
