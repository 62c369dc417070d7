"""Column sets of the CSV dialects people actually exchange playlists in.

A *profile* is the header a known exporter writes (or importer expects) and how its cells
join lists. Reading maps headers to model fields by name, whatever the profile, through
:data:`HEADER_FIELDS`; the profile detected from the header decides how artist and genre
cells split and is the default column set when the playlist is written back.

Field keys used in column definitions:

``title``, ``artists``, ``artist_uris``, ``album``, ``album_uri``, ``album_artists``,
``album_artist_uris``, ``release_date``, ``album_image``, ``upc``, ``disc_number``,
``track_number``, ``duration_ms``, ``duration`` (unit guessed), ``duration_s``,
``explicit``, ``isrc``, ``spotify_uri`` (``spotify:track:...`` or a local-file URI),
``provider_id:<name>``, ``genres``, ``location``, ``playlist_name``, ``image``,
``musicbrainz_recording_id``. A column whose field is ``None`` is carried verbatim in
``Track.extras`` under ``"csv.<header>"``.
"""

from __future__ import annotations

import re

import attrs

__all__ = [
    "EXPORTIFY",
    "EXPORTIFY_OLD",
    "EXTRA_PREFIX",
    "GENERIC",
    "HEADER_FIELDS",
    "PROFILES",
    "SOUNDIIZ",
    "TUNEMYMUSIC",
    "Column",
    "CsvProfile",
    "detect_profile",
    "field_for_header",
    "normalise_header",
]

EXTRA_PREFIX = "csv."
"""Prefix of ``Track.extras`` keys that hold columns no model field takes."""


@attrs.frozen
class Column:
    """One column a profile writes."""

    header: str
    """Header text exactly as the exporter spells it."""
    field: str | None
    """Model field key (see the module docstring), or ``None`` for a verbatim extra."""


@attrs.frozen
class CsvProfile:
    """A known CSV column set and its list conventions."""

    name: str
    """Short name (``"exportify"``, ``"generic"``...)."""
    description: str
    """One line for help texts."""
    columns: tuple[Column, ...]
    """Columns in write order (for ``generic``: the candidates, written when used)."""
    artist_separator: str = ";"
    """Joins artist names: ``";"`` (with ``\\;`` escapes) or ``","`` (with ``\\,`` escapes)."""
    genre_separator: str = ";"
    """Joins genres, same escaping rules as artists."""
    signature: frozenset[str] = frozenset()
    """Normalised headers that, all present, identify the profile."""
    exact: bool = False
    """The signature must be the whole header (empty header cells aside)."""
    dynamic: bool = False
    """Adds ``<provider>_id`` and extra columns as the data needs (generic only)."""

    def column_for(self, field: str) -> Column | None:
        """The column that carries ``field``, if any."""
        for column in self.columns:
            if column.field == field:
                return column
        return None


def normalise_header(header: str) -> str:
    """Lower-case, BOM-free, single-spaced form of a header cell, for matching."""
    return " ".join(header.replace("\ufeff", "").strip().lower().replace("_", " ").split())


_AUDIO_FEATURES = (
    "Danceability",
    "Energy",
    "Key",
    "Loudness",
    "Mode",
    "Speechiness",
    "Acousticness",
    "Instrumentalness",
    "Liveness",
    "Valence",
    "Tempo",
    "Time Signature",
)

EXPORTIFY = CsvProfile(
    name="exportify",
    description="exportify.net (24 columns: Track URI, Track Name, ..., audio features)",
    columns=(
        Column("Track URI", "spotify_uri"),
        Column("Track Name", "title"),
        Column("Album Name", "album"),
        Column("Artist Name(s)", "artists"),
        Column("Release Date", "release_date"),
        Column("Duration (ms)", "duration_ms"),
        Column("Popularity", None),
        Column("Explicit", "explicit"),
        Column("Added By", None),
        Column("Added At", None),
        Column("Genres", "genres"),
        Column("Record Label", None),
        *(Column(name, None) for name in _AUDIO_FEATURES),
    ),
    artist_separator=";",
    genre_separator=",",
    signature=frozenset({"track uri", "track name", "artist name(s)", "duration (ms)"}),
)
"""Exportify as served at exportify.net: artists joined by ``;``, genres by ``,``."""

