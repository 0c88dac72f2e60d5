"""Tracked deadlines (SPEC.md, Scheduler duties): every SLA of the rules with its rule, subject and due date.

Pure functions: from an event (and the record it changed) to the changes it makes (``certificate_changes``,
``case_changes``), and from the stored rows and a run of changes to the rows they leave (``apply_changes``, the one
state machine of a deadline, whether the projection writes one event or a batch of them). Their table,
``Deadlines``, is written by the certificate projection (``projections.certificate_projection``) in the same
transaction as its other tables (``projections.certificate_views``). States stored are ``open``, ``met`` and
``missed``; ``overdue`` is an open deadline whose date has passed, decided when read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, NamedTuple

from projections.views import View
from registry import rules
from registry.calendar import fallback_note
from registry.case import Case
from registry.certificate import Certificate
from registry.national_reporting import NationalReporting
from registry.values import SuspensionGround
from registry.working_calendar import WorkingCalendar
from store import Cursor


@dataclass(frozen=True)
class Deadline:
    key: str
    rule: str
    subject: str
    due_on: date
    state: str  # open | met | missed
    done_on: date | None = None


@dataclass(frozen=True)
class Settle:
    """Closes the open deadline ``key`` on ``done_on``: met if on time, missed if late; or drops it."""

    key: str
    done_on: date | None
    drop: bool = False


Change = Deadline | Settle


class Row(NamedTuple):
    """A deadline as the view stores it: dates as ISO text, with the log position of the event that wrote it."""

    key: str
    rule: str
    subject: str
    due_on: str
    state: str
    done_on: str | None
    position: int


COLUMNS = Row._fields


def apply_changes(rows: Mapping[str, Row],
                  changes: Iterable[tuple[Sequence[Change], int]]) -> tuple[dict[str, Row], set[str]]:
    """The deadline state machine: the changes of a run of events (each event's with its log position, in log
    order) applied to ``rows``, the stored rows of the keys they concern (a key with no row has none). Answers
    what those keys hold afterwards: the rows to write, and the keys whose row is to be deleted.

    - A ``Deadline`` is written whatever the key held: opened, settled at once (the event decided it), or opened
      again after its settle (each surveillance audit opens the next).
    - A ``Settle`` closes an open row: ``met`` if done on or before its due date, else ``missed`` (no date is never
      in time); with ``drop``, the open row is deleted. A row already settled, or no row, is left as it is."""
    after: dict[str, Row | None] = dict(rows)
    for batch, position in changes:
        for change in batch:
            row = after.get(change.key)
            match change:
                case Deadline():
                    after[change.key] = Row(change.key, change.rule, change.subject, change.due_on.isoformat(),
                                            change.state, change.done_on.isoformat() if change.done_on else None,
                                            position)
                case Settle(drop=True) if row is not None and row.state == "open":
                    after[change.key] = None
                case Settle(done_on=done_on) if row is not None and row.state == "open":
                    done = done_on.isoformat() if done_on else None
                    met = done is not None and done <= row.due_on  # ISO dates compare as text
                    after[change.key] = row._replace(state="met" if met else "missed", done_on=done,
                                                     position=position)
    return ({key: row for key, row in after.items() if row is not None},
            {key for key, row in after.items() if row is None})


def _settled(key: str, rule: str, subject: str, due_on: date, done_on: date, late: bool) -> Deadline:
    return Deadline(key, rule, subject, due_on, "missed" if late else "met", done_on)


def certificate_changes(event: Certificate.Event, cert: Certificate) -> list[Change]:
    """What a certificate's event (``cert`` as it stands after it) opens and settles."""
    number = cert.number
    surveillance = f"{number}:surveillance"
    match event:
        case Certificate.Issued():
            return [_surveillance(cert)]
        case Certificate.SurveillanceAuditRecorded():
            return [Settle(surveillance, event.dated), _surveillance(cert),
                    *(Settle(f"{number}:incident:{i}", event.dated) for i in event.incidents_met),
                    *(Deadline(f"{number}:nc:{nc.ref}", "R-SURV-5", f"certificate {number}: nonconformity {nc.ref} "
                               f"({nc.severity.value}) corrected", nc.due_by, "open")
                      for nc in event.nonconformities if nc.due_by is not None)]
        case Certificate.SurveillanceProgrammeSet():
            return [_surveillance(cert)]  # R-SURV-5: the due date follows the programme
        case Certificate.IncidentRecorded():
            return [Deadline(f"{number}:incident:{event.incident_id}", "R-SURV-6",
                             f"certificate {number}: additional surveillance audit ({event.kind.value})",
                             event.additional_audit_due_by, "open")]
        case Certificate.SurveillanceNonconformityClosed():
            return [Settle(f"{number}:nc:{event.ref}", event.dated)]
        case Certificate.ChangeRequested():
            subject = f"certificate {number}: change request {event.request_id}"
            return [_settled(f"{number}:change-request:{event.request_id}", "R-CHG-1", f"{subject} (15 days)",
                             event.request_due_by, event.dated, event.request_late),
                    Deadline(f"{number}:change:{event.request_id}", "R-CHG-1", f"{subject} carried out (30 days)",
                             event.change_due_by, "open")]
        case Certificate.Changed():
            return [Settle(f"{number}:change:{event.request_id}", event.dated)]
        case Certificate.GroundRecorded():
            return [Deadline(f"{number}:ground:{event.ground_id}", "R-SUS-3",
                             f"certificate {number}: measure on the ground known on {event.dated.isoformat()} "
                             f"({event.ground.value})", event.due_by, "open")]
        case Certificate.Suspended():
            return _measure("suspended", event, number)
        case Certificate.Withdrawn():
            return [*_measure("withdrawn", event, number), Settle(surveillance, None, drop=True), *_ended(cert)]
        case Certificate.Expired():
            return [Settle(surveillance, None, drop=True), *_ended(cert),
                    Deadline(f"{number}:cancellation", "R-CAN-1", f"certificate {number}: cancellation after expiry",
                             rules.cancellation_due(event.dated), "open")]
        case Certificate.Cancelled():
            return [Settle(surveillance, None, drop=True), *_ended(cert),
                    _settled(f"{number}:cancellation", "R-CAN-1", f"certificate {number}: cancellation "
                             f"({event.ground.value})", event.due_by, event.dated, event.late)]
    return []


