"""The CSV codec: profiles, dialects, escaping, losses, streaming and hostile input."""

from __future__ import annotations

import contextlib
import csv
import io
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import Codec, FormatWarning, get_codec
from playlist_interop.codecs.csv import CSV, CsvCodec
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track


def rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def read(text: str, *, strict: bool = True, encoding: str = "utf-8") -> Playlist:
    return CSV.read(text.encode(encoding), strict=strict)


# --------------------------------------------------------------------------- basics


def test_satisfies_the_codec_protocol_and_is_registered() -> None:
    assert isinstance(CSV, Codec)
    assert get_codec("csv") is CSV
    assert CSV.name == "csv"
    assert "csv" in CSV.extensions
    assert "text/csv" in CSV.media_types


def test_generic_columns_map_to_model_fields() -> None:
    playlist = read(
        "Title,Artist,Album,ISRC,Duration,Track Number,Disc Number,Explicit,Year,Genre\n"
        "Song,A;B,Record,us-rc1-76-07839,3:25,3,1,yes,1999,rock;pop\n"
    )
    (track,) = playlist.tracks
    assert track.title == "Song"
    assert track.artist_names == ("A", "B")
    assert track.album == Album("Record", release_date="1999")
    assert track.isrc == "USRC17607839"
    assert track.duration_ms == 205_000
    assert (track.track_number, track.disc_number, track.explicit) == (3, 1, True)
    assert track.genres == ("rock", "pop")
    assert playlist.extras == {"csv.profile": "generic"}


