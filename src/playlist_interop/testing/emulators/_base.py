"""Plumbing shared by the loopback provider emulators.

An emulator is an aiohttp application served on ``127.0.0.1`` at a port the OS picks, with:

- a request log (:class:`RecordedRequest`; credentials are never stored, only whether they
  were sent);
- fault injection (:class:`Faults`): 429 with ``Retry-After``, 5xx, malformed JSON and
  truncated bodies, for the next *n* matching requests;
- an optional server-side rate limit (``rate_limit`` requests per second, ``rate_burst``)
  answering 429 with the ``Retry-After`` that frees a slot;
- an OAuth token store (:class:`TokenStore`): authorization codes bound to a PKCE challenge,
  access tokens that expire (or are expired on demand), refresh tokens that rotate;
- a subclass hook, :meth:`Emulator.add_routes`, for the provider's own endpoints.
"""

from __future__ import annotations

import abc
import base64
import hashlib
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar, Self

import attrs
from aiohttp import web

__all__ = [
    "AccessGrant",
    "Emulator",
    "Fault",
    "Faults",
    "RecordedRequest",
    "TokenStore",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class RecordedRequest:
    """One request the emulator received (without its credentials)."""

    method: str
    """HTTP method."""
    path: str
    """URL path."""
    query: dict[str, str]
    """Query parameters (last value wins)."""
    authorized: bool
    """Whether an ``Authorization`` header was sent."""
    body: bytes = attrs.field(repr=False)
    """Raw request body."""


@attrs.define
class Fault:
    """A misbehaviour applied to the next ``remaining`` requests whose path starts with ``path``."""

    kind: str
    """``"status"``, ``"malformed"`` or ``"truncated"``."""
    remaining: int
    """How many more requests it applies to."""
    status: int = 200
    """Status to answer with (``"status"`` faults)."""
    retry_after: str | None = None
    """``Retry-After`` header value, if any."""
    path: str | None = None
    """Path prefix the fault is limited to; ``None`` for every path."""
    methods: frozenset[str] | None = None
    """Methods the fault is limited to; ``None`` for all."""


class Faults:
    """Queue of injected misbehaviours; the first matching fault is applied and used up."""

    def __init__(self) -> None:
        self._queue: list[Fault] = []

    def rate_limit(
        self,
        count: int = 1,
        *,
        retry_after: float | str | None = 1,
        path: str | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests with 429 and ``Retry-After``."""
        value = None
        if retry_after is not None:
            value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        self._add(Fault("status", count, 429, value, path, _methods(methods)))

    def server_error(
        self,
        count: int = 1,
        *,
        status: int = 503,
        path: str | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests with a 5xx status."""
        self._add(Fault("status", count, status, None, path, _methods(methods)))

    def malformed(self, count: int = 1, *, path: str | None = None) -> None:
        """Answer the next ``count`` requests with 200 and a body that is not JSON."""
        self._add(Fault("malformed", count, 200, None, path))

    def truncated(self, count: int = 1, *, path: str | None = None) -> None:
        """Answer the next ``count`` requests with a body cut short and the connection closed."""
        self._add(Fault("truncated", count, 200, None, path))

    def clear(self) -> None:
        """Forget every pending fault."""
        self._queue.clear()

    @property
    def pending(self) -> int:
        """Requests still to be disturbed."""
        return sum(f.remaining for f in self._queue)

    def _add(self, fault: Fault) -> None:
        if fault.remaining > 0:
            self._queue.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any (used up by one)."""
        for fault in self._queue:
            if fault.path is not None and not path.startswith(fault.path):
                continue
            if fault.methods is not None and method not in fault.methods:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._queue.remove(fault)
            return fault
        return None


def _methods(methods: Iterable[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.upper() for m in methods)


@attrs.define
class AccessGrant:
    """What an access or refresh token stands for."""

    client_id: str
    """Client the token was issued to."""
    user_id: str
    """User who consented."""
    scope: tuple[str, ...]
    """Granted scopes."""
    expires_at: float = 0.0
    """Expiry (``time.time()`` seconds) of an access token."""


@attrs.define
class _Code:
    grant: AccessGrant
    redirect_uri: str
    challenge: str
    method: str
    expires_at: float


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenStore:
    """Authorization codes, access tokens and rotating refresh tokens of one emulator.

    Args:
        lifetime: Seconds an access token lives.
        rotate_refresh: Issue a new refresh token on every refresh and revoke the old one.
        clock: Current time in seconds (tests may inject one).
    """

    def __init__(
        self,
        *,
        lifetime: float = 3600,
        rotate_refresh: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lifetime = lifetime
        self.rotate_refresh = rotate_refresh
        self.clock = clock
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, AccessGrant] = {}
        self._refresh: dict[str, AccessGrant] = {}
        self.refreshes = 0
        self.issued: list[str] = []
        """Every token string ever issued (tests assert none leaks into logs or cassettes)."""

    def issue_code(
        self,
        grant: AccessGrant,
        *,
        redirect_uri: str,
        challenge: str,
        method: str = "S256",
    ) -> str:
        """Create a one-time authorization code bound to a PKCE challenge."""
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(grant, redirect_uri, challenge, method, self.clock() + 600)
        self.issued.append(code)
        return code

    def redeem_code(
        self, code: str, *, client_id: str, redirect_uri: str, verifier: str | None
    ) -> AccessGrant | str:
        """The grant of a valid code, or the reason it is refused (RFC 6749 error text)."""
        entry = self._codes.pop(code, None)
        if entry is None or entry.expires_at < self.clock():
            return "Invalid authorization code"
        if entry.grant.client_id != client_id:
            return "Invalid client"
        if entry.redirect_uri != redirect_uri:
            return "Invalid redirect URI"
        if entry.challenge:
            if not verifier:
                return "code_verifier required"
            if entry.method != "S256" or _s256(verifier) != entry.challenge:
                return "code_verifier was incorrect"
        return entry.grant

    def issue(self, grant: AccessGrant, *, with_refresh: bool = True) -> dict[str, Any]:
        """Mint tokens for ``grant``; returns the RFC 6749 token response body."""
        access = secrets.token_urlsafe(32)
        now = self.clock()
        self._access[access] = attrs.evolve(grant, expires_at=now + self.lifetime)
        self.issued.append(access)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.lifetime),
            "scope": " ".join(grant.scope),
        }
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            self._refresh[refresh] = grant
            self.issued.append(refresh)
            body["refresh_token"] = refresh
        return body

    def refresh(self, refresh_token: str, *, client_id: str) -> dict[str, Any] | str:
        """Trade a refresh token (rotating it when configured), or say why not."""
        grant = self._refresh.get(refresh_token)
        if grant is None:
            return "Refresh token revoked"
        if grant.client_id != client_id:
            return "Invalid client"
        self.refreshes += 1
        if self.rotate_refresh:
            del self._refresh[refresh_token]
            return self.issue(grant, with_refresh=True)
        return self.issue(grant, with_refresh=False)

    def check(self, access_token: str) -> AccessGrant | str:
        """The grant of a live access token, or ``"expired"``/``"invalid"``."""
        grant = self._access.get(access_token)
        if grant is None:
            return "invalid"
        if grant.expires_at <= self.clock():
            return "expired"
        return grant

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expire now (refresh tokens stay valid)."""
        for token, grant in self._access.items():
            self._access[token] = attrs.evolve(grant, expires_at=0.0)

    def revoke_all(self) -> None:
        """Forget every token and code."""
        self._codes.clear()
        self._access.clear()
        self._refresh.clear()


class Emulator(abc.ABC):
    """A provider emulator served on a loopback port; use it as an async context manager.

    Subclasses set :attr:`provider`, implement :meth:`add_routes` and may override
    :meth:`error_response` (the provider's error body shape) and :meth:`is_api_path`.
    """

    provider: ClassVar[str] = ""

    def __init__(
        self,
        *,
        token_lifetime: float = 3600,
        host: str = "127.0.0.1",
        rate_limit: float | None = None,
        rate_burst: int = 1,
    ) -> None:
        self.host = host
        self.rate_limit = rate_limit
        """Requests per second the API accepts (``None``: no limit); past it, 429."""
        self.rate_burst = max(1, rate_burst)
        """Requests accepted back to back before the rate applies."""
        self.rate_limited = 0
        """Requests the rate limiter refused."""
        self._tat = 0.0
        self.requests: list[RecordedRequest] = []
        self.faults = Faults()
        self.tokens = TokenStore(lifetime=token_lifetime)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start listening on a free port (idempotent)."""
        if self._runner is not None:
            return self
        runner = web.AppRunner(self.create_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        assert runner.addresses, "the site did not bind"
        self._port = int(runner.addresses[0][1])
        self._runner = runner
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self._port}"

    # -- application -----------------------------------------------------------------------

    def create_app(self) -> web.Application:
        """The aiohttp application: request log and fault middlewares, then the routes."""
        app = web.Application(
            middlewares=[self._record_middleware, self._rate_middleware, self._fault_middleware]
        )
        self.add_routes(app)
        return app

    @abc.abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """Register the provider's endpoints on ``app``."""

    def error_response(self, status: int, message: str) -> web.Response:
        """An error in the provider's wire format (override per provider)."""
        return web.json_response({"error": {"status": status, "message": message}}, status=status)

    def is_api_path(self, path: str) -> bool:
        """Whether injected faults may apply to ``path`` (default: every path)."""
        return True

    def is_rate_limited_path(self, path: str) -> bool:
        """Whether the ``rate_limit`` applies to ``path`` (default: :meth:`is_api_path`)."""
        return self.is_api_path(path)

    @web.middleware
    async def _record_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                authorized="Authorization" in request.headers,
                body=body,
            )
        )
        return await handler(request)

    @web.middleware
    async def _rate_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A server-side rate limit (GCRA): over it, 429 with the seconds until a slot frees."""
        if self.rate_limit is None or not self.is_rate_limited_path(request.path):
            return await handler(request)
        interval = 1.0 / self.rate_limit
        now = time.monotonic()
        tat = max(self._tat, now)
        early = tat - now - (self.rate_burst - 1) * interval
        if early > 0:
            self.rate_limited += 1
            error = self.error_response(429, "API rate limit exceeded")
            error.headers["Retry-After"] = str(max(1, math.ceil(early)))
            return error
        self._tat = tat + interval
        return await handler(request)

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self.is_api_path(request.path):
            return await handler(request)
        fault = self.faults.take(request.method, request.path)
        if fault is None:
            return await handler(request)
        if fault.kind == "malformed":
            return web.Response(
                status=200, body=b'{"items": [{"id": ', content_type="application/json"
            )
        if fault.kind == "truncated":
            response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
            response.content_length = 4096
            await response.prepare(request)
            await response.write(b'{"href": "truncated", "items": [')
            if request.transport is not None:
                request.transport.close()
            return response
        message = "API rate limit exceeded" if fault.status == 429 else "Service unavailable"
        error = self.error_response(fault.status, message)
        if fault.retry_after is not None:
            error.headers["Retry-After"] = fault.retry_after
        return error

    # -- helpers for subclasses and tests --------------------------------------------------

    def request_count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests received, optionally only of one method and/or under a path prefix."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path.startswith(path))
        )

    def bearer_grant(self, request: web.Request) -> AccessGrant | web.Response:
        """The grant of the request's bearer token, or the 401 to answer with."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return self.error_response(401, "No token provided")
        grant = self.tokens.check(token.strip())
        if grant == "expired":
            return self.error_response(401, "The access token expired")
        if isinstance(grant, str):
            return self.error_response(401, "Invalid access token")
        return grant
