"""The ASX codec: Windows Media reading rules, Silverlight strict profile, writing."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import FormatWarning, detect_format, get_codec
from playlist_interop.codecs.asx import ASX, format_time, parse_time
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.types import DurationMs
from tests.codecs.streaming import rss_growth
from tests.codecs.xspf_strategies import NON_EMPTY, TEXT, URI


def read_lenient(data: bytes) -> tuple[Playlist, list[FormatWarning]]:
    seen: list[FormatWarning] = []
    return ASX.read(data, on_warning=seen.append), seen


def test_registry_finds_the_codec() -> None:
    assert get_codec("asx") is ASX
    for name in ("a.asx", "a.wax", "a.wvx"):
        assert detect_format(filename=name) == "asx"
    assert detect_format(head=b'  <Asx Version="3.0"><entry/></Asx>') == "asx"


def test_names_are_case_insensitive_and_bare_ampersands_literal() -> None:
    data = (
        b'<Asx VERSION="3.0"><TiTlE>List</title><Entry ClientSkip="no">'
        b'<Ref hReF="http://x/a?b=1&c=2&amp;d=3" /><AUTHOR>Me</Author>'
        b"<Abstract>About</ABSTRACT></entry></aSx>"
    )
    playlist = ASX.read(data, strict=True)
    assert playlist.name == "List"
    track = playlist.tracks[0]
    assert track.locations == ("http://x/a?b=1&c=2&d=3",)
    assert track.artists == (ArtistCredit("Me"),)
    assert track.extras["asx.abstract"] == "About"
    assert track.extras["asx.clientskip"] == "no"


def test_base_applies_to_later_entries_and_entry_base_wins() -> None:
    data = (
        b'<asx version="3.0"><base href="http://media/dir/"/><entry><ref href="a.wmv"/></entry>'
        b'<entry><base href="http://other/x/"/><ref href="b.wmv"/></entry></asx>'
    )
    tracks = ASX.read(data, strict=True).tracks
    assert tracks[0].locations == ("http://media/dir/a.wmv",)
    assert tracks[1].locations == ("http://other/x/b.wmv",)


def test_base_after_every_entry_is_kept_not_applied() -> None:
    data = b'<asx version="3.0"><entry><ref href="a.wmv"/></entry><base href="http://m/"/></asx>'
    playlist = ASX.read(data, strict=True)
    assert playlist.tracks[0].locations == ("a.wmv",)
    assert playlist.extras["asx.base"] == "http://m/"
    result = ASX.write(playlist)
    assert result.lossless
    assert ASX.read(result.data, strict=True) == playlist


def test_iter_tracks_streams_with_bounded_memory() -> None:
    entry = b'<ENTRY><TITLE>T</TITLE><REF HREF="http://x/a?b&c" /></ENTRY>\n'
    data = b'<ASX VERSION="3.0"><TITLE>big</TITLE>\n' + entry * 40_000 + b"</ASX>"
    count, growth = rss_growth(ASX.iter_tracks(io.BytesIO(data), strict=True))
    assert count == 40_000
    assert growth < 10 * 1024 * 1024, growth  # a kept tree or track list: tens of MB


@pytest.mark.parametrize(
    ("value", "millis"),
    [
        ("00:00:15", 15_000),
        ("0:1:0.0", 60_000),
        ("1:02:03.5", 3_723_500),
        ("3", 3_000),
        ("1.", 1_000),
        ("0.2asdglkn", 200),
        ("1.2.3.4.5", 1_200),
        ("48:61:61.1001", (48 * 3600 + 61 * 60 + 61) * 1000 + 100),
        ("::.", None),
        (".", None),
        ("", None),
    ],
)
def test_time_values(value: str, millis: int | None) -> None:
    assert parse_time(value) == millis


def test_format_time_round_trips() -> None:
    for millis in (0, 999, 61_001, 3_723_500, 360_000_000):
        assert parse_time(format_time(millis)) == millis


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<asx version="2.0"><entry/></asx>', "version"),
        (b'<asx version="3.0" bannerbar="fixed"/>', "unsupported ASX attribute"),
        (b'<asx version="3.0"><repeat><entry/></repeat></asx>', "unsupported ASX element"),
        (b'<asx version="3.0"><entry><ref href="a" x="1"/></entry></asx>', "invalid ASX attribute"),
        (b'<asx version="3.0"><titlez>x</titlez></asx>', "invalid ASX element"),
        (b'<asx version="3.0"><ref href="a"/></asx>', "not allowed inside"),
        (b'<asx version="3.0"><entry>text</entry></asx>', "text"),
        (b'<asx version="3.0"><title><b>x</b></title></asx>', "plain text"),
        (b'<asx version="3.0"><entry><starttime value="."/></entry></asx>', "time value"),
        (b'<asx version="3.0"><entry clientskip="maybe"/></asx>', "CLIENTSKIP"),
    ],
)
def test_strict_profile_and_lenient_warnings(data: bytes, message: str) -> None:
    with pytest.raises(PlaylistFormatError, match=message) as info:
        ASX.read(data, strict=True)
    assert info.value.line == 1
    _playlist, seen = read_lenient(data)
    assert any(message in w.reason for w in seen)


def test_lenient_reads_entries_inside_repeat_and_event() -> None:
    data = (
        b'<asx version="3.0"><repeat count="2"><entry><ref href="a"/></entry></repeat>'
        b'<event name="e" whendone="next"><entry><ref href="b"/></entry></event></asx>'
    )
    playlist, seen = read_lenient(data)
    assert [t.locations for t in playlist.tracks] == [("a",), ("b",)]
    assert seen


def test_malformed_xml_is_an_error_in_both_modes() -> None:
    for data in (b'<asx version="3.0"><entry>', b"<asx><ref href=a/></asx>", b"", b"<foo/>"):
        for strict in (False, True):
            with pytest.raises(PlaylistFormatError):
                ASX.read(data, strict=strict)


def test_ini_style_asx() -> None:
    data = b"[Reference]\r\nRef1=http://example.com/a.asf?MSWMExt=.asf\r\nRef2=mms://x/a\r\n"
    playlist = ASX.read(data)
    assert [t.locations[0] for t in playlist.tracks] == [
        "http://example.com/a.asf?MSWMExt=.asf",
        "mms://x/a",
    ]
    assert ASX.sniff(data) > 0.3


def test_legacy_encoding() -> None:
    data = '<asx version="3.0"><title>Caf\u00e9</title></asx>'.encode("cp1252")
    assert ASX.read(data, strict=True).name == "Caf\u00e9"


def test_write_and_losses() -> None:
    playlist = Playlist(
        name="L & <M>",
        owner="O",
        description="D",
        tracks=[
            Track(
                "T",
                artists=(ArtistCredit("A"),),
                duration_ms=DurationMs(61_500),
                locations=("http://x/a?b=1&c=2", "http://mirror/a"),
                album=Album("Al"),
                isrc="USRC17607839",
                extras={"asx.param": (("k", "v"),), "spotify.x": 1},
            ),
            Track("", locations=("other.asx",), extras={"asx.entryref": True}),
            Track("titled", locations=("x.asx",), extras={"asx.entryref": True}),
        ],
    )
    result = ASX.write(playlist)
    text = result.data.decode()
    assert '<ENTRYREF HREF="other.asx" />' in text
    assert "&amp;" in text
    back = ASX.read(result.data, strict=True)
    assert back.name == "L & <M>"
    assert back.tracks[0].duration_ms == 61_500
    assert back.tracks[0].locations == ("http://x/a?b=1&c=2", "http://mirror/a")
    assert back.tracks[0].extras["asx.param"] == (("k", "v"),)
    assert back.tracks[1] == playlist.tracks[1]
    fields = {loss.field for loss in result.losses}
    assert {"album", "isrc", "extras.spotify.x", "extras.asx.entryref"} <= fields
    assert back.tracks[2].title == "titled"


_ENTRY = st.builds(
    Track,
    title=TEXT.map(str.strip),
    artists=st.lists(NON_EMPTY.map(str.strip).filter(bool).map(ArtistCredit), max_size=1),
    duration_ms=st.none() | st.integers(0, 10**9).map(DurationMs),
    locations=st.lists(URI, max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        Playlist, name=st.none() | NON_EMPTY.map(str.strip), tracks=st.lists(_ENTRY, max_size=4)
    )
)
def test_round_trip_asx_to_asx(playlist: Playlist) -> None:
    result = ASX.write(playlist)
    assert result.lossless, result.losses
    back = ASX.read(result.data, strict=True)
    assert back.name == playlist.name
    assert back.tracks == playlist.tracks


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        Playlist,
        name=st.none() | NON_EMPTY.map(str.strip).filter(bool),
        owner=st.none() | NON_EMPTY.map(str.strip).filter(bool),
        description=st.none() | NON_EMPTY.map(str.strip).filter(bool),
        tracks=st.lists(_ENTRY, max_size=4),
    )
)
def test_round_trip_between_asx_and_xspf(playlist: Playlist) -> None:
    """The fields both carry: names, one artist, duration, locations (URIs)."""
    xspf = get_codec("xspf")
    to_xspf = xspf.write(ASX.read(ASX.write(playlist).data, strict=True))
    assert to_xspf.lossless, to_xspf.losses
    back = ASX.read(ASX.write(xspf.read(to_xspf.data, strict=True)).data, strict=True)
    assert back.tracks == playlist.tracks
    assert (back.name, back.owner, back.description) == (
        playlist.name,
        playlist.owner,
        playlist.description,
    )


def test_long_text_is_normalised_in_pieces_without_splitting_references() -> None:
    title = "a&b <c> " * 60_000  # ~0.5 MB of text without a tag: read in pieces
    data = (
        b"<asx><title>"
        + title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
        + b"</title></asx>"
    )
    assert ASX.read(io.BytesIO(data), strict=True).name == title.strip()
