"""The Spotify adapter replays real recorded Spotify responses from the shared fixtures.

The spotDL cassettes are replayed with vcrpy straight from the shared folder (never copied,
never written: a read-only persister). They were recorded in 2024, before the February 2026
rename of ``/playlists/{id}/tracks`` to ``/items``; the matcher maps the new path onto the
recorded one, which is exactly the compatibility the adapter promises (it reads both the
``track``/``tracks`` and ``item``/``items`` spellings). The harmony and spotify_to_ytmusic
files are recorded response bodies, served through ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from vcr.persisters.filesystem import FilesystemPersister

from playlist_interop.model import Track
from playlist_interop.providers import MockTransport
from playlist_interop.providers.spotify import SpotifyProvider, _map
from playlist_interop.providers.spotify import _wire as w
from playlist_interop.types import ProviderPlaylistId, ProviderTrackId

SPOTDL = "matching/spotDL+spotify-downloader"
CASSETTES = [
    f"{SPOTDL}/spotify_playlist_top10_ncs_ep2.yaml",
    f"{SPOTDL}/spotify_track_ropes_dirty_palm.yaml",
    f"{SPOTDL}/spotify_album_ncs_best_of_2017.yaml",
]
PLAYLIST = ProviderPlaylistId("5LkNhFidYyyjRWwnkcMbQs")
GZIP = b"\x1f\x8b"


class ReadOnlyPersister:
    """Loads cassettes from the shared folder as recorded; refuses to write them.

    The recorder stored bodies already decoded but kept ``content-encoding: gzip``; the
    header is dropped for bodies that are not gzip data so the client does not decode them
    twice.
    """

    @classmethod
    def load_cassette(cls, cassette_path: Any, serializer: Any) -> Any:
        requests, responses = FilesystemPersister.load_cassette(cassette_path, serializer)
        for response in responses:
            body = response.get("body", {}).get("string")
            if isinstance(body, str) or (isinstance(body, bytes) and not body.startswith(GZIP)):
                headers = response.get("headers", {})
                for name in [h for h in headers if h.lower() == "content-encoding"]:
                    del headers[name]
        return requests, responses

    @staticmethod
    def save_cassette(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        raise AssertionError(f"refusing to write {cassette_path}: shared fixtures are read-only")


def _offset(r1: Any, r2: Any) -> None:
    def offset(r: Any) -> str:
        return dict(r.query).get("offset", "0")

    assert offset(r1) == offset(r2)


def _renamed_paths(request: Any) -> Any:
    """Match ``/playlists/{id}/items`` (2026) against the recorded ``/tracks``."""
    if "/playlists/" in request.uri and "/items" in request.uri:
        request.uri = request.uri.replace("/items", "/tracks", 1)
    return request


def make_vcr() -> vcr.VCR:
    replay = vcr.VCR(
        record_mode="none",
        match_on=["method", "scheme", "host", "path", "offset"],
        before_record_request=_renamed_paths,
    )
    replay.register_matcher("offset", _offset)
    replay.register_persister(ReadOnlyPersister)
    return replay


def recorded(shared_fixtures: Path, name: str) -> list[dict[str, Any]]:
    """The interactions of a cassette as plain data (to compare with what the adapter read)."""
    data = yaml.safe_load((shared_fixtures / name).read_text())
    return list(data["interactions"])


def body_of(interaction: dict[str, Any]) -> Any:
    return json.loads(interaction["response"]["body"]["string"])


def expected_track(raw: dict[str, Any]) -> dict[str, Any]:
    """What the adapter must read from a raw track object.

    Spotify sends content that vanished from the catalog as an empty shell (name ``""``,
    duration 0, album without a name); those read as an empty title, no duration, no album.
    """
    album = raw["album"]["name"] or None
    return {
        "title": raw["name"],
        "artists": tuple(a["name"] for a in raw["artists"] if a["name"]),
        "isrc": raw["external_ids"].get("isrc"),
        "duration_ms": raw["duration_ms"] or None,
        "album": album,
        "release_date": raw["album"].get("release_date") if album else None,
        "id": raw["id"],
        "track_number": raw["track_number"],
        "disc_number": raw["disc_number"],
        "explicit": raw["explicit"],
    }


def seen_track(track: Track) -> dict[str, Any]:
    return {
        "title": track.title,
        "artists": track.artist_names,
        "isrc": track.isrc,
        "duration_ms": track.duration_ms,
        "album": track.album.title if track.album else None,
        "release_date": track.album.release_date if track.album else None,
        "id": track.provider_ids.get("spotify"),  # type: ignore[call-overload]
        "track_number": track.track_number,
        "disc_number": track.disc_number,
        "explicit": track.explicit,
    }


@pytest.fixture
def replay(shared_fixtures: Path) -> tuple[vcr.VCR, Path]:
    return make_vcr(), shared_fixtures


async def test_get_playlist_replays_the_recorded_playlist(
    replay: tuple[vcr.VCR, Path],
) -> None:
    recorder, shared = replay
    interactions = recorded(shared, CASSETTES[0])
    raw = body_of(interactions[0])
    with recorder.use_cassette(str(shared / CASSETTES[0])) as cassette:
        async with SpotifyProvider(access_token="not-a-real-token") as provider:
            playlist = await provider.get_playlist(PLAYLIST)
        assert cassette.play_count == 1
    assert playlist.name == "Top 10 NCS Songs Episode 2"
    assert playlist.owner == "Teejay.limm"
    assert playlist.provider_ref is not None
    assert playlist.provider_ref.snapshot == raw["snapshot_id"]
    assert playlist.provider_ref.url == "https://open.spotify.com/playlist/5LkNhFidYyyjRWwnkcMbQs"
    assert playlist.extras["spotify_followers"] == 14
    expected = [expected_track(item["track"]) for item in raw["tracks"]["items"]]
    assert len(expected) == 10
    assert [seen_track(t) for t in playlist.tracks] == expected
    assert all(t.extras["spotify_added_at"].endswith("Z") for t in playlist.tracks)


async def test_playlist_items_replay_through_the_renamed_endpoint(
    replay: tuple[vcr.VCR, Path],
) -> None:
    recorder, shared = replay
    raw = body_of(recorded(shared, CASSETTES[0])[1])
    with recorder.use_cassette(str(shared / CASSETTES[0])) as cassette:
        async with SpotifyProvider(access_token="not-a-real-token") as provider:
            tracks = [t async for t in provider.iter_playlist_tracks(PLAYLIST)]
        assert cassette.play_count == 1
        sent = cassette.requests[1]
    assert [seen_track(t) for t in tracks] == [expected_track(i["track"]) for i in raw["items"]]
    assert sent.path.endswith("/tracks")  # the recorded interaction that answered


@pytest.mark.parametrize("cassette_name", CASSETTES)
async def test_track_lookups_replay(replay: tuple[vcr.VCR, Path], cassette_name: str) -> None:
    recorder, shared = replay
    lookups = [
        i
        for i in recorded(shared, cassette_name)
        if "/v1/tracks/" in i["request"]["uri"] and i["response"]["status"]["code"] == 200
    ]
    assert lookups, "every Spotify cassette records single-track lookups"
    with recorder.use_cassette(str(shared / cassette_name), allow_playback_repeats=True):
        async with SpotifyProvider(access_token="not-a-real-token") as provider:
            for interaction in lookups:
                raw = body_of(interaction)
                (track,) = await provider.get_tracks([ProviderTrackId(raw["id"])])
                assert track is not None
                assert seen_track(track) == expected_track(raw)
                assert track.locations == (raw["external_urls"]["spotify"],)


def test_several_tracks_body_from_harmony(shared_fixtures: Path) -> None:
    path = shared_fixtures / "matching/kellnerd+harmony/spotify_tracks_2plbrEY59IikOBgBGLjaoe.json"
    raw = json.loads(path.read_text())
    body = w.structure(raw, w.SeveralTracks, what="tracks")
    (wire,) = body.tracks
    assert wire is not None
    track = _map.track_from_wire(wire)
    assert seen_track(track) == expected_track(raw["tracks"][0])
    assert track.title == "Die With A Smile"
    assert track.isrc == "USUM72409273"
    assert track.artist_names == ("Lady Gaga", "Bruno Mars")
    assert track.album is not None
    assert track.album.provider_ids == {"spotify": "10FLjwfpbxLmW8c25Xyc2N"}


async def test_playlist_backup_items_from_spotify_to_ytmusic(shared_fixtures: Path) -> None:
    path = shared_fixtures / "matching/linsomniac+spotify_to_ytmusic/spotify_playlists_export.json"
    recorded_playlist = json.loads(path.read_text())["playlists"][0]
    items = recorded_playlist["tracks"]
    pid = recorded_playlist["id"]
    base = "https://api.spotify.test/v1"

    def page(offset: int) -> dict[str, Any]:
        chunk = items[offset : offset + 20]
        following = offset + 20
        return {
            "href": f"{base}/playlists/{pid}/items?offset={offset}&limit=20",
            "items": chunk,
            "limit": 20,
            "next": f"{base}/playlists/{pid}/items?offset={following}&limit=20"
            if following < len(items)
            else None,
            "offset": offset,
            "previous": None,
            "total": len(items),
        }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/v1/playlists/{pid}":
            body = {k: v for k, v in recorded_playlist.items() if k != "tracks"}
            body["tracks"] = page(0)
            return httpx.Response(200, json=body)
        if request.url.path == f"/v1/playlists/{pid}/items":
            return httpx.Response(200, json=page(int(request.url.params.get("offset", "0"))))
        return httpx.Response(404, json={"error": {"status": 404, "message": "nope"}})

    async with SpotifyProvider(
        access_token="t", api_url=base, transport=MockTransport(handler)
    ) as provider:
        playlist = await provider.get_playlist(ProviderPlaylistId(pid))
        streamed = [t async for t in provider.iter_playlist_tracks(ProviderPlaylistId(pid))]
    assert playlist.name == "Raid the Data Center"
    assert playlist.provider_ref is not None
    assert playlist.provider_ref.snapshot == recorded_playlist["snapshot_id"]
    assert playlist.owner == "linsomniac"
    expected = [expected_track(item["track"]) for item in items]
    assert len(expected) == 38
    assert [seen_track(t) for t in playlist.tracks] == expected
    assert [seen_track(t) for t in streamed] == expected
