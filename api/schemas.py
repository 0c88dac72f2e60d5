"""Request and response bodies of the HTTP API (API.md), with examples in Chinese.

Field names are the contract. Enumerations are typed here so the OpenAPI document lists their values; the rules
themselves are checked by the domain, never here. Every text is bounded and refused with the characters the
domain refuses (``registry.text``, one kind per field), every list is bounded, a boolean is JSON ``true`` or
``false`` and nothing else, and a date is a string ``YYYY-MM-DD`` and nothing else: the same checks the domain makes,
made before a command runs, so a refusal is a 422 naming the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt
from pydantic_core import PydanticCustomError

from registry import text
from registry.values import (
    CancellationGround,
    CaseKind,
    CycleAudit,
    IncidentKind,
    Level,
    OffSiteGround,
    QualificationKind,
    RegistrationKind,
    ServiceKind,
    Severity,
    SurveillanceOutcome,
    SuspensionGround,
    TransferInfo,
    TransferStatus,
    TransferVerification,
)


def example(**values: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [values]})


# Field types


def _refused(kind: text.Kind) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and (found := text.fault(value, kind)) is not None:
            raise PydanticCustomError("text", "{reason}", {"reason": str(found)})
        return value  # anything else is pydantic's to refuse: a number, a list, null where text is due
    return BeforeValidator(check)


def _at_most(most: int) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, list | dict) and (found := text.count_fault(value, most)) is not None:
            raise PydanticCustomError("too_many", "{reason}", {"reason": str(found)})
        return value
    return BeforeValidator(check)


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: Any) -> Any:
    """Only ``YYYY-MM-DD``: pydantic's own dates also take Unix timestamps and dates with a time."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # a Python caller's own date; JSON never makes one
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date", "没有这一天 / there is no such day") from None
    raise PydanticCustomError("date", "日期须为 YYYY-MM-DD 格式的字符串 / a date is a string YYYY-MM-DD")


def _flag(value: Any) -> Any:
    """Only JSON ``true`` and ``false``: pydantic's own booleans also take ``"no"``, ``"off"``, ``0`` and ``1``."""
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("boolean", "应为 true 或 false / a boolean is JSON true or false")


Code = Annotated[str, _refused(text.CODE), Field(max_length=text.CODE.max_length)]
Number = Annotated[str, _refused(text.NUMBER), Field(max_length=text.NUMBER.max_length)]
Name = Annotated[str, _refused(text.NAME), Field(max_length=text.NAME.max_length)]
Line = Annotated[str, _refused(text.LINE), Field(max_length=text.LINE.max_length)]
Scope = Annotated[str, _refused(text.SCOPE), Field(max_length=text.SCOPE.max_length)]
Prose = Annotated[str, _refused(text.PROSE), Field(max_length=text.PROSE.max_length)]
T = TypeVar("T")
Items = Annotated[list[T], _at_most(text.ITEMS), Field(max_length=text.ITEMS)]
Day = Annotated[date, BeforeValidator(_day)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class Problem(BaseModel):
    """RFC 9457 problem details; a refused rule carries ``rule`` and ``clause``."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": "urn:cems-registry:problem:rule-violation", "title": "Refused by a rule", "status": 422,
        "detail": "audit time is 3.5 person-days; at least 4 are required", "rule": "R-TIME-1",
        "clause": "§8.3.3 (1)"}]})
    type: str
    title: str
    status: int
    detail: str
    rule: str | None = None
    clause: str | None = None
    field: str | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text, "content": {"application/problem+json": {}}}
    for status, text in ((400, "Malformed request"), (401, "No or bad token"),
                         (403, "Role not allowed, or separation of duties (R-SOD-1)"), (404, "Unknown"),
                         (409, "Step out of order (R-FLOW-1), concurrent change, or reused idempotency key"),
                         (422, "A field or a rule refuses"))
}


class Written(BaseModel):
    """What a write created, and the log position of its last event (read your write with ``?after=``)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"id": "3f2c…", "position": 42}]})
    position: int


# People and organisations


