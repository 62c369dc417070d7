"""Named types for identifiers and units used across the library."""

from __future__ import annotations

from typing import NewType

__all__ = [
    "DurationMs",
    "Isrc",
    "MusicBrainzId",
    "ProviderName",
    "ProviderPlaylistId",
    "ProviderTrackId",
]

Isrc = NewType("Isrc", str)
"""An International Standard Recording Code, upper case, 12 characters, no dashes."""

DurationMs = NewType("DurationMs", int)
"""A duration in whole milliseconds."""

ProviderName = NewType("ProviderName", str)
"""The registered name of a provider, such as ``"spotify"``."""

ProviderTrackId = NewType("ProviderTrackId", str)
"""A track id as the provider spells it (no URI prefix)."""

ProviderPlaylistId = NewType("ProviderPlaylistId", str)
"""A playlist id as the provider spells it (no URI prefix)."""

MusicBrainzId = NewType("MusicBrainzId", str)
"""A MusicBrainz identifier (a lower-case UUID)."""
