"""OAuth2 + PKCE helpers: RFC 7636 vector, URL building, exchange, refresh skew, rotation."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web

from playlist_interop.errors import AuthError
from playlist_interop.providers import HttpCore
from playlist_interop.providers.auth import (
    BearerToken,
    OAuthClient,
    OAuthConfig,
    OAuthSession,
    OAuthToken,
    PkcePair,
    TokenFile,
    code_challenge,
    generate_state,
)

ServerFactory = Callable[..., Awaitable[Any]]

# RFC 7636, Appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_rfc7636_appendix_b_vector() -> None:
    assert code_challenge(RFC_VERIFIER) == RFC_CHALLENGE
    pair = PkcePair.from_verifier(RFC_VERIFIER)
    assert pair.challenge == RFC_CHALLENGE
    assert pair.method == "S256"
    assert RFC_VERIFIER not in repr(pair)


def test_generated_pairs_are_valid_and_fresh() -> None:
    pairs = {PkcePair.generate().verifier for _ in range(20)}
    assert len(pairs) == 20
    for verifier in pairs:
        assert 43 <= len(verifier) <= 128
        assert PkcePair.from_verifier(verifier).challenge == code_challenge(verifier)
    with pytest.raises(ValueError, match="43-128"):
        PkcePair.from_verifier("short")
    with pytest.raises(ValueError, match="43-128"):
        PkcePair.from_verifier("a" * 42 + "!")
    assert generate_state() != generate_state()
    assert len(generate_state()) >= 43


class TokenServer:
    """A minimal RFC 6749 token endpoint that rotates refresh tokens."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        self.auth_headers: list[str | None] = []
        self.counter = 0
        self.valid_refresh = "rt-0"
        self.verifier_challenge = code_challenge(RFC_VERIFIER)
        self.expires_in = 3600

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.forms.append(form)
        self.auth_headers.append(request.headers.get("Authorization"))
        self.counter += 1
        if form.get("grant_type") == "authorization_code":
            if code_challenge(form.get("code_verifier", "")) != self.verifier_challenge:
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "code_verifier was incorrect"},
                    status=400,
                )
        elif (
            form.get("grant_type") == "refresh_token"
            and form.get("refresh_token") != self.valid_refresh
        ):
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Refresh token revoked"},
                status=400,
            )
        self.valid_refresh = f"rt-{self.counter}"
        return web.json_response(
            {
                "access_token": f"at-{self.counter}",
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "refresh_token": self.valid_refresh,
                "scope": "playlist-read-private user-read-private",
            }
        )


@pytest.fixture
async def token_server(aiohttp_server: ServerFactory) -> tuple[TokenServer, str]:
    server_state = TokenServer()
    app = web.Application()
    app.router.add_post("/api/token", server_state.token)
    server = await aiohttp_server(app)
    return server_state, str(server.make_url("/api/token"))


def make_config(token_url: str, secret: str | None = None) -> OAuthConfig:
    return OAuthConfig(
        provider="spotify",
        client_id="client-1",
        authorize_url="https://accounts.example/authorize",
        token_url=token_url,
        redirect_uri="http://127.0.0.1:8765/callback",
        scopes=("playlist-read-private", "user-read-private"),
        client_secret=secret,
    )


def test_authorization_url() -> None:
    client_config = make_config("http://127.0.0.1:1/api/token")
    client = OAuthClient(client_config)
    pair = PkcePair.from_verifier(RFC_VERIFIER)
    url = client.authorization_url(state="st", pkce=pair)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.example/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "state": "st",
        "code_challenge": RFC_CHALLENGE,
        "code_challenge_method": "S256",
        "scope": "playlist-read-private user-read-private",
    }
    assert RFC_VERIFIER not in url


async def test_exchange_public_client(token_server: tuple[TokenServer, str]) -> None:
    state, url = token_server
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    async with OAuthClient(make_config(url), clock=lambda: now) as client:
        token = await client.exchange_code("the-code", code_verifier=RFC_VERIFIER)
    assert token.access_token == "at-1"
    assert token.refresh_token == "rt-1"
    assert token.expires_at == now + dt.timedelta(hours=1)
    assert token.scope == ("playlist-read-private", "user-read-private")
    assert state.forms[0] == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "code_verifier": RFC_VERIFIER,
        "client_id": "client-1",
    }
    assert state.auth_headers == [None]
    assert "at-1" not in repr(token)
    assert "rt-1" not in repr(token)


