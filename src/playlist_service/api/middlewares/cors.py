"""CORS for an allow-list of browser origins.

Only origins in the allow-list get ``Access-Control-Allow-Origin`` (echoed, never ``*``, since
requests carry credentials); preflights from other origins get 403 with no CORS headers, so
the browser blocks the call. Responses always carry ``Vary: Origin`` so caches keep them apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeAlias

from aiohttp import web
from aiohttp.typedefs import Middleware

__all__ = ["cors_middleware"]

Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]

_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-ID"
_EXPOSE_HEADERS = "RateLimit, RateLimit-Policy, Retry-After, X-Request-ID, Location"


def cors_middleware(allowed_origins: Iterable[str], *, max_age: int = 600) -> Middleware:
    """Build the middleware for exact origins such as ``https://app.example.com``."""
    allowed = frozenset(origin.rstrip("/").lower() for origin in allowed_origins)

    def cors_headers(origin: str) -> dict[str, str]:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": _EXPOSE_HEADERS,
        }

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        permitted = origin is not None and origin.rstrip("/").lower() in allowed
        preflight = (
            request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        )
        if preflight:
            if not permitted or origin is None:
                return web.Response(status=403, headers={"Vary": "Origin"})
            headers = cors_headers(origin)
            headers.update(
                {
                    "Access-Control-Allow-Methods": _ALLOW_METHODS,
                    "Access-Control-Allow-Headers": _ALLOW_HEADERS,
                    "Access-Control-Max-Age": str(max_age),
                    "Vary": "Origin",
                }
            )
            return web.Response(status=204, headers=headers)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if permitted and origin is not None:
                exc.headers.update(cors_headers(origin))
            exc.headers["Vary"] = "Origin"
            raise
        if permitted and origin is not None and not response.prepared:
            response.headers.update(cors_headers(origin))
        if not response.prepared:
            response.headers["Vary"] = "Origin"
        return response

    return middleware
