"""The office's lists (issue 22): cases, certificates, organisations, people and deadlines, each with its search,
filters and pages, read from the office's directory (``projections.office_directory``: ``views.directory``), names
shown, each row linking to its record's page.

A list counts its matches up to a cap (``CAP``, shown as "1,000+") and pages as far as the cap: an exact count of
a million rows on every request would take most of a page's time; beyond a thousand, the search is narrowed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.office.frame import Office, page, read, registry_of
from api.office.names import CASE_KINDS, DEADLINE_STATES, STAGES, STATUSES
from projections.keeping import Views
from projections.office_directory import OfficeDirectory
from projections.office_lists import CAP
from registry.rule_titles import rule_title

router = APIRouter(prefix="/office", include_in_schema=False)

# The rules whose deadlines are tracked (projections.deadlines)
DEADLINE_RULES = ("R-ACC-2", "R-SURV-1", "R-CHG-1", "R-SUS-1", "R-CAN-1")


def options(names: dict[str, tuple[str, str]] | tuple[str, ...]) -> list[tuple[str, str]]:
    """A filter's choices, "any" first: label pairs in Chinese and English, or rule ids with their titles."""
    if isinstance(names, dict):
        pairs = [(key, f"{zh} {en}") for key, (zh, en) in names.items()]
    else:
        pairs = [(rule, f"{rule} {rule_title(rule)[0]}") for rule in names]
    return [("", "全部 Any"), *pairs]


# The names the lists' templates show (api.office.names), and their helpers.
LABELS: dict[str, Any] = {"stages": STAGES, "kinds": CASE_KINDS, "statuses": STATUSES,
                          "deadline_states": DEADLINE_STATES, "rule_title": rule_title, "cap": CAP,
                          "options": options}


def directory(request: Request) -> OfficeDirectory:
    views: Views = request.app.state.views
    return views.directory


def _query(**params: str) -> str:
    """The list's query without its page, for the pager's links."""
    return urlencode({k: v for k, v in params.items() if v})


def _choice(value: str, allowed: dict[str, Any] | tuple[str, ...]) -> str:
    """A filter's value when it is one of the list's, else none (an unknown value filters nothing)."""
    return value if value in allowed else ""


def page_number(text: str) -> int:
    """The page a query asks for: a whole number, else the first."""
    return int(text) if text.isdigit() else 1


def _list(request: Request, signed: Office, template: str, **context: Any) -> HTMLResponse:
    return page(request, signed, template, **LABELS, **context)


@router.get("/cases")
async def cases(request: Request, signed: Office, stage: str = "", kind: str = "", organization: str = "",
                page: str = "1") -> HTMLResponse:
    stage, kind, organization = _choice(stage, STAGES), _choice(kind, CASE_KINDS), organization.strip()
    listed = await read(request, directory(request).cases, stage or None, kind or None, organization or None,
                        page_number(page), records=False)
    return _list(request, signed, "list_cases", listed=listed, stage=stage, kind=kind, organization=organization,
                 query=_query(stage=stage, kind=kind, organization=organization))


@router.get("/certificates")
async def certificates(request: Request, signed: Office, status: str = "", q: str = "",
                       page: str = "1") -> HTMLResponse:
    status, q = _choice(status, STATUSES), q.strip()
    listed = await read(request, directory(request).certificates, status or None, q or None, page_number(page),
                        records=False)
    return _list(request, signed, "list_certificates", listed=listed, chosen_status=status, q=q,
                 query=_query(status=status, q=q))


@router.get("/organizations")
async def organizations(request: Request, signed: Office, q: str = "", page: str = "1") -> HTMLResponse:
    q = q.strip()
    listed = await read(request, directory(request).organizations, q or None, page_number(page), records=False)
    return _list(request, signed, "list_organizations", listed=listed, q=q, query=_query(q=q))


@router.get("/people")
async def people(request: Request, signed: Office, q: str = "", page: str = "1") -> HTMLResponse:
    q = q.strip()
    listed = await read(request, directory(request).people, q or None, page_number(page), records=False)
    return _list(request, signed, "list_people", listed=listed, q=q, query=_query(q=q))


@router.get("/deadlines")
async def deadlines(request: Request, signed: Office, state: str = "", rule: str = "",
                    page: str = "1") -> HTMLResponse:
    state, rule = _choice(state, DEADLINE_STATES), _choice(rule, DEADLINE_RULES)
    today = registry_of(request).clock.today()
    listed = await read(request, directory(request).deadline_list, state or None, rule or None, today,
                        page_number(page), records=False)
    return _list(request, signed, "list_deadlines", listed=listed, state=state, rule=rule, rules=DEADLINE_RULES,
                 query=_query(state=state, rule=rule))