@pytest.mark.parametrize(
    ("cell", "header", "expected"),
    [
        ("231373", "Duration (ms)", 231_373),
        ("3:51", "Duration", 231_000),
        ("1:02:03", "Length", 3_723_000),
        ("3:51.250", "duration", 231_250),
        ("231373", "duration", 231_373),
        ("231", "duration", 231_000),  # bare header: small integers are seconds
        ("231.5", "Duration (s)", 231_500),
    ],
)
def test_durations_in_ms_seconds_or_clock(cell: str, header: str, expected: int) -> None:
    (track,) = read(f"title,{header}\nx,{cell}\n").tracks
    assert track.duration_ms == expected


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed_from_the_header(delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerows([["title", "artist", "album"], ["One, two", "Me", "LP; vol\t1"]])
    (track,) = read(out.getvalue()).tracks
    assert track.title == "One, two"
    assert track.album is not None
    assert track.album.title == "LP; vol\t1"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_boms_select_the_encoding(encoding: str) -> None:
    data = "title,artist\nCafé,Björk\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (track,) = CSV.read(data, strict=True).tracks
    assert (track.title, track.artist_names) == ("Café", ("Björk",))


def test_legacy_windows_1252_without_bom() -> None:
    (track,) = CSV.read("title,artist\nCafé “quoted”,Björk\n".encode("cp1252")).tracks
    assert track.title == "Café “quoted”"


def test_cr_only_and_crlf_line_ends() -> None:
    for newline in ("\r", "\r\n"):
        playlist = read(newline.join(["title,artist", "a,b", "c,d", ""]))
        assert [t.title for t in playlist.tracks] == ["a", "c"]


def test_quoted_newlines_and_doubled_quotes() -> None:
    (track,) = read('title,artist\n"Line one\nline ""two""",X\n').tracks
    assert track.title == 'Line one\nline "two"'


def test_blank_lines_are_skipped_and_header_only_is_empty() -> None:
    assert [t.title for t in read("\ntitle,artist\n\na,b\n\n").tracks] == ["a"]
    assert read("title,artist\n").tracks == ()


def test_playlist_name_comes_from_the_file_name(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "Road_Trip.csv"  # type: ignore[operator]
    path.write_text("title\nx\n")
    playlist = CSV.read(path)
    assert playlist.name == "Road Trip"
    assert playlist.location == str(path)
    assert CSV.read_metadata(path).name == "Road Trip"


# --------------------------------------------------------------------------- profiles


def test_exportify_new_header_and_lists() -> None:
    header = (
        "Track URI,Track Name,Album Name,Artist Name(s),Release Date,Duration (ms),Popularity,"
        "Explicit,Added By,Added At,Genres,Record Label,Danceability,Energy,Key,Loudness,Mode,"
        "Speechiness,Acousticness,Instrumentalness,Liveness,Valence,Tempo,Time Signature"
    )
    line = (
        'spotify:track:4cdgQp78RyRzI04Bmw8o44,"Payphone - Edit","Overexposed (Deluxe)",'
        '"Maroon 5;Wiz Khalifa",2012-01-01,231373,49,false,user1,2020-03-07T20:45:08Z,'
        '"pop,dance pop","Interscope Records*",0.741,0.783,4,-4.791,1,0.0415,0.015,0,0.302,'
        "0.534,110.002,4"
    )
    playlist = CSV.read(("\ufeff" + header + "\n" + line + "\n").encode(), strict=True)
    (track,) = playlist.tracks
    assert playlist.extras["csv.profile"] == "exportify"
    assert track.provider_ids == {"spotify": "4cdgQp78RyRzI04Bmw8o44"}
    assert track.artist_names == ("Maroon 5", "Wiz Khalifa")
    assert track.genres == ("pop", "dance pop")
    assert track.explicit is False
    assert track.extras["csv.Loudness"] == "-4.791"
    result = CSV.write(playlist)
    written = rows(result.data)
    assert written[0] == header.split(",")
    assert written[1] == next(csv.reader([line]))
    assert [loss.field for loss in result.losses] == []


def test_exportify_old_escaped_commas_and_uris() -> None:
    header = (
        "Track URI,Track Name,Artist URI(s),Artist Name(s),Album URI,Album Name,"
        "Album Artist URI(s),Album Artist Name(s),Album Release Date,Album Image URL,"
        "Disc Number,Track Number,Track Duration (ms),Track Preview URL,Explicit,Popularity,"
        "ISRC,Added By,Added At"
    )
    line = (
        'spotify:track:T1,"See You Again","spotify:artist:A1,spotify:artist:A2",'
        '"Tyler\\, The Creator,Kali Uchis",spotify:album:AL,"Flower Boy",spotify:artist:A1,'
        '"Tyler\\, The Creator",2017-07-21,https://i.scdn.co/image/x,1,4,180386,,true,80,'
        "USSM11706905,spotify:user:me,2020-01-01T00:00:00Z"
    )
    playlist = CSV.read((header + "\n" + line + "\n").encode(), strict=True)
    (track,) = playlist.tracks
    assert playlist.extras["csv.profile"] == "exportify-old"
    assert track.artists == (
        ArtistCredit("Tyler, The Creator", provider_ids={"spotify": "A1"}),
        ArtistCredit("Kali Uchis", provider_ids={"spotify": "A2"}),
    )
    assert track.album == Album(
        "Flower Boy",
        artists=(ArtistCredit("Tyler, The Creator", provider_ids={"spotify": "A1"}),),
        release_date="2017-07-21",
        provider_ids={"spotify": "AL"},
        images=(Image("https://i.scdn.co/image/x"),),
    )
    assert (track.disc_number, track.track_number, track.isrc) == (1, 4, "USSM11706905")
    result = CSV.write(playlist)
    assert rows(result.data)[1] == next(csv.reader([line]))
    assert result.lossless


def test_tunemymusic_playlist_name_and_spotify_id() -> None:
    text = (
        "Track name,Artist name,Album,Playlist name,Type,ISRC,Spotify - id\n"
        '"BIRDBRAIN","Jamie Paige","BIRDBRAIN","teto","Playlist","QZTBA2526577","2DAZ"\n'
        '"Medicine","Sasuke","Medicine","other list","Playlist","TCJPZ2455806","6oQd"\n'
    )
    playlist = read(text)
    assert playlist.name == "teto"
    assert playlist.extras["csv.profile"] == "tunemymusic"
    first, second = playlist.tracks
    assert first.provider_ids == {"spotify": "2DAZ"}
    assert first.extras == {"csv.Type": "Playlist"}
    assert second.extras["csv.Playlist name"] == "other list"
    written = rows(CSV.write(playlist).data)
    assert [r[3] for r in written[1:]] == ["teto", "other list"]


def test_soundiiz_profile_reports_what_it_cannot_carry() -> None:
    track = Track(
        "Song",
        artists=(ArtistCredit("A"), ArtistCredit("B", role="featured")),
        album=Album("LP", release_date="2001"),
        duration_ms=1000,
        isrc="USRC17607839",
        provider_ids={"deezer": "3135556"},
    )
    result = CSV.with_profile("soundiiz").write(Playlist(name="Mix", tracks=[track]))
    assert rows(result.data) == [
        ["title", "artist", "album", "isrc"],
        ["Song", "A;B", "LP", "USRC17607839"],
    ]
    assert {loss.field: loss.tracks for loss in result.losses} == {
        "album.release_date": 1,
        "artists.role": 1,
        "duration_ms": 1,
        "provider_ids.deezer": 1,
        "playlist.name": 0,
    }


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown CSV profile"):
        CsvCodec(profile="excel")


def test_generic_write_uses_only_needed_columns_and_provider_ids() -> None:
    tracks = [
        Track("a", artists=[ArtistCredit("X")], provider_ids={"spotify": "s1", "deezer": "d1"}),
        Track("b", duration_ms=5, locations=["/m/b.mp3", "http://x/b.mp3"]),
    ]
    data = CSV.write(Playlist(tracks=tracks)).data
    assert rows(data) == [
        ["title", "artist", "duration_ms", "location", "deezer_id", "spotify_id"],
        ["a", "X", "", "", "d1", "s1"],
        ["b", "", "5", "/m/b.mp3\nhttp://x/b.mp3", "", ""],
    ]
    assert CSV.read(data).tracks == tuple(tracks)


def test_unknown_columns_survive_a_round_trip() -> None:
    text = "title,artist,My Rating,Comment\nx,y,5,=not a formula\n"
    playlist = read(text)
    assert playlist.tracks[0].extras == {"csv.My Rating": "5", "csv.Comment": "=not a formula"}
    written = rows(CSV.write(playlist).data)
    assert written == [
        ["title", "artist", "My Rating", "Comment"],
        ["x", "y", "5", "'=not a formula"],
    ]
    assert CSV.read(CSV.write(playlist).data).tracks == playlist.tracks


def test_extras_of_other_codecs_are_reported_lost() -> None:
    track = Track("x", extras={"m3u:attributes": {"tvg-id": "1"}})
    result = CSV.write(Playlist(description="d", tracks=[track]))
    fields = {loss.field for loss in result.losses}
    assert fields == {"extras.m3u:attributes", "playlist.description"}


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1+2", "-2+3", "@cmd", "\tx", "\rx", "'=x"])
def test_formula_injection_is_neutralised_on_write(value: str) -> None:
    track = Track(value, artists=[ArtistCredit("=HYPERLINK(1)")], duration_ms=1000)
    data = CSV.write(Playlist(tracks=[track])).data
    (cells,) = rows(data)[1:]
    assert cells[0] == "'" + value
    assert cells[1] == "'=HYPERLINK(1)"
    assert cells[2] == "1000"  # numbers untouched
    assert CSV.read(data).tracks == (track,)


def test_plain_numbers_in_text_columns_are_left_alone() -> None:
    track = Track("-1", extras={"csv.Loudness": "-6.852"})
    data = CSV.write(Playlist(tracks=[track])).data
    assert rows(data)[1] == ["-1", "", "-6.852"]


def test_names_with_separators_are_escaped() -> None:
    track = Track("t", artists=[ArtistCredit("A;B"), ArtistCredit("C\\D")], genres=["x;y"])
    data = CSV.write(Playlist(tracks=[track])).data
    assert rows(data)[1][1] == "A\\;B;C\\\\D"
    assert CSV.read(data).tracks == (track,)


# --------------------------------------------------------------------------- streaming


class CountingStream(io.RawIOBase):
    """A source that makes rows on demand and counts how much was read."""

    def __init__(self, rows: int) -> None:
        self.remaining = rows
        self.buffer = b"title,artist,duration_ms\n"
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        while len(self.buffer) < len(b) and self.remaining:
            self.buffer += f"Song {self.remaining},Artist,180000\n".encode()
            self.remaining -= 1
        size = min(len(b), len(self.buffer))
        b[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        self.served += size
        return size


def test_iter_tracks_streams() -> None:
    stream = CountingStream(60_000)
    tracks = CSV.iter_tracks(io.BufferedReader(stream))
    first = next(tracks)
    assert first.title == "Song 60000"
    assert stream.served < 300_000  # a few buffers, not the 1.8 MB file
    assert sum(1 for _ in tracks) == 59_999


def test_write_stream_writes_incrementally() -> None:
    out = io.BytesIO()
    seen_output_early = []

    def tracks() -> Iterator[Track]:
        for i in range(20_000):
            if i == 15_000:
                seen_output_early.append(out.tell())
            yield Track(f"t{i}", duration_ms=i)

    losses = CSV.write_stream(Playlist(), tracks(), out)
    assert losses == ()
    assert seen_output_early[0] > 100_000
    assert len(CSV.read(out.getvalue()).tracks) == 20_000


def test_write_stream_reports_extras_columns_seen_too_late() -> None:
    tracks = [Track(f"t{i}") for i in range(1000)] + [Track("late", extras={"csv.X": "1"})]
    out = io.BytesIO()
    losses = CSV.write_stream(Playlist(), tracks, out)
    assert [(loss.field, loss.tracks) for loss in losses] == [("extras.csv.X", 1)]


def test_write_stream_leaves_the_output_open() -> None:
    out = io.BytesIO()
    CSV.write_stream(Playlist(), [Track("x")], out)
    assert not out.closed
    assert out.getvalue().startswith(b"\xef\xbb\xbftitle")


class _Pipe(io.BytesIO):
    """A stream that cannot seek, like a pipe or a socket."""

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("before", [b"", b"already here\n"])
@pytest.mark.parametrize("seekable", [True, False])
def test_the_bom_is_written_as_utf_8_sig_writes_it(before: bytes, seekable: bool) -> None:
    # A BOM at the start of the output, and when the stream cannot tell where it is; none
    # when appending to a seekable stream that already holds something.
    def stream() -> io.BytesIO:
        out = io.BytesIO() if seekable else _Pipe()
        out.write(before)
        return out

    expected = stream()
    text = io.TextIOWrapper(expected, encoding="utf-8-sig", newline="")
    text.write("title")
    text.detach()
    out = stream()
    CSV.write_stream(Playlist(), [Track("x")], out)
    assert out.getvalue().startswith(expected.getvalue())
    assert out.getvalue().count(b"\xef\xbb\xbf") == expected.getvalue().count(b"\xef\xbb\xbf")


def _reference_join(items: list[str], separator: str) -> str:
    escaped = "\\" + separator
    return separator.join(item.replace("\\", "\\\\").replace(separator, escaped) for item in items)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(list("ab;, \\")), max_size=5), max_size=4),
    st.sampled_from([";", ",", ", ", ";;"]),
)
def test_join_list_escapes_as_the_reference_does(items: list[str], separator: str) -> None:
    from playlist_interop.codecs._csv import join_list, split_list

    joined = join_list(items, separator)
    assert joined == _reference_join(items, separator)
    assert join_list(iter(items), separator) == joined
    if len(separator) == 1:
        assert split_list(joined, separator) == [i.strip() for i in items if i.strip()]


