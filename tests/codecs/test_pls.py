"""The PLS codec: reading (strict and lenient), writing, losses, sniffing, streaming."""

from __future__ import annotations

import codecs
import io
import warnings
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import Codec, FormatWarning, get_codec
from playlist_interop.codecs.pls import PLS, PLSCodec
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.types import DurationMs

GOOD = b"""[playlist]
File1=http://example.com/song.mp3
Title1=Remote MP3
Length1=286
File2=/home/me/album.flac
Title2=Local album
Length2=-1
NumberOfEntries=2
Version=2
"""


def read(data: bytes, *, strict: bool = False) -> tuple[Playlist, list[FormatWarning]]:
    caught: list[FormatWarning] = []
    playlist = PLS.read(data, strict=strict, on_warning=caught.append)
    return playlist, caught


def test_is_a_codec_and_registered() -> None:
    typed: Codec = PLS  # mypy checks the protocol statically too
    assert isinstance(typed, Codec)
    assert isinstance(PLS, PLSCodec)
    assert get_codec("pls") is PLS
    assert PLS.extensions == ("pls",)
    assert "audio/x-scpls" in PLS.media_types


def test_reads_a_valid_file_in_both_modes() -> None:
    for strict in (False, True):
        playlist, caught = read(GOOD, strict=strict)
        assert not caught
        assert [(t.title, t.duration_ms, t.locations) for t in playlist.tracks] == [
            ("Remote MP3", 286_000, ("http://example.com/song.mp3",)),
            ("Local album", None, ("/home/me/album.flac",)),
        ]


def test_title_is_kept_whole() -> None:
    data = b"[playlist]\nFile1=a\nTitle1=Everclear - So Much\nNumberOfEntries=1\nVersion=2\n"
    (track,) = read(data)[0].tracks
    assert track.title == "Everclear - So Much"
    assert track.artists == ()


def test_keys_are_case_insensitive() -> None:
    data = b"[PlayList]\nfile1=a.mp3\nTITLE1=T\nlength1=5\nnumberofentries=1\nVERSION=2\n"
    playlist, caught = read(data, strict=True)
    assert not caught
    assert (playlist.tracks[0].title, playlist.tracks[0].duration_ms) == ("T", 5000)


def test_values_keep_equals_signs_and_spaces() -> None:
    data = b"[playlist]\nFile1 = filename with spaces.mp3\nTitle1====\nNumberOfEntries=1\nVersion=2"
    (track,) = read(data, strict=True)[0].tracks
    assert track.locations == ("filename with spaces.mp3",)
    assert track.title == "==="


def test_keys_in_any_order_and_gaps() -> None:
    data = b"[playlist]\nTitle2=two\nFile5=e\nFile2=b\nFile1=a\nLength5=3\n"
    playlist, caught = read(data)
    assert [t.locations[0] for t in playlist.tracks] == ["a", "b", "e"]
    assert playlist.tracks[2].duration_ms == 3000
    assert any("numbered" in w.reason for w in caught)
    with pytest.raises(PlaylistFormatError, match="numbered"):
        read(data + b"NumberOfEntries=3\nVersion=2\n", strict=True)


def test_wrong_number_of_entries() -> None:
    data = GOOD.replace(b"NumberOfEntries=2", b"NumberOfEntries=5")
    playlist, caught = read(data)
    assert len(playlist.tracks) == 2
    assert [(w.reason, w.line) for w in caught] == [("NumberOfEntries says 5, the file has 2", 8)]
    with pytest.raises(PlaylistFormatError, match="NumberOfEntries says 5"):
        read(data, strict=True)


