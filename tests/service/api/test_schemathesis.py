"""Property-based contract tests: schemathesis drives a live ``playlist-service --demo``
process on 127.0.0.1 with requests generated from openapi.yaml (a few per operation, to
stay fast) and checks status codes, content types, headers and bodies against it."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from playlist_service.api import load_spec
from tests.service.conftest import free_port

pytestmark = pytest.mark.slow

# Operations that sign the caller out are covered by their own tests; fuzzing them would
# only revoke the token the other operations need.
_SIGN_OUT = ["logout", "revokeAllSessions", "revokeSession"]


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"playlist-service exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/openapi.yaml", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("playlist-service did not start in 30 s")


def _sign_in(base: str) -> str:
    """The demo sign-in, as the mobile app would do it."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    with httpx.Client(base_url=base, timeout=10) as client:
        started = client.post(
            "/auth/mobile/authorize",
            json={
                "provider": "spotify",
                "code_challenge": challenge,
                "redirect_uri": f"{base}/demo",
            },
        ).json()
        consent = httpx.get(started["authorization_url"], follow_redirects=False, timeout=10)
        callback = urlsplit(consent.headers["Location"])
        back = client.get(
            callback.path, params={k: v[0] for k, v in parse_qs(callback.query).items()}
        )
        assert back.status_code == 302, back.text
        tokens = client.post(
            "/auth/redeem",
            json={"attempt_id": started["attempt_id"], "code_verifier": verifier},
        ).json()
    return str(tokens["access_token"])


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``playlist-service --demo`` in a child process; yields its base URL and a token."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("live-service")
    env = {
        **os.environ,
        "PLAYLIST_SERVICE_DATA_DIR": str(data_dir),
        "PLAYLIST_SERVICE_PORT": str(port),
        "PLAYLIST_SERVICE_HOST": "127.0.0.1",
        # Fuzzing sends bursts; the limits have their own tests (tests/service/production).
        "PLAYLIST_SERVICE_RATE_LIMITS_ENABLED": "0",
    }
    log = Path(data_dir) / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "playlist_service", "--demo", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, _sign_in(base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The operations of this issue's routes; the job routes' block of the contract is fuzzed
# once its tag is listed here.
_TAGS = {"auth", "me", "playlists", "artists", "meta"}
_SCHEMA = schemathesis.openapi.from_dict(load_spec())
_OPERATIONS = sorted(
    op.label
    for result in _SCHEMA.get_all_operations()
    if (op := result.ok()).definition.raw.get("operationId") not in _SIGN_OUT
    and set(op.definition.raw.get("tags", [])) & _TAGS
)
# Checks that do not apply to one operation, and why.
_EXCLUDED = {
    # The schema cannot say which bytes are a playlist file: schema-valid junk gets a
    # documented 422 invalid-playlist-file, which is right.
    "POST /playlists/import": [positive_data_acceptance],
}
# aiohttp answers lines longer than this with a bare 400 before the app sees the request.
_MAX_REQUEST_LINE = 8000


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", _OPERATIONS)
def test_api_matches_its_contract(
    label: str, mode: GenerationMode, live_service: tuple[str, str]
) -> None:
    base, token = live_service
    operation = _SCHEMA.find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        assume(len(case.formatted_path) + len(urlencode(case.query or {})) < _MAX_REQUEST_LINE)
        case.call_and_validate(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            excluded_checks=_EXCLUDED.get(label, []),
        )

    try:
        check()
    except Unsatisfiable:
        pytest.skip(f"{label} has nothing to make invalid")
