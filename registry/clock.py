"""The registry's one clock (SPEC.md, Two clocks).

``recorded_at`` is UTC; "today" is the Asia/Shanghai calendar date. Everything that needs the time is handed a
``Clock``; nothing in the domain reads the system time by itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def today(self) -> date:
        """The registry's business date: the calendar date in Asia/Shanghai."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(SHANGHAI).date()


class AsOfClock:
    """Real time for ``recorded_at``, a chosen business date for "today": ``registry tick --as-of DATE``."""

    def __init__(self, today: date) -> None:
        self._today = today

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self._today


class FixedClock:
    """A clock that stands still until moved: for tests, demos and ``tick --as-of``."""

    def __init__(self, today: date) -> None:
        self.set(today)

    def set(self, today: date) -> None:
        # Noon in Shanghai, so the UTC instant falls on the same calendar date.
        self._now = datetime.combine(today, time(12), SHANGHAI).astimezone(UTC)

    def advance(self, days: int = 0, seconds: float = 0) -> None:
        self._now += timedelta(days=days, seconds=seconds)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(SHANGHAI).date()