# --------------------------------------------------------------------------- hostile input


def test_ragged_rows_fail_strict_with_the_line_number() -> None:
    with pytest.raises(PlaylistFormatError) as info:
        read("title,artist\na,b\nc,d,e\n", strict=True)
    assert info.value.line == 3
    assert info.value.codec == "csv"


def test_ragged_rows_warn_in_lenient_mode_and_keep_the_cells() -> None:
    caught: list[FormatWarning] = []
    playlist = CSV.read(b"title,artist\na,b\nc,d,e\nf\n", on_warning=caught.append)
    assert [(w.line, w.codec) for w in caught] == [(3, "csv"), (4, "csv")]
    assert playlist.tracks[1].extras == {"csv.column 3": "e"}
    assert playlist.tracks[2].title == "f"


def test_bad_values_fail_strict_and_are_kept_raw_when_lenient() -> None:
    text = "title,duration_ms,isrc,explicit,track_number\nx,long,nope,maybe,one\n"
    with pytest.raises(PlaylistFormatError) as info:
        read(text, strict=True)
    assert (info.value.line, info.value.column) == (2, 2)
    caught: list[FormatWarning] = []
    playlist = CSV.read(text.encode(), on_warning=caught.append)
    assert len(caught) == 4
    (track,) = playlist.tracks
    assert track.duration_ms is None
    assert track.extras == {
        "csv.duration_ms": "long",
        "csv.isrc": "nope",
        "csv.explicit": "maybe",
        "csv.track_number": "one",
    }
    again = rows(CSV.write(playlist).data)
    assert again == [
        ["title", "artist", "duration_ms", "isrc", "track_number", "explicit"],
        ["x", "", "long", "nope", "one", "maybe"],
    ]