async def test_exchange_confidential_client_uses_basic_auth(
    token_server: tuple[TokenServer, str],
) -> None:
    state, url = token_server
    async with OAuthClient(make_config(url, secret="s3cret")) as client:
        await client.exchange_code("c", code_verifier=RFC_VERIFIER)
    assert state.auth_headers[0] == "Basic Y2xpZW50LTE6czNjcmV0"
    assert "client_id" not in state.forms[0]


async def test_wrong_verifier_is_auth_error(token_server: tuple[TokenServer, str]) -> None:
    _, url = token_server
    async with OAuthClient(make_config(url)) as client:
        with pytest.raises(AuthError, match="invalid_grant: code_verifier was incorrect"):
            await client.exchange_code("c", code_verifier="x" * 43)


class Saved:
    def __init__(self) -> None:
        self.tokens: list[OAuthToken] = []

    async def __call__(self, token: OAuthToken) -> None:
        self.tokens.append(token)


async def test_session_refreshes_five_minutes_early_and_saves_rotation(
    token_server: tuple[TokenServer, str],
) -> None:
    state, url = token_server
    state.valid_refresh = "rt-start"
    now = [dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)]
    start = OAuthToken(
        access_token="at-start",
        refresh_token="rt-start",
        expires_at=now[0] + dt.timedelta(minutes=10),
    )
    saved = Saved()
    async with OAuthClient(make_config(url), clock=lambda: now[0]) as client:
        session = OAuthSession(client, start, saver=saved, clock=lambda: now[0])
        assert await session.authorization() == "Bearer at-start"
        now[0] += dt.timedelta(minutes=4, seconds=59)  # 5 min 1 s left: still fine
        assert await session.authorization() == "Bearer at-start"
        now[0] += dt.timedelta(seconds=2)  # 4 min 59 s left: inside the skew
        assert await session.authorization() == "Bearer at-1"
        assert [t.refresh_token for t in saved.tokens] == ["rt-1"]
        # The old refresh token is revoked after rotation; the session uses the new one.
        assert await session.renew() is True
        assert session.token.access_token == "at-2"
        assert [t.refresh_token for t in saved.tokens] == ["rt-1", "rt-2"]
    assert "at-2" not in repr(session)


async def test_concurrent_callers_share_one_refresh(
    token_server: tuple[TokenServer, str],
) -> None:
    state, url = token_server
    state.valid_refresh = "rt-x"
    expired = OAuthToken(
        access_token="old",
        refresh_token="rt-x",
        expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )
    async with OAuthClient(make_config(url)) as client:
        session = OAuthSession(client, expired)
        headers = await asyncio.gather(*(session.authorization() for _ in range(10)))
    assert set(headers) == {"Bearer at-1"}
    assert session.refreshes == 1
    assert len(state.forms) == 1


async def test_refresh_keeps_refresh_token_when_none_is_returned(
    aiohttp_server: ServerFactory,
) -> None:
    async def token(request: web.Request) -> web.Response:
        return web.json_response({"access_token": "new", "expires_in": 60})

    app = web.Application()
    app.router.add_post("/t", token)
    server = await aiohttp_server(app)
    old = OAuthToken(access_token="a", refresh_token="keep-me", scope=("s1",))
    async with OAuthClient(make_config(str(server.make_url("/t")))) as client:
        new = await client.refresh(old)
    assert new.refresh_token == "keep-me"
    assert new.scope == ("s1",)
    assert new.token_type == "Bearer"


async def test_refresh_without_refresh_token() -> None:
    async with OAuthClient(make_config("http://127.0.0.1:1/t")) as client:
        with pytest.raises(AuthError, match="no refresh token"):
            await client.refresh(OAuthToken(access_token="a"))
        session = OAuthSession(client, OAuthToken(access_token="a"))
        assert await session.renew() is False


def test_token_response_without_access_token() -> None:
    with pytest.raises(AuthError):
        OAuthToken.from_response({"token_type": "Bearer"}, provider="p")


def test_token_file_round_trip_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "spotify.json"
    store = TokenFile(path)
    assert store.load() is None
    token = OAuthToken(
        access_token="a",
        refresh_token="r",
        expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        scope="x y",
    )
    asyncio.run(store(token))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load() == token
    assert json.loads(path.read_text())["scope"] == "x y"
    path.write_text("{not json")
    with pytest.raises(AuthError, match="unreadable token file"):
        store.load()


async def test_bearer_token_credentials(aiohttp_server: ServerFactory) -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/me", handler)
    server = await aiohttp_server(app)
    creds = BearerToken("tok")
    assert "tok" not in repr(creds)
    async with HttpCore(provider="p", base_url=str(server.make_url("")), credentials=creds) as h:
        await h.get_json("me")
    assert seen == ["Bearer tok"]
