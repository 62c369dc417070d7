"""The fast paths of the line-based codecs give exactly what their general paths give.

Line splitting is checked against a plain reference (``bytes.splitlines`` and a decode per
line) and against itself with tiny chunks, so every line end and multi-byte character
falls on a chunk boundary somewhere. The M3U reader is run with its fast mode on and off
over the same bytes: tracks, playlist data, warnings and errors must not differ. The M3U
and PLS writers likewise, for the bytes and the loss report.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import _text
from playlist_interop.codecs._m3u import M3U, M3UCodec, _Reader
from playlist_interop.codecs._pls import PLS, PLSCodec
from playlist_interop.codecs._text import decode_legacy, find_control, iter_line_batches, iter_lines
from playlist_interop.codecs._winamp import format_seconds
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track

_FRAGMENTS = [
    b"a",
    b"#EXTINF:1,x",
    b" ",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x0c",
    b"\x1c",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xc3\xa9",
    b"\xe9",
    b"\xff",
    b"\x80",
    b"\t",
]

_bytes = st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map(b"".join)


@contextlib.contextmanager
def chunk_size(size: int) -> Iterator[None]:
    """Read ``size`` bytes at a time in :mod:`_text` inside the block."""
    saved = _text._CHUNK
    _text._CHUNK = size
    try:
        yield
    finally:
        _text._CHUNK = saved


def _lines(data: bytes, **options: object) -> list[tuple[object, ...]]:
    """``iter_lines`` as a list of events: lines, fallbacks and the error, in order."""
    events: list[tuple[object, ...]] = []
    try:
        for number, line in iter_lines(
            io.BytesIO(data),
            codec="test",
            on_fallback=lambda line, encoding: events.append(("fallback", line, encoding)),
            **options,  # type: ignore[arg-type]
        ):
            events.append((number, line))
    except PlaylistFormatError as exc:
        events.append(("error", str(exc), exc.line, exc.column))
    return events


def _reference(data: bytes) -> list[tuple[object, ...]]:
    """What ``iter_lines`` gives for BOM-less 8-bit text without NUL bytes."""
    events: list[tuple[object, ...]] = []
    fallback = False
    for number, raw in enumerate(data.splitlines(), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = decode_legacy(raw)
            if not fallback:
                fallback = True
                events.append(("fallback", number, "windows-1252"))
        events.append((number, text))
    return events


@settings(max_examples=300, deadline=None)
@given(data=_bytes, size=st.integers(1, 9))
def test_lines_match_the_reference_at_any_chunk_size(data: bytes, size: int) -> None:
    with chunk_size(size):
        assert _lines(data) == _reference(data)


@settings(max_examples=300, deadline=None)
@given(
    data=_bytes,
    size=st.integers(4, 9),  # the first read still holds the byte order mark
    strict=st.booleans(),
    declared=st.booleans(),
    bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
)
def test_chunk_size_changes_nothing(
    data: bytes,
    size: int,
    strict: bool,
    declared: bool,
    bom: bytes,
) -> None:
    options = {"strict": strict, "utf8_declared": declared}
    expected = _lines(bom + data, **options)
    with chunk_size(size):
        assert _lines(bom + data, **options) == expected


def test_batches_are_the_lines_with_their_numbers() -> None:
    data = "one\r\ntwo\rthree\n\nfive\u2028still five\x0cstill\n".encode()
    batches = list(iter_line_batches(io.BytesIO(data), codec="test"))
    flat = [(first + i, line) for first, lines, _ in batches for i, line in enumerate(lines)]
    assert flat == list(iter_lines(io.BytesIO(data), codec="test"))
    assert [line for _, line in flat] == [
        "one",
        "two",
        "three",
        "",
        "five\u2028still five\x0cstill",
    ]


def test_a_fallback_is_reported_after_the_lines_before_it() -> None:
    seen: list[object] = []
    data = b"one\ntwo\nd\xe9j\xe0\nfour\n"
    batches = iter_line_batches(
        io.BytesIO(data), codec="test", on_fallback=lambda line, _: seen.append(("fallback", line))
    )
    for first, lines, _ in batches:
        seen.append((first, lines))
    assert seen == [(1, ["one", "two"]), ("fallback", 3), (3, ["d\xe9j\xe0", "four"])]


@pytest.mark.parametrize(
    ("data", "controls"),
    [
        (b"plain\r\ncrlf\rcr\n\ttab\xc3\xa9\n", False),
        (b"d\xe9j\xe0 latin-1\r\n", False),
        (b"\xff\xfe" + "utf-16 \u00e9\r\n".encode("utf-16-le"), False),
        (b"bell\x07\n", True),
        (b"del\x7f\n", True),
        (b"vt\x0b\n", True),
        (b"ff\x0c and latin-1 \xe9\n", True),
        (b"\xff\xfe" + "unit separator \x1f\n".encode("utf-16-le"), True),
    ],
)
def test_batches_tell_whether_a_line_may_hold_a_control_character(
    data: bytes, controls: bool
) -> None:
    batches = list(iter_line_batches(io.BytesIO(data), codec="test"))
    assert any(flag for _, _, flag in batches) is controls
    found = any(find_control(line) is not None for _, lines, _ in batches for line in lines)
    assert found is controls


def test_a_long_line_raises_after_the_lines_before_it() -> None:
    data = b"ab\ncd\n" + b"x" * 10 + b"\nef\n"
    with chunk_size(4):
        events = _lines(data, max_line_bytes=8)
    error = ("error", "test line 3: line longer than 8 bytes", 3, None)
    assert events == [(1, "ab"), (2, "cd"), error]


# --- M3U: fast mode against the general mode --------------------------------------------

_M3U_LINES = st.sampled_from(
    [
        "#EXTM3U",
        "#PLAYLIST:Name",
        "#EXTINF:120,Artist - Title",
        "#EXTINF:127.919,Artist 1 - Song number 1 (Remastered)",
        "#EXTINF:-1,Radio (#1 - 553/1000) 1.FM",
        "#EXTINF:5,A -B - C",
        "#EXTINF:5, A  - B ",
        "#EXTINF:5,Artist -",
        "#EXTINF:5,",
        "#EXTINF:5",
        "#EXTINF: 5 ,Title",
        "#EXTINF:abc,Title",
        "#EXTINF:,Title",
        "#EXTINF:12.,T",
        "#EXTINF:1234567890123,T",
        '#EXTINF:-1 tvg-id="x" group-title="News",Channel',
        "#extinf:3,lower - case",
        "#EXTALB:Album",
        "#EXTALB: Spaced ",
        "#EXTALB:",
        "#EXTART:Album Artist",
        "#EXTGENRE:Rock",
        "#EXTIMG:http://x/i.png",
        "#EXTGRP:Group",
        "#EXTVLCOPT:network-caching=1000",
        "# a comment",
        "/music/a.mp3",
        "  /music/spaced.mp3  ",
        "C:\\Music\\b.flac",
        "http://example.com/stream",
        "",
        "   ",
        "\ttabbed.mp3",
        "bad\x01control.mp3",
        "caf\xe9.mp3",
        "#EXT-X-TARGETDURATION:10",
    ]
)


_DISPLAYS = st.sampled_from(
    [
        *("Artist 1 - Song number 1 (Remastered)", "Artist - Title", "Jay-Z - 99", "A -B - C"),
        *("Caf\xe9 - Cr\xe8me", "Title only", "A (x) - T", " Lead - T", "A\t - T", "A -  T"),
        *(" - T", "\xa0A - T", "A - T\xa0x", "A - B - C", "[A] - B", "A  - B"),
        *("A - T ", "A - T\xa0", "Title only  ", "A -  ", "A - T\t", "  "),
    ]
)
_ENTRIES = st.tuples(
    st.sampled_from(
        [
            *("120", "127.919", "-1", "0", "5", "1.5", "-2.5", "+5", "1e3", " 7", "7 ", "-0"),
            *("007", "0.5", "1.0005", "1.2345", "12.", ".5", "1_0", "NaN", "Infinity", "1E3"),
            *("999999999999.999", "1000000000000", "0000000000000001", "1.0000000001"),
            *("1.000000000000000000001", "3.000", "\u0663", "1.5.2", "1 2", "[1]", "0x10"),
        ]
    ),
    _DISPLAYS,
    st.sampled_from([None, None, "Album 1", "Caf\xe9", "", " A", "A "]),
    st.sampled_from(["/music/a.mp3", "/music/b.mp3", "x", "\xa0/m.mp3", "#x", "C:\\a.mp3"]),
).map(
    lambda parts: [
        f"#EXTINF:{parts[0]},{parts[1]}",
        *([] if parts[2] is None else [f"#EXTALB:{parts[2]}"]),
        parts[3],
    ]
)
_M3U_BODIES = st.lists(
    st.lists(_ENTRIES, min_size=1, max_size=12).map(lambda es: [x for e in es for x in e])
    | st.lists(_M3U_LINES, max_size=3),
    max_size=8,
).map(lambda parts: [line for part in parts for line in part])


def _m3u_outcome(data: bytes, *, fast: bool, strict: bool) -> tuple[object, list[str]]:
    caught: list[str] = []
    reader = _Reader(
        strict=strict,
        on_warning=lambda w: caught.append(str(w)),
        utf8_declared=False,
        fast=fast,
    )
    outcome: object
    try:
        tracks = list(reader.tracks(io.BytesIO(data)))
        outcome = (
            tracks,
            reader.name,
            reader.preamble,
            reader.trailer,
            reader.header_attributes,
            reader.group,
        )
    except PlaylistFormatError as exc:
        outcome = (str(exc), exc.line, exc.column)
    return outcome, caught


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(_M3U_LINES, max_size=30) | _M3U_BODIES,
    end=st.sampled_from(["\n", "\r\n", "\r"]),
    strict=st.booleans(),
    size=st.sampled_from([7, 64, 1 << 16]),
)
def test_m3u_fast_mode_reads_like_the_general_mode(
    lines: list[str], end: str, strict: bool, size: int
) -> None:
    data = end.join(lines).encode("utf-8")
    with chunk_size(size):
        fast = _m3u_outcome(data, fast=True, strict=strict)
        general = _m3u_outcome(data, fast=False, strict=strict)
    assert fast == general


_TEXTS = st.sampled_from(
    [
        *("Song", "Song", "Artist 1", " Spaced ", "", "A - B", "A -B", "A -", "(x) - y"),
        *("Br[a", "Line\nbreak", "Tab\there", "\xa0nbsp", "#hash", "caf\xe9", "x\x7fdel"),
        *("\tlead", "end\t", "caf\xe9 \xa0", "cr\rx", "\u2028sep"),
    ]
)


def _mostly(plain: object, *unusual: object) -> st.SearchStrategy[object]:
    """``plain`` five times in six, else one of ``unusual``."""
    return st.sampled_from([plain] * 5 * len(unusual) + list(unusual))


_CREDITS = st.builds(
    ArtistCredit,
    name=_TEXTS,
    role=_mostly(None, "main"),
    join_phrase=_mostly(None, " & ", "\n"),
    musicbrainz_id=_mostly(None, "", "id"),
)
_ALBUMS = st.none() | st.builds(
    Album,
    title=_TEXTS,
    artists=_mostly((), (ArtistCredit("Album Artist"),)),
    upc=_mostly(None, "", "123"),
)
_TRACKS = st.builds(
    Track,
    title=_TEXTS,
    artists=st.lists(_CREDITS, max_size=1).map(tuple) | st.lists(_CREDITS, max_size=3).map(tuple),
    album=_ALBUMS,
    duration_ms=st.none() | st.integers(-2000, 10**13) | st.sampled_from([1000, 127_919, 100]),
    isrc=_mostly(None, "USRC17607839"),
    track_number=_mostly(None, 3),
    locations=st.lists(_TEXTS | st.just("/music/a.mp3"), min_size=1, max_size=1).map(tuple)
    | st.lists(_TEXTS, max_size=2).map(tuple),
    image=_mostly(None, Image("http://x/i.png")),
    genres=_mostly((), ("Rock",)),
    extras=_mostly({}, {"m3u.group": "G"}, {"other": 1}, {"m3u.after": ("# c",)})
    | _mostly({}, {"pls.keys": {"Rating": "5"}}),
)


@settings(max_examples=500, deadline=None)
@given(
    tracks=st.lists(_TRACKS, max_size=12),
    name=st.sampled_from([None, "List"]),
    codec=st.sampled_from([M3U, PLS]),
)
def test_fast_writes_like_the_general_path(
    tracks: list[Track], name: str | None, codec: M3UCodec | PLSCodec
) -> None:
    playlist = Playlist(name=name, tracks=tracks)
    written = []
    for fast in (True, False):
        out = io.BytesIO()
        losses = codec._write_stream(playlist, playlist.tracks, out, fast=fast)
        written.append((out.getvalue(), losses))
    assert written[0] == written[1]


def test_long_runs_of_common_m3u_entries_read_like_the_general_mode() -> None:
    lines = ["#EXTM3U"]
    for i in range(3000):
        lines.append(f"#EXTINF:{120 + i % 7}.{i % 1000:03d},Artist {i % 13} - Song {i} (Live)")
        if i % 5:
            lines.append(f"#EXTALB:Album {i % 11}")
        lines.append(f"/music/{i}.mp3" if i % 997 else "#EXTVLCOPT:x")
    data = "\n".join(lines).encode()
    fast = _m3u_outcome(data, fast=True, strict=False)
    assert fast == _m3u_outcome(data, fast=False, strict=False)
    assert len(fast[0][0]) == 2996  # type: ignore[index]


@pytest.mark.parametrize(
    "duration",
    [0, 1, 10, 100, 999, 1000, 1001, 127_919, 120_000, 10**12 + 7, 10**15 - 1, 10**15 - 10],
)
def test_m3u_writes_durations_as_format_seconds_does(duration: int) -> None:
    data = M3U.write(Playlist(tracks=[Track("T", duration_ms=duration, locations=("x",))])).data
    assert data.decode().splitlines()[1] == f"#EXTINF:{format_seconds(duration)},T"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "seconds",
    [
        *("007", "1.0005", "1.2345", "12.", ".5", "1_0", "NaN", "Infinity", "1E3", "1e3"),
        *("999999999999.999", "1000000000000", "0000000000000001", "1.0000000001", "-0"),
        *("1.000000000000000000001", "\u0663", "1.5.2", "1 2", "[1]", " 7", "7 ", "+5", "-1"),
        *("#EXTINF:5", "5e3", "3.000", "0.001", "0.0005", "999999999999.9995"),
    ],
)
@pytest.mark.parametrize("album", [False, True])
def test_an_unusual_duration_in_a_run_reads_like_the_general_mode(
    seconds: str, album: bool
) -> None:
    lines = ["#EXTM3U"]
    for i in range(40):
        lines.append(f"#EXTINF:{seconds if i == 21 else f'{100 + i}.{i:03d}'},A{i} - T{i}")
        lines += [f"#EXTALB:Album {i % 3}"] if album else []
        lines.append(f"/music/{i}.mp3")
    data = "\n".join(lines).encode()
    fast = _m3u_outcome(data, fast=True, strict=False)
    assert fast == _m3u_outcome(data, fast=False, strict=False)
    assert len(fast[0][0]) == 40  # type: ignore[index]


def test_long_runs_of_plain_tracks_write_like_the_general_path() -> None:
    unusual = {
        3: {"title": "Tab\there"},
        600: {"locations": ("/music/line\nbreak.mp3",)},
        700: {"extras": {"m3u.group": "G"}},
        701: {},
        1100: {"artists": (ArtistCredit("\xa0Lead"),)},
        1101: {"title": "Caf\xe9"},
        1400: {"album": Album("x\x7fdel")},
        1401: {"title": "end\t"},
    }
    tracks = [
        attrs.evolve(
            Track(
                f"Song {i}",
                artists=(ArtistCredit(f"Artist {i % 7}"),),
                album=Album(f"Album {i % 5}"),
                duration_ms=120_000 + i,
                isrc="USRC17607839" if i % 3 == 0 else None,
                locations=(f"/music/{i}.mp3",),
            ),
            **unusual.get(i, {}),
        )
        for i in range(1500)
    ]
    playlist = Playlist(name="List", tracks=tracks)
    written = []
    for fast in (True, False):
        out = io.BytesIO()
        losses = M3U._write_stream(playlist, playlist.tracks, out, fast=fast)
        written.append((out.getvalue(), losses))
    assert written[0] == written[1]
    assert written[0][0].count(b"#EXTINF:") == 1500
