"""The body's working calendar (R-CAL-1): an admin records a year's official arrangement from the State Council's
notice; staff read every year with where its working days come from (API.md, ``/api/v1/calendar/years``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter

from api.calendar_schemas import CalendarYearCreate, CalendarYears
from api.deps import Admin, Reader, RegistryDep, role_doc
from api.schemas import Written
from registry.calendar_steps import RecordCalendarYear

router = APIRouter(prefix="/api/v1/calendar/years", tags=["reference · 基础数据"])


@router.post("", status_code=201, response_model=Written, openapi_extra=role_doc("admin"),
             summary="Record a year's official working-day arrangement (R-CAL-1)",
             description="录入某年的放假安排（国务院办公厅通知）；同一年再次录入即更正，历史保留两次记录。按周一至周五推算、"
                         "尚待该年的期限随即重算。 / Records a year's arrangement from the State Council's notice; "
                         "recording a year again corrects it, the history keeping both. Pending due dates counted "
                         "Monday–Friday for the year are counted again at once.")
async def record(body: CalendarYearCreate, w: Admin) -> dict[str, Any]:
    command = RecordCalendarYear(body.year, tuple(body.holidays), tuple(body.working_weekends), body.notice)
    return await w.run(command, body, year="year", recomputed="recomputed")


@router.get("", response_model=CalendarYears, openapi_extra=role_doc("any staff", "regulator"),
            summary="Every year's working days and where they come from (R-CAL-1)")
def listed(registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return {"years": [dataclasses.asdict(y) for y in registry.calendar_years()]}
