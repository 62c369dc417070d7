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
from playlist_interop.codecs._base import BuiltOnLookup
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Track

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


@pytest.mark.parametrize("shape", ["short", "long", "blank", "blank first", "empty line"])
def test_long_batches_of_odd_shapes_read_the_same_both_ways(shape: str) -> None:
    header = "title,artist,album,duration_ms,isrc,location"
    lines = [f"T{i},A{i % 3},Al{i % 2},{i}000,USRC1760783{i % 10},/m/{i}.mp3" for i in range(40)]
    if shape == "short":  # every row one cell short of the header
        lines = [line.rpartition(",")[0] for line in lines]
    elif shape == "long":
        lines = [line + ",x" for line in lines]
    elif shape == "blank":
        lines[20] = ",,,,,"
    elif shape == "blank first":
        lines[0] = ",,,,,"
    else:
        lines[20] = ""
    for end in ("\n", "\r\n"):
        assert_same(end.join([header, *lines, ""]).encode())
        # Without the columns that must not be empty (duration, location), only the check
        # for blank rows keeps them out.
        loose = [",".join(line.split(",")[:3]) for line in [header, *lines]]
        assert_same(end.join([*loose, ""]).encode())


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


def test_caches_stay_bounded() -> None:
    cache = BuiltOnLookup(len, 4, _csv._short)
    for i in range(10):
        assert cache[f"key {i}"] == len(f"key {i}")
        assert len(cache) <= 4
    assert cache["n" * (_csv._CACHE_KEY_CHARS + 1)] == _csv._CACHE_KEY_CHARS + 1
    assert cache[("n" * _csv._CACHE_KEY_CHARS, "m")] == 2
    assert all(len(key) < _csv._CACHE_KEY_CHARS for key in cache)
    header = _csv._compile_header(["title", "artist", "album", "genres"], 1)
    fast = _csv._FastRows.plan(_csv._RowReader(header, strict=False, on_warning=None))
    assert fast is not None
    for memo in (fast._artists, fast._genres, fast._albums):
        assert (memo._limit, memo._keep) == (_csv._CACHE_ENTRIES, _csv._short)
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


# -- reading in blocks ---------------------------------------------------------------------
#
# With ``fast=True`` the text is read in blocks of ``_CHUNK`` characters; ``fast=False`` reads
# it with ``readline``. Small chunk sizes and line caps put block edges everywhere.

# Characters that matter at a block edge: line ends of every kind, quotes, NUL, non-ASCII
# (é, and line breaks to ``str.splitlines`` but not to ``readline``), the delimiters.
EDGE_TEXT = st.text(
    alphabet=st.sampled_from(list("ab,;\t\"'\r\n\x00\x0b\x0c\x1c\x85\u2028\u00e9 =")), max_size=120
)
# Bytes that decode with surrogate escapes (bad UTF-8) among plain ones.
EDGE_BYTES = st.lists(
    st.sampled_from([b"a", b",", b"\n", b"\r", b"\r\n", b'"', b"\xff", b"\xc3\xa9", b"\xc3"]),
    max_size=60,
).map(b"".join)


def wrapped(data: bytes, decode_size: int) -> io.TextIOWrapper:
    """``data`` as ``_open`` reads it (``newline=""``, bad bytes escaped), in small steps."""
    text = io.TextIOWrapper(
        io.BytesIO(data), encoding="utf-8", errors="surrogateescape", newline=""
    )
    text._CHUNK_SIZE = decode_size  # type: ignore[attr-defined]
    return text


def row_log(data: bytes, *, split: bool, strict: bool, decode_size: int = 8192) -> list[Any]:
    """Every row with its line, warning and error of ``_RowSource``, in the order they come."""
    log: list[Any] = []
    source = _csv._RowSource(
        wrapped(data, decode_size),
        encoding="utf-8",
        delimiter=",",
        strict=strict,
        on_warning=lambda w: log.append(("warning", w.reason, w.line)),
        split=split,
    )
    try:
        for rows, starts, bare in source.batches():
            log.extend(("row", row, start) for row, start in zip(rows, starts, strict=True))
            if bare:  # no cell to restore
                assert not any(cell[:1] == "'" for row in rows for cell in row)
            log.append(("lines", source.lines))
    except PlaylistFormatError as exc:
        log.append(("error", str(exc), exc.line))
    log.append(("end", source.lines))
    return [entry for entry in log if entry[0] != "lines"] + [
        ("last line of each batch", [entry[1] for entry in log if entry[0] == "lines"][-1:])
    ]


