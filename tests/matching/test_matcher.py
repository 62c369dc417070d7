"""Candidate retrieval: identity, corrections, ISRC first, text fallbacks, quota."""

from __future__ import annotations

from pathlib import Path

import pytest

from playlist_interop.errors import CapabilityError, QuotaExceeded
from playlist_interop.matching import (
    Correction,
    InMemoryCorrectionStore,
    JsonFileCorrectionStore,
    Matcher,
    MatchStatus,
    QuotaAware,
    build_queries,
    correction_keys,
    normalize_track,
)
from playlist_interop.model import ArtistCredit, Track
from playlist_interop.providers._protocol import Capability, Provider
from playlist_interop.types import DurationMs, ProviderName, ProviderTrackId
from tests.matching._fake_provider import ALL, FakeProvider, QuotaFakeProvider

FAKE = ProviderName("fake")


def song(title: str, artist: str, *, id: str, isrc: str | None = None, ms: int = 200_000) -> Track:
    return Track(
        title,
        artists=(ArtistCredit(artist),),
        duration_ms=DurationMs(ms),
        isrc=isrc,
        provider_ids={FAKE: ProviderTrackId(id)},
    )


CATALOG = [
    song("Feel Good Inc.", "Gorillaz", id="fgi", isrc="GBAYE0500172", ms=222_640),
    song("Feel Good Inc. - Live", "Gorillaz", id="fgi-live", isrc="GBAYE1102092", ms=236_453),
    song("Dare", "Gorillaz", id="dare", ms=244_000),
    song("Billie Jean", "Michael Jackson", id="bj", ms=294_000),
    song("Billie Jean", "RK", id="bj-rk", ms=141_000),
]


def source(title: str, artist: str, *, isrc: str | None = None, ms: int = 200_000) -> Track:
    return Track(title, artists=(ArtistCredit(artist),), duration_ms=DurationMs(ms), isrc=isrc)


def test_fake_is_a_provider() -> None:
    assert isinstance(FakeProvider(), Provider)
    assert isinstance(QuotaFakeProvider(units=1), QuotaAware)
    assert not isinstance(FakeProvider(), QuotaAware)


async def test_isrc_first_stops_after_one_lookup() -> None:
    provider = FakeProvider(CATALOG)
    matcher = Matcher(provider)
    result = await matcher.match(
        source("Feel Good Inc.", "Gorillaz", isrc="GBAYE0500172", ms=222_640)
    )
    assert result.status is MatchStatus.MATCHED
    assert result.track is not None
    assert result.track.provider_ids[FAKE] == "fgi"
    assert provider.calls == ["search_isrc"]
    assert matcher.lookups == 1
    assert result.explanation.queries == ("isrc GBAYE0500172: 1 candidate(s)",)


async def test_text_search_when_the_isrc_is_unknown_to_the_provider() -> None:
    provider = FakeProvider(CATALOG)
    result = await Matcher(provider).match(
        source("Dare", "Gorillaz", isrc="XXAAA0000000", ms=244_000)
    )
    assert result.status is MatchStatus.MATCHED
    assert provider.calls == ["search_isrc", "search_text"]
    assert result.explanation.via == "text"


async def test_fallback_queries_until_certain() -> None:
    # The fielded query with the decorated title finds nothing; the core-title one does.
    provider = FakeProvider([song("Zebra", "Nobody", id="z")])
    result = await Matcher(provider).match(source("Zebra (Official Video)", "Nobody"))
    assert result.status is MatchStatus.MATCHED
    assert provider.calls.count("search_text") >= 1
    unknown = FakeProvider([song("Other", "Else", id="o")])
    miss = await Matcher(unknown).match(source("Zebra (feat. Q)", "Nobody"))
    assert miss.status is MatchStatus.UNMATCHED
    assert unknown.calls.count("search_text") == len(build_queries(normalize_track(miss.source)))


def test_queries_go_from_specific_to_forgiving() -> None:
    queries = build_queries(normalize_track(source("Song (feat. X) - Live", "Artist")))
    assert queries[0].title == "Song (feat. X) - Live"
    assert queries[1].title == "Song"
    assert queries[-1].free_text == "Artist Song live"
    assert len(set(queries)) == len(queries)


