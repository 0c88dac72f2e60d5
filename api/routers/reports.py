"""Reporting (admin, regulator; API.md, "Reporting"): the month's report to the national certification information
platform (R-RPT-1), as .xlsx and as JSON, and its submission (admin), which closes the month's deadline; the
directory in the bulk-upload shape of international certificate directories (R-RPT-2)."""

from __future__ import annotations

import dataclasses
import io
import os
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api.deps import Admin, Bearer, RegistryDep, role_doc
from api.report_schemas import NationalReportSubmission
from api.schemas import Written
from api.spreadsheets import CONTENT_TYPE, write_directory_upload, write_national_report
from registry.application import Registry
from registry.reporting_steps import SubmitNationalReport
from registry.views import UserView

router = APIRouter(prefix="/api/v1/reports", tags=["reporting · 报送"])
_XLSX: dict[int | str, dict[str, Any]] = {200: {"content": {CONTENT_TYPE: {}}, "description": "the workbook (.xlsx)"}}


def _reporter(registry: RegistryDep, credentials: Bearer) -> UserView:
    """An admin or a regulator."""
    return registry.authorize_reporter(None if credentials is None else credentials.credentials)


Reporter = Annotated[UserView, Depends(_reporter)]


def national_xlsx(registry: Registry, month: str) -> bytes:
    out = io.BytesIO()
    write_national_report(out, registry.national_report(month), registry.config.issuer.name)
    return out.getvalue()


@router.get("/national/{month}.xlsx", openapi_extra=role_doc("admin", "regulator"),
            summary="The month's report to the national certification information platform, .xlsx (R-RPT-1)",
            response_class=Response, responses=_XLSX,
            description="当月在日志中记录的审核方案、证书变化与审核结果，按日志顺序；同一月份每次生成的文件逐字节相同；"
                        "月份结束后记录的事项列入下月报告（补报）。 / The audit plans, certificate changes and audit "
                        "results recorded in the month, in log order; the same month always gives the same bytes; "
                        "what is recorded after a month ended is in the next month's report (late entries).")
async def national(month: str, registry: RegistryDep, _: Reporter) -> Response:
    content = await run_in_threadpool(national_xlsx, registry, month)
    return Response(content, media_type=CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="national-report-{month}.xlsx"'})


@router.get("/national/{month}.json", openapi_extra=role_doc("admin", "regulator"),
            summary="The month's report to the national certification information platform, JSON (R-RPT-1)")
async def national_json(month: str, registry: RegistryDep, _: Reporter) -> dict[str, Any]:
    report = await run_in_threadpool(registry.national_report, month)
    return report.plain()


@router.get("/national", openapi_extra=role_doc("admin", "regulator"),
            summary="Each month's report: due date, state, submission (R-RPT-1)")
def months(registry: RegistryDep, _: Reporter) -> dict[str, Any]:
    return {"months": [dataclasses.asdict(m) for m in registry.national_report_months()]}


@router.post("/national/{month}/submission", response_model=Written, openapi_extra=role_doc("admin"),
             summary="Record the month's report as submitted; closes its deadline (R-RPT-1)",
             description="记录当月报告已报送全国认证信息平台（报送日期、平台编号），关闭该月的报送期限"
                         "（次月 10 日前）；月份未结束的拒绝。 / Records the month's report as submitted to the "
                         "platform (the day, its reference), which closes the month's deadline (the 10th of the "
                         "next month); a month not ended is refused.")
async def submit(month: str, body: NationalReportSubmission, w: Admin) -> dict[str, Any]:
    return await w.run(SubmitNationalReport(month, body.submitted_on, body.reference), body, month="month")


def directory_file(registry: Registry, request: Request) -> str:
    """The directory upload written to a temporary file, rows streamed from the public view."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    try:
        with os.fdopen(handle, "wb") as out:
            write_directory_upload(out, request.app.state.views.public, registry.clock.today(),
                                   registry.config.issuer.name)
    except BaseException:
        os.unlink(path)
        raise
    return path


@router.get("/directory-upload.xlsx", openapi_extra=role_doc("admin", "regulator"), response_class=FileResponse,
            responses=_XLSX,
            summary="The directory in the bulk-upload shape of international certificate directories (R-RPT-2)",
            description="每张证书一行：编号、状态、组织名称与统一社会信用代码、地址、范围、标准、颁发与到期日期、发证机构"
                        "（列见 docs/directory-upload.md）。 / One row per certificate: number, status, organisation "
                        "name and identifier (USCC), address, scope, standard, issue and expiry dates, issuing body "
                        "(columns in docs/directory-upload.md).")
async def directory_upload(request: Request, registry: RegistryDep, _: Reporter) -> FileResponse:
    path = await run_in_threadpool(directory_file, registry, request)
    return FileResponse(path, media_type=CONTENT_TYPE, filename="directory-upload.xlsx",
                        background=BackgroundTask(os.unlink, path))
