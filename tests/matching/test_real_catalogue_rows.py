"""Real catalogue rows without candidate lists: beatify's curated playlists and spotDL's labels.

- ``mholzi+beatify/cross_service_pairs.tsv``: each row names a recording and, in
  ``alt_artists``, other artists offered as wrong answers in the quiz. The same title by one of
  those artists is a real same-title-other-artist decoy; it must never be matched. Rows that
  share an ISRC but name different songs (known defects of the file) check that an equal ISRC
  is not trusted when the title disagrees.
- ``spotDL+spotify-downloader/matching_expectations.tsv``: "Artist - Title" lines (Hebrew,
  Polish, Russian, Japanese...) as an uploader would title a video; the matcher must read the
  title's head as the artist and keep non-Latin titles intact.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import attrs
import pytest

from playlist_interop.matching import MatchStatus, decide, normalize_track, score_candidate
from playlist_interop.matching.normalize import fold, parse_title, split_artists
from playlist_interop.model import ArtistCredit, Track
from playlist_interop.types import DurationMs


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def beatify(matching_fixtures: Path) -> list[dict[str, str]]:
    return _rows(matching_fixtures / "mholzi+beatify" / "cross_service_pairs.tsv")


def song(title: str, artist: str, isrc: str | None = None) -> Track:
    return Track(title, artists=tuple(ArtistCredit(a) for a in split_artists(artist)), isrc=isrc)


def test_same_title_by_a_quiz_decoy_artist_is_never_matched(beatify: list[dict[str, str]]) -> None:
    decisions = 0
    false_matches = []
    for row in beatify:
        source = song(row["title"], row["artist"])
        credited = set(normalize_track(source).artists)
        # Some "wrong answers" share a name with the right credit (Lady Gaga for "Lady Gaga,
        # Bradley Cooper", Sinead O'Connor spelled without the accent): only artists sharing
        # no name with it are "another artist" (partial credits are tested in test_score).
        decoys = [
            name.strip()
            for name in row["alt_artists"].split("|")
            if name.strip() and not set(normalize_track(song("x", name)).artists) & credited
        ]
        if not decoys:
            continue
        candidates = [song(row["title"], name) for name in decoys]
        result = decide(source, candidates)
        decisions += 1
        if result.status is MatchStatus.MATCHED:
            false_matches.append((row["artist"], row["title"], result.track))
        # With the real recording among the decoys, it is the one picked.
        right = decide(source, [*candidates, song(row["title"], row["artist"])])
        assert right.track is not None
        assert right.track.artists == source.artists, (row["artist"], row["title"])
    assert decisions > 3000
    assert false_matches == []


def test_equal_isrc_is_not_trusted_when_the_songs_differ(beatify: list[dict[str, str]]) -> None:
    by_isrc: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in beatify:
        if row["isrc"]:
            by_isrc[row["isrc"]].append(row)
    checked = 0
    for isrc, rows in by_isrc.items():
        first = rows[0]
        source = song(first["title"], first["artist"], isrc)
        for other in rows[1:]:
            core_a = fold(parse_title(first["title"]).core)
            core_b = fold(parse_title(other["title"]).core)
            if core_a == core_b or core_a in core_b or core_b in core_a:
                continue  # the same song, spelled alike: nothing to check here
            candidate = song(other["title"], other["artist"], isrc)
            score = score_candidate(normalize_track(source), normalize_track(candidate))
            if score.fields.title >= 0.6:
                continue  # similar enough that the row may well be right
            checked += 1
            assert decide(source, [candidate]).status is not MatchStatus.MATCHED, (
                first["title"],
                other["title"],
            )
    assert checked >= 5


def test_artist_dash_title_uploads_in_many_scripts(matching_fixtures: Path) -> None:
    path = matching_fixtures / "spotDL+spotify-downloader" / "matching_expectations.tsv"
    read = 0
    for row in _rows(path):
        line = row["comment_artist_title"]
        artist, sep, title = line.partition(" - ")
        if not sep:
            continue
        source = song(title, artist)
        upload = Track(line, artists=(ArtistCredit("Some Uploader"),), extras={"kind": "video"})
        assert fold(title), line  # nothing is lost to folding, whatever the script
        score = score_candidate(normalize_track(source), normalize_track(upload))
        assert score.fields.title >= 0.95, line
        assert score.fields.artist is not None
        assert score.fields.artist >= 0.7, line
        read += 1
    assert read >= 25


def _musicbrainz_track(path: Path, *, length_of: str) -> Track:
    """The first track of a MusicBrainz release JSON (beets' test data) as a model track."""
    release = json.loads(path.read_text(encoding="utf-8"))
    track = release["media"][0]["tracks"][0]
    recording = track["recording"]
    length = track["length"] if length_of == "track" else recording["length"]
    return Track(
        track["title"],
        artists=tuple(ArtistCredit(credit["name"]) for credit in track["artist_credit"]),
        duration_ms=DurationMs(length),
        isrc=recording["isrcs"][0],
    )


def test_an_isrc_confirms_a_title_in_another_script(matching_fixtures: Path) -> None:
    """ "In Bloom" by Lilas Ikuta (English pseudo-release) is 百花繚乱 by 幾田りら."""
    folder = matching_fixtures / "beetbox+beets"
    english = _musicbrainz_track(folder / "musicbrainz_pseudo_release_en.json", length_of="track")
    japanese = _musicbrainz_track(
        folder / "musicbrainz_release_official_ja.json", length_of="recording"
    )
    assert (english.title, english.artist_line) == ("In Bloom", "Lilas Ikuta")
    assert (japanese.title, japanese.artist_line) == ("百花繚乱", "幾田りら")
    result = decide(english, [japanese])
    assert result.status is MatchStatus.MATCHED
    assert result.explanation.via == "isrc"
    assert "other scripts" in result.explanation.reasons[0]
    # Without the ISRC nothing links the two spellings: no match.
    blind = decide(attrs.evolve(english, isrc=None), [attrs.evolve(japanese, isrc=None)])
    assert blind.status is MatchStatus.UNMATCHED
    # An equal ISRC with a far-off length in another script is not enough.
    longer = attrs.evolve(japanese, duration_ms=DurationMs(japanese.duration_ms + 20_000))  # type: ignore[operator]
    assert decide(english, [longer]).status is not MatchStatus.MATCHED
