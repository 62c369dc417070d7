"""The music services this deployment signs users in with (through the library only)."""

from playlist_service.providers._hub import (
    ConfiguredProvider,
    ProviderHub,
    ProviderNotConfigured,
    configure,
)
from playlist_service.providers._live import ProviderNotLinked, call_provider

__all__ = [
    "ConfiguredProvider",
    "ProviderHub",
    "ProviderNotConfigured",
    "ProviderNotLinked",
    "call_provider",
    "configure",
]
