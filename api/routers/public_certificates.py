"""What anyone may see without a token: one certificate, search, and the registry's health (API.md, Public).

Reads come from the public read model. ``?after=POSITION`` (or ``X-Registry-After``) waits, bounded, until the
views have caught up with a write, so a client reads its own write. ``?as_of=DATE`` folds the certificate's
events up to that day, exactly as the staff view does.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import store_back
from api.problems import NotCaughtUp
from api.public_reads import as_served, published, signed_extras
from api.schemas import PublicCertificate, SearchResults
from projections.public_certificates import public_document
from projections.runner import Views
from registry.errors import InvalidInput, NotFound

router = APIRouter(tags=["public · 公开查询"])


def _views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


async def wait_for(request: Request, after: str | None) -> None:
    if after is None:
        return
    try:
        position = int(after)
    except ValueError:
        raise InvalidInput("after", f"{after!r} is not a log position") from None
    timeout: float = request.app.state.settings.after_timeout
    if not await run_in_threadpool(_views(request).wait, position, timeout):
        raise NotCaughtUp(f"the public views have not reached log position {position} within {timeout:g} s")


def public_certificate(request: Request, number: str, as_of: date | None = None) -> dict[str, Any]:
    """The public document of a certificate as served (verify_url included), or NotFound; for pages."""
    registry = request.app.state.registry
    if as_of is not None:
        document = public_document(registry.get_certificate(number, as_of))
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
    number = request.path_params["number"]
    query = request.query_params
    await wait_for(request, query.get("after") or request.headers.get("x-registry-after"))
    if "as_of" in query:
        try:
            as_of = date.fromisoformat(query["as_of"])
        except ValueError:
            raise InvalidInput("as_of", f"{query['as_of']!r} is not a date (YYYY-MM-DD)") from None
        document = await run_in_threadpool(public_certificate, request, number, as_of)
        return Response(json.dumps(document, ensure_ascii=False, sort_keys=True), media_type="application/json")
    return await stored_answer(request.app.state, number)


async def stored_answer(state: Any, number: str) -> Response:
    """A certificate's public document as its row holds it (re-rendered after a lapse since), or NotFound."""
    row = await state.reader.get(number)
    if row is None:
        raise NotFound(f"no certificate {number}")
    return Response(as_served(row, state.registry.clock.today()), media_type="application/json")


FAST_ROUTES = [Route("/api/v1/public/certificates/{number}", serve_certificate, methods=["GET"])]


class PublicLookup:
    """The plain lookup (GET of one certificate, no query, no ``X-Registry-After``) answered as ``serve_certificate``
    answers it, before the framework's inner layers: its exception middleware, its exit stack, routing and the
    request object were a fifth of a lookup's time in the worker. Its failures (an unknown number, the database
    away) are answered by the app's own handlers; any other lookup goes on to the app."""

    PREFIX = "/api/v1/public/certificates/"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        number = path[len(self.PREFIX):]
        if (scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(self.PREFIX) or not number
                or "/" in number or scope["query_string"]
                or any(k == b"x-registry-after" for k, _ in scope["headers"])):
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
        await response(scope, receive, send)


@router.get("/api/v1/public/certificates/{number}", summary="One certificate, as anyone may see it (§10.1)",
            response_model=PublicCertificate)
async def certificate(number: str, request: Request, as_of: date | None = None, after: int | None = None,
                      x_registry_after: Annotated[int | None, Header()] = None) -> Response:
    """``?as_of=DATE``: as it stood at the end of that day. ``?after=POSITION`` (or ``X-Registry-After``): wait
    until the views have caught up with that write. (Served by ``serve_certificate``; declared here for the
    OpenAPI document.)"""
    return await serve_certificate(request)


@router.get("/api/v1/public/certificates", response_model=SearchResults,
            summary="Search by USCC (exact), organisation name (substring), status")
async def search(request: Request, uscc: str | None = None, name: str | None = None, status: str | None = None,
                 page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
                 after: str | None = None, x_registry_after: Annotated[str | None, Header()] = None
                 ) -> dict[str, Any]:
    await wait_for(request, after or x_registry_after)
    items, total = await run_in_threadpool(_views(request).public.search, uscc and uscc.strip().upper(),
                                           name and name.strip(), status, (page - 1) * page_size, page_size)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


_staff = HTTPBearer(auto_error=False, description="A staff or regulator token: health with its details")
PARKED_SHOWN = 100  # parked events listed to staff, oldest first (the count says how many in all)


@router.get("/api/v1/health", summary="Health: the log head, each view's position (their lag), parked events",
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
