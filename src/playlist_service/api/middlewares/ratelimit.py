"""Per-client rate limits with IETF ``RateLimit`` headers and ``429`` + ``Retry-After``.

Limits are counted in a moving window by the ``limits`` library: in process memory by
default, in Redis (``storage_uri="redis://..."``) when several API processes must share
them. A request is counted against every rule whose path prefix matches it (the global rule
matches all), and the headers report the rule closest to its limit.

The client is the peer address, unless the peer is one of the configured trusted proxies:
then ``X-Forwarded-For`` is walked from the right, skipping trusted proxies, and the first
untrusted address is the client. Without trusted proxies the header is ignored, so clients
cannot choose their own bucket.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeAlias

import attrs
from aiohttp import web
from aiohttp.typedefs import Middleware
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

__all__ = [
    "RateLimitDecision",
    "RateLimitRule",
    "RateLimiter",
    "client_address",
    "rate_limit_middleware",
]

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]
ProblemFactory: TypeAlias = Callable[[web.Request, int, str, str], web.StreamResponse]


def _parse_limit(value: str | RateLimitItem) -> RateLimitItem:
    return parse(value) if isinstance(value, str) else value


@attrs.frozen
class RateLimitRule:
    """A limit such as ``100/minute`` applied to requests under some path prefixes."""

    name: str
    """Policy name shown in the ``RateLimit`` headers."""
    limit: RateLimitItem = attrs.field(converter=_parse_limit)
    """The amount per window (``"10/minute"`` or a ``limits`` item)."""
    path_prefixes: tuple[str, ...] = ()
    """Paths the rule applies to; empty means every path."""

    def applies_to(self, path: str) -> bool:
        """Whether a request to ``path`` counts against this rule."""
        if not self.path_prefixes:
            return True
        return any(path == p.rstrip("/") or path.startswith(p) for p in self.path_prefixes)


@attrs.frozen
class RateLimitDecision:
    """The outcome of counting one request against one rule."""

    rule: RateLimitRule
    """The rule."""
    allowed: bool
    """False when the request exceeds the limit."""
    remaining: int
    """Requests left in the window after this one."""
    reset_after: float
    """Seconds until the window frees capacity."""


class RateLimiter:
    """Counts requests per client and rule in memory or Redis."""

    def __init__(
        self,
        rules: Sequence[RateLimitRule],
        storage_uri: str | None = None,
        *,
        key_prefix: str = "playlist_rl",
    ) -> None:
        self.rules = tuple(rules)
        self._storage: Storage
        if storage_uri:
            uri = storage_uri.replace("redis://", "async+redis://", 1)
            self._storage = RedisStorage(uri, implementation="redispy", key_prefix=key_prefix)
        else:
            self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)

    async def hit(self, client: str, path: str) -> list[RateLimitDecision]:
        """Count a request by ``client`` to ``path`` against every rule that applies."""
        decisions = []
        for rule in self.rules:
            if not rule.applies_to(path):
                continue
            allowed = await self._limiter.hit(rule.limit, rule.name, client)
            stats = await self._limiter.get_window_stats(rule.limit, rule.name, client)
            decisions.append(
                RateLimitDecision(
                    rule=rule,
                    allowed=allowed,
                    remaining=max(0, stats.remaining),
                    reset_after=max(0.0, stats.reset_time - time.time()),
                )
            )
            if not allowed:
                break
        return decisions

    async def reset(self) -> None:
        """Forget every count (tests, operators)."""
        await self._storage.reset()

    async def check(self) -> bool:
        """Whether the storage answers (for ``/ready``)."""
        return bool(await self._storage.check())


def _networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def client_address(request: web.BaseRequest, trusted_proxies: Sequence[Network]) -> str:
    """The client's IP: the peer, or the first untrusted hop of ``X-Forwarded-For``."""
    peer = request.remote or "unknown"

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted_proxies)

    if not trusted_proxies or not trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return hops[0] if hops else peer


def _headers(decision: RateLimitDecision) -> dict[str, str]:
    rule = decision.rule
    window = int(rule.limit.get_expiry())
    reset = math.ceil(decision.reset_after)
    return {
        "RateLimit-Policy": f'"{rule.name}";q={rule.limit.amount};w={window}',
        "RateLimit": f'"{rule.name}";r={decision.remaining};t={reset}',
    }


def rate_limit_middleware(
    limiter: RateLimiter,
    *,
    problem: ProblemFactory,
    trusted_proxies: Iterable[str] = (),
    exempt_paths: Iterable[str] = ("/health", "/ready", "/metrics"),
) -> Middleware:
    """Build the middleware; ``problem(request, status, title, detail)`` shapes the 429."""
    networks = _networks(trusted_proxies)
    exempt = frozenset(exempt_paths)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in exempt or request.method == "OPTIONS":
            return await handler(request)
        client = client_address(request, networks)
        decisions = await limiter.hit(client, request.path)
        if not decisions:
            return await handler(request)
        denied = next((d for d in decisions if not d.allowed), None)
        shown = denied or min(decisions, key=lambda d: d.remaining)
        headers = _headers(shown)
        if denied is not None:
            retry_after = max(1, math.ceil(denied.reset_after))
            response = problem(
                request,
                429,
                "Too Many Requests",
                f"rate limit {denied.rule.name} exceeded; retry in {retry_after} s",
            )
            response.headers.update(headers)
            response.headers["Retry-After"] = str(retry_after)
            return response
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    return middleware