def _ended(cert: Certificate) -> list[Change]:
    """A certificate withdrawn, expired or cancelled owes no further audit, correction or measure (R-SURV-5,
    R-SURV-6, R-SUS-3)."""
    return [*(Settle(f"{cert.number}:incident:{i}", None, drop=True) for i in cert.incidents),
            *(Settle(f"{cert.number}:nc:{ref}", None, drop=True) for ref in cert.surveillance_ncs),
            *(Settle(f"{cert.number}:ground:{g}", None, drop=True) for g in cert.grounds)]


def _surveillance(cert: Certificate) -> Deadline:
    return Deadline(f"{cert.number}:surveillance", "R-SURV-1", f"certificate {cert.number}: surveillance audit",
                    cert.next_due_by, "open")


def _measure(what: str, event: Certificate.Suspended | Certificate.Withdrawn, number: str) -> list[Change]:
    """A suspension or withdrawal (``what``): the surveillance it was for, missed, or its own R-SUS-1 deadline."""
    if event.ground is SuspensionGround.SURVEILLANCE_OVERDUE:
        return [Settle(f"{number}:surveillance", event.dated)]  # after its date: missed
    return [_settled(f"{number}:{what}:{event.originator_version}", "R-SUS-1",
                     f"certificate {number}: {what} ({event.ground.value})", event.due_by, event.dated, event.late),
            *(Settle(f"{number}:ground:{g}", event.dated) for g in event.grounds)]  # R-SUS-3


# The only case events that change a deadline: the projection decodes no other case event (``wants`` picks them by
# the names in their stored topics, before decoding).
DEADLINE_CASE_EVENTS = frozenset(cls.__name__ for cls in (Case.DocumentReceived, Case.Accepted, Case.NotAccepted,
                                                           Case.NoticeDueRecomputed))
# And the working calendar's (R-CAL-1): a year raised as missing, and a year recorded.
DEADLINE_CALENDAR_EVENTS = frozenset(cls.__name__ for cls in (WorkingCalendar.YearAwaited,
                                                               WorkingCalendar.YearRecorded))


# And the national report's (R-RPT-1): a month raised once it ended, and its submission.
DEADLINE_REPORTING_EVENTS = frozenset(cls.__name__ for cls in (NationalReporting.NationalReportAwaited,
                                                                NationalReporting.NationalReportSubmitted))


def case_changes(event: Case.Event) -> list[Change]:
    """What a case's event opens and settles: the acceptance notice (R-ACC-2), from the document that completes the
    checklist to the acceptance decision; counted again when a year it was counted Monday–Friday for is recorded
    (R-CAL-1), its subject saying so while it is."""
    key = f"case:{event.originator_id}:acceptance-notice"
    match event:
        case Case.DocumentReceived(completes_checklist=True, notice_due_by=date() as due_by):
            return [Deadline(key, "R-ACC-2", _notice_subject(event.originator_id, event.notice_fallback_years),
                             due_by, "open")]
        case Case.NoticeDueRecomputed():
            return [Deadline(key, "R-ACC-2", _notice_subject(event.originator_id, event.notice_fallback_years),
                             event.notice_due_by, "open")]
        case Case.Accepted(notice_due_by=date()) | Case.NotAccepted(notice_due_by=date()):
            return [Settle(key, event.effective_on)]
    return []


