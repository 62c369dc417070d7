"""Prometheus metrics: request durations and statuses, OAuth and refresh outcomes, jobs.

Each application gets its own :class:`ServiceMetrics` (its own registry), so tests and
several apps in one process never share counters. ``/metrics`` serves the text exposition
format; its content type goes through ``headers=`` because aiohttp's ``content_type=``
refuses the ``version=`` parameter Prometheus needs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["ServiceMetrics", "metrics_handler", "metrics_middleware", "metrics_response"]

Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ServiceMetrics:
    """The service's metric families in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_duration = Histogram(
            "playlist_http_request_duration_seconds",
            "Time to serve an HTTP request.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.responses = Counter(
            "playlist_http_responses",
            "HTTP responses by status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.oauth_logins = Counter(
            "playlist_oauth_logins",
            "Provider logins by outcome (success, failure).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.token_refreshes = Counter(
            "playlist_token_refreshes",
            "Session and provider token refreshes by kind and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "playlist_jobs",
            "Jobs by kind and final state (succeeded, failed, dead, cancelled).",
            ["kind", "state"],
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "playlist_job_duration_seconds",
            "Time from a job's claim to its end.",
            ["kind"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
        )
        self.jobs_queued = Gauge(
            "playlist_jobs_queued", "Jobs waiting to be claimed.", registry=self.registry
        )

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    if resource is None:
        return "unmatched"
    return resource.canonical


def metrics_middleware(
    metrics: ServiceMetrics,
) -> Middleware:
    """Time every request and count its status by route template (not raw path)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            status = exc.status
            raise
        else:
            status = response.status
            return response
        finally:
            route = _route_name(request)
            metrics.request_duration.labels(request.method, route).observe(
                time.perf_counter() - started
            )
            metrics.responses.labels(request.method, route, str(status)).inc()

    return middleware


def metrics_response(metrics: ServiceMetrics) -> web.Response:
    """``metrics`` in Prometheus' text format, with its exact content type."""
    # Through headers=: aiohttp's content_type= refuses Prometheus' version= parameter.
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_handler(metrics: ServiceMetrics) -> Handler:
    """A handler serving ``metrics`` for ``GET /metrics``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return metrics_response(metrics)

    return handler
