"""The body's working calendar (R-CAL-1, SPEC.md "Two clocks"): the official working-day arrangement of each year,
as an administrator records it from the State Council's notice (国务院办公厅关于部分节假日安排的通知), with who and
when. The ``chinese-calendar`` package's data seeds 2004–2026; any year recorded here wins over it.

One record holds the whole calendar (its id is fixed), an event per year recorded: a year recorded again (a corrected
notice) replaces it, and the history keeps both. It also keeps what waits on a year nobody knows yet: the cases whose
acceptance notice was counted Monday–Friday for it (counted again when the year is recorded), and the years whose
absence the scheduler raised from 1 November (R-CAL-1's deadline, closed when the year is recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from registry import text
from registry.base import RegistryAggregate
from registry.calendar import PACKAGE_YEARS, Source, Workdays, YearArrangement
from registry.errors import AlreadyExists, RuleViolation
from registry.identifiers import NAMESPACE
from registry.values import Actor

WORKING_CALENDAR_ID: UUID = uuid5(NAMESPACE, "working-calendar")
CLAUSE = "§8.2"  # SPEC.md: R-CAL-1 (§8.2, Two clocks)

# From this day of the year before, a year with no arrangement is raised (R-CAL-1): the State Council publishes the
# next year's arrangement in the autumn.
RAISED_FROM = (11, 1)


class WorkingCalendar(RegistryAggregate):
    class Started(RegistryAggregate.Created):
        def apply(self, calendar: WorkingCalendar) -> None:
            calendar.years = {}
            calendar.recorded = {}
            calendar.awaited = {}
            calendar.waiting = {}

    class YearRecorded(RegistryAggregate.Event):
        """A year's arrangement from its notice; ``replaces`` names the notice of the recording it corrects."""

        year: int
        holidays: tuple[date, ...]
        working_weekends: tuple[date, ...]
        notice: str
        replaces: str | None

        def apply(self, calendar: WorkingCalendar) -> None:
            calendar.years[self.year] = YearArrangement(self.year, frozenset(self.holidays),
                                                        frozenset(self.working_weekends), self.notice)
            calendar.recorded[self.year] = {"person": self.actor.person, "role": self.actor.role.value,
                                            "recorded_at": self.timestamp, "replaces": self.replaces}
            calendar.awaited.pop(self.year, None)
            for case_id, years in list(calendar.waiting.items()):
                left = tuple(y for y in years if y != self.year)
                if left:
                    calendar.waiting[case_id] = left
                else:
                    del calendar.waiting[case_id]

    class YearAwaited(RegistryAggregate.Event):
        """R-CAL-1: from 1 November, the next year has no arrangement: due before it begins."""

        year: int
        due_by: date

        def apply(self, calendar: WorkingCalendar) -> None:
            calendar.awaited[self.year] = self.due_by

    class FallbackDueNoted(RegistryAggregate.Event):
        """A case's due date counted Monday–Friday for ``years``: counted again when they are recorded."""

        case_id: UUID
        years: tuple[int, ...]

        def apply(self, calendar: WorkingCalendar) -> None:
            calendar.waiting[self.case_id] = tuple(self.years)

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        years: dict[int, YearArrangement]
        recorded: dict[int, dict[str, Any]]  # year → who recorded it, when, and the notice it replaced
        awaited: dict[int, date]  # year raised as missing → due by
        waiting: dict[UUID, tuple[int, ...]]  # case → the years its due date was counted Monday–Friday for

    @classmethod
    def start(cls, *, actor: Actor, now: datetime) -> WorkingCalendar:
        return cls._create(cls.Started, id=WORKING_CALENDAR_ID, actor=actor, effective_on=None, timestamp=now)

    @property
    def workdays(self) -> Workdays:
        return Workdays(dict(self.years))

    def record_year(self, year: int, holidays: Sequence[date], working_weekends: Sequence[date], notice: str, *,
                    today: date, actor: Actor, now: datetime) -> None:
        """R-CAL-1: a year's official arrangement, as its notice gives it."""
        text.check_count("holidays", holidays, 366)
        text.check_count("working_weekends", working_weekends, 366)
        notice = text.check("notice", notice, text.LINE).strip()
        off, on = tuple(sorted(set(holidays))), tuple(sorted(set(working_weekends)))
        check_arrangement(year, off, on, notice, today)
        before = self.years.get(year)
        if before is not None and (before.holidays, before.working_weekends, before.notice) == (
                frozenset(off), frozenset(on), notice):
            raise AlreadyExists(f"{year} 年的工作日安排已按同一通知录入 / {year}'s arrangement is recorded already, "
                                "as given")
        self._record(self.YearRecorded, year=year, holidays=off, working_weekends=on, notice=notice,
                     replaces=before.notice if before is not None else None, actor=actor, effective_on=today, now=now)

    def waiting_on(self, year: int) -> list[UUID]:
        """The cases whose due date was counted Monday–Friday for ``year``."""
        return [case_id for case_id, years in self.waiting.items() if year in years]

    def note_fallback(self, case_id: UUID, years: Sequence[int], *, actor: Actor, now: datetime) -> None:
        self._record(self.FallbackDueNoted, case_id=case_id, years=tuple(years), actor=actor, effective_on=None,
                     now=now)

    def await_years(self, today: date, *, actor: Actor, now: datetime) -> list[int]:
        """R-CAL-1: raises each year with no arrangement that is due (this year; the next from 1 November), once.
        Answers the years raised."""
        raised = []
        for year in missing_years(today, self.workdays):
            if year not in self.awaited:
                self._record(self.YearAwaited, year=year, due_by=date(year - 1, 12, 31), actor=actor,
                             effective_on=today, now=now)
                raised.append(year)
        return raised


