"""Value objects and enumerations shared by the aggregates.

Plain ``Enum`` (not ``StrEnum``) on purpose: the JSON transcoder never sees a ``str`` subclass, so a ``StrEnum``
would come back from the log as a bare ``str``. Each of these has a registered transcoding (``transcodings.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from registry.errors import InvalidInput

E = TypeVar("E", bound=Enum)


def parse_enum(enum: type[E], value: Any, field_name: str) -> E:
    """The member of ``enum`` named by ``value`` (its value or the member itself), or an InvalidInput."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum)
        raise InvalidInput(field_name, f"{value!r} 不是可选值之一：{allowed} / "
                                       f"{value!r} is not one of: {allowed}") from None


class Role(Enum):
    INTAKE = "intake"
    AUDITOR = "auditor"
    DECISION = "decision"
    ADMIN = "admin"
    REGULATOR = "regulator"
    SYSTEM = "system"  # the registry itself: the scheduler's duties (R-SURV-4, R-EXP-1), command-line set-up


@dataclass(frozen=True)
class Actor:
    """Who performed a step (R-REC-1): a person and the role they acted in."""

    person: UUID | None
    role: Role

    def __post_init__(self) -> None:
        if self.person is None and self.role is not Role.SYSTEM:
            raise InvalidInput("actor", "除系统自身的步骤外，每一步骤都须由人员执行 / "
                                        "every step but the registry's own is performed by a person")


class CaseKind(Enum):
    INITIAL = "initial"
    RENEWAL = "renewal"
    TRANSFER = "transfer"


class Level(Enum):
    ORGANIZATION = "organization"
    PRODUCT = "product"
    PROJECT = "project"
    ACTIVITY = "activity"


class Method(Enum):
    """Quantification methods of §6.2–6.5."""

    NATIONAL_STANDARD = "national_standard"
    SECTOR_STANDARD = "sector_standard"
    GROUP_STANDARD = "group_standard"
    ISO_14064_1 = "iso_14064_1"
    ISO_14067 = "iso_14067"
    ISO_14064_2 = "iso_14064_2"
    PROJECT_METHODOLOGY = "project_methodology"
    LARGE_EVENT_GUIDE = "large_event_guide"  # 《大型活动碳中和实施指南》 annex 1

    @classmethod
    def parse(cls, value: Any, field_name: str = "method") -> Method:
        """Accepts the value or a spelling such as ``"ISO 14064-1"``."""
        if isinstance(value, str):
            value = value.strip().lower().replace(" ", "_").replace("-", "_").replace("/", "_")
        return parse_enum(cls, value, field_name)


class DocumentKind(Enum):
    """The eleven documents of §8.1 (R-APP-4)."""

    APPLICATION_FORM = "application_form"
    BUSINESS_LICENCES = "business_licences"
    CEMS_DOCUMENTS = "cems_documents"
    LEGAL_DOCUMENTS = "legal_documents"
    ILLEGAL_LIST_QUERY = "illegal_list_query"
    PROCESS_FLOW_CHART = "process_flow_chart"
    ORGANISATION_PROFILE = "organisation_profile"
    SITES_LIST = "sites_list"
    APPLICABLE_LAWS = "applicable_laws"
    CARBON_REVIEW_REPORT = "carbon_review_report"
    CARBON_BASELINE_AND_TARGETS = "carbon_baseline_and_targets"


class RegistrationKind(Enum):
    CCAA_CEMS_AUDITOR = "ccaa_cems_auditor"
    ENMS_AUDITOR = "enms_auditor"
    GHG_VERIFIER = "ghg_verifier"


class ServiceKind(Enum):
    TRAINING = "training"
    CONSULTING = "consulting"


class OffSiteGround(Enum):
    """The three grounds of §8.4.1 (1) for a stage 1 not on site (R-S1-1)."""

    EMS_OR_ENMS_CERTIFIED = "ems_or_enms_certified"
    SIMPLE_PROCESS = "simple_process"
    THREE_YEARS_VERIFIED_REPORTING = "three_years_verified_reporting"


class Severity(Enum):
    MAJOR = "major"
    MINOR = "minor"