EXPORTIFY_OLD = CsvProfile(
    name="exportify-old",
    description="original Exportify (Track URI, Artist URI(s), Album Artist Name(s), ISRC...)",
    columns=(
        Column("Track URI", "spotify_uri"),
        Column("Track Name", "title"),
        Column("Artist URI(s)", "artist_uris"),
        Column("Artist Name(s)", "artists"),
        Column("Album URI", "album_uri"),
        Column("Album Name", "album"),
        Column("Album Artist URI(s)", "album_artist_uris"),
        Column("Album Artist Name(s)", "album_artists"),
        Column("Album Release Date", "release_date"),
        Column("Album Image URL", "album_image"),
        Column("Disc Number", "disc_number"),
        Column("Track Number", "track_number"),
        Column("Track Duration (ms)", "duration_ms"),
        Column("Track Preview URL", None),
        Column("Explicit", "explicit"),
        Column("Popularity", None),
        Column("ISRC", "isrc"),
        Column("Added By", None),
        Column("Added At", None),
    ),
    artist_separator=",",
    genre_separator=",",
    signature=frozenset({"track name", "track duration (ms)"}),
)
"""watsonbox/exportify: names joined by ``,`` with commas inside names escaped as ``\\,``."""

TUNEMYMUSIC = CsvProfile(
    name="tunemymusic",
    description="TuneMyMusic export (Track name, Artist name, Album, Playlist name, ISRC...)",
    columns=(
        Column("Track name", "title"),
        Column("Artist name", "artists"),
        Column("Album", "album"),
        Column("Playlist name", "playlist_name"),
        Column("Type", None),
        Column("ISRC", "isrc"),
        Column("Spotify - id", "provider_id:spotify"),
    ),
    signature=frozenset({"track name", "artist name", "playlist name"}),
)
"""TuneMyMusic's export; one ``Playlist name`` cell per row."""

SOUNDIIZ = CsvProfile(
    name="soundiiz",
    description="Soundiiz import file (title, artist, album, isrc)",
    columns=(
        Column("title", "title"),
        Column("artist", "artists"),
        Column("album", "album"),
        Column("isrc", "isrc"),
    ),
    signature=frozenset({"title", "artist", "album", "isrc"}),
    exact=True,
)
"""The four columns Soundiiz's CSV import matches on."""

GENERIC = CsvProfile(
    name="generic",
    description="plain columns (title, artist, album, duration_ms, isrc, ...)",
    columns=(
        Column("title", "title"),
        Column("artist", "artists"),
        Column("album", "album"),
        Column("album_artist", "album_artists"),
        Column("duration_ms", "duration_ms"),
        Column("isrc", "isrc"),
        Column("track_number", "track_number"),
        Column("disc_number", "disc_number"),
        Column("explicit", "explicit"),
        Column("release_date", "release_date"),
        Column("upc", "upc"),
        Column("genres", "genres"),
        Column("location", "location"),
        Column("image", "image"),
        Column("album_image", "album_image"),
        Column("musicbrainz_recording_id", "musicbrainz_recording_id"),
    ),
    dynamic=True,
)
"""Anything else; written with only the columns the data uses plus ``<provider>_id``."""

PROFILES: dict[str, CsvProfile] = {
    profile.name: profile for profile in (EXPORTIFY, EXPORTIFY_OLD, TUNEMYMUSIC, SOUNDIIZ, GENERIC)
}
"""Every profile by name."""

