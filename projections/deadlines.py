"""Tracked deadlines (SPEC.md, Scheduler duties): every SLA of the rules with its rule, subject and due date.

Pure functions from an event (and the record it changed) to the rows it opens or settles; the public certificate
projection writes them in the same transaction as its other rows. States stored are ``open``, ``met`` and
``missed``; ``overdue`` is an open deadline whose date has passed, decided when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from registry import rules
from registry.case import Case
from registry.certificate import Certificate


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


def _settled(key: str, rule: str, subject: str, due_on: date, done_on: date, late: bool) -> Deadline:
    return Deadline(key, rule, subject, due_on, "missed" if late else "met", done_on)


def certificate_changes(event: Any, cert: Certificate) -> list[Change]:
    number, on = cert.number, event.effective_on
    surveillance = f"{number}:surveillance"
    name = type(event).__name__
    if name == "Issued":
        return [Deadline(surveillance, "R-SURV-1", f"certificate {number}: surveillance audit", cert.next_due_by,
                         "open")]
    if name == "SurveillanceAuditRecorded":
        return [Settle(surveillance, on),
                Deadline(surveillance, "R-SURV-1", f"certificate {number}: surveillance audit", cert.next_due_by,
                         "open")]
    if name == "ChangeRequested":
        subject = f"certificate {number}: change request {event.request_id}"
        return [_settled(f"{number}:change-request:{event.request_id}", "R-CHG-1", f"{subject} (15 days)",
                         event.request_due_by, on, event.request_late),
                Deadline(f"{number}:change:{event.request_id}", "R-CHG-1", f"{subject} carried out (30 days)",
                         event.change_due_by, "open")]
    if name == "Changed":
        return [Settle(f"{number}:change:{event.request_id}", on)]
    if name in ("Suspended", "Withdrawn"):
        changes: list[Change] = []
        if getattr(event.ground, "value", "") == "surveillance_overdue":
            changes.append(Settle(surveillance, on))  # after its date: missed
        else:
            changes.append(_settled(f"{number}:{name.lower()}:{event.originator_version}", "R-SUS-1",
                                    f"certificate {number}: {name.lower()} ({event.ground.value})", event.due_by, on,
                                    event.late))
        if name == "Withdrawn":
            changes.append(Settle(surveillance, None, drop=True))
        return changes
    if name == "Expired":
        return [Settle(surveillance, None, drop=True),
                Deadline(f"{number}:cancellation", "R-CAN-1", f"certificate {number}: cancellation after expiry",
                         rules.cancellation_due(event.effective_on), "open")]
    if name == "Cancelled":
        return [Settle(surveillance, None, drop=True),
                _settled(f"{number}:cancellation", "R-CAN-1", f"certificate {number}: cancellation "
                         f"({event.ground.value})", event.due_by, on, event.late)]
    return []


# The only case events that change a deadline: the public view decodes no other case event.
DEADLINE_CASE_EVENTS = frozenset(("DocumentReceived", "Accepted", "NotAccepted"))


def case_changes(event: Any) -> list[Change]:
    name = type(event).__name__
    key = f"case:{event.originator_id}:acceptance-notice"
    if name == "DocumentReceived" and event.completes_checklist:
        return [Deadline(key, "R-ACC-2", f"case {event.originator_id}: acceptance notice", event.notice_due_by,
                         "open")]
    if name in ("Accepted", "NotAccepted") and event.notice_due_by is not None:
        return [Settle(key, event.effective_on)]
    return []


def is_case_event(event: Any) -> bool:
    return isinstance(event, Case.Event)
