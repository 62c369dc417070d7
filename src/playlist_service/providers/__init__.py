"""The music services this deployment signs users in with (through the library only)."""

from playlist_service.providers._hub import (
    ConfiguredProvider,
    ProviderHub,
    ProviderNotConfigured,
    configure,
)

__all__ = ["ConfiguredProvider", "ProviderHub", "ProviderNotConfigured", "configure"]
