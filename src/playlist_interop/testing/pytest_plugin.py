"""A pytest plugin for provider tests: emulator fixtures, the waits switch, a report header.

Enable it with ``pytest_plugins = ["playlist_interop.testing.pytest_plugin"]`` in your root
``conftest.py`` or ``-p playlist_interop.testing.pytest_plugin``.

Fixtures:

- ``provider_waits_off``: turns the HTTP core's real sleeping off for the test
  (:func:`playlist_interop.providers.set_testing`).
- ``spotify_emulator``: a started Spotify emulator
  (:class:`~playlist_interop.testing.emulators.spotify.SpotifyEmulator`) seeded with
  :data:`~playlist_interop.testing.conformance.DEFAULT_SEED_TRACKS`.
"""

from playlist_interop.testing._plugin import (
    provider_waits_off,
    pytest_configure,
    pytest_report_header,
    spotify_emulator,
)

__all__ = [
    "provider_waits_off",
    "pytest_configure",
    "pytest_report_header",
    "spotify_emulator",
]