def missing_years(today: date, workdays: Workdays) -> list[int]:
    """R-CAL-1: the years whose arrangement is due and unknown as of ``today``: this year, and the next from
    1 November."""
    due = [today.year, today.year + 1] if (today.month, today.day) >= RAISED_FROM else [today.year]
    return [y for y in due if workdays.source(y) is Source.MISSING]


def check_arrangement(year: int, holidays: Sequence[date], working_weekends: Sequence[date], notice: str,
                      today: date) -> None:
    """R-CAL-1: a year's arrangement as a notice gives it: a year the registry may know (from 2004, the package's
    first, to the year after today's), public holidays, adjusted working days on a Saturday or Sunday, every date
    inside the year, none both a holiday and a working day, and the notice it comes from."""
    if not PACKAGE_YEARS.start <= year <= today.year + 1:
        raise RuleViolation("R-CAL-1", CLAUSE,
                            f"{year} 年不可录入：国务院办公厅于上一年公布次年安排，可录入 {PACKAGE_YEARS.start} 年至 "
                            f"{today.year + 1} 年 / {year} cannot be recorded: the State Council publishes a year's "
                            f"arrangement in the year before; {PACKAGE_YEARS.start} to {today.year + 1} may be "
                            "recorded")
    if not notice:
        raise RuleViolation("R-CAL-1", CLAUSE, "须注明所依据的通知（文号） / the notice the arrangement comes from is "
                                               "named (its reference)")
    if not holidays:
        raise RuleViolation("R-CAL-1", CLAUSE, f"{year} 年的安排未列出任何放假日期 / {year}'s arrangement lists no "
                                               "public holiday")
    outside = [d.isoformat() for d in (*holidays, *working_weekends) if d.year != year]
    if outside:
        raise RuleViolation("R-CAL-1", CLAUSE, f"日期不在 {year} 年内：{'、'.join(outside)} / dates outside "
                                               f"{year}: {', '.join(outside)}")
    both = sorted(set(holidays) & set(working_weekends))
    if both:
        listed = ", ".join(d.isoformat() for d in both)
        raise RuleViolation("R-CAL-1", CLAUSE, f"同一日期不能既放假又调休上班：{listed} / a date cannot be both a "
                                               f"holiday and a working day: {listed}")
    weekdays = [d.isoformat() for d in working_weekends if d.weekday() < 5]
    if weekdays:
        listed = ", ".join(weekdays)
        raise RuleViolation("R-CAL-1", CLAUSE, f"调休上班日须为周六或周日：{listed} 是工作日 / an adjusted working "
                                               f"day falls on a Saturday or Sunday: {listed} is a weekday")
