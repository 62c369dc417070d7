"""The M3U/M3U8 codec: reading, writing, losses, sniffing, streaming and hostile input."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import Codec, FormatWarning, get_codec
from playlist_interop.codecs.m3u import M3U, M3UCodec
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track, make_converter
from playlist_interop.types import DurationMs, Isrc, ProviderName, ProviderTrackId


def read(data: bytes, *, strict: bool = False) -> tuple[Playlist, list[FormatWarning]]:
    caught: list[FormatWarning] = []
    playlist = M3U.read(data, strict=strict, on_warning=caught.append)
    return playlist, caught


def lines_of(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines()


# --- the codec itself -----------------------------------------------------------------


def test_is_a_codec_and_registered() -> None:
    typed: Codec = M3U  # mypy checks the protocol statically too
    assert isinstance(typed, Codec)
    assert isinstance(M3U, M3UCodec)
    assert get_codec("m3u") is M3U
    assert get_codec("M3U8") is M3U
    assert M3U.extensions == ("m3u", "m3u8")
    assert "audio/x-mpegurl" in M3U.media_types


# --- reading --------------------------------------------------------------------------


def test_plain_m3u_without_header() -> None:
    playlist, caught = read(b"song1.mp3\n/abs/song2.flac\n")
    assert [t.locations for t in playlist.tracks] == [("song1.mp3",), ("/abs/song2.flac",)]
    assert all(t.title == "" and t.duration_ms is None for t in playlist.tracks)
    assert not caught


def test_empty_file_is_an_empty_playlist() -> None:
    playlist, caught = read(b"")
    assert playlist.tracks == ()
    assert not caught


def test_extinf_duration_artist_title() -> None:
    playlist, _ = read(b"#EXTM3U\n#EXTINF:233,Everclear - So Much For The Afterglow\nx.mp3\n")
    (track,) = playlist.tracks
    assert track.title == "So Much For The Afterglow"
    assert track.artist_names == ("Everclear",)
    assert track.duration_ms == 233_000


@pytest.mark.parametrize(
    ("duration", "expected"),
    [("-1", None), ("0", 0), ("60", 60_000), ("12.34", 12_340), ("3155", 3_155_000)],
)
def test_extinf_durations(duration: str, expected: int | None) -> None:
    playlist, caught = read(f"#EXTINF:{duration},T\nx.mp3\n".encode())
    assert playlist.tracks[0].duration_ms == expected
    assert not caught


def test_display_without_separator_is_all_title() -> None:
    playlist, _ = read(b"#EXTINF:-1,Song #1\na.mp3\n#EXTINF:1,Jay-Z\nb.mp3\n")
    assert [(t.artists, t.title) for t in playlist.tracks] == [((), "Song #1"), ((), "Jay-Z")]


def test_separator_inside_brackets_does_not_split() -> None:
    playlist, _ = read(b"#EXTINF:-1,(#1 - 553/1000) 1.FM - Channel X\nhttp://h:8072\n")
    assert playlist.tracks[0].title == "(#1 - 553/1000) 1.FM - Channel X"
    assert playlist.tracks[0].artists == ()


def test_comma_inside_the_title_and_leading_tabs() -> None:
    data = b"#EXTM3U\r\n\t\t#EXTINF:-1,O G Money - Girl Feat. O G Money, Snoop Dogg\r\nhttp://a/b,c.mp3\r\n"
    (track,) = read(data)[0].tracks
    assert track.artist_names == ("O G Money",)
    assert track.title == "Girl Feat. O G Money, Snoop Dogg"
    assert track.locations == ("http://a/b,c.mp3",)


def test_malformed_extinf_variants_warn_and_read() -> None:
    data = (
        b"#EXTM3U\n#EXTINF:\n/f1.mp3\n#EXTINF:,\n/f2.mp3\n#EXTINF:12.34\n/f3.mp3\n"
        b"#EXTINF:,title,2\n/f5.mp3\n#EXTINF:invalid\n/f6.mp3\n"
    )
    for strict in (False, True):
        playlist, caught = read(data, strict=strict)
        assert [t.locations[0] for t in playlist.tracks] == [f"/f{i}.mp3" for i in (1, 2, 3, 5, 6)]
        assert playlist.tracks[2].duration_ms == 12_340
        assert playlist.tracks[3].title == "title,2"
        assert playlist.tracks[4].duration_ms is None
        assert {w.line for w in caught} >= {2, 4, 6, 10}
        assert all(w.codec == "m3u" for w in caught)


def test_iptv_attributes_on_header_and_entries() -> None:
    data = (
        b'#EXTM3U x-tvg-url="http://e/epg.xml"\n'
        b'#EXTINF:-1 tvg-id="Rai 1" tvg-logo="https://l/x,y.png" group-title="RAI"'
        b" tvg-shift=-0.5,Rai 1\n"
        b"http://s/1\n"
    )
    playlist, caught = read(data)
    assert not caught
    assert playlist.extras["m3u.attributes"] == {"x-tvg-url": "http://e/epg.xml"}
    (track,) = playlist.tracks
    assert track.title == "Rai 1"
    assert track.duration_ms is None
    assert track.extras["m3u.attributes"] == {
        "tvg-id": "Rai 1",
        "tvg-logo": "https://l/x,y.png",
        "group-title": "RAI",
        "tvg-shift": "-0.5",
    }


def test_unreadable_attributes_warn_and_keep_the_rest() -> None:
    playlist, caught = read(b'#EXTINF:-1 a="1" "oops",Title\nx\n')
    assert playlist.tracks[0].extras["m3u.attributes"] == {"a": "1"}
    assert playlist.tracks[0].title == "Title"
    assert caught


def test_playlist_name_and_preamble() -> None:
    data = (
        b"\xef\xbb\xbf#EXTM3U\n# note one\n# note two\n#PLAYLIST:Test Playlist\n"
        b"#EXTINF:1,A - B\nt.mp3\n"
    )
    playlist, _ = read(data)
    assert playlist.name == "Test Playlist"
    assert playlist.extras["m3u.preamble"] == ("# note one", "# note two")
    assert "m3u.before" not in playlist.tracks[0].extras


def test_album_directives_apply_to_the_next_entry() -> None:
    data = (
        b"#EXTM3U\n#EXTALB:Album\n#EXTART:Album Artist\n#EXTGENRE:Rock\n#EXTGENRE:Pop\n"
        b"#EXTIMG:http://img/c.jpg\n#EXTINF:10,A - T\n1.mp3\n#EXTINF:11,B - U\n2.mp3\n"
    )
    first, second = read(data)[0].tracks
    assert first.album == Album("Album", artists=(ArtistCredit("Album Artist"),))
    assert first.genres == ("Rock", "Pop")
    assert first.image == Image("http://img/c.jpg")
    assert second.album is None
    assert second.genres == ()
    assert second.image is None


def test_extart_without_extalb_is_kept() -> None:
    (track,) = read(b"#EXTART:Someone\nx.mp3\n")[0].tracks
    assert track.album is None
    assert track.extras["m3u.album_artist"] == "Someone"


def test_extgrp_lasts_until_the_next_extgrp() -> None:
    data = b"#EXTGRP:One\na\nb\n#EXTGRP:Two\nc\n#EXTGRP:\nd\n"
    groups = [t.extras.get("m3u.group") for t in read(data)[0].tracks]
    assert groups == ["One", "One", "Two", None]


def test_unknown_directives_and_comments_keep_their_place() -> None:
    data = (
        b"#EXTM3U\n# before\n#EXTINF:-1,Song #1\n# between\n#EXTVLCOPT:no-video\nsong1.mp3\n"
        b"#EXTBYT:123\nsong2.mp3\n# the end\n"
    )
    playlist, caught = read(data)
    assert not caught
    first, second = playlist.tracks
    assert first.extras["m3u.before"] == ("# before",)
    assert first.extras["m3u.after"] == ("# between", "#EXTVLCOPT:no-video")
    assert second.extras["m3u.before"] == ("#EXTBYT:123",)
    assert playlist.extras["m3u.trailer"] == ("# the end",)
    assert M3U.write(playlist).data == data


def test_canonical_file_round_trips_byte_for_byte() -> None:
    data = (
        b'#EXTM3U x-tvg-url="http://e"\n# made by hand\n#PLAYLIST:Mix\n#EXTGRP:Side A\n'
        b'#EXTINF:233 tvg-id="x",Everclear - Afterglow\n#EXTALB:So Much\n#EXTART:Everclear\n'
        b"#EXTGENRE:Rock\n#EXTIMG:cover.jpg\n#EXTVLCOPT:a=b\nAlternative/afterglow.mp3\n"
        b"#EXTINF:12.5,Title only\nfile:///x%20y.mp3\n#EXTGRP:\n"
        b"http://example.com/stream\n"
    )
    playlist, caught = read(data, strict=True)
    assert not caught
    result = M3U.write(playlist)
    assert result.data == data
    assert result.lossless


def test_locations_are_kept_as_written() -> None:
    data = (
        b"c:/music/foo.mp3\nfoo/fighters.mp3\nhttp://h/s.mp3\nfile:///t/01%20I.mp3\n"
        b"C:\\Music\\x.mp3\nrtsp://box/s?a=1&b=2\n../up.ogg\n"
    )
    locations = [t.locations[0] for t in read(data)[0].tracks]
    assert locations == data.decode().splitlines()


def test_location_of_a_file_source(tmp_path: Path) -> None:
    path = tmp_path / "list.m3u"
    path.write_bytes(b"a.mp3\n")
    assert M3U.read(path).location == str(path)
    assert M3U.read(str(path)).location == str(path)
    assert M3U.read(path.read_bytes()).location is None
    with path.open("rb") as handle:
        assert M3U.read(handle).tracks[0].locations == ("a.mp3",)


# --- text decoding --------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF8 + "#EXTINF:1,Ünïcødé ☃\r\nä.mp3\r\n".encode(),
        codecs.BOM_UTF16_LE + "#EXTINF:1,Ünïcødé ☃\r\nä.mp3\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "#EXTINF:1,Ünïcødé ☃\r\nä.mp3\r\n".encode("utf-16-be"),
        "#EXTINF:1,Ünïcødé ☃\r\nä.mp3\r\n".encode("utf-16-le"),
        "#EXTINF:1,Ünïcødé ☃\nä.mp3\n".encode("utf-16-be"),
        codecs.BOM_UTF32_LE + "#EXTINF:1,Ünïcødé ☃\nä.mp3\n".encode("utf-32-le"),
        "#EXTINF:1,Ünïcødé ☃\nä.mp3".encode(),
    ],
)
def test_unicode_encodings(encoded: bytes) -> None:
    playlist, caught = read(encoded, strict=True)
    assert not caught
    (track,) = playlist.tracks
    assert (track.title, track.locations) == ("Ünïcødé ☃", ("ä.mp3",))


def test_legacy_windows_1252_and_latin_1() -> None:
    data = b"#EXTINF:-1,\xe6\xf8\xe5 \x93quoted\x94 \x81\n\xe6\xf8\xe5.mp3\n"
    for strict in (False, True):
        playlist, caught = read(data, strict=strict)
        (track,) = playlist.tracks
        assert track.title == "æøå \u201cquoted\u201d \x81"
        assert track.locations == ("æøå.mp3",)
        assert not caught  # legacy 8-bit is normal for .m3u


def test_mixed_utf8_and_legacy_lines() -> None:
    playlist, _ = read("#EXTINF:1,日本語\n".encode() + b"caf\xe9.mp3\n")
    assert playlist.tracks[0].title == "日本語"
    assert playlist.tracks[0].locations == ("café.mp3",)


def test_m3u8_declares_utf8(tmp_path: Path) -> None:
    path = tmp_path / "list.m3u8"
    path.write_bytes(b"#EXTM3U\n#EXTINF:1,ok\nok.mp3\nbad\xff.mp3\n")
    with pytest.raises(PlaylistFormatError) as info:
        M3U.read(path, strict=True)
    assert (info.value.line, info.value.column) == (4, 4)
    caught: list[FormatWarning] = []
    playlist = M3U.read(path, on_warning=caught.append)
    assert playlist.tracks[1].locations == ("bad\xff.mp3",)
    assert [w.line for w in caught] == [4]


def test_bom_declares_utf8_in_strict_mode() -> None:
    with pytest.raises(PlaylistFormatError) as info:
        M3U.read(codecs.BOM_UTF8 + b"a.mp3\nb\xe9.mp3\n", strict=True)
    assert info.value.line == 2


def test_invalid_utf16_in_strict_mode() -> None:
    data = codecs.BOM_UTF16_LE + "a.mp3\n".encode("utf-16-le") + b"\x00\xd8\x41\x00"
    with pytest.raises(PlaylistFormatError):
        M3U.read(data, strict=True)
    playlist, caught = read(data)
    assert playlist.tracks[1].locations == ("\ufffdA",)
    assert caught


@pytest.mark.parametrize("ending", [b"\n", b"\r", b"\r\n"])
def test_line_endings(ending: bytes) -> None:
    data = ending.join([b"#EXTM3U", b"#EXTINF:1,A - B", b"a.mp3", b"", b"b.mp3"])
    playlist, _ = read(data + ending)
    assert [t.locations[0] for t in playlist.tracks] == ["a.mp3", "b.mp3"]
    assert read(data)[0] == playlist  # without a final line end


def test_mixed_line_endings_and_crlf_across_read_chunks() -> None:
    # Lines of 1000 bytes: the 64 KiB read chunks end inside lines and between CR and LF.
    separators = [b"\r\n", b"\r", b"\n"] * 100
    body = b"".join(b"x" * 998 + str(i % 10).encode() + sep for i, sep in enumerate(separators))
    playlist, _ = read(body)
    assert len(playlist.tracks) == 300
    assert all(len(t.locations[0]) == 999 for t in playlist.tracks)
    crlf = b"".join(b"y" * 1022 + b"\r\n" for _ in range(200))  # 1024-byte lines
    assert len(read(crlf)[0].tracks) == 200


def test_line_numbers_survive_chunk_boundaries_in_utf16() -> None:
    # The first line ends with a CRLF that straddles the 64 KiB read chunk.
    text = "#" + "x" * 32766 + "\r\na.mp3\r\n#EXTINF:oops,T\r\nb.mp3\r\n"
    playlist, caught = read(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert [t.locations[0] for t in playlist.tracks] == ["a.mp3", "b.mp3"]
    assert [w.line for w in caught] == [3]


# --- HLS ------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_hls_is_refused(strict: bool) -> None:
    data = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg1.ts\n#EXT-X-ENDLIST\n"
    with pytest.raises(PlaylistFormatError, match="HTTP Live Streaming") as info:
        M3U.read(data, strict=strict)
    assert info.value.line == 2
    assert info.value.codec == "m3u"


def test_lowercase_hls_tag_is_refused() -> None:
    with pytest.raises(PlaylistFormatError, match="HTTP Live Streaming"):
        M3U.read(b"#extm3u\n#ext-x-version:3\n")


# --- hostile input --------------------------------------------------------------------


def test_binary_garbage_is_refused() -> None:
    garbage = bytes(range(256)) * 40
    for strict in (False, True):
        with pytest.raises(PlaylistFormatError, match="binary"):
            M3U.read(garbage, strict=strict)


def test_nul_byte_after_the_first_chunk() -> None:
    data = b"a.mp3\n" * 20_000 + b"b\x00c.mp3\nd.mp3\n"
    with pytest.raises(PlaylistFormatError) as info:
        M3U.read(data, strict=True)
    assert (info.value.line, info.value.column) == (20_001, 2)
    playlist, caught = read(data)
    assert len(playlist.tracks) == 20_001
    assert caught[0].line == 20_001


def test_control_characters() -> None:
    with pytest.raises(PlaylistFormatError):
        M3U.read(b"#EXTINF:1,bell\x07\na.mp3\n", strict=True)
    playlist, caught = read(b"#EXTINF:1,bell\x07\na.mp3\n")
    assert playlist.tracks[0].title == ""
    assert caught


def test_huge_line_is_refused_without_reading_it_all() -> None:
    class Endless(io.RawIOBase):
        def __init__(self) -> None:
            self.served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            buffer[:] = b"a" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(PlaylistFormatError, match="longer than") as info:
        M3U.read(io.BufferedReader(stream), strict=False)
    assert info.value.line == 1
    assert stream.served < 4 << 20


def test_huge_line_in_a_file() -> None:
    data = b"a.mp3\n" + b"#" + b"x" * (2 << 20) + b"\nb.mp3\n"
    with pytest.raises(PlaylistFormatError) as info:
        M3U.read(data)
    assert info.value.line == 2


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.booleans())
def test_arbitrary_bytes_never_crash(data: bytes, strict: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            playlist: Playlist | None = M3U.read(data, strict=strict)
        except PlaylistFormatError as exc:
            playlist, error = None, exc
    if playlist is None:
        assert error.codec == "m3u"
        return
    for track in playlist.tracks:
        assert track.locations[0]
        assert "\n" not in track.locations[0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "#EXTM3U",
                "#EXTINF:",
                "#EXTINF:-1,",
                "a - b",
                ",",
                '"',
                "=",
                "x.mp3",
                "\r",
                "\n",
                "\t",
                " ",
                "#EXTGRP:",
                "#EXTALB:",
                "#PLAYLIST:",
                "é",
                "\x00",
                "#",
            ]
        ),
        max_size=60,
    )
)
def test_directive_soup_never_crashes(parts: list[str]) -> None:
    data = "".join(parts).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for strict in (False, True):
            with contextlib.suppress(PlaylistFormatError):
                M3U.read(data, strict=strict)


def test_warnings_go_to_the_warnings_module_without_a_handler() -> None:
    with pytest.warns(FormatWarning, match="line 1"):
        M3U.read(b"#EXTINF:oops,T\na.mp3\n")


def test_orphan_extinf_warns() -> None:
    playlist, caught = read(b"#EXTINF:1,Lost\n#EXTINF:2,Found\nb.mp3\n#EXTINF:3,End\n")
    assert [t.title for t in playlist.tracks] == ["Found"]
    assert [w.line for w in caught] == [1, 4]


# --- streaming ------------------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A generated M3U of ``entries`` tracks that counts the bytes served."""

    def __init__(self, entries: int) -> None:
        self.served = 0
        self._lines = self._generate(entries)
        self._pending = b""

    @staticmethod
    def _generate(entries: int) -> Iterator[bytes]:
        yield b"#EXTM3U\n"
        for i in range(entries):
            yield f"#EXTINF:{i % 600},Artist {i} - Title {i}\n/music/{i}.mp3\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            chunk = next(self._lines, None)
            if chunk is None:
                break
            self._pending += chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.served += size
        return size


