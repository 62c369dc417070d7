"""JSON logs with request ids and secrets redacted, and an access log without query strings.

Every record passes through :class:`RedactingFilter` before it is formatted, so a token that
reaches a log call by accident (in the message, its arguments or an exception) is replaced
by ``[REDACTED]``. The access logger prints the request path only: OAuth callbacks carry
``code`` and ``state`` in the query string, which must never reach a log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from typing import Any, Final

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

__all__ = [
    "REDACTED",
    "AccessLogger",
    "JsonFormatter",
    "RedactingFilter",
    "configure_logging",
    "redact",
    "request_id_var",
]

REDACTED: Final = "[REDACTED]"

request_id_var: ContextVar[str | None] = ContextVar("playlist_request_id", default=None)
"""The id of the request being served, set by the request-id middleware."""

_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|client_secret|code_verifier|code|password|secret|"  # noqa: S105
    r"api_key|apikey|token|session|cookie|set-cookie|authorization|x-api-key"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer abc / Basic abc (headers, reprs)
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"), rf"\1 {REDACTED}"),
    # key=value in query strings and form bodies
    (re.compile(rf"(?i)(?<![A-Za-z0-9_])({_SECRET_NAMES})=([^&\s\"',;]+)"), rf"\1={REDACTED}"),
    # "key": "value" and 'key': 'value' in JSON and dict reprs
    (
        re.compile(rf"(?i)([\"'](?:{_SECRET_NAMES})[\"']\s*:\s*)([\"'])(?:\\.|(?!\2).)*\2"),
        rf"\1\2{REDACTED}\2",
    ),
    # Cookie / Authorization header lines
    (re.compile(r"(?i)\b((?:set-)?cookie|authorization)(\s*[:=]\s*)[^\r\n]+"), rf"\1\2{REDACTED}"),
    # JSON web tokens anywhere
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
)


def redact(text: str) -> str:
    """Replace every secret-looking value in ``text`` by ``[REDACTED]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrub secrets from a record's message, arguments and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _redact_values(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_values(item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        payload.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRS and key != "request_id" and not key.startswith("_")
        )
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(_redact_values(payload), default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", *, stream: Any = None) -> logging.Handler:
    """Send every log record, redacted, as JSON lines to ``stream`` (stderr by default).

    Returns the installed handler (tests attach to it). Calling it again replaces the
    handler it installed before.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_playlist_service", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    handler._playlist_service = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


class AccessLogger(AbstractAccessLogger):
    """aiohttp access log: method, path without query string, status, time, request id."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "duration_ms": round(time * 1000, 2),
                "request_id": response.headers.get("X-Request-Id"),
                "remote": request.remote,
            },
        )
