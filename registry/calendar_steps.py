"""The registry's commands on the body's working calendar (R-CAL-1): an administrator records a year's official
arrangement, which counts again every pending due date counted Monday–Friday for it; the scheduler raises a year
still missing from 1 November; and every year is read with where its working days come from. A section of
``Registry`` (registry.section).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

import chinese_calendar

from registry.calendar import PACKAGE_YEARS, Source
from registry.case import Case
from registry.commands import Command
from registry.idempotency import Idempotency
from registry.section import SYSTEM, Section
from registry.values import Actor, Role, Written
from registry.working_calendar import WorkingCalendar


@dataclass(frozen=True)
class RecordCalendarYear(Command):
    """R-CAL-1: a year's official working-day arrangement, from the State Council's notice."""

    role: ClassVar[Role] = Role.ADMIN
    year: int
    holidays: Sequence[date]
    working_weekends: Sequence[date]
    notice: str


@dataclass(frozen=True)
class CalendarYearView:
    """A year's working days as the registry knows them: recorded (with its notice, who and when), the package's,
    or missing (Monday–Friday counted, and, when due, raised as a deadline)."""

    year: int
    source: str  # recorded | package | missing
    holidays: tuple[date, ...]
    working_weekends: tuple[date, ...]
    notice: str | None = None
    recorded_by: UUID | None = None
    recorded_at: datetime | None = None
    replaces: str | None = None  # the notice of the recording it corrected
    awaited_due_by: date | None = None  # R-CAL-1: raised as missing, due by
    waiting_cases: tuple[UUID, ...] = ()  # cases whose due date was counted Monday–Friday for it


class CalendarSteps(Section):
    def record_calendar_year(self, year: int, holidays: Sequence[date], working_weekends: Sequence[date],
                             notice: str, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-CAL-1: records a year's arrangement (a year recorded again is replaced; the history keeps both) and,
        in the same transaction, counts again each pending acceptance notice counted Monday–Friday for it."""
        now, today = self.clock.now(), self._today()
        calendar = self.working_calendar() or WorkingCalendar.start(actor=SYSTEM, now=now)
        waiting = calendar.waiting_on(year)
        calendar.record_year(year, holidays, working_weekends, notice, today=today, actor=actor, now=now)
        workdays = calendar.workdays
        recounted: list[Case] = []
        for case_id in waiting:
            case = self.case_by_id(case_id)
            if case.recount_notice_due(year, workdays, today=today, actor=actor, now=now):
                recounted.append(case)
        return self._commit(calendar, *recounted, year=year, recomputed=[c.id for c in recounted],
                            idempotency=idempotency)

    def await_calendar_years(self) -> list[int]:
        """The scheduler's duty (R-CAL-1): each year due with no arrangement (this one; the next from 1 November)
        raised once, as a deadline that recording the year closes. Answers the years raised now."""
        return self._raise_once(
            lambda now: self.working_calendar() or WorkingCalendar.start(actor=SYSTEM, now=now),
            lambda calendar, now: calendar.await_years(self._today(), actor=SYSTEM, now=now),
            "工作日安排一直在变更，该事项将在下次定时运行时再次执行 / "
            "the working calendar kept changing; the duty runs again on the next tick")

    def calendar_years(self) -> list[CalendarYearView]:
        """Every year from the package's first to the next one (and any recorded beyond), with its source."""
        calendar = self.working_calendar()
        workdays = calendar.workdays if calendar is not None else None
        recorded = calendar.years if calendar is not None else {}
        last = max([self._today().year + 1, *recorded])
        views = []
        for year in range(PACKAGE_YEARS.start, last + 1):
            source = workdays.source(year) if workdays is not None else _package_source(year)
            views.append(_view(year, source, calendar))
        return views


def _package_source(year: int) -> Source:
    return Source.PACKAGE if year in PACKAGE_YEARS else Source.MISSING


def _view(year: int, source: Source, calendar: WorkingCalendar | None) -> CalendarYearView:
    awaited = calendar.awaited.get(year) if calendar is not None else None
    waiting = tuple(calendar.waiting_on(year)) if calendar is not None else ()
    if source is Source.RECORDED and calendar is not None:
        arrangement, meta = calendar.years[year], calendar.recorded[year]
        return CalendarYearView(year, source.value, tuple(sorted(arrangement.holidays)),
                                tuple(sorted(arrangement.working_weekends)), arrangement.notice, meta["person"],
                                meta["recorded_at"], meta["replaces"])
    if source is Source.PACKAGE:
        return CalendarYearView(year, source.value, *package_arrangement(year))
    return CalendarYearView(year, source.value, (), (), awaited_due_by=awaited, waiting_cases=waiting)


def package_arrangement(year: int) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """The package's holidays and adjusted working weekends of ``year``."""
    holidays = tuple(sorted(d for d in chinese_calendar.holidays if d.year == year))
    working = tuple(sorted(d for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5))
    return holidays, working


def perform(registry: CalendarSteps, command: object, actor: Actor, key: Idempotency | None) -> Written | None:
    """The step of a working-calendar command (``registry.handling.perform``); None for another."""
    match command:
        case RecordCalendarYear() as c:
            return registry.record_calendar_year(c.year, c.holidays, c.working_weekends, c.notice, actor=actor,
                                                 idempotency=key)
    return None

