"""YouTube: the Data API v3 adapter, Google OAuth settings and the daily unit quota.

Sign in with the PKCE helpers of :mod:`playlist_interop.providers.auth` and
:func:`oauth_config` (authorize with ``extra=OFFLINE_PARAMS`` to get a refresh token); share
one :class:`YouTubeQuota` between the adapters of one Google Cloud project.
"""

from playlist_interop.providers.youtube._adapter import YouTubeProvider
from playlist_interop.providers.youtube._quota import (
    DEFAULT_DAILY_UNITS,
    UNIT_COSTS,
    QuotaReport,
    YouTubeQuota,
)
from playlist_interop.providers.youtube._wire import DEFAULT_SCOPES, OFFLINE_PARAMS, oauth_config

__all__ = [  # noqa: RUF022 - plain sorted() order, which tests/test_public_api.py checks
    "DEFAULT_DAILY_UNITS",
    "DEFAULT_SCOPES",
    "OFFLINE_PARAMS",
    "QuotaReport",
    "UNIT_COSTS",
    "YouTubeProvider",
    "YouTubeQuota",
    "oauth_config",
]
