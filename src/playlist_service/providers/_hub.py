"""The providers this deployment signs users in with, built from the library's registry.

The service talks to a music service only through the library: the adapter class comes
from :func:`playlist_interop.providers.get_provider`, its OAuth endpoints from the adapter's
``oauth_config`` (an :class:`~playlist_interop.providers.OAuthProviderFactory`), token
exchange and refresh from :class:`~playlist_interop.providers.auth.OAuthClient`, and every
API call from the adapter (the ``Provider`` protocol) with an
:class:`~playlist_interop.providers.auth.OAuthSession` as its credentials, whose
``TokenSaver`` writes renewed tokens back, encrypted, to the account row.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs

from playlist_interop.errors import PluginError
from playlist_interop.providers import OAuthProviderFactory, Provider, Transport, get_provider
from playlist_interop.providers.auth import (
    OAuthClient,
    OAuthConfig,
    OAuthSession,
    OAuthToken,
    TokenSaver,
)
from playlist_service.settings import ProviderSettings

__all__ = ["ConfiguredProvider", "ProviderHub", "ProviderNotConfigured", "configure"]

_log = logging.getLogger(__name__)


class ProviderNotConfigured(LookupError):
    """No sign-in is configured for this provider name."""


@attrs.frozen
class ConfiguredProvider:
    """One provider the service can sign users in with."""

    name: str
    """Registered provider name."""
    factory: OAuthProviderFactory = attrs.field(repr=False)
    """The adapter class."""
    oauth: OAuthConfig
    """Client id, endpoints, redirect URI and scopes."""
    api_url: str | None = None
    """Override of the adapter's API base URL (the demo emulators)."""


class ProviderHub:
    """Looks up configured providers and opens OAuth clients and adapters for them.

    Args:
        providers: Configured providers by name.
        transport: HTTP transport injected into every client (tests); ``None`` for real HTTP.
    """

    def __init__(
        self, providers: Mapping[str, ConfiguredProvider], *, transport: Transport | None = None
    ) -> None:
        self._providers = dict(providers)
        self._transport = transport

    @classmethod
    def from_settings(
        cls,
        providers: Mapping[str, ProviderSettings],
        *,
        base_url: str,
        transport: Transport | None = None,
    ) -> ProviderHub:
        """Build from ``PLAYLIST_SERVICE_PROVIDERS``; a provider that cannot load is logged
        and left out (the others keep working)."""
        configured: dict[str, ConfiguredProvider] = {}
        for name, conf in providers.items():
            try:
                configured[name] = configure(name, conf, base_url=base_url)
            except (PluginError, TypeError, ValueError) as exc:
                _log.error("provider %s is not available for sign-in: %s", name, exc)
        return cls(configured, transport=transport)

    def names(self) -> list[str]:
        """Configured provider names, sorted."""
        return sorted(self._providers)

    def get(self, name: str) -> ConfiguredProvider:
        """The configured provider, or :class:`ProviderNotConfigured`."""
        try:
            return self._providers[name]
        except KeyError:
            raise ProviderNotConfigured(name) from None

    def oauth_client(self, name: str) -> OAuthClient:
        """A new OAuth client for ``name`` (close it after use)."""
        return OAuthClient(self.get(name).oauth, transport=self._transport)

    def adapter(self, name: str, credentials: Any) -> Provider:
        """A new adapter for ``name`` using ``credentials`` (close it after use)."""
        provider = self.get(name)
        kwargs: dict[str, Any] = {"credentials": credentials}
        if provider.api_url is not None:
            kwargs["api_url"] = provider.api_url
        if self._transport is not None:
            kwargs["transport"] = self._transport
        return provider.factory(**kwargs)

    @asynccontextmanager
    async def open(
        self, name: str, token: OAuthToken, *, saver: TokenSaver | None = None
    ) -> AsyncIterator[Provider]:
        """An adapter signed in with ``token``; renewed tokens go to ``saver``."""
        client = self.oauth_client(name)
        try:
            session = OAuthSession(client, token, saver=saver)
            adapter = self.adapter(name, session)
            try:
                yield adapter
            finally:
                await adapter.aclose()
        finally:
            await client.aclose()


def configure(name: str, conf: ProviderSettings, *, base_url: str) -> ConfiguredProvider:
    """Resolve one provider from the registry and build its OAuth configuration."""
    factory = get_provider(name)
    if not isinstance(factory, OAuthProviderFactory):
        raise TypeError(f"{name} has no OAuth authorization-code sign-in (oauth_config)")
    oauth = factory.oauth_config(
        client_id=conf.client_id,
        redirect_uri=conf.redirect_uri or f"{base_url}/auth/callback/{name}",
        client_secret=conf.client_secret,
        auth_url=conf.base_urls.get("auth"),
    )
    if conf.scopes:
        oauth = attrs.evolve(oauth, scopes=conf.scopes)
    return ConfiguredProvider(
        name=name,
        factory=factory,
        oauth=oauth,
        api_url=conf.base_urls.get("api"),
    )
