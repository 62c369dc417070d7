"""The JSPF codec: ListenBrainz variants, bounded input, streaming decode, round trips."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from playlist_interop.codecs import FormatWarning, detect_format, get_codec
from playlist_interop.codecs.jspf import JSPF, JspfCodec
from playlist_interop.codecs.xspf import XSPF
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import ArtistCredit, Playlist, Track
from tests.codecs.streaming import rss_growth
from tests.codecs.xspf_strategies import playlists

LB = "https://musicbrainz.org/doc/jspf"


def jspf(playlist: dict[str, Any]) -> bytes:
    return json.dumps({"playlist": playlist}).encode()


class _Trickle(io.RawIOBase):
    """Hands out at most ``size`` bytes per read, to cross every chunk boundary."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data = data
        self._size = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk, self._data = self._data[: self._size], self._data[self._size :]
        return chunk

    def readinto(self, buffer: Any) -> int:  # pragma: no cover - read() is used
        chunk = self.read()
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_registry_finds_the_codec() -> None:
    assert get_codec("jspf") is JSPF
    assert get_codec("json") is JSPF
    assert detect_format(filename="a.jspf") == "jspf"
    assert detect_format(head=jspf({"title": "x", "track": []})) == "jspf"


def test_listenbrainz_playlist(shared_fixtures: Path) -> None:
    path = (
        shared_fixtures / "playlists/jspf/metabrainz-listenbrainz-server/playlist-page-props.jspf"
    )
    playlist = JSPF.read(path, strict=True)
    assert playlist.name == "1980s flashback jams"
    assert playlist.owner == "iliekcomputers"
    assert playlist.public is True
    assert playlist.updated_at == dt.datetime(2021, 1, 18, 16, 44, 22, 837342, tzinfo=dt.UTC)
    assert playlist.created_at == dt.datetime(2021, 1, 4, 14, 43, 58, 359215, tzinfo=dt.UTC)
    assert playlist.extras["xspf.identifier"].startswith("https://listenbrainz.org/playlist/")
    assert playlist.extras["jspf.extension"] == {f"{LB}#playlist": {"collaborators": []}}
    track = playlist.tracks[0]
    assert track.title == "Vibe Killer"
    assert track.musicbrainz_recording_id == "385f4381-0f6d-47a0-bc56-07570374f650"
    assert track.artists == (
        ArtistCredit("Endless Boogie", musicbrainz_id="bded3a41-acd7-42ff-9402-cb59e35be8f4"),  # type: ignore[arg-type]
    )
    assert track.extras["jspf.extension"][f"{LB}#track"]["added_by"] == "troi-bot"
    # Writing gives back an equivalent document.
    assert JSPF.read(JSPF.write(playlist).data, strict=True) == playlist


def test_identifier_and_location_as_string_or_list() -> None:
    data = jspf(
        {
            "track": [
                {"title": "a", "identifier": "isrc:USRC17607839", "location": "http://x/a"},
                {"title": "b", "identifier": ["urn:x:1", "urn:x:2"], "location": []},
            ]
        }
    )
    first, second = JSPF.read(data, strict=True).tracks
    assert first.isrc == "USRC17607839"
    assert first.locations == ("http://x/a",)
    assert second.extras["xspf.identifiers"] == ("urn:x:1", "urn:x:2")


def test_recording_extension_variant_maps_a_single_artist() -> None:
    data = jspf(
        {
            "track": [
                {
                    "title": "t",
                    "creator": "A",
                    "extension": {
                        "https://musicbrainz.org/recording/": {
                            "artist_mbids": ["339b406e-4907-4a0f-b84a-9bac08e0947a"]
                        }
                    },
                }
            ]
        }
    )
    track = JSPF.read(data, strict=True).tracks[0]
    assert track.artists[0].musicbrainz_id == "339b406e-4907-4a0f-b84a-9bac08e0947a"
    assert "jspf.extension" not in track.extras


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[]", "JSON object"),
        (b'{"title": "x"}', "no 'playlist'|top-level"),
        (b'{"playlist": []}', "must be an object"),
        (b'{"playlist": {"track": [}}', "invalid JSON"),
        (b'{"playlist": {"track": []}} extra', "after the JSON document"),
        (b'{"playlist": {"track": [], "duration": NaN}}', "NaN"),
        (b'{"playlist": {"track": [{"title": "\xff"}]}}', "UTF-8"),
        (b'{"playlist": {"track": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}}", "JSON"),
    ],
)
def test_broken_documents_raise_in_both_modes(data: bytes, message: str) -> None:
    for strict in (False, True):
        with pytest.raises(PlaylistFormatError, match=message) as info:
            JSPF.read(data, strict=strict, on_warning=lambda _w: None)
        assert info.value.codec == "jspf"
        assert info.value.line is not None


def test_error_position_is_line_and_column() -> None:
    data = b'{\n  "playlist": {\n    "track": [\n      {"title": "a",}\n    ]\n  }\n}'
    with pytest.raises(PlaylistFormatError) as info:
        JSPF.read(data)
    assert (info.value.line, info.value.column) == (4, 21)  # the stray '}'


