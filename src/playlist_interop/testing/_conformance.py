"""The provider conformance suite: base test classes every provider must pass."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs
import pytest
import pytest_asyncio

from playlist_interop.errors import CapabilityError, NotFound, ProviderError
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers._protocol import Capability, Provider, TrackQuery
from playlist_interop.providers._registry import _validate
from playlist_interop.types import (
    DurationMs,
    Isrc,
    ProviderName,
    ProviderPlaylistId,
    ProviderTrackId,
)

__all__ = ["DEFAULT_SEED_TRACKS", "ConformanceTarget", "ProviderConformance"]


def _seed(title: str, artist: str, album: str, isrc: str, seconds: int) -> Track:
    return Track(
        title=title,
        artists=(ArtistCredit(artist),),
        album=Album(title=album, artists=(ArtistCredit(artist),), release_date="2021-06-04"),
        duration_ms=DurationMs(seconds * 1000),
        isrc=Isrc(isrc),
    )


DEFAULT_SEED_TRACKS: tuple[Track, ...] = (
    _seed("Lantern Harbour", "The Quiet Cartographers", "Tidal Maps", "QZAAA2100001", 214),
    _seed("Paper Comets", "Mira Okonkwo", "Low Orbit", "QZAAA2100002", 187),
    _seed("Velvet Static", "Dune Telegraph", "Signals", "QZAAA2100003", 243),
    _seed("Cinder & Snow", "Hollow Pines", "Winter Ledger", "QZAAA2100004", 201),
    _seed("Amber Freeway", "Jules Marten", "Night Drives", "QZAAA2100005", 176),
    _seed("Glass Orchard", "The Quiet Cartographers", "Tidal Maps", "QZAAA2100006", 228),
    _seed("Neon Tidepool", "Sasha Varga", "Coastline", "QZAAA2100007", 195),
    _seed("Ferris Wheel Sonata", "Orla Byrne", "Fairground", "QZAAA2100008", 262),
)
"""Fictional tracks (``QZ`` test ISRCs) the emulator or test account is seeded with."""


@attrs.frozen
class ConformanceTarget:
    """A provider under test and what the suite needs to know about its catalog."""

    provider: Provider
    """The adapter, signed in, talking to an emulator or a test account."""
    track_ids: Sequence[ProviderTrackId]
    """The provider's ids of ``seed_tracks``, in the same order."""
    unknown_track_id: ProviderTrackId
    """A well-formed id that names no track."""
    unknown_playlist_id: ProviderPlaylistId
    """A well-formed id that names no playlist."""
    allows_duplicates: bool = True
    """Whether a playlist may hold the same track twice (Deezer: no)."""
    supports_add_position: bool = True
    """Whether ``add_tracks(position=...)`` inserts at that index."""


_CALLS: dict[Capability, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    Capability.CURRENT_USER: ("current_user", (), {}),
    Capability.GET_PLAYLIST: ("get_playlist", ("x",), {}),
    Capability.CREATE_PLAYLIST: ("create_playlist", ("x",), {}),
    Capability.ADD_TRACKS: ("add_tracks", ("x", ["y"]), {}),
    Capability.REMOVE_TRACKS: ("remove_tracks", ("x", ["y"]), {}),
    Capability.REORDER_TRACKS: ("reorder_tracks", ("x", 0, 1), {}),
    Capability.SEARCH_ISRC: ("search_isrc", (Isrc("QZAAA2100001"),), {}),
    Capability.SEARCH_TEXT: ("search_text", (TrackQuery(title="x"),), {}),
    Capability.GET_TRACKS: ("get_tracks", (["y"],), {}),
}


def _ids(tracks: Sequence[Track], provider: str) -> list[str | None]:
    name = ProviderName(provider)
    return [t.provider_ids.get(name) for t in tracks]


