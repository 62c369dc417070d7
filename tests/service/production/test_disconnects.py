"""A client that hangs up mid-body is not an internal error (no ERROR log, no 500 answer)."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from playlist_service.errors import problem_middleware


async def test_connection_reset_is_logged_as_a_disconnect(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def reading_handler(request: web.Request) -> web.StreamResponse:
        raise ConnectionResetError("Connection lost")  # what request.content.read() raises

    caplog.set_level(logging.INFO)
    request = make_mocked_request("POST", "/exports/file")
    with pytest.raises(ConnectionResetError):
        await problem_middleware(request, reading_handler)
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert "client disconnected" in caplog.records[0].getMessage()


async def test_other_errors_still_answer_500(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        raise RuntimeError("bug")

    response = await problem_middleware(make_mocked_request("GET", "/x"), broken)
    assert response.status == 500
    assert any(r.levelno == logging.ERROR for r in caplog.records)
