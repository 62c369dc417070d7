"""The conformance kit runs against a third-party plugin, skips what it lacks, and can fail."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from playlist_interop.model import Track
from playlist_interop.testing.conformance import ConformanceTarget, ProviderConformance
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId

PLUGIN_SRC = Path(__file__).resolve().parents[1] / "plugin_pkg"


@pytest.fixture(scope="module", autouse=True)
def _plugin_on_path() -> Iterator[None]:
    sys.path.insert(0, str(PLUGIN_SRC))
    yield
    sys.path.remove(str(PLUGIN_SRC))


def demo_provider(seed_tracks: Sequence[Track]) -> tuple[Any, list[ProviderTrackId]]:
    from playlist_demo_provider import DemoProvider

    provider = DemoProvider()
    ids = []
    for index, seed in enumerate(seed_tracks):
        track_id = f"demo{index}"
        provider.seed_track(track_id, seed.title, seed.artist_names[0], seed.isrc)
        ids.append(ProviderTrackId(track_id))
    return provider, ids


class TestDemoPluginConformance(ProviderConformance):
    @pytest_asyncio.fixture
    async def conformance_target(
        self, seed_tracks: Sequence[Track]
    ) -> AsyncIterator[ConformanceTarget]:
        provider, ids = demo_provider(seed_tracks)
        yield ConformanceTarget(
            provider=provider,
            track_ids=ids,
            unknown_track_id=ProviderTrackId("nope"),
            unknown_playlist_id=ProviderPlaylistId("nope"),
        )


BUGGY_SUITE = """
import pytest_asyncio
from playlist_demo_provider import DemoProvider
from playlist_interop.testing.conformance import ConformanceTarget, ProviderConformance


class ReversingProvider(DemoProvider):
    async def add_tracks(self, playlist_id, track_ids, *, position=None):
        return await super().add_tracks(playlist_id, list(reversed(track_ids)), position=position)


class TestBuggy(ProviderConformance):
    @pytest_asyncio.fixture
    async def conformance_target(self, seed_tracks):
        provider = ReversingProvider()
        ids = []
        for i, seed in enumerate(seed_tracks):
            provider.seed_track(f"d{i}", seed.title, seed.artist_names[0], seed.isrc)
            ids.append(f"d{i}")
        yield ConformanceTarget(provider, ids, "nope", "nope")
"""


def test_the_suite_catches_a_broken_provider(tmp_path: Path) -> None:
    (tmp_path / "test_buggy.py").write_text(textwrap.dedent(BUGGY_SUITE))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_mode=strict",
            "-rfs",
            str(tmp_path / "test_buggy.py"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(PLUGIN_SRC), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 1, out
    failed = {
        line.split("::")[-1].split()[0] for line in out.splitlines() if line.startswith("FAILED")
    }
    assert failed == {
        "test_add_tracks_in_batches_keeps_order",
        "test_add_at_position",
        "test_get_playlist_matches_iteration",
        "test_tracks_carry_metadata",
        "test_remove_tracks_removes_every_occurrence",
    }
    # The reorder capability it lacks is skipped with the reason, not failed.
    assert "demo does not offer reorder_tracks" in out
    assert "9 passed" in out
