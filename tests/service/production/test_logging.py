"""Secrets planted in log calls never reach the output; the access log drops query strings."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web

from playlist_service.logging import (
    REDACTED,
    AccessLogger,
    configure_logging,
    redact,
    request_id_var,
)

SECRETS = [
    "BQD4xSpotifyAccessToken123",
    "AQCrefreshTokenRotating456",
    "s3cr3t-client-secret",
    "AUTHCODE987654",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "verifierABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef",
    "cookievalue123",
]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_planted_secrets_are_redacted(log_stream: io.StringIO) -> None:
    log = logging.getLogger("planted")
    log.info("Authorization: Bearer %s", SECRETS[0])
    log.info("token response %s", {"access_token": SECRETS[0], "refresh_token": SECRETS[1]})
    log.info('json body {"refresh_token": "%s", "expires_in": 3600}', SECRETS[1])
    log.info(
        "POST /token client_secret=%s&code=%s&code_verifier=%s", SECRETS[2], SECRETS[3], SECRETS[5]
    )
    log.info("GET /auth/callback?code=%s&state=xyz", SECRETS[3])
    log.warning("session jwt %s", SECRETS[4])
    log.info("headers Cookie: session=%s", SECRETS[6])
    try:
        raise RuntimeError(f"failed with access_token={SECRETS[0]}")
    except RuntimeError:
        log.exception("boom")
    output = log_stream.getvalue()
    assert output.count(REDACTED) >= len(SECRETS)
    for secret in SECRETS:
        assert secret not in output
    for line in output.splitlines():
        json.loads(line)  # every line is one JSON object


def test_non_secrets_survive() -> None:
    text = "GET /playlists?limit=20&offset=40 took 12 ms for user 42"
    assert redact(text) == text


def test_request_id_is_in_every_line(log_stream: io.StringIO) -> None:
    token = request_id_var.set("req-123")
    try:
        logging.getLogger("x").info("hello")
    finally:
        request_id_var.reset(token)
    assert json.loads(log_stream.getvalue())["request_id"] == "req-123"


async def test_access_log_drops_query_string(log_stream: io.StringIO) -> None:
    async def callback(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/auth/callback/spotify", callback)
    runner = web.AppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/auth/callback/spotify?code={SECRETS[3]}&state=abc"
            async with session.get(url) as response:
                assert response.status == 200
    finally:
        await runner.cleanup()
    output = log_stream.getvalue()
    assert "/auth/callback/spotify" in output
    assert SECRETS[3] not in output
    assert "state=abc" not in output
