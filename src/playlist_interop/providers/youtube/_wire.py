"""The YouTube Data API v3 wire protocol: endpoints, Google OAuth, error bodies, pages.

- list answers are ``{"kind", "etag", "nextPageToken", "pageInfo", "items": [...]}``, at most
  50 items a page, continued with ``pageToken``;
- errors are ``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}``;
  the ``reason`` says what happened (``quotaExceeded``, ``playlistNotFound``...);
- Google OAuth: authorization code with PKCE, ``access_type=offline`` and
  ``prompt=consent`` to receive a refresh token, which Google does not rotate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from playlist_interop.errors import AuthError, NotFound, ProviderError, QuotaExceeded, RateLimited
from playlist_interop.providers._http import (
    HttpResponse,
    default_error_mapper,
    parse_retry_after,
    resolve_base_url,
)
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._oauth import OAuthConfig

__all__ = [
    "API_URL",
    "AUTHORIZE_URL",
    "DEFAULT_SCOPES",
    "OFFLINE_PARAMS",
    "PROVIDER",
    "TOKEN_URL",
    "ListPage",
    "error_mapper",
    "oauth_config",
]

PROVIDER = "youtube"
API_URL = "https://www.googleapis.com/youtube/v3"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an endpoint, not a secret
DEFAULT_SCOPES = ("https://www.googleapis.com/auth/youtube",)
OFFLINE_PARAMS = {"access_type": "offline", "prompt": "consent"}
"""Extra authorization parameters without which Google sends no refresh token."""

_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_AUTH_REASONS = frozenset({"authError", "forbidden", "insufficientPermissions", "unauthorized"})


def oauth_config(
    *,
    client_id: str,
    redirect_uri: str,
    client_secret: str | None = None,
    auth_url: str | None = None,
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> OAuthConfig:
    """Google's OAuth endpoints for the YouTube scope.

    Installed-app clients of Google have a ``client_secret`` that is not secret; pass it when
    the Cloud console issued one. ``auth_url`` (or env ``PLAYLIST_YOUTUBE_AUTH_URL``) points
    both endpoints at a test server (``{auth_url}/auth``, ``{auth_url}/token``). Authorize
    with ``extra=OFFLINE_PARAMS`` to receive a refresh token.
    """
    base = resolve_base_url(PROVIDER, "auth", auth_url, "")
    return OAuthConfig(
        provider=PROVIDER,
        client_id=client_id,
        authorize_url=f"{base}/auth" if base else AUTHORIZE_URL,
        token_url=f"{base}/token" if base else TOKEN_URL,
        redirect_uri=redirect_uri,
        scopes=tuple(scopes),
        client_secret=client_secret,
    )


def _reason(body: object) -> tuple[str | None, str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None, None
    error = body["error"]
    message = error.get("message") if isinstance(error.get("message"), str) else None
    details = error.get("errors")
    reason = None
    if isinstance(details, list) and details and isinstance(details[0], dict):
        raw = details[0].get("reason")
        reason = raw if isinstance(raw, str) else None
    return reason, message


def error_mapper(on_quota_exhausted: Callable[[], None]) -> Callable[[HttpResponse], ProviderError]:
    """The one mapping of YouTube errors, by ``reason`` first and status second.

    ``quotaExceeded`` becomes :class:`QuotaExceeded` (and tells the local budget that
    YouTube's count says it is spent); ``rateLimitExceeded`` :class:`RateLimited`; 401 and
    permission reasons :class:`AuthError`; 404 :class:`NotFound`.
    """

    def mapper(response: HttpResponse) -> ProviderError:
        try:
            body = response.json()
        except ProviderError:
            body = None
        reason, message = _reason(body)
        text = f"{reason}: {message}" if reason and message else (message or reason)
        status = response.status
        if reason in _QUOTA_REASONS:
            on_quota_exhausted()
            return QuotaExceeded(text or "quota exceeded", provider=PROVIDER)
        if reason in _RATE_REASONS:
            return RateLimited(
                text or "rate limited",
                provider=PROVIDER,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
                status=status,
            )
        if response.status == 401 or reason in _AUTH_REASONS:
            return AuthError(text or "not authorized", provider=PROVIDER, status=status)
        if response.status == 404 or (reason or "").endswith("NotFound"):
            return NotFound(text or "not found", provider=PROVIDER, status=status)
        return default_error_mapper(response, text)

    return mapper


@attrs.frozen
class ListPage:
    """One page of a ``*.list`` answer."""

    items: list[JsonObject]
    """Resources of this page."""
    next_token: str | None
    """``pageToken`` of the next page."""
    total: int | None
    """``pageInfo.totalResults``, when given."""

    @classmethod
    def parse(cls, body: object) -> ListPage:
        """Parse a decoded list answer (``ProviderError`` when it is not one)."""
        doc = JsonObject.of(body, provider=PROVIDER)
        info = doc.opt_obj("pageInfo")
        return cls(
            items=doc.objects("items", required=False) if doc.has("kind") else doc.objects("items"),
            next_token=doc.opt_string("nextPageToken") or None,
            total=info.opt_integer("totalResults") if info is not None else None,
        )
