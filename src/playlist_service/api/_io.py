"""Small helpers handlers share: JSON in and out, query integers, path parameters."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from playlist_service.errors import ProblemError

__all__ = [
    "client_ip",
    "json_response",
    "no_store",
    "query_bool",
    "query_int",
    "read_json_object",
    "reject_unknown",
    "string_field",
]

MAX_JSON_BYTES = 64 * 1024


def _default(value: object) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response (datetimes as ISO 8601)."""
    return web.Response(
        body=json.dumps(data, default=_default, separators=(",", ":")).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


@functools.cache
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def client_ip(request: web.Request) -> str | None:
    """The client's address: ``X-Forwarded-For`` is believed only from trusted proxies."""
    from playlist_service import keys
    from playlist_service.api.middlewares import client_address

    trusted = _networks(request.app[keys.SETTINGS].trusted_proxies)
    return client_address(request, trusted) if request.remote else None


def no_store(response: web.StreamResponse) -> web.StreamResponse:
    """Forbid caching (responses carrying tokens)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400/415 problem."""
    if request.content_type != "application/json":
        raise ProblemError(415, "unsupported-media-type", "send application/json")
    raw = await request.content.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ProblemError(
            413, "payload-too-large", f"JSON bodies are limited to {MAX_JSON_BYTES} bytes"
        )
    try:
        body = json.loads(raw)
    except ValueError:
        raise ProblemError(400, "invalid-json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ProblemError(400, "invalid-request", "the body must be a JSON object")
    return body


def string_field(
    body: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    max_length: int = 2048,
    pattern: re.Pattern[str] | None = None,
) -> str | None:
    """A string member of a JSON body, checked; a 400 problem when it is not acceptable."""
    value = body.get(name)
    if value is None:
        if required:
            raise ProblemError(400, "invalid-request", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ProblemError(400, "invalid-request", f"{name} must be a string")
    if len(value) > max_length:
        raise ProblemError(400, "invalid-request", f"{name} is longer than {max_length}")
    if pattern is not None and not pattern.fullmatch(value):
        raise ProblemError(400, "invalid-request", f"{name} is malformed")
    return value


def reject_unknown(body: Mapping[str, Any], allowed: set[str]) -> None:
    """A 400 problem when the body has members the contract does not define."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ProblemError(400, "invalid-request", f"unknown members: {', '.join(unknown)}")


def query_int(request: web.Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds, or a 400 problem."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ProblemError(400, "invalid-request", f"{name} must be an integer") from None
    if not minimum <= value <= maximum:
        raise ProblemError(400, "invalid-request", f"{name} must be in {minimum}..{maximum}")
    return value


def query_bool(request: web.Request, name: str, *, default: bool = False) -> bool:
    """A boolean query parameter (``true``/``false``), or a 400 problem."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if raw.lower() in {"true", "1"}:
        return True
    if raw.lower() in {"false", "0"}:
        return False
    raise ProblemError(400, "invalid-request", f"{name} must be true or false")
