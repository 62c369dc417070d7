"""Start a scale-out deployment on this machine: N API processes + M workers.

They share PostgreSQL, Redis and an S3-compatible store (moto's server, started here on a
loopback port unless ``--s3-endpoint`` names one). Secrets are generated once and handed to
every process, as a real deployment would from its secret store. The first line printed is a
JSON document with the URLs and process ids; the script then waits, and stops everything on
SIGINT/SIGTERM (or when any process dies).

    python scripts/scale_out.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _wait_ready(url: str, procs: list[subprocess.Popen[bytes]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"process {proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url}/ready did not answer 200 within {timeout} s")


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api", type=int, default=2, help="API processes (2)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "PLAYLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("PLAYLIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--redis-prefix", default="playlist-scaleout")
    parser.add_argument("--s3-endpoint", help="an S3-compatible endpoint (default: start moto)")
    parser.add_argument("--bucket", default="playlist-blobs")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=19,
        help="niceness of the workers (19: lowest priority; 0: like the API processes)",
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra setting"
    )
    args = parser.parse_args(argv)

    moto_server: Any = None
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "scaleout")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "scaleout-secret")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    endpoint = args.s3_endpoint
    if endpoint is None:
        from moto.server import ThreadedMotoServer

        port = _free_port()
        moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto_server.start()
        endpoint = f"http://127.0.0.1:{port}"
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=args.bucket)

    api_ports = [_free_port() for _ in range(args.api)]
    env = {
        **os.environ,
        "PLAYLIST_SERVICE_DATABASE_URL": args.database_url,
        "PLAYLIST_SERVICE_REDIS_URL": args.redis_url,
        "PLAYLIST_SERVICE_REDIS_PREFIX": args.redis_prefix,
        "PLAYLIST_SERVICE_BLOB_URL": f"s3://{args.bucket}/blobs",
        "PLAYLIST_SERVICE_S3_ENDPOINT_URL": endpoint,
        "PLAYLIST_SERVICE_WORKER": "external",
        "PLAYLIST_SERVICE_MIGRATE_ON_START": "0",
        "PLAYLIST_SERVICE_PUBLIC_URL": f"http://127.0.0.1:{api_ports[0]}",
        "PLAYLIST_SERVICE_JWT_SECRET": "base64:" + _key(),
        "PLAYLIST_SERVICE_REFRESH_HASH_KEY": "base64:" + _key(),
        "PLAYLIST_SERVICE_TOKEN_KEYS": "k1:" + _key(),
    }
    for item in args.env:
        name, _, value = item.partition("=")
        env[name] = value
    service = [sys.executable, "-m", "playlist_service", "--log-level", args.log_level]
    subprocess.run([*service, "migrate-db"], env=env, check=True, stdout=subprocess.DEVNULL)

    procs: list[subprocess.Popen[bytes]] = []

    def stop(*_: Any) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if moto_server is not None:
            moto_server.stop()

    try:
        procs.extend(
            subprocess.Popen([*service, "--port", str(port), "serve"], env=env)
            for port in api_ports
        )
        # Workers take the CPU the API processes leave (lowest priority by default) when
        # both share one machine: a job can wait a moment, a request should not.
        nice = ["nice", "-n", str(args.worker_nice)] if args.worker_nice else []
        workers = [
            subprocess.Popen([*nice, *service, "worker"], env=env) for _ in range(args.workers)
        ]
        procs.extend(workers)
        urls = [f"http://127.0.0.1:{port}" for port in api_ports]
        for url in urls:
            _wait_ready(url, procs)
        print(
            json.dumps(
                {
                    "api": urls,
                    "s3_endpoint": endpoint,
                    "bucket": args.bucket,
                    "api_pids": [p.pid for p in procs[: args.api]],
                    "worker_pids": [p.pid for p in workers],
                }
            ),
            flush=True,
        )
        signal.signal(signal.SIGTERM, _interrupt)
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        dead = [p for p in procs if p.poll() is not None]
        print(f"a process exited: {[p.args for p in dead]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    raise SystemExit(main())
