"""Hypothesis strategies for playlists made only of what XSPF and JSPF both carry."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import strategies as st

from playlist_interop.model import Album, ArtistCredit, Image, Playlist, Track
from playlist_interop.types import DurationMs, MusicBrainzId, ProviderName, ProviderTrackId

# Any character XML 1.0 and JSON can both hold (no surrogates, no C0 controls but \t\n\r).
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
        st.sampled_from("\t\n\r &<>\"'"),
    ),
    max_size=30,
)
NON_EMPTY = TEXT.filter(lambda s: s != "")

_SEGMENT = st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=8)
URI = st.one_of(
    st.builds(lambda host, path: f"http://{host}.example/{path}", _SEGMENT, _SEGMENT),
    st.builds(lambda path: f"file:///music/{path}.mp3", _SEGMENT),
    st.builds(lambda path: f"relative/{path}.ogg", _SEGMENT),
    st.builds(lambda word: f"http://example.org/caf\u00e9/{word}", _SEGMENT),
)
OTHER_ID = st.builds(lambda n: f"urn:x-test:{n}", _SEGMENT)
ISRC = st.from_regex(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}", fullmatch=True)
MBID = st.uuids().map(lambda u: MusicBrainzId(str(u)))
SPOTIFY = st.text(alphabet=string.ascii_letters + string.digits, min_size=22, max_size=22)
NUMERIC = st.integers(min_value=1, max_value=10**12).map(str)
PAIRS = st.lists(st.tuples(URI, TEXT), min_size=1, max_size=2).map(tuple)
LINKS = st.lists(st.tuples(URI, URI), min_size=1, max_size=2).map(tuple)


@st.composite
def tracks(draw: st.DrawFn) -> Track:
    """A track whose every field survives XSPF and JSPF."""
    provider_ids: dict[ProviderName, ProviderTrackId] = {}
    if draw(st.booleans()):
        provider_ids[ProviderName("spotify")] = ProviderTrackId(draw(SPOTIFY))
    if draw(st.booleans()):
        provider_ids[ProviderName("deezer")] = ProviderTrackId(draw(NUMERIC))
    if draw(st.booleans()):
        provider_ids[ProviderName("tidal")] = ProviderTrackId(draw(NUMERIC))
    extras: dict[str, object] = {}
    for key, strategy in (
        ("xspf.annotation", TEXT),
        ("xspf.info", URI),
        ("xspf.identifiers", st.lists(OTHER_ID, min_size=1, max_size=2).map(tuple)),
        ("xspf.link", LINKS),
        ("xspf.meta", PAIRS),
    ):
        if draw(st.booleans()):
            extras[key] = draw(strategy)
    album = draw(st.none() | NON_EMPTY.map(Album))
    return Track(
        title=draw(TEXT),
        artists=draw(st.lists(NON_EMPTY.map(ArtistCredit), max_size=1)),
        album=album,
        duration_ms=draw(st.none() | st.integers(0, 10**10).map(DurationMs)),
        isrc=draw(st.none() | ISRC),
        track_number=draw(st.none() | st.integers(1, 10**6)),
        provider_ids=provider_ids,
        locations=draw(st.lists(URI, max_size=3)),
        image=draw(st.none() | URI.map(Image)),
        musicbrainz_recording_id=draw(st.none() | MBID),
        extras=extras,
    )


_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
DATES = st.datetimes(
    min_value=dt.datetime(1000, 1, 2),
    max_value=dt.datetime(9999, 12, 30),
    timezones=st.none() | _OFFSETS,
)


@st.composite
def playlists(draw: st.DrawFn) -> Playlist:
    """A playlist whose every field survives XSPF and JSPF."""
    extras: dict[str, object] = {}
    for key, strategy in (
        ("xspf.info", URI),
        ("xspf.identifier", URI),
        ("xspf.license", URI),
        (
            "xspf.attribution",
            st.lists(
                st.tuples(st.sampled_from(["location", "identifier"]), URI), min_size=1, max_size=3
            ).map(tuple),
        ),
        ("xspf.link", LINKS),
        ("xspf.meta", PAIRS),
    ):
        if draw(st.booleans()):
            extras[key] = draw(strategy)
    return Playlist(
        name=draw(st.none() | TEXT),
        tracks=draw(st.lists(tracks(), max_size=4)),
        description=draw(st.none() | TEXT),
        owner=draw(st.none() | TEXT),
        image=draw(st.none() | URI.map(Image)),
        created_at=draw(st.none() | DATES),
        location=draw(st.none() | URI),
        extras=extras,
    )


def _extension(application: str, child: str, attribute: str, text: str) -> str:
    """An ``<extension>`` as the XSPF reader hands it out (serialised by lxml)."""
    from lxml import etree

    xspf = "http://xspf.org/ns/0/"
    element = etree.Element(f"{{{xspf}}}extension", application=application, nsmap={None: xspf})
    inner = etree.SubElement(
        element,
        f"{{http://example.com/ns}}{child}",
        value=attribute,
        nsmap={"e": "http://example.com/ns"},
    )
    inner.text = text or None
    wrapped = etree.fromstring(
        f'<playlist xmlns="{xspf}">{etree.tostring(element, encoding="unicode")}</playlist>'
    )
    raw = etree.tostring(wrapped[0], encoding="unicode", with_tail=False)
    end = raw.find(">")
    return raw[:end].replace(f' xmlns="{xspf}"', "", 1) + raw[end:]


XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=12,
)
EXTENSIONS = st.lists(
    st.builds(
        _extension,
        URI,
        st.sampled_from(["clip", "x", "data"]),
        XML_TEXT,
        XML_TEXT,
    ),
    min_size=1,
    max_size=2,
).map(tuple)


@st.composite
def xspf_playlists(draw: st.DrawFn) -> Playlist:
    """Like :func:`playlists`, plus raw XML extensions, which only XSPF carries."""
    import attrs

    playlist = draw(playlists())
    tracks = [
        attrs.evolve(t, extras={**t.extras, "xspf.extension": draw(EXTENSIONS)})
        if draw(st.booleans())
        else t
        for t in playlist.tracks
    ]
    extras = dict(playlist.extras)
    if draw(st.booleans()):
        extras["xspf.extension"] = draw(EXTENSIONS)
    return attrs.evolve(playlist, tracks=tracks, extras=extras)
