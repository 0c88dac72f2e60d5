"""The body's sector list in the office (R-TEAM-3, issue 23): ``GET /office/sectors`` shows it to every signed-in
user; an administrator adds a sector there (``POST /office/sectors``, the same ``AddSector`` command as
``POST /api/v1/reference/sectors``). Applications choose their scope's sectors from it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from registry.commands import AddSector

router = APIRouter(prefix="/office", include_in_schema=False)


def _listed(request: Request) -> list[tuple[str, str]]:
    return list(registry_of(request).sectors().items())


async def _sectors(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                   values: dict[str, str] | None = None) -> HTMLResponse:
    listed = await read(request, _listed, request)
    return page(request, signed, "sectors", status, sectors=listed, refusal=refusal, values=values or {},
                done=request.query_params.get("done"))


@router.get("/sectors")
async def sectors(request: Request, signed: Office) -> HTMLResponse:
    return await _sectors(request, signed)


@router.post("/sectors")
async def add_sector(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: AddSector(form.text("name"), form.text("code")))
    if isinstance(outcome, Refusal):
        return await _sectors(request, signed, outcome.status, outcome, form.values())
    return done("/office/sectors", "已添加专业领域 / Sector added")
