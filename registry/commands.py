"""The commands a caller may send the registry (``Registry.handle``), as plain frozen values.

One class per write, named as the step it asks for (``Suspend``, ``DecideAcceptance``); each knows the role its
sender must hold, and whether it issues a token. A command says what is asked, never who asks: the acting user
comes with it (``handling.Caller``), and the rules are checked when it runs, by the aggregates. The fields are those
of the ``Registry`` method of the same step, which the scheduler, the command line and the tests call directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from registry import rules
from registry.values import (
    Basis,
    CancellationGround,
    CaseKind,
    Changes,
    DocumentKind,
    EmissionControl,
    IncidentKind,
    IntegratedSystem,
    Nonconformity,
    OffSiteGround,
    OtherCertification,
    PerformanceIndicator,
    PlannedAudit,
    ProgrammeBasis,
    QualificationKind,
    RegistrationKind,
    Review,
    Role,
    ScopeLevel,
    ServiceKind,
    SurveillanceOutcome,
    SuspensionGround,
    TransferInfo,
    VerifiedYear,
)


@dataclass(frozen=True)
class Command:
    """A step asked of the registry by someone acting in ``role``."""

    role: ClassVar[Role]
    issues_token: ClassVar[bool] = False  # its answer carries a token, shown that once

    def acting_role(self) -> Role:
        """The role its sender acts in: the class's, but for a correction, which is the corrected step's."""
        return self.role


@dataclass(frozen=True)
class OnCertificate(Command):
    """A step on the certificate ``number`` names."""

    number: str


# People (R-TEAM-2, R-SOD-1 facts)


@dataclass(frozen=True)
class EnrolPerson(Command):
    role = Role.ADMIN
    name: str


@dataclass(frozen=True)
class RecordRegistration(Command):
    role = Role.ADMIN
    person: UUID | str
    kind: RegistrationKind | str
    number: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class RecordViolation(Command):
    role = Role.ADMIN
    person: UUID | str
    on: date
    description: str


@dataclass(frozen=True)
class RecordEvaluation(Command):
    role = Role.ADMIN
    person: UUID | str
    on: date
    sectors: Sequence[str]


@dataclass(frozen=True)
class RecordService(Command):
    role = Role.ADMIN
    person: UUID | str
    client_uscc: str
    kind: ServiceKind | str
    on: date


# Organisations (R-ID-1, R-APP-1, R-APP-5)


@dataclass(frozen=True)
class RegisterOrganization(Command):
    role = Role.INTAKE
    uscc: str
    name: str
    address: str


@dataclass(frozen=True)
class RecordRectification(Command):
    role = Role.DECISION
    uscc: str
    on: date
    evidence: str


@dataclass(frozen=True)
class RecordWithdrawalElsewhere(Command):
    role = Role.DECISION
    uscc: str
    from_body: str
    certificate_number: str
    withdrawn_on: date
    source: str


# The case (§8)


@dataclass(frozen=True)
class Apply(Command):
    role = Role.INTAKE
    organization_uscc: str
    kind: CaseKind | str
    applied_on: date
    scope: str
    levels: Sequence[ScopeLevel]
    cems_operating_since: date
    incident_report_commitment: bool
    basis: Basis | None = None
    emission_control: EmissionControl | None = None
    other_certifications: Sequence[OtherCertification] = ()
    permits: str = ""
    compliance_information: str = ""
    renewal_of: str | None = None
    transfer: TransferInfo | None = None
    sectors: Sequence[str] = ()  # R-TEAM-3


@dataclass(frozen=True)
class ReceiveDocument(Command):
    role = Role.INTAKE
    case_id: UUID | str
    kind: DocumentKind | str
    received_on: date
    content: bytes
    content_type: str = "application/octet-stream"
    filename: str = ""


@dataclass(frozen=True)
class RequestSupplement(Command):
    role = Role.INTAKE
    case_id: UUID | str
    requested_on: date
    missing: Sequence[DocumentKind | str]
    note: str = ""


@dataclass(frozen=True)
class DecideAcceptance(Command):
    role = Role.INTAKE
    case_id: UUID | str
    decided_on: date
    accepted: bool
    review: Review
    reasons: str = ""


@dataclass(frozen=True)
class SignAgreement(Command):
    role = Role.INTAKE
    case_id: UUID | str
    signed_on: date
    fee_paid_on: date


@dataclass(frozen=True)
class PlanProgramme(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    planned_on: date
    person_days: Decimal | float | str
    integrated_with: Sequence[IntegratedSystem] = ()
    cems_standalone_person_days: Decimal | float | str = rules.BASE_PERSON_DAYS
    basis: ProgrammeBasis | None = None  # R-PREP-2
    cycle: Sequence[PlannedAudit] = ()
    justification: str = ""


@dataclass(frozen=True)
class AppointTeam(Command):
    role = Role.ADMIN
    case_id: UUID | str
    leader: UUID | str
    on: date
    members: Sequence[UUID | str] = ()
    experts: Sequence[UUID | str] = ()


@dataclass(frozen=True)
class ConductStage1(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    conducted_on: date
    on_site: bool = True
    off_site_ground: OffSiteGround | str | None = None
    justification: str = ""
    findings: str = ""
    person_days: Decimal | float | str | None = None  # R-PREP-2
    key_audit_points: Sequence[str] = ()  # R-S1-2
    document_review_rationale: str = ""
    verified_years: Sequence[VerifiedYear] = ()


@dataclass(frozen=True)
class ConductStage2(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    conducted_on: date
    nonconformities: Sequence[Nonconformity] = ()
    on_site: bool = True
    person_days: Decimal | float | str | None = None  # R-PREP-2


@dataclass(frozen=True)
class CloseNonconformity(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    ref: str
    closed_on: date
    evidence: str


@dataclass(frozen=True)
class SubmitReport(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    submitted_on: date
    focus_points: dict[str, str]
    quantified_performance: Sequence[PerformanceIndicator]
    measurement_and_verification: str
    improvement_evaluation: str
    cycle_effectiveness: str = ""
    actual_reductions: str = ""
    recertification: dict[str, str] | None = None  # R-RECERT-2: a renewal's four items of §9.2.2


@dataclass(frozen=True)
class Decide(Command):
    role = Role.DECISION
    case_id: UUID | str
    decided_on: date
    grant: bool
    conditions: dict[str, bool | None]
    reasons: str = ""


# The certificate: surveillance, changes, status (§9, §11)


@dataclass(frozen=True)
class RecordSurveillanceAudit(OnCertificate):
    role = Role.AUDITOR
    conducted_on: date
    leader: UUID | str
    members: Sequence[UUID | str] = ()
    outcome: SurveillanceOutcome | str = SurveillanceOutcome.MAINTAINED
    additional: bool = False
    reason: str = ""
    # R-SURV-5: on site, the five items of §9.1.3, nonconformities with their due dates, person-days.
    on_site: bool = True
    content: dict[str, str] | None = None
    nonconformities: Sequence[Nonconformity] = ()
    person_days: Decimal | None = None


@dataclass(frozen=True)
class RequestChange(OnCertificate):
    role = Role.INTAKE
    requested_on: date
    changed_on: date
    changes: Changes


@dataclass(frozen=True)
class ChangeCertificate(OnCertificate):
    role = Role.ADMIN
    request_id: UUID | str
    changed_on: date


@dataclass(frozen=True)
class RecordGround(OnCertificate):
    role = Role.DECISION
    ground: SuspensionGround | str
    known_on: date
    source: str
    detail: str = ""


@dataclass(frozen=True)
class Suspend(OnCertificate):
    role = Role.DECISION
    on: date
    known_on: date
    ground: SuspensionGround | str
    detail: str = ""


@dataclass(frozen=True)
class Reinstate(OnCertificate):
    role = Role.DECISION
    on: date
    evidence: str


@dataclass(frozen=True)
class Withdraw(OnCertificate):
    role = Role.DECISION
    on: date
    known_on: date
    ground: SuspensionGround | str
    detail: str = ""


@dataclass(frozen=True)
class Cancel(OnCertificate):
    role = Role.DECISION
    on: date
    ground: CancellationGround | str
    detail: str = ""
    trigger_on: date | None = None


# Surveillance beside the audit (R-SURV-5, R-SURV-6)


@dataclass(frozen=True)
class SetSurveillanceProgramme(OnCertificate):
    role = Role.AUDITOR
    frequency_months: int
    basis: str
    on: date | None = None


@dataclass(frozen=True)
class RecordIncident(OnCertificate):
    role = Role.INTAKE
    kind: IncidentKind | str
    occurred_on: date
    reported_on: date
    description: str
    additional_audit_due_by: date


@dataclass(frozen=True)
class CloseSurveillanceNonconformity(OnCertificate):
    role = Role.AUDITOR
    ref: str
    closed_on: date
    evidence: str


# Users and tokens (API.md, Conventions)


@dataclass(frozen=True)
class AddUser(Command):
    """A new user, or a revoked name given access again; answers its token."""

    role = Role.ADMIN
    issues_token = True
    name: str
    roles: Sequence[Role | str]
    person: UUID | str | None = None


@dataclass(frozen=True)
class RotateToken(Command):
    role = Role.ADMIN
    issues_token = True
    name: str


@dataclass(frozen=True)
class RevokeUser(Command):
    role = Role.ADMIN
    name: str


@dataclass(frozen=True)
class SetPassword(Command):
    """A new office password for the user, set by an admin; the previous one, and every session signed in with it,
    stop working. The password is hashed at once and never recorded."""

    role = Role.ADMIN
    name: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class ChangeRoles(Command):
    """The roles an active user holds from now on."""

    role = Role.ADMIN
    name: str
    roles: Sequence[Role | str]


# People and programme substance (issue 23: R-STAFF-1, R-TEAM-3, R-PREP-2)


@dataclass(frozen=True)
class RecordQualification(Command):
    role = Role.ADMIN
    person: UUID | str
    kind: QualificationKind | str
    subject: str
    on: date
    detail: str = ""


@dataclass(frozen=True)
class AddSector(Command):
    role = Role.ADMIN
    name: str
    code: str


@dataclass(frozen=True)
class RecordSectors(Command):
    role = Role.INTAKE
    case_id: UUID | str
    sectors: Sequence[str]
    on: date | None = None  # today when not given


@dataclass(frozen=True)
class ApproveProgramme(Command):
    role = Role.DECISION
    case_id: UUID | str
    approved_on: date
    note: str = ""


# Records (§13)


@dataclass(frozen=True)
class Correct(Command):
    """R-REC-6: a correction of the event at log position ``corrects`` of the record ``kind`` ``key`` names, made in
    the role of the step it corrects (``step_role``, which the registry checks against the corrected event)."""

    role = Role.ADMIN  # the class's role is not the one acted in: ``acting_role``
    kind: str  # case, certificate, person or organization
    key: str
    corrects: int
    changes: Mapping[str, str]
    reason: str
    step_role: Role
    on: date | None = None  # today when not given

    def acting_role(self) -> Role:
        return self.step_role


@dataclass(frozen=True)
class FilePaperOriginal(Command):
    """R-REC-3: the scan of a signed paper original, filed on the record ``kind`` ``key`` names."""

    role = Role.INTAKE
    kind: str  # case or certificate
    key: str
    scan: bytes
    description: str
    held_at: str
    on: date | None = None  # today when not given