class PersonCreate(BaseModel):
    model_config = example(name="张伟")
    name: Name = Field(min_length=1)


class RegistrationCreate(BaseModel):
    model_config = example(kind="ccaa_cems_auditor", number="CCAA-2024-CEMS-0001", valid_from="2024-01-01",
                           valid_until="2027-12-31")
    kind: RegistrationKind
    number: Code = Field(min_length=1)
    valid_from: Day
    valid_until: Day


class ViolationCreate(BaseModel):
    model_config = example(on="2025-06-01", description="未按规定记录审核时间")
    on: Day
    description: Prose = Field(min_length=1)


class EvaluationCreate(BaseModel):
    model_config = example(on="2025-01-10", sectors=["电力", "钢铁"])
    on: Day
    sectors: Items[Name] = []


class ServiceCreate(BaseModel):
    model_config = example(client_uscc="91110000600037341L", kind="consulting", on="2025-03-01")
    client_uscc: Code
    kind: ServiceKind
    on: Day


class OrganizationCreate(BaseModel):
    model_config = example(uscc="91110000600037341L", name="北京绿能电力有限公司", address="北京市海淀区中关村大街1号")
    uscc: Code
    name: Name
    address: Line


class RectificationCreate(BaseModel):
    model_config = example(on="2026-05-01", evidence="整改报告及主管部门验收意见")
    on: Day = Field(description="not before the latest withdrawal (R-APP-5)")
    evidence: Prose = Field(min_length=1)


class WithdrawalElsewhereCreate(BaseModel):
    model_config = example(from_body="其他认证有限公司", certificate_number="OTHER-CEMS-2025-00107",
                           withdrawn_on="2026-04-20", source="认监委认证认可信息公共服务平台查询，2026-05-02")
    from_body: Name
    certificate_number: Code
    withdrawn_on: Day
    source: Prose = Field(description="where the body learned of the withdrawal (R-APP-5)")


# Cases


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Level
    method: Code = Field(description="e.g. iso_14064_1, iso_14067, iso_14064_2, project_methodology, "
                                     "large_event_guide, national_standard, sector_standard, group_standard")
    reference: Line = ""


class BasisIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    standard: Name = "CCAI-S-C06"
    version: Code = "2023"
    sector_requirements: Items[Name] | Name | None = None


class EmissionControlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    controlled: Flag = False
    cycles_completed: StrictInt = Field(default=0, ge=0, le=1000)


class OtherCertificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: Name
    certificate_number: Code
    valid_until: Day


class TransferVerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Prose = Field(description="the source consulted: the issuing body's or CNCA's public lookup (R-TRF-2)")
    checked_on: Day
    result: TransferStatus = Field(description="the status the source showed; the status recorded must be it")


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_body: Name
    certificate_number: Code
    status: TransferStatus
    valid_until: Day
    reason: Prose
    issued_on: Day | None = Field(default=None, description="the original's issue date; required (R-TRF-2): the "
                                                             "validity never runs beyond 3 years from it")
    verification: TransferVerificationIn | None = Field(default=None, description="required (R-TRF-2): the status "
                                                                                  "as the body verified it")

    def info(self) -> TransferInfo:
        """The domain's value: the verification as its own value object."""
        found = self.verification
        return TransferInfo(self.from_body, self.certificate_number, self.status, self.valid_until, self.reason,
                            self.issued_on, TransferVerification(found.source, found.checked_on, found.result)
                            if found is not None else None)


class CaseCreate(BaseModel):
    model_config = example(
        organization_uscc="91110000600037341L", kind="initial", applied_on="2026-03-02",
        scope="燃煤发电的碳排放管理活动", levels=[{"level": "organization", "method": "iso_14064_1"}],
        basis={"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": []},
        cems_operating_since="2025-09-01", emission_control={"controlled": True, "cycles_completed": 1},
        other_certifications=[{"system": "EnMS", "certificate_number": "EnMS-2024-001", "valid_until": "2027-01-01"}],
        incident_report_commitment=True)
    organization_uscc: Code
    kind: CaseKind
    applied_on: Day
    scope: Scope
    levels: Items[LevelIn]
    basis: BasisIn = BasisIn()
    cems_operating_since: Day
    emission_control: EmissionControlIn = EmissionControlIn()
    other_certifications: Items[OtherCertificationIn] = []
    incident_report_commitment: Flag
    permits: Prose = ""
    compliance_information: Prose = ""
    renewal_of: Number | None = None
    transfer: TransferIn | None = None
    sectors: Items[Name] = []  # R-TEAM-3: required by the rule (an empty list is refused with its id)


