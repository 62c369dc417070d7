"""The XSPF codec: mapping, strict and lenient reading, streaming, writing, round trips."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import FormatWarning, detect_format, get_codec
from playlist_interop.codecs.xspf import XSPF
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track
from playlist_interop.types import DurationMs, MusicBrainzId, ProviderName, ProviderTrackId
from tests.codecs.streaming import rss_growth
from tests.codecs.xspf_strategies import xspf_playlists

NS = 'xmlns="http://xspf.org/ns/0/"'


def doc(body: str, *, playlist_attrs: str = f'version="1" {NS}') -> bytes:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f"{declaration}<playlist {playlist_attrs}>{body}</playlist>".encode()


def track_doc(track_body: str) -> bytes:
    return doc(f"<trackList><track>{track_body}</track></trackList>")


def warnings_of(data: bytes) -> tuple[Playlist, list[FormatWarning]]:
    seen: list[FormatWarning] = []
    return XSPF.read(data, on_warning=seen.append), seen


def test_registry_finds_the_codec() -> None:
    assert get_codec("xspf") is XSPF
    assert detect_format(filename="x.xspf") == "xspf"
    assert detect_format(media_type="application/xspf+xml") == "xspf"
    assert detect_format(head=doc("<trackList/>")) == "xspf"


def test_every_track_field_maps_to_the_model() -> None:
    data = track_doc(
        "<location>http://example.com/a.mp3</location>"
        "<location>file:///music/a.flac</location>"
        "<identifier>isrc:USRC17607839</identifier>"
        "<identifier>https://musicbrainz.org/recording/385f4381-0f6d-47a0-bc56-07570374f650</identifier>"
        "<identifier>spotify:track:4uLU6hMCjMI75M1A2tKUQC</identifier>"
        "<identifier>https://www.deezer.com/track/3135556</identifier>"
        "<identifier>urn:x-other:1</identifier>"
        "<title>My Way</title><creator>Frank Sinatra</creator>"
        "<annotation>theme</annotation><info>http://example.com/info</info>"
        "<image>http://example.com/cover.jpg</image><album>Greatest</album>"
        "<trackNum>3</trackNum><duration>19200</duration>"
        '<link rel="http://example.com/rel">http://example.com/link</link>'
        '<meta rel="http://example.com/key">value</meta>'
    )
    track = XSPF.read(data, strict=True).tracks[0]
    assert track == Track(
        title="My Way",
        artists=(ArtistCredit("Frank Sinatra"),),
        album=Album("Greatest"),
        duration_ms=DurationMs(19200),
        isrc="USRC17607839",
        track_number=3,
        provider_ids={
            ProviderName("spotify"): ProviderTrackId("4uLU6hMCjMI75M1A2tKUQC"),
            ProviderName("deezer"): ProviderTrackId("3135556"),
        },
        locations=("http://example.com/a.mp3", "file:///music/a.flac"),
        image=Image("http://example.com/cover.jpg"),
        musicbrainz_recording_id=MusicBrainzId("385f4381-0f6d-47a0-bc56-07570374f650"),
        extras={
            "xspf.identifiers": ("urn:x-other:1",),
            "xspf.annotation": "theme",
            "xspf.info": "http://example.com/info",
            "xspf.link": (("http://example.com/rel", "http://example.com/link"),),
            "xspf.meta": (("http://example.com/key", "value"),),
        },
    )


def test_playlist_fields_map_to_the_model() -> None:
    data = doc(
        "<title>T</title><creator>C</creator><annotation>A</annotation>"
        "<info>http://i.example/</info><location>http://l.example/p.xspf</location>"
        "<identifier>urn:x:1</identifier><image>http://i.example/i.png</image>"
        "<date>2005-01-08T17:10:47-05:00</date><license>http://cc.example/by</license>"
        "<attribution><location>http://a.example/1</location>"
        "<identifier>urn:x:0</identifier></attribution>"
        "<trackList/>"
    )
    playlist = XSPF.read(data, strict=True)
    assert playlist.name == "T"
    assert playlist.owner == "C"
    assert playlist.description == "A"
    assert playlist.location == "http://l.example/p.xspf"
    assert playlist.image == Image("http://i.example/i.png")
    assert playlist.created_at == dt.datetime(
        2005, 1, 8, 17, 10, 47, tzinfo=dt.timezone(dt.timedelta(hours=-5))
    )
    assert playlist.extras["xspf.attribution"] == (
        ("location", "http://a.example/1"),
        ("identifier", "urn:x:0"),
    )
    assert playlist.extras["xspf.license"] == "http://cc.example/by"


def test_extensions_are_written_back_verbatim() -> None:
    extension = (
        '<extension application="http://example.com/app" xmlns:x="http://x.example/">'
        '<x:clip start="1" end="2"/><plain a="&amp;">text &lt; more</plain></extension>'
    )
    data = doc(f"{extension}<trackList><track>{extension}<title>t</title></track></trackList>")
    first = XSPF.read(data, strict=True)
    raw = first.extras["xspf.extension"][0]
    assert 'application="http://example.com/app"' in raw
    assert "<x:clip" in raw
    written = XSPF.write(first)
    assert written.lossless
    second = XSPF.read(written.data, strict=True)
    assert second == first
    assert raw in written.data.decode()


def test_xml_base_resolves_locations() -> None:
    data = doc(
        '<trackList xml:base="http://example.com/music/"><track><location>a%20b.mp3</location>'
        "</track></trackList>",
        playlist_attrs=f'version="1" {NS}',
    )
    assert XSPF.read(data, strict=True).tracks[0].locations == (
        "http://example.com/music/a%20b.mp3",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<title>a</title><title>b</title><trackList/>", "only once"),
        ("<title><b>x</b></title><trackList/>", "plain text"),
        ("", "no <trackList>"),
        ("<trackList/><bogus/>", "not allowed"),
        ("<date>yesterday</date><trackList/>", "xsd:dateTime"),
        ("<image>not a uri</image><trackList/>", "URI"),
        ('<link rel="x y">http://a/</link><trackList/>', "URI"),
        ("<meta>v</meta><trackList/>", "rel"),
        ("<extension/><trackList/>", "application"),
        ("<trackList><track><trackNum>-1</trackNum></track></trackList>", "integer"),
        ("<trackList><track>text</track></trackList>", "text"),
        ("<trackList>text<track/></trackList>", "text"),
        ("<trackList><item/></trackList>", "not allowed"),
        ('<trackList><track foo="1"/></trackList>', "attribute"),
    ],
)
def test_strict_mode_refuses_and_lenient_mode_warns(body: str, message: str) -> None:
    data = doc(body)
    with pytest.raises(PlaylistFormatError, match=message) as info:
        XSPF.read(data, strict=True)
    assert info.value.codec == "xspf"
    assert info.value.line is not None
    _playlist, seen = warnings_of(data)
    assert any(message in w.reason for w in seen)


def test_version_and_namespace_rules() -> None:
    for root_attrs in (
        'version="2" ' + NS,
        NS,
        'version="1"',
        'version="1" xmlns="http://xspf.org/ns/1/"',
    ):
        data = doc("<trackList/>", playlist_attrs=root_attrs)
        with pytest.raises(PlaylistFormatError):
            XSPF.read(data, strict=True)
        _playlist, seen = warnings_of(data)
        assert seen
    assert (
        XSPF.read(doc("<trackList/>", playlist_attrs=f'version="0" {NS}'), strict=True).tracks == ()
    )
    with pytest.raises(PlaylistFormatError, match="root"):
        XSPF.read(b"<notaplaylist/>")


def test_lenient_read_keeps_raw_values_and_unknown_elements() -> None:
    data = doc(
        "<trackList><track><location>has space.mp3</location><duration>abc</duration>"
        '<foo:bar xmlns:foo="http://foo.example/">1</foo:bar></track></trackList>',
        playlist_attrs='version="1"',
    )
    playlist, seen = warnings_of(data)
    track = playlist.tracks[0]
    assert track.locations == ("has space.mp3",)
    assert track.extras["xspf.invalid.duration"] == "abc"
    assert "foo:bar" in track.extras["xspf.unknown"][0]
    assert len(seen) >= 3
    losses = {loss.field for loss in XSPF.write(playlist).losses}
    assert {"extras.xspf.unknown", "extras.xspf.invalid.duration", "locations"} <= losses


def test_write_reports_what_xspf_cannot_carry() -> None:
    playlist = Playlist(
        name="n",
        public=True,
        collaborative=False,
        updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        tracks=[
            Track(
                "t",
                artists=(ArtistCredit("A", role="main"), ArtistCredit("B", join_phrase=" & ")),
                album=Album("Al", release_date="2020"),
                disc_number=2,
                explicit=True,
                genres=("rock",),
                provider_ids={ProviderName("someservice"): ProviderTrackId("1")},
                extras={"spotify.popularity": 5},
            )
        ],
    )
    result = XSPF.write(playlist)
    fields = {loss.field: loss for loss in result.losses}
    for expected in (
        "playlist.public",
        "playlist.collaborative",
        "playlist.updated_at",
        "artists",
        "album (beyond title)",
        "disc_number",
        "explicit",
        "genres",
        "provider_ids.someservice",
        "extras.spotify.popularity",
    ):
        assert expected in fields, expected
    assert fields["disc_number"].tracks == 1
    back = XSPF.read(result.data, strict=True)
    assert back.tracks[0].artists == (ArtistCredit("A, B"),)


def test_written_text_escapes_and_control_characters() -> None:
    playlist = Playlist(name="a & <b> \r\n ]]>", tracks=[Track("bell\x07 ok")])
    result = XSPF.write(playlist)
    back = XSPF.read(result.data, strict=True)
    assert back.name == "a & <b> \r\n ]]>"
    assert back.tracks[0].title == "bell ok"
    assert any(loss.field == "control characters" for loss in result.losses)


def test_non_uri_locations_are_written_as_uris() -> None:
    playlist = Playlist(tracks=[Track("t", locations=(r"C:\Music\a b.mp3", "dir/c d.mp3"))])
    result = XSPF.write(playlist)
    back = XSPF.read(result.data, strict=True)
    assert back.tracks[0].locations == ("file:///C:/Music/a%20b.mp3", "dir/c%20d.mp3")
    assert any(loss.field == "locations" for loss in result.losses)


def _big_xspf(count: int) -> Iterator[bytes]:
    yield doc("").split(b"</playlist>")[0] + b"<trackList>"
    for i in range(count):
        yield (
            f"<track><location>http://example.com/{i}.mp3</location><title>Track {i}</title>"
            f"<creator>Artist {i}</creator><duration>{i}</duration></track>"
        ).encode()
    yield b"</trackList></playlist>"


class _GeneratedStream(io.RawIOBase):
    """A readable stream over generated chunks, so the whole file never exists in memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def test_iter_tracks_streams_with_bounded_memory() -> None:
    count = 40_000
    stream = io.BufferedReader(_GeneratedStream(_big_xspf(count)))
    titles = (track.title for track in XSPF.iter_tracks(stream))
    seen, growth = rss_growth(titles)
    assert seen == count
    assert growth < 10 * 1024 * 1024, growth  # a kept tree or track list: tens of MB


