"""``playlist login youtube`` (OAuth with PKCE) and ``playlist export youtube:ID``."""

from __future__ import annotations

import json
import stat
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest

from playlist_interop.cli import main
from playlist_interop.codecs import read_playlist
from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.youtube import YouTubeEmulator
from tests.providers._cli_helpers import consent, serve_for_cli


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[YouTubeEmulator]:
    emu = YouTubeEmulator(DEFAULT_SEED_TRACKS)
    env = {"CLIENT_ID": "cid"}
    yield from serve_for_cli(emu, tmp_path, monkeypatch, provider="youtube", env=env)


def test_login_asks_offline_access_then_export(
    emulator: YouTubeEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", consent)
    assert main(["login", "youtube", "--port", "0", "--timeout", "20"]) == 0
    out = capsys.readouterr()
    assert "Signed in to youtube as Emulated Listener" in out.out
    assert "access_type=offline" in out.err
    token_path = tmp_path / "config" / "tokens" / "youtube.json"
    stored = json.loads(token_path.read_text())
    assert stored["refresh_token"]  # Google sends one only with access_type=offline
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600

    pid = emulator.add_playlist("Videos", list(emulator.videos))
    emulator.tokens.expire_access_tokens()
    target = tmp_path / "videos.jspf"
    assert main(["export", f"youtube:{pid}", str(target)]) == 0
    exported = read_playlist(target)
    assert [t.title for t in exported.tracks] == [t.title for t in DEFAULT_SEED_TRACKS]
    assert json.loads(token_path.read_text())["refresh_token"] == stored["refresh_token"]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
        "https://music.youtube.com/playlist?si=x&list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
    ],
)
def test_share_urls_are_references(url: str) -> None:
    from playlist_interop.cli._export import parse_reference

    assert parse_reference(url) == ("youtube", "PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI")