@pytest.mark.parametrize(
    ("change", "message", "lenient_warns"),
    [
        ((b"[playlist]\n", b""), "missing \\[playlist\\]", True),
        ((b"NumberOfEntries=2\n", b""), "NumberOfEntries is missing", False),
        ((b"Version=2\n", b""), "Version is missing", False),
        ((b"Version=2", b"Version=3"), "Version '3'", True),
        ((b"NumberOfEntries=2", b"NumberOfEntries=two"), "not a number", True),
        ((b"Length1=286", b"Length1=blah"), "not a number of seconds", True),
        ((b"Length1=286", b"Length1=28.6"), "not a whole number", False),
        ((b"Length1=286", b"Length1=286\nLength1=3"), "duplicate key Length1", True),
        ((b"File2=", b"Title9=orphan\nFile2="), "no File9", True),
        ((b"Title1=", b"this is not a key\nTitle1="), "not a key=value", True),
        ((b"Version=2", b"Version=2\n[other]\nx=1"), "unknown section", True),
        ((b"Version=2", b"Version=2\n[playlist]"), "second \\[playlist\\]", True),
        ((b"File1=", b"File0=zero\nFile1="), "numbered from 1", True),
        ((b"Title1=Remote", b"Title1=Re\x07mote"), "control character", True),
    ],
)
def test_strict_refuses_lenient_warns(
    change: tuple[bytes, bytes], message: str, lenient_warns: bool
) -> None:
    data = GOOD.replace(*change)
    assert data != GOOD
    with pytest.raises(PlaylistFormatError, match=message) as info:
        read(data, strict=True)
    assert info.value.codec == "pls"
    playlist, caught = read(data)
    assert bool(caught) == lenient_warns
    assert playlist.tracks[0].locations in {("http://example.com/song.mp3",), ("zero",)}


def test_duplicate_keys_keep_the_first_value() -> None:
    data = b"[playlist]\nFile1=a\nLength1=-1\nFile2=b\nLength1=99\nFile1=z\nNumberOfEntries=2\n"
    playlist, caught = read(data)
    assert [(t.locations[0], t.duration_ms) for t in playlist.tracks] == [("a", None), ("b", None)]
    assert [w.line for w in caught] == [5, 6]


def test_text_before_the_section() -> None:
    data = b"// written by hand\n" + GOOD
    playlist, caught = read(data)
    assert len(playlist.tracks) == 2
    assert [w.line for w in caught] == [1]
    with pytest.raises(PlaylistFormatError, match="not a PLS") as info:
        read(data, strict=True)
    assert info.value.line == 1


def test_comments_and_blank_lines() -> None:
    data = b"; made by hand\n\n[playlist]\n\n# note\nFile1=a\n\nNumberOfEntries=1\nVersion=2\n\n"
    playlist, caught = read(data, strict=True)
    assert [t.locations for t in playlist.tracks] == [("a",)]
    assert not caught


def test_playlist_name_and_unknown_keys_are_kept() -> None:
    data = (
        b"[playlist]\nX-GNOME-Title=My radio\nGenerator=foo\nFile1=a\nTitle1=A\nAlbum1=Alb\n"
        b"Length1=1\nNumberOfEntries=1\nVersion=2\n"
    )
    playlist, caught = read(data, strict=True)
    assert not caught
    assert playlist.name == "My radio"
    assert playlist.extras == {"pls.keys": {"Generator": "foo"}}
    assert playlist.tracks[0].extras == {"pls.keys": {"Album": "Alb"}}
    result = PLS.write(playlist)
    assert result.lossless
    assert read(result.data, strict=True)[0] == playlist


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"just some text\n",
        b"#EXTM3U\n#EXTINF:1,x\nsong.mp3\n",
        b"<?xml version='1.0'?>",
    ],
)
def test_not_a_pls_file_is_refused_in_both_modes(data: bytes) -> None:
    for strict in (False, True):
        with pytest.raises(PlaylistFormatError, match="not a PLS"):
            read(data, strict=strict)


def test_encodings_and_line_ends() -> None:
    text = "[playlist]\r\nFile1=Ünï ☃.mp3\r\nNumberOfEntries=1\r\nVersion=2\r\n"
    for data in (
        text.encode(),
        codecs.BOM_UTF8 + text.encode(),
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        text.replace("\r\n", "\r").encode(),
    ):
        assert read(data, strict=True)[0].tracks[0].locations == ("Ünï ☃.mp3",)
    legacy = b"[playlist]\r\nFile1=H:\\Caf\xe9 \x93x\x94.mp3\r\nNumberOfEntries=1\r\nVersion=2\r\n"
    assert read(legacy, strict=True)[0].tracks[0].locations == ("H:\\Café \u201cx\u201d.mp3",)
    with pytest.raises(PlaylistFormatError):
        read(codecs.BOM_UTF8 + legacy, strict=True)