def _notice_subject(case_id: object, fallback_years: Sequence[int]) -> str:
    subject = f"case {case_id}: acceptance notice"
    return f"{subject} ({fallback_note(list(fallback_years))})" if fallback_years else subject


def calendar_changes(event: WorkingCalendar.Event) -> list[Change]:
    """R-CAL-1: a year raised as missing is due before it begins; recording it closes that."""
    match event:
        case WorkingCalendar.YearAwaited():
            return [Deadline(f"calendar:{event.year}", "R-CAL-1",
                             f"{event.year} 年工作日安排（国务院办公厅通知）待录入 / the {event.year} working-day "
                             "arrangement (State Council notice) to be recorded", event.due_by, "open")]
        case WorkingCalendar.YearRecorded():
            return [Settle(f"calendar:{event.year}", event.dated)]
    return []


def reporting_changes(event: NationalReporting.Event) -> list[Change]:
    """R-RPT-1: a month's report, raised once the month ended, is due by the 10th of the next; recording its
    submission closes it (and settles it at once for a month never raised)."""
    match event:
        case NationalReporting.NationalReportAwaited():
            return [Deadline(f"national-report:{event.month}", "R-RPT-1", _report_subject(event.month),
                             event.due_by, "open")]
        case NationalReporting.NationalReportSubmitted():
            return [_settled(f"national-report:{event.month}", "R-RPT-1", _report_subject(event.month),
                             event.due_by, event.dated, event.late)]
    return []


def _report_subject(month: str) -> str:
    return (f"{month} 全国认证信息平台月度报告待报送 / the {month} report to the national certification information "
            "platform to be submitted")


class Deadlines(View):
    """The deadlines' table: a row per key, as ``apply_changes`` leaves it."""

    tables = {
        "deadlines": "key TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, due_on TEXT NOT NULL, "
                     "state TEXT NOT NULL, done_on TEXT, position BIGINT NOT NULL",
    }
    # A state's deadlines in due order (the duties; the office's overdue, met and missed lists), read as a range:
    # without the key, PostgreSQL walked the due-date index past every deadline of the other state for the office's
    # lists (2 s at a million each).
    indexes: ClassVar[tuple[str, ...]] = ("deadlines_state_due ON deadlines (state, due_on, key)",)
    replaced_indexes: ClassVar[tuple[str, ...]] = ("deadlines_state",)

    def write_deadlines(self, curs: Cursor, changes: Sequence[tuple[Sequence[Change], int]]) -> None:
        """Deadline changes (each event's with its log position, in log order), one event's or a whole batch's, in
        the caller's transaction: the rows of the keys they concern are taken out (a write first, which SQLite
        needs) and what the state machine leaves of them put back, one DELETE and one insert whatever the number."""
        keys = list(dict.fromkeys(change.key for batch, _ in changes for change in batch))
        if not keys:
            return
        table = self.table("deadlines")
        curs.execute(f"DELETE FROM {table} WHERE key IN ({', '.join('%s' for _ in keys)}) "
                     f"RETURNING {', '.join(COLUMNS)}", keys)
        kept, _ = apply_changes({row[0]: Row(*row) for row in curs.fetchall()}, changes)
        curs.insert_rows(table, COLUMNS, list(kept.values()))

    def overdue_nonconformities(self, today: date) -> list[str]:
        """The certificates with a surveillance nonconformity open past its due date (R-SURV-5): a superset of those
        whose scheduler duty records the ground a major one gives (each certificate decides). A range of the
        state-and-due index, past deadlines of every rule read and filtered by key."""
        with self.cursor() as curs:
            curs.execute(f"SELECT key FROM {self.table('deadlines')} WHERE state = 'open' AND due_on < %s "
                         "AND rule = 'R-SURV-5'", (today.isoformat(),))
            keys = [row[0] for row in curs.fetchall()]
        return sorted({key.rpartition(":nc:")[0] for key in keys if ":nc:" in key})

    def listed(self, state: str | None, today: date, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the deadlines in ``state`` (any, if none), by due date; ``overdue`` decided as of ``today``."""
        where, params = "", list[str]()
        if state in ("open", "overdue"):
            where = f" WHERE state = 'open' AND due_on {'>=' if state == 'open' else '<'} %s"
            params = [today.isoformat()]
        elif state in ("met", "missed"):
            where, params = " WHERE state = %s", [state]
        rows, total = self.page("rule, subject, due_on, state, done_on", "deadlines", where, params, "due_on, key",
                                offset, limit)
        t = today.isoformat()
        return [{"rule": r, "subject": s, "due_on": d, "done_on": done,
                 "state": "overdue" if st == "open" and d < t else st} for r, s, d, st, done in rows], total
