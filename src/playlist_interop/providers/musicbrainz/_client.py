"""The MusicBrainz enrichment client: ISRC lookup, recording search, ``enrich(track)``."""

from __future__ import annotations

import unicodedata
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import attrs

from playlist_interop.errors import NotFound
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers._adapter_base import HttpAdapter
from playlist_interop.providers._http import (
    HttpCore,
    RequestBudget,
    RetryPolicy,
    Transport,
    resolve_base_url,
)
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers.musicbrainz._wire import (
    API_URL,
    PROVIDER,
    MbRecording,
    error_mapper,
    lucene_phrase,
    parse_recording,
    process_pacer,
)
from playlist_interop.types import DurationMs, Isrc, MusicBrainzId

__all__ = ["MB_RETRY", "MusicBrainzClient", "apply_recording", "default_user_agent"]

MB_RETRY = RetryPolicy(attempts=5, max_total_wait=60.0, initial_backoff=1.0, max_backoff=16.0)
"""503 back-off for MusicBrainz: at least one second, doubling, capped at a minute in total."""

_INC = "artist-credits+releases+isrcs+tags+genres"
_FEAT = ("feat", "ft.", "featuring", "with")


def default_user_agent() -> str:
    """``playlist-interop/<version> ( https://pypi.org/project/playlist-interop/ )``."""
    try:
        ours = version("playlist-interop")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = "0"
    return f"playlist-interop/{ours} ( https://pypi.org/project/playlist-interop/ )"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class MusicBrainzClient(HttpAdapter):
    """A client of the MusicBrainz web service for enriching tracks (not a ``Provider``).

    Every client in the process shares one pacer of 1 request per second, as MusicBrainz asks;
    503 answers are retried with a back-off of at least a second (:data:`MB_RETRY`).

    Args:
        user_agent: ``"App/1.0 ( contact@example.org )"``: MusicBrainz blocks anonymous
            clients. Defaults to this library's name, version and project page; applications
            should pass their own.
        api_url: Base URL (env ``PLAYLIST_MUSICBRAINZ_API_URL``).
        transport: Injected HTTP transport.
        retry: Retry policy for 503/429 and connection errors.
        budget: Pacing; defaults to the process-wide 1 request/second pacer.
        min_score: Lowest search score :meth:`enrich` accepts.
        duration_tolerance_ms: Largest length difference :meth:`enrich` accepts.
    """

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        api_url: str | None = None,
        transport: Transport | None = None,
        retry: RetryPolicy = MB_RETRY,
        budget: RequestBudget | None = None,
        min_score: int = 90,
        duration_tolerance_ms: int = 5_000,
    ) -> None:
        agent = (user_agent or default_user_agent()).strip()
        if "/" not in agent:
            raise ValueError("user_agent should read 'Application/version ( contact )'")
        self.user_agent = agent
        self.api_url = resolve_base_url(PROVIDER, "api", api_url, API_URL)
        self.min_score = min_score
        self.duration_tolerance_ms = duration_tolerance_ms
        self._http = HttpCore(
            provider=PROVIDER,
            base_url=self.api_url,
            transport=transport,
            retry=retry,
            budget=budget if budget is not None else process_pacer(),
            error_mapper=error_mapper,
            headers={"User-Agent": agent},
        )

    def __repr__(self) -> str:
        return f"MusicBrainzClient(api_url={self.api_url!r}, user_agent={self.user_agent!r})"

    async def _get(self, path: str, params: dict[str, str | int | None]) -> JsonObject:
        response = await self._http.request("GET", path, params={**params, "fmt": "json"})
        return JsonObject.of(response.json(), provider=PROVIDER)

    async def lookup_isrc(self, isrc: Isrc | str) -> list[MbRecording]:
        """Recordings carrying an ISRC (``/isrc/{isrc}``); empty when MusicBrainz has none."""
        clean = isrc.replace("-", "").strip().upper()
        try:
            doc = await self._get(f"isrc/{clean}", {"inc": _INC})
        except NotFound:
            return []
        return [parse_recording(r) for r in doc.objects("recordings", required=False)]

    async def get_recording(self, mbid: MusicBrainzId | str) -> MbRecording:
        """One recording by MBID (``/recording/{mbid}``)."""
        return parse_recording(await self._get(f"recording/{mbid}", {"inc": _INC}))

    async def search_recordings(
        self,
        title: str,
        *,
        artist: str | None = None,
        release: str | None = None,
        duration_ms: int | None = None,
        isrc: str | None = None,
        limit: int = 10,
    ) -> list[MbRecording]:
        """Search recordings with the Lucene syntax of ``/recording?query=``, best first."""
        parts = [f"recording:{lucene_phrase(title)}"]
        if artist:
            parts.append(f"artist:{lucene_phrase(artist)}")
        if release:
            parts.append(f"release:{lucene_phrase(release)}")
        if isrc:
            parts.append(f"isrc:{isrc.replace('-', '').upper()}")
        if duration_ms is not None:
            low = max(0, duration_ms - self.duration_tolerance_ms)
            parts.append(f"dur:[{low} TO {duration_ms + self.duration_tolerance_ms}]")
        doc = await self._get(
            "recording", {"query": " AND ".join(parts), "limit": max(1, min(limit, 100))}
        )
        return [parse_recording(r) for r in doc.objects("recordings", required=False)]

    def _fits(self, track: Track, recording: MbRecording, *, by_isrc: bool = False) -> bool:
        """Whether ``recording`` can be ``track``: lengths agree within the tolerance and, for
        a text match (not for an ISRC match, whose names may be in another script), an artist
        name is shared."""
        if (
            track.duration_ms is not None
            and recording.length_ms is not None
            and abs(track.duration_ms - recording.length_ms) > self.duration_tolerance_ms
        ):
            return False
        if not by_isrc and track.artists and recording.artist_credit:
            ours = {_fold(a.name) for a in track.artists}
            theirs = {_fold(c.name) for c in recording.artist_credit} | {
                _fold(c.artist_name) for c in recording.artist_credit
            }
            if not ours & theirs:
                return False
        return True

    async def find(self, track: Track) -> MbRecording | None:
        """The recording ``track`` is, by ISRC first, then by a scored text search."""
        if track.isrc:
            candidates = await self.lookup_isrc(track.isrc)
            fitting = [r for r in candidates if self._fits(track, r, by_isrc=True)]
            if fitting:
                return fitting[0]
        if not track.title:
            return None
        found = await self.search_recordings(
            track.title,
            artist=track.artists[0].name if track.artists else None,
            duration_ms=track.duration_ms,
            limit=5,
        )
        for recording in found:
            if (recording.score or 0) >= self.min_score and self._fits(track, recording):
                return recording
        return None

    async def enrich(self, track: Track) -> Track:
        """``track`` with MusicBrainz ids, ISRC, canonical credits, release date and tags.

        The source's title and provider ids are kept; nothing is changed when no recording
        fits (same duration within tolerance and a shared artist name).
        """
        recording = await self.find(track)
        if recording is None:
            return track
        return apply_recording(track, recording)


