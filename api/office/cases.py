"""The office's case page and its reads (API.md, "The office"; issue 22): ``GET /office/cases/{id}``, the case with
its stage, the eleven-document checklist, eligibility, team, findings, nonconformities, report gaps, decision,
deadlines and history, with names for its people and a form for each step the user's roles may take next;
``GET /office/cases/{id}/documents/{sha256}``, a document as received.

``case_page`` reads a case and its events into what the page shows; ``case_response`` answers the page, also with a
refused form's refusal beside it. The forms post to ``api.office.case_steps``. A page leaves out only the forms the
user's roles can never use and those that cannot apply at the case's stage (a form posted anyway is still the
application's to judge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.downloads import attachment
from api.office import names
from api.office.frame import Form, Office, Refusal, Signed, page, read, registry_of
from api.office.keeping import keeping, record_line
from projections.deadlines import apply_changes, case_changes
from registry.application import Registry
from registry.case import Case
from registry.case_scope import BEFORE_THE_TEAM
from registry.errors import NotFound, RegistryError
from registry.history import plain
from registry.review_steps import DataReviewView
from registry.values import DocumentKind
from registry.views import CaseView

router = APIRouter(prefix="/office", include_in_schema=False)

# The stepper: a case's steps in order, with the event that reaches each (the last is the decision, either way).
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("applied", ("Applied",)), ("accepted", ("Accepted",)), ("contracted", ("AgreementSigned",)),
    ("planned", ("ProgrammePlanned",)), ("team_appointed", ("TeamAppointed",)), ("stage1_done", ("Stage1Conducted",)),
    ("stage2_done", ("Stage2Conducted",)), ("reported", ("ReportSubmitted",)), ("decision", ("Granted", "Refused")),
)


# The stages at which intake may record the scope's sectors (R-TEAM-3), unless a team was appointed
SECTORS_RECORDED_AT = tuple(stage.value for stage in BEFORE_THE_TEAM)


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
    review: DataReviewView | None = None  # the greenhouse-gas data review (R-GHG-2..4; api.office.data_review)
    sector_options: tuple[tuple[str, str], ...] = ()  # the body's sectors (name, code), while intake may record them
    own: tuple[tuple[int, str, str, dict[str, Any]], ...] = ()  # each event: version, type, role, data (R-REC-3, -6)

    @property
    def names_by_id(self) -> dict[str, str]:
        """The people's names by their ids as text (as a view's plain data gives them)."""
        return {str(k): v for k, v in self.people.items()}


def _name_of(registry: Registry, people: dict[UUID, str], pid: Any) -> None:
    if isinstance(pid, UUID) and pid not in people:
        try:
            people[pid] = registry.get_person(pid).name
        except NotFound:
            people[pid] = str(pid)


def case_page(registry: Registry, case_id: str, today: date, with_candidates: bool,
              with_sectors: bool = False) -> CasePage:
    """The case ``case_id`` as its page shows it (``NotFound`` when there is none); ``with_sectors``: with the
    body's sectors, for intake to record the scope's from, until the team is appointed (R-TEAM-3)."""
    try:
        events = registry.record_events(UUID(case_id))  # read once: the case below is folded from them
    except ValueError:
        raise NotFound(f"未找到认证案例 {case_id} / no case {case_id}") from None
    view = registry.get_case(case_id)
    try:
        organization_name = registry.get_organization(view.organization_uscc).name
    except RegistryError:
        organization_name = view.organization_uscc
    people: dict[UUID, str] = {}
    receipts: dict[str, Receipt] = {}
    reached: set[str] = set()
    stage1: dict[str, Any] | None = None
    facts: dict[str, Any] = {}
    history = []
    changes = []
    own = []
    for event in events:
        kind = type(event).__name__
        reached.add(kind)
        actor = getattr(event, "actor", None)
        person = getattr(actor, "person", None)
        _name_of(registry, people, person)
        effective = getattr(event, "effective_on", None)
        detail = sectors_line(event.sectors, event.replaced) if isinstance(event, Case.SectorsRecorded) else ""
        role = getattr(getattr(actor, "role", None), "value", "")
        if isinstance(event, Case.CorrectionRecorded | Case.PaperOriginalFiled) or event.correctable:
            data = {k: plain(v) for k, v in vars(event).items()}
            own.append((event.originator_version, kind, role, data))
            detail = record_line(kind, data) or detail
        history.append({"type": kind, "names": names.name(names.EVENTS, kind), "on": effective,
                        "recorded_at": getattr(event, "timestamp", None), "person": person,
                        "role": getattr(getattr(actor, "role", None), "value", ""), "detail": detail})
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
    review = registry.get_data_review(view.id)
    for item in (*review.activity_data, *review.emission_factors):
        _name_of(registry, people, UUID(item["reviewed_by"]) if item.get("reviewed_by") else None)
    sectors = registry.sectors() if with_sectors and view.team is None and view.stage in SECTORS_RECORDED_AT else {}
    return CasePage(view, organization_name, receipts, people, _steps(view, reached), stage1, facts, deadlines,
                    tuple(reversed(history)), tuple(candidates), open_refs, review, tuple(sectors.items()),
                    tuple(own))


def sectors_line(sectors: Sequence[str], replaced: Sequence[str]) -> str:
    """What a history shows of the sectors recorded of a case's scope (R-TEAM-3), with those they replaced."""
    return (f"专业领域：{'、'.join(sectors)}（此前：{'、'.join(replaced) or '未指明'}） / Sectors: "
            f"{', '.join(sectors)} (before: {', '.join(replaced) or 'none named'})")


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


