"""Certificates (§10, §11): issue, surveillance, change, suspension, reinstatement, withdrawal, cancellation and
expiry. Statuses `valid`, `suspended`, `withdrawn`, `cancelled`, `expired`; `withdrawn` and `cancelled` are terminal
and accept nothing further; `expired` accepts only its cancellation.

Every event of a certificate is defined here, on ``Certificate``: the log stores each by its class's module and
qualified name (``registry.certificate:Certificate.Suspended``), so they never move (tests/unit/
test_certificate_topics.py holds them). The commands are composed: issue, changes and renewal here;
surveillance (audits, programme, incidents, nonconformities) in ``registry.surveillance``; the body's status
changes in ``registry.certificate_status``; the scheduler's duties in ``registry.certificate_duties``; the state,
and the guards and queries they share, in ``registry.certificate_state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Self
from uuid import UUID, uuid4

from registry import labels, rules, text
from registry.base import RegistryAggregate
from registry.certificate_duties import SchedulerDuties
from registry.certificate_status import StatusChanges
from registry.data_review import ActivityDatum, EmissionFactor, ReviewFindings
from registry.errors import InvalidInput, OutOfOrder, RuleViolation
from registry.identifiers import certificate_id
from registry.reviewed import Reviewed
from registry.surveillance import SurveillanceSteps
from registry.values import (
    Actor,
    Basis,
    CancellationGround,
    Changes,
    IncidentKind,
    Issuer,
    Nonconformity,
    Organization,
    ScopeLevel,
    Status,
    SurveillanceOutcome,
    SuspensionGround,
    Team,
)


class Certificate(SurveillanceSteps, StatusChanges, SchedulerDuties, RegistryAggregate):
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
        surveillance_counts_from: date | None = None  # R-RECERT-2: the recertification audit; else the issue date
        approval: str | None = None  # R-BODY-1: the body's CNCA approval number (None: issued before it was recorded)

        def apply(self, cert: Certificate) -> None:
            cert.number = self.number
            cert.case_ids = [self.case_id]
            cert.organization = self.organization
            cert.scope = self.scope
            cert.levels = tuple(self.levels)
            cert.basis = self.basis
            cert.issuer = self.issuer
            cert.approval = self.approval
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
            cert.regular_audits = []
            cert.surveillance_auditors = set()  # R-SOD-1: everyone on its surveillance teams
            cert.certificate_version = 1
            cert.change_requests = {}
            cert.expired_on = None
            cert.noticed_due_by = None
            cert.renewal_window_opened = False
            cert.versions = [{"version": 1, "since": self.dated, "organization": self.organization,
                              "scope": self.scope}]
            cert.programmes = []
            cert.counts_from = self.surveillance_counts_from or self.dated
            cert.incidents = {}
            cert.surveillance_ncs = {}
            cert.grounds = {}

    class SurveillanceAuditRecorded(RegistryAggregate.Event):
        team: Team
        outcome: SurveillanceOutcome
        additional: bool  # R-SURV-2
        reason: str
        recertification_case: UUID | None  # R-SURV-1: a recertification audit counts as surveillance
        next_due_by: date
        # R-SURV-5 (recorded since issue 23; earlier audits read as these defaults): on site, the five items of
        # §9.1.3, nonconformities with their due dates, person-days; R-SURV-6: the incidents it is the audit for.
        on_site: bool = True
        content: dict[str, str] | None = None
        nonconformities: tuple[Nonconformity, ...] = ()
        person_days: Decimal | None = None
        incidents_met: tuple[UUID, ...] = ()
        # R-GHG-2, R-GHG-4 (issue 23; earlier audits read as None): the profile of the data reviewed for it, whose
        # items it takes into its record (registry.surveillance_review); None for a recertification audit.
        quality_profile: dict[str, dict[str, str]] | None = None

        def apply(self, cert: Certificate) -> None:
            if self.recertification_case is None:
                cert._take_review(self.dated)
            cert.audits.append((self.dated, self.outcome))
            cert.surveillance_auditors.update(self.team.everyone)
            # R-SURV-1: an additional audit leaves the regular clock where it was (one recorded before that reading
            # moved it, and its stored due date says so: it counts as it did then).
            if not self.additional or self.next_due_by != cert.next_due_by:
                cert.regular_audits.append(self.dated)
            cert.next_due_by = self.next_due_by
            for nc in self.nonconformities:
                cert.surveillance_ncs[nc.ref] = {
                    "severity": nc.severity, "description": nc.description, "found_on": self.dated,
                    "due_by": nc.due_by or self.dated, "closed_on": None, "team": self.team.everyone}
            for incident in self.incidents_met:
                cert.incidents[incident]["met_on"] = self.dated

    class SurveillanceActivityDatumReviewed(RegistryAggregate.Event):
        """R-GHG-2: an activity-data item reviewed for the coming surveillance audit, on the effective date."""

        datum: ActivityDatum
        calibration_lapsed: bool

        def apply(self, cert: Certificate) -> None:
            cert.pending_activity = (*cert.pending_activity, Reviewed(self.datum, self.dated, self.actor.person,
                                                                      self.calibration_lapsed))

    class SurveillanceEmissionFactorReviewed(RegistryAggregate.Event):
        """R-GHG-3: an emission factor reviewed for the coming surveillance audit (a default, with its table's
        value)."""

        factor: EmissionFactor
        calibration_lapsed: bool
        guideline_value: Decimal | None

        def apply(self, cert: Certificate) -> None:
            cert.pending_factors = (*cert.pending_factors, Reviewed(self.factor, self.dated, self.actor.person,
                                                                    self.calibration_lapsed, self.guideline_value))

    class SurveillanceReviewFindingsRecorded(RegistryAggregate.Event):
        """§7.1 (R-GHG-2): the reviewer's findings on the coming surveillance audit's data, on the effective date
        (issue 23); recorded again before the audit, the later findings stand."""

        findings: ReviewFindings

        def apply(self, cert: Certificate) -> None:
            cert.pending_findings = (self.findings, self.dated)

    class SurveillanceProgrammeSet(RegistryAggregate.Event):
        """R-SURV-5: the surveillance programme's frequency and what it follows; the due date that follows."""

        frequency_months: int
        basis: str
        next_due_by: date

        def apply(self, cert: Certificate) -> None:
            cert.programmes.append((self.dated, self.frequency_months, self.basis))
            cert.next_due_by = self.next_due_by

    class IncidentRecorded(RegistryAggregate.Event):
        """R-SURV-6: a major change or incident, reported on the effective date; its additional audit's due date."""

        incident_id: UUID
        kind: IncidentKind
        occurred_on: date
        description: str
        additional_audit_due_by: date

        correctable = {"description": text.PROSE}

        def apply(self, cert: Certificate) -> None:
            cert.incidents[self.incident_id] = {
                "kind": self.kind, "occurred_on": self.occurred_on, "reported_on": self.dated,
                "description": self.description, "due_by": self.additional_audit_due_by, "met_on": None}

    class SurveillanceNonconformityClosed(RegistryAggregate.Event):
        """R-SURV-5: a surveillance audit's nonconformity closed with its evidence (late past its due date)."""

        ref: str
        evidence: str
        late: bool

        correctable = {"evidence": text.PROSE}

        def apply(self, cert: Certificate) -> None:
            cert.surveillance_ncs[self.ref]["closed_on"] = self.dated

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

    class GroundRecorded(RegistryAggregate.Event):
        """R-SUS-3: a ground for suspension or withdrawal became known (``effective_on``, its known-on date), from
        ``source``; the measure is due by ``due_by`` (R-SUS-1)."""

        ground_id: UUID
        ground: SuspensionGround
        source: str
        detail: str
        due_by: date
        # R-SURV-5 with R-SUS-1 (4): the major surveillance nonconformity left open whose ground the scheduler
        # recorded (issue 24; none for a ground the body records)
        nonconformity: str | None = None

        correctable = {"source": text.PROSE, "detail": text.PROSE}

        def apply(self, cert: Certificate) -> None:
            cert.grounds[self.ground_id] = {"ground": self.ground, "known_on": self.dated, "source": self.source,
                                            "due_by": self.due_by, "settled_on": None}
            if self.nonconformity is not None:
                cert.surveillance_ncs[self.nonconformity]["grounded"] = True

    class Suspended(RegistryAggregate.Event):
        known_on: date
        ground: SuspensionGround
        detail: str
        due_by: date  # R-SUS-1
        late: bool
        grounds: tuple[UUID, ...] = ()  # R-SUS-3: the recorded grounds this measure is taken on

        correctable = {"detail": text.PROSE}

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.SUSPENDED, self.dated)
            cert.suspension_ground = self.ground
            cert._settle_grounds(self.grounds, self.dated)

    class Reinstated(RegistryAggregate.Event):
        evidence: str

        correctable = {"evidence": text.PROSE}

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.VALID, self.dated)
            cert.suspension_ground = None

    class Withdrawn(RegistryAggregate.Event):
        known_on: date
        ground: SuspensionGround
        detail: str
        due_by: date  # R-SUS-1
        late: bool
        grounds: tuple[UUID, ...] = ()  # R-SUS-3

        correctable = {"detail": text.PROSE}

        def apply(self, cert: Certificate) -> None:
            cert._set_status(Status.WITHDRAWN, self.dated)
            cert._settle_grounds(self.grounds, self.dated)

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

        correctable = {"detail": text.PROSE}

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

    @classmethod
    def issue(cls, *, number: str, case_id: UUID, organization: Organization, scope: str,
              levels: Sequence[ScopeLevel], basis: Basis, issuer: Issuer, issued_on: date,
              valid_until: date | None = None, renews: str | None = None, transferred_from: str | None = None,
              surveillance_from: date | None = None, approval: str | None = None, actor: Actor,
              now: datetime) -> Self:
        """R-CERT-1, R-CERT-2, R-SURV-1: the certificate with its computed validity and first surveillance due;
        R-RECERT-2: a renewal's first surveillance is due within 12 months of the recertification audit
        (``surveillance_from``), which counts as the last surveillance audit; R-BODY-1: ``approval``, the number of
        the body's CNCA approval covering the issue date, printed in the certificate's other information."""
        until = valid_until if valid_until is not None else rules.validity_end(issued_on)
        return cls._create(cls.Issued, id=certificate_id(number), number=number, case_id=case_id,
                           organization=organization, scope=scope, levels=tuple(levels), basis=basis,
                           issuer=issuer, valid_until=until,
                           next_surveillance_due_by=rules.next_surveillance_due(surveillance_from or issued_on),
                           renews=renews, transferred_from=transferred_from, surveillance_counts_from=surveillance_from,
                           approval=approval, actor=actor, effective_on=issued_on, timestamp=now)

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
            raise InvalidInput("changes", "变更申请须写明变更的内容 / a change request names what changed")
        blank = [f for f in changes.named() if not str(getattr(changes, f)).strip()]
        if blank:
            raise InvalidInput("changes", f"变更须写明新的内容：{labels.zh_list(labels.CHANGE_FIELDS, blank)}为空 / "
                                          f"a change names the new value: {', '.join(blank)} is blank")
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
            raise InvalidInput("request_id", f"证书 {self.number} 没有变更申请 {request_id} / "
                                            f"certificate {self.number} has no change request {request_id}")
        changes, requested_on, done = self.change_requests[request_id]
        if done is not None:
            raise OutOfOrder(f"变更申请 {request_id} 已于 {done.isoformat()} 完成变更 / "
                             f"change request {request_id} was carried out on {done.isoformat()}")
        self._within_validity("changed_on", changed_on, today)
        rules.check_not_before("changed_on", changed_on, "the request", requested_on)
        organization = replace(self.organization, name=changes.name or self.organization.name,
                               address=changes.address or self.organization.address)
        rules.check_legal_entity(organization.name, organization.address)
        due = rules.change_due(requested_on)
        self._record(self.Changed, request_id=request_id, certificate_version=self.certificate_version + 1,
                     organization=organization, scope=changes.scope or self.scope, changes=changes, due_by=due,
                     late=changed_on > due, actor=actor, effective_on=changed_on, now=now)

    # Recertification (§9.2)

    def check_renewable(self, decided_on: date) -> None:
        """R-RECERT-1: a recertification decision before expiry issues the next certificate."""
        if self.status not in (Status.VALID, Status.SUSPENDED) or decided_on > self.valid_until:
            raise RuleViolation("R-RECERT-1", "§9.2",
                                f"证书 {self.number} 的状态为{labels.zh(labels.STATUSES, self.status.value)}"
                                f"（有效期至 {self.valid_until.isoformat()}）：再认证决定须在有效期届满之前作出 / "
                                f"certificate {self.number} is {self.status.value} (valid until "
                                f"{self.valid_until.isoformat()}): a recertification decision comes before expiry")
        if self.renewed_by is not None:
            raise OutOfOrder(f"证书 {self.number} 已由证书 {self.renewed_by} 接续 / "
                             f"certificate {self.number} was renewed already by {self.renewed_by}")
        if self.status is Status.SUSPENDED:
            raise RuleViolation("R-RECERT-2", "§9.2.2",
                                f"证书 {self.number} 处于暂停状态，恢复后方可再认证 / certificate {self.number} is "
                                "suspended: it is not renewed until reinstated")

    def note_renewal(self, successor: str, case_id: UUID, on: date, *, actor: Actor, now: datetime) -> None:
        self._record(self.RenewedBy, successor=successor, case_id=case_id, actor=actor, effective_on=on, now=now)