def test_iter_tracks_streams() -> None:
    stream = CountingStream(200_000)
    tracks = M3U.iter_tracks(stream)  # type: ignore[arg-type]
    first = next(tracks)
    assert first.title == "Title 0"
    assert stream.served <= 256 * 1024  # a few read chunks, not the ~10 MB file
    assert sum(1 for _ in tracks) == 199_999


def test_write_stream_writes_as_it_goes() -> None:
    out = io.BytesIO()
    sizes: list[int] = []

    def tracks() -> Iterator[Track]:
        for i in range(10_000):
            if i % 2500 == 0:
                sizes.append(out.tell())
            yield Track(f"T{i}", duration_ms=DurationMs(1000), locations=(f"{i}.mp3",))

    losses = M3U.write_stream(Playlist(name="Big"), tracks(), out)
    assert losses == ()
    assert sizes[0] == 0
    assert sizes[-1] > 0
    assert M3U.read(out.getvalue()).tracks[-1].locations == ("9999.mp3",)


def test_write_stream_uses_the_given_tracks_not_playlist_tracks() -> None:
    out = io.BytesIO()
    playlist = Playlist(name="P", tracks=[Track("ignored", locations=("i.mp3",))])
    M3U.write_stream(playlist, [Track("used", locations=("u.mp3",))], out)
    assert "u.mp3" in out.getvalue().decode()
    assert "i.mp3" not in out.getvalue().decode()


