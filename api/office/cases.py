"""The office's case pages (API.md, "The office"; issue 22): ``GET /office/cases/{id}``, the case with its stage, the
eleven-document checklist, eligibility, team, findings, nonconformities, report gaps, decision, deadlines and
history, and a form for each step the user's roles may take next; ``GET /office/cases/{id}/documents/{sha256}``, a
document as received; ``GET``/``POST /office/cases/new``, the application form.

Each form posts under ``/office/cases/{id}/…`` and builds the same command, from the same field names, as the API
route of its step (``api.routers.cases``): a nested field is named with a dot (``review.information_sufficient``,
``focus_points.carbon_review``), a list of records is typed one a line with its parts separated by ``|`` (the form
says which parts). The application alone decides whether a step is allowed; its refusal is shown beside the form,
with what the user typed, and nothing is written. A page leaves out only the forms the user's roles can never use
and those that cannot apply at the case's stage (a form posted anyway is still the application's to judge).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.downloads import attachment
from api.office import names
from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from projections.deadlines import apply_changes, case_changes
from registry.application import Registry
from registry.case import Case
from registry.commands import (
    Apply,
    AppointTeam,
    CloseNonconformity,
    Command,
    ConductStage1,
    ConductStage2,
    Decide,
    DecideAcceptance,
    PlanProgramme,
    ReceiveDocument,
    RequestSupplement,
    SignAgreement,
    SubmitReport,
)
from registry.errors import InvalidInput, NotFound, RegistryError
from registry.handling import Handled
from registry.text import document_content_type, document_file_name
from registry.values import (
    DECISION_CONDITIONS,
    FOCUS_POINTS,
    Basis,
    DocumentKind,
    EmissionControl,
    IntegratedSystem,
    Level,
    Method,
    Nonconformity,
    OtherCertification,
    PerformanceIndicator,
    Review,
    ScopeLevel,
    Severity,
    TransferInfo,
    TransferStatus,
    parse_enum,
)
from registry.views import CaseView

router = APIRouter(prefix="/office", include_in_schema=False)

# The stepper: a case's steps in order, with the event that reaches each (the last is the decision, either way).
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("applied", ("Applied",)), ("accepted", ("Accepted",)), ("contracted", ("AgreementSigned",)),
    ("planned", ("ProgrammePlanned",)), ("team_appointed", ("TeamAppointed",)), ("stage1_done", ("Stage1Conducted",)),
    ("stage2_done", ("Stage2Conducted",)), ("reported", ("ReportSubmitted",)), ("decision", ("Granted", "Refused")),
)


# Reading a case for its page


@dataclass(frozen=True)
class Receipt:
    """A checklist document as the case last received it."""

    sha256: str
    filename: str
    content_type: str
    size: int
    received_on: date | None


@dataclass(frozen=True)
class CasePage:
    """Everything a case's page shows: the view the API answers, with names for its ids and what its events add
    (each document's file name and date, the stage 1 record, the deadlines, the history)."""

    case: CaseView
    organization_name: str
    receipts: dict[str, Receipt]
    people: dict[UUID, str]
    steps: tuple[dict[str, Any], ...]
    stage1: dict[str, Any] | None
    facts: dict[str, Any]
    deadlines: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]
    candidates: tuple[tuple[UUID, str], ...] = ()  # people who may be named to a team: the auditors among the users
    open_refs: tuple[str, ...] = field(default=())


def _name_of(registry: Registry, people: dict[UUID, str], pid: Any) -> None:
    if isinstance(pid, UUID) and pid not in people:
        try:
            people[pid] = registry.get_person(pid).name
        except NotFound:
            people[pid] = str(pid)


