"""A loopback emulator of Spotify's accounts service and Web API (as of February 2026).

It speaks the wire format of the real service as recorded in the shared fixtures (full track
objects with ``external_ids``, paging objects with absolute ``next`` links, playlist item
wrappers with ``added_at``/``added_by``/``is_local``) plus the February 2026 changes:
playlist items live at ``/playlists/{id}/items`` and each wrapper carries ``item`` instead of
``track``; playlists are created with ``POST /me/playlists``; search pages hold at most 10
results; ``GET /me`` no longer returns ``country``/``email``/``product``. Pass
``legacy_shape=True`` for the pre-2026 field names (``track``, ``tracks``) that apps in
extended quota mode still receive.

Limits match the reference: 50 items per playlist page, 50 playlists per page, 50 ids per
``GET /tracks``, 100 URIs per add/remove, search ``limit`` 1-10 and ``offset`` up to 1000.
Errors use Spotify's ``{"error": {"status": ..., "message": ...}}`` body; the accounts service
answers RFC 6749 ``{"error": ..., "error_description": ...}``.

Use it as an async context manager::

    async with SpotifyEmulator(catalog=tracks) as emu:
        token = emu.issue_token()
        provider = SpotifyProvider(access_token=token.access_token, api_url=emu.api_url)
"""

from playlist_interop.testing.emulators._spotify import DEFAULT_SCOPES, SpotifyEmulator, spotify_id

__all__ = ["DEFAULT_SCOPES", "SpotifyEmulator", "spotify_id"]
