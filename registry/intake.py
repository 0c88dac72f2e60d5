"""The first half of a certification case (§8.1–§8.3.1): application, documents, acceptance, agreement and
programme. The audit and the decision follow in ``registry.case``.

Every application is recorded, eligible or not; eligibility and completeness are checked when it is accepted
(an ineligible or incomplete case can only be not-accepted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID, uuid4

from registry import labels, planning, rules, staffing, text
from registry.base import RegistryAggregate
from registry.calendar import Workdays
from registry.errors import InvalidInput, OutOfOrder, RuleViolation
from registry.history import plain
from registry.person import Person
from registry.values import (
    Actor,
    Basis,
    CaseKind,
    DocumentKind,
    EmissionControl,
    IntegratedSystem,
    Nonconformity,
    OtherCertification,
    PlannedAudit,
    ProgrammeBasis,
    Review,
    ScopeLevel,
    Team,
    TransferInfo,
)


class Stage(Enum):
    APPLIED = "applied"
    NOT_ACCEPTED = "not_accepted"
    ACCEPTED = "accepted"
    CONTRACTED = "contracted"
    PLANNED = "planned"
    TEAM_APPOINTED = "team_appointed"
    STAGE1_DONE = "stage1_done"
    STAGE2_DONE = "stage2_done"
    REPORTED = "reported"
    GRANTED = "granted"
    REFUSED = "refused"


ORDER = list(Stage)
TERMINAL = (Stage.NOT_ACCEPTED, Stage.GRANTED, Stage.REFUSED)


class CaseIntake(RegistryAggregate):
    class Applied(RegistryAggregate.Created):
        organization_uscc: str
        kind: CaseKind
        scope: str
        levels: tuple[ScopeLevel, ...]
        basis: Basis
        cems_operating_since: date
        emission_control: EmissionControl
        other_certifications: tuple[OtherCertification, ...]
        incident_report_commitment: bool
        permits: str
        compliance_information: str
        renewal_of: str | None
        transfer: TransferInfo | None
        required_cems_months: int
        gaps: tuple[dict[str, str], ...]  # eligibility gaps (rule, clause, detail) found on the application
        sectors: tuple[str, ...] = ()  # R-TEAM-3: the scope's sectors, from the body's list (none before issue 23)
        correctable = {"scope": text.SCOPE, "permits": text.PROSE, "compliance_information": text.PROSE}

        def apply(self, case: CaseIntake) -> None:
            case.organization_uscc = self.organization_uscc
            case.kind = self.kind
            case.applied_on = self.dated
            case.scope = self.scope
            case.levels = tuple(self.levels)
            case.basis = self.basis
            case.other_certifications = tuple(self.other_certifications)
            case.renewal_of = self.renewal_of
            case.transfer = self.transfer
            case.gaps = [dict(g) for g in self.gaps]
            case.stage = Stage.APPLIED
            case.documents = {}
            case.received = {}
            case.documents_complete_on = None
            case.notice_due_by = None
            case.notice_fallback_years = ()
            case.intake = set()
            case.accepted_on = None
            case.agreement_on = None
            case.programme_on = None
            case.team = None
            case.auditors_ever = set()
            case.findings = ""
            case.team_on = None
            case.stage1_on = None
            case.stage2_on = None
            case.nonconformities = {}
            case.closed = {}
            case.report_on = None
            case.report_gaps = []
            case.decided_on = None
            case.decision_maker = None
            case.certificate_number = None
            case.sectors = tuple(self.sectors)
            case.programme_needs_approval = False
            case.programme_approved_on = None
            case.programme_record = None
            case.stage1_record = None
            case.person_days_spent = {}

    class DocumentReceived(RegistryAggregate.Event):
        kind: DocumentKind
        sha256: str
        size: int
        content_type: str
        filename: str
        completes_checklist: bool
        documents_complete_on: date | None  # the latest receipt date once all eleven are in
        notice_due_by: date | None  # R-ACC-2, set when this document completes the checklist
        # R-CAL-1 (issue 24; none before it): the years its due date was counted Monday–Friday for, unrecorded
        notice_fallback_years: tuple[int, ...] = ()

        def apply(self, case: CaseIntake) -> None:
            case.documents[self.kind] = self.sha256
            case.received[self.kind] = self.dated
            if self.completes_checklist:
                case.documents_complete_on = self.documents_complete_on
                case.notice_due_by = self.notice_due_by
                case.notice_fallback_years = tuple(self.notice_fallback_years)

    class NoticeDueRecomputed(RegistryAggregate.Event):
        """R-CAL-1: the acceptance notice's due date (R-ACC-2), counted Monday–Friday for a year nobody knew,
        counted again on that year's arrangement once recorded."""

        year: int  # the year whose recording brought it
        previous_due_by: date
        notice_due_by: date
        notice_fallback_years: tuple[int, ...]  # still counted Monday–Friday (usually none)

        def apply(self, case: CaseIntake) -> None:
            case.notice_due_by = self.notice_due_by
            case.notice_fallback_years = tuple(self.notice_fallback_years)

    class SupplementRequested(RegistryAggregate.Event):
        missing: tuple[DocumentKind, ...]
        note: str

    class Accepted(RegistryAggregate.Event):
        review: Review
        reasons: str
        notice_due_by: date | None
        notice_late: bool

        def apply(self, case: CaseIntake) -> None:
            case.stage = Stage.ACCEPTED
            case.accepted_on = self.dated
            case.intake.add(self.actor.person)

    class NotAccepted(RegistryAggregate.Event):
        review: Review
        reasons: str
        notice_due_by: date | None
        notice_late: bool

        def apply(self, case: CaseIntake) -> None:
            case.stage = Stage.NOT_ACCEPTED
            case.intake.add(self.actor.person)

    class AgreementSigned(RegistryAggregate.Event):
        fee_paid_on: date

        def apply(self, case: CaseIntake) -> None:
            case.stage = Stage.CONTRACTED
            case.agreement_on = max(self.fee_paid_on, self.dated)

    class ProgrammePlanned(RegistryAggregate.Event):
        person_days: Decimal
        cems_standalone_person_days: Decimal
        integrated_with: tuple[IntegratedSystem, ...]
        # R-PREP-2 (issue 23; absent from programmes planned before it)
        basis: ProgrammeBasis | None = None
        cycle: tuple[PlannedAudit, ...] = ()
        justification: str = ""  # why fewer than 4 person-days
        needs_approval: bool = False  # fewer than 4 person-days: a decision maker approves before the audit

        def apply(self, case: CaseIntake) -> None:
            case.programme_on = self.dated
            case.programme_needs_approval = self.needs_approval
            case.programme_approved_on = None
            case.programme_record = {
                "planned_on": self.dated.isoformat(), "person_days": str(self.person_days),
                "cems_standalone_person_days": str(self.cems_standalone_person_days),
                "integrated_with": plain(self.integrated_with), "basis": plain(self.basis),
                "cycle": plain(self.cycle), "justification": self.justification,
                "needs_approval": self.needs_approval, "approved_on": None}
            if case.stage is Stage.CONTRACTED:
                case.stage = Stage.PLANNED

    class ProgrammeApproved(RegistryAggregate.Event):
        """R-PREP-2: a decision maker approves a programme of fewer than 4 person-days, before the audit."""

        note: str

        def apply(self, case: CaseIntake) -> None:
            case.programme_approved_on = self.dated
            if case.programme_record is not None:
                case.programme_record = {**case.programme_record, "approved_on": self.dated.isoformat(),
                                         "approved_by": plain(self.actor.person)}

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        organization_uscc: str
        kind: CaseKind
        applied_on: date
        scope: str
        levels: tuple[ScopeLevel, ...]
        basis: Basis
        other_certifications: tuple[OtherCertification, ...]
        renewal_of: str | None
        transfer: TransferInfo | None
        gaps: list[dict[str, str]]
        stage: Stage
        documents: dict[DocumentKind, str]
        received: dict[DocumentKind, date]
        documents_complete_on: date | None
        notice_due_by: date | None
        notice_fallback_years: tuple[int, ...]
        intake: set[UUID | None]
        accepted_on: date | None
        agreement_on: date | None
        programme_on: date | None
        team: Team | None
        auditors_ever: set[UUID]
        findings: str
        team_on: date | None
        stage1_on: date | None
        stage2_on: date | None
        nonconformities: dict[str, Nonconformity]
        closed: dict[str, date]
        report_on: date | None
        report_gaps: list[dict[str, str]]
        decided_on: date | None
        decision_maker: UUID | None
        certificate_number: str | None
        sectors: tuple[str, ...]
        programme_needs_approval: bool
        programme_approved_on: date | None
        programme_record: dict[str, Any] | None  # R-PREP-2: the programme as planned (JSON-ready)
        stage1_record: dict[str, Any] | None  # R-S1-2: stage 1's substance (JSON-ready)
        person_days_spent: dict[str, str]  # R-PREP-2: each audit's actual person-days

    # Application (§8.1)

    @classmethod
    def open(cls, *, organization_uscc: str, kind: CaseKind, applied_on: date, scope: str,
             levels: Sequence[ScopeLevel], basis: Basis, cems_operating_since: date,
             emission_control: EmissionControl, other_certifications: Sequence[OtherCertification],
             incident_report_commitment: bool, permits: str = "", compliance_information: str = "",
             renewal_of: str | None = None, renewal_valid_until: date | None = None,
             renewal_status_valid: bool = True, transfer: TransferInfo | None = None,
             sectors: Sequence[str] = (), withdrawal: rules.Gap | None = None, today: date, actor: Actor,
             now: datetime) -> Self:
        """Records an application. Structural faults are refused; eligibility gaps are recorded for acceptance
        (``withdrawal``: the organisation's, R-APP-5)."""
        _check_application_text(scope, levels, basis, other_certifications, permits, compliance_information,
                                renewal_of, transfer)
        rules.check_not_future("applied_on", applied_on, today)
        if cems_operating_since > applied_on:
            raise InvalidInput("cems_operating_since", "碳排放管理体系的运行不能始于申请之后 / "
                                                      "the CEMS cannot start running after the application")
        if not scope.strip():
            raise InvalidInput("scope", "须填写认证范围 / the scope of certification is required")
        rules.check_levels(levels)
        if kind is CaseKind.RENEWAL and not renewal_of:
            raise InvalidInput("renewal_of", "再认证申请须写明所再认证的证书 / "
                                             "a renewal names the certificate it renews")
        if kind is not CaseKind.RENEWAL and renewal_of:
            raise InvalidInput("renewal_of", "只有再认证申请才写明所再认证的证书 / "
                                            "only a renewal names a certificate it renews")
        if kind is CaseKind.TRANSFER:
            if transfer is None:
                raise InvalidInput("transfer", "认证转换须写明拟转换的证书及转换原因 / "
                                              "a transfer gives the certificate transferred and its reason")
            rules.check_transfer(transfer, applied_on, today)
        elif transfer is not None:
            raise InvalidInput("transfer", "只有认证转换案例才有转换信息 / "
                                           "only a transfer case carries transfer details")

        months, _ = rules.required_cems_months(applied_on, emission_control, other_certifications)
        found = [
            withdrawal,
            rules.cems_operation_gap(applied_on, cems_operating_since, emission_control, other_certifications),
            rules.commitment_gap(incident_report_commitment),
        ]
        if kind is CaseKind.RENEWAL and renewal_valid_until is not None:
            found.append(rules.renewal_window_gap(applied_on, renewal_valid_until))
            if not renewal_status_valid:
                found.append(rules.Gap("R-RECERT-1", "§11.1",
                                       f"证书 {renewal_of} 不是有效状态，不能再认证 / "
                                       f"certificate {renewal_of} is not valid and cannot be renewed"))
        gaps = tuple(g.as_dict() for g in found if g is not None)
        return cls._create(
            cls.Applied, id=uuid4(), organization_uscc=organization_uscc, kind=kind, scope=scope.strip(),
            levels=tuple(levels), basis=basis, cems_operating_since=cems_operating_since,
            emission_control=emission_control, other_certifications=tuple(other_certifications),
            incident_report_commitment=incident_report_commitment, permits=permits,
            compliance_information=compliance_information, renewal_of=renewal_of, transfer=transfer,
            required_cems_months=months, gaps=gaps, sectors=tuple(sectors), actor=actor, effective_on=applied_on,
            timestamp=now)

    def _require(self, *stages: Stage, step: str) -> None:
        if self.stage not in stages:
            now = labels.zh(labels.STAGES, self.stage.value)
            if self.stage in TERMINAL:
                raise OutOfOrder(f"案例已结束（{now}），不能再进行{labels.step(step)} / "
                                 f"case is {self.stage.value}: it accepts no {step}")
            raise OutOfOrder(f"案例处于“{now}”阶段，不能进行{labels.step(step)}"
                             f"（可进行的阶段：{labels.zh_list(labels.STAGES, (s.value for s in stages))}） / "
                             f"{step} is not possible at stage {self.stage.value} "
                             f"(possible at: {', '.join(s.value for s in stages)})")

    def _dated(self, field: str, d: date, today: date, after_field: str, after: date | None) -> None:
        rules.check_not_future(field, d, today)
        if after is not None:
            rules.check_not_before(field, d, after_field, after)

    @property
    def missing_documents(self) -> list[DocumentKind]:
        return rules.missing_documents(self.documents)

    def check_correction(self, event_name: str, changes: Mapping[str, str]) -> None:
        """R-REC-6 with R-CHG-1: the scope applied for is corrected until a certificate is granted on it; after
        that, what the certificate says is changed by the change procedure."""
        if event_name == "Applied" and "scope" in changes and self.stage is Stage.GRANTED:
            raise RuleViolation("R-REC-6", "§13", "证书已按此范围颁发，范围须经变更程序改变 / a certificate was "
                                                  "granted on this scope: it changes by the change procedure")

    def take_correction(self, event_name: str, version: int, changes: dict[str, str]) -> None:
        if event_name == "Applied" and "scope" in changes:
            self.scope = changes["scope"]

    def receive_document(self, kind: DocumentKind, received_on: date, sha256: str, size: int, content_type: str,
                         filename: str, *, workdays: Workdays, today: date, actor: Actor, now: datetime) -> None:
        """R-APP-4: a checklist document, stored by its SHA-256. Completing the checklist starts R-ACC-2's clock,
        counted in working days (R-CAL-1: ``workdays``; a due date counted Monday–Friday says for which years)."""
        text.check_document_type("content_type", content_type)
        text.check_file_name("filename", filename)
        self._require(Stage.APPLIED, step="a document for the application checklist")
        self._dated("received_on", received_on, today, "applied_on", self.applied_on)
        completes = self.documents_complete_on is None and self.missing_documents == [kind]
        # Complete on the day the last of the eleven arrived, whatever order they were entered in.
        complete_on = max([*self.received.values(), received_on]) if completes else None
        due = rules.acceptance_notice_due(complete_on, workdays) if complete_on else None
        fallback = workdays.fallback_years(complete_on, due) if complete_on and due else ()
        self._record(self.DocumentReceived, kind=kind, sha256=sha256, size=size, content_type=content_type,
                     filename=filename, completes_checklist=completes, documents_complete_on=complete_on,
                     notice_due_by=due, notice_fallback_years=fallback, actor=actor,
                     effective_on=received_on, now=now)

    def recount_notice_due(self, year: int, workdays: Workdays, *, today: date, actor: Actor, now: datetime) -> bool:
        """R-CAL-1: the pending acceptance notice's due date, counted Monday–Friday for ``year``, counted again now
        that ``year`` is recorded (``workdays``). Nothing when the notice was sent or its date did not wait on it."""
        if self.stage is not Stage.APPLIED or year not in self.notice_fallback_years:
            return False
        if self.documents_complete_on is None or self.notice_due_by is None:
            return False
        due = rules.acceptance_notice_due(self.documents_complete_on, workdays)
        self._record(self.NoticeDueRecomputed, year=year, previous_due_by=self.notice_due_by, notice_due_by=due,
                     notice_fallback_years=workdays.fallback_years(self.documents_complete_on, due), actor=actor,
                     effective_on=today, now=now)
        return True

    def request_supplement(self, requested_on: date, missing: Sequence[DocumentKind], note: str, *, today: date,
                           actor: Actor, now: datetime) -> None:
        """R-ACC-2: a supplement request names what is missing."""
        text.check_count("missing", missing)
        text.check("note", note, text.PROSE)
        self._require(Stage.APPLIED, step="supplement request")
        self._dated("requested_on", requested_on, today, "applied_on", self.applied_on)
        if not missing:
            raise RuleViolation("R-ACC-2", "§8.2", "补充资料要求须写明缺少的文件 / "
                                "a supplement request names the missing documents")
        already = [k.value for k in missing if k in self.documents]
        if already:
            raise RuleViolation("R-ACC-2", "§8.2",
                                f"以下文件已收到，并未缺少：{labels.zh_list(labels.DOCUMENT_KINDS, already)} / "
                                f"already received, not missing: {', '.join(already)}")
        self._record(self.SupplementRequested, missing=tuple(missing), note=note, actor=actor,
                     effective_on=requested_on, now=now)

    # Acceptance (§8.2)

    def decide_acceptance(self, decided_on: date, accepted: bool, review: Review, reasons: str, reviewer: Person,
                          *, today: date, actor: Actor, now: datetime) -> None:
        """R-ACC-1..2, R-APP-2..4, R-SOD-1: accept an eligible, complete application on a full review."""
        text.check("reasons", reasons, text.PROSE)
        self._require(Stage.APPLIED, step="acceptance decision")
        self._dated("decided_on", decided_on, today, "applied_on", self.applied_on)
        rules.check_separate(reviewer, "intake review", self.organization_uscc, decided_on)
        staffing.check_staff(reviewer, decided_on, "intake review")
        if accepted:
            rules.check_review(review.all_confirmed)
            for gap in self.gaps:
                zh, en = labels.halves(gap["detail"])  # a gap recorded before R-REC-5 was kept has no Chinese half
                raise RuleViolation(gap["rule"], gap["clause"], f"{zh or '申请尚不满足受理条件'} / {en}")
            if self.missing_documents:
                missing = [k.value for k in self.missing_documents]
                raise RuleViolation("R-APP-4", "§8.1",
                                    f"申请文件不齐全，缺少：{labels.zh_list(labels.DOCUMENT_KINDS, missing)} / "
                                    f"the application's documents are incomplete; missing: {', '.join(missing)}")
            if self.documents_complete_on and decided_on < self.documents_complete_on:
                raise RuleViolation("R-APP-4", "§8.1",
                                    f"{decided_on.isoformat()} 时申请文件尚不齐全，最后一份文件于 "
                                    f"{self.documents_complete_on.isoformat()} 收到 / "
                                    f"on {decided_on.isoformat()} the documents were incomplete: the last arrived on "
                                    f"{self.documents_complete_on.isoformat()}")
        elif not reasons.strip():
            raise InvalidInput("reasons", "不予受理通知须写明理由 / a not-accept notice gives its reasons")
        late = self.notice_due_by is not None and decided_on > self.notice_due_by
        self._record(self.Accepted if accepted else self.NotAccepted, review=review, reasons=reasons,
                     notice_due_by=self.notice_due_by, notice_late=late, actor=actor, effective_on=decided_on,
                     now=now)

    def sign_agreement(self, signed_on: date, fee_paid_on: date, *, today: date, actor: Actor,
                       now: datetime) -> None:
        """R-ACC-3: the agreement is signed and the fee paid before audit work starts."""
        self._require(Stage.ACCEPTED, step="certification agreement")
        self._dated("signed_on", signed_on, today, "acceptance", self.accepted_on)
        rules.check_not_future("fee_paid_on", fee_paid_on, today)
        self._record(self.AgreementSigned, fee_paid_on=fee_paid_on, actor=actor, effective_on=signed_on, now=now)

    # Audit preparation (§8.3)

    def plan_programme(self, planned_on: date, person_days: Decimal, integrated_with: Sequence[IntegratedSystem],
                       cems_standalone_person_days: Decimal, basis: ProgrammeBasis | None = None,
                       cycle: Sequence[PlannedAudit] = (), justification: str = "", *, today: date, actor: Actor,
                       now: datetime) -> None:
        """R-PREP-1, R-PREP-2, R-TIME-1, R-TIME-2: the audit programme, its basis, the whole cycle and its time,
        before any audit; fewer than 4 person-days only with a justification, for a decision maker to approve."""
        text.check_records("integrated_with", integrated_with, system=text.NAME)
        text.check_record("basis", basis, size=text.PROSE, scope=text.PROSE, facilities_complexity=text.PROSE,
                          system_maturity=text.PROSE)
        text.check_count("cycle", cycle)
        text.check("justification", justification, text.PROSE)
        if self.stage in (Stage.ACCEPTED,):
            raise RuleViolation("R-ACC-3", "§8.2", "审核工作开始前须签订认证协议并缴纳认证费用 / "
                                "the certification agreement is signed and the fee paid before audit work starts")
        self._require(Stage.CONTRACTED, Stage.PLANNED, Stage.TEAM_APPOINTED, step="audit programme")
        rules.check_not_future("planned_on", planned_on, today)
        if self.agreement_on is not None and planned_on < self.agreement_on:
            raise RuleViolation("R-ACC-3", "§8.2",
                                f"审核工作须在签订认证协议并缴费（{self.agreement_on.isoformat()}）之后开始，"
                                f"审核方案日期为 {planned_on.isoformat()} / "
                                f"audit work starts after the agreement is signed and the fee paid "
                                f"({self.agreement_on.isoformat()}); the programme is dated {planned_on.isoformat()}")
        rules.check_audit_time(person_days, integrated_with, cems_standalone_person_days,
                               justified=bool(justification.strip()))
        planning.check_programme_basis(basis)
        planning.check_cycle(cycle, planned_on)
        below = planning.below_four_person_days(person_days, cems_standalone_person_days, bool(integrated_with))
        self._record(self.ProgrammePlanned, person_days=person_days,
                     cems_standalone_person_days=cems_standalone_person_days, integrated_with=tuple(integrated_with),
                     basis=basis, cycle=tuple(cycle), justification=justification.strip() if below else "",
                     needs_approval=below, actor=actor, effective_on=planned_on, now=now)

    def approve_programme(self, approved_on: date, note: str, approver: Person, *, today: date, actor: Actor,
                          now: datetime) -> None:
        """R-PREP-2 (§8.3.3): a decision maker, qualified on the day (R-STAFF-1), approves a programme of fewer than
        4 person-days and its justification, before the audit proceeds."""
        text.check("note", note, text.PROSE)
        if self.programme_on is None:
            raise OutOfOrder("尚无待批准的审核方案（R-PREP-1） / there is no audit programme to approve yet (R-PREP-1)")
        if not self.programme_needs_approval:
            raise RuleViolation("R-PREP-2", "§8.3.3",
                                "审核方案不少于 4 人日，无需批准 / the programme plans at least 4 person-days: "
                                "there is nothing to approve")
        if self.programme_approved_on is not None:
            raise OutOfOrder(f"审核方案已于 {self.programme_approved_on.isoformat()} 获批准 / "
                             f"the programme was approved on {self.programme_approved_on.isoformat()}")
        self._dated("approved_on", approved_on, today, "the programme", self.programme_on)
        staffing.check_staff(approver, approved_on, "programme approval")
        self._record(self.ProgrammeApproved, note=note, actor=actor, effective_on=approved_on, now=now)

    def check_programme_approved(self, on: date) -> None:
        """R-PREP-2: an audit on a programme of fewer than 4 person-days waits for its approval."""
        if self.programme_needs_approval and (self.programme_approved_on is None or self.programme_approved_on > on):
            raise RuleViolation("R-PREP-2", "§8.3.3",
                                "审核方案少于 4 人日，须经认证决定人员批准后方可实施审核 / the programme plans "
                                "fewer than 4 person-days: a decision maker approves it before the audit "
                                f"({on.isoformat()})")


def _check_application_text(scope: str, levels: Sequence[ScopeLevel], basis: Basis,
                            other_certifications: Sequence[OtherCertification], permits: str,
                            compliance_information: str, renewal_of: str | None,
                            transfer: TransferInfo | None) -> None:
    text.check("scope", scope, text.SCOPE)
    text.check_records("levels", levels, reference=text.LINE)
    text.check_record("basis", basis, standard=text.NAME, version=text.CODE)
    text.check_each("basis.sector_requirements", basis.sector_requirements, text.NAME)
    text.check_records("other_certifications", other_certifications, system=text.NAME,
                       certificate_number=text.CODE)
    text.check("permits", permits, text.PROSE)
    text.check("compliance_information", compliance_information, text.PROSE)
    text.check_optional("renewal_of", renewal_of, text.NUMBER)
    text.check_record("transfer", transfer, from_body=text.NAME, certificate_number=text.CODE, reason=text.PROSE)
