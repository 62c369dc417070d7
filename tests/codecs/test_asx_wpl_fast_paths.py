"""The ASX and WPL readers' fast paths give what their general paths give.

Each fast path covers the common shape of a file and hands everything else to the general
code. These tests switch the fast path off (so the general code reads everything) and
compare: same playlist, same warnings, same errors, on generated documents that mix the
common shape with what it must refuse.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import Codec, FormatWarning, _asx, _wpl
from playlist_interop.codecs._xspf_common import LossCounter
from playlist_interop.codecs.asx import ASX, parse_time
from playlist_interop.codecs.wpl import WPL
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Track

Outcome = tuple[str, tuple[tuple[str, int | None], ...]]


def _outcomes(codec: Codec, data: bytes) -> list[Outcome]:
    """What ``read`` and ``iter_tracks`` give, strict and lenient: result or error, warnings."""
    outcomes = []
    for strict in (False, True):
        for whole in (True, False):
            seen: list[tuple[str, int | None]] = []

            def warn(warning: FormatWarning, seen: list[tuple[str, int | None]] = seen) -> None:
                seen.append((warning.reason, warning.line))

            source = io.BytesIO(data)
            try:
                if whole:
                    result = repr(codec.read(source, strict=strict, on_warning=warn))
                else:
                    result = repr(list(codec.iter_tracks(source, strict=strict, on_warning=warn)))
            except PlaylistFormatError as exc:
                result = f"error {exc} (line {exc.line}, column {exc.column})"
            outcomes.append((result, tuple(seen)))
    return outcomes


@contextmanager
def _asx_general_only() -> Iterator[None]:
    """Every entry through ``check_content`` and ``entry``, every name through the regex,
    every sibling before an entry through ``flush_before``."""
    with (
        mock.patch.object(_asx, "_lower_names", return_value=None),
        mock.patch.object(_asx._Reader, "plain_entry", return_value=None),
        mock.patch.object(_asx._Reader, "drop_previous_entry", return_value=False),
    ):
        yield


# ---------------------------------------------------------------- ASX documents


def _spelled(name: str) -> st.SearchStrategy[str]:
    """``name`` in any mix of upper and lower case."""
    return st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(name, upper, strict=True))
    )


_PLAIN_SPACE = st.sampled_from(["", " ", "\n    ", "\t"])
_ODD_SPACE = st.sampled_from(["x", "<!-- note -->", "&amp;", " <?pi?>"])
_PLAIN_TEXT = st.sampled_from(
    ["", "Song", " Padded  ", "a &amp; b", "a & b", "&#233;t&#xE9;", "Ünï ΣΑΣ", "&bogus;"]
)
_ODD_TEXT = st.sampled_from(["<![CDATA[<b>x</b> & y]]>", "<!-- c -->x", "<b>bold</b>", "\u00e9"])


def _mostly(common: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``common`` about nine times in ten, else ``odd``."""
    return st.integers(0, 9).flatmap(lambda n: odd if n == 5 else common)


_SPACE = _mostly(_PLAIN_SPACE, _ODD_SPACE)
_TEXT = _mostly(_PLAIN_TEXT, _ODD_TEXT)
_VALUE = st.sampled_from(
    ["00:02:07.919", "1:02.5", "", " ", "7", "abc", "00:00:01.5x", "99:59:59.999", "00:0²:07.919"]
)
_HREF = st.sampled_from(
    ["http://x/a b.mp3", "/m/a.mp3", "rel/b.mp3", "", "  http://h/ ", "x&amp;y"]
)


@st.composite
def _asx_child(draw: st.DrawFn) -> str:
    kind = draw(_mostly(st.sampled_from(["title", "author", "duration", "ref"]), st.just("other")))
    if kind == "other":
        kind = draw(st.sampled_from(["abstract", "starttime", "base", "param", "bogus", "entry"]))
    tag = draw(_spelled(kind))
    if draw(st.integers(0, 9)) != 5:  # mostly what the element is meant to have
        attributes = {"ref": [("href", _HREF)], "duration": [("value", _VALUE)]}.get(kind, [])
        attrs = "".join(f' {draw(_spelled(key))}="{draw(value)}"' for key, value in attributes)
    else:
        keys = st.sampled_from(["href", "value", "HREF", "Value", "name", "x"])
        values = _HREF | _VALUE
        attrs = "".join(f' {k}="{draw(values)}"' for k in draw(st.sets(keys, max_size=2)))
    if kind in {"title", "author"} or not draw(st.integers(0, 4)):
        body = draw(_TEXT)
        return f"<{tag}{attrs}>{body}</{tag}>"
    return f"<{tag}{attrs}{draw(st.sampled_from(['/', ' /', '></' + tag]))}>"


