"""The pytest plugin: a report header with provider status, emulator and waits fixtures."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SUITE = """
from playlist_interop.providers import is_testing
from playlist_interop.providers.spotify import SpotifyProvider


def test_waits_are_off(provider_waits_off):
    assert is_testing()


async def test_emulator_is_seeded_and_started(spotify_emulator):
    assert len(spotify_emulator.tracks) == 8
    token = spotify_emulator.issue_token()
    async with SpotifyProvider(
        access_token=token.access_token, api_url=spotify_emulator.api_url
    ) as spotify:
        assert (await spotify.current_user()).id == spotify_emulator.user_id


def test_marker_is_registered(pytestconfig):
    markers = pytestconfig.getini("markers")
    assert any(m.startswith("conformance:") for m in markers)
"""


def test_plugin_in_a_fresh_session(tmp_path: Path) -> None:
    (tmp_path / "test_with_plugin.py").write_text(textwrap.dedent(SUITE))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "playlist_interop.testing.pytest_plugin",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "--strict-markers",
            "test_with_plugin.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert "playlist_interop providers: " in result.stdout
    assert "spotify (loaded)" in result.stdout
