"""The registry's commands and reads on the monthly national report (R-RPT-1): a month's report read from the log,
its submission recorded by an administrator (closing the month's deadline), the scheduler raising a month once it
has ended, and each month's state. A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, cast
from uuid import UUID

from registry.base import RegistryAggregate
from registry.case import Case
from registry.certificate import Certificate
from registry.commands import Command
from registry.errors import NotFound
from registry.idempotency import Idempotency
from registry.identifiers import organization_id
from registry.national_report import TOPIC_ENDINGS, NationalReport, ReportRow, reported, row_of
from registry.national_reporting import (
    NATIONAL_REPORTING_ID,
    NationalReporting,
    due_by,
    month_of,
    parse_month,
    previous_month,
    recorded_month,
)
from registry.organization import Organization
from registry.section import SYSTEM, Section
from registry.values import Actor, Role, Written

READ = 1000  # events read from the log at a time
# An event's recorded_at as the transcoder stores it, first in its state: read without decoding the event, so a
# month's report decodes only the month's events.
STORED_TIMESTAMP = re.compile(rb'^\{"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]+)"\}')
# The events that give a certificate its number and organisation, read from the records of the month's certificates.
NAMING = frozenset({Certificate.Issued.__qualname__, Certificate.Changed.__qualname__})


@dataclass(frozen=True)
class SubmitNationalReport(Command):
    """R-RPT-1: a month's report was submitted to the national certification information platform."""

    role: ClassVar[Role] = Role.ADMIN
    month: str
    submitted_on: date
    reference: str


@dataclass(frozen=True)
class NationalReportMonth:
    """A month's report as the registry tracks it: due by the 10th of the next month; ``state`` is ``running`` (the
    month has not ended), ``open`` (ended, not submitted), ``overdue`` (past its due date, not submitted),
    ``met`` or ``missed`` (submitted on or after its due date)."""

    month: str
    due_by: date
    state: str
    raised: bool  # the scheduler raised it as a deadline
    submitted_on: date | None = None
    reference: str | None = None
    submitted_by: UUID | None = None
    recorded_at: datetime | None = None


class ReportingSteps(Section):
    def national_reporting(self) -> NationalReporting | None:
        """The months' record (R-RPT-1), None before anything was recorded on it."""
        try:
            return self._get(NationalReporting, NATIONAL_REPORTING_ID, "national reporting")
        except NotFound:
            return None

    def submit_national_report(self, month: str, submitted_on: date, reference: str, *, actor: Actor,
                               idempotency: Idempotency | None = None) -> Written:
        """R-RPT-1: records that ``month``'s report was submitted on ``submitted_on`` under the platform's
        ``reference``; this closes the month's deadline, met on or before the 10th of the next month."""
        now = self.clock.now()
        reporting = self.national_reporting() or NationalReporting.start(actor=SYSTEM, now=now)
        reporting.submit(month, submitted_on, reference, today=self._today(), actor=actor, now=now)
        return self._commit(reporting, month=month, idempotency=idempotency)

    def await_national_reports(self) -> list[str]:
        """The scheduler's duty (R-RPT-1): the month just ended, raised once (unless submitted) as a deadline due by
        the 10th, which recording its submission closes. Answers the months raised now."""
        return self._raise_once(
            lambda now: self.national_reporting() or NationalReporting.start(actor=SYSTEM, now=now),
            lambda reporting, now: reporting.await_month(self._today(), actor=SYSTEM, now=now),
            "全国认证信息平台报送记录一直在变更，该事项将在下次定时运行时再次执行 / "
            "the national reporting record kept changing; the duty runs again on the next tick")

    def national_report_months(self, count: int = 12) -> list[NationalReportMonth]:
        """The current month and the ``count`` before it, newest first, with any earlier month raised or submitted."""
        today = self._today()
        reporting = self.national_reporting()
        months = [month_of(today)]
        for _ in range(count):
            months.append(previous_month(months[-1]))
        if reporting is not None:
            months = sorted({*months, *reporting.awaited, *reporting.submitted}, reverse=True)
        return [_month_view(m, reporting, today) for m in months]

    def national_report(self, month: str) -> NationalReport:
        """R-RPT-1: ``month``'s report, read from the log: every reported event recorded in the month (Asia/Shanghai),
        in log order, each with the organisation it concerned then. Events recorded later are in a later month's
        report, so the same month always reads the same rows.

        The log is read once, the month's reported events alone decoded; then the records they are of are read for
        the organisation each named when its event was recorded (a certificate's issue and changes, a case's
        organisation's name): what is held is the month's, not the whole log's."""
        month = parse_month(month)
        found: list[tuple[int, RegistryAggregate.Event]] = []
        start = 1
        while True:
            batch = list(self.recorder.select_notifications(start, READ))
            if not batch:
                break
            for notification in batch:
                name = notification.topic.rpartition(":")[2]
                if name not in TOPIC_ENDINGS or _passed_over(notification.state, month):
                    continue
                event = cast(RegistryAggregate.Event, self.mapper.to_domain_event(notification))
                if reported(event) and recorded_month(event.recorded_at) == month:
                    found.append((notification.id, event))
            start = batch[-1].id + 1
        reader = _Reader(self, [event for _, event in found])
        return NationalReport(month, tuple(reader.row(event, position, month) for position, event in found))


