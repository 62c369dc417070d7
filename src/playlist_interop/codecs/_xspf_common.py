"""What XSPF and JSPF share: value rules of XSPF v1 and the mapping to and from the model.

JSPF is XSPF written as JSON, so both codecs turn a track into the same flat set of XSPF
fields (:class:`XspfTrack`, :class:`XspfPlaylist`) and back. Only the syntax differs.

Model mapping (both directions):

========================  =====================================================
XSPF / JSPF               model
========================  =====================================================
playlist title            ``Playlist.name``
playlist creator          ``Playlist.owner``
playlist annotation       ``Playlist.description``
playlist location         ``Playlist.location``
playlist image            ``Playlist.image``
playlist date             ``Playlist.created_at``
playlist info, identifier, license, attribution, link, meta
                          ``Playlist.extras["xspf.<name>"]``
track title               ``Track.title``
track creator             one ``ArtistCredit`` (multiple credits are joined)
track album               ``Track.album.title``
track trackNum            ``Track.track_number``
track duration            ``Track.duration_ms``
track location (many)     ``Track.locations``
track image               ``Track.image``
track identifier (many)   ``isrc:``/``urn:isrc:`` -> ``isrc``; MusicBrainz recording URL ->
                          ``musicbrainz_recording_id``; Spotify, Deezer, Tidal and YouTube
                          track URIs/URLs -> ``provider_ids``; anything else ->
                          ``extras["xspf.identifiers"]``
track annotation, info, link, meta
                          ``Track.extras["xspf.<name>"]``
extension                 XSPF: raw XML strings in ``extras["xspf.extension"]``;
                          JSPF: the JSON object in ``extras["jspf.extension"]``
========================  =====================================================

``link`` and ``meta`` are kept as tuples of ``(rel, value)`` pairs in document order, which
both syntaxes can carry, so XSPF <-> JSPF conversion keeps them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PureWindowsPath
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import attrs

from playlist_interop.codecs._base import BuiltOnLookup, Loss, plain_album, sole_credit
from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track
from playlist_interop.model._track import (
    EMPTY_MAPPING,
    assemble_track,
    freeze_mapping,
    normalise_isrc,
)
from playlist_interop.types import DurationMs, MusicBrainzId, ProviderName, ProviderTrackId

__all__ = [
    "XSPF_NS",
    "Identifiers",
    "PlainTrack",
    "SharedValues",
    "XspfPlaylist",
    "XspfTrack",
    "assemble_plain_track",
    "classify_identifiers",
    "parse_date_time",
    "parse_non_negative_int",
    "plain_track_fields",
    "playlist_from_fields",
    "playlist_to_fields",
    "to_uri",
    "track_from_fields",
    "track_to_fields",
    "valid_uri",
]

XSPF_NS = "http://xspf.org/ns/0/"

# --- value rules -------------------------------------------------------------------------

# RFC 3986 URI-reference characters but "%", plus non-ASCII (IRIs, which xsd:anyURI allows).
_URI_CHAR = r"A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=\u00a0-\U0010ffff"
# Those characters with every "%" starting a percent escape: one pass, no backtracking.
_URI_TEXT = re.compile(rf"[{_URI_CHAR}]*(?:%[0-9A-Fa-f]{{2}}[{_URI_CHAR}]*)*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PATH_BREAK = re.compile(r"[/?#]")


def valid_uri(value: str) -> bool:
    """True when ``value`` (already whitespace-trimmed) is a URI reference per RFC 3986/3987.

    Relative references are allowed, whitespace, control characters, ``<>"{}|\\^``` and
    broken percent escapes are not, and a colon in the first segment must end a valid scheme.
    """
    if _URI_TEXT.fullmatch(value) is None:
        return False
    colon = value.find(":")
    if colon < 0 or _SCHEME.match(value):
        return True
    return _PATH_BREAK.search(value, 0, colon) is not None


_INT = re.compile(r"\+?[0-9]+")


_URI_SAFE = "-._~:/?#[]@!$&'()*+,;=%"
_WINDOWS_PATH = re.compile(r"(?:[A-Za-z]:[\\/]|\\\\[^\\])")
# ASCII characters ``quote(..., safe=_URI_SAFE)`` encodes, with their escapes.
_ASCII_ESCAPES = {
    char: f"%{ord(char):02X}"
    for char in map(chr, range(128))
    if not (char.isalnum() or char in "_" + _URI_SAFE)
}
_ASCII_UNSAFE = frozenset(_ASCII_ESCAPES)


def _quote(text: str) -> str:
    """``quote(text, safe=_URI_SAFE)``, with a fast path for ASCII text.

    The escapes hold only characters ``quote`` leaves alone, so replacing each unsafe
    character in turn gives what ``quote`` gives.
    """
    if not text.isascii():
        return quote(text, safe=_URI_SAFE)
    for char in _ASCII_UNSAFE.intersection(text):
        text = text.replace(char, _ASCII_ESCAPES[char])
    return text


def to_uri(value: str) -> str:
    """``value`` as a URI reference: unchanged when it is one, else made into one.

    Absolute Windows paths become ``file:`` URIs, relative ones use ``/``; anything else has
    the characters a URI
    cannot hold percent-encoded (as UTF-8), and broken ``%`` escapes encoded as ``%25``.
    """
    text = value.strip()
    if valid_uri(text):
        return text
    if _WINDOWS_PATH.match(text):
        with contextlib.suppress(ValueError):  # "\\\\x" has no share: a relative path below
            return PureWindowsPath(text).as_uri()
    if "\\" in text and not _SCHEME.match(text):
        text = text.replace("\\", "/")  # a relative Windows path
    text = _BAD_PERCENT.sub("%25", text)
    encoded = _quote(text)
    first_segment = _PATH_BREAK.split(encoded, maxsplit=1)[0]
    if ":" in first_segment and not _SCHEME.match(first_segment):
        encoded = "./" + encoded  # a colon in a relative path's first segment
    return encoded


def parse_non_negative_int(value: str) -> int | None:
    """Parse an ``xsd:nonNegativeInteger`` (surrounding whitespace allowed); ``None`` if not one."""
    text = value.strip()
    if not _INT.fullmatch(text):
        return None
    return int(text)


_DATE_TIME = re.compile(
    r"(?P<year>-?[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?P<fraction>\.[0-9]+)?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?"
)


def parse_date_time(value: str) -> dt.datetime | None:
    """Parse an ``xsd:dateTime``; ``None`` when it is not one (or Python cannot hold it)."""
    match = _DATE_TIME.fullmatch(value.strip())
    if match is None:
        return None
    parts = match.groupdict()
    try:
        year = int(parts["year"])
        hour = int(parts["hour"])
        extra_day = False
        if hour == 24:  # 24:00:00 is the end of the day in XML Schema
            if (
                parts["minute"] != "00"
                or parts["second"] != "00"
                or (parts["fraction"] or ".0").strip(".0")
            ):
                return None
            hour, extra_day = 0, True
        fraction = parts["fraction"] or ""
        micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
        zone = parts["zone"]
        tzinfo: dt.tzinfo | None = None
        if zone == "Z":
            tzinfo = dt.UTC
        elif zone:
            sign = 1 if zone[0] == "+" else -1
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 14 or minutes > 59:
                return None
            tzinfo = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        result = dt.datetime(
            year,
            int(parts["month"]),
            int(parts["day"]),
            hour,
            int(parts["minute"]),
            int(parts["second"]),
            micro,
            tzinfo=tzinfo,
        )
    except (ValueError, OverflowError):
        return None
    if extra_day:
        result += dt.timedelta(days=1)
    return result


def format_date_time(value: dt.datetime) -> str:
    """Format a datetime as ``xsd:dateTime`` (no zone when naive)."""
    offset = value.utcoffset()
    if offset is not None and offset % dt.timedelta(minutes=1):
        # xsd:dateTime offsets are whole minutes; express odd offsets in UTC instead.
        value = value.astimezone(dt.UTC)
    return value.isoformat()


# --- identifiers -------------------------------------------------------------------------

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_MB_RECORDING = re.compile(rf"https?://(?:beta\.|test\.)?musicbrainz\.org/recording/({_UUID})/?")
_ISRC = re.compile(r"(?:urn:)?isrc:([A-Za-z]{2}-?[A-Za-z0-9]{3}-?[0-9]{2}-?[0-9]{5})", re.I)
_PROVIDER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("spotify", re.compile(r"spotify:track:([A-Za-z0-9]{22})")),
    (
        "spotify",
        re.compile(
            r"https?://open\.spotify\.com/(?:intl-[a-z-]+/)?track/([A-Za-z0-9]{22})(?:\?.*)?"
        ),
    ),
    ("deezer", re.compile(r"https?://(?:www\.)?deezer\.com/(?:[a-z]{2}/)?track/([0-9]+)/?")),
    ("deezer", re.compile(r"deezer:track:([0-9]+)")),
    ("tidal", re.compile(r"https?://(?:listen\.|www\.)?tidal\.com/(?:browse/)?track/([0-9]+)/?")),
    ("tidal", re.compile(r"tidal:track:([0-9]+)")),
    (
        "youtube",
        re.compile(r"https?://(?:www\.|music\.|m\.)?youtube\.com/watch\?v=([A-Za-z0-9_-]{11})"),
    ),
    ("youtube", re.compile(r"https?://youtu\.be/([A-Za-z0-9_-]{11})")),
)
_PROVIDER_URL: dict[str, str] = {
    "spotify": "https://open.spotify.com/track/{}",
    "deezer": "https://www.deezer.com/track/{}",
    "tidal": "https://tidal.com/browse/track/{}",
    "youtube": "https://www.youtube.com/watch?v={}",
}
_MB_RECORDING_URL = "https://musicbrainz.org/recording/{}"
_MB_ARTIST = re.compile(rf"https?://(?:beta\.)?musicbrainz\.org/artist/({_UUID})/?")
_MB_ARTIST_URL = "https://musicbrainz.org/artist/{}"
_BARE_UUID = re.compile(f"({_UUID})")
_MB_RECORDING_EXTENSION = "https://musicbrainz.org/recording/"


# --- intermediate records ----------------------------------------------------------------


@attrs.frozen
class XspfTrack:
    """One ``<track>`` (or JSPF track object) as plain values."""

    locations: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    title: str | None = None
    creator: str | None = None
    annotation: str | None = None
    info: str | None = None
    image: str | None = None
    album: str | None = None
    track_num: int | None = None
    duration: int | None = None
    links: tuple[tuple[str, str], ...] = ()
    metas: tuple[tuple[str, str], ...] = ()
    extensions: tuple[str, ...] = ()
    """Raw XML of each ``<extension>`` (XSPF)."""
    json_extension: Mapping[str, Any] | None = None
    """The ``extension`` object (JSPF)."""
    extras: Mapping[str, Any] = attrs.field(factory=dict)
    """Further extras (invalid values kept by a lenient read, unknown elements)."""


@attrs.frozen
class XspfPlaylist:
    """The playlist-level fields of an XSPF or JSPF document."""

    title: str | None = None
    creator: str | None = None
    annotation: str | None = None
    info: str | None = None
    location: str | None = None
    identifier: str | None = None
    image: str | None = None
    date: dt.datetime | None = None
    license: str | None = None
    attribution: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    metas: tuple[tuple[str, str], ...] = ()
    extensions: tuple[str, ...] = ()
    json_extension: Mapping[str, Any] | None = None
    extras: Mapping[str, Any] = attrs.field(factory=dict)


# Extras keys the XSPF-family writers carry themselves.
_TRACK_KEYS = {"xspf.annotation", "xspf.info", "xspf.identifiers", "xspf.link", "xspf.meta"}
_PLAYLIST_KEYS = {
    "xspf.info",
    "xspf.identifier",
    "xspf.license",
    "xspf.attribution",
    "xspf.link",
    "xspf.meta",
}
XML_EXTENSION_KEY = "xspf.extension"
JSON_EXTENSION_KEY = "jspf.extension"
_CARRIED_TRACK_KEYS = frozenset({*_TRACK_KEYS, XML_EXTENSION_KEY, JSON_EXTENSION_KEY})
LB_TRACK_EXTENSION = "https://musicbrainz.org/doc/jspf#track"
LB_PLAYLIST_EXTENSION = "https://musicbrainz.org/doc/jspf#playlist"


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(rel), str(content)) for rel, content in value)


Identifiers = tuple[
    str | None, MusicBrainzId | None, dict[ProviderName, ProviderTrackId], tuple[str, ...]
]
"""What a track's identifiers say: ``(isrc, recording, provider_ids, others)``, the others
being those the model has no field for (``extras["xspf.identifiers"]``)."""


def classify_identifiers(identifiers: Sequence[str]) -> Identifiers:
    """Sort identifiers into an ISRC, a MusicBrainz recording, provider ids and the rest."""
    if len(identifiers) == 1:  # the usual case: a lone ISRC
        match = _ISRC.fullmatch(identifiers[0].strip())
        if match:
            return match.group(1), None, {}, ()
    isrc: str | None = None
    recording: str | None = None
    provider_ids: dict[ProviderName, ProviderTrackId] = {}
    other_ids: list[str] = []
    for identifier in identifiers:
        text = identifier.strip()
        match = _ISRC.fullmatch(text)
        if match and isrc is None:
            isrc = match.group(1)
            continue
        match = _MB_RECORDING.fullmatch(text)
        if match and recording is None:
            recording = match.group(1).lower()
            continue
        for provider, pattern in _PROVIDER_PATTERNS:
            match = pattern.fullmatch(text)
            if match and ProviderName(provider) not in provider_ids:
                provider_ids[ProviderName(provider)] = ProviderTrackId(match.group(1))
                break
        else:
            other_ids.append(identifier)
    return isrc, _mbid(recording), provider_ids, tuple(other_ids)


class SharedValues:
    """Equal artist credits and albums built once per read, shared by the tracks.

    They are immutable and compare by value, so sharing them changes nothing but the time
    and memory a read takes. Look-ups are plain dict subscripts (the hot path of a read).
    At most ``limit`` of each are kept, so a stream of ever new names runs in bounded
    memory.
    """

    def __init__(self, limit: int = 8192) -> None:
        self.credits: Mapping[str, tuple[ArtistCredit, ...]] = BuiltOnLookup(sole_credit, limit)
        """``credits[name] == (ArtistCredit(name),)``."""
        self.albums: Mapping[str, Album] = BuiltOnLookup(plain_album, limit)
        """``albums[title] == Album(title)``."""


def assemble_plain_track(  # noqa: PLR0917 - the fields of a plain track
    shared: SharedValues,
    title: str | None,
    creator: str | None,
    album: str | None,
    duration: DurationMs | None,
    track_number: int | None,
    locations: tuple[str, ...],
    identifiers: Sequence[str] = (),
) -> Track:
    """The track of a plain XSPF or JSPF track, which has only these fields, each valid.

    What :func:`track_from_fields` builds from the same fields, without ``Track``'s
    converters: the values are put in the model's normal form here.
    """
    isrc = recording = None
    provider_ids: Mapping[ProviderName, ProviderTrackId] = EMPTY_MAPPING
    extras: Mapping[str, Any] = EMPTY_MAPPING
    if identifiers:
        isrc, recording, ids, others = classify_identifiers(identifiers)
        provider_ids = freeze_mapping(ids)
        if others:
            extras = MappingProxyType({"xspf.identifiers": others})
    return assemble_track(
        title or "",
        shared.credits[creator] if creator else (),
        shared.albums[album] if album else None,
        duration,
        normalise_isrc(isrc),
        track_number,
        None,
        None,
        provider_ids,
        locations,
        None,
        recording,
        (),
        extras,
    )


def track_from_fields(fields: XspfTrack, shared: SharedValues | None = None) -> Track:
    """Build a model track from XSPF fields (sharing credits and albums through ``shared``)."""
    extras: dict[str, Any] = dict(fields.extras)
    isrc, recording, provider_ids, other_ids = classify_identifiers(fields.identifiers)
    if other_ids:
        extras["xspf.identifiers"] = other_ids
    if fields.annotation is not None:
        extras["xspf.annotation"] = fields.annotation
    if fields.info is not None:
        extras["xspf.info"] = fields.info
    if fields.links:
        extras["xspf.link"] = fields.links
    if fields.metas:
        extras["xspf.meta"] = fields.metas
    if fields.extensions:
        extras[XML_EXTENSION_KEY] = fields.extensions

    credit_mbid: str | None = None
    if fields.json_extension is not None:
        extension = dict(fields.json_extension)
        if fields.creator:
            credit_mbid = _take_artist_mbid(extension)
        if extension:
            extras[JSON_EXTENSION_KEY] = extension

    artists: tuple[ArtistCredit, ...] = ()
    if fields.creator is not None and fields.creator != "":
        if credit_mbid is None and shared is not None:
            artists = shared.credits[fields.creator]
        else:
            artists = (ArtistCredit(fields.creator, musicbrainz_id=_mbid(credit_mbid)),)
    album: Album | None = None
    if fields.album:
        album = Album(fields.album) if shared is None else shared.albums[fields.album]
    return Track(
        title=fields.title or "",
        artists=artists,
        album=album,
        duration_ms=DurationMs(fields.duration) if fields.duration is not None else None,
        isrc=isrc,
        track_number=fields.track_num,
        provider_ids=provider_ids,
        locations=fields.locations,
        image=Image(fields.image) if fields.image else None,
        musicbrainz_recording_id=recording,
        extras=extras,
    )


def _take_artist_mbid(extension: dict[str, Any]) -> str | None:
    """Move a single artist MBID out of a track's ListenBrainz extension (in place)."""
    for application, key, pattern in (
        (LB_TRACK_EXTENSION, "artist_identifiers", _MB_ARTIST),
        (_MB_RECORDING_EXTENSION, "artist_mbids", _BARE_UUID),
    ):
        data = extension.get(application)
        if not isinstance(data, Mapping):
            continue
        ids = data.get(key)
        if not (isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], str)):
            continue
        match = pattern.fullmatch(ids[0])
        if match is None:
            continue
        rest = {k: v for k, v in data.items() if k != key}
        if rest:
            extension[application] = rest
        else:
            del extension[application]
        return match.group(1).lower()
    return None