def test_hostile_input() -> None:
    for strict in (False, True):
        with pytest.raises(PlaylistFormatError, match="binary"):
            read(b"[playlist]\nFile1=\x00\x01\x02", strict=strict)
        with pytest.raises(PlaylistFormatError, match="longer than"):
            read(b"[playlist]\nFile1=" + b"a" * (2 << 20), strict=strict)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500), st.booleans())
def test_arbitrary_bytes_never_crash(data: bytes, strict: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for head in (b"", b"[playlist]\n"):
            try:
                PLS.read(head + data, strict=strict)
            except PlaylistFormatError as exc:
                assert exc.codec == "pls"  # noqa: PT017 - reading may succeed or refuse


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "[playlist]",
                "File",
                "Title",
                "Length",
                "1",
                "2",
                "0",
                "=",
                "-1",
                "x",
                "\n",
                "\r",
                " ",
            ]
        )
        | st.sampled_from(["NumberOfEntries", "Version", "[", "]", ";", "é", "99999999999"]),
        max_size=60,
    )
)
def test_key_soup_never_crashes(parts: list[str]) -> None:
    data = "".join(parts).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for strict in (False, True):
            try:
                PLS.read(data, strict=strict)
            except PlaylistFormatError as exc:
                assert exc.codec == "pls"  # noqa: PT017 - reading may succeed or refuse


# --- streaming ------------------------------------------------------------------------


class GeneratedPls(io.RawIOBase):
    def __init__(self, entries: int) -> None:
        self.served = 0
        self._parts = self._generate(entries)
        self._pending = b""

    @staticmethod
    def _generate(entries: int) -> Iterator[bytes]:
        yield b"[playlist]\n"
        for i in range(1, entries + 1):
            yield f"File{i}=/m/{i}.mp3\nTitle{i}=T{i}\nLength{i}={i % 500}\n".encode()
        yield f"NumberOfEntries={entries}\nVersion=2\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            part = next(self._parts, None)
            if part is None:
                break
            self._pending += part
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.served += size
        return size


def test_iter_tracks_streams_in_bounded_memory() -> None:
    stream = GeneratedPls(100_000)
    tracks = PLS.iter_tracks(stream, strict=True)  # type: ignore[arg-type]
    first = next(tracks)
    assert first.locations == ("/m/1.mp3",)
    assert stream.served < 1 << 20  # the window, not the ~4 MB file
    rest = [t.title for t in tracks]
    assert len(rest) == 99_999
    assert rest[-1] == "T100000"


def test_write_stream_puts_counts_at_the_end() -> None:
    out = io.BytesIO()
    seen: list[int] = []

    def tracks() -> Iterator[Track]:
        for i in range(5000):
            if i == 4000:
                seen.append(out.tell())
            yield Track(f"T{i}", locations=[f"{i}.mp3"], duration_ms=DurationMs(1000))

    assert PLS.write_stream(Playlist(), tracks(), out) == ()
    assert seen[0] > 0
    text = out.getvalue().decode()
    assert text.endswith("NumberOfEntries=5000\nVersion=2\n")
    assert len(read(out.getvalue(), strict=True)[0].tracks) == 5000


# --- writing --------------------------------------------------------------------------


def test_write_output_and_losses() -> None:
    playlist = Playlist(
        name="Radio",
        description="desc",
        tracks=[
            Track(
                "Song",
                artists=[ArtistCredit("Band")],
                duration_ms=DurationMs(1500),
                locations=["a.mp3"],
            ),
            Track("", locations=["http://s:8000/"], album=Album("A"), genres=["g"]),
            Track("nowhere"),
        ],
    )
    result = PLS.write(playlist)
    assert result.data.decode().splitlines() == [
        "[playlist]",
        "X-GNOME-Title=Radio",
        "File1=a.mp3",
        "Title1=Band - Song",
        "Length1=2",
        "File2=http://s:8000/",
        "Length2=-1",
        "NumberOfEntries=2",
        "Version=2",
    ]
    assert {(loss.field, loss.tracks) for loss in result.losses} == {
        ("artists", 1),
        ("duration_ms", 1),
        ("album", 1),
        ("genres", 1),
        ("locations", 1),
        ("playlist.description", 0),
    }


