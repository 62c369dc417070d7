"""Errors raised by playlist-interop.

Every error the library raises on purpose derives from :class:`PlaylistInteropError`::

    PlaylistInteropError
    ├── PlaylistFormatError (also ValueError)        codec, line, column
    │   └── UnsupportedFormatError                   no codec for this input
    ├── ProviderError                                provider, status, request_id
    │   ├── AuthError                                token missing, expired, refused
    │   ├── RateLimited                              retry_after (seconds)
    │   ├── NotFound (also LookupError)              the resource does not exist
    │   ├── QuotaExceeded                            a daily unit budget is spent
    │   └── CapabilityError (also NotImplementedError)  provider lacks the feature
    ├── PluginError                                  entry point failed to load
    ├── MatchingError                                matcher misconfigured
    └── MigrationError                               migration cannot go on
        └── MigrationCancelled                       cancelled by the caller
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CapabilityError",
    "MatchingError",
    "MigrationCancelled",
    "MigrationError",
    "NotFound",
    "PlaylistFormatError",
    "PlaylistInteropError",
    "PluginError",
    "ProviderError",
    "QuotaExceeded",
    "RateLimited",
    "UnsupportedFormatError",
]


class PlaylistInteropError(Exception):
    """Root of every error the library raises on purpose."""


class PlaylistFormatError(PlaylistInteropError, ValueError):
    """A playlist file could not be read or written.

    Attributes:
        codec: Name of the codec that failed (``"m3u"``, ``"xspf"``...).
        line: 1-based line of the problem, when known.
        column: 1-based column of the problem, when known.
        reason: The message without the position prefix.
    """

    def __init__(
        self,
        reason: str,
        *,
        codec: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.codec = codec
        self.line = line
        self.column = column
        self.reason = reason
        where = codec
        if line is not None:
            where += f" line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {reason}")


class UnsupportedFormatError(PlaylistFormatError):
    """No codec recognises the input, or the named format does not exist."""


class ProviderError(PlaylistInteropError):
    """A music service answered with an error or an unreadable body.

    Attributes:
        provider: Name of the provider.
        status: HTTP status code, when there was a response.
        request_id: The provider's request id header, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.request_id = request_id
        self.message = message
        detail = f"{provider}: {message}"
        if status is not None:
            detail += f" (HTTP {status})"
        if request_id:
            detail += f" [request {request_id}]"
        super().__init__(detail)


class AuthError(ProviderError):
    """The provider refused the credentials, or none are usable."""


class RateLimited(ProviderError):
    """The provider kept answering 429 past the caller's total-wait cap.

    Attributes:
        retry_after: Seconds the provider asked us to wait, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        retry_after: float | None = None,
        status: int | None = 429,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status=status, request_id=request_id)
        self.retry_after = retry_after


class NotFound(ProviderError, LookupError):
    """The requested playlist, track or user does not exist."""


class QuotaExceeded(ProviderError):
    """A unit budget (such as YouTube's daily quota) would be exceeded.

    Attributes:
        needed: Units the operation needs.
        remaining: Units left in the budget.
    """

    def __init__(self, message: str, *, provider: str, needed: int = 0, remaining: int = 0) -> None:
        super().__init__(message, provider=provider)
        self.needed = needed
        self.remaining = remaining


class CapabilityError(ProviderError, NotImplementedError):
    """The provider does not offer the requested operation."""


class PluginError(PlaylistInteropError):
    """A provider plugin could not be loaded or is not a valid provider."""


class MatchingError(PlaylistInteropError):
    """The matcher was given inconsistent settings or inputs."""


class MigrationError(PlaylistInteropError):
    """A migration cannot continue (for example a checkpoint belongs to another plan)."""


class MigrationCancelled(MigrationError):
    """The caller cancelled the migration; the checkpoint allows resuming."""
