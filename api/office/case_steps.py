"""The office's case forms as routes (API.md, "The office"; issue 22): ``GET``/``POST /office/cases/new``, the
application form, and the ``POST`` of each later step under ``/office/cases/{id}/…`` (documents, supplement requests,
acceptance, agreement, programme, the scope's sectors, team, stage 1, stage 2, a nonconformity's closure, report,
decision).

Each route reads its form into its command (``api.office.case_forms``) and sends it as the signed-in user. The
application alone decides whether a step is allowed: recorded, the answer goes back to the case's page
(``api.office.cases``) with what was recorded; refused, that page again with the refusal beside the form, with what
the user typed, and nothing is written.

Installed before ``api.office.cases``: its ``GET /office/cases/{id}`` would otherwise take ``new`` for a case's id.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.office.case_forms import (
    acceptance,
    agreement,
    application,
    closure,
    decision,
    programme,
    programme_approval,
    report,
    sectors,
    stage1,
    stage2,
    supplement,
    team,
)
from api.office.cases import case_response, options
from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from registry.commands import Command, ReceiveDocument
from registry.errors import InvalidInput
from registry.handling import Handled
from registry.text import document_content_type, document_file_name

router = APIRouter(prefix="/office", include_in_schema=False)


def _sector_options(request: Request) -> list[tuple[str, str]]:
    """The body's sectors (name, code), which the application chooses its scope's from (R-TEAM-3)."""
    return list(registry_of(request).sectors().items())


@router.get("/cases/new")
async def new_case(request: Request, signed: Office, uscc: str = "") -> HTMLResponse:
    """The application form, its organisation's USCC filled in from ``?uscc=``."""
    sectors = await read(request, _sector_options, request)
    return page(request, signed, "case_new", refusal=None, values={"organization_uscc": uscc},
                sector_options=sectors, **options(request))


@router.post("/cases/new")
async def apply(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: application(form))
    if isinstance(handled, Refusal):
        sectors = await read(request, _sector_options, request)
        return page(request, signed, "case_new", handled.status, refusal=handled, values=form.values(),
                    sector_options=sectors, **options(request))
    case_id = handled.written.ids["case"]
    return done(f"/office/cases/{case_id}", "已记录申请 / Application recorded")


async def step_form(request: Request, signed: Signed, case_id: str, name: str, build: Callable[[Form], Command],
                message: str) -> Response:
    """A step's form: the command ``build`` makes of it sent as the signed-in user; recorded, back to the case's
    page with ``message``; refused, the page again with the refusal beside the form ``name``."""
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: build(form))
    return await _after(request, signed, case_id, name, form, handled, message)


async def _after(request: Request, signed: Signed, case_id: str, name: str, form: Form, handled: Handled | Refusal,
                 message: str) -> Response:
    if isinstance(handled, Refusal):
        return await case_response(request, signed, case_id, handled.status, handled, name, form)
    return done(f"/office/cases/{case_id}", message)


@router.post("/cases/{case_id}/documents")
async def upload(request: Request, signed: Office, case_id: str) -> Response:
    """One of the eleven documents, uploaded as ``POST /api/v1/cases/{id}/documents`` takes it: at most
    ``max_upload_bytes``; its content type and file name made fit as the API makes them."""
    data = await posted(request, signed)
    form = Form(data)
    limit: int = request.app.state.settings.max_upload_bytes
    handled: Handled | Refusal
    try:
        file = form.file("file")
        if file is None:
            handled = Refusal.of(InvalidInput("file", "请选择要上传的文件 / choose the file to upload"))
        else:
            content = await file.read(limit + 1)
            if len(content) > limit:
                handled = Refusal(413, ("文件过大", "Too large"), f"文件过大：每份文件至多 {limit} 字节 / a document "
                                                             f"may have at most {limit} bytes", field="file")
            else:
                content_type, filename = document_content_type(file.content_type), document_file_name(file.filename)
                handled = await attempt(request, signed, lambda: ReceiveDocument(
                    case_id, form.text("kind"), form.day("received_on"), content, content_type, filename))
    finally:
        await data.close()  # the upload's spooled file
    sha = handled.written.ids.get("sha256", "") if isinstance(handled, Handled) else ""
    return await _after(request, signed, case_id, "documents", form, handled,
                        f"已收到文件 / Document received{f' · SHA-256 {sha}' if sha else ''}")


@router.post("/cases/{case_id}/supplement-requests")
async def supplement_request(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "supplement", lambda f: supplement(case_id, f),
                       "已记录补充材料要求 / Supplement request recorded")


@router.post("/cases/{case_id}/acceptance")
async def acceptance_decision(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "acceptance", lambda f: acceptance(case_id, f),
                       "已记录受理决定 / Acceptance decision recorded")


@router.post("/cases/{case_id}/agreement")
async def agreement_signed(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "agreement", lambda f: agreement(case_id, f),
                       "已记录认证协议 / Agreement recorded")


@router.post("/cases/{case_id}/programme")
async def programme_planned(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "programme", lambda f: programme(case_id, f),
                       "已记录审核方案 / Audit programme recorded")


@router.post("/cases/{case_id}/programme/approval")
async def programme_approved(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "programme_approval", lambda f: programme_approval(case_id, f),
                       "已批准审核方案 / Programme approved")


@router.post("/cases/{case_id}/sectors")
async def sectors_recorded(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "sectors", lambda f: sectors(case_id, f),
                           "已记录认证范围所属专业领域 / Sectors of the scope recorded")


@router.post("/cases/{case_id}/team")
async def team_appointed(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "team", lambda f: team(case_id, f),
                       "已委派审核组 / Audit team appointed")


@router.post("/cases/{case_id}/stage1")
async def stage1_conducted(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "stage1", lambda f: stage1(case_id, f),
                       "已记录第一阶段审核 / Stage 1 recorded")


@router.post("/cases/{case_id}/stage2")
async def stage2_conducted(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "stage2", lambda f: stage2(case_id, f),
                       "已记录第二阶段审核 / Stage 2 recorded")


@router.post("/cases/{case_id}/nonconformities/{ref}/closure")
async def nonconformity_closed(request: Request, signed: Office, case_id: str, ref: str) -> Response:
    return await step_form(request, signed, case_id, f"closure:{ref}", lambda f: closure(case_id, ref, f),
                       f"已关闭不符合项 {ref} / Nonconformity {ref} closed")


@router.post("/cases/{case_id}/report")
async def report_submitted(request: Request, signed: Office, case_id: str) -> Response:
    return await step_form(request, signed, case_id, "report", lambda f: report(case_id, f),
                       "已提交审核报告 / Audit report submitted")


@router.post("/cases/{case_id}/decision")
async def case_decided(request: Request, signed: Office, case_id: str) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: decision(case_id, form))
    number = handled.written.ids.get("certificate_number") if isinstance(handled, Handled) else None
    message = (f"已批准认证，证书编号 {number} / Granted: certificate {number}" if number
               else "已记录认证决定 / Decision recorded")
    return await _after(request, signed, case_id, "decision", form, handled, message)

