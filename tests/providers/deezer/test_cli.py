"""``playlist login deezer`` (Deezer's own OAuth flavour) and ``playlist export deezer:ID``."""

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
from playlist_interop.testing.emulators.deezer import DeezerEmulator
from tests.providers._cli_helpers import consent, serve_for_cli


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeezerEmulator]:
    emu = DeezerEmulator(catalog=DEFAULT_SEED_TRACKS)
    env = {"CLIENT_ID": emu.app_id, "CLIENT_SECRET": emu.secret}
    yield from serve_for_cli(emu, tmp_path, monkeypatch, provider="deezer", env=env)


def test_login_then_export(
    emulator: DeezerEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", consent)
    assert main(["login", "deezer", "--port", "0", "--timeout", "20"]) == 0
    out = capsys.readouterr()
    assert "Signed in to deezer as Emulated User" in out.out
    assert (
        "perms=basic_access%2Cemail%2Cmanage_library%2Cdelete_library%2Coffline_access" in out.err
    )
    token_path = tmp_path / "config" / "tokens" / "deezer.json"
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    stored = json.loads(token_path.read_text())
    assert stored["refresh_token"] is None
    assert stored["expires_at"] is None  # offline_access
    assert stored["access_token"] not in out.out + out.err
    assert emulator.secret not in out.out + out.err

    pid = emulator.create_playlist("Night Drive", list(emulator.tracks))
    target = tmp_path / "night.xspf"
    assert main(["export", f"deezer:{pid}", str(target)]) == 0
    exported = read_playlist(target)
    assert exported.name == "Night Drive"
    assert [t.title for t in exported.tracks] == [t.title for t in DEFAULT_SEED_TRACKS]


def test_login_needs_the_app_secret(
    emulator: DeezerEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PLAYLIST_DEEZER_CLIENT_SECRET")
    assert main(["login", "deezer", "--port", "0", "--no-browser", "--timeout", "1"]) == 2
    assert "PLAYLIST_DEEZER_CLIENT_SECRET" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    ["https://www.deezer.com/fr/playlist/908622995", "https://deezer.com/playlist/908622995"],
)
def test_share_urls_are_references(url: str) -> None:
    from playlist_interop.cli._export import parse_reference

    assert parse_reference(url) == ("deezer", "908622995")
