"""The Deezer adapter replays the real recorded interactions of deezer-python (vcrpy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import vcr
import yaml

from playlist_interop.providers._protocol import TrackQuery
from playlist_interop.providers.deezer import DeezerProvider
from playlist_interop.types import ProviderTrackId

CASSETTES = "matching/browniebroke+deezer-python"


def _same_q(r1: Any, r2: Any) -> None:
    q1 = parse_qs(urlsplit(r1.uri).query).get("q")
    q2 = parse_qs(urlsplit(r2.uri).query).get("q")
    assert q1 == q2


def _vcr(shared_fixtures: Path) -> vcr.VCR:
    # Read-only replay from the shared folder; secrets never reach a cassette we would write.
    recorder = vcr.VCR(
        cassette_library_dir=str(shared_fixtures / CASSETTES),
        record_mode="none",
        match_on=["method", "host", "path", "same_q"],
        filter_headers=["authorization", "cookie", "set-cookie"],
        filter_query_parameters=["access_token", "secret", "code"],
        decode_compressed_response=True,
    )
    recorder.register_matcher("same_q", _same_q)
    return recorder


async def test_full_track_object(shared_fixtures: Path) -> None:
    with _vcr(shared_fixtures).use_cassette("track_3135556.yaml"):
        async with DeezerProvider() as provider:
            [track] = await provider.get_tracks([ProviderTrackId("3135556")])
    assert track is not None
    assert track.title == "Harder Better Faster Stronger"
    assert track.isrc == "GBDUW0000059"
    assert track.duration_ms == 224_000
    assert track.track_number == 4
    assert track.disc_number == 1
    assert track.explicit is False
    assert track.artist_names == ("Daft Punk",)
    assert track.artists[0].role == "main"
    assert track.artists[0].provider_ids == {"deezer": "27"}
    assert track.album is not None
    assert track.album.title == "Discovery"
    assert track.album.release_date == "2001-03-07"
    assert track.album.images[0].width == 1000
    assert track.provider_ids == {"deezer": "3135556"}
    assert track.extras["deezer"]["bpm"] == 123


async def test_track_with_artist_and_album_cassette(shared_fixtures: Path) -> None:
    with _vcr(shared_fixtures).use_cassette("track_3135556_with_artist_album.yaml"):
        async with DeezerProvider() as provider:
            [track] = await provider.get_tracks([ProviderTrackId("3135556")])
    assert track is not None
    assert track.isrc == "GBDUW0000059"


async def test_plain_search_keeps_versions_apart(shared_fixtures: Path) -> None:
    with _vcr(shared_fixtures).use_cassette("search_soliloquy.yaml"):
        async with DeezerProvider() as provider:
            found = await provider.search_text(
                TrackQuery(title="Soliloquy", free_text="Soliloquy"), limit=25
            )
    assert len(found) == 25
    titles = [t.title for t in found]
    assert titles.count("Soliloquy") >= 3
    remastered = next(t for t in found if t.title == "Soliloquy (Remastered)")
    assert remastered.extras["deezer"]["title_short"] == "Soliloquy"
    assert remastered.extras["deezer"]["title_version"] == "(Remastered)"
    # Search results are the short track object: no ISRC, one artist, whole seconds.
    assert all(t.isrc is None for t in found)
    assert all(t.duration_ms is not None and t.duration_ms % 1000 == 0 for t in found)


async def test_advanced_search_syntax(shared_fixtures: Path) -> None:
    with _vcr(shared_fixtures).use_cassette("search_artist_lou_doillon.yaml"):
        async with DeezerProvider() as provider:
            found = await provider.search_text(
                TrackQuery(title="", free_text='artist:"Lou Doillon"'), limit=25
            )
    assert found
    assert {t.artist_names[0] for t in found} == {"Lou Doillon"}


async def test_misspelled_search_page(shared_fixtures: Path) -> None:
    with _vcr(shared_fixtures).use_cassette("search_billy_jean_index1_limit4.yaml"):
        async with DeezerProvider() as provider:
            found = await provider.search_text(
                TrackQuery(title="Billy Jean", free_text="Billy Jean"), limit=4
            )
    assert [t.title for t in found] == ["Billie Jean"] * 4
    assert "Michael Jackson" in {t.artist_names[0] for t in found}


def test_cassettes_carry_no_token(shared_fixtures: Path) -> None:
    """No recorded request sends credentials (the only cookie is Deezer's anonymous id)."""
    cassettes = sorted((shared_fixtures / CASSETTES).glob("*.yaml"))
    assert cassettes
    for cassette in cassettes:
        data = yaml.safe_load(cassette.read_text())
        for interaction in data["interactions"]:
            request = interaction["request"]
            headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
            assert "authorization" not in headers, cassette.name
            for cookie in headers.get("cookie", []):
                assert cookie.startswith("dzr_uniq_id="), cassette.name
            query = parse_qs(urlsplit(request["uri"]).query)
            assert not {"access_token", "secret", "code"} & set(query), cassette.name