class SupplementCreate(BaseModel):
    model_config = example(requested_on="2026-03-03", missing=["carbon_review_report"], note="请补充碳评审报告")
    requested_on: Day
    missing: Items[Code]
    note: Prose = ""


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    information_sufficient: Flag
    requirements_understood: Flag
    competent_and_resourced: Flag


class AcceptanceCreate(BaseModel):
    model_config = example(decided_on="2026-03-05", accepted=True,
                           review={"information_sufficient": True, "requirements_understood": True,
                                   "competent_and_resourced": True}, reasons="资料齐全，予以受理")
    decided_on: Day
    accepted: Flag
    review: ReviewIn
    reasons: Prose = ""


class AgreementCreate(BaseModel):
    model_config = example(signed_on="2026-03-06", fee_paid_on="2026-03-06")
    signed_on: Day
    fee_paid_on: Day


# R-PREP-2, R-S1-2 (issue 23): the programme's basis and cycle, stage 1's off-site evidence


class ProgrammeBasisIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: Prose = ""
    scope: Prose = ""
    facilities_complexity: Prose = ""
    system_maturity: Prose = ""


class PlannedAuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audit: CycleAudit
    planned_by: Day
    person_days: Decimal = Field(max_digits=30)


class VerifiedYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: StrictInt = Field(ge=1900, le=9999)
    verifier: Name


class IntegratedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: Name
    standalone_person_days: Decimal = Field(max_digits=30)


class ProgrammeCreate(BaseModel):
    model_config = example(planned_on="2026-03-09", person_days=4,
                           integrated_with=[{"system": "ISO 14001", "standalone_person_days": 3}])
    planned_on: Day
    person_days: Decimal = Field(max_digits=30)
    integrated_with: Items[IntegratedIn] = []
    cems_standalone_person_days: Decimal = Field(Decimal(4), max_digits=30)
    basis: ProgrammeBasisIn | None = None  # R-PREP-2: required by the rule (refused with its id when absent)
    cycle: Items[PlannedAuditIn] = []
    justification: Prose = ""  # why fewer than 4 person-days (then a decision maker approves)


class TeamCreate(BaseModel):
    model_config = example(leader="6f1c1d8e-6a43-4a3e-9a8e-3c5b0c7e2a51", members=[], experts=[], on="2026-03-10")
    leader: UUID
    members: Items[UUID] = []
    experts: Items[UUID] = []
    on: Day


class Stage1Create(BaseModel):
    model_config = example(conducted_on="2026-03-16", on_site=True, findings="体系文件基本完整，已具备二阶段审核条件")
    conducted_on: Day
    on_site: Flag = True
    off_site_ground: OffSiteGround | None = None
    justification: Prose = ""
    findings: Prose = ""
    person_days: Decimal | None = Field(None, max_digits=30)  # R-PREP-2: required by the rule
    key_audit_points: Items[Line] = []  # R-S1-2: required by the rule
    document_review_rationale: Prose = ""  # off-site grounds 1 and 2
    verified_years: Items[VerifiedYearIn] = []  # off-site ground 3


class NonconformityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: Code
    severity: Severity
    description: Prose


class Stage2Create(BaseModel):
    model_config = example(conducted_on="2026-03-25",
                           nonconformities=[{"ref": "NC-1", "severity": "major", "description": "能源计量器具未校准"}])
    conducted_on: Day
    nonconformities: Annotated[list[NonconformityIn], _at_most(text.FINDINGS), Field(max_length=text.FINDINGS)] = []
    on_site: Flag = True
    person_days: Decimal | None = Field(None, max_digits=30)  # R-PREP-2: required by the rule


