"""The office's certificate page (issue 22): ``GET /office/certificates/{number}`` shows the §10.1 contents, status,
surveillance, versions, the QR and the PDF, the history as a timeline (by name), and the forms of the status actions
the user's roles may take; ``GET /office/certificates/{number}/certificate.pdf`` is the certificate document, the
same bytes as the API's.

Each form posts to the path of its API route under ``/office/certificates/{number}/`` and builds the same command
from the same fields (a change request's ``changes`` as ``changes.name`` …, a surveillance team as ``leader`` and
``members``); the application alone decides whether the step is allowed, and a refusal is shown beside its form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.certificate_pdf import CJKFontMissing
from api.certificate_pdf import render as render_pdf
from api.office import certificate_forms as surveillance_forms
from api.office import names as office_names
from api.office.data_review import (
    profile_line,
    profiles,
    review_detail,
    surveillance_datum,
    surveillance_factor,
    surveillance_findings,
    surveillance_profiles,
)
from api.office.frame import (
    HEADERS,
    Form,
    Office,
    Refusal,
    Signed,
    attempt,
    done,
    page,
    posted,
    read,
    registry_of,
)
from api.office.keeping import keeping, record_line
from api.office.names import (
    CANCELLATION_GROUNDS,
    CASE_KINDS,
    CHANGE_FIELDS,
    EVENTS,
    GROUNDS,
    INCIDENT_KINDS,
    LEVELS,
    METHODS,
    OUTCOMES,
    ROLES,
    STAGES,
    STATUSES,
    SURVEILLANCE_CONTENT,
    name,
)
from api.routers.certificates import as_issued
from registry.application import Registry
from registry.certificate_status import MEASURE_GROUNDS
from registry.clock import SHANGHAI
from registry.commands import (
    Cancel,
    ChangeCertificate,
    Command,
    RecordGround,
    Reinstate,
    RequestChange,
    Suspend,
    Withdraw,
)
from registry.errors import InvalidInput, NotFound, RegistryError
from registry.history import HistoryEntry
from registry.values import CancellationGround, Changes
from registry.views import CaseView, CertificateView, PersonView

router = APIRouter(prefix="/office", include_in_schema=False)


class Names:
    """Person names by id, each read once per page (a person there is none of shows as its id)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.known: dict[str, str] = {}

    def __call__(self, pid: UUID | str | None) -> str | None:
        if pid is None:
            return None
        key = str(pid)
        if key not in self.known:
            try:
                self.known[key] = self.registry.get_person(key).name
            except RegistryError:
                self.known[key] = key
        return self.known[key]


def day_of(e: HistoryEntry) -> date:
    """The day an event took effect, or, for an undated one, the day it was recorded (in Asia/Shanghai)."""
    return e.effective_on or e.recorded_at.astimezone(SHANGHAI).date()


