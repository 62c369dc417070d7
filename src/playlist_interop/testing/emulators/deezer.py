"""A loopback emulator of Deezer's OAuth and API (api.deezer.com, connect.deezer.com).

It reproduces the wire format of the recorded responses in the shared fixtures (track, album,
search and playlist objects, ``data``/``total``/``next`` pages) and Deezer's habits: errors
inside HTTP 200 bodies, the quota of 50 requests per 5 seconds per token (error code 4), the
form-encoded token answer, ``wrong code`` for a refused code, tokens without refresh, no
duplicate tracks in a playlist, and the advanced search syntax
(``artist:"" track:"" album:"" dur_min: dur_max:``).

Use it as an async context manager::

    async with DeezerEmulator(catalog=tracks) as emu:
        token = emu.issue_token()
        provider = DeezerProvider(access_token=token, api_url=emu.api_url)
"""

from playlist_interop.testing.emulators._deezer import DeezerEmulator, DeezerUser

__all__ = ["DeezerEmulator", "DeezerUser"]
