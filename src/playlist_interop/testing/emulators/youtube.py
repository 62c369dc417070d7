"""A loopback emulator of Google OAuth and the YouTube Data API v3.

Resources follow the documented representations (``youtube#playlistItem`` with ``snippet``,
``resourceId``, ``videoOwnerChannelTitle``, ``contentDetails``; ``youtube#video`` with an
ISO 8601 ``contentDetails.duration``; ``*ListResponse`` pages with ``nextPageToken`` and
``pageInfo``, 50 items at most). The shared fixtures hold no Data API recording (their YouTube
cassettes are of YouTube Music's internal API), so shapes come from the reference pages.

Behaviour reproduced: a daily quota in units (``search.list`` 100, inserts/updates/deletes 50,
list calls 1) answered with 403 ``quotaExceeded`` once spent; one video per
``playlistItems.insert``; ``position`` on insert and update; HTML-escaped titles in
``search.list``; deleted videos left in playlists as "Deleted video"; Google's error body
``{"error": {"code", "message", "errors": [{"domain", "reason"}], "status"}}``; OAuth with
PKCE and a refresh token that is not rotated.

Use it as an async context manager::

    async with YouTubeEmulator(catalog=tracks) as emu:
        token = emu.issue_token()
        provider = YouTubeProvider(access_token=token.access_token, api_url=emu.api_url)
"""

from playlist_interop.testing.emulators._youtube import YouTubeEmulator, video_id

__all__ = ["YouTubeEmulator", "video_id"]