# --- writing --------------------------------------------------------------------------


def test_write_output_format() -> None:
    playlist = Playlist(
        name="Road trip",
        tracks=[
            Track(
                "So Much",
                artists=[ArtistCredit("Everclear")],
                duration_ms=DurationMs(233_000),
                locations=["a.mp3"],
            ),
            Track("Frac", duration_ms=DurationMs(12_345), locations=["http://h/s"]),
            Track("", locations=["plain.mp3"]),
            Track("No length", locations=["n.mp3"]),
        ],
    )
    result = M3U.write(playlist)
    assert result.data.startswith(b"#EXTM3U\n")
    assert not result.data.startswith(codecs.BOM_UTF8)
    assert lines_of(result.data) == [
        "#EXTM3U",
        "#PLAYLIST:Road trip",
        "#EXTINF:233,Everclear - So Much",
        "a.mp3",
        "#EXTINF:12.345,Frac",
        "http://h/s",
        "plain.mp3",
        "#EXTINF:-1,No length",
        "n.mp3",
    ]
    assert result.lossless


def test_write_reports_losses_with_counts() -> None:
    rich = Track(
        "T",
        artists=[
            ArtistCredit("A", role="main", provider_ids={ProviderName("spotify"): "a1"}),
            ArtistCredit("B"),
        ],
        album=Album("Alb", release_date="2020", upc="123"),
        isrc=Isrc("USRC17607839"),
        track_number=3,
        provider_ids={ProviderName("spotify"): ProviderTrackId("x")},
        locations=["1.mp3", "alt.mp3"],
        extras={"spotify.popularity": 50, "m3u.attributes": {"tvg-id": "k"}},
    )
    playlist = Playlist(
        name="N",
        description="D",
        tracks=[rich, rich, Track("no place")],
        extras={"xspf.meta": "m"},
    )
    result = M3U.write(playlist)
    losses = {loss.field: loss.tracks for loss in result.losses}
    assert losses == {
        "isrc": 2,
        "track_number": 2,
        "provider_ids": 2,
        "locations": 3,  # two with a second location, one with none (left out)
        "artists": 2,
        "artists.role": 2,
        "artists.provider_ids": 2,
        "album.release_date": 2,
        "album.upc": 2,
        "extras.spotify.popularity": 2,
        "playlist.description": 0,
        "playlist.extras.xspf.meta": 0,
    }
    assert not result.lossless
    assert all(loss.reason for loss in result.losses)
    assert result.data.count(b"#EXTINF") == 2
    assert b'tvg-id="k"' in result.data


