"""The WPL codec: SMIL reading, strict rules, streaming, writing and round trips."""

from __future__ import annotations

import io

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import FormatWarning, detect_format, get_codec
from playlist_interop.codecs.wpl import WPL
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.types import DurationMs
from tests.codecs.streaming import rss_growth
from tests.codecs.xspf_strategies import NON_EMPTY, TEXT

SAMPLE = b"""<?wpl version="1.0"?>
<smil>
  <head>
    <meta name="Generator" content="Microsoft Windows Media Player -- 12.0"/>
    <meta name="ItemCount" content="2"/>
    <guid>{80034981-91E5-45A6-9895-5447D7463CDE}</guid>
    <author>Me</author>
    <title>Mix &amp; Match</title>
  </head>
  <body>
    <seq>
      <media src="..\\Music\\a.mp3" trackTitle="A" trackArtist="X" albumTitle="Al"
             albumArtist="Y" duration="215000" tid="{T1}" cid="{C1}"/>
      <media SRC="http://example.com/b.wma"/>
    </seq>
  </body>
</smil>
"""


def test_registry_finds_the_codec() -> None:
    assert get_codec("wpl") is WPL
    assert detect_format(filename="list.wpl") == "wpl"
    assert detect_format(head=SAMPLE) == "wpl"


def test_fields_map_to_the_model() -> None:
    playlist = WPL.read(SAMPLE, strict=True)
    assert playlist.name == "Mix & Match"
    assert playlist.owner == "Me"
    assert playlist.extras["wpl.guid"] == "{80034981-91E5-45A6-9895-5447D7463CDE}"
    assert playlist.extras["wpl.meta"] == (("Generator", "Microsoft Windows Media Player -- 12.0"),)
    first, second = playlist.tracks
    assert first == Track(
        "A",
        artists=(ArtistCredit("X"),),
        album=Album("Al", artists=(ArtistCredit("Y"),)),
        duration_ms=DurationMs(215000),
        locations=("..\\Music\\a.mp3",),
        extras={"wpl.attributes": {"tid": "{T1}", "cid": "{C1}"}},
    )
    assert second.locations == ("http://example.com/b.wma",)


def test_round_trip_of_a_real_shape() -> None:
    playlist = WPL.read(SAMPLE)
    result = WPL.write(playlist)
    assert result.lossless
    assert WPL.read(result.data, strict=True) == playlist
    assert WPL.iter_tracks(io.BytesIO(result.data)).__next__() == playlist.tracks[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<smil><head/></smil>", "no <body>"),
        (b"<smil><body><seq><media/></seq></body></smil>", "no src"),
        (b"<smil><body><seq><video src='a'/></seq></body></smil>", "not allowed in <seq>"),
        (b"<smil><head><foo/></head><body/></smil>", "not allowed in <head>"),
        (b"<smil><body>text<seq/></body></smil>", "only contain elements"),
        (b"<smil><body><seq><media src='a' duration='x'/></seq></body></smil>", "duration"),
    ],
)
def test_strict_refuses_lenient_warns(data: bytes, message: str) -> None:
    with pytest.raises(PlaylistFormatError, match=message):
        WPL.read(data, strict=True)
    seen: list[FormatWarning] = []
    WPL.read(data, on_warning=seen.append)
    assert any(message in w.reason for w in seen)


def test_not_a_wpl_file() -> None:
    for data in (b"<html/>", b"", b"<smil>"):
        with pytest.raises(PlaylistFormatError):
            WPL.read(data)


def test_write_reports_losses_and_skips_tracks_without_location() -> None:
    playlist = Playlist(
        description="d",
        tracks=[
            Track("no location"),
            Track("t", locations=("a", "b"), isrc="USRC17607839", genres=("x",)),
        ],
    )
    result = WPL.write(playlist)
    fields = {loss.field for loss in result.losses}
    assert {"playlist.description", "track without location", "locations", "isrc"} <= fields
    assert [t.title for t in WPL.read(result.data, strict=True).tracks] == ["t"]


_SRC = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(str.strip)
_MEDIA = st.builds(
    Track,
    title=TEXT,
    artists=st.lists(NON_EMPTY.map(ArtistCredit), max_size=1),
    album=st.none()
    | st.builds(Album, NON_EMPTY, artists=st.lists(NON_EMPTY.map(ArtistCredit), max_size=1)),
    duration_ms=st.none() | st.integers(0, 10**9).map(DurationMs),
    locations=_SRC.map(lambda s: (s,)),
)


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        Playlist,
        name=st.none() | TEXT,
        owner=st.none() | NON_EMPTY.filter(str.strip).map(str.strip),
        tracks=st.lists(_MEDIA, max_size=4),
    )
)
def test_round_trip_wpl_to_wpl(playlist: Playlist) -> None:
    result = WPL.write(playlist)
    assert result.lossless, result.losses
    back = WPL.read(result.data, strict=True)
    assert back.tracks == playlist.tracks
    assert back.owner == playlist.owner


def test_iter_tracks_streams_with_bounded_memory() -> None:
    media = b'<media src="C:\\Music\\a.mp3" trackTitle="T" trackArtist="A" duration="1"/>\n'
    data = b'<?wpl version="1.0"?><smil><body><seq>' + media * 40_000 + b"</seq></body></smil>"
    count, growth = rss_growth(WPL.iter_tracks(io.BytesIO(data), strict=True))
    assert count == 40_000
    assert growth < 10 * 1024 * 1024, growth  # a kept tree or track list: tens of MB


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        Playlist,
        name=st.none() | NON_EMPTY.map(str.strip).filter(bool),
        tracks=st.lists(
            _MEDIA.map(lambda t: attrs.evolve(t, locations=("a%20b.mp3",))), max_size=4
        ),
    )
)
def test_round_trip_between_wpl_and_xspf(playlist: Playlist) -> None:
    """The fields both carry: title, one artist, album title, duration, one location."""
    xspf = get_codec("xspf")
    plain = Playlist(
        name=playlist.name,
        tracks=[
            attrs.evolve(t, album=Album(t.album.title) if t.album else None)
            for t in playlist.tracks
        ],
    )
    to_xspf = xspf.write(WPL.read(WPL.write(plain).data, strict=True))
    assert to_xspf.lossless, to_xspf.losses
    back = WPL.read(WPL.write(xspf.read(to_xspf.data, strict=True)).data, strict=True)
    assert back == plain


def test_a_unicode_digit_duration_is_a_format_problem_not_a_crash() -> None:
    from playlist_interop.codecs import get_codec
    from playlist_interop.errors import PlaylistFormatError

    document = (
        b'<?xml version="1.0"?><smil><body><seq>'
        b'<media src="a.mp3" duration="\xc2\xb2"/></seq></body></smil>'
    )
    with pytest.warns(UserWarning, match="duration is not a number"):
        lenient = get_codec("wpl").read(document)
    assert lenient.tracks[0].duration_ms is None
    with pytest.raises(PlaylistFormatError, match="duration"):
        get_codec("wpl").read(document, strict=True)
