"""The body's working calendar in the office (R-CAL-1, issue 24): ``GET /office/calendar`` shows every signed-in user
each year with where its working days come from (recorded from the State Council's notice, the package's data, or
missing and counted Monday–Friday) and the history of the recordings; an administrator records a year there
(``POST /office/calendar``, the same ``RecordCalendarYear`` command as ``POST /api/v1/calendar/years``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from registry.calendar_steps import RecordCalendarYear
from registry.errors import InvalidInput, RegistryError
from registry.working_calendar import WORKING_CALENDAR_ID, WorkingCalendar

router = APIRouter(prefix="/office", include_in_schema=False)

RANGE = ".."  # a run of days typed on one line: 2027-02-05..2027-02-13


def dates(form: Form, name: str) -> list[date]:
    """Dates typed one a line, or a run of days as ``first..last`` on a line."""
    found: list[date] = []
    for line in form.lines(name):
        first, _, last = (part.strip() for part in line.partition(RANGE))
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        except ValueError:
            raise InvalidInput(name, f"{name}：每行一个日期（年-月-日）或一段日期（年-月-日..年-月-日），"
                                     f"而非 {line!r} / {name}: one date (YYYY-MM-DD) or run of dates (first..last) "
                                     f"a line, not {line!r}") from None
        if end < start or (end - start).days > 366:
            raise InvalidInput(name, f"{name}：日期段 {line} 不成立 / {name}: {line} is not a run of days")
        found.extend(start + timedelta(days=n) for n in range((end - start).days + 1))
    return found


def _year(form: Form) -> int:
    try:
        return int(form.text("year"))
    except ValueError:
        raise InvalidInput("year", f"year：请填写年份 / year: a year is needed, not {form.text('year')!r}") from None


def _calendar(request: Request) -> dict[str, Any]:
    registry = registry_of(request)
    years = list(reversed(registry.calendar_years()))
    events = registry.record_events(WORKING_CALENDAR_ID)
    recordings = [e for e in events if isinstance(e, WorkingCalendar.YearRecorded)]
    people: dict[UUID, str] = {}
    for person in {e.actor.person for e in recordings} | {y.recorded_by for y in years}:
        if person is not None:
            try:
                people[person] = registry.get_person(person).name
            except RegistryError:
                people[person] = str(person)
    return {"years": years, "recordings": [_recording(e, people) for e in reversed(recordings)], "people": people}


def _recording(event: WorkingCalendar.YearRecorded, people: dict[UUID, str]) -> dict[str, Any]:
    return {"year": event.year, "notice": event.notice, "replaces": event.replaces,
            "holidays": len(event.holidays), "working_weekends": [d.isoformat() for d in event.working_weekends],
            "by": people.get(event.actor.person, "") if event.actor.person else "", "at": event.timestamp}


async def _page(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                values: dict[str, str] | None = None) -> HTMLResponse:
    found = await read(request, _calendar, request)
    return page(request, signed, "calendar", status, refusal=refusal, values=values or {},
                done=request.query_params.get("done"), **found)


@router.get("/calendar")
async def calendar(request: Request, signed: Office) -> HTMLResponse:
    return await _page(request, signed)


@router.post("/calendar")
async def record_year(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: RecordCalendarYear(
        _year(form), tuple(dates(form, "holidays")), tuple(dates(form, "working_weekends")), form.text("notice")))
    if isinstance(outcome, Refusal):
        return await _page(request, signed, outcome.status, outcome, form.values())
    counted = len(outcome.written.ids.get("recomputed", []))
    return done("/office/calendar", f"已录入 {form.text('year')} 年工作日安排，重算期限 {counted} 项 / the year's "
                                    f"arrangement is recorded; {counted} due date(s) counted again")
