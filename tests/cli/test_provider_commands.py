"""``playlist providers``, ``playlist login`` and ``playlist export`` against the emulator."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from playlist_interop.cli import main
from playlist_interop.cli._export import parse_reference
from playlist_interop.codecs import read_playlist
from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.spotify import SpotifyEmulator


class EmulatorThread:
    """A Spotify emulator on its own event loop, for tests of the synchronous CLI."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.emulator = SpotifyEmulator(DEFAULT_SEED_TRACKS, client_ids=["cid"])

    def __enter__(self) -> SpotifyEmulator:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self.loop).result(10)
        return self.emulator

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SpotifyEmulator]:
    with EmulatorThread() as emu:
        monkeypatch.setenv("PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.setenv("PLAYLIST_SPOTIFY_API_URL", emu.api_url)
        monkeypatch.setenv("PLAYLIST_SPOTIFY_AUTH_URL", emu.auth_url)
        monkeypatch.delenv("PLAYLIST_SPOTIFY_ACCESS_TOKEN", raising=False)
        monkeypatch.setenv("PLAYLIST_SPOTIFY_CLIENT_ID", "cid")
        yield emu


def browser(act: Callable[[str], None]) -> Callable[..., bool]:
    """A stand-in for ``webbrowser.open`` that acts on the URL from another thread."""

    def open_url(url: str, *args: object, **kwargs: object) -> bool:
        threading.Thread(target=act, args=(url,), daemon=True).start()
        return True

    return open_url


def consent(url: str) -> None:
    """The user approves: follow the authorization URL and its redirect to the loopback."""
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()


FORGED: list[int] = []


def deny(url: str) -> None:
    """A forged redirect arrives first (refused), then the user's refusal."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    forged = f"{query['redirect_uri']}?{urlencode({'code': 'x', 'state': 'forged'})}"
    try:
        urllib.request.urlopen(forged, timeout=10)
    except urllib.error.HTTPError as exc:
        FORGED.append(exc.code)
    refusal = urlencode({"error": "access_denied", "state": query["state"]})
    with urllib.request.urlopen(f"{query['redirect_uri']}?{refusal}", timeout=10) as response:
        response.read()


def test_providers_lists_the_builtin_with_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers", "--json"]) in (0, 1)
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["spotify"]["status"] == "loaded"
    assert rows["spotify"]["target"] == "playlist_interop.providers.spotify:SpotifyProvider"
    assert "search_isrc" in rows["spotify"]["capabilities"]
    main(["providers"])
    assert "spotify" in capsys.readouterr().out


def test_login_then_export(
    emulator: SpotifyEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", browser(consent))
    assert main(["login", "spotify", "--port", "0", "--timeout", "20"]) == 0
    out = capsys.readouterr()
    assert "Signed in to spotify as Emulator User" in out.out
    token_path = tmp_path / "config" / "tokens" / "spotify.json"
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    stored = json.loads(token_path.read_text())
    assert stored["refresh_token"] in emulator.tokens.issued
    for secret in emulator.tokens.issued:
        assert secret not in out.out + out.err

    pid = emulator.add_playlist("Road Trip", list(emulator.tracks), description="Songs & more")
    emulator.tokens.expire_access_tokens()  # export must refresh and save the rotation
    target = tmp_path / "trip.xspf"
    assert main(["export", f"spotify:{pid}", str(target)]) == 0
    exported = read_playlist(target)
    assert exported.name == "Road Trip"
    assert [t.title for t in exported.tracks] == [t.title for t in DEFAULT_SEED_TRACKS]
    assert "exported 8 tracks of 'Road Trip' from spotify to xspf" in capsys.readouterr().err
    rotated = json.loads(token_path.read_text())
    assert rotated["refresh_token"] != stored["refresh_token"]
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600

    csv_out = tmp_path / "trip.csv"
    assert main(["export", f"spotify:playlist:{pid}", str(csv_out), "-q"]) == 0
    assert "Lantern Harbour" in csv_out.read_text()


def test_refused_login_saves_nothing(
    emulator: SpotifyEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(webbrowser, "open", browser(deny))
    assert main(["login", "spotify", "--port", "0", "--timeout", "20"]) == 2
    assert "sign-in refused: access_denied" in capsys.readouterr().err
    assert FORGED == [400]  # the forged state was turned away, not taken for the answer
    assert not (tmp_path / "config" / "tokens" / "spotify.json").exists()


def test_export_needs_a_login(
    emulator: SpotifyEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "spotify:" + "a" * 22, "out.xspf"]) == 2
    assert "not signed in: run 'playlist login spotify' first" in capsys.readouterr().err


def test_export_with_an_access_token_from_the_environment(
    emulator: SpotifyEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAYLIST_SPOTIFY_ACCESS_TOKEN", emulator.issue_token().access_token)
    pid = emulator.add_playlist("Env", list(emulator.tracks)[:2])
    target = tmp_path / "env.m3u8"
    assert main(["export", f"https://open.spotify.com/playlist/{pid}?si=x", str(target), "-q"]) == 0
    assert "Paper Comets" in target.read_text(encoding="utf-8")


def test_login_without_client_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PLAYLIST_SPOTIFY_CLIENT_ID", raising=False)
    assert main(["login", "spotify", "--no-browser", "--port", "0"]) == 2
    assert "no client id" in capsys.readouterr().err


def test_parse_reference() -> None:
    assert parse_reference("spotify:abc") == ("spotify", "abc")
    assert parse_reference("spotify:playlist:abc") == ("spotify", "abc")
    assert parse_reference("https://open.spotify.com/intl-de/playlist/abc?si=1") == (
        "spotify",
        "abc",
    )
    assert parse_reference("deezer:908622995") == ("deezer", "908622995")
    with pytest.raises(ValueError, match="PROVIDER:PLAYLIST_ID"):
        parse_reference("just-an-id")