def test_binary_input_is_refused() -> None:
    with pytest.raises(PlaylistFormatError, match="binary"):
        CSV.read(b"title\n\x89PNG\x00\x00\x01")
    with pytest.raises(PlaylistFormatError, match="binary") as info:
        CSV.read(b"title\n" + b"x\n" * 40_000 + b"a\x00b\n")
    assert info.value.line == 40_002


def test_invalid_utf8_after_the_head_names_the_line() -> None:
    data = b"title\n" + b"x\n" * 40_000 + b"bad \xff\xfe byte\n"
    with pytest.raises(PlaylistFormatError, match="utf-8") as info:
        CSV.read(data, strict=True)
    assert info.value.line == 40_002
    caught: list[FormatWarning] = []
    playlist = CSV.read(data, on_warning=caught.append)
    assert [(w.line, w.reason) for w in caught] == [
        (40_002, "not valid utf-8 text; bad bytes replaced")
    ]
    assert playlist.tracks[-1].title == "bad \ufffd\ufffd byte"


def test_huge_field_and_long_line_are_refused() -> None:
    with pytest.raises(PlaylistFormatError) as info:
        CSV.read(b'title,artist\na,"' + b"x" * 5_000_000 + b'"\n')
    assert info.value.line == 2
    with pytest.raises(PlaylistFormatError, match="longer than"):
        CSV.read(b"title,artist\n" + b"y" * 2_000_000 + b"\n")


