"""Type-only checks of the public API: mypy --strict reads this file; pytest does not run it."""

from __future__ import annotations

from typing import assert_type

import playlist_interop as pi
from playlist_interop.codecs import WriteResult
from playlist_interop.types import DurationMs, Isrc


def _model() -> None:
    track = pi.Track("Song", artists=(pi.ArtistCredit("A"),), isrc=Isrc("USAT21234567"))
    assert_type(track.artist_names, tuple[str, ...])
    assert_type(track.duration_ms, DurationMs | None)
    playlist = pi.Playlist(name="Mix", tracks=(track,))
    assert_type(playlist.tracks, tuple[pi.Track, ...])
    result = pi.write_playlist(playlist, "m3u")
    assert_type(result, WriteResult)
    assert_type(result.data, bytes)
