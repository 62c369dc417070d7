"""Implementation of :mod:`playlist_interop.testing.pytest_plugin`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from playlist_interop.providers import discover_providers, is_testing, set_testing
from playlist_interop.testing._conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators._spotify import SpotifyEmulator

__all__ = ["provider_waits_off", "pytest_configure", "pytest_report_header", "spotify_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``conformance`` marker."""
    config.addinivalue_line("markers", "conformance: provider conformance suite tests")


def pytest_report_header(config: pytest.Config) -> list[str]:
    """One line per provider entry point with its load status."""
    entries = discover_providers()
    shown = ", ".join(f"{e.name} ({e.status})" for e in entries) or "none"
    return [f"playlist_interop providers: {shown}"]


@pytest.fixture
def provider_waits_off() -> Iterator[None]:
    """Turn real retry/pacing waits off for one test (they are still accounted)."""
    before = is_testing()
    set_testing(True)
    yield
    set_testing(before)


@pytest_asyncio.fixture
async def spotify_emulator() -> AsyncIterator[SpotifyEmulator]:
    """A started Spotify emulator seeded with the default conformance tracks."""
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS) as emulator:
        yield emulator