async def test_version_decoy_is_not_taken() -> None:
    provider = FakeProvider([CATALOG[1]])
    result = await Matcher(provider).match(source("Feel Good Inc.", "Gorillaz", ms=222_640))
    assert result.status is MatchStatus.UNMATCHED


async def test_identity_needs_no_lookup() -> None:
    provider = FakeProvider(CATALOG)
    result = await Matcher(provider).match(CATALOG[0])
    assert result.status is MatchStatus.MATCHED
    assert result.explanation.via == "identity"
    assert provider.calls == []


async def test_corrections_take_precedence() -> None:
    provider = FakeProvider(CATALOG)
    store = InMemoryCorrectionStore()
    wrong_by_rules = source("Billie Jean", "Michael Jackson", ms=294_000)
    await store.put(Correction.for_track(wrong_by_rules, FAKE, ProviderTrackId("bj-rk"), "user"))
    result = await Matcher(provider, corrections=store).match(wrong_by_rules)
    assert result.status is MatchStatus.MATCHED
    assert result.track is not None
    assert result.track.provider_ids[FAKE] == "bj-rk"
    assert result.explanation.via == "correction"
    assert provider.calls == []
    # "Not on this provider" is remembered too.
    absent = source("Dare", "Gorillaz")
    await store.put(Correction.for_track(absent, FAKE, None))
    assert (
        await Matcher(provider, corrections=store).match(absent)
    ).status is MatchStatus.UNMATCHED
    assert provider.calls == []


async def test_a_correction_found_by_text_key_from_a_file_entry() -> None:
    from_spotify = Track(
        "Billie Jean",
        artists=(ArtistCredit("Michael Jackson"),),
        duration_ms=DurationMs(294_000),
        isrc="USSM19902991",
    )
    from_file = Track(
        "Billie Jean", artists=(ArtistCredit("michael jackson"),), duration_ms=DurationMs(293_600)
    )
    assert correction_keys(from_spotify)[-1] == correction_keys(from_file)[-1]


async def test_json_file_corrections_persist(tmp_path: Path) -> None:
    path = tmp_path / "corrections.json"
    store = JsonFileCorrectionStore(path)
    track = source("Billie Jean", "Michael Jackson")
    await store.put(Correction.for_track(track, FAKE, ProviderTrackId("bj"), "confirmed"))
    reopened = JsonFileCorrectionStore(path)
    found = await reopened.get(FAKE, correction_keys(track))
    assert found is not None
    assert found.track_id == "bj"
    assert found.note == "confirmed"
    await reopened.delete(FAKE, correction_keys(track))
    assert await JsonFileCorrectionStore(path).get(FAKE, correction_keys(track)) is None


async def test_quota_skips_fallbacks_it_cannot_afford() -> None:
    provider = QuotaFakeProvider([song("Other", "Else", id="o")], units=150)
    result = await Matcher(provider, max_text_queries=3).match(source("Zebra", "Nobody"))
    assert provider.calls == ["search_text"]
    assert provider.units == 50
    assert result.status is MatchStatus.UNMATCHED
    assert any("skipped: quota" in query for query in result.explanation.queries)


async def test_metered_providers_get_one_query_per_track_by_default() -> None:
    provider = QuotaFakeProvider([song("Other", "Else", id="o")], units=10_000)
    result = await Matcher(provider).match(source("Zebra (feat. Q)", "Nobody"))
    assert provider.calls == ["search_text"]
    assert provider.units == 9_900
    assert result.status is MatchStatus.UNMATCHED


async def test_quota_spent_before_the_first_lookup_raises() -> None:
    provider = QuotaFakeProvider(CATALOG, units=99)
    with pytest.raises(QuotaExceeded) as info:
        await Matcher(provider).match(source("Dare", "Gorillaz"))
    assert info.value.needed == 100
    assert info.value.remaining == 99
    assert provider.calls == []


async def test_provider_without_search_is_a_capability_error() -> None:
    provider = FakeProvider(
        CATALOG, capabilities=ALL - {Capability.SEARCH_ISRC, Capability.SEARCH_TEXT}
    )
    with pytest.raises(CapabilityError):
        await Matcher(provider).match(source("Dare", "Gorillaz"))
