"""The EVENT_LOOP setting: uvloop when installed (auto), on demand, or never."""

from __future__ import annotations

import asyncio
import sys

import pytest

from playlist_service._loop import loop_factory
from playlist_service.settings import SettingsError


def _loop_type(choice: str) -> str:
    loop = loop_factory(choice)()
    try:
        return type(loop).__module__.split(".")[0]
    finally:
        loop.close()


def test_asyncio_is_the_standard_loop() -> None:
    assert loop_factory("asyncio") is asyncio.new_event_loop


def test_auto_and_uvloop_take_uvloop_when_installed() -> None:
    pytest.importorskip("uvloop", reason="uvloop does not build on this platform")
    assert _loop_type("auto") == "uvloop"
    assert _loop_type("uvloop") == "uvloop"


def test_without_uvloop_auto_falls_back_and_uvloop_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert loop_factory("auto") is asyncio.new_event_loop
    with pytest.raises(SettingsError, match="not installed"):
        loop_factory("uvloop")
