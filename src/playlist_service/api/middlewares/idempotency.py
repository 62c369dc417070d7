"""``Idempotency-Key`` on mutating requests (draft-ietf-httpapi-idempotency-key-header).

- The first request with a key claims it (a short transaction of its own), runs inside a
  :func:`~playlist_service.store.unit_of_work`, and stores its response in that same
  transaction, so the change and the stored response commit together.
- A retry with the same key and the same request (method, path, query and body
  fingerprint) gets the stored response again, marked ``Idempotency-Replayed: true``.
- The same key with a different request: ``422``. While the first request still runs:
  ``409``. A response that carried a refresh token is never stored nor replayed: its
  retries get ``409`` and must refresh again.
- Keys are scoped per user (anonymous requests per client address) and kept 24 hours.
- A request that fails (exception or 5xx) releases its claim, so it can be retried.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeAlias

import sqlalchemy as sa
from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.typedefs import Middleware
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.store import begin, unit_of_work
from playlist_service.store.tables import utcnow
from playlist_service.store.tables_idempotency import idempotency_keys

__all__ = ["IDEMPOTENT_METHODS", "idempotency_middleware", "purge_expired_keys"]

Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]
ProblemFactory: TypeAlias = Callable[[web.Request, int, str, str], web.StreamResponse]
PrincipalOf: TypeAlias = Callable[[web.Request], str]

IDEMPOTENT_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEPT_HEADERS: Final = ("Content-Type", "Location", "Content-Location", "ETag")
_MAX_KEY_LENGTH: Final = 255
_SECRET_MARKERS: Final = (b'"refresh_token"', b"refresh_token=")


def _fingerprint(request: web.Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path_qs.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= _MAX_KEY_LENGTH and all(0x20 < ord(c) < 0x7F for c in key)


def _rewind(request: web.Request, body: bytes) -> None:
    """Let the handler read the body again, as a stream too (``request.content``).

    ``request.read()`` caches the bytes, but streaming readers (multipart uploads, bounded
    reads) consume ``request.content``, which reading emptied: give it a fresh stream holding
    the same bytes. aiohttp has no public way to do this, hence the private attribute.
    """
    stream = StreamReader(request.protocol, 2**16, loop=asyncio.get_running_loop())
    if body:
        stream.feed_data(body)
    stream.feed_eof()
    request._payload = stream


def _replay(row: sa.Row[Any]) -> web.Response:
    headers = dict(row.headers or {})
    headers["Idempotency-Replayed"] = "true"
    return web.Response(status=row.status, body=row.body or b"", headers=headers)


def idempotency_middleware(
    engine_of: Callable[[web.Request], AsyncEngine],
    principal_of: PrincipalOf,
    *,
    problem: ProblemFactory,
    retention: dt.timedelta = dt.timedelta(hours=24),
    lock_timeout: dt.timedelta = dt.timedelta(minutes=2),
) -> Middleware:
    """Build the middleware.

    Args:
        engine_of: The database engine for a request (the app's).
        principal_of: Whose key space a request uses (user id, or ``anon:<address>``).
        problem: ``problem(request, status, title, detail)`` shapes error responses.
        retention: How long a key is remembered.
        lock_timeout: How long a claim by a request that never finished blocks the key.
    """

    async def claim(
        engine: AsyncEngine, principal: str, key: str, fingerprint: str, request: web.Request
    ) -> sa.Row[Any] | None:
        """Insert the claim; return the existing row when the key is taken."""
        now = utcnow()
        values = {
            "principal": principal,
            "key": key,
            "fingerprint": fingerprint,
            "method": request.method,
            "path": request.path[:2048],
            "state": "processing",
            "replayable": True,
            "created_at": now,
            "locked_until": now + lock_timeout,
            "expires_at": now + retention,
        }
        where = (idempotency_keys.c.principal == principal) & (idempotency_keys.c.key == key)
        for _ in range(3):
            try:
                async with engine.begin() as conn:
                    await conn.execute(idempotency_keys.insert().values(values))
            except IntegrityError:
                async with engine.begin() as conn:
                    row = (await conn.execute(sa.select(idempotency_keys).where(where))).first()
                    if row is None:
                        continue  # purged meanwhile: claim again
                    abandoned = (
                        row.state == "processing"
                        and row.locked_until <= now
                        and row.fingerprint == fingerprint
                    )
                    if row.expires_at <= now or abandoned:
                        # Take over an expired key, or the claim of a request that died.
                        taken = await conn.execute(
                            idempotency_keys.update()
                            .where(where & (idempotency_keys.c.locked_until == row.locked_until))
                            .values(values)
                        )
                        if taken.rowcount == 1:
                            return None
                        continue
                    return row
            else:
                return None
        raise web.HTTPServiceUnavailable(reason="idempotency key is contended")

    async def release(engine: AsyncEngine, principal: str, key: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(
                idempotency_keys.delete().where(
                    (idempotency_keys.c.principal == principal)
                    & (idempotency_keys.c.key == key)
                    & (idempotency_keys.c.state == "processing")
                )
            )

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method not in IDEMPOTENT_METHODS:
            return await handler(request)
        key = key.strip().strip('"')
        if not _valid_key(key):
            return problem(
                request, 400, "Bad Request", "Idempotency-Key must be 1-255 visible ASCII chars"
            )
        engine = engine_of(request)
        principal = principal_of(request)[:80]
        body = await request.read()
        _rewind(request, body)
        fingerprint = _fingerprint(request, body)
        existing = await claim(engine, principal, key, fingerprint, request)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                return problem(
                    request,
                    422,
                    "Unprocessable Content",
                    "this Idempotency-Key was used for a different request",
                )
            if existing.state == "processing":
                return problem(
                    request, 409, "Conflict", "a request with this Idempotency-Key is in progress"
                )
            if not existing.replayable:
                return problem(
                    request,
                    409,
                    "Conflict",
                    "the response to this Idempotency-Key carried credentials and is not "
                    "replayed; start the operation again",
                )
            return _replay(existing)

        try:
            async with unit_of_work(engine) as unit:
                response = await handler(request)
                if response.status >= 500 or not isinstance(response, web.Response):
                    await unit.rollback()
                    await release(engine, principal, key)
                    return response
                response_body = response.body if isinstance(response.body, bytes) else b""
                replayable = not any(marker in response_body for marker in _SECRET_MARKERS)
                headers = {h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers}
                async with begin(engine) as conn:
                    await conn.execute(
                        idempotency_keys.update()
                        .where(
                            (idempotency_keys.c.principal == principal)
                            & (idempotency_keys.c.key == key)
                        )
                        .values(
                            state="done",
                            status=response.status,
                            headers=headers,
                            body=response_body if replayable else None,
                            replayable=replayable,
                        )
                    )
                await unit.commit()
                return response
        except BaseException:
            await release(engine, principal, key)
            raise

    return middleware


async def purge_expired_keys(engine: AsyncEngine, *, now: dt.datetime | None = None) -> int:
    """Delete remembered keys past their retention; returns how many."""
    async with engine.begin() as conn:
        result = await conn.execute(
            idempotency_keys.delete().where(idempotency_keys.c.expires_at <= (now or utcnow()))
        )
    return int(result.rowcount or 0)