def _passed_over(state: bytes, month: str) -> bool:
    """Whether a stored event can be left undecoded: recorded in another month. (A state not stored as expected is
    decoded: never wrongly passed over.)"""
    found = STORED_TIMESTAMP.match(state)
    return found is not None and recorded_month(datetime.fromisoformat(found.group(1).decode())) != month


class _Reader:
    """The organisation each of a month's reported events concerned when it was recorded: a certificate's from its
    issue and changes up to the event (its record's events, read for the certificates of the month), a case's
    organisation's name as it stood at the event's position."""

    def __init__(self, registry: ReportingSteps, events: list[RegistryAggregate.Event]) -> None:
        self.registry = registry
        # certificate → (position, number, organisation, valid until) of its issue and each change, in log order
        self.certificates: dict[UUID, list[tuple[int, str, Any, date]]] = {}
        certificates = list(dict.fromkeys(e.originator_id for e in events if isinstance(e, Certificate.Event)))
        for first in range(0, len(certificates), READ):
            for notification in registry.store.positioned_events(registry.recorder,
                                                                 certificates[first:first + READ]):
                if notification.topic.rpartition(":")[2] in NAMING:
                    self._named(notification.id, registry.mapper.to_domain_event(notification))
        self.cases: dict[UUID, str] = {}  # case → its organisation's USCC
        self.names: dict[str, list[tuple[int, str]]] = {}  # USCC → (position, name), in log order

    def _named(self, position: int, event: Any) -> None:
        naming = self.certificates.setdefault(event.originator_id, [])
        if isinstance(event, Certificate.Issued):
            naming.append((position, event.number, event.organization, event.valid_until))
        elif isinstance(event, Certificate.Changed) and naming:
            _, number, _, valid_until = naming[-1]
            naming.append((position, number, event.organization, valid_until))

    def row(self, event: RegistryAggregate.Event, position: int, month: str) -> ReportRow:
        if isinstance(event, Certificate.Event):
            _, number, org, valid_until = [n for n in self.certificates[event.originator_id] if n[0] <= position][-1]
            return row_of(event, position, month, number=number, case_id="", organization=org.name, uscc=org.uscc,
                          valid_until=valid_until)
        uscc = self.cases.get(event.originator_id)
        if uscc is None:
            case: Case = self.registry.case_by_id(event.originator_id)
            uscc = self.cases[event.originator_id] = case.organization_uscc
        return row_of(event, position, month, number="", case_id=str(event.originator_id),
                      organization=self._name(uscc, position), uscc=uscc, valid_until=None)

    def _name(self, uscc: str, position: int) -> str:
        names = self.names.get(uscc)
        if names is None:
            stored = self.registry.store.positioned_events(self.registry.recorder, [organization_id(uscc)])
            names = []
            for notification in stored:
                event = self.registry.mapper.to_domain_event(notification)
                if isinstance(event, Organization.Registered | Organization.DetailsChanged):
                    names.append((notification.id, event.name))
            self.names[uscc] = names
        found = [name for at, name in names if at < position]
        return found[-1] if found else ""


def _month_view(month: str, reporting: NationalReporting | None, today: date) -> NationalReportMonth:
    due = due_by(month)
    raised = reporting is not None and month in reporting.awaited
    submitted = reporting.submitted.get(month) if reporting is not None else None
    if submitted is not None:
        return NationalReportMonth(month, due, "missed" if submitted["late"] else "met", raised,
                                   submitted["submitted_on"], submitted["reference"], submitted["person"],
                                   submitted["recorded_at"])
    state = "running" if month_of(today) <= month else "overdue" if today > due else "open"
    return NationalReportMonth(month, due, state, raised)


def perform(registry: ReportingSteps, command: object, actor: Actor, key: Idempotency | None) -> Written | None:
    """The step of a national-reporting command (``registry.handling.perform``); None for another."""
    match command:
        case SubmitNationalReport() as c:
            return registry.submit_national_report(c.month, c.submitted_on, c.reference, actor=actor,
                                                   idempotency=key)
    return None

