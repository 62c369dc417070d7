"""``playlist login tidal`` (OAuth with PKCE) and ``playlist export tidal:ID``."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
import urllib.request
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest

from playlist_interop.cli import main
from playlist_interop.codecs import read_playlist
from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.tidal import TidalEmulator


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TidalEmulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emu = TidalEmulator(DEFAULT_SEED_TRACKS)
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(10)
    monkeypatch.setenv("PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYLIST_TIDAL_API_URL", emu.api_url)
    monkeypatch.setenv("PLAYLIST_TIDAL_AUTH_URL", emu.auth_url)
    monkeypatch.setenv("PLAYLIST_TIDAL_CLIENT_ID", "cid")
    monkeypatch.delenv("PLAYLIST_TIDAL_ACCESS_TOKEN", raising=False)
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _consent(url: str, *args: object, **kwargs: object) -> bool:
    def follow() -> None:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()

    threading.Thread(target=follow, daemon=True).start()
    return True


def test_login_then_export_saves_rotated_refresh_tokens(
    emulator: TidalEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", _consent)
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
