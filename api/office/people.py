"""The office's organisation and person pages (issue 22), and the competence view.

- ``GET /office/organizations/{uscc}``: the organisation, whether it may apply (R-APP-5), its cases and
  certificates; the rectification form (decision). ``GET``/``POST /office/organizations/new``: register one (intake).
- ``GET /office/people/{id}``: the person's registrations, evaluations, violations, training and consulting given,
  and whether they may audit on a date and why not (``Registry.audit_competence``); the admin's forms.
  ``GET``/``POST /office/people/new``: enrol a person (admin).
- ``GET /office/competence?on=&id=…``: who may audit on a date and why not, for the people named (or, with none,
  everyone in the office's directory by name, a page at a time).

Each form builds the command its API route builds, from the same fields; the application alone decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.office.certificates import case_row
from api.office.frame import Form, Office, PageNotFound, Refusal, Signed, attempt, done, page, posted, read, registry_of
from api.office.keeping import as_corrected, keeping, own_events
from api.office.lists import LABELS, directory, page_number
from api.office.names import (
    EVENTS,
    NOT_COMPETENT,
    QUALIFICATION_KINDS,
    REGISTRATION_KINDS,
    SERVICE_KINDS,
    STATUSES,
    TRAINING_SUBJECTS,
)
from registry.commands import (
    Command,
    EnrolPerson,
    RecordEvaluation,
    RecordQualification,
    RecordRectification,
    RecordRegistration,
    RecordService,
    RecordViolation,
    RecordWithdrawalElsewhere,
    RegisterOrganization,
)
from registry.errors import InvalidInput, NotFound, RegistryError, RuleViolation
from registry.reads import Competence
from registry.views import PersonView

router = APIRouter(prefix="/office", include_in_schema=False)

def _options(names: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    return [(code, f"{zh} / {en}") for code, (zh, en) in names.items()]


def _on(request: Request, today: date) -> tuple[date, bool]:
    """The ``on`` of the query (default today), and whether it was given but could not be read."""
    given = request.query_params.get("on", "").strip()
    if not given:
        return today, False
    try:
        return date.fromisoformat(given), False
    except ValueError:
        return today, True


# Organisations


def _organization_data(request: Request, uscc: str) -> dict[str, Any]:
    registry = registry_of(request)
    try:
        org = registry.get_organization(uscc)
    except (InvalidInput, RuleViolation):  # a USCC no organisation can have (R-ID-1)
        raise NotFound(f"未找到统一社会信用代码为 {uscc} 的组织 / no organisation with USCC {uscc}") from None
    cases = []
    for cid in org.cases:
        try:
            cases.append(case_row(registry.get_case(cid)))
        except NotFound:
            continue
    certificates = []
    for number in org.certificates:
        try:
            cert = registry.get_certificate(number)
        except NotFound:
            continue
        certificates.append({"number": cert.number, "status": cert.status, "since": cert.status_since,
                             "valid_until": cert.valid_until, "scope": cert.scope})
    own = own_events(registry.events.get(org.id))  # R-REC-6: what its events said, as corrected
    return {"org": org, "cases": cases, "certificates": certificates, "own": own,
            "rectifications": as_corrected(own, "Rectified"),
            "elsewhere": as_corrected(own, "WithdrawalElsewhereRecorded")}


async def _organization(request: Request, signed: Signed, uscc: str, status: int = 200,
                        refusal: Refusal | None = None, values: dict[str, str] | None = None,
                        failed: str = "") -> HTMLResponse:
    data = await read(request, _organization_data, request, uscc)
    records = keeping("organization", data.pop("own"), signed, EVENTS)
    return page(request, signed, "organization", status, statuses=STATUSES, refusal=refusal, values=values or {},
                failed=failed, done=request.query_params.get("done"), records=records, **data)


def _new_organization(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                      values: dict[str, str] | None = None) -> HTMLResponse:
    return page(request, signed, "organization_new", status, refusal=refusal, values=values or {})


@router.get("/organizations/new")
def new_organization(request: Request, signed: Office) -> HTMLResponse:
    return _new_organization(request, signed)


@router.post("/organizations/new")
async def register_organization(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: RegisterOrganization(form.text("uscc"), form.text("name"),
                                                                          form.text("address")))
    if isinstance(outcome, Refusal):
        return _new_organization(request, signed, outcome.status, outcome, form.values())
    uscc = str(outcome.written.ids["uscc"])
    return done(f"/office/organizations/{quote(uscc, safe='')}", "已登记组织 / Organisation registered")


@router.get("/organizations/{uscc}")
async def organization(uscc: str, request: Request, signed: Office) -> HTMLResponse:
    return await _organization(request, signed, uscc)


@router.post("/organizations/{uscc}/rectifications")
async def rectification(uscc: str, request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: RecordRectification(uscc, form.day("on"), form.text("evidence")))
    if isinstance(outcome, Refusal):
        return await _organization(request, signed, uscc, outcome.status, outcome, form.values(), "rectifications")
    return done(f"/office/organizations/{quote(uscc, safe='')}", "已记录整改 / Rectification recorded")


@router.post("/organizations/{uscc}/withdrawals")
async def withdrawal_elsewhere(uscc: str, request: Request, signed: Office) -> Response:
    """R-APP-5: a certificate of the organisation another body withdrew."""
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: RecordWithdrawalElsewhere(
        uscc, form.text("from_body"), form.text("certificate_number"), form.day("withdrawn_on"), form.text("source")))
    if isinstance(outcome, Refusal):
        return await _organization(request, signed, uscc, outcome.status, outcome, form.values(), "withdrawals")
    return done(f"/office/organizations/{quote(uscc, safe='')}",
                "已记录其他机构撤销的证书 / Withdrawal by another body recorded")


# People


def _person_id(pid: str) -> UUID:
    try:
        return UUID(pid)
    except ValueError:
        raise PageNotFound(f"未找到人员 {pid} / no person {pid}") from None


def client_names(request: Request, person: PersonView) -> dict[str, str]:
    """The names of the organisations the person gave training or consulting to, where the registry knows them."""
    registry = registry_of(request)
    names: dict[str, str] = {}
    for service in person.services:
        uscc = str(service["client_uscc"])
        if uscc in names:
            continue
        try:
            names[uscc] = registry.get_organization(uscc).name
        except RegistryError:
            names[uscc] = ""
    return names


def _person_data(request: Request, pid: UUID, on: date) -> dict[str, Any]:
    registry = registry_of(request)
    person = registry.get_person(pid)
    return {"person": person, "clients": client_names(request, person),
            "competence": registry.audit_competence(pid, on),
            "own": own_events(registry.events.get(person.id))}  # R-REC-6: what its events said


async def _person(request: Request, signed: Signed, pid: UUID, status: int = 200, refusal: Refusal | None = None,
                  failed: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    on, unreadable = _on(request, registry_of(request).clock.today())
    data = await read(request, _person_data, request, pid, on)
    records = keeping("person", data.pop("own"), signed, EVENTS)  # R-REC-6
    return page(request, signed, "person", status, records=records, on=on, unreadable_on=unreadable,
                reason_zh=NOT_COMPETENT,
                registration_kinds=REGISTRATION_KINDS, service_kinds=SERVICE_KINDS,
                registration_options=_options(REGISTRATION_KINDS), service_options=_options(SERVICE_KINDS),
                qualification_kinds=QUALIFICATION_KINDS, training_subjects=TRAINING_SUBJECTS,
                qualification_options=_options(QUALIFICATION_KINDS),
                subject_options=[("", "— 学历或工作经历：在下方填写 / Education or experience: below")]
                + _options(TRAINING_SUBJECTS),
                refusal=refusal, failed=failed, values=values or {}, done=request.query_params.get("done"), **data)


def _new_person(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                values: dict[str, str] | None = None) -> HTMLResponse:
    return page(request, signed, "person_new", status, refusal=refusal, values=values or {})


@router.get("/people/new")
def new_person(request: Request, signed: Office) -> HTMLResponse:
    return _new_person(request, signed)


@router.post("/people/new")
async def enrol_person(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: EnrolPerson(form.text("name")))
    if isinstance(outcome, Refusal):
        return _new_person(request, signed, outcome.status, outcome, form.values())
    return done(f"/office/people/{outcome.written.ids['person']}", "已登记人员 / Person enrolled")


@router.get("/people/{person_id}")
async def person(person_id: str, request: Request, signed: Office) -> HTMLResponse:
    return await _person(request, signed, _person_id(person_id))


@dataclass(frozen=True)
class Fact:
    """A form of the person page: the command its fields build, and the line that says it was recorded."""

    build: Callable[[UUID, Form], Command]
    recorded: str


FACTS: dict[str, Fact] = {
    "registrations": Fact(lambda p, f: RecordRegistration(p, f.text("kind"), f.text("number"), f.day("valid_from"),
                                                          f.day("valid_until")),
                          "已记录注册资格 / Registration recorded"),
    "violations": Fact(lambda p, f: RecordViolation(p, f.day("on"), f.text("description")),
                       "已记录违规 / Violation recorded"),
    "evaluations": Fact(lambda p, f: RecordEvaluation(p, f.day("on"), f.lines("sectors")),
                        "已记录能力评价 / Evaluation recorded"),
    "services": Fact(lambda p, f: RecordService(p, f.text("client_uscc"), f.text("kind"), f.day("on")),
                     "已记录培训或咨询 / Training or consulting recorded"),
    # R-STAFF-1: a training's subject is chosen; education and work experience are named in words
    "qualifications": Fact(lambda p, f: RecordQualification(p, f.text("kind"), f.text("training") or f.text("subject"),
                                                            f.day("on"), f.text("detail")),
                           "已记录学历、工作经历或培训 / Qualification recorded"),
}


def _fact_form(step: str, fact: Fact) -> None:
    """``POST /office/people/{id}/{step}``: the form's command sent as the signed-in user; the page again, with the
    refusal beside the form, when the application refuses it."""

    async def post(person_id: str, request: Request, signed: Office) -> Response:
        pid = _person_id(person_id)
        form = Form(await posted(request, signed))
        outcome = await attempt(request, signed, lambda: fact.build(pid, form))
        if isinstance(outcome, Refusal):
            return await _person(request, signed, pid, outcome.status, outcome, step, form.values())
        return done(f"/office/people/{pid}", fact.recorded)

    post.__name__ = f"person_{step}"
    router.add_api_route(f"/people/{{person_id}}/{step}", post, methods=["POST"])


for _step, _fact in FACTS.items():
    _fact_form(_step, _fact)


# The competence view


@dataclass(frozen=True)
class Asked:
    """One person asked about on the competence page: the answer, or why there is none (an id of no person)."""

    given: str
    competence: Competence | None


def _competence_data(request: Request, ids: list[str], on: date, search: str, page_no: int) -> dict[str, Any]:
    """The competence of the people ``ids`` names; with none, of a page of everyone in the office's directory (the
    people whose names begin with ``search``, when given)."""
    registry = registry_of(request)
    if not ids:
        listed = directory(request).people(search or None, page_no)
        rows = [Asked(row["id"], registry.audit_competence(row["id"], on)) for row in listed.rows]
        return {"rows": rows, "listed": listed}
    rows = []
    for given in ids:
        try:
            rows.append(Asked(given, registry.audit_competence(given, on)))
        except (NotFound, InvalidInput):
            rows.append(Asked(given, None))
    return {"rows": rows, "listed": None}


@router.get("/competence")
async def competence(request: Request, signed: Office, q: str = "",
                     page_no: Annotated[str, Query(alias="page")] = "1") -> HTMLResponse:
    """Who may audit on ``on`` (default today) and why not: the people ``id`` names (repeated, or ``ids`` one per line
    or separated by commas or spaces); with none, everyone, by name, a page at a time (``q``: a name's beginning)."""
    on, unreadable = _on(request, registry_of(request).clock.today())
    ids = [i.strip() for i in request.query_params.getlist("id") if i.strip()]
    ids += [i for i in request.query_params.get("ids", "").replace(",", " ").split() if i]
    ids = list(dict.fromkeys(ids))
    q = q.strip()
    data = await read(request, _competence_data, request, ids, on, q, page_number(page_no))
    return page(request, signed, "competence", on=on, unreadable_on=unreadable, ids="\n".join(ids), q=q,
                query=urlencode({k: v for k, v in (("on", on.isoformat()), ("q", q)) if v}),
                reason_zh=NOT_COMPETENT, **LABELS, **data)


__all__ = ["router"]