class ClosureCreate(BaseModel):
    model_config = example(closed_on="2026-04-01", evidence="计量器具校准证书")
    closed_on: Day
    evidence: Prose


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: Name
    unit: Code
    baseline: Decimal = Field(max_digits=30)
    target: Decimal = Field(max_digits=30)
    actual: Decimal = Field(max_digits=30)


class RecertificationIn(BaseModel):
    """The four items of §9.2.2 a renewal's report covers (R-RECERT-2)."""

    model_config = ConfigDict(extra="forbid")
    system_effectiveness_and_scope: Prose = ""
    policy_and_targets: Prose = ""
    performance_and_boundary: Prose = ""
    actual_reductions: Prose = ""


class ReportCreate(BaseModel):
    model_config = example(
        submitted_on="2026-03-28",
        focus_points={"legal_compliance": "符合", "system_conformity": "符合", "key_points_control": "有效",
                      "targets_and_control": "已完成", "carbon_review": "充分", "performance_parameters": "适宜",
                      "targets_achievement": "已实现", "deviation_handling": "已分析", "self_improvement": "持续有效"},
        quantified_performance=[{"indicator": "单位发电量碳排放", "unit": "tCO2/MWh", "baseline": "0.85",
                                 "target": "0.80", "actual": "0.79"}],
        measurement_and_verification="依据GB/T 32151核算，抽样核对燃料台账与购售电发票",
        improvement_evaluation="体系运行有效促进了碳绩效持续改进")
    submitted_on: Day
    focus_points: Annotated[dict[Code, Prose], _at_most(text.ITEMS), Field(max_length=text.ITEMS)]
    quantified_performance: Items[IndicatorIn] = []
    measurement_and_verification: Prose = ""
    improvement_evaluation: Prose = ""
    cycle_effectiveness: Prose = ""
    actual_reductions: Prose = ""
    recertification: RecertificationIn | None = None  # R-RECERT-2: a renewal's four items of §9.2.2


class ConditionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    legal_compliance: Flag | None = None
    sector_requirements: Flag | None = None
    management_improved: Flag | None = None
    no_penalty: Flag | None = None


class DecisionCreate(BaseModel):
    model_config = example(decided_on="2026-04-03", grant=True,
                           conditions={"legal_compliance": True, "sector_requirements": None,
                                       "management_improved": True, "no_penalty": True},
                           reasons="满足认证决定条件，批准注册")
    decided_on: Day
    grant: Flag
    conditions: ConditionsIn
    reasons: Prose = ""


# Certificates


class SurveillanceContentIn(BaseModel):
    """The five items of §9.1.3 a surveillance audit's report covers (R-SURV-5)."""

    model_config = ConfigDict(extra="forbid")
    operation_and_changes: Prose = ""
    performance_and_changes: Prose = ""
    compliance_evaluation: Prose = ""
    targets_and_reductions: Prose = ""
    corrective_actions: Prose = ""


class SurveillanceNonconformityIn(NonconformityIn):
    due_by: Day | None = None  # R-SURV-5: by when it is corrected


class ProgrammeSurveillanceCreate(BaseModel):
    model_config = example(frequency_months=6, basis="排放设施复杂、体系成熟度较低，每6个月监督一次")
    frequency_months: StrictInt
    basis: Prose
    on: Day | None = Field(default=None, description="the programme's date; today when not given")


class IncidentCreate(BaseModel):
    model_config = example(kind="major_change", occurred_on="2027-05-02", reported_on="2027-05-10",
                           description="新增燃气锅炉，碳排放边界变化", additional_audit_due_by="2027-07-10")
    kind: IncidentKind
    occurred_on: Day
    reported_on: Day
    description: Prose
    additional_audit_due_by: Day


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leader: UUID
    members: Items[UUID] = []


