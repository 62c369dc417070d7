"""Load benchmark of the scale-out setup with wrk: authenticated reads and export submissions.

Starts scripts/scale_out.py (2 API processes + 2 workers on PostgreSQL, Redis and moto's S3
server) with rate limits off (they would cap a single client at 100 requests a minute), signs
a user in through the Spotify emulator, stores a playlist, then runs wrk against each API
process at once:

- ``GET /playlists/stored`` with the session JWT (an authenticated read), and
- ``POST /exports/file`` (an export submission: a job row and its first event per request).

Prints requests/s and latency percentiles per process, and the CPU time each API process spent
per request (from ``/proc``: what the API costs, whatever else shares the machine's cores).
Goal: >= 1,000 req/s per API process with p99 < 50 ms. Needs ``wrk`` (Debian package ``wrk``).

    .venv/bin/python benchmarks/service_load.py [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from playlist_interop.providers.auth import PkcePair
from playlist_interop.testing.emulators.spotify import SpotifyEmulator

ROOT = Path(__file__).resolve().parents[1]
APP_REDIRECT = "com.example.playlists:/oauth"
M3U = b"#EXTM3U\n#PLAYLIST:Night bus\n#EXTINF:215,Portishead - Glory Box\nglory.mp3\n"


async def _sign_in(api: str, session: aiohttp.ClientSession) -> str:
    pkce = PkcePair.generate()
    async with session.post(
        f"{api}/auth/mobile/authorize",
        json={
            "provider": "spotify",
            "code_challenge": pkce.challenge,
            "redirect_uri": APP_REDIRECT,
        },
    ) as response:
        started = await response.json()
    async with session.get(started["authorization_url"], allow_redirects=False) as response:
        callback = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    async with session.get(f"{api}{callback.path}", params=query, allow_redirects=False):
        pass
    async with session.post(
        f"{api}/auth/redeem",
        json={"attempt_id": started["attempt_id"], "code_verifier": pkce.verifier},
    ) as response:
        return str((await response.json())["access_token"])


def _wrk(url: str, token: str, seconds: int, connections: int, script: str | None) -> str:
    command = [
        "wrk",
        "--latency",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "-H",
        f"Authorization: Bearer {token}",
    ]
    if script:
        command += ["-s", script]
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _parse(output: str) -> dict[str, float]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = re.search(r"(\d+) requests in", output)
    figures = {"req/s": rate, "requests": float(total.group(1)) if total else 0.0}
    for pct in ("50", "90", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", output)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            figures[f"p{pct} ms"] = (
                value / 1000 if unit == "us" else value * (1000 if unit == "s" else 1)
            )
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["non-2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8, help="per API process")
    parser.add_argument("--api", type=int, default=2, help="API processes (2)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument(
        "--cases", default="reads,exports", help="comma list of cases: reads, exports"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test"
        ),
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    emulator = SpotifyEmulator(display_name="Bench", client_ids=["bench-client"])
    async with emulator:
        providers = {
            "spotify": {
                "client_id": "bench-client",
                "base_urls": {"auth": emulator.auth_url, "api": emulator.api_url},
            }
        }
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        import asyncpg

        dsn = args.database_url
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.close()
        sep = "&" if "?" in dsn else "?"
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "scale_out.py"),
                "--database-url",
                f"{dsn}{sep}search_path={schema}",
                "--redis-prefix",
                f"bench-{schema}",
                "--api",
                str(args.api),
                "--workers",
                str(args.workers),
                "--env",
                f"PLAYLIST_SERVICE_PROVIDERS={json.dumps(providers)}",
                "--env",
                f"PLAYLIST_SERVICE_ALLOWED_REDIRECTS={APP_REDIRECT}",
                "--env",
                "PLAYLIST_SERVICE_RATE_LIMITS_ENABLED=0",
            ],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert proc.stdout is not None
            info: dict[str, Any] = json.loads(await asyncio.to_thread(proc.stdout.readline))
            apis: list[str] = info["api"]
            api_pids: list[int] = info["api_pids"]
            async with aiohttp.ClientSession() as session:
                token = await _sign_in(apis[0], session)
                async with session.post(
                    f"{apis[0]}/playlists/import",
                    params={"filename": "night.m3u8"},
                    data=M3U,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/octet-stream",
                    },
                ) as response:
                    stored = (await response.json())["playlist"]["id"]
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                body = json.dumps({"source": {"stored_playlist_id": stored}, "format": "m3u8"})
                lua.write(
                    'wrk.method = "POST"\n'
                    f"wrk.body = {json.dumps(body)}\n"
                    'wrk.headers["Content-Type"] = "application/json"\n'
                )
            wanted = set(args.cases.split(","))
            cases = [
                case
                for key, case in (
                    ("reads", ("GET /playlists/stored", "/playlists/stored", None)),
                    ("exports", ("POST /exports/file", "/exports/file", lua.name)),
                )
                if key in wanted
            ]
            print(
                f"{'case':24} {'process':8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} "
                f"{'p99 ms':>8} {'non-2xx':>8} {'cpu ms/req':>10}"
            )
            for name, path, script in cases:
                cpu_before = [_cpu_seconds(pid) for pid in api_pids]
                results = await asyncio.gather(
                    *(
                        asyncio.to_thread(
                            _wrk, f"{api}{path}", token, args.duration, args.connections, script
                        )
                        for api in apis
                    )
                )
                cpu_after = [_cpu_seconds(pid) for pid in api_pids]
                for index, output in enumerate(results):
                    f = _parse(output)
                    cpu_ms = 1000 * (cpu_after[index] - cpu_before[index]) / max(f["requests"], 1)
                    print(
                        f"{name:24} {'api' + str(index + 1):8} {f['req/s']:8.0f} "
                        f"{f.get('p50 ms', 0):8.2f} {f.get('p90 ms', 0):8.2f} "
                        f"{f.get('p99 ms', 0):8.2f} {f['non-2xx']:8.0f} {cpu_ms:10.3f}"
                    )
            print("goal: >= 1000 req/s per API process, p99 < 50 ms")
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 60)
            conn = await asyncpg.connect(dsn)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
