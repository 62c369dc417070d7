"""TIDAL's wire protocol (openapi.tidal.com/v2): JSON:API documents, cursors, errors, OAuth.

- every answer is a JSON:API document: ``data`` (a resource or a list of resource
  identifiers), ``included`` (the related resources asked for with ``include=``), ``links``
  with ``next`` and ``meta.nextCursor`` for cursor pagination;
- errors are ``{"errors": [{"status", "code", "detail", ...}]}`` with a real HTTP status;
- request bodies use ``application/vnd.api+json``;
- OAuth 2.1: authorization code with PKCE (S256 only) and refresh tokens that rotate.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable

import attrs

from playlist_interop.errors import ProviderError
from playlist_interop.providers._http import HttpResponse, default_error_mapper
from playlist_interop.providers._jsondoc import JsonObject, iso_duration_ms
from playlist_interop.providers._oauth import OAuthConfig

__all__ = [
    "API_URL",
    "AUTHORIZE_URL",
    "AUTH_URL",
    "DEFAULT_SCOPES",
    "JSON_API",
    "PROVIDER",
    "Document",
    "error_mapper",
    "oauth_config",
    "parse_duration",
    "resource_query",
]

PROVIDER = "tidal"
API_URL = "https://openapi.tidal.com/v2"
AUTH_URL = "https://auth.tidal.com/v1/oauth2"
"""Base of the token endpoint (``{AUTH_URL}/token``)."""
AUTHORIZE_URL = "https://login.tidal.com/authorize"
"""The consent page (used when no auth URL override is configured)."""
DEFAULT_SCOPES = ("user.read", "playlists.read", "playlists.write", "search.read")
JSON_API = "application/vnd.api+json"


def parse_duration(value: str | None) -> int | None:
    """An ISO 8601 duration (``PT4M12S``) in milliseconds; ``None`` when absent or unreadable."""
    return iso_duration_ms(value)


def error_mapper(response: HttpResponse) -> ProviderError:
    """JSON:API ``errors`` bodies to typed errors (the one mapping place for TIDAL)."""
    message = None
    try:
        body = response.json()
    except ProviderError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        if isinstance(first, dict):
            code = first.get("code")
            detail = first.get("detail") or first.get("title")
            message = ": ".join(str(p) for p in (code, detail) if p) or None
    return default_error_mapper(response, message)


def oauth_config(
    *,
    client_id: str,
    redirect_uri: str,
    auth_url: str | None = None,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    client_secret: str | None = None,
) -> OAuthConfig:
    """The OAuth 2.1 (PKCE) configuration of TIDAL; ``auth_url`` points both endpoints at a
    test server (``{auth_url}/authorize`` and ``{auth_url}/token``)."""
    from playlist_interop.providers._http import resolve_base_url

    base = resolve_base_url(PROVIDER, "auth", auth_url, AUTH_URL)
    authorize = AUTHORIZE_URL if base == AUTH_URL else f"{base}/authorize"
    return OAuthConfig(
        provider=PROVIDER,
        client_id=client_id,
        authorize_url=authorize,
        token_url=f"{base}/token",
        redirect_uri=redirect_uri,
        scopes=tuple(scopes),
        client_secret=client_secret,
    )


def resource_query(path: str, repeated: dict[str, list[str]]) -> str:
    """``path`` with repeated query parameters (``filter[id]=1&filter[id]=2``)."""
    pairs = [(k, v) for k, values in repeated.items() for v in values]
    return f"{path}?{urllib.parse.urlencode(pairs)}" if pairs else path


@attrs.frozen
class Document:
    """A parsed JSON:API document: primary data, an index of included resources, the cursor."""

    data: list[JsonObject]
    """Primary resources or resource identifiers (a single resource becomes a list of one)."""
    included: dict[tuple[str, str], JsonObject]
    """Included resources by ``(type, id)``."""
    next_cursor: str | None
    """Cursor of the next page, or ``None`` on the last page."""

    @classmethod
    def parse(cls, body: object) -> Document:
        """Parse a decoded body; a document without ``data`` raises ``ProviderError``."""
        doc = JsonObject.of(body, provider=PROVIDER)
        raw = doc.raw("data")
        if isinstance(raw, dict):
            data = [doc.obj("data")]
        elif isinstance(raw, list):
            data = doc.objects("data")
        else:
            raise doc.error("data", "a resource or an array")
        included: dict[tuple[str, str], JsonObject] = {}
        for item in doc.objects("included", required=False):
            included[(item.string("type"), item.ident())] = item
        links = doc.opt_obj("links")
        cursor = None
        if links is not None:
            meta = links.opt_obj("meta")
            cursor = meta.opt_string("nextCursor") if meta is not None else None
            next_link = links.opt_string("next")
            if cursor is None and next_link:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(next_link).query)
                values = query.get("page[cursor]")
                cursor = values[0] if values else None
            if not next_link and meta is None:
                cursor = None
        return cls(data=data, included=included, next_cursor=cursor or None)

    def related(self, resource: JsonObject, name: str) -> list[JsonObject]:
        """Included resources a relationship of ``resource`` points at, in order."""
        relationships = resource.opt_obj("relationships")
        rel = relationships.opt_obj(name) if relationships is not None else None
        if rel is None:
            return []
        raw = rel.raw("data")
        identifiers = (
            [rel.obj("data")] if isinstance(raw, dict) else rel.objects("data", required=False)
        )
        out = []
        for ident in identifiers:
            found = self.included.get((ident.string("type"), ident.ident()))
            if found is not None:
                out.append(found)
        return out