class SurveillanceCreate(BaseModel):
    model_config = example(
        conducted_on="2027-03-20", team={"leader": "6f1c1d8e-6a43-4a3e-9a8e-3c5b0c7e2a51", "members": []},
        outcome="nonconformities", additional=False, reason="", on_site=True,
        content={"operation_and_changes": "体系运行正常，新增一台燃气锅炉",
                 "performance_and_changes": "单位产品排放下降3%", "compliance_evaluation": "合规义务履行良好",
                 "targets_and_reductions": "年度减排目标按计划推进", "corrective_actions": "上次不符合项已有效关闭"},
        nonconformities=[{"ref": "S1-1", "severity": "minor", "description": "计量器具台账未更新",
                          "due_by": "2027-04-20"}],
        person_days="2")
    conducted_on: Day
    team: TeamIn
    outcome: SurveillanceOutcome = SurveillanceOutcome.MAINTAINED
    additional: Flag = False
    reason: Prose = ""
    # R-SURV-5 (issue 23): required by the rule, which the registry checks and refuses naming it (docs/API-NOTES.md).
    on_site: Flag = True
    content: SurveillanceContentIn | None = None
    nonconformities: Annotated[list[SurveillanceNonconformityIn], _at_most(text.FINDINGS),
                               Field(max_length=text.FINDINGS)] = []
    person_days: Decimal | None = Field(default=None, max_digits=12)


class ChangesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    address: Line | None = None
    scope: Scope | None = None
    process: Prose | None = None
    materials: Prose | None = None


class ChangeRequestCreate(BaseModel):
    model_config = example(requested_on="2026-09-10", changed_on="2026-09-05",
                           changes={"name": "北京绿能新能源有限公司"})
    requested_on: Day
    changed_on: Day
    changes: ChangesIn


class ChangeCreate(BaseModel):
    model_config = example(request_id="0d5c2f6e-8a1b-4c3d-9e7f-5a6b7c8d9e0f", changed_on="2026-09-20")
    request_id: UUID
    changed_on: Day


class MeasureCreate(BaseModel):
    model_config = example(on="2026-10-01", known_on="2026-09-28", ground="enforcement_penalty",
                           detail="获证组织在证书有效期内受到生态环境部门行政处罚")
    on: Day
    known_on: Day
    ground: SuspensionGround
    detail: Prose = ""


class GroundCreate(BaseModel):
    model_config = example(ground="enforcement_penalty", known_on="2026-09-28",
                           source="生态环境局行政处罚决定书（某环罚〔2026〕12号），客户于当日报告",
                           detail="获证组织在证书有效期内受到生态环境部门行政处罚")
    ground: SuspensionGround
    known_on: Day = Field(description="when the body learned of the ground; R-SUS-1's 7 days run from it (R-SUS-3)")
    source: Prose = Field(description="who reported it, or where the body learned of it (R-SUS-3)")
    detail: Prose = ""


class ReinstatementCreate(BaseModel):
    model_config = example(on="2026-10-20", evidence="纠正措施已验证有效")
    on: Day
    evidence: Prose


class CancellationCreate(BaseModel):
    model_config = example(on="2026-11-02", ground="client_request", detail="企业停产，申请注销")
    on: Day
    ground: CancellationGround
    detail: Prose = ""
    trigger_on: Day | None = Field(default=None, description="the trigger's date: the client's request, or the "
                                                              "other ground's; R-CAN-1 counts 30 days from it. "
                                                              "Required but for an expiry, whose date the registry "
                                                              "knows (R-CAN-2)")


# Reads


class HistoryEvent(BaseModel):
    position: int
    type: str
    record: str
    record_id: UUID
    version: int
    effective_on: date | None
    recorded_at: datetime
    actor: dict[str, Any]
    data: dict[str, Any]
    leaf_hash: str = Field(description="hex SHA-256: the event's leaf in the log's Merkle tree (RFC 9162), to ask "
                                       "/api/v1/log/proofs/inclusion for its proof")
    corrections: list[dict[str, Any]] = Field(default=[], description=(
        "R-REC-6: the later corrections of this event's fields, oldest first, each {field, value, was, position, "
        "reason, on}; data stays as recorded (the leaf hash proves it), a view shows each field's latest value"))


