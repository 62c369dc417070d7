"""``playlist login deezer`` (Deezer's own OAuth flavour) and ``playlist export deezer:ID``."""

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
from playlist_interop.testing.emulators.deezer import DeezerEmulator


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeezerEmulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emu = DeezerEmulator(catalog=DEFAULT_SEED_TRACKS)
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(10)
    monkeypatch.setenv("PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYLIST_DEEZER_API_URL", emu.api_url)
    monkeypatch.setenv("PLAYLIST_DEEZER_AUTH_URL", emu.auth_url)
    monkeypatch.setenv("PLAYLIST_DEEZER_CLIENT_ID", emu.app_id)
    monkeypatch.setenv("PLAYLIST_DEEZER_CLIENT_SECRET", emu.secret)
    monkeypatch.delenv("PLAYLIST_DEEZER_ACCESS_TOKEN", raising=False)
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


def test_login_then_export(
    emulator: DeezerEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", _consent)
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
