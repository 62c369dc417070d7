"""Which event loop the service's processes run on (the ``EVENT_LOOP`` setting)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from playlist_service.settings import SettingsError

__all__ = ["loop_factory"]


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """A factory of new event loops for ``choice``: ``auto``, ``uvloop`` or ``asyncio``.

    ``auto`` takes uvloop when it can be imported (its C event loop and transports cost
    less CPU per request) and the standard loop otherwise; ``uvloop`` refuses to start
    without it.
    """
    if choice == "asyncio":
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError as exc:
        if choice == "uvloop":
            raise SettingsError("EVENT_LOOP=uvloop but uvloop is not installed") from exc
        return asyncio.new_event_loop
    return uvloop.new_event_loop
