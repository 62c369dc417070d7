"""A loopback emulator of TIDAL's OAuth 2.1 service and official API (openapi.tidal.com/v2).

It answers JSON:API documents shaped like the recorded ones in the shared fixtures
(``tracks``, ``albums``, ``artists`` and ``artworks`` resources with ``attributes``,
``relationships`` and ``links``; ``included`` for what ``include=`` asks; ISO 8601
durations), cursor pagination (``page[cursor]``, 20 resources a page, ``links.next`` and
``links.meta.nextCursor``), ``filter[isrc]``/``filter[id]``, playlist items addressed by
``itemId`` with ``positionBefore``, at most 20 items per write, ``countryCode`` required on
catalog reads, JSON:API ``errors`` bodies, and OAuth 2.1: PKCE (S256) required, refresh
tokens rotated on every use.

Use it as an async context manager::

    async with TidalEmulator(catalog=tracks) as emu:
        token = emu.issue_token()
        provider = TidalProvider(access_token=token.access_token, api_url=emu.api_url)
"""

from playlist_interop.testing.emulators._tidal import TidalEmulator

__all__ = ["TidalEmulator"]
