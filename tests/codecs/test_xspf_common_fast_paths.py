"""The fast paths of the XSPF family give exactly what the general paths give."""

from __future__ import annotations

import io
import re
import string
from collections.abc import Callable
from pathlib import PureWindowsPath
from typing import Any
from urllib.parse import quote

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_interop.codecs._jspf import _plain_track, _Reader
from playlist_interop.codecs._xml import XmlWriter
from playlist_interop.codecs._xspf import _write_general_track, _write_track
from playlist_interop.codecs._xspf_common import (
    _URI_SAFE,
    LossCounter,
    SharedValues,
    _quote,
    plain_track_fields,
    to_uri,
    track_to_fields,
    valid_uri,
)
from playlist_interop.errors import PlaylistFormatError
from playlist_interop.model import Album, ArtistCredit, Image, Track
from playlist_interop.types import DurationMs, MusicBrainzId, ProviderName, ProviderTrackId

# -- the general definitions the fast ones replace ---------------------------------------

_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%\u00a0-\U0010ffff]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_WINDOWS_PATH = re.compile(r"(?:[A-Za-z]:[\\/]|\\\\[^\\])")


def reference_valid_uri(value: str) -> bool:
    if not _URI_CHARS.fullmatch(value):
        return False
    if "%" in value and _BAD_PERCENT.search(value):
        return False
    colon = value.find(":")
    if colon < 0 or _SCHEME.match(value):
        return True
    return re.search(r"[/?#]", value[:colon]) is not None


def reference_to_uri(value: str) -> str:
    text = value.strip()
    if reference_valid_uri(text):
        return text
    if _WINDOWS_PATH.match(text):
        try:
            return PureWindowsPath(text).as_uri()
        except ValueError:  # an incomplete UNC path: converted as a relative one
            pass
    if "\\" in text and not _SCHEME.match(text):
        text = text.replace("\\", "/")
    text = _BAD_PERCENT.sub("%25", text)
    encoded = quote(text, safe=_URI_SAFE)
    first_segment = re.split(r"[/?#]", encoded, maxsplit=1)[0]
    if ":" in first_segment and not _SCHEME.match(first_segment):
        encoded = "./" + encoded
    return encoded


# URI-ish text: the characters that decide validity, often, and anything else now and then.
URI_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.ascii_letters + string.digits + "%:/?#[]@!$&'()*+,;=-._~"),
        st.sampled_from(' \t\n\\"<>{}|^`\x00\x7f\u00a0\u00e9\U0001f3b5'),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=20,
)


@settings(max_examples=2000)
@given(URI_TEXT)
def test_valid_uri_is_the_general_rule(value: str) -> None:
    assert valid_uri(value) == reference_valid_uri(value)


@pytest.mark.parametrize(
    "value",
    ["%", "%4", "%4g", "%41", "a%%41", "%41%", "a:b", "1a:b", "./a:b", "/a:b", "a%20b c", ""],
)
def test_valid_uri_edges(value: str) -> None:
    assert valid_uri(value) == reference_valid_uri(value)


@settings(max_examples=2000)
@given(URI_TEXT)
def test_to_uri_is_the_general_conversion(value: str) -> None:
    assert _outcome(to_uri, value) == _outcome(reference_to_uri, value)


def _outcome(convert: Callable[[str], str], value: str) -> str:
    """The conversion, or the exception it raises (as the general one does, for some UNC paths)."""
    try:
        return convert(value)
    except ValueError as exc:
        return repr(exc)


@settings(max_examples=1000)
@given(st.text())
def test_quote_is_urllib_quote(value: str) -> None:
    assert _quote(value) == quote(value, safe=_URI_SAFE)


def test_quote_of_every_ascii_character() -> None:
    for code in range(128):
        text = f"a{chr(code)}b"
        assert _quote(text) == quote(text, safe=_URI_SAFE), code


# -- writing: plain tracks ---------------------------------------------------------------

