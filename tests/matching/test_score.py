"""Scoring and decision rules, one hard case at a time, on small hand-made candidate lists."""

from __future__ import annotations

import attrs
import pytest

from playlist_interop.matching import (
    MatchPolicy,
    MatchStatus,
    decide,
    normalize_track,
    score_candidate,
)
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.types import DurationMs, ProviderName, ProviderTrackId

P = ProviderName("target")


def t(
    title: str,
    *artists: str,
    ms: int | None = 200_000,
    isrc: str | None = None,
    id: str | None = None,
    album: str | None = None,
    explicit: bool | None = None,
    kind: str | None = None,
) -> Track:
    return Track(
        title,
        artists=tuple(ArtistCredit(a) for a in artists),
        duration_ms=None if ms is None else DurationMs(ms),
        isrc=isrc,
        album=Album(album) if album else None,
        explicit=explicit,
        provider_ids={P: ProviderTrackId(id or title)},
        extras={"kind": kind} if kind else {},
    )


def pick(result_track: Track | None) -> str | None:
    return None if result_track is None else result_track.provider_ids[P]


def test_exact_text_match_is_matched_with_explanation() -> None:
    result = decide(t("Song", "Artist"), [t("Song", "Artist", id="a"), t("Other", "Artist")])
    assert result.status is MatchStatus.MATCHED
    assert pick(result.track) == "a"
    best = result.explanation.candidates[0]
    assert best.fields.title == 1.0
    assert best.fields.artist == 1.0
    assert best.fields.duration_diff_ms == 0
    assert result.explanation.via == "text"


@pytest.mark.parametrize(
    "version",
    [
        "Live",
        "Remix",
        "Acoustic",
        "Instrumental",
        "Karaoke Version",
        "Cover",
        "Sped Up",
        "Slowed",
        "Demo",
        "Extended Version",
        "A Cappella",
        "Taylor's Version",
    ],
)
def test_conflicting_version_is_vetoed(version: str) -> None:
    decoy = t(f"Song ({version})", "Artist", id="decoy")
    result = decide(t("Song", "Artist"), [decoy])
    assert result.status is MatchStatus.UNMATCHED
    assert result.explanation.candidates[0].vetoes
    # ...and the other way round: a versioned source never takes the plain song.
    reverse = decide(t(f"Song - {version}", "Artist"), [t("Song", "Artist")])
    assert reverse.status is MatchStatus.UNMATCHED


def test_same_version_on_both_sides_matches() -> None:
    result = decide(
        t("Song - Live at Wembley", "Artist"),
        [t("Song", "Artist", id="studio"), t("Song (Live at Wembley)", "Artist", id="live")],
    )
    assert result.status is MatchStatus.MATCHED
    assert pick(result.track) == "live"


def test_different_remixers_are_different_recordings() -> None:
    result = decide(
        t("Song - Hot Chip Remix", "Artist"), [t("Song (Metronomy Remix)", "Artist", id="m")]
    )
    assert result.status is MatchStatus.UNMATCHED
    assert "different remix" in result.explanation.candidates[0].vetoes[0]


def test_a_remaster_is_only_a_small_penalty() -> None:
    remaster = t("Song - 2011 Remaster", "Artist", id="r")
    result = decide(t("Song", "Artist"), [remaster])
    assert result.status is MatchStatus.MATCHED
    assert any("remaster" in reason for reason in result.explanation.candidates[0].reasons)
    # Next to the original, the remaster is not a rival and the original wins.
    both = decide(t("Song", "Artist"), [remaster, t("Song", "Artist", id="o")])
    assert both.status is MatchStatus.MATCHED
    assert pick(both.track) == "o"