def test_write_stream_matches_write() -> None:
    playlist = Playlist(name="x", tracks=[Track("a"), Track("b", locations=("http://x/",))])
    out = io.BytesIO()
    losses = XSPF.write_stream(playlist, iter(playlist.tracks), out)
    assert out.getvalue() == XSPF.write(playlist).data
    assert losses == ()


def test_sniff() -> None:
    assert XSPF.sniff(doc("<trackList/>")) == 1.0
    assert XSPF.sniff(b"<playlist><trackList>") >= 0.9
    assert XSPF.sniff(b"#EXTM3U\n") == 0.0
    assert XSPF.sniff(doc("<trackList/>").decode().encode("utf-16")) == 1.0


@settings(max_examples=100, deadline=None)
@given(xspf_playlists())
def test_round_trip_xspf_to_xspf(playlist: Playlist) -> None:
    result = XSPF.write(playlist)
    assert result.lossless, result.losses
    assert XSPF.read(result.data, strict=True) == playlist


def test_comments_and_cdata_inside_text_are_not_markup() -> None:
    data = doc(
        "<title>a<!-- note -->b<![CDATA[<&>]]></title>"
        "<trackList><track><location>http://a/<!-- x -->b</location></track></trackList>"
    )
    playlist = XSPF.read(data, strict=True)
    assert playlist.name == "ab<&>"
    assert playlist.tracks[0].locations == ("http://a/b",)


