"""``playlist login youtube`` (OAuth with PKCE) and ``playlist export youtube:ID``."""

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
from playlist_interop.testing.emulators.youtube import YouTubeEmulator


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[YouTubeEmulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emu = YouTubeEmulator(DEFAULT_SEED_TRACKS)
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(10)
    monkeypatch.setenv("PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYLIST_YOUTUBE_API_URL", emu.api_url)
    monkeypatch.setenv("PLAYLIST_YOUTUBE_AUTH_URL", emu.auth_url)
    monkeypatch.setenv("PLAYLIST_YOUTUBE_CLIENT_ID", "cid")
    monkeypatch.delenv("PLAYLIST_YOUTUBE_ACCESS_TOKEN", raising=False)
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


def test_login_asks_offline_access_then_export(
    emulator: YouTubeEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", _consent)
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