def case_page(registry: Registry, case_id: str, today: date, with_candidates: bool) -> CasePage:
    """The case ``case_id`` as its page shows it (``NotFound`` when there is none)."""
    view = registry.get_case(case_id)
    try:
        organization_name = registry.get_organization(view.organization_uscc).name
    except RegistryError:
        organization_name = view.organization_uscc
    events = list(registry.events.get(view.id))
    people: dict[UUID, str] = {}
    receipts: dict[str, Receipt] = {}
    reached: set[str] = set()
    stage1: dict[str, Any] | None = None
    facts: dict[str, Any] = {}
    history = []
    changes = []
    for event in events:
        kind = type(event).__name__
        reached.add(kind)
        actor = getattr(event, "actor", None)
        person = getattr(actor, "person", None)
        _name_of(registry, people, person)
        effective = getattr(event, "effective_on", None)
        history.append({"type": kind, "names": names.name(names.EVENTS, kind), "on": effective,
                        "recorded_at": getattr(event, "timestamp", None), "person": person,
                        "role": getattr(getattr(actor, "role", None), "value", "")})
        if isinstance(event, Case.Event):
            changes.append((case_changes(event), event.originator_version))
        match event:
            case Case.DocumentReceived():
                receipts[event.kind.value] = Receipt(event.sha256, event.filename, event.content_type, event.size,
                                                     event.effective_on)
            case Case.Stage1Conducted():
                stage1 = {"on": event.effective_on, "on_site": event.on_site,
                          "off_site_ground": event.off_site_ground.value if event.off_site_ground else None,
                          "justification": event.justification, "findings": event.findings}
            case Case.Accepted() | Case.NotAccepted():
                facts["acceptance"] = {"on": event.effective_on, "accepted": isinstance(event, Case.Accepted),
                                       "reasons": event.reasons, "late": event.notice_late}
            case Case.AgreementSigned():
                facts["agreement"] = {"on": event.effective_on, "fee_paid_on": event.fee_paid_on}
            case Case.ProgrammePlanned():
                facts["programme"] = {"on": event.effective_on, "person_days": event.person_days,
                                      "integrated_with": [(s.system, s.standalone_person_days)
                                                          for s in event.integrated_with]}
            case Case.Stage2Conducted():
                facts["stage2"] = {"on": event.effective_on}
            case Case.ReportSubmitted():
                facts["report"] = {"on": event.effective_on}
            case Case.Granted() | Case.Refused():
                facts["decision"] = {"granted": isinstance(event, Case.Granted), "reasons": event.reasons,
                                     "person": person,
                                     "unmet": list(getattr(event, "unmet", ()))}
    if view.team:
        for pid in (view.team["leader"], *view.team["members"], *view.team["experts"]):
            _name_of(registry, people, pid)
    rows, _ = apply_changes({}, changes)
    deadlines = tuple({"rule": r.rule, "subject": r.subject, "due_on": date.fromisoformat(r.due_on),
                       "done_on": date.fromisoformat(r.done_on) if r.done_on else None,
                       "state": "overdue" if r.state == "open" and r.due_on < today.isoformat() else r.state}
                      for r in sorted(rows.values(), key=lambda r: r.due_on))
    candidates: list[tuple[UUID, str]] = []
    if with_candidates:
        seen = set()
        for user in registry.list_users():
            if user.active and "auditor" in user.roles and user.person not in seen:
                seen.add(user.person)
                _name_of(registry, people, user.person)
                candidates.append((user.person, people[user.person]))
    open_refs = tuple(nc["ref"] for nc in view.nonconformities if nc["closed_on"] is None)
    return CasePage(view, organization_name, receipts, people, _steps(view, reached), stage1, facts, deadlines,
                    tuple(reversed(history)), tuple(candidates), open_refs)


def _steps(view: CaseView, reached: set[str]) -> tuple[dict[str, Any], ...]:
    """The stepper: each step with its names, whether it was done and whether it is where the case stands."""
    if view.stage == "not_accepted":
        return ({"code": "applied", "names": names.STAGES["applied"], "done": True, "current": False},
                {"code": "not_accepted", "names": names.STAGES["not_accepted"], "done": True, "current": True})
    current = "decision" if view.stage in ("granted", "refused") else view.stage
    steps = []
    for code, events in STEPS:
        if code == "stage1_done" and view.kind == "transfer":
            continue  # a transfer has no stage 1
        label = names.name(names.STAGES, view.stage) if code == "decision" and current == "decision" else (
            names.DECISION_STEP if code == "decision" else names.name(names.STAGES, code))
        steps.append({"code": code, "names": label, "done": any(e in reached for e in events),
                      "current": code == current})
    return tuple(steps)


# Reading a form into a command's values