def block_lines(text: str) -> list[str]:
    """``text``'s lines as the blocks cut them."""
    source = _csv._RowSource(
        wrapped(text.encode("utf-8", "surrogateescape"), 7),
        encoding="utf-8",
        delimiter=",",
        strict=False,
        on_warning=None,
    )
    lines: list[str] = []
    while block := source._block():
        assert len(block) <= 2 * _csv._CHUNK + 2 * _csv._MAX_LINE  # memory stays bounded
        lines += _csv._physical_lines(block)
    return lines


def readline_lines(text: str) -> list[str]:
    wrapper = wrapped(text.encode("utf-8", "surrogateescape"), 7)
    return list(iter(lambda: wrapper.readline(_csv._MAX_LINE), ""))


@settings(max_examples=500, deadline=None)
@given(EDGE_TEXT, st.integers(1, 12), st.integers(2, 12))
def test_blocks_cut_lines_as_readline_does(text: str, chunk: int, cap: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_csv, "_CHUNK", chunk)
        patch.setattr(_csv, "_MAX_LINE", cap)
        assert block_lines(text) == readline_lines(text)


@settings(max_examples=500, deadline=None)
@given(EDGE_BYTES, st.integers(1, 12), st.integers(2, 40), st.integers(1, 9), st.booleans())
def test_blocks_give_the_rows_warnings_and_errors_of_readline(
    data: bytes, chunk: int, cap: int, decode_size: int, strict: bool
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_csv, "_CHUNK", chunk)
        patch.setattr(_csv, "_MAX_LINE", cap)
        fast = row_log(data, split=True, strict=strict, decode_size=decode_size)
        assert fast == row_log(data, split=False, strict=strict, decode_size=decode_size)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files(), st.integers(1, 64), st.integers(8, 200))
def test_generated_files_read_the_same_in_small_blocks(data: bytes, chunk: int, cap: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_csv, "_CHUNK", chunk)
        patch.setattr(_csv, "_MAX_LINE", cap)
        assert_same(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(1, 32), st.integers(4, 64))
def test_arbitrary_bytes_read_the_same_in_small_blocks(data: bytes, chunk: int, cap: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_csv, "_CHUNK", chunk)
        patch.setattr(_csv, "_MAX_LINE", cap)
        assert_same(b"title,artist,album,duration_ms,isrc,location\n" + data)


PLAIN_LINE = "Song {i},Artist {a},Album {a},{i}000,USRC1760783{d},/music/{i}.mp3"


@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "odd",
    [
        'Say "hi",x',  # a quote: csv.reader
        '"two\nlines",x',  # a quoted line end
        "x\ry",  # a lone CR
        "\u00e9t\u00e9 \u2028 \x0b,x",  # non-ASCII, and line breaks only to str.splitlines
        "bad \udcff byte,x",  # undecodable
        "",  # an empty line
        "nul \x00",
    ],
)
@pytest.mark.parametrize("chunk", [16, 61, 64, 97, 128])
def test_an_odd_line_at_every_block_edge(
    monkeypatch: pytest.MonkeyPatch, end: str, odd: str, chunk: int
) -> None:
    # Lines of 61-62 characters: with these chunk sizes the odd line lands at or across an
    # edge, at its start, in its middle and at its end.
    monkeypatch.setattr(_csv, "_CHUNK", chunk)
    header = "title,artist,album,duration_ms,isrc,location"
    lines = [PLAIN_LINE.format(i=i, a=i % 3, d=i % 10) for i in range(10, 40)]
    for at in range(12):
        text = end.join([header, *lines[:at], odd, *lines[at:]])
        for tail in (end, ""):  # with and without a last line end
            data = (text + tail).encode("utf-8", "surrogateescape")
            assert_same(data)
            for strict in (False, True):
                fast = row_log(data, split=True, strict=strict)
                assert fast == row_log(data, split=False, strict=strict)


