"""Cross-cutting aiohttp middlewares: rate limits, CORS, metrics."""

from playlist_service.api.middlewares.cors import cors_middleware
from playlist_service.api.middlewares.metrics import (
    ServiceMetrics,
    metrics_handler,
    metrics_middleware,
    metrics_response,
)
from playlist_service.api.middlewares.ratelimit import (
    RateLimitDecision,
    RateLimiter,
    RateLimitRule,
    client_address,
    rate_limit_middleware,
)

__all__ = [
    "RateLimitDecision",
    "RateLimitRule",
    "RateLimiter",
    "ServiceMetrics",
    "client_address",
    "cors_middleware",
    "metrics_handler",
    "metrics_middleware",
    "metrics_response",
    "rate_limit_middleware",
]