NAMES = st.text(max_size=6)
MBIDS = st.none() | st.sampled_from(["", "bded3a41-acd7-42ff-9402-cb59e35be8f4"]).map(MusicBrainzId)
CREDITS = st.builds(
    ArtistCredit,
    NAMES,
    role=st.none() | st.just("featured"),
    provider_ids=st.sampled_from([{}, {ProviderName("spotify"): "a"}]),
    musicbrainz_id=MBIDS,
    join_phrase=st.none() | st.just(" & "),
)
ALBUMS = st.builds(
    Album,
    NAMES,
    artists=st.lists(CREDITS, max_size=1),
    release_date=st.none() | st.just("2001"),
    musicbrainz_id=MBIDS,
    images=st.lists(st.builds(Image, URI_TEXT), max_size=1),
)
PROVIDER_IDS = st.dictionaries(
    st.sampled_from(["spotify", "deezer", "tidal", "youtube", "napster"]).map(ProviderName),
    st.text(max_size=4).map(ProviderTrackId),
    max_size=2,
)
EXTRAS = st.sampled_from(
    [{}, {"xspf.annotation": "a"}, {"xspf.identifiers": ("urn:x", "a b")}, {"other": 1}]
)


@st.composite
def model_tracks(draw: st.DrawFn) -> Track:
    """Plain tracks most of the time, and every way of not being one."""
    plain = draw(st.booleans())
    return Track(
        title=draw(NAMES),
        artists=draw(st.lists(st.builds(ArtistCredit, NAMES) if plain else CREDITS, max_size=2)),
        album=draw(st.none() | (st.builds(Album, NAMES) if plain else ALBUMS)),
        duration_ms=draw(st.none() | st.integers(-2, 10**10).map(DurationMs)),
        isrc=draw(st.none() | st.sampled_from(["USRC17607839", "us-rc1-76-07839", "AB%", " "])),
        track_number=draw(st.none() | st.integers(-1, 3)),
        disc_number=None if plain else draw(st.none() | st.just(1)),
        explicit=None if plain else draw(st.none() | st.booleans()),
        provider_ids=draw(PROVIDER_IDS),
        locations=draw(st.lists(URI_TEXT, max_size=2)),
        image=None if plain else draw(st.none() | st.builds(Image, URI_TEXT)),
        musicbrainz_recording_id=draw(MBIDS),
        genres=() if plain else draw(st.lists(NAMES, max_size=1)),
        extras={} if plain else draw(EXTRAS),
    )


@settings(max_examples=1000)
@given(model_tracks(), st.booleans())
def test_plain_track_fields_are_the_general_fields(track: Track, json: bool) -> None:
    fast_losses, general_losses = LossCounter(), LossCounter()
    plain = plain_track_fields(track, fast_losses)
    general = track_to_fields(track, general_losses, json=json)
    if plain is None:
        assert fast_losses.losses() == ()
        return
    assert plain == (
        general.locations,
        general.identifiers,
        general.title,
        general.creator,
        general.album,
        general.track_num,
        general.duration,
    )
    assert (general.annotation, general.info, general.image) == (None, None, None)
    assert (general.links, general.metas, general.extensions) == ((), (), ())
    assert general.json_extension is None
    assert fast_losses.losses() == general_losses.losses()


def test_a_large_playlists_track_is_plain() -> None:
    track = Track(
        "Song",
        artists=(ArtistCredit("Artist"),),
        album=Album("Album"),
        duration_ms=DurationMs(1000),
        isrc="USRC17607839",  # type: ignore[arg-type]
        locations=("/music/A B.mp3",),
    )
    losses = LossCounter()
    assert plain_track_fields(track, losses) == (
        ("/music/A%20B.mp3",),
        ("isrc:USRC17607839",),
        "Song",
        "Artist",
        "Album",
        None,
        1000,
    )
    assert [(loss.field, loss.tracks) for loss in losses.losses()] == [("locations", 1)]