@pytest.mark.parametrize(
    ("playlist", "message"),
    [
        ({"title": 5, "track": []}, "must be a string"),
        ({"track": [{"trackNum": "3"}]}, "non-negative integer"),
        ({"track": [{"duration": -1}]}, "non-negative integer"),
        ({"track": [{"info": "not a uri"}]}, "URI"),
        ({"track": [{"bogus": 1}]}, "unknown track key"),
        ({"track": [], "date": "2020-13-01T00:00:00Z"}, "xsd:dateTime"),
        ({"track": [], "link": [{"x y": "http://a/"}]}, "URI"),
        ({"track": [5]}, "must be objects"),
        ({"title": "no tracks"}, "no 'track'"),
    ],
)
def test_strict_refuses_lenient_warns(playlist: dict[str, Any], message: str) -> None:
    data = jspf(playlist)
    with pytest.raises(PlaylistFormatError, match=message):
        JSPF.read(data, strict=True)
    seen: list[FormatWarning] = []
    JSPF.read(data, on_warning=seen.append)
    assert any(message in w.reason for w in seen)


def test_duplicate_keys_are_refused_in_strict_mode_only() -> None:
    data = b'{"playlist": {"title": "a", "title": "b", "track": []}}'
    with pytest.raises(PlaylistFormatError, match="duplicate"):
        JSPF.read(data, strict=True)
    assert JSPF.read(data).name == "b"


def test_size_limit() -> None:
    codec = JspfCodec()
    codec.max_bytes = 100
    with pytest.raises(PlaylistFormatError, match="larger than"):
        codec.read(jspf({"title": "x" * 500, "track": []}))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_decoding_survives_any_chunk_boundary(size: int) -> None:
    playlist = Playlist(
        name="caf\u00e9 \U0001f3b5",
        tracks=[Track(f"t{i} \u00e9\U0001f3b5", duration_ms=123456789) for i in range(5)],  # type: ignore[arg-type]
    )
    data = JSPF.write(playlist).data
    stream = io.BufferedReader(_Trickle(data, size), buffer_size=size)
    assert JSPF.read(stream, strict=True) == playlist


@pytest.mark.parametrize("size", [1, 2, 5, 64, 1 << 16])
@pytest.mark.parametrize("separator", [",", ", ", " ,\n\t", "\r\n,"])
def test_items_read_alike_whatever_the_whitespace_and_chunks(size: int, separator: str) -> None:
    objects: list[dict[str, Any]] = [
        {"title": f"t{i}", "creator": "A", "album": "B", "location": f"http://x/{i}", "duration": i}
        for i in range(4)
    ]
    objects.insert(2, {"title": "general", "annotation": "a note"})  # not a plain track
    data = (
        '{"playlist": {"track": [ ' + separator.join(map(json.dumps, objects)) + " \n] }}"
    ).encode()
    stream = io.BufferedReader(_Trickle(data, size), buffer_size=size)
    playlist = JSPF.read(stream, strict=True)
    assert [t.title for t in playlist.tracks] == ["t0", "t1", "general", "t2", "t3"]
    assert playlist.tracks[0].artists == (ArtistCredit("A"),)
    assert playlist.tracks[3].duration_ms == 2
    assert playlist.tracks[2].extras == {"xspf.annotation": "a note"}


@pytest.mark.parametrize(
    ("tail", "message", "column"),
    [
        (", ]}}", "invalid JSON: Expecting value", 41),
        (" x]}}", "expected ',' or ']', found 'x'", 40),
        ("{]}}", "expected ',' or ']', found '{'", 39),
    ],
)
def test_errors_after_an_item_name_their_position(tail: str, message: str, column: int) -> None:
    data = b'{"playlist": {"track": [{"title": "a"}' + tail.encode()
    with pytest.raises(PlaylistFormatError, match=message) as caught:
        JSPF.read(data)
    assert (caught.value.line, caught.value.column) == (1, column)


def _big_jspf(count: int) -> Iterator[bytes]:
    yield b'{"playlist": {"title": "big", "track": ['
    for i in range(count):
        sep = b"," if i else b""
        yield (
            sep
            + json.dumps(
                {"title": f"Track {i}", "creator": f"Artist {i}", "location": [f"http://x/{i}.mp3"]}
            ).encode()
        )
    yield b"]}}"


class _Generated(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
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
    stream = io.BufferedReader(_Generated(_big_jspf(count)))
    seen, growth = rss_growth(JSPF.iter_tracks(stream))
    assert seen == count
    assert growth < 10 * 1024 * 1024, growth  # a kept tree or track list: tens of MB


def test_write_reports_losses() -> None:
    playlist = Playlist(
        collaborative=True,
        tracks=[Track("t", genres=("x",), extras={"xspf.extension": ("<extension/>",)})],
    )
    fields = {loss.field for loss in JSPF.write(playlist).losses}
    assert {"playlist.collaborative", "genres", "extras.xspf.extension"} <= fields


@settings(max_examples=100, deadline=None)
@given(playlists())
def test_round_trip_jspf_to_jspf(playlist: Playlist) -> None:
    result = JSPF.write(playlist)
    assert result.lossless, result.losses
    assert JSPF.read(result.data, strict=True) == playlist


@settings(max_examples=100, deadline=None)
@given(playlists())
def test_round_trip_between_xspf_and_jspf(playlist: Playlist) -> None:
    via_jspf = JSPF.read(JSPF.write(playlist).data, strict=True)
    as_xspf = XSPF.write(via_jspf)
    assert as_xspf.lossless, as_xspf.losses
    assert XSPF.read(as_xspf.data, strict=True) == playlist
    as_jspf = JSPF.write(XSPF.read(XSPF.write(playlist).data, strict=True))
    assert as_jspf.lossless, as_jspf.losses
    assert JSPF.read(as_jspf.data, strict=True) == playlist
