"""The body's monthly report to the national certification information platform (R-RPT-1): each month's data is due
by the 10th of the next month. One record keeps the months (its id is fixed): a month the scheduler raised once it
ended (the deadline opened), and a month's submission as recorded by an administrator (the deadline closed).

A month's report is built from the log (registry.national_report); a month is the events *recorded* in it, in
Asia/Shanghai, so a report once sent never changes: what is recorded after the month closed goes in a later month's
report, as a late entry.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from registry import text
from registry.base import RegistryAggregate
from registry.clock import SHANGHAI
from registry.errors import AlreadyExists, InvalidInput, RuleViolation
from registry.identifiers import NAMESPACE
from registry.values import Actor

NATIONAL_REPORTING_ID: UUID = uuid5(NAMESPACE, "national-reporting")
RULE = "R-RPT-1"
CLAUSE = "Reporting"  # SPEC.md: R-RPT-1, under "Reporting"
DUE_DAY = 10  # the 10th of the next month

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str) -> str:
    """A month as ``YYYY-MM``, checked."""
    if not isinstance(value, str) or not MONTH.match(value) or not 2000 <= int(value[:4]) <= 2999:
        raise InvalidInput("month", f"月份须为 YYYY-MM 格式：{value!r} / a month is written YYYY-MM: {value!r}")
    return value


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def due_by(month: str) -> date:
    """R-RPT-1: a month's report is due by the 10th of the next month."""
    return first_day(next_month(month)).replace(day=DUE_DAY)


def recorded_month(recorded_at: datetime) -> str:
    """The month whose report an event recorded at ``recorded_at`` goes in: its date in Asia/Shanghai."""
    return month_of(recorded_at.astimezone(SHANGHAI).date())


def check_ended(month: str, today: date) -> None:
    """R-RPT-1: only a month that has ended is reported: its data is complete the day after its last."""
    if month_of(today) <= month:
        raise RuleViolation(RULE, CLAUSE, f"{month} 尚未结束，其报告不能报送（截至今日 {today.isoformat()}） / "
                                          f"{month} has not ended: its report cannot be submitted yet (today is "
                                          f"{today.isoformat()})")


def check_submission(month: str, submitted_on: date, reference: str, today: date) -> None:
    """R-RPT-1: a month's report is submitted after the month has ended, on a day not in the future, with the
    platform's reference."""
    check_ended(month, today)
    if submitted_on < first_day(next_month(month)):
        raise RuleViolation(RULE, CLAUSE, f"报送日期 {submitted_on.isoformat()} 早于 {month} 结束 / the submission "
                                          f"date {submitted_on.isoformat()} is before {month} ended")
    if submitted_on > today:
        raise RuleViolation(RULE, CLAUSE, f"报送日期 {submitted_on.isoformat()} 晚于今日 / the submission date "
                                          f"{submitted_on.isoformat()} is after today")
    if not reference:
        raise RuleViolation(RULE, CLAUSE, "须注明平台的报送编号 / the platform's reference of the submission is "
                                          "given")


class NationalReporting(RegistryAggregate):
    class Started(RegistryAggregate.Created):
        def apply(self, reporting: NationalReporting) -> None:
            reporting.awaited = {}
            reporting.submitted = {}

    class NationalReportAwaited(RegistryAggregate.Event):
        """R-RPT-1: a month has ended; its report is due by the 10th of the next."""

        month: str
        due_by: date

        def apply(self, reporting: NationalReporting) -> None:
            reporting.awaited[self.month] = self.due_by

    class NationalReportSubmitted(RegistryAggregate.Event):
        """R-RPT-1: a month's report was submitted to the platform on ``effective_on``, under ``reference``."""

        month: str
        reference: str
        due_by: date
        late: bool

        def apply(self, reporting: NationalReporting) -> None:
            reporting.submitted[self.month] = {"submitted_on": self.dated, "reference": self.reference,
                                               "due_by": self.due_by, "late": self.late,
                                               "person": self.actor.person, "recorded_at": self.timestamp}

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        awaited: dict[str, date]  # month raised → due by
        submitted: dict[str, dict[str, Any]]  # month → its submission

    @classmethod
    def start(cls, *, actor: Actor, now: datetime) -> NationalReporting:
        return cls._create(cls.Started, id=NATIONAL_REPORTING_ID, actor=actor, effective_on=None, timestamp=now)

    def submit(self, month: str, submitted_on: date, reference: str, *, today: date, actor: Actor,
               now: datetime) -> None:
        """R-RPT-1: records a month's submission, which closes its deadline (met on or before the 10th)."""
        month = parse_month(month)
        reference = text.check("reference", reference, text.LINE).strip()
        check_submission(month, submitted_on, reference, today)
        if month in self.submitted:
            raise AlreadyExists(f"{month} 的报告已记录为已报送 / {month}'s report is recorded as submitted already")
        due = due_by(month)
        self._record(self.NationalReportSubmitted, month=month, reference=reference, due_by=due,
                     late=submitted_on > due, actor=actor, effective_on=submitted_on, now=now)

    def await_month(self, today: date, *, actor: Actor, now: datetime) -> list[str]:
        """R-RPT-1: raises the month just ended, once, unless it was submitted. Answers the months raised."""
        month = previous_month(month_of(today))
        if month in self.awaited or month in self.submitted:
            return []
        self._record(self.NationalReportAwaited, month=month, due_by=due_by(month), actor=actor, effective_on=today,
                     now=now)
        return [month]