def test_track_numbers_start_at_one() -> None:
    data = track_doc("<trackNum>0</trackNum>")
    with pytest.raises(PlaylistFormatError, match="greater than zero"):
        XSPF.read(data, strict=True)
    playlist, seen = warnings_of(data)
    assert playlist.tracks[0].track_number == 0
    assert seen
    result = XSPF.write(playlist)
    assert any(loss.field == "track_number" for loss in result.losses)
    assert XSPF.read(result.data, strict=True).tracks[0].track_number is None


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8"), ("latin-1", "ISO-8859-1"), ("utf-8", None)],
)
def test_encodings(encoding: str, declared: str | None) -> None:
    prolog = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    text = f'{prolog}<playlist version="1" {NS}><title>Caf\u00e9</title><trackList/></playlist>'
    assert XSPF.read(text.encode(encoding), strict=True).name == "Caf\u00e9"


def test_version_0_dates_are_any_iso_8601() -> None:
    v0 = doc("<date>2005-01-08</date><trackList/>", playlist_attrs=f'version="0" {NS}')
    assert XSPF.read(v0, strict=True).created_at == dt.datetime(2005, 1, 8)
    v1 = doc("<date>2005-01-08</date><trackList/>")
    with pytest.raises(PlaylistFormatError, match="xsd:dateTime"):
        XSPF.read(v1, strict=True)