@st.composite
def _asx_entry(draw: st.DrawFn) -> str:
    tag = draw(_spelled("entry"))
    attrs = draw(_mostly(st.just(""), st.sampled_from([' CLIENTSKIP="no"', ' bogus="1"'])))
    children = draw(st.lists(_asx_child(), max_size=4))
    body = "".join(draw(_SPACE) + child for child in children)
    return f"<{tag}{attrs}>{body}{draw(_SPACE)}</{tag}>"


@st.composite
def _asx_document(draw: st.DrawFn) -> bytes:
    items = draw(
        st.lists(
            _asx_entry()
            | st.sampled_from(
                ['<ENTRYREF HREF="r.asx"/>', '<BASE HREF="http://b/"/>', "<TITLE>P</TITLE>"]
            ),
            max_size=5,
        )
    )
    root = draw(_spelled("asx"))
    space = _mostly(st.sampled_from(["\n  ", "", " "]), st.sampled_from(["x", "<!-- c -->"]))
    body = "".join(draw(space) + item for item in items)
    document = f'<{root} VERSION="3.0">{body}\n</{root}>'
    return document.encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1252"])), "replace")


@settings(max_examples=300, deadline=None)
@given(_asx_document())
def test_asx_fast_paths_read_as_the_general_path_does(data: bytes) -> None:
    fast = _outcomes(ASX, data)
    with _asx_general_only():
        assert _outcomes(ASX, data) == fast


_NEAR_PLAIN_ENTRIES = [
    '<ENTRY CLIENTSKIP="no"><REF HREF="a"/></ENTRY>',
    'text between<ENTRY><REF HREF="b"/></ENTRY>',
    '<!-- c --><ENTRY><REF HREF="b"/></ENTRY>',
    '<ENTRY>text<REF HREF="a"/></ENTRY>',
    '<ENTRY><REF HREF="a"/>tail</ENTRY>',
    "<ENTRY><TITLE>a</TITLE><TITLE>b</TITLE></ENTRY>",
    "<ENTRY><AUTHOR>a</AUTHOR><AUTHOR>b</AUTHOR></ENTRY>",
    '<ENTRY><TITLE X="1">a</TITLE></ENTRY>',
    "<ENTRY><TITLE>a<!-- c -->b</TITLE></ENTRY>",
    "<ENTRY><TITLE>a<B>b</B></TITLE></ENTRY>",
    "<ENTRY><TITLE> </TITLE><AUTHOR></AUTHOR><TITLE/></ENTRY>",
    '<ENTRY><DURATION VALUE="1"/><DURATION VALUE="2"/></ENTRY>',
    '<ENTRY><DURATION X="1"/></ENTRY>',
    '<ENTRY><DURATION VALUE="1" X="1"/></ENTRY>',
    '<ENTRY><DURATION VALUE="abc"/></ENTRY>',
    '<ENTRY><DURATION VALUE=" "/></ENTRY>',
    '<ENTRY><DURATION VALUE=""/><DURATION/></ENTRY>',
    '<ENTRY><DURATION VALUE="00:00:01.000 "/><DURATION VALUE="1"/></ENTRY>',
    "<ENTRY><DURATION>5</DURATION></ENTRY>",
    '<ENTRY><REF X="a"/></ENTRY>',
    '<ENTRY><REF HREF="a" href="b"/></ENTRY>',
    '<ENTRY><REF HREF="a">x</REF></ENTRY>',
    '<ENTRY><REF HREF="a"><DURATION VALUE="1"/></REF></ENTRY>',
    '<ENTRY><REF/><REF HREF=""/><REF HREF=" b "/></ENTRY>',
    '<ENTRY><BASE HREF="http://b/"/><REF HREF="a"/></ENTRY>',
    '<ENTRY><!-- c --><REF HREF="a"/></ENTRY>',
    "<ENTRY><ABSTRACT>x</ABSTRACT></ENTRY>",
    "<ENTRY><ENTRY/></ENTRY>",
    '<ENTRY><x:REF xmlns:x="u" HREF="a"/></ENTRY>',
    '<ENTRY><REF x:HREF="a" xmlns:x="u"/></ENTRY>',
]