class History(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"events": [{
        "position": 7, "type": "Suspended", "record": "certificate", "record_id": "0d5c…", "version": 3,
        "effective_on": "2026-10-01", "recorded_at": "2026-10-01T02:00:00+00:00",
        "actor": {"person": "6f1c…", "role": "decision"},
        "data": {"ground": "enforcement_penalty", "detail": "受到行政处罚", "due_by": "2026-10-05", "late": False},
        "leaf_hash": "5d1e0b27f9c3a8e4b6d2f0a1c9e7b5d3a1f8e6c4b2a0d9f7e5c3b1a9f8e7d6c5"}]}]})
    events: list[HistoryEvent]


class KeyPublic(BaseModel):
    key_id: str = Field(description="the first 16 hex digits of SHA-256 of the raw public key")
    algorithm: str = Field(description="always Ed25519")
    public_key: str = Field(description="standard base64 of the raw 32-byte public key")
    use: str = Field(description="qr (the tokens in verify_url) or checkpoint (the log's signed checkpoints)")
    valid_from: str | None = Field(description="when the key became current (YYYY-MM-DDTHH:MM:SSZ); null for a key "
                                               "made before keys were recorded")
    valid_until: str | None = Field(description="when the key was retired (YYYY-MM-DDTHH:MM:SSZ); null while it is "
                                                "current. A retired key still checks what it signed while current")
    note_verifier_key: str | None = Field(description="for a checkpoint key: the C2SP verifier key "
                                          "(<origin>+<hex key id>+<base64(0x01 ‖ key)>) that Go's sumdb/note "
                                          "note.NewVerifier takes, to verify GET /log/checkpoint; null for a QR key")


class KeysPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"keys": [{
        "key_id": "3f9a2c71d04b8e65", "algorithm": "Ed25519",
        "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "use": "qr",
        "valid_from": "2026-11-01T02:00:00Z", "valid_until": None}, {
        "key_id": "a05c39e1b7d24f86", "algorithm": "Ed25519",
        "public_key": "Jm2h3sVqS0b7cO4dYw0XGJb1u3mKZL0nY7u3iXW0a8Q=", "use": "qr",
        "valid_from": "2025-03-14T08:30:00Z", "valid_until": "2026-11-01T02:00:00Z"}]}]})
    keys: list[KeyPublic]


# The log (R-REC-4)


class CheckpointOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "size": 1024, "root_hash": "2bd5a3b3c4f0…", "timestamp": "2026-11-24T02:00:01Z", "key_id": "9c1e44d07a3b2f18",
        "origin": "registry.example.cn/log", "note": "registry.example.cn/log\n1024\nK9Wjs8Tw…=\n",
        "signature": "m3J0…==", "timestamp_signature": "Zk1v…==",
        "signed_note": "registry.example.cn/log\n1024\nK9Wjs8Tw…=\n\n— registry.example.cn/log 3Wq…=\n"
                       "— registry.example.cn/log Pz8…==\n"}]})
    size: int = Field(description="leaves in the tree")
    root_hash: str = Field(description="hex SHA-256: the RFC 9162 root of the tree of `size` leaves")
    timestamp: str = Field(description="ISO 8601 UTC, whole seconds")
    key_id: str = Field(description="the signing key, as /api/v1/public/keys lists it (use checkpoint)")
    origin: str = Field(description="the log's origin: the first line of the note")
    note: str = Field(description="the signed text, a C2SP checkpoint body: origin, size, base64 root, each + \\n")
    signature: str = Field(description="base64 Ed25519 over the UTF-8 bytes of `note`")
    timestamp_signature: str = Field(description="base64 Ed25519 over 'cosignature/v1\\ntime <Unix seconds>\\n' "
                                                 "followed by `note` (C2SP tlog-cosignature): the time, signed")
    signed_note: str | None = Field(description="the checkpoint as a C2SP signed note, as GET /log/checkpoint serves "
                                                "it: `note`, a blank line, the log's signature line (key name: the "
                                                "origin) and its time's cosignature/v1 line, then the witnesses' "
                                                "cosignature/v1 lines; null when its key is no longer published")
    witnessed: bool = Field(False, description="whether the quorum of the configured witnesses (REGISTRY_WITNESSES, "
                                               "REGISTRY_WITNESS_QUORUM) cosigned it; false when none is configured")
    cosigners: list[str] = Field(default_factory=list, description="the configured witnesses that cosigned it")
    witnesses: int = Field(0, description="how many witnesses are configured")
    witness_quorum: int = Field(0, description="how many of them must cosign a checkpoint for it to be witnessed")


