"""The records a record's page keeps besides its steps (§13): a correction of what one of its events said (R-REC-6),
offered to the role that took the step (on a case's, a certificate's, a person's or an organisation's page), and the
scans of signed paper originals (R-REC-3),
filed by intake and downloaded by anyone who reads the page. The page includes ``office/_records.html``; the
commands are the API's (``Correct``, ``FilePaperOriginal``), refused beside their forms."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.downloads import attachment
from api.office.case_steps import _after
from api.office.certificates import _show
from api.office.frame import Form, Office, Refusal, Signed, attempt, done, posted, read, registry_of
from api.office.people import _organization, _person, _person_id
from registry.commands import Correct, FilePaperOriginal
from registry.errors import InvalidInput, RegistryError
from registry.handling import Handled

router = APIRouter(prefix="/office", include_in_schema=False)

async def _correct(request: Request, signed: Signed, kind: str, key: str, form: Form) -> Handled | Refusal:
    registry = registry_of(request)
    try:
        version, _, field_name = form.text("target").partition(":")
        if not version.isdigit() or not field_name:
            raise InvalidInput("target", "请选择要更正的事件与字段 / choose the event and the field to correct")
        position = await run_in_threadpool(registry.event_position, kind, key, int(version))
        corrected = await run_in_threadpool(registry.corrected_event, kind, key, position)
    except RegistryError as e:
        return Refusal.of(e)
    return await attempt(request, signed, lambda: Correct(
        kind, key, position, {field_name: form.text("value")}, form.text("reason"), corrected.actor.role,
        form.optional_day("on")))


async def _file(request: Request, signed: Signed, kind: str, key: str, form: Form) -> Handled | Refusal:
    limit: int = request.app.state.settings.max_upload_bytes
    file = form.file("file")
    if file is None:
        return Refusal.of(InvalidInput("file", "请选择扫描件 / choose the scan to file"))
    scan = await file.read(limit + 1)
    if len(scan) > limit:
        return Refusal(413, ("文件过大", "Too large"), f"文件过大：每份文件至多 {limit} 字节 / a scan may have at "
                                                     f"most {limit} bytes", field="file")
    return await attempt(request, signed, lambda: FilePaperOriginal(
        kind, key, scan, form.text("description"), form.text("held_at"), form.optional_day("on")))


CORRECTED = "已记录更正 / Correction recorded"
FILED = "已归档纸质原件扫描件 / Paper original filed"


@router.post("/certificates/{number}/corrections")
async def certificate_correction(number: str, request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await _correct(request, signed, "certificate", number, form)
    if isinstance(outcome, Refusal):
        return await _show(request, signed, number, outcome.status, outcome, "corrections", form.values())
    return done(f"/office/certificates/{quote(number, safe='')}", CORRECTED)


@router.post("/cases/{case_id}/corrections")
async def case_correction(case_id: UUID, request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await _correct(request, signed, "case", str(case_id), form)
    return await _after(request, signed, str(case_id), "corrections", form, outcome, CORRECTED)


@router.post("/people/{person_id}/corrections")
async def person_correction(person_id: str, request: Request, signed: Office) -> Response:
    pid = _person_id(person_id)
    form = Form(await posted(request, signed))
    outcome = await _correct(request, signed, "person", str(pid), form)
    if isinstance(outcome, Refusal):
        return await _person(request, signed, pid, outcome.status, outcome, "corrections", form.values())
    return done(f"/office/people/{pid}", CORRECTED)


@router.post("/organizations/{uscc}/corrections")
async def organization_correction(uscc: str, request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await _correct(request, signed, "organization", uscc, form)
    if isinstance(outcome, Refusal):
        return await _organization(request, signed, uscc, outcome.status, outcome, form.values(), "corrections")
    return done(f"/office/organizations/{quote(uscc, safe='')}", CORRECTED)


@router.post("/certificates/{number}/paper-originals")
async def certificate_original(number: str, request: Request, signed: Office) -> Response:
    data = await posted(request, signed)
    form = Form(data)
    try:
        outcome = await _file(request, signed, "certificate", number, form)
    finally:
        await data.close()
    if isinstance(outcome, Refusal):
        return await _show(request, signed, number, outcome.status, outcome, "paper-originals", form.values())
    return done(f"/office/certificates/{quote(number, safe='')}", FILED)


@router.post("/cases/{case_id}/paper-originals")
async def case_original(case_id: UUID, request: Request, signed: Office) -> Response:
    data = await posted(request, signed)
    form = Form(data)
    try:
        outcome = await _file(request, signed, "case", str(case_id), form)
    finally:
        await data.close()
    return await _after(request, signed, str(case_id), "paper-originals", form, outcome, FILED)


@router.get("/certificates/{number}/paper-originals/{sha256}")
async def certificate_original_download(number: str, sha256: str, request: Request, signed: Office) -> Response:
    return attachment(await read(request, registry_of(request).paper_original, "certificate", number, sha256.lower()))


@router.get("/cases/{case_id}/paper-originals/{sha256}")
async def case_original_download(case_id: UUID, sha256: str, request: Request, signed: Office) -> Response:
    return attachment(await read(request, registry_of(request).paper_original, "case", str(case_id),
                                 sha256.lower()))