def test_plain_blocks_are_split_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_csv, "_CHUNK", 100)
    text = "".join(f"{i},b,c\r\n" for i in range(30))
    source = _csv._RowSource(
        wrapped(text.encode(), 8192), encoding="utf-8", delimiter=",", strict=True, on_warning=None
    )
    block = source._block()
    assert block.endswith("\r\n")
    assert 100 - len("29,b,c\r\n") < len(block) <= 100  # whole lines; the rest waits
    assert source._plain_rows(block) == [line.split(",") for line in block.split("\r\n")[:-1]]
    assert source._plain_rows("a,b\n\nc\n") == [["a", "b"], [], ["c"]]
    assert source._plain_rows("a\r\nb\nc") is None  # line ends of both kinds
    assert source._plain_rows("a\rb\n") is None
    assert source._plain_rows("a\r\nb") == [["a"], ["b"]]


def test_a_long_line_across_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_csv, "_CHUNK", 7)
    monkeypatch.setattr(_csv, "_MAX_LINE", 50)
    for length in (40, 48, 49, 50, 51, 120):
        for end in ("\n", "\r\n", "\r", ""):
            data = ("title\nshort\n" + "x" * length + end + "after\n").encode()
            assert_same(data)
            for strict in (False, True):
                fast = row_log(data, split=True, strict=strict)
                assert fast == row_log(data, split=False, strict=strict)


def test_cr_only_text_is_read_in_bounded_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_csv, "_CHUNK", 64)
    text = "title,artist\r" + "".join(f"Song {i},Artist {i}\r" for i in range(500))
    assert block_lines(text) == readline_lines(text)
    assert_same(text.encode())


def _fields_with_a_value(track: Track) -> set[str]:
    """The generic-profile fields of one track with a value: the rule _used_in follows."""
    used = {"title", "artists"}
    album = track.album
    if album is not None:
        used.add("album")
        for field, value in (
            ("album_artists", album.artists),
            ("release_date", album.release_date),
            ("upc", album.upc),
            ("album_image", album.images),
        ):
            if value:
                used.add(field)
    for field in ("duration_ms", "isrc", "track_number", "disc_number", "explicit", "image"):
        if getattr(track, field) is not None:
            used.add(field)
    for field, value in (
        ("musicbrainz_recording_id", track.musicbrainz_recording_id),
        ("genres", track.genres),
        ("location", track.locations),
    ):
        if value:
            used.add(field)
    used.update(f"provider_id:{provider}" for provider in track.provider_ids)
    return used


_SOME_TRACKS = st.lists(
    st.builds(
        Track,
        title=st.just("t"),
        album=st.none()
        | st.builds(
            Album,
            st.just("B"),
            artists=st.sampled_from([(), (ArtistCredit("A"),)]),
            release_date=st.none() | st.just("2001"),
            upc=st.none() | st.just(""),
            images=st.sampled_from([(), (Image("http://i"),)]),
        ),
        duration_ms=st.none() | st.just(0),
        isrc=st.none() | st.just("USRC17607839"),
        track_number=st.none() | st.just(0),
        explicit=st.none() | st.booleans(),
        image=st.none() | st.just(Image("http://j")),
        musicbrainz_recording_id=st.none() | st.just(""),
        genres=st.sampled_from([(), ("Rock",)]),
        locations=st.sampled_from([(), ("x.mp3",)]),
        provider_ids=st.sampled_from([{}, {"spotify": "s"}, {"deezer": "d", "tidal": "t"}]),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(_SOME_TRACKS)
def test_used_in_is_the_union_of_each_tracks_fields(tracks: list[Track]) -> None:
    expected = {"title", "artists"}.union(*map(_fields_with_a_value, tracks))
    assert _csv._used_in(tracks) == expected
