"""OAuth2 authorization code flow with PKCE (RFC 6749, RFC 7636), tokens and their renewal."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlencode

import attrs

from playlist_interop.errors import AuthError, ProviderError
from playlist_interop.providers._adapter_base import OwnsHttpClient
from playlist_interop.providers._http import (
    Credentials,
    HttpCore,
    HttpResponse,
    RequestStats,
    RetryPolicy,
    Transport,
    default_error_mapper,
)

__all__ = [
    "DEFAULT_REFRESH_SKEW",
    "BearerToken",
    "OAuthClient",
    "OAuthConfig",
    "OAuthSession",
    "OAuthToken",
    "PkcePair",
    "TokenFile",
    "TokenSaver",
    "code_challenge",
    "generate_state",
    "resolve_credentials",
]

DEFAULT_REFRESH_SKEW = dt.timedelta(minutes=5)
"""Refresh tokens this long before they expire."""

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def code_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier: ``BASE64URL(SHA256(verifier))`` unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def generate_state() -> str:
    """A fresh, unguessable ``state`` value (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


@attrs.frozen
class PkcePair:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""

    verifier: str = attrs.field(repr=False)
    """The secret the client keeps until the code exchange (43-128 unreserved characters)."""
    challenge: str
    """``BASE64URL(SHA256(verifier))``, sent with the authorization request."""
    method: str = "S256"
    """Challenge method; only ``S256`` is offered."""

    @classmethod
    def from_verifier(cls, verifier: str) -> PkcePair:
        """Build the pair for a given verifier, checking it follows RFC 7636 section 4.1."""
        if not _VERIFIER.match(verifier):
            raise ValueError("a PKCE verifier is 43-128 characters of [A-Za-z0-9-._~]")
        return cls(verifier=verifier, challenge=code_challenge(verifier))

    @classmethod
    def generate(cls, length: int = 64) -> PkcePair:
        """A new random pair; ``length`` is the verifier length (43-128)."""
        if not 43 <= length <= 128:
            raise ValueError("PKCE verifier length must be 43..128")
        verifier = secrets.token_urlsafe(length)[:length]
        return cls.from_verifier(verifier)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _scopes(value: Iterable[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(value)


@attrs.frozen
class OAuthToken:
    """Tokens from a provider's token endpoint. ``repr`` never shows the secrets."""

    access_token: str = attrs.field(repr=False)
    """Bearer token for API calls."""
    refresh_token: str | None = attrs.field(default=None, repr=False)
    """Token to get a new access token; providers that rotate it send a new one each time."""
    expires_at: dt.datetime | None = None
    """When the access token stops working (timezone-aware), when the provider said."""
    scope: tuple[str, ...] = attrs.field(default=(), converter=_scopes)
    """Granted scopes."""
    token_type: str = "Bearer"  # noqa: S105 - a token type name, not a secret
    """Token type; ``Bearer`` in practice."""

    def expires_within(self, skew: dt.timedelta, *, now: dt.datetime | None = None) -> bool:
        """Whether the access token expires within ``skew`` from ``now`` (never, when unknown)."""
        if self.expires_at is None:
            return False
        return (now or _utcnow()) + skew >= self.expires_at

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value."""
        kind = "Bearer" if self.token_type.lower() == "bearer" else self.token_type
        return f"{kind} {self.access_token}"

    @classmethod
    def from_response(
        cls,
        payload: Mapping[str, Any],
        *,
        provider: str,
        now: dt.datetime | None = None,
        previous: OAuthToken | None = None,
    ) -> OAuthToken:
        """Read a token endpoint response (RFC 6749 section 5.1).

        A refresh response without ``refresh_token`` keeps the previous one; one without
        ``scope`` keeps the previous scopes.
        """
        access = payload.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthError("token response has no access_token", provider=provider)
        expires_in = payload.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
            expires_at = (now or _utcnow()) + dt.timedelta(seconds=float(expires_in))
        elif isinstance(expires_in, str) and expires_in.isdigit():
            expires_at = (now or _utcnow()) + dt.timedelta(seconds=int(expires_in))
        refresh = payload.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            refresh = previous.refresh_token if previous else None
        scope = payload.get("scope")
        scopes = _scopes(scope) if isinstance(scope, str) else (previous.scope if previous else ())
        token_type = payload.get("token_type")
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=expires_at,
            scope=scopes,
            token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (contains the secrets: store it with care)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "scope": " ".join(self.scope),
            "token_type": self.token_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OAuthToken:
        """The inverse of :meth:`to_dict`."""
        expires = data.get("expires_at")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=dt.datetime.fromisoformat(expires) if expires else None,
            scope=data.get("scope") or (),
            token_type=str(data.get("token_type") or "Bearer"),
        )


@runtime_checkable
class TokenSaver(Protocol):
    """Called with the new token whenever it changes (refresh tokens rotate at Spotify).

    Persist it, or the next run signs in with a revoked refresh token.
    """

    async def __call__(self, token: OAuthToken) -> None:
        """Store ``token``."""
        ...


class TokenFile:
    """A :class:`TokenSaver` that keeps one token as JSON in a file readable only by its owner.

    Writes are atomic (a temporary file renamed over the old one) with mode ``0600``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> OAuthToken | None:
        """The stored token, or ``None`` when there is no file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return OAuthToken.from_dict(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthError(f"unreadable token file {self.path}: {exc}", provider="") from None

    def save(self, token: OAuthToken) -> None:
        """Write ``token`` (mode 0600, atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(token.to_dict(), handle)
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def __call__(self, token: OAuthToken) -> None:
        """Save ``token`` (the :class:`TokenSaver` interface)."""
        await asyncio.to_thread(self.save, token)


@attrs.frozen
class OAuthConfig:
    """Where and as whom to run the authorization code flow."""

    provider: str
    """Provider name (for errors)."""
    client_id: str
    """The application's client id."""
    authorize_url: str
    """The provider's authorization endpoint."""
    token_url: str
    """The provider's token endpoint."""
    redirect_uri: str
    """Registered redirect URI (a loopback URL for the CLI)."""
    scopes: tuple[str, ...] = attrs.field(default=(), converter=_scopes)
    """Scopes to ask for."""
    client_secret: str | None = attrs.field(default=None, repr=False)
    """Secret of a confidential client; public (PKCE-only) clients leave it out."""


def _token_error_mapper(response: HttpResponse) -> ProviderError:
    """RFC 6749 section 5.2 errors: ``{"error": ..., "error_description": ...}``."""
    message = None
    try:
        body = response.json()
    except ProviderError:
        body = None
    if isinstance(body, dict):
        code = body.get("error")
        if isinstance(code, str):
            desc = body.get("error_description")
            message = f"{code}: {desc}" if isinstance(desc, str) else code
    if response.status in (400, 401) and message:
        return AuthError(
            f"token endpoint refused: {message}",
            provider=response.provider,
            status=response.status,
            request_id=response.request_id,
        )
    return default_error_mapper(response, message)


class OAuthClient(OwnsHttpClient):
    """Builds authorization URLs and talks to the token endpoint.

    Args:
        config: Client id, endpoints, redirect URI and scopes.
        transport: Injected HTTP transport (tests use loopback emulators).
        retry: Retry policy for token requests.
    """

    def __init__(
        self,
        config: OAuthConfig,
        *,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.config = config
        self._clock = clock
        kwargs: dict[str, Any] = {} if retry is None else {"retry": retry}
        self._http = HttpCore(
            provider=config.provider,
            base_url=config.token_url,
            transport=transport,
            error_mapper=_token_error_mapper,
            **kwargs,
        )

    @property
    def stats(self) -> RequestStats:
        """Request counters of the token endpoint client."""
        return self._http.stats

    def authorization_url(
        self,
        *,
        state: str,
        pkce: PkcePair,
        scopes: Iterable[str] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> str:
        """The URL to open in the user's browser."""
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": self.config.redirect_uri,
            "state": state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
        }
        chosen = tuple(scopes) if scopes is not None else self.config.scopes
        if chosen:
            params["scope"] = " ".join(chosen)
        params.update(extra or {})
        sep = "&" if "?" in self.config.authorize_url else "?"
        return f"{self.config.authorize_url}{sep}{urlencode(params)}"

    def _client_form(self) -> tuple[dict[str, str], dict[str, str]]:
        if self.config.client_secret:
            raw = f"{self.config.client_id}:{self.config.client_secret}".encode()
            return {}, {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        return {"client_id": self.config.client_id}, {}

    async def _token_request(
        self, form: dict[str, str], previous: OAuthToken | None = None
    ) -> OAuthToken:
        client_form, headers = self._client_form()
        response = await self._http.request(
            "POST",
            self.config.token_url,
            form={**form, **client_form},
            headers=headers,
            authenticated=False,
            idempotent=False,
        )
        return OAuthToken.from_response(
            response.json_object(),
            provider=self.config.provider,
            now=self._clock(),
            previous=previous,
        )

    async def exchange_code(
        self, code: str, *, code_verifier: str, redirect_uri: str | None = None
    ) -> OAuthToken:
        """Trade an authorization code for tokens (RFC 7636 section 4.5)."""
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri or self.config.redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    async def refresh(self, token: OAuthToken) -> OAuthToken:
        """Get a new access token; keeps the old refresh token when no new one is sent."""
        if not token.refresh_token:
            raise AuthError("no refresh token to renew the session", provider=self.config.provider)
        return await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": token.refresh_token},
            previous=token,
        )


class BearerToken:
    """Fixed credentials: one access token, no renewal (for scripts and tests)."""

    def __init__(self, access_token: str) -> None:
        self._value = f"Bearer {access_token}"

    def __repr__(self) -> str:
        return "BearerToken(<redacted>)"

    async def authorization(self) -> str:
        """The header value."""
        return self._value

    async def renew(self) -> bool:
        """Cannot renew: always ``False``."""
        return False


def resolve_credentials(
    credentials: Credentials | None, access_token: str | None
) -> Credentials | None:
    """``credentials``, else a ``BearerToken`` for the ``access_token`` shortcut, else ``None``."""
    if credentials is None and access_token is not None:
        return BearerToken(access_token)
    return credentials


class OAuthSession:
    """Keeps a token fresh: refreshes ``skew`` before expiry or after a 401, saving rotations.

    Implements the ``Credentials`` protocol of the HTTP core, so adapters take it as
    ``credentials=``. Concurrent callers share one refresh.

    Args:
        client: The OAuth client that can refresh.
        token: The current token.
        saver: Called with every new token (persist rotated refresh tokens!).
        skew: Refresh this long before ``expires_at``.
        clock: Returns the current time (tests inject one).
    """

    def __init__(
        self,
        client: OAuthClient,
        token: OAuthToken,
        *,
        saver: TokenSaver | None = None,
        skew: dt.timedelta = DEFAULT_REFRESH_SKEW,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.client = client
        self._token = token
        self._saver = saver
        self._skew = skew
        self._clock = clock
        self._lock = asyncio.Lock()
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"OAuthSession(provider={self.client.config.provider!r}, token={self._token!r})"

    @property
    def token(self) -> OAuthToken:
        """The current token."""
        return self._token

    async def refresh(self) -> OAuthToken:
        """Refresh now and save the result."""
        async with self._lock:
            return await self._refresh_locked(self._token)

    async def _refresh_locked(self, seen: OAuthToken) -> OAuthToken:
        if self._token is not seen:  # someone else refreshed while we waited
            return self._token
        new = await self.client.refresh(self._token)
        self._token = new
        self.refreshes += 1
        if self._saver is not None:
            await self._saver(new)
        return new

    async def authorization(self) -> str:
        """The header for the next request, refreshing first when the token is about to expire."""
        token = self._token
        if token.refresh_token and token.expires_within(self._skew, now=self._clock()):
            async with self._lock:
                token = await self._refresh_locked(token)
        return token.authorization

    async def renew(self) -> bool:
        """Refresh after a 401; ``False`` when there is no refresh token."""
        if not self._token.refresh_token:
            return False
        seen = self._token
        async with self._lock:
            await self._refresh_locked(seen)
        return True
