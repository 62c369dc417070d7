"""A loopback emulator of the MusicBrainz web service (``/ws/2``, JSON).

Seed it with real release or recording JSON (as the service sends it, or with the underscored
keys some tools write) and with model tracks; it answers ISRC lookups
(``/isrc/{isrc}``), recording lookups and Lucene recording searches
(``recording:"..." AND artist:"..." AND dur:[a TO b]``) with scores, and behaves like the
service toward clients: more than ``rate`` requests per second from one client get 503 with
MusicBrainz's rate-limit message, and requests without a descriptive ``User-Agent`` get 403.
"""

from playlist_interop.testing.emulators._musicbrainz import MusicBrainzEmulator

__all__ = ["MusicBrainzEmulator"]