def test_write_cleans_line_breaks_and_protects_hash_paths() -> None:
    playlist = Playlist(tracks=[Track("two\nlines", locations=["#weird.mp3"])])
    result = M3U.write(playlist)
    assert lines_of(result.data)[1:] == ["#EXTINF:-1,two lines", "./#weird.mp3"]
    assert {loss.field for loss in result.losses} == {"title", "locations"}
    odd = Playlist(name="a\nb", tracks=[Track("t", locations=["x\ry.mp3"])])
    cleaned = M3U.write(odd)
    assert lines_of(cleaned.data) == ["#EXTM3U", "#PLAYLIST:a b", "#EXTINF:-1,t", "x y.mp3"]
    assert {(loss.field, loss.tracks) for loss in cleaned.losses} == {
        ("playlist.name", 0),
        ("locations", 1),
    }
    again = read(result.data, strict=True)[0]
    assert again.tracks[0].locations == ("./#weird.mp3",)


def test_write_reports_ambiguous_display_titles() -> None:
    playlist = Playlist(
        tracks=[
            Track("Live - 1999", locations=["a"]),
            Track("Fine", artists=[ArtistCredit("X")], locations=["b"]),
        ]
    )
    result = M3U.write(playlist)
    assert [(loss.field, loss.tracks) for loss in result.losses] == [("title", 1)]


