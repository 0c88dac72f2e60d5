"""The records a case or a certificate keeps besides its steps (§13): corrections of what an event said (R-REC-6),
made in the role of the corrected step (on a person's or an organisation's record too), and the scans of signed
paper originals (R-REC-3), in a non-editable format (R-REC-5). Both are new events; nothing recorded is edited."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Intake, Reader, RegistryDep, StepWriters, Writer, role_doc
from api.downloads import attachment
from api.problems import PayloadTooLarge
from api.record_schemas import CorrectionCreate
from api.schemas import Day, Line, Prose, Written
from registry.commands import Correct, FilePaperOriginal
from registry.documents import content_address

router = APIRouter(tags=["records · 记录"])

CORRECTION = role_doc("the role of the corrected step (被更正步骤的角色)")
SHA256 = Annotated[str, Path(pattern="^[0-9a-fA-F]{64}$")]
FILED = role_doc("intake") | {"requestBody": {"content": {"multipart/form-data": {"example": {
    "description": "认证决定书（签字原件）", "held_at": "档案室A区3号柜", "on": "2026-11-24",
    "file": "(扫描件 PDF 或图像的内容)"}}}}}


async def _correct(kind: str, key: str, body: CorrectionCreate, writers: StepWriters) -> dict[str, Any]:
    writer = writers(Correct.role)
    corrected = await run_in_threadpool(writer.registry.corrected_event, kind, key, body.corrects)
    role = corrected.actor.role
    command = Correct(kind, key, body.corrects, body.changes, body.reason, role, body.on)
    return await writers(role).run(command, body)


@router.post("/api/v1/cases/{case_id}/corrections", status_code=201, response_model=Written,
             openapi_extra=CORRECTION,
             summary="Correct what an event of the case said: a new event naming it, who and why; the case and its "
                     "history show the corrected value, and the history both (R-REC-6)")
async def correct_case(case_id: UUID, body: CorrectionCreate, writers: StepWriters, _: Reader) -> dict[str, Any]:
    return await _correct("case", str(case_id), body, writers)


@router.post("/api/v1/certificates/{number}/corrections", status_code=201, response_model=Written,
             openapi_extra=CORRECTION,
             summary="Correct what an event of the certificate said (a ground's source or detail, a measure's "
                     "detail, evidence, an incident's description): a new event naming it (R-REC-6)")
async def correct_certificate(number: str, body: CorrectionCreate, writers: StepWriters,
                              _: Reader) -> dict[str, Any]:
    return await _correct("certificate", number, body, writers)


@router.post("/api/v1/people/{person_id}/corrections", status_code=201, response_model=Written,
             openapi_extra=CORRECTION,
             summary="Correct what an event of a person's record said (a violation's description, a qualification's "
                     "detail): a new event naming it; the person's view shows the corrected value (R-REC-6)")
async def correct_person(person_id: UUID, body: CorrectionCreate, writers: StepWriters,
                         _: Reader) -> dict[str, Any]:
    return await _correct("person", str(person_id), body, writers)


@router.post("/api/v1/organizations/{uscc}/corrections", status_code=201, response_model=Written,
             openapi_extra=CORRECTION,
             summary="Correct what an event of an organisation's record said (a rectification's evidence, the source "
                     "of a withdrawal by another body): a new event naming it (R-REC-6)")
async def correct_organization(uscc: str, body: CorrectionCreate, writers: StepWriters,
                               _: Reader) -> dict[str, Any]:
    return await _correct("organization", uscc, body, writers)


async def _file(kind: str, key: str, description: str, held_at: str, on: Any, file: UploadFile,
                w: Writer) -> dict[str, Any]:
    limit: int = w.request.app.state.settings.max_upload_bytes
    scan = await file.read(limit + 1)
    if len(scan) > limit:
        raise PayloadTooLarge(f"扫描件最多 {limit} 字节 / a scan may have at most {limit} bytes")
    sha256 = await run_in_threadpool(content_address, scan)
    payload = {"description": description, "held_at": held_at, "on": on and on.isoformat(), "sha256": sha256}
    return await w.run(FilePaperOriginal(kind, key, scan, description, held_at, on), payload, sha256="sha256")


@router.post("/api/v1/cases/{case_id}/paper-originals", status_code=201, response_model=Written,
             openapi_extra=FILED,
             summary="File the scan (PDF or image) of a signed paper original of the case, with where the original "
                     "is held; answers its SHA-256 (R-REC-3, R-REC-5)")
async def file_case_original(case_id: UUID, description: Annotated[Prose, Form()], held_at: Annotated[Line, Form()],
                             file: Annotated[UploadFile, File()], w: Intake,
                             on: Annotated[Day | None, Form()] = None) -> dict[str, Any]:
    return await _file("case", str(case_id), description, held_at, on, file, w)


@router.post("/api/v1/certificates/{number}/paper-originals", status_code=201, response_model=Written,
             openapi_extra=FILED,
             summary="File the scan (PDF or image) of a signed paper original of the certificate, with where the "
                     "original is held; answers its SHA-256 (R-REC-3, R-REC-5)")
async def file_certificate_original(number: str, description: Annotated[Prose, Form()],
                                    held_at: Annotated[Line, Form()], file: Annotated[UploadFile, File()], w: Intake,
                                    on: Annotated[Day | None, Form()] = None) -> dict[str, Any]:
    return await _file("certificate", number, description, held_at, on, file, w)


@router.get("/api/v1/cases/{case_id}/paper-originals/{sha256}", response_class=Response,
            openapi_extra=role_doc("any staff", "regulator"), summary="Download a paper original's scan (R-REC-3)")
def case_original(case_id: UUID, sha256: SHA256, registry: RegistryDep, _: Reader) -> Response:
    return attachment(registry.paper_original("case", str(case_id), sha256.lower()))


@router.get("/api/v1/certificates/{number}/paper-originals/{sha256}", response_class=Response,
            openapi_extra=role_doc("any staff", "regulator"), summary="Download a paper original's scan (R-REC-3)")
def certificate_original(number: str, sha256: SHA256, registry: RegistryDep, _: Reader) -> Response:
    return attachment(registry.paper_original("certificate", number, sha256.lower()))
