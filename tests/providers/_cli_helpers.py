"""What the ``playlist login``/``export`` tests of the OAuth providers share.

An emulator served from a background event loop (the CLI runs its own loop with
``asyncio.run``), the environment pointing the CLI at it, and a stand-in browser that
gives consent by following the authorization URL.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol, TypeVar

import pytest


class CliEmulator(Protocol):
    """An emulator with the API and the sign-in endpoints at separate base URLs."""

    @property
    def api_url(self) -> str: ...

    @property
    def auth_url(self) -> str: ...

    async def start(self) -> object: ...

    async def close(self) -> None: ...


E = TypeVar("E", bound=CliEmulator)


def serve_for_cli(
    emu: E,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    provider: str,
    env: Mapping[str, str],
) -> Iterator[E]:
    """Serve ``emu`` on a loop in a thread while the test runs; yield it, then stop it.

    Sets ``PLAYLIST_CONFIG_DIR`` under ``tmp_path``, ``PLAYLIST_<PROVIDER>_API_URL`` and
    ``_AUTH_URL`` to the emulator, the ``env`` variables named after ``PLAYLIST_<PROVIDER>_``,
    and removes ``PLAYLIST_<PROVIDER>_ACCESS_TOKEN``.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(10)
    prefix = f"PLAYLIST_{provider.upper()}_"
    monkeypatch.setenv("PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv(f"{prefix}API_URL", emu.api_url)
    monkeypatch.setenv(f"{prefix}AUTH_URL", emu.auth_url)
    for name, value in env.items():
        monkeypatch.setenv(f"{prefix}{name}", value)
    monkeypatch.delenv(f"{prefix}ACCESS_TOKEN", raising=False)
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def consent(url: str, *args: object, **kwargs: object) -> bool:
    """A ``webbrowser.open`` that consents: follows ``url`` (to the redirect) in a thread."""

    def follow() -> None:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()

    threading.Thread(target=follow, daemon=True).start()
    return True