def detail_of(e: HistoryEntry, names: Names) -> str:
    """The facts of an event worth a line on the timeline, in Chinese with the codes' English."""
    d = e.shown  # R-REC-6: each field as corrected
    match e.type:
        case "Suspended" | "Withdrawn":
            zh, en = GROUNDS.get(d.get("ground", ""), (d.get("ground", ""), ""))
            return f"理由 Ground：{zh}（{en}）{('；' + d['detail']) if d.get('detail') else ''}"
        case "GroundRecorded":  # R-SUS-3
            zh, en = GROUNDS.get(d.get("ground", ""), (d.get("ground", ""), ""))
            return f"理由 Ground：{zh}（{en}）；来源 Source：{d.get('source', '')}" + \
                (f"；{d['detail']}" if d.get("detail") else "") + f"；措施截止 Measure due by：{d.get('due_by', '')}"
        case "Cancelled":
            zh, en = CANCELLATION_GROUNDS.get(d.get("ground", ""), (d.get("ground", ""), ""))
            trigger = f"；事由日期 Trigger date：{d['trigger_on']}" if d.get("trigger_on") else ""  # R-CAN-2
            return f"理由 Ground：{zh}（{en}）{trigger}{('；' + d['detail']) if d.get('detail') else ''}"
        case "Reinstated":
            return f"证据 Evidence：{d.get('evidence', '')}"
        case "SurveillanceAuditRecorded":
            zh, en = OUTCOMES.get(d.get("outcome", ""), (d.get("outcome", ""), ""))
            team = d.get("team") or {}
            leader = names(team.get("leader")) if isinstance(team, dict) else None
            days = f"；人日 Person-days：{d['person_days']}" if d.get("person_days") else ""
            ncs = f"；不符合项 Nonconformities：{len(d['nonconformities'])}" if d.get("nonconformities") else ""
            quality = f"；{profile_line(d.get('quality_profile'))}" if d.get("quality_profile") else ""
            return f"结论 Outcome：{zh}（{en}）" + (f"；审核组长 Leader：{leader}" if leader else "") + days + ncs + \
                f"；下次监督审核截止 Next due by：{d.get('next_due_by', '')}" + quality
        case "ChangeRequested" | "Changed":
            changes = d.get("changes") or {}
            named = "；".join(f"{CHANGE_FIELDS.get(k, (k, k))[0]}：{v}" for k, v in changes.items() if v is not None)
            version = f"第 {d['certificate_version']} 版 Version {d['certificate_version']}；" \
                if e.type == "Changed" else ""
            return f"{version}{named}"
        case "Issued":
            return f"有效期至 Valid until：{d.get('valid_until', '')}"
        case "Granted":
            return f"证书 Certificate：{d.get('certificate_number', '')}"
        case "Refused" | "NotAccepted" | "Accepted":
            return str(d.get("reasons", ""))
        case "DocumentReceived":
            return str(d.get("filename", ""))
        case "CorrectionRecorded" | "PaperOriginalFiled":
            return record_line(e.type, d)
        case "RenewedBy":
            return f"新证书 Successor：{d.get('successor', '')}"
        case "SurveillanceProgrammeSet":
            return f"频次 Frequency：{d.get('frequency_months')} 个月 months；依据 Basis：{d.get('basis', '')}；" \
                   f"下次监督审核截止 Next due by：{d.get('next_due_by', '')}"
        case "IncidentRecorded":
            zh, en = INCIDENT_KINDS.get(d.get("kind", ""), (d.get("kind", ""), ""))
            return f"{zh}（{en}）：{d.get('description', '')}；增加的监督审核截止 Additional audit due by：" \
                   f"{d.get('additional_audit_due_by', '')}"
        case "SurveillanceNonconformityClosed":
            return f"不符合项 Nonconformity {d.get('ref', '')}：{d.get('evidence', '')}" + \
                ("（逾期 late）" if d.get("late") else "")
    return review_detail(e)


def timeline(history: list[HistoryEntry], names: Names) -> list[dict[str, Any]]:
    """The history oldest first, each event as the page shows it: its day, what happened, by whom by name."""
    shown = []
    for e in history:
        zh, en = name(EVENTS, e.type)
        role = str(e.actor.get("role", ""))
        shown.append({"position": e.position, "type": e.type, "record": e.record, "record_id": e.record_id,
                      "on": day_of(e), "zh": zh, "en": en, "detail": detail_of(e, names),
                      "by": names(e.actor.get("person")), "by_id": e.actor.get("person"),
                      "role": name(ROLES, role)})
    return shown


def change_requests(history: list[HistoryEntry], certificate: UUID) -> list[dict[str, Any]]:
    """The change requests of the certificate, each with what it asks and whether a change has followed it (a
    renewed certificate's history also holds the earlier cycle's, which are not this one's, R-RECERT-2)."""
    own = [e for e in history if e.record == "certificate" and e.record_id == certificate]
    changed = {e.data.get("request_id") for e in own if e.type == "Changed"}
    return [{"id": e.data["request_id"], "on": day_of(e), "changes": e.data.get("changes") or {},
             "done": e.data["request_id"] in changed}
            for e in own if e.type == "ChangeRequested"]


def registered_people(registry: Registry) -> list[PersonView]:
    """The people who hold any registration among the office's users' people, by name: the auditors a page can
    offer without a list of every person (the registry keeps none; its users are few)."""
    found: dict[UUID, PersonView] = {}
    for user in registry.list_users():
        if user.person in found:
            continue
        try:
            person = registry.get_person(user.person)
        except RegistryError:
            continue
        if person.registrations:
            found[person.id] = person
    return sorted(found.values(), key=lambda p: p.name)


def auditors(registry: Registry, on: date) -> list[dict[str, Any]]:
    """The people an auditor may name on a surveillance team here (``registered_people``), with whether R-TEAM-2
    lets them audit on ``on``; the application judges the team when the audit is recorded."""
    return [{"id": str(p.id), "name": p.name, "may_audit": registry.audit_competence(p.id, on).may_audit}
            for p in registered_people(registry)]


