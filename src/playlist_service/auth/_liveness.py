"""A per-process memory of device sessions recently confirmed live in the database.

Every authenticated request must know its device session was not signed out. Asking the
database each time costs a connection checkout and a round trip per request, which is
most of the price of a simple read. This cache remembers, for ``ttl`` seconds, that a
session was live: within that window a request skips the lookup.

Revocation stays prompt:

- the process that signs a session out (or sees a refresh token reused) forgets it at once,
  so its very next request is refused;
- other processes forget it when the revocation is broadcast to them (:meth:`forget` and
  :meth:`forget_user` are what a broadcast listener calls), and at the latest when the
  entry is ``ttl`` seconds old.

``ttl=0`` turns the cache off: every request asks the database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import attrs

__all__ = ["SessionLiveness"]


@attrs.frozen
class _Entry:
    user_id: str
    expires_at: dt.datetime
    checked_at: float


class SessionLiveness:
    """Session id -> (user, expiry, when checked); bounded, oldest entries dropped first.

    Args:
        ttl: Seconds a confirmation stays good (0 disables the cache).
        max_entries: At most this many sessions are remembered.
        clock: Monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0:
            raise ValueError("ttl must not be negative")
        self.ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def is_live(self, session_id: str, user_id: str, now: dt.datetime) -> bool:
        """Whether the session was confirmed live for ``user_id`` within ``ttl`` seconds."""
        entry = self._entries.get(session_id)
        if entry is None:
            return False
        if (
            entry.user_id != user_id
            or self._clock() - entry.checked_at >= self.ttl
            or entry.expires_at <= now
        ):
            del self._entries[session_id]
            return False
        return True

    def remember(self, session_id: str, user_id: str, expires_at: dt.datetime) -> None:
        """Record that the database just showed this session live until ``expires_at``."""
        if self.ttl <= 0:
            return
        entries = self._entries
        entries.pop(session_id, None)  # re-insert at the end: oldest first stays true
        if len(entries) >= self._max_entries:
            del entries[next(iter(entries))]
        entries[session_id] = _Entry(user_id, expires_at, self._clock())

    def forget(self, session_id: str) -> None:
        """The session was revoked: the next request must ask the database."""
        self._entries.pop(session_id, None)

    def forget_user(self, user_id: str) -> None:
        """Every session of the user may have been revoked."""
        for session_id in [s for s, e in self._entries.items() if e.user_id == user_id]:
            del self._entries[session_id]

    def clear(self) -> None:
        """Forget everything (a broadcast channel was lost, so revocations may be missed)."""
        self._entries.clear()
