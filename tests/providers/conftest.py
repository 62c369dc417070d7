"""Provider tests never really sleep (the HTTP core's testing switch is on); cassette filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from playlist_interop.providers import is_testing, redact, set_testing


@pytest.fixture(autouse=True)
def _no_real_waits() -> Iterator[None]:
    before = is_testing()
    set_testing(True)
    yield
    set_testing(before)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Redact token fields in recorded bodies and drop cookies and code-bearing redirects."""
    body = response.get("body", {})
    raw = body.get("string")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raw = None
    if isinstance(raw, str):
        body["string"] = redact(raw).encode("utf-8")
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in {"set-cookie", "cookie"}:
            del headers[name]
        elif name.lower() == "location":
            headers[name] = [redact(v) for v in headers[name]]
    return response


@pytest.fixture
def vcr_filters() -> dict[str, Any]:
    """vcrpy options for any cassette we record ourselves (under tests/cassettes)."""
    return {
        "filter_headers": ["authorization", "cookie", "set-cookie"],
        "filter_query_parameters": ["access_token", "refresh_token", "code", "client_secret"],
        "filter_post_data_parameters": [
            "access_token",
            "refresh_token",
            "code",
            "code_verifier",
            "client_secret",
        ],
        "decode_compressed_response": True,
        "before_record_response": _scrub_response,
    }
