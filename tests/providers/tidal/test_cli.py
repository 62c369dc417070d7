"""``playlist login tidal`` (OAuth with PKCE) and ``playlist export tidal:ID``."""

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
from playlist_interop.testing.emulators.tidal import TidalEmulator
from tests.providers._cli_helpers import consent, serve_for_cli


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TidalEmulator]:
    emu = TidalEmulator(DEFAULT_SEED_TRACKS)
    env = {"CLIENT_ID": "cid"}
    yield from serve_for_cli(emu, tmp_path, monkeypatch, provider="tidal", env=env)


def test_login_then_export_saves_rotated_refresh_tokens(
    emulator: TidalEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", consent)
    assert main(["login", "tidal", "--port", "0", "--timeout", "20"]) == 0
    out = capsys.readouterr()
    assert "Signed in to tidal as emulated.listener" in out.out
    assert "code_challenge_method=S256" in out.err
    token_path = tmp_path / "config" / "tokens" / "tidal.json"
    stored = json.loads(token_path.read_text())
    assert stored["refresh_token"] in emulator.tokens.issued
    for secret in emulator.tokens.issued:
        assert secret not in out.out + out.err

    pid = emulator.add_playlist("Coastline", list(emulator.tracks))
    emulator.tokens.expire_access_tokens()  # export refreshes; TIDAL rotates the refresh token
    target = tmp_path / "coast.m3u8"
    assert main(["export", f"tidal:{pid}", str(target)]) == 0
    exported = read_playlist(target)
    assert [t.title for t in exported.tracks] == [t.title for t in DEFAULT_SEED_TRACKS]
    rotated = json.loads(token_path.read_text())
    assert rotated["refresh_token"] != stored["refresh_token"]
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600


@pytest.mark.parametrize("host", ["https://tidal.com/browse", "https://listen.tidal.com"])
def test_share_urls_are_references(host: str) -> None:
    from playlist_interop.cli._export import parse_reference

    uuid = "36ea71a8-445e-41a4-82ab-6628c581535d"
    assert parse_reference(f"{host}/playlist/{uuid}") == ("tidal", uuid)
