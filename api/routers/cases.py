"""Certification cases: application, documents, acceptance, agreement, programme, team, audit, report, decision."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Admin, Auditor, Decision, Intake, Reader, RegistryDep, role_doc
from api.downloads import attachment
from api.inputs import AsOf
from api.problems import PayloadTooLarge
from api.schemas import (
    AcceptanceCreate,
    AgreementCreate,
    CaseCreate,
    ClosureCreate,
    Code,
    Day,
    DecisionCreate,
    ProgrammeApprovalCreate,
    ProgrammeCreate,
    ReportCreate,
    SectorsCreate,
    Stage1Create,
    Stage2Create,
    SupplementCreate,
    TeamCreate,
    Written,
)
from registry.commands import (
    Apply,
    AppointTeam,
    ApproveProgramme,
    CloseNonconformity,
    ConductStage1,
    ConductStage2,
    Decide,
    DecideAcceptance,
    PlanProgramme,
    ReceiveDocument,
    RecordSectors,
    RequestSupplement,
    SignAgreement,
    SubmitReport,
)
from registry.documents import content_address
from registry.text import document_content_type, document_file_name
from registry.values import (
    Basis,
    EmissionControl,
    IntegratedSystem,
    Method,
    Nonconformity,
    OtherCertification,
    PerformanceIndicator,
    PlannedAudit,
    ProgrammeBasis,
    Review,
    ScopeLevel,
    VerifiedYear,
)
from registry.views import CaseView

router = APIRouter(prefix="/api/v1/cases", tags=["cases · 认证案例"])
INTAKE, AUDITOR, TEAM = role_doc("intake"), role_doc("auditor"), role_doc("auditor (a member of the case's team)")


def _basis(body: CaseCreate) -> Basis:
    sectors = body.basis.sector_requirements
    listed = (sectors,) if isinstance(sectors, str) and sectors.strip() else tuple(sectors or ())
    return Basis(standard=body.basis.standard, version=body.basis.version,
                 sector_requirements=tuple(s for s in listed if isinstance(s, str) and s.strip()))


@router.post("", status_code=201, response_model=Written, openapi_extra=INTAKE,
             summary="Record an application (every application is recorded, eligible or not)")
async def apply(body: CaseCreate, w: Intake) -> dict[str, Any]:
    return await w.run(Apply(
        organization_uscc=body.organization_uscc, kind=body.kind, applied_on=body.applied_on, scope=body.scope,
        levels=[ScopeLevel(lv.level, Method.parse(lv.method, f"levels.{i}.method"), lv.reference)
                for i, lv in enumerate(body.levels)],
        basis=_basis(body), cems_operating_since=body.cems_operating_since,
        emission_control=EmissionControl(body.emission_control.controlled, body.emission_control.cycles_completed),
        other_certifications=[OtherCertification(c.system, c.certificate_number, c.valid_until)
                              for c in body.other_certifications],
        incident_report_commitment=body.incident_report_commitment, permits=body.permits,
        compliance_information=body.compliance_information, renewal_of=body.renewal_of,
        transfer=body.transfer.info() if body.transfer else None, sectors=body.sectors), body,
        id="case")


@router.get("/{case_id}", response_model=CaseView, openapi_extra=role_doc("any staff", "regulator"),
            summary="A case: stage, missing documents, eligibility, open deadlines, team, findings")
def get(case_id: UUID, registry: RegistryDep, _: Reader, as_of: AsOf) -> CaseView:
    return registry.get_case(case_id, as_of)


HASH_INLINE = 256 * 1024  # bytes hashed on the event loop itself (about a quarter of a millisecond)
UPLOAD_EXAMPLE = {"requestBody": {"content": {"multipart/form-data": {"example": {
    "kind": "carbon_review_report", "received_on": "2026-03-03", "file": "(碳评审报告.pdf 的内容)"}}}}}


@router.post("/{case_id}/documents", status_code=201, response_model=Written, openapi_extra=INTAKE | UPLOAD_EXAMPLE,
             summary="Upload one of the eleven §8.1 documents (multipart); answers its SHA-256")
async def document(case_id: UUID, kind: Annotated[Code, Form()], received_on: Annotated[Day, Form()],
                   file: Annotated[UploadFile, File()], w: Intake) -> dict[str, Any]:
    limit: int = w.request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"文件过大：每份文件至多 {limit} 字节 / a document may have at most {limit} bytes")
    # What the sender's software says of the file is recorded without its folder and refused characters, under a
    # document type (a browser will never be handed it as a page); the bytes and their SHA-256 are as sent.
    content_type, filename = document_content_type(file.content_type), document_file_name(file.filename)
    # A large file is hashed in a thread: this coroutine runs on the loop that serves every other request.
    sha256 = content_address(content) if len(content) <= HASH_INLINE else await run_in_threadpool(content_address,
                                                                                                 content)
    payload = {"kind": kind, "received_on": received_on.isoformat(), "sha256": sha256, "filename": filename,
               "content_type": content_type}
    return await w.run(ReceiveDocument(case_id, kind, received_on, content, content_type, filename), payload,
                       sha256="sha256")


@router.get("/{case_id}/documents/{sha256}", response_class=Response,
            openapi_extra=role_doc("any staff", "regulator"),
            responses={200: {"content": {"application/pdf": {}, "application/octet-stream": {}},
                             "description": "the stored bytes, an attachment named as received"}},
            summary="Download a document the case received (a passive type as itself, any other as octet-stream)")
def download(case_id: UUID, sha256: Annotated[str, Path(pattern="^[0-9a-fA-F]{64}$")], registry: RegistryDep,
             _: Reader) -> Response:
    return attachment(registry.case_document(case_id, sha256.lower()))


@router.post("/{case_id}/supplement-requests", status_code=201, response_model=Written, openapi_extra=INTAKE,
             summary="Ask for missing documents (R-ACC-2)")
async def supplement(case_id: UUID, body: SupplementCreate, w: Intake) -> dict[str, Any]:
    return await w.run(RequestSupplement(case_id, body.requested_on, body.missing, body.note), body)


@router.post("/{case_id}/acceptance", response_model=Written, openapi_extra=INTAKE,
             summary="Accept or not accept (R-ACC-1, R-ACC-2, R-APP-2..4, R-SOD-1)")
async def acceptance(case_id: UUID, body: AcceptanceCreate, w: Intake) -> dict[str, Any]:
    return await w.run(DecideAcceptance(case_id, body.decided_on, body.accepted, Review(**body.review.model_dump()),
                                        body.reasons), body)


@router.post("/{case_id}/agreement", response_model=Written, openapi_extra=INTAKE,
             summary="The certification agreement signed and the fee paid (R-ACC-3)")
async def agreement(case_id: UUID, body: AgreementCreate, w: Intake) -> dict[str, Any]:
    return await w.run(SignAgreement(case_id, body.signed_on, body.fee_paid_on), body)


@router.post("/{case_id}/programme", response_model=Written, openapi_extra=AUDITOR,
             summary="The audit programme: its basis, the whole cycle and its time (R-PREP-1, R-PREP-2, R-TIME-1, "
                     "R-TIME-2)")
async def programme(case_id: UUID, body: ProgrammeCreate, w: Auditor) -> dict[str, Any]:
    integrated = [IntegratedSystem(s.system, s.standalone_person_days) for s in body.integrated_with]
    basis = ProgrammeBasis(**body.basis.model_dump()) if body.basis else None
    cycle = [PlannedAudit(a.audit, a.planned_by, a.person_days) for a in body.cycle]
    return await w.run(PlanProgramme(case_id, body.planned_on, body.person_days, integrated,
                                     body.cems_standalone_person_days, basis, cycle, body.justification), body)


@router.post("/{case_id}/programme/approval", response_model=Written, openapi_extra=role_doc("decision"),
             summary="A decision maker approves a programme of fewer than 4 person-days, before the audit (R-PREP-2)")
async def programme_approval(case_id: UUID, body: ProgrammeApprovalCreate, w: Decision) -> dict[str, Any]:
    return await w.run(ApproveProgramme(case_id, body.approved_on, body.note), body)


@router.post("/{case_id}/sectors", response_model=Written, openapi_extra=INTAKE,
             summary="The sectors of the case's scope, from the body's list, before the team is appointed (R-TEAM-3)")
async def sectors(case_id: UUID, body: SectorsCreate, w: Intake) -> dict[str, Any]:
    return await w.run(RecordSectors(case_id, body.sectors, body.on), body)


@router.post("/{case_id}/team", response_model=Written, openapi_extra=role_doc("admin"),
             summary="Appoint the audit team (R-TEAM-1, R-TEAM-2, R-SOD-1)")
async def team(case_id: UUID, body: TeamCreate, w: Admin) -> dict[str, Any]:
    return await w.run(AppointTeam(case_id, body.leader, body.on, body.members, body.experts), body)


@router.post("/{case_id}/stage1", response_model=Written, openapi_extra=TEAM,
             summary="Stage 1, on site unless a ground is recorded; key audit points, off-site evidence, person-days "
                     "(R-S1-1, R-S1-2, R-PREP-2, R-TEAM-2)")
async def stage1(case_id: UUID, body: Stage1Create, w: Auditor) -> dict[str, Any]:
    years = [VerifiedYear(y.year, y.verifier) for y in body.verified_years]
    return await w.run(ConductStage1(case_id, body.conducted_on, body.on_site, body.off_site_ground,
                                     body.justification, body.findings, body.person_days, body.key_audit_points,
                                     body.document_review_rationale, years), body)


@router.post("/{case_id}/stage2", response_model=Written, openapi_extra=TEAM,
             summary="Stage 2, on site, after stage 1, with its person-days (R-S2-1, R-PREP-2, R-TEAM-2)")
async def stage2(case_id: UUID, body: Stage2Create, w: Auditor) -> dict[str, Any]:
    findings = [Nonconformity(n.ref, n.severity, n.description) for n in body.nonconformities]
    return await w.run(ConductStage2(case_id, body.conducted_on, findings, body.on_site, body.person_days), body)


@router.post("/{case_id}/nonconformities/{ref}/closure", response_model=Written, openapi_extra=TEAM,
             summary="Close a nonconformity with its evidence")
async def closure(case_id: UUID, ref: str, body: ClosureCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(CloseNonconformity(case_id, ref, body.closed_on, body.evidence), body)


@router.post("/{case_id}/report", response_model=Written, openapi_extra=TEAM,
             summary="The audit report (R-REP-1: what it lacks is recorded and bars a decision)")
async def report(case_id: UUID, body: ReportCreate, w: Auditor) -> dict[str, Any]:
    indicators = [PerformanceIndicator(i.indicator, i.unit, i.baseline, i.target, i.actual)
                  for i in body.quantified_performance]
    return await w.run(SubmitReport(case_id, body.submitted_on, body.focus_points, indicators,
                                    body.measurement_and_verification, body.improvement_evaluation,
                                    body.cycle_effectiveness, body.actual_reductions,
                                    body.recertification.model_dump() if body.recertification else None), body)


@router.post("/{case_id}/decision", response_model=Written, openapi_extra=role_doc("decision"),
             summary="Grant or refuse (R-DEC-1, R-SOD-1); a grant answers the certificate number")
async def decision(case_id: UUID, body: DecisionCreate, w: Decision) -> dict[str, Any]:
    return await w.run(Decide(case_id, body.decided_on, body.grant, body.conditions.model_dump(), body.reasons), body,
                       certificate_number="certificate_number")
