"""The reference data of R-BASIS-1 and R-BODY-1 in the office (issue 24): ``GET /office/reference/body`` shows every
signed-in user the certification bases the body accepts and its CNCA approvals, with the history of every entry
(who recorded it, and when); an administrator records a basis (``POST /office/reference/body/bases``, the same
``AcceptBasis`` command as ``POST /api/v1/reference/bases``) or an approval (``POST /office/reference/body/approvals``,
``RecordApproval``, as ``POST /api/v1/body/approvals``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.office import names
from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from registry.application import Registry
from registry.clock import SHANGHAI
from registry.commands import Command
from registry.errors import NotFound
from registry.history import HistoryEntry
from registry.reference import BASIS_KINDS, AcceptedBasis, Approval
from registry.reference_steps import AcceptBasis, RecordApproval

router = APIRouter(prefix="/office", include_in_schema=False)
PATH = "/office/reference/body"
KINDS = {"management_system": ("碳排放管理体系标准", "Management-system standard"),
         "sector": ("行业认证要求", "Sector certification requirements")}


@dataclass(frozen=True)
class Line:
    """One entry of the history: when (Beijing time), what (the event's names), what it recorded, and by whom."""

    at: str
    event: tuple[str, str]
    what: str
    by: str
    role: tuple[str, str]


@dataclass(frozen=True)
class Reference:
    bases: tuple[AcceptedBasis, ...]
    approvals: tuple[Approval, ...]
    history: tuple[Line, ...]


def _period(data: dict[str, Any]) -> str:
    return f"{data['valid_from']} — {data['valid_until'] or ''}"


def _line(registry: Registry, entry: HistoryEntry, people: dict[str, str]) -> Line:
    person = entry.actor["person"]
    if person is not None and person not in people:
        try:
            people[person] = registry.get_person(person).name
        except NotFound:
            people[person] = person
    data = entry.data
    what = data["number"] if entry.type == "ApprovalRecorded" else f"{data['standard']}:{data['basis_version']}"
    return Line(at=entry.recorded_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                event=names.name(names.EVENTS, entry.type), what=f"{what}（{_period(data)}）",
                by=people[person] if person is not None else "", role=names.name(names.ROLES, entry.actor["role"]))


def _reference(registry: Registry) -> Reference:
    people: dict[str, str] = {}
    return Reference(registry.accepted_bases(), registry.approvals(),
                     tuple(_line(registry, e, people) for e in registry.reference_history()))


async def _page(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                failed: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    found = await read(request, _reference, registry_of(request))
    context: dict[str, Any] = {"bases": found.bases, "approvals": found.approvals, "history": found.history,
                               "kinds": KINDS, "kind_options": [(k, " ".join(KINDS[k])) for k in BASIS_KINDS]}
    return page(request, signed, "reference", status, refusal=refusal, failed=failed, values=values or {},
                done=request.query_params.get("done"), **context)


@router.get("/reference/body")
async def reference(request: Request, signed: Office) -> HTMLResponse:
    return await _page(request, signed)


async def _record(request: Request, signed: Signed, name: str, build: Callable[[Form], Command],
                  message: str) -> Response:
    """The form ``name`` posted, sent as the command ``build`` makes of it; refused, the page again, the refusal
    beside that form."""
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: build(form))
    if isinstance(outcome, Refusal):
        return await _page(request, signed, outcome.status, outcome, name, form.values())
    return done(PATH, message)


@router.post("/reference/body/bases")
async def accept_basis(request: Request, signed: Office) -> Response:
    return await _record(request, signed, "basis", lambda form: AcceptBasis(
        form.text("standard"), form.text("version"), form.day("valid_from"), form.optional_day("valid_until"),
        form.text("kind", "management_system")), "已记录认证依据 / Basis recorded")


@router.post("/reference/body/approvals")
async def record_approval(request: Request, signed: Office) -> Response:
    return await _record(request, signed, "approval", lambda form: RecordApproval(
        form.text("number"), form.day("valid_from"), form.day("valid_until")),
        "已记录认证机构批准书 / CNCA approval recorded")
