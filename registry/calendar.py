"""Date arithmetic of the rules (SPEC.md, Two clocks): calendar months and years, and China's working days.

Working days follow China's official calendar (``chinese-calendar``, adjusted working weekends included). The
library covers 2004–2026 and raises beyond; past its coverage Monday–Friday is used and a warning is logged.
"""

from __future__ import annotations

import calendar as _stdcal
import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def add_months(d: date, months: int) -> date:
    """``d`` plus calendar months, clamped to the month's last day (2026-01-31 + 1 month = 2026-02-28)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, _stdcal.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    """``d`` plus calendar years (Feb 29 + 1 year = Feb 28)."""
    return add_months(d, 12 * years)


def add_days(d: date, days: int) -> date:
    return d + timedelta(days=days)


def is_working_day(d: date) -> bool:
    """China's official working day; Monday–Friday (with a logged warning) where the calendar has no data."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        if d.year not in _warned_years:
            _warned_years.add(d.year)
            log.warning(
                "China's official calendar has no data for %s: counting Monday–Friday as working days", d.year
            )
        return d.weekday() < 5


def add_working_days(d: date, n: int) -> date:
    """The ``n``-th working day after ``d`` (day 0 is ``d`` itself and never counts)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current = d
    while n:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current