def _rows(form: Form, name: str, least: int, most: int) -> list[list[str]]:
    """A list of records typed one a line, parts separated by ``|``: each line's parts (``least`` to ``most``)."""
    rows = []
    for number, line in enumerate(form.lines(name), start=1):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if not least <= len(parts) <= most:
            raise InvalidInput(name, f"{name} 第 {number} 行应有 {least}–{most} 项，以“|”分隔 / {name}, line {number}: "
                                     f"{least} to {most} parts separated by '|' are needed, not {line!r}")
        rows.append(parts + [""] * (most - len(parts)))
    return rows


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(name, f"{name}：请填写日期（年-月-日） / {name}: a date is needed (YYYY-MM-DD), "
                                 f"not {value!r}") from None


def _decimal(value: str, name: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(name, f"{name}：请填写数字 / {name}: a number is needed, not {value!r}") from None
    if not number.is_finite():
        raise InvalidInput(name, f"{name}：请填写数字 / {name}: a number is needed, not {value!r}")
    return number


def _whole(value: str, name: str) -> int:
    try:
        return int(value.strip() or "0")
    except ValueError:
        raise InvalidInput(name, f"{name}：请填写整数 / {name}: a whole number is needed, not {value!r}") from None


def _uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value.strip())
    except ValueError:
        raise InvalidInput(name, f"{name}：请选择人员或填写人员编号 / {name}: choose a person or give a person's id, "
                                 f"not {value!r}") from None


def _people(form: Form, name: str) -> list[UUID]:
    """The people chosen (checkboxes) and typed (one id a line) for ``name``, each once, in order."""
    typed = [line.strip() for value in form.all(name) for line in value.splitlines() if line.strip()]
    return list(dict.fromkeys(_uuid(v, name) for v in typed))


def _choice(form: Form, name: str) -> bool | None:
    """A yes / no / not stated choice: ``true``, ``false`` or empty."""
    value = form.text(name).lower()
    if value in ("", "none", "null"):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise InvalidInput(name, f"{name}：应为是、否或未说明 / {name}: yes, no or not stated, not {value!r}")


def _yes(form: Form, name: str, default: bool) -> bool:
    """A yes/no choice (``true``/``false``; a checkbox ``on``), ``default`` when not given."""
    value = form.text(name).lower()
    if not value:
        return default
    if value in ("true", "on", "yes", "1"):
        return True
    if value in ("false", "off", "no", "0"):
        return False
    raise InvalidInput(name, f"{name}：应为是或否 / {name}: yes or no, not {value!r}")


def application(form: Form) -> Apply:
    """The application of the form, as ``POST /api/v1/cases`` builds it from a ``CaseCreate``."""
    levels = [ScopeLevel(parse_enum(Level, level, f"levels.{i}.level"), Method.parse(method, f"levels.{i}.method"),
                         reference)
              for i, (level, method, reference) in enumerate(_rows(form, "levels", 2, 3))]
    certifications = [OtherCertification(system, number, _day(until, f"other_certifications.{i}.valid_until"))
                      for i, (system, number, until) in enumerate(_rows(form, "other_certifications", 3, 3))]
    transfer = None
    if any(form.text(f"transfer.{f}") for f in ("from_body", "certificate_number", "valid_until", "reason")):
        transfer = TransferInfo(
            from_body=form.text("transfer.from_body"), certificate_number=form.text("transfer.certificate_number"),
            status=parse_enum(TransferStatus, form.text("transfer.status"), "transfer.status"),
            valid_until=_day(form.text("transfer.valid_until"), "transfer.valid_until"),
            reason=form.text("transfer.reason"), issued_on=form.optional_day("transfer.issued_on"))
    return Apply(
        organization_uscc=form.text("organization_uscc"), kind=form.text("kind"),
        applied_on=form.day("applied_on"), scope=form.text("scope"), levels=levels,
        basis=Basis(standard=form.text("basis.standard") or "CCAI-S-C06", version=form.text("basis.version") or "2023",
                    sector_requirements=tuple(form.lines("basis.sector_requirements"))),
        cems_operating_since=form.day("cems_operating_since"),
        emission_control=EmissionControl(form.flag("emission_control.controlled"),
                                          _whole(form.text("emission_control.cycles_completed"),
                                                 "emission_control.cycles_completed")),
        other_certifications=certifications, incident_report_commitment=form.flag("incident_report_commitment"),
        permits=form.text("permits"), compliance_information=form.text("compliance_information"),
        renewal_of=form.optional("renewal_of"), transfer=transfer)


def supplement(case_id: str, form: Form) -> RequestSupplement:
    return RequestSupplement(case_id, form.day("requested_on"), form.all("missing"), form.text("note"))