def _mbid(value: str | None) -> MusicBrainzId | None:
    return MusicBrainzId(value) if value else None


class LossCounter:
    """Counts, per model field, how many tracks lost a value."""

    def __init__(self) -> None:
        self._tracks: Counter[str] = Counter()
        self._reasons: dict[str, str] = {}
        self._playlist: dict[str, str] = {}

    def track(self, field: str, reason: str = "not representable in the target format") -> None:
        """Record that one track lost ``field``."""
        self._tracks[field] += 1
        self._reasons.setdefault(field, reason)

    def playlist(self, field: str, reason: str = "not representable in the target format") -> None:
        """Record that the playlist lost ``field``."""
        self._playlist.setdefault(field, reason)

    def losses(self) -> tuple[Loss, ...]:
        """The losses recorded so far, playlist fields first, then by field name."""
        result = [Loss(field, 0, reason) for field, reason in sorted(self._playlist.items())]
        result += [
            Loss(field, count, self._reasons[field])
            for field, count in sorted(self._tracks.items())
        ]
        return tuple(result)


def track_to_fields(track: Track, losses: LossCounter, *, json: bool) -> XspfTrack:
    """Turn a model track into XSPF fields, recording what cannot be carried."""
    extras = track.extras
    creator: str | None = None
    credit_mbid: str | None = None
    if track.artists:
        creator = track.artist_line
        first = track.artists[0]
        if len(track.artists) > 1:
            losses.track("artists", "several credits are joined into one creator")
        if any(a.role is not None or a.provider_ids for a in track.artists):
            losses.track("artists.role/provider_ids")
        mbids = [a.musicbrainz_id for a in track.artists if a.musicbrainz_id]
        if mbids:
            if json and len(track.artists) == 1:
                credit_mbid = first.musicbrainz_id
            else:
                losses.track("artists.musicbrainz_id")
    album: str | None = None
    if track.album is not None:
        album = track.album.title
        a = track.album
        if a.artists or a.release_date or a.upc or a.provider_ids or a.musicbrainz_id or a.images:
            losses.track("album (beyond title)")
    identifiers: list[str] = []
    if track.musicbrainz_recording_id:
        identifiers.append(_MB_RECORDING_URL.format(track.musicbrainz_recording_id))
    if track.isrc:
        identifiers.append(f"isrc:{track.isrc}")
    for provider, track_id in track.provider_ids.items():
        template = _PROVIDER_URL.get(provider)
        if template is None:
            losses.track(f"provider_ids.{provider}")
        else:
            identifiers.append(template.format(track_id))
    identifiers.extend(str(i) for i in extras.get("xspf.identifiers", ()))

    def uri(value: str, field: str) -> str:
        converted = to_uri(value)
        if converted != value:
            losses.track(field, "not a URI; written percent-encoded")
        return converted

    if track.disc_number is not None:
        losses.track("disc_number")
    if track.explicit is not None:
        losses.track("explicit")
    if track.genres:
        losses.track("genres")
    if track.image is not None and (track.image.width or track.image.height):
        losses.track("image.size")

    json_extension: dict[str, Any] | None = None
    xml_extensions: tuple[str, ...] = ()
    raw_json = extras.get(JSON_EXTENSION_KEY)
    raw_xml = extras.get(XML_EXTENSION_KEY)
    if json:
        json_extension = dict(raw_json) if isinstance(raw_json, Mapping) else {}
        if credit_mbid:
            lb = dict(json_extension.get(LB_TRACK_EXTENSION) or {})
            lb["artist_identifiers"] = [_MB_ARTIST_URL.format(credit_mbid)]
            json_extension[LB_TRACK_EXTENSION] = lb
        if raw_xml:
            losses.track(f"extras.{XML_EXTENSION_KEY}", "XML extensions cannot be written as JSON")
    else:
        xml_extensions = tuple(str(x) for x in raw_xml or ())
        if raw_json:
            losses.track(f"extras.{JSON_EXTENSION_KEY}", "JSON extensions cannot be written as XML")
    for key in extras:
        if key not in _CARRIED_TRACK_KEYS:
            losses.track(f"extras.{key}")
    annotation = extras.get("xspf.annotation")
    info = extras.get("xspf.info")
    track_num = track.track_number
    if track_num is not None and track_num < 1:
        losses.track("track_number", "XSPF track numbers start at 1")
        track_num = None
    duration = int(track.duration_ms) if track.duration_ms is not None else None
    if duration is not None and duration < 0:
        losses.track("duration_ms", "negative durations are not allowed")
        duration = None
    links: tuple[tuple[str, str], ...] = ()
    metas: tuple[tuple[str, str], ...] = ()
    if "xspf.link" in extras:
        field = "extras.xspf.link"
        links = tuple((uri(r, field), uri(v, field)) for r, v in _pairs(extras["xspf.link"]))
    if "xspf.meta" in extras:
        field = "extras.xspf.meta"
        metas = tuple((uri(r, field), v) for r, v in _pairs(extras["xspf.meta"]))
    return XspfTrack(
        locations=tuple(uri(location, "locations") for location in track.locations),
        identifiers=tuple(uri(i, "extras.xspf.identifiers") for i in identifiers),
        title=track.title if track.title != "" else None,
        creator=creator,
        annotation=str(annotation) if annotation is not None else None,
        info=uri(str(info), "extras.xspf.info") if info is not None else None,
        image=uri(track.image.url, "image") if track.image is not None else None,
        album=album,
        track_num=track_num,
        duration=duration,
        links=links,
        metas=metas,
        extensions=xml_extensions,
        json_extension=json_extension or None,
    )