@pytest.mark.parametrize("marker", ["Clean", "Explicit", "Mono"])
def test_clean_explicit_and_mono_versions_need_an_equal_isrc(marker: str) -> None:
    version = t(f"Song ({marker})", "Artist", id="v", isrc="GBAAA0000002")
    result = decide(t("Song", "Artist", isrc="GBAAA0000001"), [version])
    assert result.status is MatchStatus.UNCERTAIN
    blind = decide(t("Song", "Artist"), [attrs.evolve(version, isrc=None)])
    assert blind.status is MatchStatus.UNCERTAIN
    same = decide(t("Song", "Artist", isrc="GBAAA0000002"), [version])
    assert same.status is MatchStatus.MATCHED


def test_differing_explicit_flags_keep_a_text_match_uncertain() -> None:
    result = decide(t("Song", "Artist", explicit=True), [t("Song", "Artist", explicit=False)])
    assert result.status is MatchStatus.UNCERTAIN


def test_explicit_flag_prefers_the_same_lyrics_version() -> None:
    source = t("Song", "Artist", explicit=True)
    result = decide(
        source,
        [
            t("Song", "Artist", explicit=False, id="clean"),
            t("Song", "Artist", explicit=True, id="x"),
        ],
    )
    assert pick(result.track) == "x"
    assert result.status is MatchStatus.MATCHED


def test_same_title_other_artist_is_not_a_match() -> None:
    result = decide(
        t("Billie Jean", "Michael Jackson", ms=294_000), [t("Billie Jean", "RK", ms=141_000)]
    )
    assert result.status is MatchStatus.UNMATCHED


def test_cover_by_another_artist_at_similar_length_is_not_matched() -> None:
    result = decide(
        t("Billie Jean", "Michael Jackson", ms=294_000),
        [t("Billie Jean", "Anthony Touma", ms=292_000)],
    )
    assert result.status is not MatchStatus.MATCHED


def test_album_named_like_the_track_does_not_make_other_tracks_match() -> None:
    result = decide(
        t("Soliloquy", "Lou Doillon", album="Soliloquy", ms=239_000),
        [
            t("Too much", "Lou Doillon", album="Soliloquy", ms=209_000),
            t("Widows", "Lou Doillon", album="Soliloquy", ms=231_000),
        ],
    )
    assert result.status is MatchStatus.UNMATCHED


def test_artist_named_like_the_title_is_not_a_match() -> None:
    result = decide(
        t("Moments", "Lost Identities", ms=None), [t("Those Lost", "Moments", ms=248_000)]
    )
    assert result.status is MatchStatus.UNMATCHED


@pytest.mark.parametrize(
    ("drift", "status"), [(1_000, "matched"), (2_000, "matched"), (25_000, "uncertain")]
)
def test_duration_tolerance(drift: int, status: str) -> None:
    result = decide(t("Song", "Artist", ms=251_000), [t("Song", "Artist", ms=251_000 - drift)])
    assert result.status.value == status


def test_lengths_exact_to_the_millisecond_must_agree_closely() -> None:
    # Two catalogues measuring the same file agree to within a frame; 600 ms apart at
    # millisecond precision points at another master.
    result = decide(t("Song", "Artist", ms=230_426), [t("Song", "Artist", ms=231_023)])
    assert result.status is MatchStatus.UNCERTAIN
    rounded = decide(t("Song", "Artist", ms=230_000), [t("Song", "Artist", ms=231_023)])
    assert rounded.status is MatchStatus.MATCHED


def test_isrc_first_confirmed_by_title() -> None:
    source = t("Kids with Guns", "Gorillaz", ms=225_773, isrc="GBAYE0500170")
    same = t("Kids with Guns", "Gorillaz", "Neneh Cherry", ms=234_053, isrc="GBAYE0500170", id="s")
    result = decide(source, [t("Kids with Guns - Live", "Gorillaz", ms=243_840), same])
    assert result.status is MatchStatus.MATCHED
    assert result.explanation.via == "isrc"
    assert pick(result.track) == "s"