@pytest.mark.parametrize("entry", _NEAR_PLAIN_ENTRIES)
@pytest.mark.parametrize("base", ["", '<BASE HREF="http://b/d/"/>'])
def test_asx_entries_near_the_common_shape(entry: str, base: str) -> None:
    data = f'<ASX VERSION="3.0">{base}<ENTRY><REF HREF="a"/></ENTRY>{entry}</ASX>'.encode()
    fast = _outcomes(ASX, data)
    with _asx_general_only():
        assert _outcomes(ASX, data) == fast


def test_asx_fast_paths_are_taken_for_the_common_shape() -> None:
    entry = '<ENTRY><TITLE>T</TITLE><AUTHOR>A</AUTHOR><DURATION VALUE="00:00:01.000"/>'
    data = f'<ASX VERSION="3.0">{entry}<REF HREF="a"/></ENTRY></ASX>'.encode()
    plain = _asx._Reader.plain_entry
    tracks: list[Any] = []
    with mock.patch.object(
        _asx._Reader, "plain_entry", lambda self, e: tracks.append(plain(self, e)) or tracks[-1]
    ):
        assert ASX.read(data, strict=True).tracks == tuple(tracks)
    assert len(tracks) == 1
    assert tracks[0] is not None
    assert _asx._lower_names('<ASX VERSION="3.0"><ENTRY>', {}) == '<asx VERSION="3.0"><entry>'


# ---------------------------------------------------------------- ASX names


_PIECE = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["<", "</"]), _spelled("entry") | _spelled("durationx")),
        st.tuples(st.sampled_from(["<", "</"]), st.sampled_from(["e", "En", "ENTRYé", "_A.b-1"])),
        st.tuples(st.just(""), _TEXT | _SPACE | st.sampled_from(["<?pi x?>", "< A", "<1", " a>"])),
    ),
    max_size=12,
).map(lambda parts: "".join(a + b + (" x='&'>" if a else "") for a, b in parts))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(_PIECE, min_size=1, max_size=4),
    st.lists(_spelled("entr") | _spelled("entry") | _spelled("durationx"), max_size=4),
)
def test_lower_names_matches_the_regular_expression(pieces: list[str], known: list[str]) -> None:
    """Whatever spellings earlier pieces left (even wrong prefixes), the result is the same."""
    spellings = {spelling: spelling.lower() for spelling in known if spelling != spelling.lower()}
    for piece in pieces:
        fast = _asx._lower_names(piece, spellings)
        if fast is not None:
            assert fast == _asx._NAME.sub(_asx._replace, piece)
        else:
            assert "<!" in piece or "<?" in piece or not piece.isascii()


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 999))
def test_hh_mm_ss_fff_shortcut_matches_the_general_reading(h: int, m: int, s: int, f: int) -> None:
    value = f"{h:02d}:{m:02d}:{s:02d}.{f:03d}"
    assert parse_time(value) == parse_time(" " + value)  # a leading space takes the regex
    assert parse_time(value) == ((h * 60 + m) * 60 + s) * 1000 + f


# ---------------------------------------------------------------- WPL


@contextmanager
def _wpl_general_only() -> Iterator[None]:
    """Every ``<media>`` through the case-folding loop, each read child removed at once."""
    with (
        mock.patch.object(_wpl, "_wmp_attributes", return_value=None),
        mock.patch.object(_wpl, "_RELEASE_BATCH", 1),
    ):
        yield


_WPL_NAMES = ["src", "trackTitle", "trackArtist", "albumTitle", "albumArtist", "duration"]
_WPL_VALUES = st.sampled_from(["", "/m/a.mp3", "Song", "a &amp; b", "120000", " 7 ", "x", "-1"])


@st.composite
def _wpl_media(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(_WPL_NAMES), unique=True, max_size=6))
    if draw(st.integers(0, 9)) == 5:
        names += draw(
            st.lists(
                st.sampled_from(["SRC", "TrackTitle", "tid", "cid", "albumartist", "x:y"]),
                unique=True,
                max_size=2,
            )
        )
    attrs = "".join(
        f' {name}="{draw(_WPL_VALUES)}"'
        for name in names
        if name != "x:y" and name.lower() not in [n.lower() for n in names[: names.index(name)]]
    )
    if "x:y" in names:
        attrs += ' xmlns:x="u" x:y="1"'
    tag = draw(_mostly(st.just("media"), st.sampled_from(["Media", "smartPlaylist", "bogus"])))
    end = draw(_mostly(st.just("/>"), st.sampled_from(["></" + tag + ">", "><x/></" + tag + ">"])))
    return f"<{tag}{attrs}{end}"


