"""Every format pair round-trips, through both formats, the fields both formats carry.

For a pair (A, B) a generated playlist is written and read with A, the result written and
read with B, and the fields that A and B both carry must come out as they went in. Each
format's row in :data:`CARRIES` is the claim under test: a format that drops a field it is
listed with fails here.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_interop.codecs import available_formats, get_codec
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track

# What each format carries, as projections compared below. ``display`` is the
# "artist - title" line (PLS has only that); ``duration_s`` is whole seconds.
pytestmark = pytest.mark.slow  # 49 pairs x 20 examples: about half a minute

_COMMON = {"display", "location", "duration_s"}
CARRIES: dict[str, set[str]] = {
    "asx": _COMMON | {"title", "artist_line", "duration_ms", "name", "description", "owner"},
    "csv": _COMMON
    | {
        "title",
        "artist_line",
        "album",
        "duration_ms",
        "isrc",
        "track_number",
        "image",
        "mbid",
        "genres",
    },
    "jspf": _COMMON
    | {
        "title",
        "artist_line",
        "album",
        "duration_ms",
        "isrc",
        "track_number",
        "image",
        "mbid",
        "name",
        "description",
        "owner",
    },
    "m3u": _COMMON | {"title", "artist_line", "album", "duration_ms", "image", "genres", "name"},
    "pls": _COMMON | {"name"},
    "wpl": _COMMON | {"title", "artist_line", "album", "duration_ms", "name", "owner"},
    "xspf": _COMMON
    | {
        "title",
        "artist_line",
        "album",
        "duration_ms",
        "isrc",
        "track_number",
        "image",
        "mbid",
        "name",
        "description",
        "owner",
    },
}

_TRACK_FIELDS: dict[str, Callable[[Track], Any]] = {
    "display": lambda t: f"{t.artist_line} - {t.title}" if t.artists else t.title,
    "title": lambda t: t.title,
    "artist_line": lambda t: t.artist_line,
    "album": lambda t: t.album.title if t.album is not None and t.album.title else None,
    "duration_ms": lambda t: t.duration_ms,
    "duration_s": lambda t: None if t.duration_ms is None else round(t.duration_ms / 1000),
    "isrc": lambda t: t.isrc,
    "track_number": lambda t: t.track_number,
    "location": lambda t: t.locations[0] if t.locations else None,
    "image": lambda t: t.image.url if t.image is not None else None,
    "mbid": lambda t: t.musicbrainz_recording_id,
    "genres": lambda t: t.genres,
}
_PLAYLIST_FIELDS = ("name", "description", "owner")


def _formats() -> list[str]:
    return [name for name in available_formats() if name in CARRIES]


def _project(playlist: Playlist, fields: set[str]) -> dict[str, Any]:
    projected: dict[str, Any] = {
        field: getattr(playlist, field) for field in _PLAYLIST_FIELDS if field in fields
    }
    projected["tracks"] = [
        {field: get(track) for field, get in _TRACK_FIELDS.items() if field in fields}
        for track in playlist.tracks
    ]
    return projected


# ---------------------------------------------------------------- generated playlists

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éüßøçñ日本語Ωж"
_PUNCT = "'&!?.()"


@st.composite
def _text(draw: st.DrawFn, max_words: int = 4, punctuation: str = _PUNCT) -> str:
    """Display text as real titles look: words, single spaces, some punctuation."""
    words = draw(
        st.lists(
            st.tuples(
                st.sampled_from(_LETTERS), st.text(alphabet=_LETTERS + punctuation, max_size=7)
            ).map("".join),
            min_size=1,
            max_size=max_words,
        )
    )
    return " ".join(words)


_isrcs = st.from_regex(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}", fullmatch=True)
_mbids = st.uuids().map(str)
_slugs = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


@st.composite
def _tracks(draw: st.DrawFn, whole_seconds: bool) -> Track:
    # Artist names never contain ", " (lines join with it), " - " (display lines split on
    # it) or brackets (M3U does not split "(a - b)"); titles never contain " - " either.
    artists = draw(st.lists(_text(max_words=2, punctuation="'&!?."), max_size=3))
    seconds = draw(st.none() | st.integers(min_value=1, max_value=36_000))
    millis = 0 if whole_seconds else draw(st.integers(min_value=0, max_value=999))
    album = draw(st.none() | _text())
    image = draw(st.none() | _slugs)
    return Track(
        title=draw(_text()),
        artists=[ArtistCredit(name) for name in artists],
        album=Album(album) if album else None,
        duration_ms=None if seconds is None else seconds * 1000 + millis,
        isrc=draw(st.none() | _isrcs),
        track_number=draw(st.none() | st.integers(min_value=1, max_value=999)),
        locations=[f"http://example.com/music/{draw(_slugs)}.mp3"],
        image=Image(f"http://example.com/art/{image}.jpg") if image else None,
        musicbrainz_recording_id=draw(st.none() | _mbids),
        genres=draw(st.lists(_text(max_words=2), max_size=2)),
    )


@st.composite
def _playlists(draw: st.DrawFn, whole_seconds: bool) -> Playlist:
    return Playlist(
        name=draw(st.none() | _text()),
        description=draw(st.none() | _text(max_words=8)),
        owner=draw(st.none() | _text(max_words=2)),
        tracks=draw(st.lists(_tracks(whole_seconds), min_size=1, max_size=5)),
    )


def _through(playlist: Playlist, name: str) -> Playlist:
    codec = get_codec(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return codec.read(codec.write(playlist).data)


PAIRS = list(itertools.product(_formats(), repeat=2))


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_pair_round_trip(first: str, second: str) -> None:
    shared = CARRIES[first] & CARRIES[second]
    whole_seconds = "duration_ms" not in shared

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(_playlists(whole_seconds))
    def check(playlist: Playlist) -> None:
        result = _through(_through(playlist, first), second)
        assert _project(result, shared) == _project(playlist, shared)

    check()


def test_every_registered_format_is_in_the_matrix() -> None:
    assert set(available_formats()) <= set(CARRIES)