# The page


def options(request: Request) -> dict[str, Any]:
    """The choices the forms offer, with their names, and the largest document an upload takes."""
    kinds = [(k.value, names.name(names.DOCUMENT_KINDS, k.value)) for k in DocumentKind]
    return {"document_kinds": kinds, "document_kinds_options": [(code, f"{zh} {en}") for code, (zh, en) in kinds],
            "kind_options": [(code, f"{zh} {en}") for code, (zh, en) in names.CASE_KINDS.items()],
            "transfer_options": [(code, f"{zh} {en}") for code, (zh, en) in names.TRANSFER_STATUSES.items()],
            "names": names, "max_upload_bytes": request.app.state.settings.max_upload_bytes}


async def case_response(request: Request, signed: Signed, case_id: str, status: int = 200,
                        refusal: Refusal | None = None, failed: str = "", form: Form | None = None) -> HTMLResponse:
    """The case's page; after a refused form, with the ``refusal`` beside the form ``failed`` and what was typed in
    ``form`` kept in its fields."""
    today = registry_of(request).clock.today()
    shown = await read(request, case_page, registry_of(request), case_id, today, signed.holds("admin"),
                       signed.holds("intake"))
    lists = {}
    if form is not None:
        lists = {name: [line.strip() for value in form.all(name) for line in value.splitlines() if line.strip()]
                 for name in ("missing", "members", "experts", "sectors")}
    return page(request, signed, "case", status, p=shown, c=shown.case, refusal=refusal, failed=failed,
                p_records=keeping("case", shown.own, signed, names.EVENTS),  # R-REC-3, R-REC-6
                values=form.values() if form is not None else {}, lists=lists,
                done=request.query_params.get("done"), **options(request))


@router.get("/cases/{case_id}")
async def case(request: Request, signed: Office, case_id: str) -> HTMLResponse:
    return await case_response(request, signed, case_id)


@router.get("/cases/{case_id}/documents/{sha256}")
async def document(request: Request, signed: Office, case_id: str, sha256: str) -> Response:
    """The stored bytes, as ``GET /api/v1/cases/{id}/documents/{sha256}`` answers them: an attachment under the
    name received, served as its type only if that is a passive one."""
    found = await read(request, registry_of(request).case_document, case_id, sha256.lower())
    return attachment(found)
