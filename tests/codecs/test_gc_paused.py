"""``gc_paused``: whole-playlist reads pause the cyclic collector and restore it as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from playlist_interop.codecs import get_codec
from playlist_interop.codecs._base import gc_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_it_pauses_and_restores(collector_on: None) -> None:
    with gc_paused():
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # nothing stays frozen
    assert made


def test_it_leaves_a_disabled_collector_off(collector_on: None) -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_it_restores_after_an_error(collector_on: None) -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_objects_someone_froze_stay_frozen(collector_on: None) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_an_m3u_read_leaves_the_collector_on(collector_on: None) -> None:
    playlist = get_codec("m3u").read(b"#EXTM3U\n#EXTINF:1,A - B\nb.mp3\n")
    assert playlist.tracks[0].title == "B"
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