def test_write_never_emits_hls_tags_from_kept_lines() -> None:
    kept = ["#EXT-X-ENDLIST", "plain note", "#EXTALB:would change the album"]
    track = Track("t", locations=["a"], extras={"m3u.before": kept})
    result = M3U.write(Playlist(tracks=[track]))
    assert b"EXT-X" not in result.data
    assert b"EXTALB" not in result.data
    assert [(loss.field, loss.tracks) for loss in result.losses] == [("extras.m3u.before", 2)]
    assert b"# plain note\n" in result.data
    assert read(result.data, strict=True)[0].tracks[0].locations == ("a",)


def test_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.m3u8"
    playlist = Playlist(
        name="Ü", tracks=[Track("ß", artists=[ArtistCredit("Ø")], locations=["ä/ö.mp3"])]
    )
    path.write_bytes(M3U.write(playlist).data)
    again = M3U.read(path, strict=True)
    assert again.name == "Ü"
    assert again.tracks == playlist.tracks
    assert again.location == os.fspath(path)


# --- sniffing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "low", "high"),
    [
        (b"#EXTM3U\n#EXTINF:1,a\na.mp3\n", 1.0, 1.0),
        (codecs.BOM_UTF8 + b"#EXTM3U\n", 1.0, 1.0),
        (codecs.BOM_UTF16_LE + "#EXTM3U\r\n".encode("utf-16-le"), 1.0, 1.0),
        (b"#EXTINF:0,Radio\nrtsp://x/y\n", 0.9, 0.9),
        (b"#EXTM3U\n#EXT-X-VERSION:3\n", 0.5, 0.5),
        (b"/music/a.mp3\n/music/b.mp3\n", 0.5, 0.5),
        (b"# comment\nc:\\music\\a.mp3\nhttp://h/s\n", 0.5, 0.5),
        (b"[playlist]\nFile1=a.mp3\n", 0.0, 0.0),
        (b'<?xml version="1.0"?><playlist/>', 0.0, 0.0),
        (b'{"playlist": {}}', 0.0, 0.0),
        (b"Track Name,Artist Name(s),Album Name,Duration (ms)\nx,y,z,1\n", 0.0, 0.2),
        (b"\x00\x01\x02binary", 0.0, 0.0),
        (b"", 0.0, 0.0),
    ],
)
def test_sniff(head: bytes, low: float, high: float) -> None:
    assert low <= M3U.sniff(head) <= high