class SurveillanceOutcome(Enum):
    MAINTAINED = "maintained"
    NONCONFORMITIES = "nonconformities"


class Status(Enum):
    VALID = "valid"  # 有效
    SUSPENDED = "suspended"  # 暂停
    WITHDRAWN = "withdrawn"  # 撤销
    CANCELLED = "cancelled"  # 注销
    EXPIRED = "expired"  # 过期

    @property
    def terminal(self) -> bool:
        return self in (Status.WITHDRAWN, Status.CANCELLED)


class SuspensionGround(Enum):
    """§11.3 (1)–(4), plus the scheduler's own ground for a missed surveillance audit (R-SURV-4)."""

    MAJOR_DEFECT = "major_defect"
    TRADING_NONCOMPLIANCE = "trading_noncompliance"
    ENFORCEMENT_PENALTY = "enforcement_penalty"
    UNCORRECTED_NONCONFORMITY = "uncorrected_nonconformity"
    SURVEILLANCE_OVERDUE = "surveillance_overdue"


class CancellationGround(Enum):
    """§11.4 (1)–(3)."""

    EXPIRED = "expired"
    CLIENT_REQUEST = "client_request"
    OTHER = "other"


class TransferStatus(Enum):
    """The status of a certificate of another body offered for transfer (R-TRF-1)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    UNDER_PROCEEDINGS = "under_proceedings"  # under suspension or withdrawal proceedings
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


FOCUS_POINTS = (
    # The nine focus points of §8.4.2, in the rules' order (R-REP-1).
    "legal_compliance",
    "system_conformity",
    "key_points_control",
    "targets_and_control",
    "carbon_review",
    "performance_parameters",
    "targets_achievement",
    "deviation_handling",
    "self_improvement",
)

DECISION_CONDITIONS = ("legal_compliance", "sector_requirements", "management_improved", "no_penalty")


@dataclass(frozen=True)
class ScopeLevel:
    """One level of a certified scope and its quantification method (R-GHG-1)."""

    level: Level
    method: Method
    reference: str = ""  # the standard or methodology named, e.g. "GB/T 32150-2015"


@dataclass(frozen=True)
class Basis:
    """Certification basis and version (§3, §10.1 d)."""

    standard: str = "CCAI-S-C06"
    version: str = "2023"
    sector_requirements: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmissionControl:
    controlled: bool = False
    cycles_completed: int = 0


@dataclass(frozen=True)
class OtherCertification:
    system: str  # "EMS", "EnMS", "QMS", …
    certificate_number: str
    valid_until: date

    @property
    def is_ems_or_enms(self) -> bool:
        return self.system.strip().upper() in ("EMS", "ENMS")


@dataclass(frozen=True)
class TransferInfo:
    from_body: str
    certificate_number: str
    status: TransferStatus
    valid_until: date
    reason: str
    issued_on: date | None = None
    verification: TransferVerification | None = None  # R-TRF-2 (absent from applications recorded before it)


@dataclass(frozen=True)
class TransferVerification:
    """R-TRF-2: the transferred certificate's status as the body checked it, not as the applicant stated it: the
    source consulted (the issuing body's or CNCA's public lookup), the day, and the status it showed."""

    source: str
    checked_on: date
    result: TransferStatus


@dataclass(frozen=True)
class Review:
    """The acceptance review of §8.2 (R-ACC-1)."""

    information_sufficient: bool
    requirements_understood: bool
    competent_and_resourced: bool

    @property
    def all_confirmed(self) -> bool:
        return self.information_sufficient and self.requirements_understood and self.competent_and_resourced


@dataclass(frozen=True)
class IntegratedSystem:
    system: str
    standalone_person_days: Decimal


@dataclass(frozen=True)
class Nonconformity:
    ref: str
    severity: Severity
    description: str
    due_by: date | None = None  # by when it is to be corrected (a surveillance audit's, R-SURV-5)


@dataclass(frozen=True)
class PerformanceIndicator:
    indicator: str
    unit: str
    baseline: Decimal
    target: Decimal
    actual: Decimal


@dataclass(frozen=True)
class Organization:
    """The organisation as printed on a certificate (§10.1 b)."""

    uscc: str
    name: str
    address: str


@dataclass(frozen=True)
class Issuer:
    """The issuing body (§10.1 f)."""

    name: str
    address: str
    code: str


@dataclass(frozen=True)
class Changes:
    """What a change request changes (§11.2 (1)); ``None`` leaves a field as it is."""

    name: str | None = None
    address: str | None = None
    scope: str | None = None
    process: str | None = None
    materials: str | None = None

    def named(self) -> list[str]:
        return [f for f in ("name", "address", "scope", "process", "materials") if getattr(self, f) is not None]


@dataclass(frozen=True)
class Functions:
    """R-SOD-1: who performed each certification function for one client in a certification cycle: the intake
    reviews, the audits (every team, the surveillance teams among them) and the decisions."""

    intake: frozenset[UUID] = frozenset()
    audit: frozenset[UUID] = frozenset()
    decision: frozenset[UUID] = frozenset()


NOBODY = Functions()  # a cycle in which no function was performed yet (a first certification's)


@dataclass(frozen=True)
class Team:
    leader: UUID
    members: tuple[UUID, ...] = ()
    experts: tuple[UUID, ...] = ()

    @property
    def auditors(self) -> tuple[UUID, ...]:
        """Leader and members; technical experts do not count as auditors (R-TEAM-1)."""
        return (self.leader, *[m for m in self.members if m != self.leader])

    @property
    def everyone(self) -> tuple[UUID, ...]:
        return (*self.auditors, *[e for e in self.experts if e not in self.auditors])


@dataclass(frozen=True)
class Written:
    """What a command wrote: the ids it created and the log position of its last event."""

    position: int
    ids: dict[str, Any] = field(default_factory=dict)


# Surveillance and recertification content (R-SURV-5, R-SURV-6, R-RECERT-2)

SURVEILLANCE_CONTENT = (
    # The five items of §9.1.3 a surveillance audit's report covers (R-SURV-5), in the rules' order.
    "operation_and_changes",
    "performance_and_changes",
    "compliance_evaluation",
    "targets_and_reductions",
    "corrective_actions",
)

RECERTIFICATION_ITEMS = (
    # The four items of §9.2.2 a recertification report covers (R-RECERT-2), in the rules' order.
    "system_effectiveness_and_scope",
    "policy_and_targets",
    "performance_and_boundary",
    "actual_reductions",
)


class IncidentKind(Enum):
    """What the client reports or the body learns of (R-SURV-6, §9.1.1 (2))."""

    MAJOR_CHANGE = "major_change"
    MAJOR_INCIDENT = "major_incident"
# People and programme substance (issue 23, item 5: R-STAFF-1, R-TEAM-3, R-PREP-2, R-S1-2)


class QualificationKind(Enum):
    """What §5.2 asks to have on record of everyone performing a certification function (R-STAFF-1)."""

    EDUCATION = "education"
    WORK_EXPERIENCE = "work_experience"
    TRAINING = "training"


class TrainingSubject(Enum):
    """The three trainings R-STAFF-1 names; a training record's ``subject`` is one of them."""

    CARBON_FOOTPRINT = "carbon_footprint"
    LIFE_CYCLE_ASSESSMENT = "life_cycle_assessment"
    CERTIFICATION_TECHNIQUE = "certification_technique"


class CycleAudit(Enum):
    """The audits of a certification cycle a programme covers (R-PREP-2, §8.3.1)."""

    INITIAL = "initial"
    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"


@dataclass(frozen=True)
class ProgrammeBasis:
    """What the programme is based on (R-PREP-2, §8.3.1): the client's size, scope, the complexity of its emission
    facilities and the maturity of its system."""

    size: str = ""
    scope: str = ""
    facilities_complexity: str = ""
    system_maturity: str = ""


@dataclass(frozen=True)
class PlannedAudit:
    """One audit of the cycle the programme covers: which, by when, and its planned person-days (R-PREP-2)."""

    audit: CycleAudit
    planned_by: date
    person_days: Decimal


@dataclass(frozen=True)
class VerifiedYear:
    """One of the three years of verified reporting that off-site ground 3 rests on, with its verifier (R-S1-2)."""

    year: int
    verifier: str
