"""The MusicBrainz web service (``/ws/2``, JSON): records, query syntax, errors, pacing.

MusicBrainz asks every client for a descriptive ``User-Agent`` (application, version,
contact) and at most one request per second per client; it answers 503 to clients that go
faster. Its JSON uses hyphenated keys (``artist-credit``, ``first-release-date``); data copied
through other tools often has them underscored, so the parser accepts both.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from playlist_interop.errors import ProviderError
from playlist_interop.providers._http import HttpResponse, RequestBudget, default_error_mapper
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.types import MusicBrainzId

__all__ = [
    "API_URL",
    "PROVIDER",
    "MbArtistCredit",
    "MbRecording",
    "MbRelease",
    "ProcessPacer",
    "error_mapper",
    "lucene_phrase",
    "normalise_keys",
    "parse_recording",
    "process_pacer",
]

PROVIDER = "musicbrainz"
API_URL = "https://musicbrainz.org/ws/2"
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def lucene_phrase(text: str) -> str:
    """``text`` as a quoted Lucene phrase with its special characters escaped."""
    return '"' + _LUCENE_SPECIAL.sub(r"\\\1", " ".join(text.split())) + '"'


def normalise_keys(value: Any) -> Any:
    """Underscored keys (``artist_credit``) back to the service's hyphens (``artist-credit``)."""
    if isinstance(value, dict):
        return {k.replace("_", "-"): normalise_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_keys(v) for v in value]
    return value


def error_mapper(response: HttpResponse) -> ProviderError:
    """``{"error": "...", "help": "..."}`` bodies to typed errors."""
    message = None
    try:
        body = response.json()
    except ProviderError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = body["error"]
    return default_error_mapper(response, message)


class ProcessPacer(RequestBudget):
    """A request budget pacing every client in the process to ``per_second`` requests.

    Slots are handed out under a thread lock (no await inside it), so adapters on different
    event loops or threads share the same allowance; each request then waits for its slot.
    """

    def __init__(self, per_second: float = 1.0) -> None:
        super().__init__(per_second=per_second)
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._virtual = 0.0  # time skipped under set_testing(), so slots stay one interval apart
        self._thread_lock = threading.Lock()

    async def acquire(self, provider: str, sleep: Callable[[float], Awaitable[None]]) -> float:
        """Reserve the next slot and wait for it; returns the seconds waited."""
        from playlist_interop.providers._http import is_testing

        with self._thread_lock:
            now = time.monotonic() + self._virtual
            slot = max(now, self._next)
            self._next = slot + self._interval
            wait = slot - now
            if is_testing():
                self._virtual += wait
            self.used += 1
        if wait > 0:
            await sleep(wait)
        return wait


_PACER = ProcessPacer(1.0)


def process_pacer() -> ProcessPacer:
    """The pacer all MusicBrainz clients of this process share (1 request per second)."""
    return _PACER


@attrs.frozen
class MbArtistCredit:
    """One name of an artist credit."""

    name: str
    """The name as credited."""
    artist_id: MusicBrainzId
    """The artist's MBID."""
    artist_name: str
    """The artist's canonical name."""
    join_phrase: str = ""
    """Text joining this credit to the next."""


@attrs.frozen
class MbRelease:
    """A release a recording appears on."""

    id: MusicBrainzId
    """Release MBID."""
    title: str
    """Release title."""
    date: str | None = None
    """Release date (``YYYY[-MM[-DD]]``)."""
    status: str | None = None
    """``Official``, ``Pseudo-Release``..."""
    country: str | None = None
    """Release country."""
    barcode: str | None = None
    """Barcode."""


@attrs.frozen
class MbRecording:
    """A MusicBrainz recording, as the enrichment needs it."""

    id: MusicBrainzId
    """Recording MBID."""
    title: str
    """Recording title."""
    length_ms: int | None
    """Length in milliseconds."""
    artist_credit: tuple[MbArtistCredit, ...]
    """Canonical credits in order."""
    isrcs: tuple[str, ...] = ()
    """ISRCs attached to the recording."""
    first_release_date: str | None = None
    """Earliest release date."""
    releases: tuple[MbRelease, ...] = ()
    """Releases, when the answer includes them."""
    tags: tuple[str, ...] = ()
    """Folksonomy tags and genres, most voted first."""
    score: int | None = None
    """Search score (0-100) of search results."""
    disambiguation: str | None = None
    """Disambiguation comment."""

    @property
    def credit_line(self) -> str:
        """The credit as displayed (``"A feat. B"``)."""
        return "".join(c.name + c.join_phrase for c in self.artist_credit)


def _credit(obj: JsonObject) -> MbArtistCredit:
    artist = obj.obj("artist")
    return MbArtistCredit(
        name=obj.opt_string("name") or artist.string("name"),
        artist_id=MusicBrainzId(artist.string("id")),
        artist_name=artist.string("name"),
        join_phrase=obj.opt_string("joinphrase") or "",
    )


def _release(obj: JsonObject) -> MbRelease:
    return MbRelease(
        id=MusicBrainzId(obj.string("id")),
        title=obj.string("title"),
        date=obj.opt_string("date") or None,
        status=obj.opt_string("status"),
        country=obj.opt_string("country"),
        barcode=obj.opt_string("barcode") or None,
    )


def _tags(obj: JsonObject) -> tuple[str, ...]:
    votes: dict[str, int] = {}
    for key in ("genres", "tags"):
        for tag in obj.objects(key, required=False):
            name = tag.string("name")
            votes[name] = max(votes.get(name, 0), tag.opt_integer("count") or 0)
    return tuple(sorted(votes, key=lambda n: (-votes[n], n)))


def parse_recording(value: Mapping[str, Any] | JsonObject) -> MbRecording:
    """A recording object (hyphenated or underscored keys) as an :class:`MbRecording`."""
    if isinstance(value, JsonObject):
        obj = value
    else:
        obj = JsonObject.of(normalise_keys(value), provider=PROVIDER)
    if any("_" in k for k in obj.data):
        obj = JsonObject.of(normalise_keys(dict(obj.data)), provider=PROVIDER, path=obj.path)
    return MbRecording(
        id=MusicBrainzId(obj.string("id")),
        title=obj.string("title"),
        length_ms=obj.opt_integer("length"),
        artist_credit=tuple(_credit(c) for c in obj.objects("artist-credit", required=False)),
        isrcs=tuple(i.upper() for i in obj.strings("isrcs")),
        first_release_date=obj.opt_string("first-release-date") or None,
        releases=tuple(_release(r) for r in obj.objects("releases", required=False)),
        tags=_tags(obj),
        score=obj.opt_integer("score"),
        disambiguation=obj.opt_string("disambiguation") or None,
    )
