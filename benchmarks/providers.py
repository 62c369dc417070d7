"""HTTP requests (and wall time) of the Spotify adapter against the loopback emulator.

Each operation must use the minimum number of requests the Web API allows:
reading a playlist of n entries takes ceil(n/50) pages (50 is the page maximum), adding or
removing n tracks ceil(n/100) requests, looking n tracks up ceil(n/50) requests.

Run: ``.venv/bin/python benchmarks/providers.py [--tracks 10000]``. Exits 1 when a count is
above its minimum.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers import set_testing
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from playlist_interop.types import DurationMs, Isrc, ProviderPlaylistId, ProviderTrackId


def catalog(n: int) -> list[Track]:
    return [
        Track(
            title=f"Benchmark Track {i}",
            artists=(ArtistCredit(f"Artist {i % 211}"),),
            album=Album(title=f"Album {i % 97}"),
            duration_ms=DurationMs(150_000 + i % 90_000),
            isrc=Isrc(f"QZBEN{i:07d}"),
        )
        for i in range(n)
    ]


async def measure(
    provider: SpotifyProvider, action: Callable[[], Awaitable[Any]]
) -> tuple[int, float, Any]:
    provider.http.stats.reset()
    started = time.perf_counter()
    result = await action()
    return provider.http.stats.requests, time.perf_counter() - started, result


async def run(n: int) -> int:
    set_testing(True)
    rows: list[tuple[str, int, int, float]] = []
    async with SpotifyEmulator(catalog(n)) as emulator:
        ids = [ProviderTrackId(i) for i in emulator.tracks]
        pid = ProviderPlaylistId(emulator.add_playlist("Benchmark", ids))
        token = emulator.issue_token()
        async with SpotifyProvider(
            access_token=token.access_token, api_url=emulator.api_url
        ) as provider:

            async def read_all() -> int:
                return sum([1 async for _ in provider.iter_playlist_tracks(pid)])

            requests, seconds, count = await measure(provider, read_all)
            assert count == n, count
            rows.append((f"read {n}-track playlist (iter)", requests, math.ceil(n / 50), seconds))

            requests, seconds, playlist = await measure(
                provider, lambda: provider.get_playlist(pid)
            )
            assert len(playlist.tracks) == n
            # The metadata request embeds the first 100 entries; pages of 50 follow.
            minimum = 1 + math.ceil(max(0, n - 100) / 50)
            rows.append((f"get {n}-track playlist (+metadata)", requests, minimum, seconds))

            created = await provider.create_playlist("Benchmark copy")
            requests, seconds, _ = await measure(
                provider, lambda: provider.add_tracks(created.id, ids)
            )
            assert len(emulator.playlists[created.id].entries) == n
            rows.append((f"add {n} tracks", requests, math.ceil(n / 100), seconds))

            requests, seconds, found = await measure(provider, lambda: provider.get_tracks(ids))
            assert all(t is not None for t in found)
            rows.append((f"look up {n} tracks", requests, math.ceil(n / 50), seconds))

            requests, seconds, _ = await measure(
                provider, lambda: provider.remove_tracks(created.id, ids)
            )
            assert not emulator.playlists[created.id].entries
            rows.append((f"remove {n} tracks", requests, math.ceil(n / 100), seconds))

    print(f"{'operation':<34} {'requests':>9} {'minimum':>8} {'seconds':>8}  verdict")
    print("-" * 72)
    failed = False
    for name, requests, minimum, seconds in rows:
        ok = requests == minimum
        failed |= not ok
        verdict = "ok" if ok else "ABOVE MINIMUM"
        print(f"{name:<34} {requests:>9} {minimum:>8} {seconds:>8.2f}  {verdict}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=10_000, help="playlist size (10000)")
    args = parser.parse_args()
    return asyncio.run(run(args.tracks))


if __name__ == "__main__":
    sys.exit(main())