def test_equal_isrc_with_another_title_is_not_trusted() -> None:
    source = t("Song", "Artist", isrc="USAAA1111111")
    result = decide(source, [t("Completely Different", "Other", isrc="USAAA1111111")])
    assert result.status is not MatchStatus.MATCHED


def test_equal_isrc_far_off_in_length_is_not_trusted() -> None:
    source = t("Song", "Artist", isrc="USAAA1111111", ms=200_000)
    result = decide(source, [t("Song", "Artist", isrc="USAAA1111111", ms=260_000)])
    assert result.status is not MatchStatus.MATCHED


def test_a_different_isrc_does_not_reject_by_itself() -> None:
    source = t("Song", "Artist", isrc="USAAA1111111")
    result = decide(source, [t("Song", "Artist", isrc="GBBBB2222222", id="other")])
    assert result.status is MatchStatus.UNCERTAIN
    assert pick(result.track) == "other"


def test_rivals_without_a_margin_are_uncertain() -> None:
    # Title only on the source side: two songs by different artists are equally likely.
    source = t("Soliloquy", ms=None)
    result = decide(
        source, [t("Soliloquy", "Dave Brubeck", id="a"), t("Soliloquy", "Isaiah Rashad", id="b")]
    )
    assert result.status is MatchStatus.UNCERTAIN


def test_other_releases_of_the_same_recording_are_not_rivals() -> None:
    source = t("Billie Jean", "Michael Jackson", ms=294_000, album="Thriller")
    result = decide(
        source,
        [
            t("Billie Jean", "Michael Jackson", ms=293_000, album="Thriller 25", id="deluxe"),
            t("Billie Jean", "Michael Jackson", ms=294_000, album="Thriller", id="orig"),
        ],
    )
    assert result.status is MatchStatus.MATCHED
    assert pick(result.track) == "orig"


def test_featured_artist_in_title_or_credits() -> None:
    source = t("Andromeda (feat. DRAM)", "Gorillaz")
    result = decide(source, [t("Andromeda", "Gorillaz", "DRAM", id="x")])
    assert result.status is MatchStatus.MATCHED


def test_artist_title_upload_is_read_both_ways() -> None:
    source = t("Moments", "Lost Identities", ms=None)
    upload = t(
        "Lost Identities & Robbie Rosen - Moments (Lyrics)", "Lyrics Kart", ms=218_000, kind="video"
    )
    result = decide(source, [upload])
    assert result.explanation.candidates[0].fields.title == 1.0
    assert "artist - title" in " ".join(result.explanation.candidates[0].reasons)


def test_catalogue_audio_is_preferred_to_a_video() -> None:
    source = t("Moments", "Lost Identities", ms=None)
    result = decide(
        source,
        [
            t("Moments", "Robbie Rosen", "Lost Identities", ms=221_000, kind="video", id="v"),
            t("Moments", "Lost Identities", "Robbie Rosen", ms=220_000, kind="song", id="s"),
        ],
    )
    assert pick(result.track) == "s"
    assert result.status is MatchStatus.MATCHED


@pytest.mark.parametrize(
    ("source", "candidate"),
    [
        (t("百花繚乱", "Artist"), t("百花繚乱", "Artist")),
        (t("Чумачечая весна", "Потап и Настя"), t("Чумачечая Весна", "Потап и Настя")),
        (t("El Mañana", "Gorillaz"), t("El Manana", "Gorillaz")),
        (t("מיליון דולר", "Noa Kirel"), t("מיליון דולר", "Noa Kirel")),
    ],
)
def test_non_latin_and_diacritics(source: Track, candidate: Track) -> None:
    assert decide(source, [candidate]).status is MatchStatus.MATCHED


def test_non_latin_titles_are_not_all_alike() -> None:
    result = decide(t("百花繚乱", "Artist"), [t("千本桜", "Artist")])
    assert result.status is MatchStatus.UNMATCHED


