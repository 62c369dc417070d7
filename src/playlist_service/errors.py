"""Problem Details (RFC 9457): every error leaves the service as ``application/problem+json``.

Handlers raise :class:`ProblemError` (or one of aiohttp's ``HTTPException`` classes, or a
library error); :func:`problem_middleware` turns whatever escapes into a problem document::

    {"type": "urn:playlist-service:problem:session-expired", "title": "Unauthorized",
     "status": 401, "detail": "...", "code": "session-expired", "request_id": "..."}

``code`` is a stable machine-readable slug (also the tail of ``type``); ``about:blank`` is
used when there is nothing more specific than the status. Library errors map in one place,
:func:`problem_from_library_error`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from playlist_interop.errors import (
    AuthError,
    CapabilityError,
    NotFound,
    PlaylistFormatError,
    PlaylistInteropError,
    ProviderError,
    QuotaExceeded,
    RateLimited,
)
from playlist_service import keys

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "ProblemError",
    "problem_from_library_error",
    "problem_middleware",
    "problem_response",
]

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"
_TYPE_PREFIX: Final = "urn:playlist-service:problem:"
_log = logging.getLogger(__name__)

# Headers of an aiohttp HTTPException worth keeping on the problem response.
_KEPT_HEADERS: Final = ("Allow", "Retry-After", "WWW-Authenticate", "Location")


class ProblemError(Exception):
    """An error to answer with a problem document.

    Args:
        status: HTTP status code.
        code: Stable slug naming the problem (``"refresh-token-reused"``); becomes ``type``.
        detail: Human-readable explanation of this occurrence (never a secret).
        title: Short summary; defaults to the status phrase.
        headers: Extra response headers (``Retry-After``, ``WWW-Authenticate``...).
        extensions: Extra members of the document (``errors``, ``retry_after``...).
    """

    def __init__(
        self,
        status: int,
        code: str | None = None,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})
        super().__init__(f"{status} {code or ''}: {detail or ''}")

    def to_response(self, request_id: str | None = None) -> web.Response:
        """Render this problem as a response."""
        return problem_response(
            self.status,
            code=self.code,
            detail=self.detail,
            title=self.title,
            headers=self.headers,
            extensions=self.extensions,
            request_id=request_id,
        )


def problem_response(
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> web.Response:
    """Build an ``application/problem+json`` response."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "type": _TYPE_PREFIX + code if code else "about:blank",
        "title": title or phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    if request_id:
        body["request_id"] = request_id
    for key, value in (extensions or {}).items():
        body.setdefault(key, value)
    response = web.Response(
        status=status,
        body=json.dumps(body, separators=(",", ":")).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_from_library_error(exc: PlaylistInteropError) -> ProblemError:
    """Map a library error to the problem the client sees (the one place this happens)."""
    if isinstance(exc, PlaylistFormatError):
        position = {
            key: value
            for key, value in (("codec", exc.codec), ("line", exc.line), ("column", exc.column))
            if value is not None
        }
        return ProblemError(422, "invalid-playlist-file", str(exc), extensions=position)
    if isinstance(exc, ProviderError):
        extensions: dict[str, Any] = {"provider": exc.provider}
        if isinstance(exc, RateLimited):
            headers = {}
            if exc.retry_after is not None:
                extensions["retry_after"] = exc.retry_after
                headers["Retry-After"] = str(max(1, round(exc.retry_after)))
            return ProblemError(
                503,
                "provider-rate-limited",
                f"{exc.provider} is rate limiting requests; try again later",
                headers=headers,
                extensions=extensions,
            )
        if isinstance(exc, QuotaExceeded):
            return ProblemError(503, "provider-quota-exceeded", str(exc), extensions=extensions)
        if isinstance(exc, AuthError):
            return ProblemError(
                403,
                "provider-reauthorization-required",
                f"{exc.provider} refused the linked account's credentials; sign in again",
                extensions=extensions,
            )
        if isinstance(exc, NotFound):
            return ProblemError(404, "provider-not-found", exc.message, extensions=extensions)
        if isinstance(exc, CapabilityError):
            return ProblemError(
                422, "provider-capability-missing", exc.message, extensions=extensions
            )
        if exc.status is not None:
            extensions["provider_status"] = exc.status
        return ProblemError(502, "provider-error", exc.message, extensions=extensions)
    return ProblemError(500, "internal-error", "the request could not be completed")


def _from_http_exception(exc: web.HTTPException) -> ProblemError:
    headers = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
    detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
    code = {
        404: "not-found",
        405: "method-not-allowed",
        413: "payload-too-large",
        415: "unsupported-media-type",
    }.get(exc.status)
    return ProblemError(exc.status, code, detail, title=exc.reason, headers=headers)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error (raised or returned) into ``application/problem+json``."""
    request_id = request.get(keys.REQUEST_ID)
    try:
        response = await handler(request)
    except ProblemError as exc:
        return exc.to_response(request_id)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and other non-errors pass through
            raise
        return _from_http_exception(exc).to_response(request_id)
    except HttpProcessingError as exc:  # malformed input met while reading a body
        status = exc.code if 400 <= exc.code < 500 else 400
        return ProblemError(
            status, "malformed-request", "the request body is malformed"
        ).to_response(request_id)
    except PlaylistInteropError as exc:
        problem = problem_from_library_error(exc)
        if problem.status >= 500:
            _log.warning("library error on %s %s: %r", request.method, request.path, exc)
        return problem.to_response(request_id)
    except asyncio.CancelledError:
        raise
    except ConnectionResetError:
        # The client went away while we read its body: nobody to answer, nothing broken.
        _log.info("client disconnected during %s %s", request.method, request.path)
        raise
    except Exception:  # noqa: BLE001 - the last line of defence: answer 500, log it
        _log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(
            500,
            code="internal-error",
            detail="the request could not be completed",
            request_id=request_id,
        )
    if (
        response.status >= 400
        and not response.prepared
        and response.content_type != PROBLEM_CONTENT_TYPE
        and isinstance(response, web.Response)
    ):
        text = response.text if response.body is not None else None
        return problem_response(
            response.status,
            detail=text if text and not text.startswith(f"{response.status}:") else None,
            request_id=request_id,
            headers={n: response.headers[n] for n in _KEPT_HEADERS if n in response.headers},
        )
    return response
