"""What anyone may see without a token: one certificate, search, and the registry's health (API.md, Public).

Reads come from the public read model. ``?after=POSITION`` (or ``X-Registry-After``) waits, bounded and holding no
thread, until the views have caught up with a write, so a client reads its own write. ``?as_of=DATE`` folds the
certificate's events up to that day, exactly as the staff view does. Numbers are matched ignoring case; whatever a
URL carries is checked before it reaches a query (``api/inputs.py``).

A plain lookup (no query, no ``X-Registry-After``, no token) is answered by the fast lane, ``api.lookup``, before
the route below is reached; the route answers every other one, with the same functions.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from api import lookup
from api.catching_up import CatchingUp
from api.deps import store_back
from api.inputs import (
    MAX_NUMBER,
    MAX_PAGE,
    MAX_POSITION,
    MAX_TEXT,
    as_of_day,
    certificate_number,
    log_position,
    search_text,
)
from api.public_reads import published, signed_extras
from api.schemas import Problem, PublicCertificate, SearchResults
from projections.public_certificates import public_document
from projections.runner import Views
from registry.values import Status

router = APIRouter(tags=["public · 公开查询"])

# Every route that takes ?after= says what it answers when the views do not catch up in time.
AFTER_RESPONSES: dict[int | str, dict[str, Any]] = {503: {
    "model": Problem, "content": {"application/problem+json": {}},
    "description": "?after= (or X-Registry-After): the views have not reached that log position within the "
                   "timeout (REGISTRY_AFTER_TIMEOUT), or too many reads are waiting already; or the database is "
                   "away. A position beyond the log's head is a 422 at once."}}


def _day_written(value: str) -> str:
    as_of_day(value, date.max)  # its shape; whether it is after today, the route asks the registry's clock
    return value


# What a public URL carries is checked by the registry's own rules (api/inputs.py) before FastAPI's constraints,
# which stay for the OpenAPI document: a malformed value is refused in the same words, naming the same field, as the
# fast lane (api.lookup) refuses it.
After = Annotated[int | None, Query(ge=0, le=MAX_POSITION, description=(
    "a log position (a write's `position`): wait, bounded, until the views have processed it")),
    BeforeValidator(lambda value: log_position("after", value))]
AfterHeader = Annotated[int | None, Header(ge=0, le=MAX_POSITION, description="the same as ?after="),
                        BeforeValidator(lambda value: log_position("X-Registry-After", value))]
Number = Annotated[str, Path(max_length=MAX_NUMBER, description="the certificate's number, in any case"),
                   BeforeValidator(certificate_number)]
AsOfQuery = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description=(
    "as it stood at the end of this day: YYYY-MM-DD, not after today")), BeforeValidator(_day_written)]


def _views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


async def wait_for(request: Request) -> None:
    """``?after=`` (or ``X-Registry-After``): waits, holding no thread, until the views have processed that log
    position (``CatchingUp``)."""
    asked = [(log_position(field, value), field) for field, value in (
        ("after", request.query_params.get("after")), ("X-Registry-After", request.headers.get("x-registry-after")))
        if value is not None]
    if asked:
        catching_up: CatchingUp = request.app.state.catching_up
        await catching_up.wait(*max(asked))


def certificate_as_of(request: Request, number: str, day: date) -> dict[str, Any]:
    """The public document of a certificate as it stood at the end of ``day``: its events folded up to then, as the
    staff view folds them (verify_url included), or NotFound."""
    registry = request.app.state.registry
    issued = _views(request).public.certificate_number(number) or number  # its spelling, whatever the case
    document = public_document(registry.get_certificate(issued, day))
    document.update(signed_extras(request.app.state.signer)(document))
    return published(document, day)


@router.get("/api/v1/public/certificates/{number}", summary="One certificate, as anyone may see it (§10.1)",
            response_model=PublicCertificate, responses=AFTER_RESPONSES)
async def certificate(number: Number, request: Request,
                      as_of: AsOfQuery = None, after: After = None, x_registry_after: AfterHeader = None) -> Response:
    """``?as_of=DATE``: as it stood at the end of that day. ``?after=POSITION`` (or ``X-Registry-After``): wait
    until the views have caught up with that write. The number is matched ignoring case."""
    day = as_of_day(as_of, request.app.state.registry.clock.today())
    await wait_for(request)
    if day is None:
        return await lookup.certificate(request.app, number)
    document = await run_in_threadpool(certificate_as_of, request, number, day)
    return Response(json.dumps(document, ensure_ascii=False, sort_keys=True), media_type="application/json")


@router.get("/api/v1/public/certificates", response_model=SearchResults, responses=AFTER_RESPONSES,
            summary="Search by USCC (exact), organisation name (substring), status")
async def search(request: Request, uscc: Annotated[str | None, Query(max_length=MAX_TEXT)] = None,
                 name: Annotated[str | None, Query(max_length=MAX_TEXT)] = None, status: Status | None = None,
                 page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                 page_size: Annotated[int, Query(ge=1, le=100)] = 20,
                 after: After = None, x_registry_after: AfterHeader = None) -> dict[str, Any]:
    uscc, name = search_text("uscc", uscc), search_text("name", name)
    await wait_for(request)
    items, total = await run_in_threadpool(_views(request).public.search, uscc and uscc.upper(), name,
                                           status and status.value, (page - 1) * page_size, page_size)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


_staff = HTTPBearer(auto_error=False, description="A staff or regulator token: health with its details")
PARKED_SHOWN = 100  # parked events listed to staff, oldest first (the count says how many in all)


@router.get("/api/v1/health", summary="Health: the log head, each view's position (their lag), parked events",
            openapi_extra={"security": [{}]},  # the token is optional: FastAPI lists it, this adds "or none"
            responses={503: {"description": "the projections this process runs have stopped (staff see why)"}})
def health(request: Request, response: Response,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_staff)] = None) -> dict[str, Any]:
    """In public, a status and counts only; with a staff or regulator token, also what stopped the projections
    and the parked events (a bad token is a 401, as anywhere)."""
    store_back(request)  # while the database is down: 503 at once
    staff = credentials is not None and request.app.state.registry.authenticate(credentials.credentials) is not None
    views = _views(request)
    runner = request.app.state.runner
    records, events = views.public.parked_count()
    body: dict[str, Any] = {"status": "ok", "views": views.lag(), "parked": {"records": records, "events": events}}
    if records:
        # Every other record is still published, so a load balancer keeps the node (200); a monitor that reads
        # the body sees that some record is held until someone looks at why.
        body["status"] = "degraded"
    if runner is not None and (runner.error is not None or not runner.running):
        # Unhealthy, for a load balancer or a monitor that reads only the status code: what it serves no longer
        # follows the log, and will not until someone looks at the event that stopped it.
        response.status_code = 503
        body["status"] = "projections stopped"
        if staff:
            body["error"] = str(runner.error) if runner.error else "not running"
    if staff and events:
        body["parked_events"] = [parked.as_dict() for parked in views.public.parked(limit=PARKED_SHOWN)]
    return body


@router.get("/api/v1/ping", summary="A trivial answer, for load balancers and as the benchmarks' baseline")
async def ping() -> dict[str, bool]:
    return {"ok": True}