def acceptance(case_id: str, form: Form) -> DecideAcceptance:
    review = Review(**{name: form.flag(f"review.{name}") for name in names.REVIEW})
    return DecideAcceptance(case_id, form.day("decided_on"), _yes(form, "accepted", True), review,
                            form.text("reasons"))


def agreement(case_id: str, form: Form) -> SignAgreement:
    return SignAgreement(case_id, form.day("signed_on"), form.day("fee_paid_on"))


def programme(case_id: str, form: Form) -> PlanProgramme:
    integrated = [IntegratedSystem(system, _decimal(days, f"integrated_with.{i}.standalone_person_days"))
                  for i, (system, days) in enumerate(_rows(form, "integrated_with", 2, 2))]
    standalone = form.text("cems_standalone_person_days")
    return PlanProgramme(case_id, form.day("planned_on"), _decimal(form.text("person_days"), "person_days"),
                         integrated, _decimal(standalone, "cems_standalone_person_days") if standalone else Decimal(4))


def team(case_id: str, form: Form) -> AppointTeam:
    leader = form.text("leader") or form.text("leader_id")
    return AppointTeam(case_id, _uuid(leader, "leader"), form.day("on"), _people(form, "members"),
                       _people(form, "experts"))


def stage1(case_id: str, form: Form) -> ConductStage1:
    return ConductStage1(case_id, form.day("conducted_on"), _yes(form, "on_site", True),
                         form.optional("off_site_ground"), form.text("justification"), form.text("findings"))


def stage2(case_id: str, form: Form) -> ConductStage2:
    found = [Nonconformity(ref, parse_enum(Severity, severity.lower(), f"nonconformities.{i}.severity"), text)
             for i, (ref, severity, text) in enumerate(_rows(form, "nonconformities", 3, 3))]
    return ConductStage2(case_id, form.day("conducted_on"), found, _yes(form, "on_site", True))


def closure(case_id: str, ref: str, form: Form) -> CloseNonconformity:
    return CloseNonconformity(case_id, ref, form.day("closed_on"), form.text("evidence"))


def report(case_id: str, form: Form) -> SubmitReport:
    focus = {name: text for name in FOCUS_POINTS if (text := form.text(f"focus_points.{name}"))}
    indicators = [PerformanceIndicator(indicator, unit, _decimal(b, f"quantified_performance.{i}.baseline"),
                                       _decimal(t, f"quantified_performance.{i}.target"),
                                       _decimal(a, f"quantified_performance.{i}.actual"))
                  for i, (indicator, unit, b, t, a) in enumerate(_rows(form, "quantified_performance", 5, 5))]
    return SubmitReport(case_id, form.day("submitted_on"), focus, indicators,
                        form.text("measurement_and_verification"), form.text("improvement_evaluation"),
                        form.text("cycle_effectiveness"), form.text("actual_reductions"))


def decision(case_id: str, form: Form) -> Decide:
    conditions = {name: _choice(form, f"conditions.{name}") for name in DECISION_CONDITIONS}
    return Decide(case_id, form.day("decided_on"), _yes(form, "grant", True), conditions, form.text("reasons"))


# Pages


def _options(request: Request) -> dict[str, Any]:
    """The choices the forms offer, with their names, and the largest document an upload takes."""
    kinds = [(k.value, names.name(names.DOCUMENT_KINDS, k.value)) for k in DocumentKind]
    return {"document_kinds": kinds, "document_kinds_options": [(code, f"{zh} {en}") for code, (zh, en) in kinds],
            "kind_options": [(code, f"{zh} {en}") for code, (zh, en) in names.CASE_KINDS.items()],
            "transfer_options": [(code, f"{zh} {en}") for code, (zh, en) in names.TRANSFER_STATUSES.items()],
            "names": names, "max_upload_bytes": request.app.state.settings.max_upload_bytes}


async def _case_response(request: Request, signed: Signed, case_id: str, status: int = 200,
                         refusal: Refusal | None = None, failed: str = "", form: Form | None = None) -> HTMLResponse:
    today = registry_of(request).clock.today()
    shown = await read(request, case_page, registry_of(request), case_id, today, signed.holds("admin"))
    lists = {}
    if form is not None:
        lists = {name: [line.strip() for value in form.all(name) for line in value.splitlines() if line.strip()]
                 for name in ("missing", "members", "experts")}
    return page(request, signed, "case", status, p=shown, c=shown.case, refusal=refusal, failed=failed,
                values=form.values() if form is not None else {}, lists=lists,
                done=request.query_params.get("done"), **_options(request))