def test_misspelt_title_still_matches_on_artist_and_length() -> None:
    result = decide(
        t("Billy Jean", "Michael Jackson", ms=294_000),
        [t("Billie Jean", "Michael Jackson", ms=294_000)],
    )
    assert result.status is MatchStatus.MATCHED


def test_no_candidates_is_unmatched_with_a_reason() -> None:
    result = decide(t("Song", "Artist"), [])
    assert result.status is MatchStatus.UNMATCHED
    assert result.explanation.reasons == ("no candidates",)


def test_policy_is_configurable() -> None:
    strict = MatchPolicy(match_score=0.999)
    result = decide(t("Song", "Artist", ms=200_000), [t("Song", "Artist", ms=201_500)], strict)
    assert result.status is MatchStatus.UNCERTAIN
    assert decide(t("Song", "Artist", ms=200_000), [t("Song", "Artist", ms=201_500)]).matched


def test_score_candidate_fields() -> None:
    score = score_candidate(
        normalize_track(t("Song", "Artist", ms=200_000, album="Album")),
        normalize_track(t("Song", "Artist", ms=204_000, album="Album (Deluxe Edition)")),
    )
    assert score.fields.album == 1.0
    assert score.fields.duration_diff_ms == 4_000
    assert 0.8 < score.fields.duration < 0.9  # type: ignore[operator]
    assert not score.vetoed


def test_similar_names_of_different_artists_are_not_the_same_artist() -> None:
    # Real quiz decoys from the beatify playlists: one letter or one word apart.
    for right, other in [
        ("Calvin Kleinen", "Marvin Kleinen"),
        ("Die Zipfelbuben", "Der Zipfelbube"),
    ]:
        result = decide(t("Song", right, ms=None), [t("Song", other, ms=None)])
        assert result.status is not MatchStatus.MATCHED, other


def test_a_leading_the_and_spacing_do_not_change_an_artist() -> None:
    assert decide(t("Help!", "The Beatles"), [t("Help!", "Beatles")]).matched
    assert decide(t("Walk This Way", "Run-DMC"), [t("Walk This Way", "Run\u2013D.M.C.")]).matched


def test_conflicting_credits_are_not_matched() -> None:
    # Same lead and title, but each credit names someone the other lacks.
    source = t("No Sleep", "Martin Garrix", "Bonn", ms=None)
    result = decide(source, [t("No Sleep", "Martin Garrix", "Dua Lipa", ms=None)])
    assert result.status is MatchStatus.UNCERTAIN
    assert any("credits differ" in r for r in result.explanation.candidates[0].reasons)


def test_a_candidate_without_the_source_lead_artist_is_not_matched() -> None:
    source = t("Shallow", "Lady Gaga", "Bradley Cooper", ms=None)
    result = decide(source, [t("Shallow", "Bradley Cooper", ms=None)])
    assert result.status is not MatchStatus.MATCHED


def test_extra_credited_artists_do_not_prevent_a_match() -> None:
    source = t("Kids with Guns", "Gorillaz", ms=225_773)
    assert decide(source, [t("Kids with Guns", "Gorillaz", "Neneh Cherry", ms=225_000)]).matched


def test_candidates_sharing_no_title_word_are_blocked_but_explained() -> None:
    result = decide(t("Billie Jean", "Michael Jackson"), [t("Thriller", "Michael Jackson")])
    (only,) = result.explanation.candidates
    assert "not scored further" in only.reasons[0]
    assert only.fields.title < 0.5
    assert result.status is MatchStatus.UNMATCHED
    # A misspelt one-word title shares no word but is similar: it is scored in full.
    close = decide(t("Tranz", "Gorillaz"), [t("Trans", "Gorillaz")])
    assert close.explanation.candidates[0].fields.artist == 1.0
    # An equal ISRC is always scored in full.
    same = decide(t("Song", "A", isrc="QZAAA0000001"), [t("Other", "B", isrc="QZAAA0000001")])
    assert same.explanation.candidates[0].fields.isrc == "same"
