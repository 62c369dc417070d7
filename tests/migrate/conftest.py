"""Migration tests run against the Spotify loopback emulator (a real server on port 0)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.emulators.spotify import SpotifyEmulator, spotify_id
from playlist_interop.types import DurationMs, Isrc, ProviderName, ProviderPlaylistId

SPOTIFY = ProviderName("spotify")


def catalog(n: int) -> list[Track]:
    """``n`` distinct recordings with ISRCs and Spotify ids."""
    return [
        Track(
            title=f"Song {i}",
            artists=(ArtistCredit(f"Artist {i % 7}"),),
            album=Album(title=f"Album {i % 5}"),
            duration_ms=DurationMs(150_000 + 1_000 * i),
            isrc=Isrc(f"QZCCC{i:07d}"),
            provider_ids={SPOTIFY: spotify_id(f"song-{i}")},
        )
        for i in range(n)
    ]


def as_file_entry(track: Track, *, keep_isrc: bool = True) -> Track:
    """The track as a playlist file would carry it (no Spotify id)."""
    return Track(
        title=track.title,
        artists=track.artists,
        album=track.album,
        duration_ms=track.duration_ms,
        isrc=track.isrc if keep_isrc else None,
    )


class CrashingProvider:
    """Delegates to a real provider; its ``add_tracks`` fails on the chosen call.

    ``after_sending=True`` lets the request land first (the crash hits between the provider's
    answer and the checkpoint), otherwise the crash happens before anything is sent.
    """

    def __init__(self, inner: SpotifyProvider, *, fail_on_call: int, after_sending: bool) -> None:
        self.inner = inner
        self.fail_on_call = fail_on_call
        self.after_sending = after_sending
        self.add_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def add_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[Any], **kwargs: Any
    ) -> str | None:
        self.add_calls += 1
        if self.add_calls == self.fail_on_call:
            if self.after_sending:
                await self.inner.add_tracks(playlist_id, track_ids, **kwargs)
            raise ConnectionResetError("simulated crash")
        return await self.inner.add_tracks(playlist_id, track_ids, **kwargs)


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[SpotifyEmulator]:
    async with SpotifyEmulator(catalog(150)) as emu:
        yield emu


@pytest_asyncio.fixture
async def spotify(emulator: SpotifyEmulator) -> AsyncIterator[SpotifyProvider]:
    token = emulator.issue_token()
    async with SpotifyProvider(access_token=token.access_token, api_url=emulator.api_url) as p:
        yield p


class EmulatorThread:
    """A Spotify emulator on its own event loop, for tests of the synchronous CLI."""

    def __init__(self, tracks: Sequence[Track]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.emulator = SpotifyEmulator(tracks)

    def __enter__(self) -> SpotifyEmulator:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self.loop).result(10)
        return self.emulator

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def cli_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SpotifyEmulator]:
    """The emulator in a thread, with the CLI's environment pointing at it."""
    with EmulatorThread(catalog(150)) as emu:
        monkeypatch.setenv("PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.setenv("PLAYLIST_SPOTIFY_API_URL", emu.api_url)
        monkeypatch.setenv("PLAYLIST_SPOTIFY_ACCESS_TOKEN", emu.issue_token().access_token)
        yield emu
