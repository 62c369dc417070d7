"""Loopback emulators of the music services' OAuth and Web APIs, for tests.

Each emulator module (``spotify``, ``deezer``, ``tidal``, ``youtube``, ``musicbrainz``) holds
one provider's emulator; the shared plumbing (fault injection, token store, request log) is
re-exported here for plugin authors writing their own.
"""

from playlist_interop.testing.emulators._base import (
    AccessGrant,
    Emulator,
    Fault,
    Faults,
    RecordedRequest,
    TokenStore,
)

__all__ = [
    "AccessGrant",
    "Emulator",
    "Fault",
    "Faults",
    "RecordedRequest",
    "TokenStore",
]