def case_row(case: CaseView) -> dict[str, Any]:
    """A case as a list shows it: its kind and stage by name, and when it was applied for."""
    return {"id": case.id, "kind": name(CASE_KINDS, case.kind),
            "stage": name(STAGES, case.stage), "applied_on": case.applied_on}


def _certificate(request: Request, number: str) -> CertificateView:
    registry = registry_of(request)
    try:
        return as_issued(request, number, registry.get_certificate)
    except InvalidInput:
        raise NotFound(f"未找到证书 {number} / no certificate {number}") from None


def _page_data(request: Request, number: str, signed: Signed) -> dict[str, Any]:
    registry = registry_of(request)
    view = _certificate(request, number)
    history = registry.certificate_history(view.number)
    names = Names(registry)
    directory = request.app.state.views.directory
    cases = []
    for cid in view.case_ids:
        # The directory's row: a case's kind, stage and date without folding the case (a third of the page's
        # time); the case itself while the directory has not taken it yet.
        row = directory.case_row(str(cid))
        if row is not None:
            cases.append({"id": cid, "kind": name(CASE_KINDS, row["kind"]), "stage": name(STAGES, row["stage"]),
                          "applied_on": date.fromisoformat(str(row["applied_on"]))})
            continue
        try:
            cases.append(case_row(registry.get_case(cid)))
        except NotFound:
            cases.append({"id": cid, "kind": ("案例", "Case"), "stage": ("", ""), "applied_on": None})
    today = registry.clock.today()
    own = [(e.version, e.type, str(e.actor.get("role", "")), {**e.data, "on": e.effective_on}) for e in history
           if e.record == "certificate" and e.record_id == view.id]
    return {"cert": view, "events": timeline(history, names), "requests": change_requests(history, view.id),
            "records": keeping("certificate", own, signed, EVENTS),  # R-REC-3, R-REC-6
            "cases": cases,
            "auditors": auditors(registry, today) if signed.holds("auditor") else [],
            "reviews": profiles(registry, view.case_ids),  # R-GHG-4
            "surveillance_review": surveillance_profiles(registry, view.number),  # R-GHG-2..4 of each audit
            "review_names": office_names,
            "number_q": quote(view.number, safe="")}