def _roles(recording: MbRecording) -> list[str | None]:
    roles: list[str | None] = []
    featured = False
    for index, credit in enumerate(recording.artist_credit):
        roles.append("main" if index == 0 else ("featured" if featured else "main"))
        phrase = credit.join_phrase.strip().casefold()
        featured = featured or any(phrase.startswith(f) for f in _FEAT)
    return roles


def apply_recording(track: Track, recording: MbRecording) -> Track:
    """Merge what MusicBrainz knows of ``recording`` into ``track``."""
    by_name = {_fold(a.name): a for a in track.artists}
    credits = []
    for credit, role in zip(recording.artist_credit, _roles(recording), strict=True):
        ours = by_name.get(_fold(credit.name)) or by_name.get(_fold(credit.artist_name))
        credits.append(
            ArtistCredit(
                name=credit.name,
                role=role,
                provider_ids=ours.provider_ids if ours else {},
                musicbrainz_id=credit.artist_id,
                join_phrase=credit.join_phrase or None,
            )
        )
    album = track.album
    release = None
    if album is not None:
        wanted = _fold(album.title)
        release = next((r for r in recording.releases if _fold(r.title) == wanted), None)
        album = attrs.evolve(
            album,
            release_date=album.release_date
            or (release.date if release else None)
            or recording.first_release_date,
            musicbrainz_id=album.musicbrainz_id or (release.id if release else None),
            upc=album.upc or (release.barcode if release else None),
        )
    elif recording.first_release_date:
        first = min(
            (r for r in recording.releases if r.date),
            key=lambda r: r.date or "",
            default=None,
        )
        if first is not None:
            album = Album(first.title, release_date=first.date, musicbrainz_id=first.id)
    extras: dict[str, Any] = {
        "recording_title": recording.title,
        "isrcs": list(recording.isrcs),
        "first_release_date": recording.first_release_date,
    }
    if recording.score is not None:
        extras["score"] = recording.score
    return attrs.evolve(
        track,
        artists=tuple(credits) or track.artists,
        album=album,
        isrc=track.isrc or (Isrc(recording.isrcs[0]) if recording.isrcs else None),
        duration_ms=track.duration_ms
        or (DurationMs(recording.length_ms) if recording.length_ms is not None else None),
        musicbrainz_recording_id=recording.id,
        genres=tuple(dict.fromkeys([*track.genres, *recording.tags])),
        extras={**dict(track.extras), PROVIDER: extras},
    )
