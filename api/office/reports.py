"""Reporting in the office (R-RPT-1, R-RPT-2; issue 25): ``GET /office/reports`` shows admins and regulators each
month's report to the national certification information platform with its due date and submission, lets them
produce and download any month's report and the directory upload, and lets an admin mark a month as sent
(``POST /office/reports/submission``, the same ``SubmitNationalReport`` command as
``POST /api/v1/reports/national/{YYYY-MM}/submission``)."""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from api.routers.reports import directory_file, national_xlsx
from api.spreadsheets import CONTENT_TYPE
from registry.application import Registry
from registry.errors import RegistryError
from registry.national_reporting import month_of, parse_month, previous_month
from registry.reporting_steps import SubmitNationalReport

router = APIRouter(prefix="/office", include_in_schema=False)


def _as_reporter(registry: Registry, signed: Signed) -> None:
    """The application's judgement of whether the signed-in user reads the reports (an admin or a regulator)."""
    registry.authorize_reporter(None, signed.caller.signed_in)


def _months(registry: Registry, signed: Signed) -> dict[str, Any]:
    _as_reporter(registry, signed)
    months = registry.national_report_months()
    people: dict[UUID, str] = {}
    for person in {m.submitted_by for m in months if m.submitted_by is not None}:
        try:
            people[person] = registry.get_person(person).name
        except RegistryError:
            people[person] = str(person)
    return {"months": months, "people": people, "last_ended": previous_month(month_of(registry.clock.today()))}


def _refused(request: Request, signed: Signed, error: RegistryError) -> HTMLResponse:
    refusal = Refusal.of(error)
    return page(request, signed, "forbidden", refusal.status,
                message=f"{refusal.kind[0]}：报送与导出需要管理员或监管人员角色 / {refusal.kind[1]}: {refusal.detail}")


async def _page(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                values: dict[str, str] | None = None) -> HTMLResponse:
    try:
        found = await read(request, _months, registry_of(request), signed)
    except RegistryError as e:
        return _refused(request, signed, e)
    return page(request, signed, "reports", status, refusal=refusal, values=values or {},
                done=request.query_params.get("done"), **found)


@router.get("/reports")
async def reports(request: Request, signed: Office) -> HTMLResponse:
    return await _page(request, signed)


def _national(registry: Registry, signed: Signed, month: str) -> bytes:
    _as_reporter(registry, signed)
    return national_xlsx(registry, parse_month(month))


@router.get("/reports/national/{month}.xlsx")
async def national(month: str, request: Request, signed: Office) -> Response:
    """Any month's report, produced from the log (the same bytes as the API's)."""
    try:
        content = await run_in_threadpool(_national, registry_of(request), signed, month)
    except RegistryError as e:
        return _refused(request, signed, e)
    return Response(content, media_type=CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="national-report-{month}.xlsx"'})


@router.get("/reports/national")
async def chosen(request: Request, signed: Office) -> Response:
    """The month chosen in the form (``?month=YYYY-MM``), downloaded."""
    return await national(request.query_params.get("month", ""), request, signed)


def _directory(registry: Registry, signed: Signed, request: Request) -> str:
    _as_reporter(registry, signed)
    return directory_file(registry, request)


@router.get("/reports/directory-upload.xlsx")
async def directory_upload(request: Request, signed: Office) -> Response:
    try:
        path = await run_in_threadpool(_directory, registry_of(request), signed, request)
    except RegistryError as e:
        return _refused(request, signed, e)
    return FileResponse(path, media_type=CONTENT_TYPE, filename="directory-upload.xlsx",
                        background=BackgroundTask(os.unlink, path))


@router.post("/reports/submission")
async def submit(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: SubmitNationalReport(
        form.text("month"), form.day("submitted_on"), form.text("reference")))
    if isinstance(outcome, Refusal):
        return await _page(request, signed, outcome.status, outcome, form.values())
    month = form.text("month")
    return done("/office/reports", f"已记录 {month} 月度报告已报送 / {month}'s report is recorded as sent")
