"""The provider conformance kit: base test classes every provider (built-in or plugin) passes.

Subclass :class:`ProviderConformance` in your test suite and override its
``conformance_target`` fixture::

    class TestMyProviderConformance(ProviderConformance):
        @pytest_asyncio.fixture
        async def conformance_target(self, seed_tracks):
            async with MyEmulator(seed_tracks) as emu:
                provider = MyProvider(access_token=emu.issue_token(), api_url=emu.api_url)
                yield ConformanceTarget(
                    provider=provider,
                    track_ids=[emu.id_of(t) for t in seed_tracks],
                    unknown_track_id="0" * 22,
                    unknown_playlist_id="0" * 22,
                )
                await provider.aclose()

Needs pytest and pytest-asyncio (the ``test`` extra).
"""

from playlist_interop.testing._conformance import (
    DEFAULT_SEED_TRACKS,
    ConformanceTarget,
    ProviderConformance,
)

# Plain sorted order, which tests/test_public_api.py checks for every public module.
__all__ = ["ConformanceTarget", "DEFAULT_SEED_TRACKS", "ProviderConformance"]  # noqa: RUF022