class CheckpointsOut(BaseModel):
    items: list[CheckpointOut]


class LogEntry(BaseModel):
    leaf_index: int = Field(description="0-based, no gaps")
    position: int = Field(description="the event's log position (may have gaps)")
    leaf_hash: str = Field(description="hex SHA-256(0x00 ‖ entry)")
    entry: str = Field(description="base64 of the entry bytes (docs/API-NOTES.md: position, originator id, "
                                   "version, topic, stored state)")
    originator_id: str
    version: int
    topic: str


class LogEntries(BaseModel):
    start: int
    end: int
    tree_size: int
    entries: list[LogEntry]


class InclusionProof(BaseModel):
    leaf_index: int = Field(description="0-based")
    tree_size: int
    leaf_hash: str
    audit_path: list[str] = Field(description="hex, RFC 9162 §2.1.3.1 order (from the leaf up)")
    root_hash: str = Field(description="the root the path leads to (compare it with a signed checkpoint's)")


class ConsistencyProof(BaseModel):
    first: int
    second: int
    consistency_path: list[str] = Field(description="hex, RFC 9162 §2.1.4.1")
    first_root_hash: str
    second_root_hash: str


# Public


class OrganizationPublic(BaseModel):
    name: str
    address: str
    uscc: str


class LevelPublic(BaseModel):
    level: str
    method: str


class BasisPublic(BaseModel):
    standard: str
    version: str
    sector_requirements: list[str]


class IssuerPublic(BaseModel):
    name: str
    address: str
    code: str


class AuditPublic(BaseModel):
    conducted_on: date
    outcome: str


class SurveillancePublic(BaseModel):
    next_due_by: date
    audits: list[AuditPublic]
    overdue: bool


class StatusChange(BaseModel):
    since: date
    status: str


class PublicCertificate(BaseModel):
    """One certificate as anyone may see it: the §10.1 contents, status and surveillance."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "number": "CB-CEMS-2026-00001", "status": "valid", "status_since": "2026-03-31", "suspension_ground": None,
        "organization": {"name": "北京绿能电力有限公司", "address": "北京市海淀区中关村大街1号",
                         "uscc": "91110000600037341L"},
        "scope": "燃煤发电的碳排放管理活动", "levels": [{"level": "organization", "method": "iso_14064_1"}],
        "basis": {"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": []},
        "issued_on": "2026-03-31", "valid_until": "2029-03-30",
        "issuer": {"name": "示例认证有限公司", "address": "北京市朝阳区示例路1号", "code": "CB"},
        "surveillance": {"next_due_by": "2027-03-31", "audits": [], "overdue": False},
        "status_history": [{"since": "2026-03-31", "status": "valid"}], "version": 1, "renews": None,
        "renewed_by": None, "verify_url": "https://registry.example/verify/CB-CEMS-2026-00001?t=…"}]})
    number: str
    status: str
    status_since: date
    suspension_ground: str | None = None
    organization: OrganizationPublic
    scope: str
    levels: list[LevelPublic]
    basis: BasisPublic
    issued_on: date
    valid_until: date
    issuer: IssuerPublic
    surveillance: SurveillancePublic
    status_history: list[StatusChange] | None = None
    version: int
    renews: str | None = None
    renewed_by: str | None = None
    verify_url: str


class SearchItem(BaseModel):
    number: str
    status: str
    organization: dict[str, str]
    valid_until: date


class SearchResults(BaseModel):
    items: list[SearchItem]
    total: int
    page: int
    page_size: int


LookupEntry = Annotated[str, Field(max_length=200)]


class BulkLookup(BaseModel):
    """Certificate numbers (any case) and USCCs to check at once: at most 1,000 in all (R-PUB-1)."""

    model_config = example(numbers=["CB-CEMS-2026-00001", "CB-CEMS-2026-99999"], usccs=["91350100M000100Y43"])
    numbers: list[LookupEntry] = Field(default_factory=list)
    usccs: list[LookupEntry] = Field(default_factory=list)


class LookupOrganization(BaseModel):
    name: str
    uscc: str


class LookupItem(BaseModel):
    """One entry asked and one certificate it found (a USCC may find several), or ``found: false``."""

    query: str
    found: bool
    number: str | None
    status: str | None
    valid_until: date | None
    organization: LookupOrganization | None


class BulkLookupResults(BaseModel):
    items: list[LookupItem]


# Users (admin)

StaffRole = Literal["intake", "auditor", "decision", "admin", "regulator"]


class UserCreate(BaseModel):
    """A new user, or a revoked user's name given access again (with these roles and a new token)."""

    model_config = example(name="受理员", roles=["intake"])
    name: Name = Field(min_length=1)
    roles: list[StaffRole] = Field(min_length=1, max_length=5)
    person: UUID | None = Field(None, description="an existing person; a new person is recorded otherwise (a "
                                                  "revoked user added again keeps its own)")


