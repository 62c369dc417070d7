"""Implementation of :mod:`playlist_interop.testing.emulators.musicbrainz` (see its docstring)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from playlist_interop.model import Track
from playlist_interop.testing.emulators._base import Emulator

__all__ = ["MusicBrainzEmulator"]

_RATE_MESSAGE = (
    "Your requests are exceeding the allowable rate limit. Please see "
    "http://wiki.musicbrainz.org/XMLWebService for more information."
)
_HELP = "For usage, please see: https://musicbrainz.org/development/mmd"
_FIELD = re.compile(r'(\w+):(?:"((?:[^"\\]|\\.)*)"|\[(\d+) TO (\d+)\]|(\S+))')
_GENERIC_AGENTS = ("python-httpx/", "python-requests/", "aiohttp/", "curl/")
_RECORDING_KEYS = ("id", "title", "length", "disambiguation", "video", "first-release-date")


def _hyphens(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.replace("_", "-"): _hyphens(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hyphens(v) for v in value]
    return value


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


class MusicBrainzEmulator(Emulator):
    """``/ws/2`` lookups and searches over seeded recordings.

    Args:
        rate: Requests per second one client (``User-Agent`` + address) may send on average
            (two may arrive back to back; a third too soon gets 503).
        clock: Monotonic clock (tests may freeze or advance it).
    """

    provider = "musicbrainz"

    def __init__(self, *, rate: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.rate = rate
        self.clock = clock
        self.recordings: dict[str, dict[str, Any]] = {}
        self._last: dict[str, float] = {}
        self.throttled = 0

    # -- seeding ---------------------------------------------------------------------------

    def add_recording(self, recording: Mapping[str, Any]) -> str:
        """Add a recording object (hyphenated or underscored keys); returns its MBID."""
        data = _hyphens(dict(recording))
        existing = self.recordings.get(data["id"])
        if existing is not None:
            known = {r["id"] for r in existing.get("releases", [])}
            existing.setdefault("releases", []).extend(
                r for r in data.get("releases", []) if r["id"] not in known
            )
            return str(data["id"])
        data.setdefault("releases", [])
        self.recordings[data["id"]] = data
        return str(data["id"])

    def add_release(self, release: Mapping[str, Any]) -> list[str]:
        """Add every recording of a release object, each knowing it appears on the release."""
        data = _hyphens(dict(release))
        summary = {
            k: data[k]
            for k in (
                "id",
                "title",
                "status",
                "status-id",
                "date",
                "country",
                "barcode",
                "disambiguation",
                "quality",
                "packaging",
            )
            if k in data
        }
        if "release-group" in data:
            group = data["release-group"]
            summary["release-group"] = {
                k: group[k]
                for k in ("id", "title", "primary-type", "secondary-types")
                if k in group
            }
        ids = []
        for medium in data.get("media", []):
            for track in medium.get("tracks", []):
                recording = dict(track["recording"])
                recording["releases"] = [
                    {
                        **summary,
                        "track-count": medium.get("track-count"),
                        "media": [
                            {
                                "position": medium.get("position"),
                                "format": medium.get("format"),
                                "track": [
                                    {
                                        "id": track["id"],
                                        "number": track.get("number"),
                                        "title": track.get("title"),
                                        "length": track.get("length"),
                                    }
                                ],
                                "track-count": medium.get("track-count"),
                                "track-offset": track.get("position", 1) - 1,
                            }
                        ],
                    }
                ]
                ids.append(self.add_recording(recording))
        return ids

    def add_track(self, track: Track, *, tags: Iterable[str] = ()) -> str:
        """Synthesise a recording from a model track; returns its MBID."""
        mbid = track.musicbrainz_recording_id or str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"recording:{track.isrc}:{track.title}")
        )
        credits = []
        for index, artist in enumerate(track.artists):
            aid = artist.musicbrainz_id or str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"artist:{artist.name}")
            )
            last = index == len(track.artists) - 1
            credits.append(
                {
                    "name": artist.name,
                    "joinphrase": "" if last else (artist.join_phrase or " & "),
                    "artist": {
                        "id": aid,
                        "name": artist.name,
                        "sort-name": artist.name,
                        "disambiguation": "",
                        "type": "Person",
                        "type-id": "b6e035f4-3ce9-331c-97df-83397230b0df",
                    },
                }
            )
        date = track.album.release_date if track.album else None
        releases = []
        if track.album is not None:
            releases.append(
                {
                    "id": track.album.musicbrainz_id
                    or str(uuid.uuid5(uuid.NAMESPACE_URL, f"release:{track.album.title}")),
                    "title": track.album.title,
                    "status": "Official",
                    "status-id": "4e304316-386d-3409-af2e-78857eec5cfe",
                    "date": date or "",
                    "country": "XW",
                    "barcode": track.album.upc or "",
                }
            )
        return self.add_recording(
            {
                "id": mbid,
                "title": track.title,
                "length": track.duration_ms,
                "disambiguation": "",
                "video": False,
                "first-release-date": date or "",
                "artist-credit": credits,
                "isrcs": [track.isrc] if track.isrc else [],
                "releases": releases,
                "tags": [{"count": 3 - n, "name": t} for n, t in enumerate(tags)],
                "genres": [],
            }
        )

    @property
    def api_url(self) -> str:
        """Base URL of the web service (``.../ws/2``)."""
        return self.base_url + "/ws/2"

    # -- app -------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Web service routes."""
        app.router.add_get("/ws/2/isrc/{isrc}", self._guard(self._isrc))
        app.router.add_get("/ws/2/recording/{mbid}", self._guard(self._recording))
        app.router.add_get("/ws/2/recording", self._guard(self._search))

    def error_response(self, status: int, message: str) -> web.Response:
        """MusicBrainz's error body."""
        return web.json_response({"error": message, "help": _HELP}, status=status)

    def _guard(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            agent = request.headers.get("User-Agent", "")
            if not agent or agent.startswith(_GENERIC_AGENTS) or "/" not in agent:
                return self.error_response(403, "Please provide a meaningful User-Agent header")
            client = f"{agent}|{request.remote}"
            now = self.clock()
            interval = 1.0 / self.rate
            # GCRA with a burst of two: on average `rate` per second, network jitter tolerated.
            tat = max(self._last.get(client, now), now)
            if tat - now > interval:
                self.throttled += 1
                return self.error_response(503, _RATE_MESSAGE)
            self._last[client] = tat + interval
            if request.query.get("fmt") != "json":
                return self.error_response(400, "this emulator only speaks fmt=json")
            response: web.StreamResponse = await handler(request)
            return response

        return wrapped

    # -- handlers --------------------------------------------------------------------------

    def _render(self, recording: dict[str, Any], inc: set[str]) -> dict[str, Any]:
        out = {k: recording[k] for k in _RECORDING_KEYS if k in recording}
        if "artist-credits" in inc or "artists" in inc:
            out["artist-credit"] = recording.get("artist-credit", [])
        if "isrcs" in inc:
            out["isrcs"] = recording.get("isrcs", [])
        if "releases" in inc:
            out["releases"] = recording.get("releases", [])
        if "tags" in inc:
            out["tags"] = recording.get("tags", [])
        if "genres" in inc:
            out["genres"] = recording.get("genres", [])
        return out

    @staticmethod
    def _inc(request: web.Request) -> set[str]:
        return {p for p in re.split(r"[+ ]", request.query.get("inc", "")) if p}

    async def _isrc(self, request: web.Request) -> web.Response:
        isrc = request.match_info["isrc"].upper()
        if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}\d{7}", isrc):
            return self.error_response(400, f"Invalid isrc: {isrc}")
        found = [r for r in self.recordings.values() if isrc in r.get("isrcs", [])]
        if not found:
            return self.error_response(404, "Not Found")
        inc = self._inc(request)
        return web.json_response(
            {"isrc": isrc, "recordings": [self._render(r, inc) for r in found]}
        )

    async def _recording(self, request: web.Request) -> web.Response:
        recording = self.recordings.get(request.match_info["mbid"])
        if recording is None:
            return self.error_response(404, "Not Found")
        return web.json_response(self._render(recording, self._inc(request)))

    def _score(self, recording: dict[str, Any], fields: dict[str, Any]) -> int:
        score = 100.0
        title = _fold(recording.get("title", ""))
        if "recording" in fields:
            score *= difflib.SequenceMatcher(None, title, _fold(fields["recording"])).ratio()
        if "artist" in fields:
            names = [_fold(c.get("name", "")) for c in recording.get("artist-credit", [])] + [
                _fold(c.get("artist", {}).get("name", ""))
                for c in recording.get("artist-credit", [])
            ]
            best = max(
                (difflib.SequenceMatcher(None, n, _fold(fields["artist"])).ratio() for n in names),
                default=0.0,
            )
            score *= 0.5 + best / 2
        return round(score)

    async def _search(self, request: web.Request) -> web.Response:
        query = request.query.get("query", "")
        fields: dict[str, Any] = {}
        for match in _FIELD.finditer(query):
            name = match.group(1)
            if match.group(3) is not None:
                fields[name] = (int(match.group(3)), int(match.group(4)))
            else:
                fields[name] = _unescape(
                    match.group(2) if match.group(2) is not None else match.group(5)
                )
        if not fields:
            return self.error_response(400, "Invalid query")
        limit = int(request.query.get("limit", "25"))
        offset = int(request.query.get("offset", "0"))
        scored = []
        for recording in self.recordings.values():
            if "isrc" in fields and fields["isrc"].upper() not in recording.get("isrcs", []):
                continue
            if "dur" in fields:
                low, high = fields["dur"]
                if recording.get("length") is None or not low <= recording["length"] <= high:
                    continue
            if "release" in fields and not any(
                _fold(fields["release"]) == _fold(r.get("title", ""))
                for r in recording.get("releases", [])
            ):
                continue
            score = self._score(recording, fields)
            if score >= 40:
                scored.append((score, recording))
        scored.sort(key=lambda pair: -pair[0])
        inc = {"artist-credits", "isrcs", "releases", "tags"}
        page = scored[offset : offset + max(1, min(limit, 100))]
        return web.json_response(
            {
                "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "count": len(scored),
                "offset": offset,
                "recordings": [{**self._render(r, inc), "score": s} for s, r in page],
            }
        )
