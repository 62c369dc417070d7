"""HTTP requests of the Deezer, TIDAL and YouTube adapters (and YouTube quota units) against
their loopback emulators, compared with the minimum each API allows.

Minimums: Deezer pages hold 100 entries (``/playlist/{id}`` embeds the first 400), adds and
removes take 50 ids; TIDAL pages and writes hold 20 resources; YouTube pages hold 50 items,
each page is completed by one ``videos.list`` for durations, and every insert is its own call
(50 quota units). MusicBrainz: the pacer's accounted wait for n lookups is n-1 seconds.

Run: ``.venv/bin/python benchmarks/providers_others.py [--tracks 10000]``. Exits 1 when a
count is above its minimum.
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
from playlist_interop.providers import RequestStats, set_testing
from playlist_interop.providers.deezer import DeezerProvider
from playlist_interop.providers.musicbrainz import MusicBrainzClient, ProcessPacer
from playlist_interop.providers.tidal import TidalProvider
from playlist_interop.providers.youtube import YouTubeProvider, YouTubeQuota
from playlist_interop.testing.emulators.deezer import DeezerEmulator
from playlist_interop.testing.emulators.musicbrainz import MusicBrainzEmulator
from playlist_interop.testing.emulators.tidal import TidalEmulator
from playlist_interop.testing.emulators.youtube import YouTubeEmulator
from playlist_interop.types import DurationMs, Isrc, ProviderPlaylistId, ProviderTrackId

Row = tuple[str, int, int, float]


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


async def measure(stats: RequestStats, action: Callable[[], Awaitable[Any]]) -> tuple[int, float]:
    stats.reset()
    started = time.perf_counter()
    await action()
    return stats.requests, time.perf_counter() - started


async def deezer(n: int) -> list[Row]:
    rows: list[Row] = []
    async with DeezerEmulator(catalog=catalog(n), quota=10**9) as emu:
        ids = [ProviderTrackId(str(i)) for i in emu.tracks]
        pid = ProviderPlaylistId(str(emu.create_playlist("Benchmark", [int(i) for i in ids])))
        async with DeezerProvider(access_token=emu.issue_token(), api_url=emu.api_url) as p:

            async def read() -> None:
                assert sum([1 async for _ in p.iter_playlist_tracks(pid)]) == n

            async def get() -> None:
                assert len((await p.get_playlist(pid)).tracks) == n

            req, sec = await measure(p.stats, read)
            rows.append((f"deezer: read {n} (iter)", req, math.ceil(n / 100), sec))
            req, sec = await measure(p.stats, get)
            rows.append(
                (f"deezer: get {n} (+metadata)", req, 1 + math.ceil(max(0, n - 400) / 100), sec)
            )
            ref = await p.create_playlist("copy", public=True)
            req, sec = await measure(p.stats, lambda: p.add_tracks(ref.id, ids))
            rows.append((f"deezer: add {n}", req, math.ceil(n / 50), sec))
            req, sec = await measure(p.stats, lambda: p.remove_tracks(ref.id, ids))
            rows.append((f"deezer: remove {n}", req, math.ceil(n / 50), sec))
            few = ids[:200]
            req, sec = await measure(p.stats, lambda: p.get_tracks(few))
            rows.append(("deezer: look up 200 (no batch API)", req, len(few), sec))
    return rows


async def tidal(n: int) -> list[Row]:
    rows: list[Row] = []
    async with TidalEmulator(catalog(n)) as emu:
        ids = [ProviderTrackId(t) for t in emu.tracks]
        pid = ProviderPlaylistId(emu.add_playlist("Benchmark", ids))
        async with TidalProvider(
            access_token=emu.issue_token().access_token, api_url=emu.api_url, country_code="GB"
        ) as p:

            async def read() -> None:
                assert sum([1 async for _ in p.iter_playlist_tracks(pid)]) == n

            req, sec = await measure(p.stats, read)
            rows.append((f"tidal: read {n} (iter)", req, math.ceil(n / 20), sec))
            ref = await p.create_playlist("copy")
            req, sec = await measure(p.stats, lambda: p.add_tracks(ref.id, ids))
            rows.append((f"tidal: add {n}", req, math.ceil(n / 20), sec))
            req, sec = await measure(p.stats, lambda: p.get_tracks(ids))
            rows.append((f"tidal: look up {n}", req, math.ceil(n / 20), sec))
            req, sec = await measure(p.stats, lambda: p.remove_tracks(ref.id, ids))
            rows.append((f"tidal: remove {n} (list + delete)", req, 2 * math.ceil(n / 20), sec))
    return rows


async def youtube(n: int, adds: int) -> tuple[list[Row], str]:
    rows: list[Row] = []
    async with YouTubeEmulator(catalog(n), daily_quota=10**9) as emu:
        ids = [ProviderTrackId(v) for v in emu.videos]
        pid = ProviderPlaylistId(emu.add_playlist("Benchmark", ids))
        quota = YouTubeQuota(daily_limit=10**9)
        async with YouTubeProvider(
            access_token=emu.issue_token().access_token, api_url=emu.api_url, quota=quota
        ) as p:

            async def read() -> None:
                assert sum([1 async for _ in p.iter_playlist_tracks(pid)]) == n

            before = quota.spent
            req, sec = await measure(p.stats, read)
            read_units = quota.spent - before
            rows.append((f"youtube: read {n} (+durations)", req, 2 * math.ceil(n / 50), sec))
            ref = await p.create_playlist("copy")
            before = quota.spent
            req, sec = await measure(p.stats, lambda: p.add_tracks(ref.id, ids[:adds]))
            add_units = quota.spent - before
            rows.append((f"youtube: add {adds} (1 per call)", req, adds, sec))
    note = (
        f"youtube quota: reading {n} entries cost {read_units} units; adding {adds} cost "
        f"{add_units} units, so the default 10,000 units/day add at most "
        f"{(10_000 - 50) // 50} tracks to a new playlist per day"
    )
    return rows, note


async def musicbrainz(lookups: int) -> Row:
    async with MusicBrainzEmulator(rate=10**6) as emu:
        emu.add_track(Track("x", artists=(ArtistCredit("y"),), isrc=Isrc("QZBEN0000001")))
        pacer = ProcessPacer(1.0)
        async with MusicBrainzClient(
            user_agent="bench/1 ( bench@example.org )", api_url=emu.api_url, budget=pacer
        ) as mb:
            mb.stats.reset()
            started = time.perf_counter()
            for _ in range(lookups):
                await mb.lookup_isrc("QZBEN0000001")
            waited = round(mb.stats.waited)
    return (
        f"musicbrainz: paced seconds for {lookups}",
        waited,
        lookups - 1,
        time.perf_counter() - started,
    )


async def run(n: int, adds: int) -> int:
    set_testing(True)  # waits are accounted, not slept
    rows = [*await deezer(n), *await tidal(n)]
    yt_rows, note = await youtube(n, adds)
    rows += yt_rows
    rows.append(await musicbrainz(5))
    print(f"{'operation':<40} {'requests':>9} {'minimum':>8} {'seconds':>8}  verdict")
    print("-" * 78)
    failed = False
    for name, requests, minimum, seconds in rows:
        ok = requests == minimum
        failed |= not ok
        verdict = "ok" if ok else "ABOVE MINIMUM"
        print(f"{name:<40} {requests:>9} {minimum:>8} {seconds:>8.2f}  {verdict}")
    print(note)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=10_000, help="playlist size (10000)")
    parser.add_argument(
        "--youtube-adds", type=int, default=1_000, help="YouTube inserts to time (1000)"
    )
    args = parser.parse_args()
    return asyncio.run(run(args.tracks, min(args.youtube_adds, args.tracks)))


if __name__ == "__main__":
    sys.exit(main())