@router.get("/cases/new")
async def new_case(request: Request, signed: Office, uscc: str = "") -> HTMLResponse:
    """The application form, its organisation's USCC filled in from ``?uscc=``."""
    return page(request, signed, "case_new", refusal=None, values={"organization_uscc": uscc}, **_options(request))


@router.post("/cases/new")
async def apply(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: application(form))
    if isinstance(handled, Refusal):
        return page(request, signed, "case_new", handled.status, refusal=handled, values=form.values(),
                    **_options(request))
    case_id = handled.written.ids["case"]
    return done(f"/office/cases/{case_id}", "已记录申请 / Application recorded")


@router.get("/cases/{case_id}")
async def case(request: Request, signed: Office, case_id: str) -> HTMLResponse:
    return await _case_response(request, signed, case_id)


@router.get("/cases/{case_id}/documents/{sha256}")
async def document(request: Request, signed: Office, case_id: str, sha256: str) -> Response:
    """The stored bytes, as ``GET /api/v1/cases/{id}/documents/{sha256}`` answers them: an attachment under the
    name received, served as its type only if that is a passive one."""
    found = await read(request, registry_of(request).case_document, case_id, sha256.lower())
    return attachment(found)


async def _step(request: Request, signed: Signed, case_id: str, name: str, build: Callable[[Form], Command],
                message: str) -> Response:
    """A step's form: the command ``build`` makes of it sent as the signed-in user; recorded, back to the case's
    page with ``message``; refused, the page again with the refusal beside the form ``name``."""
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: build(form))
    return await _after(request, signed, case_id, name, form, handled, message)


async def _after(request: Request, signed: Signed, case_id: str, name: str, form: Form, handled: Handled | Refusal,
                 message: str) -> Response:
    if isinstance(handled, Refusal):
        return await _case_response(request, signed, case_id, handled.status, handled, name, form)
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
    return await _step(request, signed, case_id, "supplement", lambda f: supplement(case_id, f),
                       "已记录补充材料要求 / Supplement request recorded")


@router.post("/cases/{case_id}/acceptance")
async def acceptance_decision(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "acceptance", lambda f: acceptance(case_id, f),
                       "已记录受理决定 / Acceptance decision recorded")


@router.post("/cases/{case_id}/agreement")
async def agreement_signed(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "agreement", lambda f: agreement(case_id, f),
                       "已记录认证协议 / Agreement recorded")


@router.post("/cases/{case_id}/programme")
async def programme_planned(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "programme", lambda f: programme(case_id, f),
                       "已记录审核方案 / Audit programme recorded")


@router.post("/cases/{case_id}/team")
async def team_appointed(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "team", lambda f: team(case_id, f),
                       "已委派审核组 / Audit team appointed")


@router.post("/cases/{case_id}/stage1")
async def stage1_conducted(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "stage1", lambda f: stage1(case_id, f),
                       "已记录第一阶段审核 / Stage 1 recorded")


@router.post("/cases/{case_id}/stage2")
async def stage2_conducted(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "stage2", lambda f: stage2(case_id, f),
                       "已记录第二阶段审核 / Stage 2 recorded")


@router.post("/cases/{case_id}/nonconformities/{ref}/closure")
async def nonconformity_closed(request: Request, signed: Office, case_id: str, ref: str) -> Response:
    return await _step(request, signed, case_id, f"closure:{ref}", lambda f: closure(case_id, ref, f),
                       f"已关闭不符合项 {ref} / Nonconformity {ref} closed")


@router.post("/cases/{case_id}/report")
async def report_submitted(request: Request, signed: Office, case_id: str) -> Response:
    return await _step(request, signed, case_id, "report", lambda f: report(case_id, f),
                       "已提交审核报告 / Audit report submitted")


@router.post("/cases/{case_id}/decision")
async def case_decided(request: Request, signed: Office, case_id: str) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: decision(case_id, form))
    number = handled.written.ids.get("certificate_number") if isinstance(handled, Handled) else None
    message = (f"已批准认证，证书编号 {number} / Granted: certificate {number}" if number
               else "已记录认证决定 / Decision recorded")
    return await _after(request, signed, case_id, "decision", form, handled, message)