def test_write_cleans_values_and_refuses_unsafe_extra_keys() -> None:
    track = Track(
        "two\nlines",
        locations=["a.mp3"],
        extras={"pls.keys": {"Bad=Key": "x", "File": "clash", "Ok": "v\r\nw"}},
    )
    result = PLS.write(Playlist(tracks=[track], extras={"pls.keys": {"Num1": "x"}}))
    lines = result.data.decode().splitlines()
    assert "Title1=two lines" in lines
    assert "Ok1=v w" in lines
    assert {loss.field for loss in result.losses} == {
        "title",
        "extras.pls.keys",
        "playlist.extras.pls.keys",
    }
    assert read(result.data, strict=True)[0].tracks[0].extras == {"pls.keys": {"Ok": "v w"}}


def test_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.pls"
    playlist = Playlist(
        name="N", tracks=[Track("T", locations=["ä.mp3"], duration_ms=DurationMs(3000))]
    )
    path.write_bytes(PLS.write(playlist).data)
    again = PLS.read(path, strict=True)
    assert again.location == str(path)
    assert again.tracks == playlist.tracks


# --- sniffing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (GOOD, 1.0),
        (b"\n; comment\n[PLAYLIST]\r\n", 1.0),
        (codecs.BOM_UTF16_LE + "[playlist]\r\n".encode("utf-16-le"), 1.0),
        (b"File1=a.mp3\nTitle1=x\n", 0.7),
        (b"#EXTM3U\n", 0.0),
        (b"[section]\nkey=value\n", 0.0),
        (b"\x00\x01", 0.0),
        (b"", 0.0),
    ],
)
def test_sniff(head: bytes, expected: float) -> None:
    assert PLS.sniff(head) == expected


# --- round trip -----------------------------------------------------------------------

_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _tracks(draw: st.DrawFn) -> Track:
    extra = draw(
        st.dictionaries(
            st.from_regex(r"[A-Za-z][A-Za-z_.-]{0,8}[A-Za-z]", fullmatch=True), _TEXT, max_size=2
        )
    )
    extra = {k: v for k, v in extra.items() if k.lower() not in {"file", "title", "length"}}
    return Track(
        title=draw(st.just("") | _TEXT),
        duration_ms=draw(st.none() | st.integers(0, 10**6).map(lambda s: DurationMs(s * 1000))),
        locations=(draw(_TEXT),),
        extras={"pls.keys": extra} if extra else {},
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.none() | _TEXT, tracks=st.lists(_tracks(), max_size=6))
def test_hypothesis_round_trip(name: str | None, tracks: list[Track]) -> None:
    playlist = Playlist(name=name, tracks=tracks)
    result = PLS.write(playlist)
    assert result.lossless, result.losses
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = PLS.read(result.data, strict=True)
    assert again == playlist
    assert PLS.write(again).data == result.data


def test_tracks_are_in_the_models_normal_form() -> None:
    data = b"[playlist]\nFile1=a.mp3\nTitle1=A - T\nLength1=12.5\nRating1=5\nFile2=b.mp3\n"
    tracks = PLS.read(data).tracks
    expected = [
        Track(
            "A - T",
            duration_ms=DurationMs(12_500),
            locations=("a.mp3",),
            extras={"pls.keys": {"Rating": "5"}},
        ),
        Track("", locations=("b.mp3",)),
    ]
    assert list(tracks) == expected
    for mine, theirs in zip(tracks, expected, strict=True):
        for field in attrs.fields(Track):
            assert type(getattr(mine, field.name)) is type(getattr(theirs, field.name)), field.name