HEADER_FIELDS: dict[str, str] = {
    # title
    "track name": "title",
    "title": "title",
    "name": "title",
    "track": "title",
    "track title": "title",
    "song": "title",
    "song name": "title",
    "song title": "title",
    # artists
    "artist name(s)": "artists",
    "artist name": "artists",
    "artist names": "artists",
    "artist": "artists",
    "artists": "artists",
    "artist(s)": "artists",
    "performer": "artists",
    "artist uri(s)": "artist_uris",
    "artist uris": "artist_uris",
    # album
    "album name": "album",
    "album": "album",
    "album title": "album",
    "release": "album",
    "album uri": "album_uri",
    "album artist name(s)": "album_artists",
    "album artist": "album_artists",
    "album artists": "album_artists",
    "albumartist": "album_artists",
    "album artist uri(s)": "album_artist_uris",
    "album release date": "release_date",
    "release date": "release_date",
    "year": "release_date",
    "album image url": "album_image",
    "album image": "album_image",
    "album art": "album_image",
    "cover": "album_image",
    "upc": "upc",
    "album upc": "upc",
    # numbers
    "disc number": "disc_number",
    "disc": "disc_number",
    "discnumber": "disc_number",
    "track number": "track_number",
    "tracknumber": "track_number",
    "track no": "track_number",
    "track #": "track_number",
    # duration
    "track duration (ms)": "duration_ms",
    "duration (ms)": "duration_ms",
    "duration ms": "duration_ms",
    "length (ms)": "duration_ms",
    "duration": "duration",
    "length": "duration",
    "time": "duration",
    "duration (s)": "duration_s",
    "duration s": "duration_s",
    "duration (sec)": "duration_s",
    "seconds": "duration_s",
    # flags and ids
    "explicit": "explicit",
    "explicit?": "explicit",
    "is explicit": "explicit",
    "isrc": "isrc",
    "isrc code": "isrc",
    "track uri": "spotify_uri",
    "spotify uri": "spotify_uri",
    "uri": "spotify_uri",
    "musicbrainz recording id": "musicbrainz_recording_id",
    "musicbrainz track id": "musicbrainz_recording_id",
    "musicbrainz trackid": "musicbrainz_recording_id",
    "mbid": "musicbrainz_recording_id",
    # lists, places, context
    "genres": "genres",
    "genre": "genres",
    "artist genres": "genres",
    "tags": "genres",
    "location": "location",
    "path": "location",
    "file": "location",
    "file path": "location",
    "filename": "location",
    "url": "location",
    "playlist name": "playlist_name",
    "playlist": "playlist_name",
    "image": "image",
    "image url": "image",
}
"""Normalised header -> field key (see the module docstring)."""

# "Spotify - id", "spotify_id", "Deezer ID", "apple music id"...
_PROVIDER_ID = re.compile(r"^(?P<provider>[a-z][a-z0-9 ]*?)\s*(?:-\s*)?id$")
_NOT_PROVIDERS = frozenset(
    {"track", "album", "artist", "playlist", "isrc", "upc", "user", "musicbrainz", "row", ""}
)


def field_for_header(header: str) -> str | None:
    """The field key a header maps to, or ``None`` when it is an unknown column."""
    key = normalise_header(header)
    known = HEADER_FIELDS.get(key)
    if known is not None:
        return known
    match = _PROVIDER_ID.match(key)
    if match:
        provider = match["provider"].strip().replace(" ", "_")
        if provider not in _NOT_PROVIDERS:
            return f"provider_id:{provider}"
    return None


def detect_profile(headers: list[str]) -> CsvProfile:
    """The profile whose signature the header matches best (``GENERIC`` when none does)."""
    present = {normalise_header(h) for h in headers} - {""}
    best = GENERIC
    best_size = 0
    for profile in PROFILES.values():
        if profile.exact and profile.signature != present:
            continue
        if profile.signature and profile.signature <= present:
            size = len(profile.signature)
            if size > best_size:
                best, best_size = profile, size
    return best