PlainTrack = tuple[
    tuple[str, ...], tuple[str, ...], str | None, str | None, str | None, int | None, int | None
]
"""``(locations, identifiers, title, creator, album, track_num, duration)``."""

_URI_REASON = "not a URI; written percent-encoded"


def plain_track_fields(track: Track, losses: LossCounter) -> PlainTrack | None:
    """The fields of a plain track, or None for any other (use :func:`track_to_fields`).

    A plain track has no extras, image, disc number, explicit flag or genres, at most one
    credit with only a name, an album with only a title, no provider id without an XSPF
    identifier form, and a track number and duration XSPF can hold: the common case of a
    large playlist. For it this gives the fields (and records the losses)
    :func:`track_to_fields` does, in a fraction of the time. Nothing is recorded when it
    returns None.
    """
    if (
        track.extras
        or track.image is not None
        or track.disc_number is not None
        or track.explicit is not None
        or track.genres
    ):
        return None
    creator: str | None = None
    if track.artists:
        if len(track.artists) > 1:
            return None
        credit = track.artists[0]
        if credit.role is not None or credit.provider_ids or credit.musicbrainz_id:
            return None
        creator = credit.name
    album: str | None = None
    if track.album is not None:
        a = track.album
        if a.artists or a.release_date or a.upc or a.provider_ids or a.musicbrainz_id or a.images:
            return None
        album = a.title
    track_num = track.track_number
    if track_num is not None and track_num < 1:
        return None
    duration = int(track.duration_ms) if track.duration_ms is not None else None
    if duration is not None and duration < 0:
        return None
    identifiers: list[str] = []
    if track.musicbrainz_recording_id:
        identifiers.append(_MB_RECORDING_URL.format(track.musicbrainz_recording_id))
    if track.isrc:
        identifiers.append(f"isrc:{track.isrc}")
    for provider, track_id in track.provider_ids.items():
        template = _PROVIDER_URL.get(provider)
        if template is None:
            return None
        identifiers.append(template.format(track_id))
    return (
        _uris(track.locations, "locations", losses),
        _uris(identifiers, "extras.xspf.identifiers", losses),
        track.title if track.title != "" else None,
        creator,
        album,
        track_num,
        duration,
    )


