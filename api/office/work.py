"""The office's work page, ``GET /office/``: what the signed-in user has to do (issue 22).

The cases waiting on one of the user's roles, each with the step it waits for (which stage waits on which role:
the roles of the API's routes, ``api/routers/cases.py``; an auditor sees the programmes any auditor may plan and
the stage 1, stage 2 and report of the teams they are on; a decision maker the programmes of fewer than 4
person-days awaiting approval, R-PREP-2); the deadlines, overdue and missed first; and the
certificates whose surveillance audit is due or whose validity ends in the next 60 days. By organisation name,
each linking to its record. A regulator, who has no steps to take, sees the deadlines first. One read of the
directory, in a thread (``projections.office_directory``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.office.frame import Office, page, read, registry_of
from api.office.lists import LABELS, directory
from api.office.names import APPROVAL_STEP, NEXT_STEPS, TRANSFER_STEPS, name
from projections.office_directory import OfficeDirectory
from projections.office_work import TEAM_STAGES, WAITS_ON
from registry.views import UserView

router = APIRouter(prefix="/office", include_in_schema=False)

COMING_DAYS = 60
ROWS = 10  # the first rows of each card; its count and its list link say how many more there are


@dataclass
class Queue:
    """Cases waiting on one of the user's roles for one step: the first of them, longest waiting first, and how
    many there are (up to the cap), with the list that shows them all."""

    role: str
    key: str
    title: tuple[str, str]
    rows: list[dict[str, Any]]
    total: int
    capped: bool = False
    more: str = ""  # the list of them all


@dataclass
class Work:
    queues: list[Queue] = field(default_factory=list)
    deadlines: dict[str, tuple[list[dict[str, Any]], int, bool]] = field(default_factory=dict)
    coming: dict[str, tuple[list[dict[str, Any]], int, bool]] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        return sum(q.total for q in self.queues)


def _step(case: dict[str, Any], decide: bool = False) -> dict[str, Any]:
    if case["kind"] == "transfer" and (decide or case["stage"] == "team_appointed"):
        step = TRANSFER_STEPS["decide" if decide else "team_appointed"]
    else:
        step = name(NEXT_STEPS, case["stage"])
    return {**case, "step": step}


def work_of(d: OfficeDirectory, user: UserView, today: date) -> Work:
    """What ``user`` has to do as of ``today``."""
    work = Work()
    for role, stages in WAITS_ON.items():
        if role not in user.roles:
            continue
        for stage, (rows, total, capped) in d.waiting(stages, ROWS).items():
            work.queues.append(Queue(role, stage, NEXT_STEPS[stage], [_step(c) for c in rows], total, capped,
                                     f"/office/cases?stage={stage}"))
        if role == "auditor" and user.person is not None:
            team = [_step(c) for c in d.team_waiting(str(user.person))]
            work.queues.append(Queue(role, "team", ("我所在审核组的审核工作", "My audit teams' work"), team,
                                     len(team)))
        if role == "decision":
            transfers = [_step(c, decide=True) for c in d.transfers_decidable()]
            if transfers:
                work.queues.append(Queue(role, "transfer", TRANSFER_STEPS["decide"], transfers, len(transfers)))
            approvals = [{**c, "step": APPROVAL_STEP} for c in d.approvals_waiting()]
            if approvals:
                work.queues.append(Queue(role, "approval", APPROVAL_STEP, approvals, len(approvals)))
    for state in ("overdue", "missed", "open"):
        work.deadlines[state] = d.deadlines_due(state, today, ROWS)
    work.coming = d.coming_up(today, COMING_DAYS, ROWS)
    return work


@router.get("/")
async def home(request: Request, signed: Office) -> Response:
    today = registry_of(request).clock.today()
    work = await read(request, work_of, directory(request), signed.user, today, records=False)
    return page(request, signed, "work", work=work, team_stages=TEAM_STAGES, coming_days=COMING_DAYS, **LABELS)
