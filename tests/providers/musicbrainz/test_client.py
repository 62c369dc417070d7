"""The MusicBrainz enrichment client against the recorded releases and the emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from playlist_interop.errors import AuthError, ProviderError
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers._http import RequestBudget, RetryPolicy, set_testing
from playlist_interop.providers.musicbrainz import (
    MusicBrainzClient,
    ProcessPacer,
    lucene_phrase,
    parse_recording,
    process_pacer,
)
from playlist_interop.testing.emulators.musicbrainz import MusicBrainzEmulator
from playlist_interop.types import DurationMs, Isrc

OFFICIAL = "matching/beetbox+beets/musicbrainz_release_official_ja.json"
PSEUDO = "matching/beetbox+beets/musicbrainz_pseudo_release_en.json"
RECORDING = "781724c1-a039-41e6-bd9b-770c3b9d5b8e"
ARTIST = "55e42264-ef27-49d8-93fd-29f930dc96e4"
UA = "playlist-interop-tests/1.0 ( tests@example.org )"


@pytest.fixture(autouse=True)
def _no_real_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def _release(shared_fixtures: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_fixtures / name).read_text())
    return data


@pytest.fixture
async def emulator(shared_fixtures: Path) -> AsyncIterator[MusicBrainzEmulator]:
    async with MusicBrainzEmulator(rate=10_000) as emu:
        emu.add_release(_release(shared_fixtures, OFFICIAL))
        emu.add_release(_release(shared_fixtures, PSEUDO))
        emu.add_track(
            Track(
                "Harder Better Faster Stronger",
                artists=(ArtistCredit("Daft Punk"),),
                album=Album("Discovery", release_date="2001-03-07"),
                duration_ms=DurationMs(224_000),
                isrc=Isrc("GBDUW0000059"),
            ),
            tags=["electronic", "french house"],
        )
        yield emu


@pytest.fixture
async def client(emulator: MusicBrainzEmulator) -> AsyncIterator[MusicBrainzClient]:
    async with MusicBrainzClient(
        user_agent=UA, api_url=emulator.api_url, budget=RequestBudget()
    ) as mb:
        yield mb


def test_recorded_recording_parses_with_underscored_keys(shared_fixtures: Path) -> None:
    release = _release(shared_fixtures, OFFICIAL)
    recording = parse_recording(release["media"][0]["tracks"][0]["recording"])
    assert recording.id == RECORDING
    assert recording.title == "百花繚乱"
    assert recording.isrcs == ("JPP302400868",)
    assert recording.length_ms == 179_546
    assert recording.first_release_date == "2025-01-10"
    assert [(c.name, c.artist_id) for c in recording.artist_credit] == [("幾田りら", ARTIST)]


async def test_isrc_lookup_finds_both_releases(client: MusicBrainzClient) -> None:
    [recording] = await client.lookup_isrc(Isrc("JPP302400868"))
    assert recording.id == RECORDING
    assert {r.title for r in recording.releases} == {"百花繚乱", "In Bloom"}
    assert await client.lookup_isrc("ZZZZZ9999999") == []


async def test_enrich_by_isrc_across_scripts(client: MusicBrainzClient) -> None:
    source = Track(
        "In Bloom",
        artists=(ArtistCredit("Lilas Ikuta", provider_ids={"spotify": "abc"}),),
        album=Album("In Bloom"),
        duration_ms=DurationMs(179_000),
        isrc=Isrc("JPP302400868"),
    )
    enriched = await client.enrich(source)
    assert enriched.title == "In Bloom"  # the source's title is kept
    assert enriched.musicbrainz_recording_id == RECORDING
    assert [(a.name, a.musicbrainz_id) for a in enriched.artists] == [("幾田りら", ARTIST)]
    assert enriched.album is not None
    assert enriched.album.musicbrainz_id == "dc3ee2df-0bc1-49eb-b8c4-34473d279a43"  # pseudo-release
    assert enriched.album.release_date == "2025-01-10"  # first release date of the recording
    assert enriched.extras["musicbrainz"]["recording_title"] == "百花繚乱"


async def test_enrich_by_search_adds_isrc_and_tags(
    client: MusicBrainzClient, emulator: MusicBrainzEmulator
) -> None:
    source = Track(
        "Harder, Better, Faster, Stronger",
        artists=(ArtistCredit("Daft Punk", provider_ids={"deezer": "27"}),),
        duration_ms=DurationMs(226_000),
    )
    enriched = await client.enrich(source)
    assert enriched.isrc == "GBDUW0000059"
    assert enriched.genres == ("electronic", "french house")
    assert enriched.artists[0].provider_ids == {"deezer": "27"}
    assert enriched.artists[0].musicbrainz_id is not None
    assert enriched.album is not None
    assert enriched.album.release_date == "2001-03-07"
    query = next(r for r in emulator.requests if r.path == "/ws/2/recording").query["query"]
    assert query.startswith('recording:"Harder, Better, Faster, Stronger" AND artist:"Daft Punk"')
    assert "dur:[221000 TO 231000]" in query


async def test_enrich_leaves_a_track_alone_when_nothing_fits(client: MusicBrainzClient) -> None:
    source = Track("Harder Better Faster Stronger", artists=(ArtistCredit("Someone Else"),))
    assert await client.enrich(source) is source
    wrong_length = Track("x", isrc=Isrc("JPP302400868"), duration_ms=DurationMs(400_000))
    assert (await client.enrich(wrong_length)).musicbrainz_recording_id is None


def test_lucene_escaping() -> None:
    assert lucene_phrase('AC/DC: "Live"') == r'"AC\/DC\: \"Live\""'


async def test_user_agent_is_sent_and_required(emulator: MusicBrainzEmulator) -> None:
    with pytest.raises(ValueError, match="user_agent"):
        MusicBrainzClient(user_agent="anonymous")
    async with MusicBrainzClient(
        user_agent="python-httpx/0.28", api_url=emulator.api_url, budget=RequestBudget()
    ) as generic:
        with pytest.raises(AuthError, match="User-Agent"):
            await generic.lookup_isrc("GBDUW0000059")
    async with MusicBrainzClient(api_url=emulator.api_url, budget=RequestBudget()) as default:
        assert default.user_agent.startswith("playlist-interop/")
        assert await default.lookup_isrc("GBDUW0000059")


async def test_clients_share_one_pacer_per_process(emulator: MusicBrainzEmulator) -> None:
    first = MusicBrainzClient(user_agent=UA, api_url=emulator.api_url)
    second = MusicBrainzClient(user_agent=UA, api_url=emulator.api_url)
    assert first._http.budget is second._http.budget is process_pacer()
    await first.aclose()
    await second.aclose()
    pacer = ProcessPacer(1.0)
    async with (
        MusicBrainzClient(user_agent=UA, api_url=emulator.api_url, budget=pacer) as a,
        MusicBrainzClient(user_agent=UA, api_url=emulator.api_url, budget=pacer) as b,
    ):
        for _ in range(2):
            await a.lookup_isrc("GBDUW0000059")
            await b.lookup_isrc("GBDUW0000059")
        assert a.stats.waited + b.stats.waited == pytest.approx(3.0, abs=0.05)


async def test_real_pacing_keeps_the_service_happy(shared_fixtures: Path) -> None:
    set_testing(False)
    async with MusicBrainzEmulator(rate=5.0) as emu:
        emu.add_release(_release(shared_fixtures, OFFICIAL))
        async with MusicBrainzClient(
            user_agent=UA, api_url=emu.api_url, budget=ProcessPacer(5.0)
        ) as mb:
            for _ in range(4):
                assert await mb.lookup_isrc("JPP302400868")
        assert emu.throttled == 0


async def test_503_is_backed_off_and_retried(shared_fixtures: Path) -> None:
    set_testing(False)
    async with MusicBrainzEmulator(rate=10.0) as emu:
        emu.add_release(_release(shared_fixtures, OFFICIAL))
        async with MusicBrainzClient(
            user_agent=UA,
            api_url=emu.api_url,
            budget=RequestBudget(),  # no pacing: the third call comes too soon
            retry=RetryPolicy(initial_backoff=0.15, jitter=0),
        ) as mb:
            for _ in range(3):
                await mb.lookup_isrc("JPP302400868")
            assert mb.stats.retries == 1
        assert emu.throttled == 1


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"recordings": [{"id": 1}]}', b'{"recordings": "x"}', b"[]"],
)
async def test_malformed_answers_are_provider_errors(body: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    async with MusicBrainzClient(
        user_agent=UA, api_url="http://mb.test/ws/2", transport=transport, budget=RequestBudget()
    ) as mb:
        with pytest.raises(ProviderError):
            await mb.search_recordings("x")


async def test_synthesised_recordings_have_the_recorded_shape(
    emulator: MusicBrainzEmulator, shared_fixtures: Path
) -> None:
    from playlist_interop.providers.musicbrainz._wire import normalise_keys

    real = normalise_keys(_release(shared_fixtures, OFFICIAL)["media"][0]["tracks"][0]["recording"])
    [synthetic] = [r for r in emulator.recordings.values() if r["title"].startswith("Harder")]
    async with httpx.AsyncClient(headers={"User-Agent": UA}) as http:
        answer = await http.get(
            f"{emulator.api_url}/recording/{synthetic['id']}",
            params={"fmt": "json", "inc": "artist-credits+isrcs+releases+tags+genres"},
        )
    served = answer.json()
    assert set(served) - {"releases"} <= set(real)
    assert set(served["artist-credit"][0]) == set(real["artist-credit"][0])
    assert set(served["artist-credit"][0]["artist"]) <= set(real["artist-credit"][0]["artist"])
    assert served["isrcs"] == ["GBDUW0000059"]
