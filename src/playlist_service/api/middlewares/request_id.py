"""Request ids: accepted from ``X-Request-ID`` when well-formed, else generated.

The id is stored under :data:`playlist_service.keys.REQUEST_ID` and set in the logging
context variable (so every log line of the request carries it); the
:func:`add_request_id_header` signal handler echoes it on every response, streamed ones and
errors included.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from playlist_service import keys
from playlist_service.logging import request_id_var

__all__ = ["REQUEST_ID_HEADER", "add_request_id_header", "request_id_middleware"]

REQUEST_ID_HEADER: Final = "X-Request-ID"
_VALID: Final = re.compile(r"[A-Za-z0-9._:-]{8,128}")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id for the handlers and the log lines."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _VALID.fullmatch(incoming) else uuid.uuid4().hex
    request[keys.REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    try:
        return await handler(request)
    finally:
        request_id_var.reset(token)


async def add_request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` signal: put the request id on the response."""
    request_id = request.get(keys.REQUEST_ID)
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id