# Children of <track>: what a plain track holds, and each way of not being plain.
TRACK_CHILDREN = [
    "<location>http://x/1.mp3</location>",
    "<location> rel/2.mp3 </location>",
    "<location>http://x/a b</location>",
    "<location>%zz</location>",
    "<identifier>isrc:USRC17607839</identifier>",
    "<identifier>urn:isrc:us-rc1-76-07839</identifier>",
    "<identifier>spotify:track:4uLU6hMCjMI75M1A2tKUQC</identifier>",
    "<identifier> urn:x:1 </identifier>",
    "<identifier>https://musicbrainz.org/recording/bded3a41-acd7-42ff-9402-cb59e35be8f4</identifier>",
    "<title>T &amp; U</title>",
    "<title/>",
    "<title>\tpadded </title>",
    "<creator>A</creator>",
    "<creator></creator>",
    "<album>B</album>",
    "<album/>",
    "<trackNum>1</trackNum>",
    "<trackNum>0</trackNum>",
    "<trackNum> +7 </trackNum>",
    "<duration>1000</duration>",
    "<duration>-1</duration>",
    "<duration>\u0663</duration>",  # a digit, but not an ASCII one
    "<trackNum>007</trackNum>",
    "<annotation>n</annotation>",
    '<link rel="http://r">http://v</link>',
    "<!-- a comment -->",
    "<title>a<!-- c -->b</title>",
    '<title a="1">t</title>',
    "<title><b>x</b></title>",
    "<foo>1</foo>",
    "stray text",
]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(TRACK_CHILDREN), max_size=6),
    st.sampled_from(["", "\n  "]),
    st.sampled_from(["", ' xml:base="http://base/dir/"', ' foo="1"']),
    st.sampled_from(["", ' xml:base="http://list/"']),
)
def test_plain_tracks_read_as_the_general_path_reads_them(
    children: list[str], space: str, track_attrs: str, list_attrs: str
) -> None:
    from lxml import etree

    from playlist_interop.codecs._xspf import _Reader

    data = doc(
        f"<trackList{list_attrs}><track{track_attrs}>{space.join(children)}</track></trackList>"
    )
    root = etree.fromstring(data)
    reader = _Reader(strict=True, on_warning=None)
    reader.root(root)
    reader.list_base = root[0].get("{http://www.w3.org/XML/1998/namespace}base") or ""
    element = root[0][0]
    plain = reader.plain_track(element)
    if plain is None:
        return
    # A plain track has nothing to report: strict mode reads it, and reads the same track.
    general = reader.track(element)
    assert general == plain
    for field in attrs.fields(Track):  # the same normal form too, not only equal values
        assert type(getattr(plain, field.name)) is type(getattr(general, field.name)), field.name
    assert XSPF.read(data, strict=True).tracks == (plain,)