def test_unterminated_quote_is_bounded() -> None:
    data = b'title\n"open\n' + b"more text\n" * 600_000
    with pytest.raises(PlaylistFormatError) as info:
        CSV.read(data)
    assert info.value.line is not None


def test_too_many_columns() -> None:
    with pytest.raises(PlaylistFormatError, match="columns"):
        CSV.read(b"title" + b",x" * 5000 + b"\n")


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\n", b"foo,bar\n1,2\n", b"#EXTM3U\n/a.mp3\n", b"<?xml version='1.0'?><a/>"],
)
def test_not_a_playlist_csv(data: bytes) -> None:
    with pytest.raises(PlaylistFormatError):
        CSV.read(data)


def test_lenient_read_never_crashes_on_junk() -> None:
    import random

    rng = random.Random(1234)
    alphabet = b"title,artist;\t\"'\r\n=x\xc3\xa9\\"
    for _ in range(300):
        data = b"title,artist\n" + bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(PlaylistFormatError):
                CSV.read(data)


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("head", "at_least", "at_most"),
    [
        (b"\xef\xbb\xbfTrack URI,Track Name,Album Name,Artist Name(s),Duration (ms)\n", 0.9, 1),
        (b"title;artist;album\nx;y;z\n", 0.9, 1),
        (b"Name,Comment\n", 0.3, 0.6),
        (b"a,b,c\n1,2,3\n", 0.0, 0.3),
        (b"#EXTM3U\n#EXTINF:1,a\n", 0.0, 0.0),
        (b"[playlist]\nFile1=a\n", 0.0, 0.0),
        (b'{"playlist": {}}', 0.0, 0.0),
        (b"\x00\x01\x02", 0.0, 0.0),
    ],
)
def test_sniff(head: bytes, at_least: float, at_most: float) -> None:
    assert at_least <= CSV.sniff(head) <= at_most


def test_fields_up_to_the_row_cap_are_read() -> None:
    """A 600 KiB cell spread over lines is fine: only the 1 MiB line / 4 MiB row caps apply."""
    big = "\n".join(["x" * 1000] * 600)
    data = b'title,artist\n"' + big.encode() + b'",a\n'
    (track,) = CSV.read(data).tracks
    assert len(track.title) == len(big)


# --------------------------------------------------------------------------- properties

_any_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
)
_names = _any_text.map(str.strip).filter(bool)
_one_line = _any_text.filter(lambda s: "\n" not in s)


