"""``webhook``: POST a finished job's outcome to its webhook URL, signed with HMAC-SHA256.

Each job with a ``webhook_url`` gets its own signing secret, derived from the service's
webhook key and the job id (:func:`webhook_secret`) and returned once when the job is
created. A delivery carries::

    Content-Type: application/json
    X-Playlist-Job: <job id>
    X-Playlist-Delivery: <delivery id, the same on every retry of this delivery>
    X-Playlist-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

Receivers recompute the HMAC over ``"<t>.<raw body>"``, compare in constant time, reject old
``t`` values, and de-duplicate on the delivery id (delivery is at least once).

Deliveries only go to public addresses: a URL naming (or resolving to) a loopback, private,
link-local or otherwise non-global address fails for good, and the HTTP client connects
through :class:`PublicAddressResolver`, so a name that changes its answer between the check
and the connection cannot reach the internal network either. Development setups turn this off
with ``PLAYLIST_SERVICE_WEBHOOK_ALLOW_HTTP=1`` (which also accepts ``http://`` URLs).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from playlist_service.queue import WEBHOOK_KIND, JobNotFound
from playlist_service.worker._context import JobContext, PermanentJobError

__all__ = [
    "WEBHOOK_KIND",
    "PublicAddressResolver",
    "deliver_webhook",
    "is_public_address",
    "sign_webhook",
    "verify_webhook",
    "webhook_body",
    "webhook_secret",
]


def is_public_address(address: str) -> bool:
    """Whether ``address`` (an IP literal) is a global unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return ip.is_global and not ip.is_multicast


class PublicAddressResolver(ThreadedResolver):
    """An aiohttp resolver that only ever answers with public addresses."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve ``host``, keeping the public addresses; ``OSError`` when none is left."""
        answers = await super().resolve(host, port, family)
        public = [answer for answer in answers if is_public_address(answer["host"])]
        if not public:
            raise OSError(f"{host} resolves to no public address")
        return public


async def _check_destination(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError as exc:
            raise ConnectionError(f"cannot resolve the webhook host: {exc}") from exc
        addresses = [str(info[4][0]) for info in infos]
    else:
        addresses = [host]
    if not any(is_public_address(address) for address in addresses):
        raise PermanentJobError(
            "the webhook URL points at a non-public address", code="webhook-address-forbidden"
        )


def webhook_secret(webhook_key: bytes, job_id: str) -> str:
    """The signing secret of one job's webhook (hex)."""
    return hmac.new(webhook_key, b"webhook:" + job_id.encode(), hashlib.sha256).hexdigest()


def sign_webhook(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Playlist-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_webhook(
    secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """Check a signature header as a receiver would (constant-time, within ``tolerance``)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign_webhook(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def webhook_body(job: Any) -> bytes:
    """The JSON document posted for a finished job."""
    document = {
        "id": job.id,
        "kind": job.kind,
        "state": str(job.state),
        "result": job.result,
        "error": job.error,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


async def deliver_webhook(context: JobContext) -> Mapping[str, Any]:
    """Deliver the outcome of the job named in the payload; 2xx counts as delivered.

    Connection errors, time-outs, 408, 429 and 5xx answers are retried with backoff;
    other answers fail the delivery for good.
    """
    services = context.services
    if services.http is None or services.webhook_key is None:
        raise PermanentJobError("webhook delivery is not configured", code="webhooks-disabled")
    try:
        job = await services.queue.get(str(context.job.payload.get("job_id")))
    except JobNotFound as exc:
        raise PermanentJobError("the job is gone", code="job-not-found") from exc
    if not job.webhook_url:
        raise PermanentJobError("the job has no webhook", code="no-webhook")
    if not services.options.webhook_allow_private:
        await _check_destination(job.webhook_url)
    body = webhook_body(job)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "playlist-service-webhooks",
        "X-Playlist-Job": job.id,
        "X-Playlist-Delivery": context.job.id,
        "X-Playlist-Signature": sign_webhook(
            webhook_secret(services.webhook_key, job.id), body, int(time.time())
        ),
    }
    timeout = aiohttp.ClientTimeout(total=services.options.webhook_timeout_seconds)
    try:
        async with services.http.post(
            job.webhook_url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        ) as response:
            status = response.status
    except aiohttp.ClientError as exc:
        raise ConnectionError(f"webhook delivery failed: {type(exc).__name__}") from exc
    if 200 <= status < 300:
        return {"job_id": job.id, "status": status}
    if status in {408, 429} or status >= 500:
        raise ConnectionError(f"webhook receiver answered {status}")
    raise PermanentJobError(f"webhook receiver answered {status}", code="webhook-refused")
