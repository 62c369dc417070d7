"""The Spotify emulator's bodies have the shape of the real recorded responses.

Every key and every JSON type is compared, recursively, with the spotDL cassettes and the
harmony ``/tracks?ids=`` body: exactly in the extended-quota (pre-2026) shape, and with the
February 2026 renames and removals in the default shape.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml

from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.spotify import SpotifyEmulator

CASSETTE = "matching/spotDL+spotify-downloader/spotify_playlist_top10_ncs_ep2.yaml"
SEVERAL = "matching/kellnerd+harmony/spotify_tracks_2plbrEY59IikOBgBGLjaoe.json"
REMOVED_2026 = {"available_markets", "popularity"}


def differences(recorded: Any, emulated: Any, path: str = "$") -> list[str]:
    """Where two JSON values differ in keys or types (``null`` matches anything)."""
    if recorded is None or emulated is None:
        return []
    if isinstance(recorded, dict) and isinstance(emulated, dict):
        found = [f"{path}: missing {k}" for k in sorted(set(recorded) - set(emulated))]
        found += [f"{path}: extra {k}" for k in sorted(set(emulated) - set(recorded))]
        for key in sorted(set(recorded) & set(emulated)):
            found += differences(recorded[key], emulated[key], f"{path}.{key}")
        return found
    if isinstance(recorded, list) and isinstance(emulated, list):
        if recorded and emulated:
            # The richest recorded element (the first entry of the playlist is an empty shell).
            richest = max(recorded, key=lambda v: len(json.dumps(v)))
            return differences(richest, emulated[0], f"{path}[0]")
        return []
    if type(recorded) is not type(emulated):
        return [f"{path}: {type(recorded).__name__} vs {type(emulated).__name__}"]
    return []


def to_2026(value: Any, role: str = "") -> Any:
    """A recorded pre-2026 body as the February 2026 API sends it.

    ``role`` says what ``value`` is: ``"playlist"`` (its ``tracks`` become ``items``), a
    ``"paging"`` of playlist entries, or an ``"entry"`` (its ``track`` becomes ``item``).
    """
    if isinstance(value, list):
        return [to_2026(v, role) for v in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in REMOVED_2026:
            continue
        if role == "playlist" and key == "tracks":
            result["items"] = to_2026(item, "paging")
        elif role == "paging" and key == "items":
            result["items"] = to_2026(item, "entry")
        elif role == "entry" and key == "track":
            result["item"] = to_2026(item)
        else:
            result[key] = to_2026(item)
    return result


@pytest.fixture
def recorded(shared_fixtures: Path) -> dict[str, Any]:
    data = yaml.safe_load((shared_fixtures / CASSETTE).read_text())
    bodies = [json.loads(i["response"]["body"]["string"]) for i in data["interactions"]]
    several = json.loads((shared_fixtures / SEVERAL).read_text())
    return {"playlist": bodies[0], "items": bodies[1], "track": bodies[2], "several": several}


async def bodies(legacy: bool) -> dict[str, Any]:
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS, legacy_shape=legacy) as emulator:
        ids = list(emulator.tracks)
        pid = emulator.add_playlist("Shapes", ids)
        token = emulator.issue_token()
        headers = {"Authorization": f"Bearer {token.access_token}"}
        async with httpx.AsyncClient(base_url=emulator.api_url + "/", headers=headers) as api:
            get = api.get
            return {
                "playlist": (
                    await get(f"playlists/{pid}", params={"additional_types": "track"})
                ).json(),
                "items": (await get(f"playlists/{pid}/items", params={"limit": 5})).json(),
                "track": (await get(f"tracks/{ids[0]}")).json(),
                "several": (await get("tracks", params={"ids": ",".join(ids[:2])})).json(),
            }


@pytest_asyncio.fixture
async def extended_quota() -> AsyncIterator[dict[str, Any]]:
    yield await bodies(legacy=True)


@pytest_asyncio.fixture
async def current() -> AsyncIterator[dict[str, Any]]:
    yield await bodies(legacy=False)


@pytest.mark.parametrize("name", ["playlist", "items", "track", "several"])
def test_extended_quota_shape_is_the_recorded_one(
    recorded: dict[str, Any], extended_quota: dict[str, Any], name: str
) -> None:
    assert differences(recorded[name], extended_quota[name]) == []


@pytest.mark.parametrize("name", ["playlist", "items", "track", "several"])
def test_2026_shape_is_the_recorded_one_renamed(
    recorded: dict[str, Any], current: dict[str, Any], name: str
) -> None:
    role = {"playlist": "playlist", "items": "paging"}.get(name, "")
    expected = to_2026(recorded[name], role)
    assert differences(expected, current[name]) == []


def test_the_comparison_sees_differences() -> None:
    assert differences({"a": 1, "b": [{"c": "x"}]}, {"a": "1", "b": [{"d": "x"}]}) == [
        "$.a: int vs str",
        "$.b[0]: missing c",
        "$.b[0]: extra d",
    ]
