"""The codecs' fast constructors build exactly what ``Track(...)`` and ``Album(...)`` build."""

from __future__ import annotations

import copy
import inspect
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from playlist_interop.model import Album, ArtistCredit, Image, Track
from playlist_interop.model._track import (
    EMPTY_MAPPING,
    assemble_album,
    assemble_entry,
    assemble_track,
    assemble_tracks,
)
from playlist_interop.types import DurationMs

texts = st.text(max_size=12)
optional_ints = st.none() | st.integers(min_value=0, max_value=10**7)
credits = st.builds(ArtistCredit, texts, role=st.none() | st.sampled_from(["main", "featured"]))
frozen = st.just(EMPTY_MAPPING) | st.dictionaries(
    st.sampled_from(["spotify", "deezer", "x"]), texts, min_size=1
).map(lambda d: MappingProxyType(dict(d)))

normal_values = st.tuples(
    texts,  # title
    st.lists(credits, max_size=3).map(tuple),  # artists
    st.none() | st.builds(Album, texts, artists=st.lists(credits, max_size=2).map(tuple)),
    optional_ints,  # duration_ms
    st.none() | st.from_regex(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}", fullmatch=True),  # isrc
    optional_ints,  # track_number
    optional_ints,  # disc_number
    st.none() | st.booleans(),  # explicit
    frozen,  # provider_ids
    st.lists(texts, max_size=3).map(tuple),  # locations
    st.none() | st.builds(Image, texts, width=optional_ints),  # image
    st.none() | st.uuids().map(str),  # musicbrainz_recording_id
    st.lists(texts, max_size=3).map(tuple),  # genres
    frozen,  # extras
)


@pytest.mark.parametrize(("cls", "assemble"), [(Track, assemble_track), (Album, assemble_album)])
def test_its_parameters_are_the_fields_in_order(cls: type, assemble: Any) -> None:
    parameters = list(inspect.signature(assemble).parameters)
    assert parameters == [field.name for field in attrs.fields(cls)]


def _assert_assembled_as_constructed(cls: type, assemble: Any, values: tuple[Any, ...]) -> None:
    built = cls(*values)
    assert attrs.astuple(built, recurse=False) == values  # the values were already normal
    assembled = assemble(*values)
    assert type(assembled) is cls
    assert assembled == built
    for field in attrs.fields(cls):
        mine, theirs = getattr(assembled, field.name), getattr(built, field.name)
        assert type(mine) is type(theirs)
        assert mine == theirs
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        assembled.title = "other"


@given(normal_values)
def test_it_equals_the_constructor_for_values_in_normal_form(values: tuple[Any, ...]) -> None:
    _assert_assembled_as_constructed(Track, assemble_track, values)


def test_the_result_is_frozen() -> None:
    nothing = EMPTY_MAPPING
    track = assemble_track(
        "t", (), None, None, None, None, None, None, nothing, (), None, None, (), nothing
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        track.title = "other"  # type: ignore[misc]


def test_the_result_behaves_like_any_track() -> None:
    nothing, second = EMPTY_MAPPING, DurationMs(1000)
    track = assemble_track(
        "t", (ArtistCredit("a"),), None, second, None, 1, None, None, nothing, ("x.mp3",), None,
        None, ("rock",), nothing,
    )  # fmt: skip
    assert copy.copy(track) == track
    assert attrs.evolve(track, title="u") == Track(
        "u", (ArtistCredit("a"),), duration_ms=second, track_number=1, locations=("x.mp3",),
        genres=("rock",),
    )  # fmt: skip
    assert repr(track).startswith("Track(title='t', ")


album_values = st.tuples(
    texts,  # title
    st.lists(credits, max_size=3).map(tuple),  # artists
    st.none() | st.sampled_from(["2001", "2001-02", "2001-02-03"]),  # release_date
    st.none() | st.from_regex(r"[0-9]{12,13}", fullmatch=True),  # upc
    frozen,  # provider_ids
    st.none() | st.uuids().map(str),  # musicbrainz_id
    st.lists(st.builds(Image, texts, width=optional_ints), max_size=2).map(tuple),  # images
)


@given(album_values)
def test_assemble_album_equals_the_constructor(values: tuple[Any, ...]) -> None:
    _assert_assembled_as_constructed(Album, assemble_album, values)


entries = st.tuples(
    texts,
    st.lists(credits, max_size=2).map(tuple),
    st.none() | st.builds(Album, texts),
    optional_ints,
    st.lists(texts, max_size=2).map(tuple),
)


@given(st.lists(entries, max_size=5), frozen)
def test_entries_are_assembled_as_the_constructor_builds_them(
    rows: list[tuple[Any, ...]], extras: Any
) -> None:
    columns = list(zip(*rows, strict=True)) or [(), (), (), (), ()]
    assembled = assemble_tracks(*columns, extras=extras)
    built = [
        Track(title, artists, album, duration, locations=where, extras=extras)
        for title, artists, album, duration, where in rows
    ]
    entries = [assemble_entry(*row, extras=extras) for row in rows]
    assert assembled == built
    assert entries == built
    assert all(type(track) is Track for track in assembled + entries)
    for mine, theirs in zip(assembled + entries, built + built, strict=True):
        for field in attrs.fields(Track):
            assert type(getattr(mine, field.name)) is type(getattr(theirs, field.name))
