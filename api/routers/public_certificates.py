"""What anyone may see without a token: one certificate, search, and the registry's health (API.md, Public).

Reads come from the public read model. ``?after=POSITION`` (or ``X-Registry-After``) waits, bounded and holding no
thread, until the views have caught up with a write, so a client reads its own write. ``?as_of=DATE`` folds the
certificate's events up to that day, exactly as the staff view does. Numbers are matched ignoring case; whatever a
URL carries is checked before it reaches a query (``api/inputs.py``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

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
from api.public_reads import as_served, published, signed_extras
from api.schemas import Problem, PublicCertificate, SearchResults
from projections.public_certificates import public_document
from projections.runner import Views
from registry.errors import NotFound
from registry.values import Status

router = APIRouter(tags=["public · 公开查询"])
NOSNIFF = {"X-Content-Type-Options": "nosniff"}  # the edge says it of every other answer (api.edge)

# Every route that takes ?after= says what it answers when the views do not catch up in time.
AFTER_RESPONSES: dict[int | str, dict[str, Any]] = {503: {
    "model": Problem, "content": {"application/problem+json": {}},
    "description": "?after= (or X-Registry-After): the views have not reached that log position within the "
                   "timeout (REGISTRY_AFTER_TIMEOUT), or too many reads are waiting already; or the database is "
                   "away. A position beyond the log's head is a 422 at once."}}
After = Annotated[int | None, Query(ge=0, le=MAX_POSITION, description=(
    "a log position (a write's `position`): wait, bounded, until the views have processed it"))]
AfterHeader = Annotated[int | None, Header(ge=0, le=MAX_POSITION, description="the same as ?after=")]
Number = Annotated[str, Path(max_length=MAX_NUMBER, description="the certificate's number, in any case")]
AsOfQuery = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description=(
    "as it stood at the end of this day: YYYY-MM-DD, not after today"))]


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


def public_certificate(request: Request, number: str, as_of: date | None = None) -> dict[str, Any]:
    """The public document of a certificate as served (verify_url included), or NotFound; for pages."""
    certificate_number(number)
    registry = request.app.state.registry
    if as_of is not None:
        issued = _views(request).public.certificate_number(number) or number  # its spelling, whatever the case
        document = public_document(registry.get_certificate(issued, as_of))
        document.update(signed_extras(request.app.state.signer)(document))
        return published(document, as_of)
    row = _views(request).public.certificate_row(number)
    if row is None:
        raise NotFound(f"no certificate {number}")
    served: dict[str, Any] = json.loads(as_served(row, registry.clock.today()))
    return served


async def serve_certificate(request: Request) -> Response:
    """The lookup itself, as a plain Starlette endpoint: it is the hot path, and FastAPI's per-route machinery
    (dependency solving, an exit stack per request) would cost it a fifth of its rate. ``FAST_ROUTES`` puts it
    ahead of the documented route below, which answers the same by calling it."""
    number = certificate_number(request.path_params["number"])
    query = request.query_params
    as_of = as_of_day(query["as_of"], request.app.state.registry.clock.today()) if "as_of" in query else None
    await wait_for(request)
    if as_of is not None:
        document = await run_in_threadpool(public_certificate, request, number, as_of)
        return Response(json.dumps(document, ensure_ascii=False, sort_keys=True), media_type="application/json")
    return await stored_answer(request.app.state, number)


async def stored_answer(state: Any, number: str) -> Response:
    """A certificate's public document as its row holds it (re-rendered after a lapse since), or NotFound; a
    number no certificate can have is refused before it joins anyone else's query."""
    certificate_number(number)  # a length test and str.isprintable() for a usual number (text.fault)
    row = await state.reader.get(number)
    if row is None:
        raise NotFound(f"no certificate {number}")
    return Response(as_served(row, state.registry.clock.today()), media_type="application/json", headers=NOSNIFF)


FAST_ROUTES = [Route("/api/v1/public/certificates/{number}", serve_certificate, methods=["GET"])]


class PublicLookup:
    """The plain lookup (GET of one certificate, no query, no ``X-Registry-After``) answered as ``serve_certificate``
    answers it, before the framework's inner layers: its exception middleware, its exit stack, routing and the
    request object were a fifth of a lookup's time in the worker. Its failures (an unknown number, the database
    away) are answered by the app's own handlers; any other lookup goes on to the app."""

    PREFIX = "/api/v1/public/certificates/"
    # A read-your-write goes on to wait; an authenticated one to the edge, which marks it private (no-store).
    _NOT_PLAIN = (b"x-registry-after", b"authorization")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        number = path[len(self.PREFIX):]
        if (scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(self.PREFIX) or not number
                or "/" in number or scope["query_string"]
                or any(k in self._NOT_PLAIN for k, _ in scope["headers"])):
            await self.app(scope, receive, send)
            return
        app: Starlette = scope["app"]
        try:
            response = await stored_answer(app.state, number)
        except Exception as exc:
            handler = next((app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers),
                           None)
            if handler is None:
                raise
            response = handler(Request(scope, receive), exc)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")  # answered before the edge
        await response(scope, receive, send)


@router.get("/api/v1/public/certificates/{number}", summary="One certificate, as anyone may see it (§10.1)",
            response_model=PublicCertificate, responses=AFTER_RESPONSES)
async def certificate(number: Number, request: Request,
                      as_of: AsOfQuery = None, after: After = None, x_registry_after: AfterHeader = None) -> Response:
    """``?as_of=DATE``: as it stood at the end of that day. ``?after=POSITION`` (or ``X-Registry-After``): wait
    until the views have caught up with that write. The number is matched ignoring case. (Served by
    ``serve_certificate``; declared here for the OpenAPI document.)"""
    return await serve_certificate(request)


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
