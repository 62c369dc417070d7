"""Plumbing the provider adapters share: owning one HTTP client and closing it."""

from __future__ import annotations

from typing import Self

from playlist_interop.providers._http import HttpCore, RequestStats

__all__ = ["HttpAdapter", "OwnsHttpClient"]


class OwnsHttpClient:
    """Mixin for a class that owns the :class:`HttpCore` in ``_http``.

    Closes it with :meth:`aclose` or at the end of ``async with``.
    """

    _http: HttpCore

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class HttpAdapter(OwnsHttpClient):
    """Mixin for an API client at ``api_url``: its request counters and a ``repr`` naming it."""

    api_url: str

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.api_url!r})"

    @property
    def stats(self) -> RequestStats:
        """Request counters."""
        return self._http.stats
