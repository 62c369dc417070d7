"""``playlist login PROVIDER``: sign in with OAuth2 + PKCE through a loopback redirect.

The command listens on ``127.0.0.1`` for the provider's redirect, opens the authorization URL
in the browser (or prints it), checks ``state``, trades the code (with the PKCE verifier) for
tokens and saves them to ``<config>/tokens/<provider>.json`` with mode ``0600``. Rotated
refresh tokens are saved back to the same file whenever a later command refreshes.

The config directory is ``$PLAYLIST_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/playlist-interop``,
else ``~/.config/playlist-interop``. The client id comes from ``--client-id`` or
``PLAYLIST_<PROVIDER>_CLIENT_ID`` (and a confidential client's secret from
``PLAYLIST_<PROVIDER>_CLIENT_SECRET``); it is remembered next to the token (it is not secret).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import webbrowser
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from playlist_interop.errors import AuthError, PluginError
from playlist_interop.providers import OAuthProviderFactory, Provider, get_provider
from playlist_interop.providers.auth import (
    BearerToken,
    OAuthClient,
    OAuthSession,
    OAuthToken,
    PkcePair,
    TokenFile,
    generate_state,
)

__all__ = [
    "Account",
    "config_dir",
    "open_provider",
    "register",
    "run",
]

_DONE_PAGE = (
    "<!doctype html><title>playlist login</title><p>{message}</p><p>You can close this window.</p>"
)


def config_dir() -> Path:
    """Where tokens and client ids live."""
    explicit = os.environ.get("PLAYLIST_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "playlist-interop"


def _env(provider: str, what: str) -> str | None:
    value = os.environ.get(f"PLAYLIST_{provider.upper()}_{what}", "").strip()
    return value or None


class Account:
    """The stored sign-in of one provider: its token file and client settings."""

    def __init__(self, provider: str, directory: Path | None = None) -> None:
        self.provider = provider
        root = directory or config_dir()
        self.token_file = TokenFile(root / "tokens" / f"{provider}.json")
        self.client_path = root / "tokens" / f"{provider}.client.json"

    def save_client(self, client_id: str, redirect_uri: str) -> None:
        """Remember the (public) client id and redirect URI used to sign in."""
        self.client_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.client_path.write_text(
            json.dumps({"client_id": client_id, "redirect_uri": redirect_uri}), encoding="utf-8"
        )

    def load_client(self) -> dict[str, str]:
        """The remembered client settings (empty when none)."""
        try:
            data = json.loads(self.client_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise AuthError(
                f"unreadable {self.client_path}: {exc}", provider=self.provider
            ) from None
        return {k: str(v) for k, v in data.items() if isinstance(v, str)}


def _oauth_factory(name: str) -> Any:
    factory = get_provider(name)
    if not isinstance(factory, OAuthProviderFactory) and not hasattr(factory, "oauth_client"):
        raise PluginError(f"provider {name!r} does not sign in with OAuth")
    return factory


def _oauth_client(factory: Any, name: str, *, client_id: str, redirect_uri: str) -> Any:
    """An ``OAuthClient`` for the factory's ``oauth_config``, or the provider's own sign-in
    client when its OAuth flavour does not fit one (Deezer exposes ``oauth_client``)."""
    secret = _env(name, "CLIENT_SECRET")
    custom = getattr(factory, "oauth_client", None)
    if custom is not None:
        return custom(client_id=client_id, redirect_uri=redirect_uri, client_secret=secret)
    config = factory.oauth_config(
        client_id=client_id, redirect_uri=redirect_uri, client_secret=secret
    )
    return OAuthClient(config)


def register(subparsers: Any) -> None:
    """Add the ``login`` command."""
    parser = subparsers.add_parser(
        "login",
        help="sign in to a music service (OAuth with PKCE, loopback redirect)",
        description=(
            "Sign in to PROVIDER in the browser and save the tokens (mode 0600) under the "
            "config directory ($PLAYLIST_CONFIG_DIR or ~/.config/playlist-interop)."
        ),
    )
    parser.add_argument("provider", metavar="PROVIDER", help="provider name, e.g. spotify")
    parser.add_argument(
        "--client-id", help="OAuth client id (default: $PLAYLIST_<PROVIDER>_CLIENT_ID)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8888,
        help="loopback port of the redirect URI (default 8888; 0 picks a free one)",
    )
    parser.add_argument(
        "--path", default="/callback", help="path of the redirect URI (default /callback)"
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the URL instead of opening a browser"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for the redirect"
    )
    parser.set_defaults(handler=run)


async def _start_redirect_server(
    port: int, path: str, state: str
) -> tuple[web.AppRunner, str, asyncio.Future[dict[str, str]]]:
    loop = asyncio.get_running_loop()
    result: asyncio.Future[dict[str, str]] = loop.create_future()

    async def callback(request: web.Request) -> web.Response:
        params = dict(request.query)
        if params.get("state") != state:
            return web.Response(
                status=400,
                text=_DONE_PAGE.format(message="Sign-in refused: the state does not match."),
                content_type="text/html",
            )
        if not result.done():
            result.set_result(params)
        message = "Signed in." if "code" in params else "Sign-in was not completed."
        return web.Response(text=_DONE_PAGE.format(message=message), content_type="text/html")

    app = web.Application()
    app.router.add_get(path, callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{bound}{path}", result


async def _login(args: argparse.Namespace) -> int:
    name = args.provider
    factory = _oauth_factory(name)
    account = Account(name)
    client_id = args.client_id or _env(name, "CLIENT_ID")
    if not client_id:
        raise AuthError(
            f"no client id: pass --client-id or set PLAYLIST_{name.upper()}_CLIENT_ID",
            provider=name,
        )
    state = generate_state()
    pkce = PkcePair.generate()
    runner, redirect_uri, result = await _start_redirect_server(args.port, args.path, state)
    try:
        async with _oauth_client(
            factory, name, client_id=client_id, redirect_uri=redirect_uri
        ) as client:
            # Some providers need extra parameters (Google: access_type=offline).
            extra = getattr(factory, "authorize_params", None)
            url = client.authorization_url(state=state, pkce=pkce, extra=extra)
            print(f"Open this address to sign in to {name}:\n\n  {url}\n", file=sys.stderr)
            if not args.no_browser:
                with contextlib.suppress(webbrowser.Error):
                    webbrowser.open(url)
            try:
                async with asyncio.timeout(args.timeout):
                    params = await result
            except TimeoutError:
                raise AuthError(f"no redirect within {args.timeout:g} s", provider=name) from None
            if "code" not in params:
                reason = params.get("error_description") or params.get("error") or "no code"
                raise AuthError(f"sign-in refused: {reason}", provider=name)
            token = await client.exchange_code(params["code"], code_verifier=pkce.verifier)
    finally:
        await runner.cleanup()
    await account.token_file(token)
    account.save_client(client_id, redirect_uri)
    async with open_provider(name, token=token, account=account) as provider:
        user = await provider.current_user()
    who = user.display_name or user.id
    print(f"Signed in to {name} as {who}; token saved to {account.token_file.path}")
    return 0


def run(args: argparse.Namespace) -> Any:
    """The ``login`` handler (a coroutine the dispatcher runs)."""
    return _login(args)


@contextlib.asynccontextmanager
async def open_provider(
    name: str, *, token: OAuthToken | None = None, account: Account | None = None
) -> AsyncIterator[Provider]:
    """A signed-in provider from the stored account (or a token in the environment).

    ``PLAYLIST_<PROVIDER>_ACCESS_TOKEN`` wins over the stored account (for scripts and CI).
    Rotated tokens are saved back to the account's token file.
    """
    factory = get_provider(name)
    account = account or Account(name)
    access = _env(name, "ACCESS_TOKEN")
    if access and token is None:
        provider = factory(credentials=BearerToken(access))
        try:
            yield provider
        finally:
            await provider.aclose()
        return
    token = token or account.token_file.load()
    if token is None:
        raise AuthError(f"not signed in: run 'playlist login {name}' first", provider=name)
    if token.refresh_token is None:
        # Nothing to refresh (Deezer's tokens): the access token is the whole credential.
        provider = factory(credentials=BearerToken(token.access_token))
        try:
            yield provider
        finally:
            await provider.aclose()
        return
    if not isinstance(factory, OAuthProviderFactory):
        raise PluginError(f"provider {name!r} does not sign in with OAuth")
    client_settings = account.load_client()
    client_id = client_settings.get("client_id") or _env(name, "CLIENT_ID")
    if not client_id:
        raise AuthError(
            f"no client id remembered: run 'playlist login {name}' again", provider=name
        )
    config = factory.oauth_config(
        client_id=client_id,
        redirect_uri=client_settings.get("redirect_uri", "http://127.0.0.1:8888/callback"),
        client_secret=_env(name, "CLIENT_SECRET"),
    )
    async with OAuthClient(config) as client:
        session = OAuthSession(client, token, saver=account.token_file)
        provider = factory(credentials=session)
        try:
            yield provider
        finally:
            await provider.aclose()