async def _show(request: Request, signed: Signed, number: str, status: int = 200, refusal: Refusal | None = None,
                failed: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    data = await read(request, _page_data, request, number, signed)
    # A refusal of a form the page does not show the user (posted without it): shown at the top instead.
    elsewhere = refusal if refusal is not None and failed in FORMS and not signed.holds(FORMS[failed].role) else None
    measure = [(g.value, " / ".join(GROUNDS[g.value])) for g in MEASURE_GROUNDS]
    cancellation = [(g.value, " / ".join(CANCELLATION_GROUNDS[g.value])) for g in CancellationGround]
    return page(request, signed, "certificate", status, statuses=STATUSES, grounds=GROUNDS, levels=LEVELS,
                methods=METHODS, outcomes=OUTCOMES, measure_grounds=measure, cancellation_grounds=cancellation,
                change_fields=CHANGE_FIELDS, surveillance_content=SURVEILLANCE_CONTENT, incident_kinds=INCIDENT_KINDS,
                nonconformity_hint=surveillance_forms.NONCONFORMITY_HINT, refusal=refusal, elsewhere=elsewhere,
                failed=failed, values=values or {},
                done=request.query_params.get("done"), **data)


@router.get("/certificates/{number}")
async def certificate(number: str, request: Request, signed: Office) -> HTMLResponse:
    return await _show(request, signed, number)


@router.get("/certificates/{number}/certificate.pdf")
async def certificate_pdf(number: str, request: Request, signed: Office) -> Response:
    """The certificate document, rendered as the API's ``/api/v1/certificates/{number}/certificate.pdf`` renders
    it (the same function, the app's own signer); a page saying what to install when no Chinese font is."""
    view = await read(request, _certificate, request, number)
    try:
        pdf = await run_in_threadpool(render_pdf, view, request.app.state.signer)
    except CJKFontMissing as e:
        return page(request, signed, "certificate_unavailable", 503, cert=view, detail=str(e))
    return Response(pdf, media_type="application/pdf", headers={
        **HEADERS, "Content-Disposition": f"inline; filename=\"{quote(view.number, safe='')}.pdf\""})


@dataclass(frozen=True)
class Step:
    """A form of the page: the command its fields build, and the line that says it was recorded."""

    build: Callable[[str, Form], Command]
    recorded: str
    role: str  # the role whose users the page shows the form to
    path: str = ""  # below /office/certificates/{number}/, when not the step's name (the API route's path)


def _changes(form: Form) -> Changes:
    return Changes(**{field: form.optional(f"changes.{field}") for field in CHANGE_FIELDS})


FORMS: dict[str, Step] = {
    # Issue 23: the surveillance audit's substance, the programme and incidents (api.office.certificate_forms).
    "surveillance-audits": Step(surveillance_forms.surveillance_audit,
                                "已记录监督审核 / Surveillance audit recorded", "auditor"),
    # Issue 23: the coming surveillance audit's data review (R-GHG-2, R-GHG-3; api.office.data_review).
    "surveillance_datum": Step(surveillance_datum, "已记录监督审核的活动数据 / Activity datum recorded", "auditor",
                               "data-review/activity-data"),
    "surveillance_factor": Step(surveillance_factor, "已记录监督审核的排放因子 / Emission factor recorded",
                                "auditor", "data-review/emission-factors"),
    "surveillance_findings": Step(surveillance_findings, "已记录监督审核数据评审结论 / Findings recorded", "auditor",
                                  "data-review/findings"),  # §7.1
    "surveillance-programme": Step(surveillance_forms.programme,
                                   "已记录监督审核方案 / Surveillance programme recorded", "auditor"),
    "incidents": Step(surveillance_forms.incident,
                      "已记录重大变化或事故 / Major change or incident recorded", "intake"),
    "change-requests": Step(
        lambda n, f: RequestChange(n, f.day("requested_on"), f.day("changed_on"), _changes(f)),
        "已记录变更申请 / Change request recorded", "intake"),
    "changes": Step(
        lambda n, f: ChangeCertificate(n, f.text("request_id"), f.day("changed_on")),
        "已变更证书 / Certificate changed", "admin"),
    "grounds": Step(
        lambda n, f: RecordGround(n, f.text("ground"), f.day("known_on"), f.text("source"), f.text("detail")),
        "已记录获知的理由 / Ground recorded", "decision"),
    "suspension": Step(
        lambda n, f: Suspend(n, f.day("on"), f.day("known_on"), f.text("ground"), f.text("detail")),
        "已暂停证书 / Certificate suspended", "decision"),
    "reinstatement": Step(
        lambda n, f: Reinstate(n, f.day("on"), f.text("evidence")),
        "已恢复证书 / Certificate reinstated", "decision"),
    "withdrawal": Step(
        lambda n, f: Withdraw(n, f.day("on"), f.day("known_on"), f.text("ground"), f.text("detail")),
        "已撤销证书 / Certificate withdrawn", "decision"),
    "cancellation": Step(
        lambda n, f: Cancel(n, f.day("on"), f.text("ground"), f.text("detail"), f.optional_day("trigger_on")),
        "已注销证书 / Certificate cancelled", "decision"),
}


def _form(step: str, spec: Step) -> None:
    """``POST /office/certificates/{number}/{step}``: the form's command sent as the signed-in user; the page again,
    with the refusal beside the form, when the application refuses it."""

    async def post(number: str, request: Request, signed: Office) -> Response:
        form = Form(await posted(request, signed))
        outcome = await attempt(request, signed, lambda: spec.build(number, form))
        if isinstance(outcome, Refusal):
            return await _show(request, signed, number, outcome.status, outcome, step, form.values())
        return done(f"/office/certificates/{quote(number, safe='')}", spec.recorded)

    post.__name__ = f"certificate_{step.replace('-', '_')}"
    router.add_api_route(f"/certificates/{{number}}/{spec.path or step}", post, methods=["POST"])


for _step, _spec in FORMS.items():
    _form(_step, _spec)


@router.post("/certificates/{number}/nonconformities/{ref}/closure")
async def certificate_nonconformity_closure(number: str, ref: str, request: Request, signed: Office) -> Response:
    """R-SURV-5: a surveillance nonconformity closed, as ``POST /api/v1/certificates/{number}/nonconformities/{ref}/
    closure``; refused beside its form (``closure:{ref}``)."""
    form = Form(await posted(request, signed))
    outcome = await attempt(request, signed, lambda: surveillance_forms.closure(number, ref, form))
    if isinstance(outcome, Refusal):
        return await _show(request, signed, number, outcome.status, outcome, f"closure:{ref}", form.values())
    return done(f"/office/certificates/{quote(number, safe='')}", "已关闭不符合项 / Nonconformity closed")