class UserPassword(BaseModel):
    """A new office password for the user, set by an admin: hashed at once, never recorded nor answered."""

    model_config = example(password="一个足够长的口令 a long passphrase")
    password: str = Field(min_length=8, max_length=256, description="8 to 256 characters; the previous password and "
                                                                     "every office session signed in with it stop "
                                                                     "working")


class UserRoles(BaseModel):
    """The roles an active user holds from now on."""

    model_config = example(roles=["intake", "decision"])
    roles: list[StaffRole] = Field(min_length=1, max_length=5)


class UserPublic(BaseModel):
    """A user as the registry shows it: never its token, nor the token's digest."""

    id: UUID
    name: str
    roles: list[str]
    person: UUID
    active: bool
    token_issued_at: datetime | None
    has_password: bool = Field(False, description="whether the user has an office password (never the password)")


class UserList(BaseModel):
    items: list[UserPublic]
    total: int


class TokenIssued(BaseModel):
    """A write that issued a token: ``token`` is shown in this answer only (``null`` in an idempotent replay: the
    registry keeps its digest alone)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"position": 42, "id": "3f2c…", "person": "9a1b…",
                                                               "token": "reg_…"}]})
    position: int
    id: UUID
    person: UUID | None = None
    token: str | None


# People, sectors and the programme's approval (issue 23: R-STAFF-1, R-TEAM-3, R-PREP-2)


class QualificationCreate(BaseModel):
    model_config = example(kind="training", subject="life_cycle_assessment", on="2024-05-20",
                           detail="生命周期评价培训 24 学时")
    kind: QualificationKind
    subject: Name = Field(min_length=1)
    on: Day
    detail: Prose = ""


class SectorCreate(BaseModel):
    model_config = example(name="钢铁", code="C31")
    name: Name = Field(min_length=1)
    code: Code = Field(min_length=1)


class SectorPublic(BaseModel):
    name: str
    code: str


class SectorList(BaseModel):
    sectors: list[SectorPublic]


class SectorsCreate(BaseModel):
    model_config = example(sectors=["电力"], on="2026-03-06")
    sectors: Items[Name] = []  # R-TEAM-3: at least one, each listed (refused with the rule's id otherwise)
    on: Day | None = Field(default=None, description="the date recorded; today when not given")


class ProgrammeApprovalCreate(BaseModel):
    model_config = example(approved_on="2026-03-08", note="组织规模小、排放源单一，同意按 3.5 人日实施")
    approved_on: Day
    note: Prose = ""