# --- round trip -----------------------------------------------------------------------

_TEXT = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_ARTIST = _TEXT.filter(
    lambda s: (
        " -" not in s
        and "- " not in s
        and s.count("(") == s.count(")")
        and s.count("[") == s.count("]")
    )
)
_TITLE = _TEXT.filter(lambda s: not s.endswith(" -"))
_LOCATION = _TEXT.filter(lambda s: not s.startswith("#"))
_OWN_DIRECTIVE = re.compile(
    r"#(EXT-X-|(EXTM3U|EXTINF)(?![A-Z0-9_-])"
    r"|(PLAYLIST|EXTALB|EXTART|EXTGENRE|EXTIMG|EXTGRP)\s*:)",
    re.IGNORECASE,
)
_COMMENT = st.one_of(
    _TEXT.map(lambda s: "#" + s),
    st.from_regex(r"#EXT[A-Z]{1,8}(:[a-z=0-9]([a-z=0-9 ]{0,8}[a-z=0-9])?)?", fullmatch=True),
    st.sampled_from(["#EXTALB", "#PLAYLIST", "#EXTGRP", "#", "#EXTVLCOPT:no-video"]),
).filter(lambda s: not _OWN_DIRECTIVE.match(s))
_ATTR_KEY = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_ATTR_VALUE = _TEXT.filter(lambda s: '"' not in s)


