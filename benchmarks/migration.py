"""Migration benchmark: a 10,000-entry playlist file to the Spotify emulator under a rate limit.

The emulator runs in a child process (so its CPU does not compete with the client's) and
enforces a request rate: a request over the limit gets 429 with ``Retry-After``. The client
paces itself with the HTTP core's request budget at the same rate, so no request is refused.

Reported:

- provider calls by kind against the minimum the migration needs: one ISRC lookup per
  *distinct* track, one playlist creation, ``ceil(entries / 100)`` add requests;
- wall time against the rate-limit floor (``calls / rate``), goal within 1.2x;
- client CPU time.

Benchmark-only emulator changes: ISRC searches use an index instead of the emulator's scan of
the whole catalogue (10,000 scans of 10,000 tracks would measure the emulator, not the
migration), and the server-side rate limiter. Wire format is the emulator's own.

Run: ``.venv/bin/python benchmarks/migration.py [--tracks 10000] [--rate 100]`` (about two minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import os
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web

from playlist_interop import write_playlist
from playlist_interop.migrate import (
    JsonFileCheckpointStore,
    PlaylistFile,
    ProviderPlaylist,
    migrate,
)
from playlist_interop.model import Album, ArtistCredit, Playlist, Track
from playlist_interop.providers import RequestBudget
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.emulators.spotify import SpotifyEmulator, spotify_id
from playlist_interop.types import DurationMs, Isrc, ProviderName

SPOTIFY = ProviderName("spotify")


def catalog(n: int) -> list[Track]:
    return [
        Track(
            title=f"Benchmark Song {i}",
            artists=(ArtistCredit(f"Artist {i % 211}"),),
            album=Album(title=f"Album {i % 97}"),
            duration_ms=DurationMs(120_000 + 37 * i),
            isrc=Isrc(f"QZDDD{i:07d}"),
            provider_ids={SPOTIFY: spotify_id(f"bench-{i}")},
        )
        for i in range(n)
    ]


class RateLimitedEmulator(SpotifyEmulator):
    """The Spotify emulator with a request rate limit and an ISRC index for search."""

    def __init__(self, tracks: list[Track], *, rate: float, burst: int) -> None:
        super().__init__(tracks)
        self.rate = rate
        self.burst = burst
        self.refused = 0
        self._tat = 0.0
        self.by_isrc: dict[str, list[str]] = {}
        for tid, track in self.tracks.items():
            if track.isrc:
                self.by_isrc.setdefault(track.isrc, []).append(tid)

    def create_app(self) -> web.Application:
        app = super().create_app()
        app.middlewares.insert(0, self._limit)
        app.router.add_get("/_bench/stats", self._stats)
        return app

    @web.middleware
    async def _limit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/_bench"):
            return await handler(request)
        # GCRA with a 5 % tolerance for clock jitter between the two processes.
        interval = 1.0 / self.rate
        now = time.monotonic()
        tat = max(self._tat, now)
        if tat - now > (self.burst - 1) * interval + 0.05 * interval * self.burst + 0.02:
            self.refused += 1
            response = self.error_response(429, "API rate limit exceeded")
            response.headers["Retry-After"] = "1"
            return response
        self._tat = tat + interval
        return await handler(request)

    async def _search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "").strip()
        if not query.startswith("isrc:"):
            return await super()._search(request)
        found = self.by_isrc.get(query[5:].upper(), [])
        limit = int(request.query.get("limit", "5"))
        offset = int(request.query.get("offset", "0"))
        base = str(request.url.origin())
        items = [self._track_wire(t, base) for t in found[offset : offset + limit]]
        page = self._paging(
            request,
            "/v1/search",
            items,
            total=len(found),
            offset=offset,
            limit=limit,
            extra={"query": query, "type": "track"},
        )
        return web.json_response({"tracks": page})

    async def _stats(self, request: web.Request) -> web.Response:
        counts = Counter(f"{r.method} {_kind(r.path)}" for r in self.requests)
        counts.pop("GET /_bench/stats", None)
        return web.json_response({"counts": dict(counts), "refused": self.refused})


def _kind(path: str) -> str:
    if path.startswith("/v1/playlists/") and path.endswith("/items"):
        return "/v1/playlists/{id}/items"
    return path


def _serve(n: int, rate: float, burst: int, conn: Connection) -> None:
    async def main() -> None:
        async with RateLimitedEmulator(catalog(n), rate=rate, burst=burst) as emulator:
            conn.send((emulator.api_url, emulator.issue_token().access_token, emulator.base_url))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    asyncio.run(main())


async def run(entries: int, distinct: int, rate: float, burst: int, concurrency: int) -> None:
    tracks = catalog(distinct)
    # A playlist of ``entries`` entries over ``distinct`` recordings, repeats spread out.
    order = [tracks[i % distinct] for i in range(entries)]
    source = Playlist(
        name="Ten thousand",
        tracks=[
            Track(t.title, artists=t.artists, album=t.album, duration_ms=t.duration_ms, isrc=t.isrc)
            for t in order
        ],
    )
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    # The service allows bursts of three times what the client allows itself: requests paced
    # at the rate in the client can still arrive bunched after scheduling delays.
    server = ctx.Process(target=_serve, args=(distinct, rate, 3 * burst, child), daemon=True)
    server.start()
    api_url, token, base_url = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ten-thousand.jspf"
        path.write_bytes(write_playlist(source, "jspf").data)
        budget = RequestBudget(per_second=rate, burst=burst)
        async with SpotifyProvider(access_token=token, api_url=api_url, budget=budget) as spotify:
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            report = await migrate(
                PlaylistFile(path),
                ProviderPlaylist(spotify),
                concurrency=concurrency,
                checkpoint=JsonFileCheckpointStore(Path(tmp) / "checkpoints"),
            )
            wall = time.perf_counter() - start_wall
            cpu = time.process_time() - start_cpu
            client_stats = spotify.http.stats
            stats = (await spotify.http.request("GET", f"{base_url}/_bench/stats")).json()
    parent.send("stop")
    server.join(10)
    counts: dict[str, int] = stats["counts"]
    calls = sum(counts.values())
    minimum = {
        "GET /v1/search": distinct,
        "POST /v1/me/playlists": 1,
        "POST /v1/playlists/{id}/items": math.ceil(entries / 100),
    }
    floor = max(0, sum(minimum.values()) - burst) / rate
    print(f"Migration: {entries} entries ({distinct} distinct recordings) from a JSPF file")
    print(f"to the Spotify emulator at {rate:g} requests/s (burst {burst}), {concurrency} lookups")
    print(
        f"in flight, checkpoint files saved after every batch. Matched {report.counts['matched']},"
    )
    print(f"added {report.added}.")
    print()
    print(f"{'request':32}{'made':>10}{'minimum':>10}")
    for key in sorted(set(counts) | set(minimum)):
        print(f"{key:32}{counts.get(key, 0):>10}{minimum.get(key, 0):>10}")
    print(f"{'total':32}{calls:>10}{sum(minimum.values()):>10}")
    print(f"{'refused with 429':32}{stats['refused']:>10}{0:>10}")
    print(f"{'client retries':32}{client_stats.retries:>10}{0:>10}")
    print()
    print(f"{'wall time':32}{wall:>10.2f} s")
    print(f"{'rate-limit floor':32}{floor:>10.2f} s")
    print(f"{'wall / floor':32}{wall / floor if floor else float('nan'):>10.3f}   (goal <= 1.2)")
    print(f"{'client cpu':32}{cpu:>10.2f} s")
    print(f"{'load average (1 min, 2 cores)':32}{os.getloadavg()[0]:>10.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=10_000, help="playlist entries")
    parser.add_argument("--distinct", type=int, default=None, help="distinct recordings")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    distinct = args.distinct or max(1, int(args.tracks * 0.98))
    asyncio.run(run(args.tracks, distinct, args.rate, args.burst, args.concurrency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
