"""Deezer's wire protocol: endpoints, OAuth flavour, envelopes, error codes, query syntax.

Deezer differs from a textbook REST API in ways this module isolates:

- errors usually arrive with HTTP 200 and a body ``{"error": {"type", "message", "code"}}``;
  :func:`error_from_body` is the one place they become typed errors;
- lists are ``{"data": [...], "total": n, "next": url}`` pages addressed by ``index``/``limit``;
- the OAuth token endpoint answers ``access_token=...&expires=...`` form-encoded (``expires=0``
  with the ``offline_access`` permission: the token never expires) and never issues a
  refresh token; a refused code answers the plain text ``wrong code``;
- write calls take their arguments in the query string and answer ``true`` (or ``{"id": n}``).
"""

from __future__ import annotations

import enum
import math
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import attrs

from playlist_interop.errors import AuthError, NotFound, ProviderError, RateLimited
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._protocol import TrackQuery

__all__ = [
    "API_URL",
    "AUTH_URL",
    "DEFAULT_PERMS",
    "PROVIDER",
    "QUOTA_WINDOW_S",
    "DeezerErrorCode",
    "Page",
    "build_search_query",
    "chunks",
    "error_from_body",
    "parse_page",
    "parse_token_response",
]

PROVIDER = "deezer"
API_URL = "https://api.deezer.com"
AUTH_URL = "https://connect.deezer.com/oauth"
DEFAULT_PERMS: tuple[str, ...] = (
    "basic_access",
    "email",
    "manage_library",
    "delete_library",
    "offline_access",
)
"""Permissions asked at login; ``offline_access`` makes the token non-expiring."""

QUOTA_WINDOW_S = 5.0
"""Deezer allows 50 requests per 5 seconds; a quota error means waiting out this window."""

T = TypeVar("T")


class DeezerErrorCode(enum.IntEnum):
    """The ``code`` values of Deezer's error bodies (developers.deezer.com/api/errors)."""

    QUOTA = 4
    ITEMS_LIMIT_EXCEEDED = 100
    PERMISSION = 200
    TOKEN_INVALID = 300
    PARAMETER = 500
    PARAMETER_MISSING = 501
    QUERY_INVALID = 600
    SERVICE_BUSY = 700
    DATA_NOT_FOUND = 800
    INDIVIDUAL_ACCOUNT_NOT_ALLOWED = 901


def error_from_body(body: object, *, status: int | None = None) -> ProviderError | None:
    """The typed error a decoded Deezer body carries, or ``None`` when it is no error.

    This is the single place where Deezer errors become library errors:

    ========================  ==========================================
    Deezer                    raised as
    ========================  ==========================================
    code 4 (quota)            :class:`RateLimited` (``retry_after`` 5 s)
    code 700 (service busy)   :class:`RateLimited` (``retry_after`` 5 s)
    OAuthException, 200, 300  :class:`AuthError`
    code 800 (no data)        :class:`NotFound`
    anything else             :class:`ProviderError`
    ========================  ==========================================
    """
    if not isinstance(body, dict) or "error" not in body:
        return None
    raw = body["error"]
    if not isinstance(raw, dict):
        return ProviderError(f"error: {raw!r}", provider=PROVIDER, status=status)
    kind = str(raw.get("type") or "Exception")
    message = str(raw.get("message") or "unknown error")
    code = raw.get("code")
    text = f"{kind} {code}: {message}" if code is not None else f"{kind}: {message}"
    if code in (DeezerErrorCode.QUOTA, DeezerErrorCode.SERVICE_BUSY):
        return RateLimited(text, provider=PROVIDER, retry_after=QUOTA_WINDOW_S, status=status)
    if kind == "OAuthException" or code in (
        DeezerErrorCode.PERMISSION,
        DeezerErrorCode.TOKEN_INVALID,
    ):
        return AuthError(text, provider=PROVIDER, status=status)
    if code == DeezerErrorCode.DATA_NOT_FOUND:
        return NotFound(text, provider=PROVIDER, status=status)
    return ProviderError(text, provider=PROVIDER, status=status)


@attrs.frozen
class Page(Generic[T]):
    """One page of a Deezer list."""

    items: list[T]
    """Entries of this page, parsed."""
    total: int | None
    """Size of the whole list, when Deezer says."""
    next_index: int | None
    """``index`` of the next page, or ``None`` on the last page."""
    checksum: str | None = None
    """Playlist checksum, on playlist track pages."""


def _next_index(next_url: str | None, index: int, count: int) -> int | None:
    if not next_url:
        return None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(next_url).query)
    values = query.get("index")
    if values and values[0].isdigit():
        return int(values[0])
    return index + count


def parse_page(body: object, parse_item: Callable[[JsonObject], T], *, index: int = 0) -> Page[T]:
    """Parse a ``{"data", "total", "next"}`` page requested at ``index``.

    The ``next`` URL is only read for its ``index``: requests always go to the configured
    base URL, so a page never sends the client to a host it was not configured for.
    """
    doc = JsonObject.of(body, provider=PROVIDER)
    items = [parse_item(item) for item in doc.objects("data")]
    return Page(
        items=items,
        total=doc.opt_integer("total"),
        next_index=_next_index(doc.opt_string("next"), index, len(items)),
        checksum=doc.opt_string("checksum"),
    )


def parse_token_response(text: str) -> tuple[str, int | None]:
    """Parse the token endpoint's answer into ``(access_token, expires_in)``.

    Deezer answers ``access_token=...&expires=3600`` (form-encoded, even with
    ``output=json`` on some deployments), ``expires=0`` for a non-expiring token, or the
    plain text ``wrong code`` when the code is refused. JSON answers are accepted too.
    """
    stripped = text.strip()
    fields: dict[str, Any]
    if stripped.startswith("{"):
        import json

        try:
            fields = json.loads(stripped)
        except ValueError:
            fields = {}
        if not isinstance(fields, dict):
            fields = {}
        error = error_from_body(fields)
        if error is not None:
            raise AuthError(f"token request refused: {error.message}", provider=PROVIDER)
    else:
        fields = {k: v[0] for k, v in urllib.parse.parse_qs(stripped).items()}
    token = fields.get("access_token")
    if not isinstance(token, str) or not token:
        reason = stripped if len(stripped) < 80 and "access_token" not in stripped else "no token"
        raise AuthError(f"token request refused: {reason or 'empty answer'}", provider=PROVIDER)
    expires_raw = str(fields.get("expires", fields.get("expires_in", "0")) or "0")
    expires = int(expires_raw) if expires_raw.isdigit() else 0
    return token, (expires or None)


def _clean(value: str) -> str:
    """A value safe inside Deezer's double-quoted field syntax."""
    return " ".join(value.replace('"', " ").split())


def build_search_query(query: TrackQuery, *, duration_tolerance_s: int = 10) -> str:
    """Deezer's advanced search syntax for a fielded query.

    ``artist:"..." track:"..." album:"..." dur_min:n dur_max:n``; ``free_text`` is sent as is.
    """
    if query.free_text:
        return query.free_text
    parts: list[str] = []
    if query.artist:
        parts.append(f'artist:"{_clean(query.artist)}"')
    parts.append(f'track:"{_clean(query.title)}"')
    if query.album:
        parts.append(f'album:"{_clean(query.album)}"')
    if query.duration_ms is not None:
        seconds = query.duration_ms / 1000
        parts.append(f"dur_min:{max(0, math.floor(seconds) - duration_tolerance_s)}")
        parts.append(f"dur_max:{math.ceil(seconds) + duration_tolerance_s}")
    return " ".join(parts)


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