@st.composite
def _tracks(draw: st.DrawFn) -> Track:
    artist = draw(st.none() | _ARTIST)
    title = draw(_TITLE if artist else _TITLE.filter(lambda s: " - " not in s))
    album = draw(
        st.none()
        | st.builds(Album, _TEXT, artists=st.lists(st.builds(ArtistCredit, _TEXT), max_size=1))
    )
    extras: dict[str, object] = {}
    if attributes := draw(st.dictionaries(_ATTR_KEY, _ATTR_VALUE, max_size=3)):
        extras["m3u.attributes"] = attributes
    if before := draw(st.lists(_COMMENT, max_size=2)):
        extras["m3u.before"] = tuple(before)
    if after := draw(st.lists(_COMMENT, max_size=2)):
        extras["m3u.after"] = tuple(after)
    if group := draw(st.none() | _TEXT):
        extras["m3u.group"] = group
    return Track(
        title=title,
        artists=(ArtistCredit(artist),) if artist else (),
        album=album,
        duration_ms=draw(st.none() | st.integers(0, 10**9).map(DurationMs)),
        locations=(draw(_LOCATION),),
        image=draw(st.none() | st.builds(Image, _TEXT)),
        genres=tuple(draw(st.lists(_TEXT, max_size=2))),
        extras=extras,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.none() | _TEXT,
    tracks=st.lists(_tracks(), max_size=6),
    preamble=st.lists(_COMMENT, max_size=2),
    trailer=st.lists(_COMMENT, max_size=2),
)
def test_hypothesis_round_trip(
    name: str | None, tracks: list[Track], preamble: list[str], trailer: list[str]
) -> None:
    extras: dict[str, object] = {}
    if preamble and name:
        extras["m3u.preamble"] = tuple(preamble)
    if trailer:
        extras["m3u.trailer"] = tuple(trailer)
    playlist = Playlist(name=name, tracks=tracks, extras=extras)
    result = M3U.write(playlist)
    assert result.lossless, result.losses
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = M3U.read(result.data, strict=True)
    assert again == playlist
    assert M3U.write(again).data == result.data


def test_kept_lines_survive_the_json_converter() -> None:
    data = b'#EXTM3U a="1"\n# c\n#PLAYLIST:P\n#EXTINF:1 k="v",A - T\n#EXTVLCOPT:x\nt.mp3\n# end\n'
    playlist = read(data)[0]
    converter = make_converter()
    document = json.loads(json.dumps(converter.unstructure(playlist)))
    assert M3U.write(converter.structure(document, Playlist)).data == data