@st.composite
def _rich_tracks(draw: st.DrawFn) -> Track:
    album = draw(
        st.none()
        | st.builds(
            Album,
            title=_any_text,
            artists=st.lists(_names.map(ArtistCredit), max_size=2),
            release_date=st.none() | st.sampled_from(["1999", "2001-02", "2010-03-04"]),
            upc=st.none() | st.from_regex(r"[0-9]{12,13}", fullmatch=True),
            images=st.lists(_one_line.map(Image), max_size=1),
        )
    )
    return Track(
        title=draw(_any_text),
        artists=draw(st.lists(_names.map(ArtistCredit), max_size=3)),
        album=album,
        duration_ms=draw(st.none() | st.integers(0, 10**8)),
        isrc=draw(st.none() | st.from_regex(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}", fullmatch=True)),
        track_number=draw(st.none() | st.integers(0, 999)),
        disc_number=draw(st.none() | st.integers(0, 99)),
        explicit=draw(st.none() | st.booleans()),
        provider_ids=draw(
            st.dictionaries(
                st.sampled_from(["spotify", "deezer", "tidal", "youtube"]), _names, max_size=3
            )
        ),
        locations=draw(st.lists(_one_line, max_size=2)),
        image=draw(st.none() | _one_line.map(Image)),
        musicbrainz_recording_id=draw(st.none() | st.uuids().map(str)),
        genres=draw(st.lists(_names, max_size=3)),
        extras=draw(
            st.dictionaries(st.sampled_from(["csv.Rating", "csv.My Notes"]), _any_text, max_size=2)
        ),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_rich_tracks(), min_size=1, max_size=6))
def test_generic_profile_round_trips_every_field_it_carries(tracks: list[Track]) -> None:
    playlist = Playlist(tracks=tracks)
    result = CSV.write(playlist)
    assert [loss.field for loss in result.losses] == []
    assert CSV.read(result.data, strict=True).tracks == playlist.tracks
    streamed = io.BytesIO()
    assert CSV.write_stream(playlist, iter(tracks), streamed) == ()
    assert tuple(CSV.iter_tracks(io.BytesIO(streamed.getvalue()))) == playlist.tracks


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(PlaylistFormatError):
            CSV.read(b"title,artist\n" + data)
        with contextlib.suppress(PlaylistFormatError):
            CSV.read(data)
        CSV.sniff(data)


def test_nul_characters_are_dropped_and_reported() -> None:
    result = CSV.write(Playlist(tracks=[Track("a\x00b")]))
    assert [(loss.field, loss.tracks) for loss in result.losses] == [("text.nul_characters", 1)]
    assert CSV.read(result.data).tracks[0].title == "ab"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_excel_sep_directive(delimiter: str) -> None:
    out = io.StringIO()
    out.write(f"sep={delimiter}\n")
    csv.writer(out, delimiter=delimiter).writerows([["title", "artist"], ["A, b; c", "D|E"]])
    (track,) = read(out.getvalue()).tracks
    assert (track.title, track.artist_line) == ("A, b; c", "D|E")
    assert CSV.sniff(out.getvalue().encode()) >= 0.9


def test_read_restores_the_garbage_collector_state() -> None:
    import gc

    assert gc.isenabled()
    CSV.read(b"title\na\n")
    assert gc.isenabled()
    with pytest.raises(PlaylistFormatError):
        CSV.read(b"title,artist\na,b,c\n", strict=True)
    assert gc.isenabled()
    gc.disable()
    try:
        CSV.read(b"title\na\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_repeated_headers_keep_their_cells() -> None:
    (track,) = read("title,Note,artist,Note,title\nA,n1,B,n2,A2\n").tracks
    assert track.title == "A"
    assert track.extras == {"csv.Note": "n1", "csv.Note #4": "n2", "csv.title #5": "A2"}


def test_read_leaves_nothing_frozen_and_frozen_objects_frozen() -> None:
    import gc

    CSV.read(b"title\na\n")
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        CSV.read(b"title\na\n")
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_unicode_digit_track_number_is_a_format_problem_not_a_crash() -> None:
    document = "title,artist,track_number\nOne,Alpha,\u00b2\n".encode()
    with pytest.warns(UserWarning, match="not a number"):
        lenient = CSV.read(document)
    assert lenient.tracks[0].track_number is None
    with pytest.raises(PlaylistFormatError, match="not a number"):
        CSV.read(document, strict=True)


def test_a_blank_line_before_an_excel_sep_line() -> None:
    playlist = CSV.read(b"\nsep=;\ntitle;artist\nOne;Alpha\n")
    assert [(t.title, t.artist_names) for t in playlist.tracks] == [("One", ("Alpha",))]