class ProviderConformance:
    """Base class of the conformance suite (in the manner of fsspec's abstract tests).

    Subclass it as ``Test<Name>Conformance`` in your test suite and override the
    :meth:`conformance_target` fixture (and :meth:`seed_tracks` when your catalog differs);
    every test then runs against your provider. Tests of capabilities the provider does not
    declare are skipped with the reason; calling those methods must raise
    ``CapabilityError``, which :meth:`test_missing_capabilities_raise` checks.

    The tests are coroutines marked for pytest-asyncio, so they run in its strict mode too.
    """

    pytestmark: Any = pytest.mark.asyncio

    @pytest.fixture
    def seed_tracks(self) -> Sequence[Track]:
        """Tracks the target's catalog holds (override to match your test account)."""
        return DEFAULT_SEED_TRACKS

    @pytest_asyncio.fixture
    async def conformance_target(
        self, seed_tracks: Sequence[Track]
    ) -> AsyncIterator[ConformanceTarget]:
        """Override: yield a :class:`ConformanceTarget` whose catalog holds ``seed_tracks``."""
        pytest.fail("override the conformance_target fixture in your subclass")
        yield  # pragma: no cover

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def require(target: ConformanceTarget, *capabilities: Capability) -> None:
        """Skip the test unless the provider declares every capability."""
        missing = [c.value for c in capabilities if c not in target.provider.capabilities]
        if missing:
            pytest.skip(f"{target.provider.name} does not offer {', '.join(missing)}")

    @staticmethod
    async def read_ids(target: ConformanceTarget, playlist_id: ProviderPlaylistId) -> list[Any]:
        """Provider ids of a playlist's entries in order."""
        name = target.provider.name
        return [
            t.provider_ids.get(name)
            async for t in target.provider.iter_playlist_tracks(playlist_id)
        ]

    @staticmethod
    async def new_playlist(target: ConformanceTarget, name: str) -> ProviderPlaylistId:
        """Create an empty playlist for a test."""
        ref = await target.provider.create_playlist(name, description="conformance suite")
        assert ref.provider == target.provider.name
        assert ref.id
        return ref.id

    # -- identity ------------------------------------------------------------------------------

    async def test_declares_identity(self, conformance_target: ConformanceTarget) -> None:
        provider = conformance_target.provider
        assert isinstance(provider, Provider)
        assert isinstance(provider.name, str)
        assert provider.name
        assert isinstance(provider.capabilities, frozenset)
        assert all(isinstance(c, Capability) for c in provider.capabilities)
        assert isinstance(provider.max_add_batch, int)
        assert provider.max_add_batch >= 1
        assert _validate(provider.name, type(provider)) is None

    async def test_missing_capabilities_raise(self, conformance_target: ConformanceTarget) -> None:
        provider = conformance_target.provider
        missing = [c for c in _CALLS if c not in provider.capabilities]
        if not missing:
            pytest.skip(f"{provider.name} offers every capability")
        for capability in missing:
            method, args, kwargs = _CALLS[capability]
            with pytest.raises(CapabilityError):
                await getattr(provider, method)(*args, **kwargs)

    # -- account and playlists -----------------------------------------------------------------

    async def test_current_user(self, conformance_target: ConformanceTarget) -> None:
        self.require(conformance_target, Capability.CURRENT_USER)
        user = await conformance_target.provider.current_user()
        assert user.provider == conformance_target.provider.name
        assert user.id

    async def test_created_playlist_is_listed(self, conformance_target: ConformanceTarget) -> None:
        self.require(conformance_target, Capability.CREATE_PLAYLIST, Capability.LIST_PLAYLISTS)
        playlist_id = await self.new_playlist(conformance_target, "Conformance listing")
        listed = [s async for s in conformance_target.provider.iter_playlists()]
        mine = [s for s in listed if s.ref.id == playlist_id]
        assert len(mine) == 1
        assert mine[0].name == "Conformance listing"
        assert mine[0].ref.provider == conformance_target.provider.name

    async def test_add_tracks_in_batches_keeps_order(
        self, conformance_target: ConformanceTarget
    ) -> None:
        self.require(
            conformance_target,
            Capability.CREATE_PLAYLIST,
            Capability.ADD_TRACKS,
            Capability.GET_PLAYLIST,
        )
        provider = conformance_target.provider
        ids = list(conformance_target.track_ids)
        if conformance_target.allows_duplicates:
            # More than one batch, with duplicates, so batching and order both show.
            wanted = min(2 * provider.max_add_batch + 1, 250)
            ids = list(itertools.islice(itertools.cycle(ids), wanted))
        playlist_id = await self.new_playlist(conformance_target, "Conformance add")
        await provider.add_tracks(playlist_id, ids)
        assert await self.read_ids(conformance_target, playlist_id) == ids

    async def test_add_at_position(self, conformance_target: ConformanceTarget) -> None:
        self.require(
            conformance_target,
            Capability.CREATE_PLAYLIST,
            Capability.ADD_TRACKS,
            Capability.GET_PLAYLIST,
        )
        if not conformance_target.supports_add_position:
            pytest.skip(f"{conformance_target.provider.name} cannot insert at a position")
        a, b, c, *_ = conformance_target.track_ids
        playlist_id = await self.new_playlist(conformance_target, "Conformance position")
        await conformance_target.provider.add_tracks(playlist_id, [a, c])
        await conformance_target.provider.add_tracks(playlist_id, [b], position=1)
        assert await self.read_ids(conformance_target, playlist_id) == [a, b, c]

    async def test_get_playlist_matches_iteration(
        self, conformance_target: ConformanceTarget
    ) -> None:
        self.require(
            conformance_target,
            Capability.CREATE_PLAYLIST,
            Capability.ADD_TRACKS,
            Capability.GET_PLAYLIST,
        )
        provider = conformance_target.provider
        playlist_id = await self.new_playlist(conformance_target, "Conformance get")
        await provider.add_tracks(playlist_id, list(conformance_target.track_ids))
        playlist = await provider.get_playlist(playlist_id)
        assert playlist.name == "Conformance get"
        assert playlist.provider_ref is not None
        assert playlist.provider_ref.id == playlist_id
        iterated = [t async for t in provider.iter_playlist_tracks(playlist_id)]
        assert _ids(playlist.tracks, provider.name) == _ids(iterated, provider.name)
        assert _ids(iterated, provider.name) == list(conformance_target.track_ids)

    async def test_tracks_carry_metadata(
        self, conformance_target: ConformanceTarget, seed_tracks: Sequence[Track]
    ) -> None:
        self.require(
            conformance_target,
            Capability.CREATE_PLAYLIST,
            Capability.ADD_TRACKS,
            Capability.GET_PLAYLIST,
        )
        provider = conformance_target.provider
        playlist_id = await self.new_playlist(conformance_target, "Conformance metadata")
        await provider.add_tracks(playlist_id, list(conformance_target.track_ids[:3]))
        tracks = [t async for t in provider.iter_playlist_tracks(playlist_id)]
        for got, seed in zip(tracks, seed_tracks[:3], strict=True):
            assert got.title == seed.title
            assert got.artist_names[:1] == seed.artist_names[:1]
            if got.duration_ms is not None and seed.duration_ms is not None:
                assert abs(got.duration_ms - seed.duration_ms) < 1000

    async def test_remove_tracks_removes_every_occurrence(
        self, conformance_target: ConformanceTarget
    ) -> None:
        self.require(
            conformance_target,
            Capability.CREATE_PLAYLIST,
            Capability.ADD_TRACKS,
            Capability.REMOVE_TRACKS,
            Capability.GET_PLAYLIST,
        )
        a, b, c, *_ = conformance_target.track_ids
        ids = [a, b, a, c] if conformance_target.allows_duplicates else [a, b, c]
        playlist_id = await self.new_playlist(conformance_target, "Conformance remove")
        await conformance_target.provider.add_tracks(playlist_id, ids)
        await conformance_target.provider.remove_tracks(playlist_id, [a])
        assert await self.read_ids(conformance_target, playlist_id) == [b, c]

    async def test_reorder_tracks(self, conformance_target: ConformanceTarget) -> None:
        self.require(
            conformance_target,
            Capability.CREATE_PLAYLIST,
            Capability.ADD_TRACKS,
            Capability.REORDER_TRACKS,
            Capability.GET_PLAYLIST,
        )
        a, b, c, d, *_ = conformance_target.track_ids
        playlist_id = await self.new_playlist(conformance_target, "Conformance reorder")
        await conformance_target.provider.add_tracks(playlist_id, [a, b, c, d])
        await conformance_target.provider.reorder_tracks(playlist_id, 0, 3, 2)
        assert await self.read_ids(conformance_target, playlist_id) == [c, a, b, d]

    async def test_unknown_playlist_is_not_found(
        self, conformance_target: ConformanceTarget
    ) -> None:
        self.require(conformance_target, Capability.GET_PLAYLIST)
        with pytest.raises(NotFound):
            await conformance_target.provider.get_playlist(conformance_target.unknown_playlist_id)

    # -- catalog -------------------------------------------------------------------------------

    async def test_search_isrc(
        self, conformance_target: ConformanceTarget, seed_tracks: Sequence[Track]
    ) -> None:
        self.require(conformance_target, Capability.SEARCH_ISRC)
        provider = conformance_target.provider
        seed = seed_tracks[0]
        assert seed.isrc is not None
        found = await provider.search_isrc(seed.isrc)
        assert conformance_target.track_ids[0] in _ids(found, provider.name)
        assert all(t.isrc in (None, seed.isrc) for t in found)
        assert await provider.search_isrc(Isrc("QZZZZ9999999")) == []

    async def test_search_text(
        self, conformance_target: ConformanceTarget, seed_tracks: Sequence[Track]
    ) -> None:
        self.require(conformance_target, Capability.SEARCH_TEXT)
        provider = conformance_target.provider
        seed = seed_tracks[1]
        query = TrackQuery(title=seed.title, artist=seed.artist_names[0])
        found = await provider.search_text(query, limit=5)
        assert len(found) <= 5
        assert conformance_target.track_ids[1] in _ids(found, provider.name)
        assert len(await provider.search_text(query, limit=1)) <= 1

    async def test_get_tracks_in_order_with_gaps(
        self, conformance_target: ConformanceTarget, seed_tracks: Sequence[Track]
    ) -> None:
        self.require(conformance_target, Capability.GET_TRACKS)
        provider = conformance_target.provider
        first, second = conformance_target.track_ids[:2]
        got = await provider.get_tracks([first, conformance_target.unknown_track_id, second])
        assert len(got) == 3
        assert got[1] is None
        assert got[0] is not None
        assert got[2] is not None
        assert got[0].provider_ids.get(provider.name) == first
        assert got[0].title == seed_tracks[0].title
        assert got[2].title == seed_tracks[1].title
        assert await provider.get_tracks([]) == []

    async def test_errors_are_typed(self, conformance_target: ConformanceTarget) -> None:
        self.require(conformance_target, Capability.ADD_TRACKS)
        with pytest.raises(ProviderError):
            await conformance_target.provider.add_tracks(
                conformance_target.unknown_playlist_id, list(conformance_target.track_ids[:1])
            )
