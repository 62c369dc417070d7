"""Music-service providers: the ``Provider`` protocol, the HTTP core, OAuth2 and plugins.

Adapters are found through the ``playlist_interop.providers`` entry point group::

    from playlist_interop.providers import get_provider
    Spotify = get_provider("spotify")

OAuth helpers live in :mod:`playlist_interop.providers.auth`.
"""

from playlist_interop.providers._batching import batch_count, chunked
from playlist_interop.providers._http import (
    Credentials,
    ErrorMapper,
    HttpCore,
    HttpResponse,
    MockTransport,
    RequestBudget,
    RequestStats,
    RetryPolicy,
    Transport,
    default_error_mapper,
    is_testing,
    parse_retry_after,
    redact,
    resolve_base_url,
    set_testing,
)
from playlist_interop.providers._protocol import (
    Capability,
    OAuthProviderFactory,
    PlaylistSummary,
    Provider,
    ProviderFactory,
    TrackQuery,
    UserProfile,
)
from playlist_interop.providers._registry import (
    PluginStatus,
    ProviderEntry,
    available_providers,
    discover_providers,
    get_provider,
)

__all__ = [
    "Capability",
    "Credentials",
    "ErrorMapper",
    "HttpCore",
    "HttpResponse",
    "MockTransport",
    "OAuthProviderFactory",
    "PlaylistSummary",
    "PluginStatus",
    "Provider",
    "ProviderEntry",
    "ProviderFactory",
    "RequestBudget",
    "RequestStats",
    "RetryPolicy",
    "TrackQuery",
    "Transport",
    "UserProfile",
    "available_providers",
    "batch_count",
    "chunked",
    "default_error_mapper",
    "discover_providers",
    "get_provider",
    "is_testing",
    "parse_retry_after",
    "redact",
    "resolve_base_url",
    "set_testing",
]
