"""No cassette and no log line carries a token, code or secret."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import vcr
import yaml

from playlist_interop.errors import ProviderError
from playlist_interop.providers.auth import OAuthClient, OAuthSession, PkcePair, generate_state
from playlist_interop.providers.spotify import SpotifyProvider
from playlist_interop.testing.conformance import DEFAULT_SEED_TRACKS
from playlist_interop.testing.emulators.spotify import SpotifyEmulator
from playlist_interop.types import ProviderPlaylistId

OUR_CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
SHARED_SPOTIFY = [
    "matching/spotDL+spotify-downloader/spotify_playlist_top10_ncs_ep2.yaml",
    "matching/spotDL+spotify-downloader/spotify_track_ropes_dirty_palm.yaml",
    "matching/spotDL+spotify-downloader/spotify_album_ncs_best_of_2017.yaml",
]
TOKEN_FIELD = re.compile(
    r'"(access_token|refresh_token|id_token|client_secret)"\s*:\s*"(?!REDACTED")[^"]+"'
)
SECRET_PARAM = re.compile(
    r"(?<![A-Za-z0-9_])(access_token|refresh_token|code|code_verifier|client_secret)=(?!REDACTED)[^&\s'\"]+"
)


def cassette_problems(path: Path) -> list[str]:
    """Every way a cassette could leak a credential."""
    problems = []
    data = yaml.safe_load(path.read_text())
    for n, interaction in enumerate(data.get("interactions", [])):
        request, response = interaction["request"], interaction["response"]
        for name, values in (request.get("headers") or {}).items():
            if name.lower() == "authorization":
                for value in values:
                    if value.split()[-1] != "REDACTED":
                        problems.append(f"{path.name}#{n}: Authorization {value[:12]}...")
            if name.lower() == "cookie":
                problems.append(f"{path.name}#{n}: request cookie")
        for name in response.get("headers") or {}:
            if name.lower() == "set-cookie":
                problems.append(f"{path.name}#{n}: Set-Cookie")
        texts = [request.get("uri", ""), str(request.get("body") or "")]
        body = (response.get("body") or {}).get("string")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        texts.append(str(body or ""))
        texts += [str(v) for v in (response.get("headers") or {}).get("location", [])]
        for text in texts:
            if TOKEN_FIELD.search(text) or SECRET_PARAM.search(text):
                problems.append(f"{path.name}#{n}: token-like field in {text[:60]!r}")
    return problems


def our_cassettes() -> list[Path]:
    return sorted(OUR_CASSETTES.glob("**/*.yaml")) if OUR_CASSETTES.is_dir() else []


@pytest.mark.parametrize("name", SHARED_SPOTIFY)
def test_shared_cassettes_carry_no_token(shared_fixtures: Path, name: str) -> None:
    assert cassette_problems(shared_fixtures / name) == []


@pytest.mark.parametrize("path", our_cassettes(), ids=lambda p: p.name)
def test_our_cassettes_carry_no_token(path: Path) -> None:
    assert cassette_problems(path) == []


def test_the_scanner_finds_leaks(tmp_path: Path) -> None:
    leaky = {
        "interactions": [
            {
                "request": {
                    "uri": "http://x/cb?code=abc",
                    "headers": {"Authorization": ["Bearer abc"]},
                    "body": "grant_type=refresh_token&refresh_token=rt",
                },
                "response": {
                    "headers": {"Set-Cookie": ["s=1"]},
                    "body": {"string": '{"access_token": "at"}'},
                },
            }
        ]
    }
    path = tmp_path / "leaky.yaml"
    path.write_text(yaml.safe_dump(leaky))
    assert len(cassette_problems(path)) == 5


async def login_and_use(emulator: SpotifyEmulator) -> None:
    """Every credential-bearing step: authorize, exchange, refresh, 401 renewal, errors."""
    config = SpotifyProvider.oauth_config(
        client_id="cid", redirect_uri="http://127.0.0.1:1/cb", auth_url=emulator.auth_url
    )
    async with OAuthClient(config) as client:
        pkce = PkcePair.generate()
        url = client.authorization_url(state=generate_state(), pkce=pkce)
        # The user's browser (not the library) follows the authorization URL.
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(url, allow_redirects=False) as response,
        ):
            redirect = response.headers["Location"]
        code = parse_qs(urlsplit(redirect).query)["code"][0]
        token = await client.exchange_code(code, code_verifier=pkce.verifier)
        session = OAuthSession(client, token)
        async with SpotifyProvider(credentials=session, api_url=emulator.api_url) as provider:
            pid = emulator.add_playlist("Secrets", list(emulator.tracks))
            await provider.get_playlist(ProviderPlaylistId(pid))
            emulator.tokens.expire_access_tokens()
            await provider.current_user()
            await session.refresh()
            emulator.faults.malformed(1)
            with pytest.raises(ProviderError):
                await provider.current_user()


async def test_recorded_session_is_filtered(tmp_path: Path, vcr_filters: dict[str, Any]) -> None:
    recorder = vcr.VCR(record_mode="all", **vcr_filters)
    path = tmp_path / "session.yaml"
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS) as emulator:
        with recorder.use_cassette(str(path)) as cassette:
            await login_and_use(emulator)
        assert len(cassette) >= 7
    text = path.read_text()
    assert emulator.tokens.issued
    for secret in emulator.tokens.issued:
        assert secret not in text
    assert cassette_problems(path) == []
    assert "/api/token" in text  # the token exchanges were recorded, with their secrets filtered


async def test_no_log_line_carries_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with SpotifyEmulator(DEFAULT_SEED_TRACKS) as emulator:
        await login_and_use(emulator)
    lines = [record.getMessage() for record in caplog.records]
    assert any("/api/token" in line for line in lines)
    assert any("-> 401" in line for line in lines)
    text = "\n".join(lines)
    for secret in emulator.tokens.issued:
        assert secret not in text
