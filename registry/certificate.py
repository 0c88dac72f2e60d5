"""Certificates (§10, §11): issue, surveillance, change, suspension, reinstatement, withdrawal, cancellation and
expiry. Statuses `valid`, `suspended`, `withdrawn`, `cancelled`, `expired`; `withdrawn` and `cancelled` are terminal
and accept nothing further; `expired` accepts only its cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID, uuid4

from registry import rules, text
from registry.base import RegistryAggregate
from registry.calendar import add_days
from registry.errors import InvalidInput, NotPermitted, OutOfOrder, RuleViolation
from registry.identifiers import certificate_id
from registry.person import Person
from registry.values import (
    Actor,
    Basis,
    CancellationGround,
    Changes,
    Issuer,
    Organization,
    ScopeLevel,
    Status,
    SurveillanceOutcome,
    SuspensionGround,
    Team,
)

MEASURE_GROUNDS = tuple(g for g in SuspensionGround if g is not SuspensionGround.SURVEILLANCE_OVERDUE)


class Certificate(RegistryAggregate):
    class Issued(RegistryAggregate.Created):
        number: str
        case_id: UUID
        organization: Organization
        scope: str
        levels: tuple[ScopeLevel, ...]
        basis: Basis
        issuer: Issuer
        valid_until: date  # R-CERT-2
        next_surveillance_due_by: date  # R-SURV-1
        renews: str | None
        transferred_from: str | None

        def apply(self, cert: Certificate) -> None:
            cert.number = self.number
            cert.case_ids = [self.case_id]
            cert.organization = self.organization
            cert.scope = self.scope
            cert.levels = tuple(self.levels)
            cert.basis = self.basis
            cert.issuer = self.issuer
            cert.issued_on = self.dated
            cert.valid_until = self.valid_until
            cert.next_due_by = self.next_surveillance_due_by
            cert.first_due_by = self.next_surveillance_due_by
            cert.renews = self.renews
            cert.renewed_by = None
            cert.status = Status.VALID
            cert.status_since = self.dated
            cert.suspension_ground = None
            cert.audits = []
            cert.certificate_version = 1
            cert.change_requests = {}
            cert.expired_on = None
            cert.noticed_due_by = None
            cert.renewal_window_opened = False
            cert.versions = [{"version": 1, "since": self.dated, "organization": self.organization,
                              "scope": self.scope}]

    class SurveillanceAuditRecorded(RegistryAggregate.Event):
        team: Team
        outcome: SurveillanceOutcome
        additional: bool  # R-SURV-2
        reason: str
        recertification_case: UUID | None  # R-SURV-1: a recertification audit counts as surveillance
        next_due_by: date

        def apply(self, cert: Certificate) -> None:
            cert.audits.append((self.dated, self.outcome))
            cert.next_due_by = self.next_due_by

    class ChangeRequested(RegistryAggregate.Event):
        request_id: UUID
        changed_on: date
        changes: Changes
        request_due_by: date  # R-CHG-1: within 15 days of the change
        request_late: bool
        change_due_by: date  # R-CHG-1: within 30 days of the request

        def apply(self, cert: Certificate) -> None:
            cert.change_requests[self.request_id] = (self.changes, self.dated, None)

    class Changed(RegistryAggregate.Event):
        request_id: UUID
        certificate_version: int
        organization: Organization
        scope: str
        changes: Changes
        due_by: date
        late: bool

        def apply(self, cert: Certificate) -> None:
            changes, requested_on, _ = cert.change_requests[self.request_id]
            cert.change_requests[self.request_id] = (changes, requested_on, self.effective_on)
            cert.organization = self.organization
            cert.scope = self.scope
            cert.certificate_version = self.certificate_version
            cert.versions.append({"version": self.certificate_version, "since": self.dated,
                                  "organization": self.organization, "scope": self.scope})

    class Suspended(RegistryAggregate.Event):
        known_on: date
        ground: SuspensionGround
        detail: str
        due_by: date  # R-SUS-1
        late: bool

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.SUSPENDED, self.dated)
            cert.suspension_ground = self.ground

    class Reinstated(RegistryAggregate.Event):
        evidence: str

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.VALID, self.dated)
            cert.suspension_ground = None

    class Withdrawn(RegistryAggregate.Event):
        known_on: date
        ground: SuspensionGround
        detail: str
        due_by: date  # R-SUS-1
        late: bool

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.WITHDRAWN, self.dated)

    class Expired(RegistryAggregate.Event):
        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.EXPIRED, self.dated)
            cert.expired_on = self.dated

    class Cancelled(RegistryAggregate.Event):
        ground: CancellationGround
        detail: str
        trigger_on: date
        due_by: date  # R-CAN-1
        late: bool

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.CANCELLED, self.dated)

    class SurveillanceNoticeRaised(RegistryAggregate.Event):
        """R-SURV-1: a surveillance audit falls due within the notice lead."""

        due_by: date

        def apply(self, cert: Certificate) -> None:
            cert.noticed_due_by = self.due_by

    class RenewalWindowOpened(RegistryAggregate.Event):
        """R-RECERT-1: the 6 months before expiry, when a renewal application may come, have begun."""

        expires_after: date

        def apply(self, cert: Certificate) -> None:
            cert.renewal_window_opened = True

    class RenewedBy(RegistryAggregate.Event):
        successor: str
        case_id: UUID

        def apply(self, cert: Certificate) -> None:
            cert.renewed_by = self.successor
            cert.case_ids.append(self.case_id)

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        number: str
        case_ids: list[UUID]
        organization: Organization
        scope: str
        levels: tuple[ScopeLevel, ...]
        basis: Basis
        issuer: Issuer
        issued_on: date
        valid_until: date
        next_due_by: date
        first_due_by: date
        renews: str | None
        renewed_by: str | None
        status: Status
        status_since: date
        suspension_ground: SuspensionGround | None
        audits: list[tuple[date, SurveillanceOutcome]]
        certificate_version: int
        change_requests: dict[UUID, tuple[Changes, date, date | None]]
        expired_on: date | None
        noticed_due_by: date | None
        renewal_window_opened: bool
        versions: list[dict[str, Any]]

    def open_deadlines(self) -> list[dict[str, Any]]:
        """What is due on this certificate, by rule: surveillance, changes requested, cancellation after expiry."""
        due: list[dict[str, Any]] = []
        if self.status in (Status.VALID, Status.SUSPENDED):
            due.append({"rule": "R-SURV-1", "subject": "surveillance audit", "due_on": self.next_due_by})
        for request_id, (_, requested_on, done) in self.change_requests.items():
            if done is None and self.status in (Status.VALID, Status.SUSPENDED):
                due.append({"rule": "R-CHG-1", "subject": f"change request {request_id}",
                            "due_on": rules.change_due(requested_on)})
        if self.status is Status.EXPIRED and self.expired_on is not None:
            due.append({"rule": "R-CAN-1", "subject": "cancellation after expiry",
                        "due_on": rules.cancellation_due(self.expired_on)})
        return due

    def _set_status(self, status: Status, since: date) -> None:
        self.status = status
        self.status_since = since

    @classmethod
    def issue(cls, *, number: str, case_id: UUID, organization: Organization, scope: str,
              levels: Sequence[ScopeLevel], basis: Basis, issuer: Issuer, issued_on: date,
              valid_until: date | None = None, renews: str | None = None, transferred_from: str | None = None,
              actor: Actor, now: datetime) -> Self:
        """R-CERT-1, R-CERT-2, R-SURV-1: the certificate with its computed validity and first surveillance due."""
        until = valid_until if valid_until is not None else rules.validity_end(issued_on)
        return cls._create(cls.Issued, id=certificate_id(number), number=number, case_id=case_id,
                           organization=organization, scope=scope, levels=tuple(levels), basis=basis,
                           issuer=issuer, valid_until=until,
                           next_surveillance_due_by=rules.next_surveillance_due(issued_on), renews=renews,
                           transferred_from=transferred_from, actor=actor, effective_on=issued_on, timestamp=now)

    def _require(self, step: str, *statuses: Status) -> None:
        if self.status not in statuses:
            if self.status.terminal:
                raise OutOfOrder(f"certificate {self.number} is {self.status.value}: it accepts no {step}")
            raise OutOfOrder(f"certificate {self.number} is {self.status.value}: {step} needs it "
                             + " or ".join(s.value for s in statuses))

    def _within_validity(self, field: str, d: date, today: date) -> None:
        rules.check_not_future(field, d, today)
        rules.check_not_before(field, d, "the issue date", self.issued_on)
        if d > self.valid_until:
            # Past its last day the certificate has expired (R-EXP-1), whether or not the expiry is recorded yet.
            raise OutOfOrder(f"certificate {self.number} ran out on {self.valid_until.isoformat()}; "
                             f"on {d.isoformat()} it accepts only its expiry and cancellation")

    def surveillance_due_as_of(self, d: date) -> date:
        """R-SURV-1: the due date that applied on ``d``: 12 months after the last audit held by then, or the first."""
        held = [conducted for conducted, _ in self.audits if conducted <= d]
        return rules.next_surveillance_due(max(held)) if held else self.first_due_by

    def overdue_on(self, d: date) -> bool:
        """R-SURV-4: surveillance is overdue on every day after the due date that applied on that day."""
        return d > self.surveillance_due_as_of(d)

    # Surveillance (§9.1)

    def record_surveillance_audit(self, conducted_on: date, team: Sequence[Person], leader: Person,
                                  members: Sequence[Person], outcome: SurveillanceOutcome, additional: bool,
                                  reason: str, *, today: date, actor: Actor, now: datetime,
                                  recertification_case: UUID | None = None) -> None:
        """R-SURV-1..3: a surveillance audit by a qualified team resets the next due date to 12 months on."""
        text.check_count("members", members)
        text.check("reason", reason, text.PROSE)
        self._require("surveillance audit", Status.VALID, Status.SUSPENDED)
        self._within_validity("conducted_on", conducted_on, today)
        if conducted_on > self.valid_until:
            raise InvalidInput("conducted_on", "a surveillance audit falls within the certificate's validity")
        if self.audits and conducted_on < self.audits[-1][0]:
            raise InvalidInput("conducted_on", "surveillance audits are recorded in date order")
        if additional and not reason.strip():
            raise RuleViolation("R-SURV-2", "§9.1.1 (2)",
                                "an additional surveillance audit records the major change or incident behind it")
        if recertification_case is None:
            # R-SURV-3: surveillance audits use the R-TEAM rules (a recertification's team was checked already).
            rules.check_team(leader, members, (), conducted_on, "surveillance audit")
            if actor.person not in [p.id for p in team]:
                raise NotPermitted("only a member of the surveillance team records its audit")
            for person in team:
                rules.check_separate(person, "audit", self.organization.uscc, conducted_on)
        record = Team(leader=leader.id, members=tuple(m.id for m in members))
        self._record(self.SurveillanceAuditRecorded, team=record, outcome=outcome, additional=additional,
                     reason=reason, recertification_case=recertification_case,
                     next_due_by=rules.next_surveillance_due(conducted_on), actor=actor, effective_on=conducted_on,
                     now=now)

    # Changes (§11.2)

    def request_change(self, requested_on: date, changed_on: date, changes: Changes, *, today: date,
                       actor: Actor, now: datetime) -> UUID:
        """R-CHG-1: the client's request, due within 15 days of the change (late requests are flagged)."""
        text.check_record("changes", changes, name=text.NAME, address=text.LINE, scope=text.SCOPE,
                          process=text.PROSE, materials=text.PROSE)
        self._require("change request", Status.VALID, Status.SUSPENDED)
        self._within_validity("requested_on", requested_on, today)
        rules.check_not_future("changed_on", changed_on, today)
        if not changes.named():
            raise InvalidInput("changes", "a change request names what changed")
        blank = [f for f in changes.named() if not str(getattr(changes, f)).strip()]
        if blank:
            raise InvalidInput("changes", f"a change names the new value: {', '.join(blank)} is blank")
        request_id = uuid4()
        due = rules.change_request_due(changed_on)
        self._record(self.ChangeRequested, request_id=request_id, changed_on=changed_on, changes=changes,
                     request_due_by=due, request_late=requested_on > due,
                     change_due_by=rules.change_due(requested_on), actor=actor, effective_on=requested_on, now=now)
        return request_id

    def change(self, request_id: UUID, changed_on: date, *, today: date, actor: Actor, now: datetime) -> None:
        """R-CHG-1: the body changes the certificate within 30 days of the request; the number stays."""
        self._require("change", Status.VALID, Status.SUSPENDED)
        if request_id not in self.change_requests:
            raise InvalidInput("request_id", f"certificate {self.number} has no change request {request_id}")
        changes, requested_on, done = self.change_requests[request_id]
        if done is not None:
            raise OutOfOrder(f"change request {request_id} was carried out on {done.isoformat()}")
        self._within_validity("changed_on", changed_on, today)
        rules.check_not_before("changed_on", changed_on, "the request", requested_on)
        organization = replace(self.organization, name=changes.name or self.organization.name,
                               address=changes.address or self.organization.address)
        rules.check_legal_entity(organization.name, organization.address)
        due = rules.change_due(requested_on)
        self._record(self.Changed, request_id=request_id, certificate_version=self.certificate_version + 1,
                     organization=organization, scope=changes.scope or self.scope, changes=changes, due_by=due,
                     late=changed_on > due, actor=actor, effective_on=changed_on, now=now)

    # Suspension, reinstatement, withdrawal (§11.3)

    def _measure(self, on: date, known_on: date, ground: SuspensionGround, today: date) -> tuple[date, bool]:
        self._within_validity("on", on, today)
        rules.check_not_before("on", on, "known_on", known_on)
        rules.check_not_before("on", on, "the status change", self.status_since)
        if ground not in MEASURE_GROUNDS:
            raise InvalidInput("ground", "surveillance_overdue is the scheduler's own ground (R-SURV-4)")
        due = rules.measure_due(known_on)
        return due, on > due

    def suspend(self, on: date, known_on: date, ground: SuspensionGround, detail: str, *, today: date,
                actor: Actor, now: datetime) -> None:
        """R-SUS-1: suspension on a ground of §11.3, due within 7 days of it becoming known; published at once."""
        text.check("detail", detail, text.PROSE)
        self._require("suspension", Status.VALID)
        due, late = self._measure(on, known_on, ground, today)
        self._record(self.Suspended, known_on=known_on, ground=ground, detail=detail, due_by=due, late=late,
                     actor=actor, effective_on=on, now=now)

    def suspend_for_overdue_surveillance(self, today: date, *, actor: Actor, now: datetime) -> bool:
        # ``today`` may be the day after the due date itself, when the scheduler catches up in date order.
        """R-SURV-4: a surveillance audit not held by its due date suspends the certificate on the next day."""
        if self.status is not Status.VALID or not self.overdue_on(today):
            return False
        lapsed_on = add_days(self.next_due_by, 1)
        self._record(self.Suspended, known_on=lapsed_on, ground=SuspensionGround.SURVEILLANCE_OVERDUE,
                     detail=f"surveillance audit due by {self.next_due_by.isoformat()} not held",
                     due_by=lapsed_on, late=False, actor=actor, effective_on=lapsed_on, now=now)
        return True

    def reinstate(self, on: date, evidence: str, *, today: date, actor: Actor, now: datetime) -> None:
        """R-SUS-2 and R-SURV-4: a suspended certificate is reinstated once its cause is corrected."""
        text.check("evidence", evidence, text.PROSE)
        if self.status is Status.WITHDRAWN:
            raise RuleViolation("R-SUS-2", "§11.3", f"certificate {self.number} was withdrawn; it is never "
                                "reinstated")
        self._require("reinstatement", Status.SUSPENDED)
        rules.check_not_future("on", on, today)
        rules.check_not_before("on", on, "the suspension", self.status_since)
        if not evidence.strip():
            raise RuleViolation("R-SUS-2", "§11.3", "reinstatement records the evidence that the cause is corrected")
        if self.overdue_on(on):
            raise RuleViolation("R-SURV-4", "§11.1",
                                f"on {on.isoformat()} surveillance was overdue (due by "
                                f"{self.surveillance_due_as_of(on).isoformat()}, no audit held since): the certificate "
                                "cannot be valid again before the audit is held")
        if on > self.valid_until:
            raise OutOfOrder(f"certificate {self.number} ran out on {self.valid_until.isoformat()}")
        self._record(self.Reinstated, evidence=evidence, actor=actor, effective_on=on, now=now)

    def withdraw(self, on: date, known_on: date, ground: SuspensionGround, detail: str, *, today: date,
                 actor: Actor, now: datetime) -> None:
        """R-SUS-1: withdrawal on a ground of §11.3, due within 7 days of it becoming known; terminal."""
        text.check("detail", detail, text.PROSE)
        self._require("withdrawal", Status.VALID, Status.SUSPENDED)
        due, late = self._measure(on, known_on, ground, today)
        self._record(self.Withdrawn, known_on=known_on, ground=ground, detail=detail, due_by=due, late=late,
                     actor=actor, effective_on=on, now=now)

    # Expiry and cancellation (§11.1, §11.4)

    def expire(self, today: date, *, actor: Actor, now: datetime) -> bool:
        """R-EXP-1: on the day after the last day of validity, the certificate expires."""
        if self.status not in (Status.VALID, Status.SUSPENDED) or today <= self.valid_until:
            return False
        self._record(self.Expired, actor=actor, effective_on=add_days(self.valid_until, 1), now=now)
        return True

    def cancel(self, on: date, ground: CancellationGround, detail: str, *, today: date, actor: Actor,
               now: datetime, trigger_on: date | None = None) -> None:
        """R-CAN-1: cancellation within 30 days of expiry, the client's request or another ground; terminal."""
        text.check("detail", detail, text.PROSE)
        self._require("cancellation", Status.VALID, Status.SUSPENDED, Status.EXPIRED)
        rules.check_not_future("on", on, today)
        rules.check_not_before("on", on, "the status change", self.status_since)
        if ground is CancellationGround.EXPIRED:
            if self.expired_on is None:
                raise RuleViolation("R-CAN-1", "§11.4 (1)",
                                    f"certificate {self.number} has not expired; it runs until "
                                    f"{self.valid_until.isoformat()}")
            trigger = self.expired_on
        else:
            trigger = trigger_on or on
            rules.check_not_before("on", on, "the ground's date", trigger)
        if ground is not CancellationGround.EXPIRED and not detail.strip():
            raise InvalidInput("detail", "a cancellation on this ground records its detail")
        due = rules.cancellation_due(trigger)
        self._record(self.Cancelled, ground=ground, detail=detail, trigger_on=trigger, due_by=due, late=on > due,
                     actor=actor, effective_on=on, now=now)

    # The scheduler's duties (SPEC.md, Scheduler duties)

    def run_duties(self, today: date, notice_lead_days: int, *, actor: Actor, now: datetime) -> list[str]:
        """Records, in date order, every duty that has fallen due by ``today`` and is not recorded yet: the
        surveillance notice, the renewal window, the suspension for a missed surveillance audit (R-SURV-4), the
        expiry (R-EXP-1) and, on the last of the 30 days R-CAN-1 allows, the cancellation it brings. Answers what it
        recorded; nothing twice."""
        done: list[str] = []
        while (duty := self._next_duty(today, notice_lead_days)) is not None:
            on, name = duty
            if name == "surveillance_notice":
                self._record(self.SurveillanceNoticeRaised, due_by=self.next_due_by, actor=actor, effective_on=on,
                             now=now)
            elif name == "renewal_window":
                self._record(self.RenewalWindowOpened, expires_after=self.valid_until, actor=actor,
                             effective_on=on, now=now)
            elif name == "surveillance_overdue":
                self.suspend_for_overdue_surveillance(on, actor=actor, now=now)
            elif name == "expiry":
                self._record(self.Expired, actor=actor, effective_on=on, now=now)
            else:  # the cancellation the expiry brings, on its due day (R-CAN-1), unless the body recorded it before
                self._record(self.Cancelled, ground=CancellationGround.EXPIRED, detail="有效期届满 validity ended",
                             trigger_on=self.expired_on or on, due_by=on, late=False, actor=actor, effective_on=on,
                             now=now)
            done.append(name)
        return done

    def _next_duty(self, today: date, lead_days: int) -> tuple[date, str] | None:
        if self.status is Status.EXPIRED and self.expired_on is not None:
            # An expired certificate stays expired for the 30 days R-CAN-1 gives the body to cancel it.
            due_by = rules.cancellation_due(self.expired_on)
            return (due_by, "cancellation") if due_by <= today else None
        if self.status not in (Status.VALID, Status.SUSPENDED):
            return None
        due: list[tuple[date, str]] = []
        if today > self.valid_until:
            due.append((add_days(self.valid_until, 1), "expiry"))
        if self.status is Status.VALID:
            if self.overdue_on(today):
                due.append((add_days(self.next_due_by, 1), "surveillance_overdue"))
            notice_on = add_days(self.next_due_by, -lead_days)
            if self.noticed_due_by != self.next_due_by and notice_on <= today:
                due.append((max(notice_on, self.status_since), "surveillance_notice"))
        window_opens = rules.renewal_window_opens(self.valid_until)
        if not self.renewal_window_opened and self.renewed_by is None and window_opens <= today:
            due.append((window_opens, "renewal_window"))
        return min(due) if due else None

    # Recertification (§9.2)

    def check_renewable(self, decided_on: date) -> None:
        """R-RECERT-1: a recertification decision before expiry issues the next certificate."""
        if self.status not in (Status.VALID, Status.SUSPENDED) or decided_on > self.valid_until:
            raise RuleViolation("R-RECERT-1", "§9.2",
                                f"certificate {self.number} is {self.status.value} (valid until "
                                f"{self.valid_until.isoformat()}): a recertification decision comes before expiry")
        if self.renewed_by is not None:
            raise OutOfOrder(f"certificate {self.number} was renewed already by {self.renewed_by}")

    def note_renewal(self, successor: str, case_id: UUID, on: date, *, actor: Actor, now: datetime) -> None:
        self._record(self.RenewedBy, successor=successor, case_id=case_id, actor=actor, effective_on=on, now=now)