@st.composite
def _wpl_document(draw: st.DrawFn) -> bytes:
    media = draw(st.lists(_wpl_media(), max_size=8))
    space = _mostly(st.sampled_from(["\n      ", ""]), st.sampled_from(["t", "<!-- c -->"]))
    items = "".join(draw(space) + m for m in media) + draw(space)
    extra = draw(_mostly(st.just(""), st.sampled_from(["<seq><media src='b'/></seq>", "<x/>"])))
    head = draw(_mostly(st.just("<title>T</title>"), st.sampled_from(["<bogus/>", ""])))
    document = f"<?wpl version='1.0'?><smil><head>{head}</head><body><seq>{items}</seq>{extra}"
    return (document + "</body></smil>").encode(draw(st.sampled_from(["utf-8", "utf-16"])))


@settings(max_examples=300, deadline=None)
@given(_wpl_document())
def test_wpl_fast_paths_read_as_the_general_path_does(data: bytes) -> None:
    fast = _outcomes(WPL, data)
    with _wpl_general_only():
        assert _outcomes(WPL, data) == fast


def test_wpl_release_keeps_a_long_seq_bounded_and_its_last_tail_checked() -> None:
    media = "".join(f'<media src="{i}"/>' for i in range(3 * _wpl._RELEASE_BATCH + 5))
    data = f"<smil><body><seq>{media}<!-- c -->tail</seq></body></smil>".encode()
    fast = _outcomes(WPL, data)
    with _wpl_general_only():
        assert _outcomes(WPL, data) == fast
    assert "may only contain elements" in str(fast[0][1])


def _reference_losses(track: Any, carried: frozenset[str], extras: frozenset[str]) -> list[str]:
    """The rule record_track_losses implements, written plainly."""
    fields = [
        *("artists", "album", "duration_ms", "isrc", "track_number", "disc_number", "explicit"),
        *("provider_ids", "image", "musicbrainz_recording_id", "genres"),
    ]
    lost = [
        field
        for field in fields
        if field not in carried and getattr(track, field) not in (None, (), {})
    ]
    if "artists" in carried and len(track.artists) > 1:
        lost.append("artists")
    if "artists" in carried and any(
        a.role or a.provider_ids or a.musicbrainz_id for a in track.artists
    ):
        lost.append("artists.details")
    if "locations" in carried and len(track.locations) > 1 and "locations[]" not in carried:
        lost.append("locations")
    lost += [f"extras.{key}" for key in track.extras if key not in extras]
    return lost


@settings(max_examples=300, deadline=None)
@given(
    track=st.builds(
        Track,
        title=st.just("t"),
        artists=st.lists(
            st.builds(ArtistCredit, st.just("a"), role=st.none() | st.just("main")), max_size=2
        ).map(tuple),
        album=st.none() | st.builds(Album, st.sampled_from(["", "B"])),
        duration_ms=st.none() | st.integers(0, 10),
        isrc=st.none() | st.just("USRC17607839"),
        track_number=st.none() | st.integers(0, 3),
        explicit=st.none() | st.booleans(),
        provider_ids=st.sampled_from([{}, {"spotify": "x"}]),
        locations=st.lists(st.just("x.mp3"), max_size=2).map(tuple),
        genres=st.sampled_from([(), ("Rock",)]),
        extras=st.sampled_from([{}, {"wpl.attributes": {}}, {"other": 1}]),
    ),
    carried=st.sampled_from([_wpl._CARRIED, _asx._ENTRY_CARRIED, frozenset()]),
)
def test_record_track_losses_follows_its_rule(track: Track, carried: frozenset[str]) -> None:
    extras = frozenset({"wpl.attributes"})
    losses = LossCounter()
    _asx.record_track_losses(track, carried, extras, losses)
    expected = LossCounter()
    for field in _reference_losses(track, carried, extras):
        expected.track(field)
    assert sorted((loss.field, loss.tracks) for loss in losses.losses()) == sorted(
        (loss.field, loss.tracks) for loss in expected.losses()
    )