def _uris(values: Iterable[str], field: str, losses: LossCounter) -> tuple[str, ...]:
    """``values`` made URIs, each change recorded as a loss of ``field``."""
    result = []
    for value in values:
        converted = to_uri(value)
        if converted != value:
            losses.track(field, _URI_REASON)
        result.append(converted)
    return tuple(result)


def playlist_from_fields(fields: XspfPlaylist, tracks: Iterable[Track]) -> Playlist:
    """Build a model playlist from XSPF playlist fields and its tracks."""
    extras: dict[str, Any] = dict(fields.extras)
    singles = {
        "xspf.info": fields.info,
        "xspf.identifier": fields.identifier,
        "xspf.license": fields.license,
    }
    extras.update({key: value for key, value in singles.items() if value is not None})
    if fields.attribution:
        extras["xspf.attribution"] = fields.attribution
    if fields.links:
        extras["xspf.link"] = fields.links
    if fields.metas:
        extras["xspf.meta"] = fields.metas
    if fields.extensions:
        extras[XML_EXTENSION_KEY] = fields.extensions
    public: bool | None = None
    updated_at: dt.datetime | None = None
    if fields.json_extension is not None:
        extension = dict(fields.json_extension)
        lb = extension.get(LB_PLAYLIST_EXTENSION)
        if isinstance(lb, Mapping):
            rest = dict(lb)
            if isinstance(rest.get("public"), bool):
                public = rest.pop("public")
            modified = rest.get("last_modified_at")
            if isinstance(modified, str):
                parsed = parse_date_time(modified)
                if parsed is not None:
                    updated_at = parsed
                    del rest["last_modified_at"]
            if rest:
                extension[LB_PLAYLIST_EXTENSION] = rest
            else:
                del extension[LB_PLAYLIST_EXTENSION]
        if extension:
            extras[JSON_EXTENSION_KEY] = extension
    return Playlist(
        name=fields.title,
        tracks=tracks,
        description=fields.annotation,
        owner=fields.creator,
        image=Image(fields.image) if fields.image else None,
        created_at=fields.date,
        updated_at=updated_at,
        public=public,
        location=fields.location,
        extras=extras,
    )


