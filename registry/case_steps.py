"""The registry's commands on a certification case, from the application to the audit report (§8.1–§8.4): each
loads the case (and the people or certificate its step involves), lets the case check its rules, and commits. The
decision that closes the case is registry.deciding. A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

from registry import rules, text
from registry.calendar import Workdays
from registry.case import Case
from registry.documents import content_address
from registry.errors import InvalidInput
from registry.formats import record_format
from registry.idempotency import Idempotency
from registry.person import Person, person_id
from registry.reference import check_basis_accepted
from registry.section import SYSTEM, Section
from registry.sectors import check_scope_sectors
from registry.values import (
    Actor,
    Basis,
    CaseKind,
    DocumentKind,
    EmissionControl,
    IntegratedSystem,
    Nonconformity,
    OffSiteGround,
    OtherCertification,
    PerformanceIndicator,
    PlannedAudit,
    ProgrammeBasis,
    Review,
    ScopeLevel,
    SurveillanceOutcome,
    TransferInfo,
    VerifiedYear,
    Written,
    parse_enum,
)
from registry.working_calendar import WorkingCalendar


class CaseSteps(Section):
    # The case: application and acceptance (§8.1, §8.2)

    def apply(self, *, organization_uscc: str, kind: CaseKind | str, applied_on: date, scope: str,
              levels: Sequence[ScopeLevel], basis: Basis | None = None, cems_operating_since: date,
              emission_control: EmissionControl | None = None,
              other_certifications: Sequence[OtherCertification] = (), incident_report_commitment: bool,
              permits: str = "", compliance_information: str = "", renewal_of: str | None = None,
              transfer: TransferInfo | None = None, sectors: Sequence[str] = (), actor: Actor,
              idempotency: Idempotency | None = None) -> Written:
        """Records an application (R-APP-1..5, R-GHG-1, R-TRF-1, R-RECERT-1, R-TEAM-3: its scope's sectors from the
        body's list; R-BASIS-1: on a basis the body accepts on its date); answers the case id."""
        org = self.organization_by_uscc(organization_uscc)
        chosen = check_scope_sectors(sectors, self.sectors())
        case_kind = parse_enum(CaseKind, kind, "kind")
        renewal_valid_until, renewal_status_valid = None, True
        if case_kind is CaseKind.RENEWAL and renewal_of:
            old = self.certificate_by_number(renewal_of)
            if old.organization.uscc != org.uscc:
                raise InvalidInput("renewal_of", f"证书 {renewal_of} 属于另一组织 / certificate {renewal_of} "
                                                 "belongs to another organisation")
            renewal_valid_until = old.valid_until
            renewal_status_valid = old.status.value in ("valid", "suspended")
        now = self.clock.now()
        case = Case.open(
            organization_uscc=org.uscc, kind=case_kind, applied_on=applied_on, scope=scope, levels=levels,
            basis=basis or Basis(), cems_operating_since=cems_operating_since,
            emission_control=emission_control or EmissionControl(), other_certifications=other_certifications,
            incident_report_commitment=incident_report_commitment, permits=permits,
            compliance_information=compliance_information, renewal_of=renewal_of,
            renewal_valid_until=renewal_valid_until, renewal_status_valid=renewal_status_valid, transfer=transfer,
            sectors=chosen, withdrawal=org.withdrawal_gap(), today=self._today(), actor=actor, now=now)
        check_basis_accepted(case.basis, applied_on, self.accepted_bases())  # R-BASIS-1, on the basis as checked
        org.open_case(case.id, case_kind, applied_on, actor=actor, now=now)
        return self._commit(case, org, case=case.id, idempotency=idempotency)

    def receive_document(self, case_id: UUID | str, kind: DocumentKind | str, received_on: date, content: bytes,
                         *, content_type: str = "application/octet-stream", filename: str = "",
                         actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-APP-4: stores the document's bytes by SHA-256 and records it on the case's checklist, with the format
        its bytes are of (R-REC-5: a non-editable one; what the sender declared is checked, not kept)."""
        case = self.case_by_id(case_id)
        doc_kind = parse_enum(DocumentKind, kind, "kind")
        text.check_document_type("content_type", content_type)
        sha256 = content_address(content)
        recorded_type = record_format(content)
        now = self.clock.now()
        found = self.working_calendar()
        case.receive_document(doc_kind, received_on, sha256, len(content), recorded_type, filename,
                              workdays=found.workdays if found is not None else Workdays(), today=self._today(),
                              actor=actor, now=now)
        if not case.notice_fallback_years or (found is not None and case.id in found.waiting):
            return self._commit_with_bytes(content, case, sha256=sha256, idempotency=idempotency)
        # R-CAL-1: a due date counted Monday–Friday waits on the calendar, which counts it again when the year is
        # recorded; noted in the same transaction as the case.
        calendar = found or WorkingCalendar.start(actor=SYSTEM, now=now)
        calendar.note_fallback(case.id, case.notice_fallback_years, actor=actor, now=now)
        return self._commit_with_bytes(content, case, calendar, sha256=sha256, idempotency=idempotency)

    def request_supplement(self, case_id: UUID | str, requested_on: date, missing: Sequence[DocumentKind | str],
                           note: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        kinds = [parse_enum(DocumentKind, k, "missing") for k in missing]
        case.request_supplement(requested_on, kinds, note, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def decide_acceptance(self, case_id: UUID | str, decided_on: date, accepted: bool, review: Review,
                          reasons: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        reviewer = self._acting_person(actor)
        case.decide_acceptance(decided_on, accepted, review, reasons, reviewer, today=self._today(), actor=actor,
                               now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def sign_agreement(self, case_id: UUID | str, signed_on: date, fee_paid_on: date, *, actor: Actor,
                       idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.sign_agreement(signed_on, fee_paid_on, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    # Audit preparation and audit (§8.3, §8.4)

    def plan_programme(self, case_id: UUID | str, planned_on: date, person_days: Decimal | float | str,
                       integrated_with: Sequence[IntegratedSystem] = (),
                       cems_standalone_person_days: Decimal | float | str = rules.BASE_PERSON_DAYS,
                       basis: ProgrammeBasis | None = None, cycle: Sequence[PlannedAudit] = (),
                       justification: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.plan_programme(planned_on, _decimal(person_days, "person_days"), integrated_with,
                            _decimal(cems_standalone_person_days, "cems_standalone_person_days"), basis, cycle,
                            justification, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def approve_programme(self, case_id: UUID | str, approved_on: date, note: str = "", *, actor: Actor,
                          idempotency: Idempotency | None = None) -> Written:
        """R-PREP-2: a decision maker approves a programme of fewer than 4 person-days before the audit."""
        case = self.case_by_id(case_id)
        case.approve_programme(approved_on, note, self._acting_person(actor), today=self._today(), actor=actor,
                               now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def record_sectors(self, case_id: UUID | str, sectors: Sequence[str], on: date | None = None, *, actor: Actor,
                       idempotency: Idempotency | None = None) -> Written:
        """R-TEAM-3: the sectors of the case's scope, from the body's list, before the team is appointed (a case
        applied for before the rule names none); ``on`` is today when not given."""
        case = self.case_by_id(case_id)
        today = self._today()
        case.record_sectors(sectors, self.sectors(), on or today, today=today, actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def appoint_team(self, case_id: UUID | str, leader: UUID | str, members: Sequence[UUID | str] = (),
                     experts: Sequence[UUID | str] = (), *, on: date, actor: Actor,
                     idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.appoint_team(self.person(leader), self._people(person_id(m) for m in members),
                          self._people(person_id(e) for e in experts), on, today=self._today(), actor=actor,
                          now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def _case_team(self, case: Case) -> list[Person]:
        return self._people(case.team.everyone) if case.team else []

    def conduct_stage1(self, case_id: UUID | str, conducted_on: date, on_site: bool = True,
                       off_site_ground: OffSiteGround | str | None = None, justification: str = "",
                       findings: str = "", *, person_days: Decimal | float | str | None = None,
                       key_audit_points: Sequence[str] = (), document_review_rationale: str = "",
                       verified_years: Sequence[VerifiedYear] = (), actor: Actor,
                       idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        ground = parse_enum(OffSiteGround, off_site_ground, "off_site_ground") if off_site_ground else None
        case.conduct_stage1(conducted_on, on_site, ground, justification, findings, self._case_team(case),
                            today=self._today(), actor=actor, now=self.clock.now(),
                            person_days=_spent(person_days), key_audit_points=key_audit_points,
                            document_review_rationale=document_review_rationale, verified_years=verified_years)
        return self._commit(case, idempotency=idempotency)

    def conduct_stage2(self, case_id: UUID | str, conducted_on: date, nonconformities: Sequence[Nonconformity] = (),
                       on_site: bool = True, *, person_days: Decimal | float | str | None = None, actor: Actor,
                       idempotency: Idempotency | None = None) -> Written:
        """R-S2-1, R-PREP-2; for a renewal, the recertification audit also counts as surveillance (R-SURV-1)."""
        case = self.case_by_id(case_id)
        now = self.clock.now()
        case.conduct_stage2(conducted_on, on_site, nonconformities, self._case_team(case), today=self._today(),
                            actor=actor, now=now, person_days=_spent(person_days))
        old = None
        if case.renewal_of:
            old = self.certificate_by_number(case.renewal_of)
            team = case.team
            if team and old.status.value in ("valid", "suspended") and conducted_on <= old.valid_until:
                old.record_surveillance_audit(
                    conducted_on, [], self.person(team.leader), self._people(team.members),
                    SurveillanceOutcome.NONCONFORMITIES if nonconformities else SurveillanceOutcome.MAINTAINED,
                    False, "recertification audit", today=self._today(), actor=actor, now=now,
                    recertification_case=case.id)
            else:
                old = None
        return self._commit(case, old, idempotency=idempotency)

    def close_nonconformity(self, case_id: UUID | str, ref: str, closed_on: date, evidence: str, *,
                            actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.close_nonconformity(ref, closed_on, evidence, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def submit_report(self, case_id: UUID | str, submitted_on: date, focus_points: dict[str, str],
                      quantified_performance: Sequence[PerformanceIndicator], measurement_and_verification: str,
                      improvement_evaluation: str, cycle_effectiveness: str = "", actual_reductions: str = "", *,
                      recertification: dict[str, str] | None = None, actor: Actor,
                      idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.submit_report(submitted_on, focus_points, quantified_performance, measurement_and_verification,
                           improvement_evaluation, cycle_effectiveness, actual_reductions, today=self._today(),
                           actor=actor, now=self.clock.now(), recertification=recertification)
        return self._commit(case, idempotency=idempotency)


def _spent(value: Decimal | float | str | None) -> Decimal | None:
    """The person-days an audit actually took (R-PREP-2), None when not given."""
    return None if value is None or value == "" else _decimal(value, "person_days")


def _decimal(value: Decimal | float | str, field_name: str) -> Decimal:
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(field_name, f"{value!r} 不是数字 / {value!r} is not a number") from None
    if not result.is_finite() or result < 0:
        raise InvalidInput(field_name, f"{value!r} 不是非负数 / {value!r} is not a non-negative number")
    return result

