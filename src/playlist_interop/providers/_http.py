"""The one HTTP core every provider adapter shares (and the only module importing ``httpx``).

:class:`HttpCore` wraps an ``httpx.AsyncClient`` with:

- an injectable ``transport`` (loopback emulators, ``httpx.MockTransport``, vcrpy);
- retries on a predicate (429, 503 always; other 5xx and broken connections only for
  idempotent requests), never on bare ``Exception``, waiting what ``Retry-After`` says
  (seconds or an HTTP date) and otherwise a capped exponential backoff with jitter;
- a total-wait cap: when the next wait would cross it, :class:`RateLimited` is raised instead
  of sleeping for an hour;
- a per-provider :class:`RequestBudget` (a request count and an optional rate);
- request counting in :class:`RequestStats`, which tests and benchmarks assert;
- a testing switch (:func:`set_testing`) that turns real sleeping off while keeping every
  wait in the accounting, like stamina's;
- logs with secrets redacted (:func:`redact`);
- one error-mapping hook per adapter (:data:`ErrorMapper`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import importlib.metadata
import json
import logging
import math
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol, TypeAlias

import attrs
import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from playlist_interop.errors import (
    AuthError,
    NotFound,
    ProviderError,
    QuotaExceeded,
    RateLimited,
)

__all__ = [
    "DEFAULT_RETRY",
    "Credentials",
    "ErrorMapper",
    "HttpCore",
    "HttpResponse",
    "MockTransport",
    "RequestBudget",
    "RequestStats",
    "RetryPolicy",
    "Transport",
    "default_error_mapper",
    "is_testing",
    "parse_retry_after",
    "redact",
    "resolve_base_url",
    "set_testing",
]

logger = logging.getLogger("playlist_interop.providers.http")

Transport: TypeAlias = httpx.AsyncBaseTransport
"""What adapters accept as ``transport=``: any ``httpx.AsyncBaseTransport``."""

MockTransport = httpx.MockTransport
"""``httpx.MockTransport``, re-exported so tests of adapters need not import httpx."""

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_ALWAYS_RETRY_STATUS = frozenset({429, 503})
_REDACTED = "REDACTED"

# -- testing switch ---------------------------------------------------------------------------

_testing = False
_testing_attempts: int | None = None


def set_testing(testing: bool, *, attempts: int | None = None) -> None:
    """Turn real sleeping off (``True``) or back on for every :class:`HttpCore`.

    Waits are still computed, counted in :attr:`RequestStats.waited` and checked against the
    total-wait cap, so tests exercise the same decisions without spending the time.

    Args:
        testing: Whether waits are skipped.
        attempts: While testing, cap every retry policy at this many attempts (``1``: no
            retries at all), like stamina's switch; ``None`` keeps each policy's own.
    """
    global _testing, _testing_attempts  # noqa: PLW0603 - a process-wide switch is the point
    if attempts is not None and attempts < 1:
        raise ValueError("attempts must be at least 1")
    _testing = testing
    _testing_attempts = attempts if testing else None


def is_testing() -> bool:
    """Whether :func:`set_testing` turned waits off."""
    return _testing


# -- redaction --------------------------------------------------------------------------------

_SECRET_NAMES = (
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "client_secret",
    "password",
    "token",
    "secret",  # Deezer's token endpoint takes the app secret as ``secret=``
)
_NAMES = "|".join(_SECRET_NAMES)
_QUERY_SECRET = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_NAMES})=([^&\s\"'#]+)")
_JSON_SECRET = re.compile(rf'(?i)("({_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"')
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """Replace credentials in a URL, form body, JSON body or header line with ``REDACTED``.

    Covers ``Authorization`` values (Bearer/Basic), and ``access_token``, ``refresh_token``,
    ``id_token``, ``code``, ``code_verifier``, ``client_secret``, ``password``, ``token``,
    ``secret`` as query/form parameters or JSON members.
    """
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={_REDACTED}", text)
    return _JSON_SECRET.sub(lambda m: f'{m.group(1)}"{_REDACTED}"', text)


# -- configuration ----------------------------------------------------------------------------


def resolve_base_url(provider: str, kind: str, explicit: str | None, default: str) -> str:
    """Pick a base URL: the constructor argument, else ``PLAYLIST_<PROVIDER>_<KIND>_URL``, else
    the provider's public default.

    Args:
        provider: Provider name (``"spotify"``).
        kind: ``"api"`` or ``"auth"``.
        explicit: The value given to the adapter's constructor, if any.
        default: The real service's URL.
    """
    if explicit:
        return explicit.rstrip("/")
    env_name = f"PLAYLIST_{provider.upper()}_{kind.upper()}_URL"
    from_env = os.environ.get(env_name, "").strip()
    return (from_env or default).rstrip("/")


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    Returns ``None`` when the header is absent or unreadable; never a negative number.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())


@attrs.frozen
class RetryPolicy:
    """How :class:`HttpCore` retries.

    Waits follow ``Retry-After`` when the provider sends it, otherwise
    ``min(max_backoff, initial_backoff * 2**(attempt-1))`` plus up to ``jitter`` of that.
    """

    attempts: int = 6
    """Most attempts per request, the first included."""
    max_total_wait: float = 120.0
    """Most seconds one request may spend waiting between attempts; past it, raise."""
    initial_backoff: float = 0.5
    """First backoff when the provider gives no ``Retry-After``."""
    max_backoff: float = 30.0
    """Largest single backoff without ``Retry-After``."""
    jitter: float = 0.25
    """Fraction of random extra wait added to computed backoffs."""


DEFAULT_RETRY = RetryPolicy()
"""The policy adapters use unless told otherwise."""


class RequestBudget:
    """A request allowance shared by every client of one provider.

    Args:
        max_requests: Most requests in the budget's lifetime; ``None`` for no limit. Going past
            it raises :class:`~playlist_interop.errors.QuotaExceeded` before sending.
        per_second: Most requests per second, paced by waiting; ``None`` for no pacing.
        burst: Requests allowed back to back before pacing starts.
    """

    def __init__(
        self,
        max_requests: int | None = None,
        *,
        per_second: float | None = None,
        burst: int = 1,
    ) -> None:
        if per_second is not None and per_second <= 0:
            raise ValueError("per_second must be positive")
        self.max_requests = max_requests
        self.per_second = per_second
        self.burst = max(1, burst)
        self.used = 0
        self._tat = 0.0  # theoretical arrival time of the next request (GCRA)
        self._skew = 0.0  # the virtual clock under set_testing(): skipped waits so far
        self._hold_until = 0.0  # no request before this (a shared Retry-After)
        self._lock = asyncio.Lock()

    @property
    def remaining(self) -> int | None:
        """Requests left, or ``None`` without a count limit."""
        return None if self.max_requests is None else max(0, self.max_requests - self.used)

    def _now(self) -> float:
        # Under set_testing() the clock is virtual: it moves only by skipped waits, so the
        # accounting does not depend on how fast the machine is.
        return self._skew if _testing else time.monotonic()

    def hold(self, seconds: float) -> None:
        """Pause every request of this budget for ``seconds`` (the provider said
        ``Retry-After``): concurrent clients wait instead of collecting 429s of their own."""
        self._hold_until = max(self._hold_until, self._now() + seconds)

    def advance(self, seconds: float) -> None:
        """Move the virtual clock by a wait skipped elsewhere (under :func:`set_testing`)."""
        if _testing:
            self._skew += seconds

    async def acquire(self, provider: str, sleep: Callable[[float], Awaitable[None]]) -> float:
        """Take one request from the budget; returns the seconds spent waiting for it."""
        async with self._lock:
            if self.max_requests is not None and self.used >= self.max_requests:
                raise QuotaExceeded(
                    f"request budget of {self.max_requests} spent",
                    provider=provider,
                    needed=1,
                    remaining=0,
                )
            waited = 0.0
            now = self._now()
            if self._hold_until > now:
                waited = self._hold_until - now
                await sleep(waited)
                self.advance(waited)
                now = self._now()
            if self.per_second is not None:
                interval = 1.0 / self.per_second
                self._tat = max(self._tat, now)
                pace = max(0.0, self._tat - (self.burst - 1) * interval - now)
                if pace > 0:
                    await sleep(pace)
                    self.advance(pace)
                    waited += pace
                self._tat += interval
            self.used += 1
            return waited


@attrs.define
class RequestStats:
    """Counters of one :class:`HttpCore`; tests and benchmarks assert on them."""

    requests: int = 0
    """HTTP requests sent (attempts, retries included)."""
    retries: int = 0
    """Attempts that were retries."""
    waited: float = 0.0
    """Seconds of retry waits and pacing (counted even when :func:`set_testing` skips them)."""
    by_status: dict[int, int] = attrs.field(factory=dict)
    """Responses per HTTP status."""
    by_path: dict[str, int] = attrs.field(factory=dict)
    """Requests per ``METHOD path`` (without query); past :attr:`max_paths` distinct paths the
    rest are counted under ``"other"`` so a long-lived client does not grow without bound."""
    max_paths: int = 1000
    """Distinct paths kept in :attr:`by_path`."""

    def count_path(self, key: str) -> None:
        """Count one request to ``key`` (``"METHOD /path"``)."""
        if key not in self.by_path and len(self.by_path) >= self.max_paths:
            key = "other"
        self.by_path[key] = self.by_path.get(key, 0) + 1

    def reset(self) -> None:
        """Zero every counter."""
        self.requests = self.retries = 0
        self.waited = 0.0
        self.by_status.clear()
        self.by_path.clear()


@attrs.frozen
class HttpResponse:
    """A finished HTTP exchange, in the terms adapters need (no httpx types leak)."""

    method: str
    """Request method."""
    url: str
    """Request URL, secrets redacted."""
    status: int
    """HTTP status."""
    headers: Mapping[str, str] = attrs.field(repr=False)
    """Response headers with lower-case names."""
    content: bytes = attrs.field(repr=False)
    """Raw body."""
    request_id: str | None = None
    """The provider's request/trace id header, when present."""
    provider: str = ""
    """Provider name, for errors."""

    @property
    def text(self) -> str:
        """Body decoded as UTF-8 (with replacement characters for bad bytes)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Parse the body as JSON; a malformed or empty body raises ``ProviderError``."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProviderError(
                f"unreadable JSON body from {self.method} {self.url}: {exc}",
                provider=self.provider,
                status=self.status,
                request_id=self.request_id,
            ) from None

    def json_object(self) -> dict[str, Any]:
        """Parse the body as a JSON object; anything else raises ``ProviderError``."""
        value = self.json()
        if not isinstance(value, dict):
            raise ProviderError(
                f"expected a JSON object from {self.method} {self.url}, got {type(value).__name__}",
                provider=self.provider,
                status=self.status,
                request_id=self.request_id,
            )
        return value


ErrorMapper: TypeAlias = Callable[[HttpResponse], ProviderError]
"""Turns a non-2xx response into a typed error; one per adapter."""


def default_error_mapper(response: HttpResponse, message: str | None = None) -> ProviderError:
    """Map a status to the error tree: 401/403 -> ``AuthError``, 404 -> ``NotFound``, 429 ->
    ``RateLimited``, anything else -> ``ProviderError``. Adapters call it with the message they
    dug out of their error body."""
    text = message or f"{response.method} {response.url} failed"
    common: dict[str, Any] = {
        "provider": response.provider,
        "status": response.status,
        "request_id": response.request_id,
    }
    if response.status in (401, 403):
        return AuthError(text, **common)
    if response.status == 404:
        return NotFound(text, **common)
    if response.status == 429:
        return RateLimited(
            text, retry_after=parse_retry_after(response.headers.get("retry-after")), **common
        )
    return ProviderError(text, **common)


class Credentials(Protocol):
    """Supplies the ``Authorization`` header and renews it after a 401.

    :class:`playlist_interop.providers.auth.OAuthSession` implements it.
    """

    async def authorization(self) -> str:
        """The ``Authorization`` header value to send (refreshing first when due)."""
        ...

    async def renew(self) -> bool:
        """Renew after the provider refused the credentials; ``False`` when impossible."""
        ...


class _RetryableError(Exception):
    """Internal: an attempt failed in a way the retry predicate accepts."""

    def __init__(
        self,
        *,
        response: HttpResponse | None = None,
        error: httpx.TransportError | None = None,
    ) -> None:
        super().__init__(response.status if response else repr(error))
        self.response = response
        self.error = error
        self.retry_after = (
            parse_retry_after(response.headers.get("retry-after")) if response else None
        )


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _RetryableError)


class HttpCore:
    """An async HTTP client for one provider: retries, budget, counting, redacted logs.

    Args:
        provider: Provider name, used in errors, logs and environment variable names.
        base_url: Base of relative request paths.
        transport: An ``httpx.AsyncBaseTransport`` to use instead of the network.
        credentials: Source of the ``Authorization`` header; sent only to ``base_url``'s origin.
        retry: Retry policy.
        budget: Request budget, possibly shared with other clients of the same provider.
        error_mapper: Turns non-2xx responses into typed errors (one place per adapter).
        headers: Extra default headers.
        timeout: Seconds for connect/read/write/pool each.
        request_id_headers: Response headers that carry the provider's request id.
        sleep: Coroutine used to wait (tests inject a recorder); skipped under
            :func:`set_testing`.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        transport: Transport | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        budget: RequestBudget | None = None,
        error_mapper: ErrorMapper | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        request_id_headers: Iterable[str] = ("x-request-id", "x-trace-id", "sp-trace-id"),
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.retry = retry
        self.budget = budget
        self.stats = RequestStats()
        self._error_mapper = error_mapper or default_error_mapper
        self._request_id_headers = tuple(h.lower() for h in request_id_headers)
        self._sleep_impl = sleep or asyncio.sleep
        self._origin = httpx.URL(self.base_url + "/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=transport,
            headers={
                "Accept": "application/json",
                "User-Agent": _user_agent(),
                **(headers or {}),
            },
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
        )

    async def __aenter__(self) -> HttpCore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` ran."""
        return self._client.is_closed

    async def _sleep(self, seconds: float) -> None:
        self.stats.waited += seconds
        if _testing:
            if self.budget is not None:
                self.budget.advance(seconds)
            return
        if seconds > 0:
            await self._sleep_impl(seconds)

    def _same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (
            self._origin.scheme,
            self._origin.host,
            self._origin.port,
        )

    def _resolve(self, path: str) -> httpx.URL:
        if path.startswith(("http://", "https://")):
            return httpx.URL(path)
        return httpx.URL(self.base_url + "/" + path.lstrip("/"))

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        policy = self.retry
        exponent = float(retry_state.attempt_number - 1)
        base: float = min(policy.max_backoff, policy.initial_backoff * 2.0**exponent)
        return base + random.uniform(0, base * policy.jitter)  # noqa: S311 - jitter, not crypto

    def _count_retry(self, retry_state: RetryCallState) -> None:
        if retry_state.attempt_number > 1:
            self.stats.retries += 1

    def _stop(self, retry_state: RetryCallState) -> bool:
        attempts = self.retry.attempts
        if _testing and _testing_attempts is not None:
            attempts = min(attempts, _testing_attempts)
        if retry_state.attempt_number >= attempts:
            return True
        return retry_state.idle_for + retry_state.upcoming_sleep > self.retry.max_total_wait

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool | None] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
    ) -> HttpResponse:
        """Send a request, retrying per policy; return a 2xx/3xx response or raise.

        Args:
            method: HTTP method.
            path: Path relative to the base URL, or an absolute URL (pagination links).
            params: Query parameters; ``None`` values are dropped.
            json_body: JSON body.
            form: ``application/x-www-form-urlencoded`` body.
            headers: Extra headers.
            idempotent: Whether a broken connection or a 500/502/504 may be retried; defaults
                to ``True`` for GET, HEAD, OPTIONS, PUT and DELETE.
            authenticated: Send the credentials' ``Authorization`` header.

        Raises:
            ProviderError: Or its subclasses, from the adapter's error mapper; ``RateLimited``
                when 429s outlast the retry policy.
            QuotaExceeded: The request budget is spent.
        """
        method = method.upper()
        url = self._resolve(path)
        if params:
            url = url.copy_merge_params({k: _param(v) for k, v in params.items() if v is not None})
        if idempotent is None:
            idempotent = method in _IDEMPOTENT
        renewed = False
        retrying = AsyncRetrying(
            sleep=self._sleep,
            retry=retry_if_exception(_is_retryable),
            wait=self._wait,
            stop=self._stop,
            before=self._count_retry,
            reraise=True,
        )
        while True:
            try:
                response: HttpResponse = await retrying(
                    self._attempt,
                    method,
                    url,
                    json_body=json_body,
                    form=form,
                    headers=headers,
                    idempotent=idempotent,
                    authenticated=authenticated,
                )
            except _RetryableError as exc:
                stats = retrying.statistics
                raise self._give_up(
                    method,
                    url,
                    exc,
                    attempts=int(stats.get("attempt_number", 1)),
                    waited=float(stats.get("idle_for", 0.0)),
                ) from None
            if response.status == 401 and authenticated and self.credentials and not renewed:
                renewed = True
                if await self.credentials.renew():
                    continue
            if response.status >= 400:
                raise self._error_mapper(response)
            return response

    async def _attempt(
        self,
        method: str,
        url: httpx.URL,
        *,
        json_body: Any,
        form: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        idempotent: bool,
        authenticated: bool,
    ) -> HttpResponse:
        if self.budget is not None:
            paced = await self.budget.acquire(self.provider, self._sleep_noaccount)
            self.stats.waited += paced
        request_headers = dict(headers or {})
        if authenticated and self.credentials is not None and self._same_origin(url):
            request_headers["Authorization"] = await self.credentials.authorization()
        self.stats.requests += 1
        self.stats.count_path(f"{method} {url.path}")
        shown = redact(str(url))
        started = time.perf_counter()
        try:
            raw = await self._client.request(
                method,
                url,
                json=json_body,
                data=dict(form) if form is not None else None,
                headers=request_headers,
            )
            content = await raw.aread()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            logger.warning("%s %s: connection failed: %s", method, shown, type(exc).__name__)
            raise _RetryableError(error=exc) from None
        except httpx.TransportError as exc:
            logger.warning("%s %s: transport error: %s", method, shown, type(exc).__name__)
            if idempotent:
                raise _RetryableError(error=exc) from None
            raise ProviderError(
                f"{method} {shown}: {type(exc).__name__} (not retried: not idempotent)",
                provider=self.provider,
            ) from None
        except httpx.RequestError as exc:  # undecodable body, bad URL...: never a crash
            logger.warning("%s %s: request failed: %s", method, shown, type(exc).__name__)
            raise ProviderError(
                f"{method} {shown}: {type(exc).__name__}: {redact(str(exc))}",
                provider=self.provider,
            ) from None
        elapsed = (time.perf_counter() - started) * 1000
        lowered = {k.lower(): v for k, v in raw.headers.items()}
        request_id = next((lowered[h] for h in self._request_id_headers if h in lowered), None)
        response = HttpResponse(
            method=method,
            url=shown,
            status=raw.status_code,
            headers=lowered,
            content=content,
            request_id=request_id,
            provider=self.provider,
        )
        self.stats.by_status[raw.status_code] = self.stats.by_status.get(raw.status_code, 0) + 1
        logger.debug("%s %s -> %d (%.0f ms)", method, shown, raw.status_code, elapsed)
        status = raw.status_code
        if status == 429 and self.budget is not None:
            retry_after = parse_retry_after(lowered.get("retry-after"))
            if retry_after is not None:
                self.budget.hold(retry_after)
        if status in _ALWAYS_RETRY_STATUS or (idempotent and status >= 500):
            logger.info(
                "%s %s -> %d, retry-after %s",
                method,
                shown,
                status,
                lowered.get("retry-after", "-"),
            )
            raise _RetryableError(response=response)
        return response

    async def _sleep_noaccount(self, seconds: float) -> None:
        if _testing or seconds <= 0:
            return
        await self._sleep_impl(seconds)

    def _give_up(
        self, method: str, url: httpx.URL, exc: _RetryableError, *, attempts: int, waited: float
    ) -> ProviderError:
        shown = redact(str(url))
        if exc.response is None:
            return ProviderError(
                f"{method} {shown}: {type(exc.error).__name__} after {attempts} attempts",
                provider=self.provider,
            )
        response = exc.response
        if response.status == 429:
            return RateLimited(
                f"{method} {shown}: still rate limited after {attempts} attempts and "
                f"{waited:.1f} s of waits (cap {self.retry.max_total_wait:g} s, "
                f"next Retry-After {exc.retry_after})",
                provider=self.provider,
                retry_after=exc.retry_after,
                request_id=response.request_id,
            )
        return self._error_mapper(response)

    async def get_json(
        self, path: str, *, params: Mapping[str, str | int | float | bool | None] | None = None
    ) -> dict[str, Any]:
        """GET a JSON object."""
        return (await self.request("GET", path, params=params)).json_object()


def _user_agent() -> str:
    try:
        version = importlib.metadata.version("playlist-interop")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        version = "0"
    return f"playlist-interop/{version} httpx/{httpx.__version__}"


def _param(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
