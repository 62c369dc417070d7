"""MusicBrainz: an enrichment client (not a ``Provider``).

``MusicBrainzClient.enrich(track)`` finds the recording (ISRC first, then a scored search) and
adds MBIDs, ISRCs, canonical artist credits, the release date and tags. Every client of the
process shares one 1-request-per-second pacer and sends a descriptive ``User-Agent``.
"""

from playlist_interop.providers.musicbrainz._client import (
    MB_RETRY,
    MusicBrainzClient,
    apply_recording,
    default_user_agent,
)
from playlist_interop.providers.musicbrainz._wire import (
    MbArtistCredit,
    MbRecording,
    MbRelease,
    ProcessPacer,
    lucene_phrase,
    parse_recording,
    process_pacer,
)

__all__ = [
    "MB_RETRY",
    "MbArtistCredit",
    "MbRecording",
    "MbRelease",
    "MusicBrainzClient",
    "ProcessPacer",
    "apply_recording",
    "default_user_agent",
    "lucene_phrase",
    "parse_recording",
    "process_pacer",
]