# -- reading: plain JSPF track objects ---------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    URI_TEXT,
    st.sampled_from(["isrc:USRC17607839", "https://open.spotify.com/track/" + "a" * 22]),
    st.sampled_from(["https://musicbrainz.org/recording/bded3a41-acd7-42ff-9402-cb59e35be8f4"]),
)
JSON_VALUES = JSON_SCALARS | st.lists(JSON_SCALARS, max_size=3) | st.just({"a": 1})
PLAIN_KEYS = ["location", "identifier", "title", "creator", "album", "trackNum", "duration"]
TRACK_KEYS = st.sampled_from(
    [*PLAIN_KEYS, "annotation", "info", "image", "link", "meta", "extension", "unknown"]
)
IDENTIFIERS = st.sampled_from(
    [
        " isrc:USRC17607839 ",
        "urn:isrc:us-rc1-76-07839",
        "https://musicbrainz.org/recording/bded3a41-acd7-42ff-9402-cb59e35be8f4",
        "https://open.spotify.com/track/" + "a" * 22,
        "deezer:track:1",
        "urn:x-test:1",
    ]
)
URI_VALUES = st.one_of(URI_TEXT, IDENTIFIERS, st.none())
# Mostly what the fast path takes, with a value it must refuse now and then.
PLAIN_OBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "location": URI_VALUES | st.lists(URI_VALUES, max_size=3),
        "identifier": URI_VALUES | st.lists(URI_VALUES, max_size=3),
        "title": st.text(max_size=4) | JSON_SCALARS,
        "creator": st.text(max_size=4) | st.none(),
        "album": st.text(max_size=4) | st.none(),
        "trackNum": st.integers(-1, 5) | JSON_SCALARS,
        "duration": st.integers(-1, 10**6) | st.none(),
    },
)


@settings(max_examples=3000)
@given(PLAIN_OBJECTS | st.dictionaries(TRACK_KEYS, JSON_VALUES, max_size=6) | JSON_VALUES)
def test_plain_track_objects_read_as_the_general_path_reads_them(obj: Any) -> None:
    shared = SharedValues()
    plain = _plain_track(obj, shared)
    if plain is None:
        return
    # A plain object has nothing to report: strict mode accepts it, and builds the same track.
    try:
        general = _Reader(strict=True, on_warning=None).track(obj)
    except PlaylistFormatError as exc:  # pragma: no cover - only when the fast path is wrong
        pytest.fail(f"the fast path accepted what strict mode refuses: {exc}")
    assert plain == general
    for field in attrs.fields(Track):  # the same normal form too, not only equal values
        assert type(getattr(plain, field.name)) is type(getattr(general, field.name)), field.name


@pytest.mark.parametrize("value", ["\xa0", ["\xa0"], ["a\u3000", "b"], [" http://x "]])
def test_uris_with_spaces_strip_removes_read_alike(value: Any) -> None:
    obj = {"location": value}
    assert _plain_track(obj, SharedValues()) == _Reader(strict=True, on_warning=None).track(obj)


def test_shared_values_are_shared_and_bounded() -> None:
    shared = SharedValues(limit=2)
    first = shared.credits["A"]
    assert first == (ArtistCredit("A"),)
    assert shared.credits["A"] is first
    assert shared.albums["X"] == Album("X")
    assert shared.albums["X"] is shared.albums["X"]
    assert shared.credits["B"] == (ArtistCredit("B"),)
    assert len(shared.credits) == 2
    assert shared.credits["C"] == (ArtistCredit("C"),)  # over the limit: the cache starts again
    assert len(shared.credits) == 1
    assert shared.credits["A"] is not first
    assert shared.credits["A"] == first


# -- writing XSPF: plain tracks ----------------------------------------------------------


def _written(write: Callable[[XmlWriter, Track, LossCounter], None], track: Track) -> Any:
    out = io.BytesIO()
    losses = LossCounter()
    writer = XmlWriter(out, lambda: losses.track("control characters", "removed"))
    write(writer, track, losses)
    writer.flush()
    return out.getvalue(), losses.losses()


@settings(max_examples=1000)
@given(model_tracks())
def test_plain_xspf_tracks_are_written_as_the_general_path_writes_them(track: Track) -> None:
    assert _written(_write_track, track) == _written(_write_general_track, track)


@pytest.mark.parametrize("fmt", ["xspf", "jspf"])
def test_an_incomplete_unc_location_is_written_not_a_crash(fmt: str) -> None:
    from playlist_interop.codecs import get_codec
    from playlist_interop.model import Playlist, Track

    assert to_uri("\\\\x") == "//x"
    written = get_codec(fmt).write(Playlist(tracks=[Track("t", locations=("\\\\x",))]))
    assert b"//x" in written.data
