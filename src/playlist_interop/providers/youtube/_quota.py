"""YouTube Data API quota: a daily unit budget that callers can read, plan with and respect."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from playlist_interop.errors import QuotaExceeded

__all__ = ["DEFAULT_DAILY_UNITS", "UNIT_COSTS", "QuotaReport", "YouTubeQuota"]

DEFAULT_DAILY_UNITS = 10_000
"""The default daily allowance of a Google Cloud project."""

UNIT_COSTS: Mapping[str, int] = MappingProxyType(
    {
        "channels.list": 1,
        "playlists.list": 1,
        "playlistItems.list": 1,
        "videos.list": 1,
        "search.list": 100,
        "playlists.insert": 50,
        "playlists.update": 50,
        "playlists.delete": 50,
        "playlistItems.insert": 50,
        "playlistItems.update": 50,
        "playlistItems.delete": 50,
    }
)
"""Units each API method costs (developers.google.com/youtube/v3/determine_quota_cost)."""

try:
    _PACIFIC: dt.tzinfo = ZoneInfo("America/Los_Angeles")
except ZoneInfoNotFoundError:  # pragma: no cover - systems without a tz database
    _PACIFIC = dt.timezone(dt.timedelta(hours=-8), "PST")


def _pacific_day(now: dt.datetime) -> dt.date:
    return now.astimezone(_PACIFIC).date()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen
class QuotaReport:
    """What a :class:`YouTubeQuota` has spent on the current quota day."""

    day: dt.date
    """The quota day (Pacific time: YouTube resets quotas at midnight there)."""
    limit: int
    """Units allowed that day."""
    spent: int
    """Units spent (counted locally, corrected when YouTube says the quota is gone)."""
    by_method: Mapping[str, int]
    """Calls per API method."""

    @property
    def remaining(self) -> int:
        """Units left."""
        return max(0, self.limit - self.spent)


class YouTubeQuota:
    """The daily unit budget of one Google Cloud project, shared by every adapter using it.

    Every API call :meth:`charge`\\ s its cost *before* it is sent and raises
    :class:`~playlist_interop.errors.QuotaExceeded` when the budget cannot pay, so a job stops
    before YouTube starts refusing. Planners use :meth:`cost`, :meth:`can_afford` and
    :attr:`remaining` to decide (a search costs 100 units, an insert 50, a list page 1).

    Args:
        daily_limit: Units per quota day.
        spent: Units already spent today (another process's count, restored from storage).
        on_change: Awaited with a :class:`QuotaReport` after each charge (persist it to share
            the count across processes).
        clock: Current time (tests inject one).
    """

    def __init__(
        self,
        daily_limit: int = DEFAULT_DAILY_UNITS,
        *,
        spent: int = 0,
        on_change: Callable[[QuotaReport], Awaitable[None]] | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        if daily_limit < 0:
            raise ValueError("daily_limit must not be negative")
        self.daily_limit = daily_limit
        self._clock = clock
        self._day = _pacific_day(clock())
        self._spent = spent
        self._by_method: dict[str, int] = {}
        self._on_change = on_change
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"YouTubeQuota(spent={self.spent}, limit={self.daily_limit})"

    def _roll(self) -> None:
        today = _pacific_day(self._clock())
        if today != self._day:
            self._day = today
            self._spent = 0
            self._by_method.clear()

    @staticmethod
    def cost(method: str, calls: int = 1) -> int:
        """Units ``calls`` calls of an API method (``"search.list"``) cost."""
        try:
            return UNIT_COSTS[method] * calls
        except KeyError:
            raise ValueError(f"unknown YouTube API method {method!r}") from None

    @property
    def spent(self) -> int:
        """Units spent on the current quota day."""
        self._roll()
        return self._spent

    @property
    def remaining(self) -> int:
        """Units left on the current quota day."""
        return max(0, self.daily_limit - self.spent)

    def can_afford(self, units: int) -> bool:
        """Whether ``units`` more units fit in today's budget."""
        return units <= self.remaining

    def report(self) -> QuotaReport:
        """A snapshot for progress displays and migration reports."""
        self._roll()
        return QuotaReport(
            day=self._day,
            limit=self.daily_limit,
            spent=self._spent,
            by_method=MappingProxyType(dict(self._by_method)),
        )

    async def charge(self, method: str, *, provider: str = "youtube") -> None:
        """Spend the cost of one call, or raise ``QuotaExceeded`` without spending."""
        units = self.cost(method)
        async with self._lock:
            self._roll()
            left = self.daily_limit - self._spent
            if units > left:
                raise QuotaExceeded(
                    f"{method} needs {units} units; {max(0, left)} of {self.daily_limit} left "
                    "today (the quota resets at midnight Pacific time)",
                    provider=provider,
                    needed=units,
                    remaining=max(0, left),
                )
            self._spent += units
            self._by_method[method] = self._by_method.get(method, 0) + 1
        if self._on_change is not None:
            await self._on_change(self.report())

    def exhaust(self) -> None:
        """Record that YouTube itself said the quota is spent (its count wins)."""
        self._roll()
        self._spent = max(self._spent, self.daily_limit)
