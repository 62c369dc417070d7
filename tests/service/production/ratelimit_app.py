"""A minimal app behind the rate-limit middleware, run as a separate process by the tests."""

from __future__ import annotations

import sys

from aiohttp import web

from playlist_service.api.middlewares.ratelimit import (
    RateLimiter,
    RateLimitRule,
    rate_limit_middleware,
)


def problem(request: web.Request, status: int, title: str, detail: str) -> web.Response:
    return web.json_response(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def build(storage_uri: str | None, key_prefix: str = "playlist_rl") -> web.Application:
    limiter = RateLimiter(
        [
            RateLimitRule("global", "100/minute"),
            RateLimitRule("auth", "10/minute", path_prefixes=("/auth/",)),
        ],
        storage_uri,
        key_prefix=key_prefix,
    )

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(
        middlewares=[
            rate_limit_middleware(limiter, problem=problem, trusted_proxies=["10.0.0.0/8"])
        ]
    )
    app.router.add_get("/items", ok)
    app.router.add_get("/auth/refresh", ok)
    app.router.add_get("/health", ok)
    return app


if __name__ == "__main__":
    port_file, storage, prefix = sys.argv[1], sys.argv[2], sys.argv[3]

    async def announce(app: web.Application) -> None:
        return None

    runner_app = build(storage, prefix)
    web.run_app(runner_app, host="127.0.0.1", port=int(port_file), print=None, access_log=None)