def playlist_to_fields(playlist: Playlist, losses: LossCounter, *, json: bool) -> XspfPlaylist:
    """Turn the playlist's metadata into XSPF fields, recording what cannot be carried."""
    extras = playlist.extras
    json_extension: dict[str, Any] | None = None
    xml_extensions: tuple[str, ...] = ()
    raw_json = extras.get(JSON_EXTENSION_KEY)
    raw_xml = extras.get(XML_EXTENSION_KEY)
    if json:
        json_extension = dict(raw_json) if isinstance(raw_json, Mapping) else {}
        if playlist.public is not None or playlist.updated_at is not None:
            lb = dict(json_extension.get(LB_PLAYLIST_EXTENSION) or {})
            if playlist.public is not None:
                lb["public"] = playlist.public
            if playlist.updated_at is not None:
                lb["last_modified_at"] = format_date_time(playlist.updated_at)
            json_extension[LB_PLAYLIST_EXTENSION] = lb
        if raw_xml:
            losses.playlist(f"playlist.extras.{XML_EXTENSION_KEY}", "XML extensions in JSON")
    else:
        xml_extensions = tuple(str(x) for x in raw_xml or ())
        if raw_json:
            losses.playlist(f"playlist.extras.{JSON_EXTENSION_KEY}", "JSON extensions in XML")
        if playlist.public is not None:
            losses.playlist("playlist.public")
        if playlist.updated_at is not None:
            losses.playlist("playlist.updated_at")
    if playlist.collaborative is not None:
        losses.playlist("playlist.collaborative")
    if playlist.provider_ref is not None:
        losses.playlist("playlist.provider_ref")
    if playlist.image is not None and (playlist.image.width or playlist.image.height):
        losses.playlist("playlist.image.size")
    for key in extras:
        if key not in _PLAYLIST_KEYS and key not in {XML_EXTENSION_KEY, JSON_EXTENSION_KEY}:
            losses.playlist(f"playlist.extras.{key}")

    def uri(value: object, field: str) -> str | None:
        if value is None:
            return None
        converted = to_uri(str(value))
        if converted != value:
            losses.playlist(field, "not a URI; written percent-encoded")
        return converted

    def uri_pairs(key: str, content: bool) -> tuple[tuple[str, str], ...]:
        field = f"playlist.extras.{key}"
        return tuple(
            (
                uri(first, field) or "" if key != "xspf.attribution" else first,
                (uri(second, field) or "") if content else second,
            )
            for first, second in _pairs(extras.get(key, ()))
        )

    return XspfPlaylist(
        title=playlist.name,
        creator=playlist.owner,
        annotation=playlist.description,
        info=uri(extras.get("xspf.info"), "playlist.extras.xspf.info"),
        location=uri(playlist.location, "playlist.location"),
        identifier=uri(extras.get("xspf.identifier"), "playlist.extras.xspf.identifier"),
        image=uri(playlist.image.url, "playlist.image") if playlist.image is not None else None,
        date=playlist.created_at,
        license=uri(extras.get("xspf.license"), "playlist.extras.xspf.license"),
        attribution=uri_pairs("xspf.attribution", True),
        links=uri_pairs("xspf.link", True),
        metas=uri_pairs("xspf.meta", False),
        extensions=xml_extensions,
        json_extension=json_extension or None,
    )
