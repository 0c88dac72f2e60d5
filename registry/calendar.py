"""Date arithmetic of the rules (SPEC.md, Two clocks): calendar months and years, and China's working days.

Working days follow China's official arrangement of each year (R-CAL-1), adjusted working weekends included:
a year the body recorded from the State Council's notice first (``Workdays``, given the recorded years); else the
``chinese-calendar`` package's data (2004–2026); else Monday–Friday, with a logged warning, and a due date counted
so is marked as such (``Workdays.fallback_years``) until the year is recorded.
"""

from __future__ import annotations

import calendar as _stdcal
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

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


# The years the package's data covers (it raises NotImplementedError beyond them).
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class Source(Enum):
    """Where a year's working days come from (R-CAL-1)."""

    RECORDED = "recorded"  # the State Council's notice, as the body recorded it
    PACKAGE = "package"  # the chinese-calendar package's data
    MISSING = "missing"  # neither: Monday–Friday is counted, and a due date so counted is marked


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement (R-CAL-1): its public holidays and its adjusted working weekends (调休)."""

    year: int
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    notice: str  # the notice it comes from (e.g. 国办发明电〔2025〕7号)

    def is_working_day(self, d: date) -> bool:
        if d in self.working_weekends:
            return True
        return d.weekday() < 5 and d not in self.holidays


@dataclass(frozen=True)
class Workdays:
    """China's working days as the registry knows them: the years the body recorded, else the package's data,
    else Monday–Friday. Pure: the registry hands it the recorded years (``Registry.workdays``)."""

    recorded: Mapping[int, YearArrangement] = field(default_factory=dict)

    def source(self, year: int) -> Source:
        if year in self.recorded:
            return Source.RECORDED
        return Source.PACKAGE if year in PACKAGE_YEARS else Source.MISSING

    def is_working_day(self, d: date) -> bool:
        """China's official working day; Monday–Friday (with a logged warning) for a year nobody knows yet."""
        arrangement = self.recorded.get(d.year)
        if arrangement is not None:
            return arrangement.is_working_day(d)
        if d.year in PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(d))
        if d.year not in _warned_years:
            _warned_years.add(d.year)
            log.warning("China's official calendar has no data for %s: counting Monday–Friday as working days "
                        "until the year's arrangement is recorded (R-CAL-1)", d.year)
        return d.weekday() < 5

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (day 0 is ``d`` itself and never counts)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        current = d
        while n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    def fallback_years(self, start: date, due: date) -> tuple[int, ...]:
        """The years whose days after ``start`` up to ``due`` were counted Monday–Friday: a due date so counted
        is marked, and counted again when they are recorded (R-CAL-1)."""
        first = start + timedelta(days=1)
        return tuple(y for y in range(first.year, due.year + 1) if self.source(y) is Source.MISSING)


# No year recorded: the package's data, else Monday–Friday.
PACKAGE = Workdays()


def is_working_day(d: date) -> bool:
    """China's official working day by the package's data alone (``Workdays`` adds the years recorded)."""
    return PACKAGE.is_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """The ``n``-th working day after ``d`` by the package's data alone (``Workdays`` adds the years recorded)."""
    return PACKAGE.add_working_days(d, n)


def fallback_note(years: tuple[int, ...] | list[int]) -> str:
    """What a due date counted Monday–Friday says of itself (R-CAL-1), Chinese first."""
    zh = "、".join(str(y) for y in years)
    en = " and ".join(str(y) for y in years)
    return (f"按周一至周五推算，待录入 {zh} 年安排 / computed Monday–Friday until {en}'s arrangement is recorded "
            "(R-CAL-1)")
