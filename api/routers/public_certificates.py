"""What anyone may see without a token: one certificate, search, and the registry's health (API.md, Public).

Reads come from the public read model. ``?after=POSITION`` (or ``X-Registry-After``) waits, bounded, until the
views have caught up with a write, so a client reads its own write. ``?as_of=DATE`` folds the certificate's
events up to that day, exactly as the staff view does.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request

from api.problems import NotCaughtUp
from projections.public_certificates import public_document
from projections.runner import Views
from registry.errors import NotFound

router = APIRouter(tags=["public · 公开查询"])


def _views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


def _wait(request: Request, after: int | None, header: int | None) -> None:
    position = after if after is not None else header
    if position is None:
        return
    timeout: float = request.app.state.settings.after_timeout
    if not _views(request).wait(position, timeout):
        raise NotCaughtUp(f"the public views have not reached log position {position} within {timeout:g} s")


def as_published(document: dict[str, Any], today: date) -> dict[str, Any]:
    """R-SURV-4 and R-EXP-1 are published at once: a certificate whose surveillance lapsed or whose validity ran
    out never shows as valid, even before the scheduler has recorded the suspension or the expiry."""
    doc = dict(document)
    if doc["status"] in ("valid", "suspended") and date.fromisoformat(doc["valid_until"]) < today:
        doc["status"] = "expired"
        doc["status_since"] = (date.fromisoformat(doc["valid_until"]) + timedelta(days=1)).isoformat()
    elif doc["status"] == "valid" and date.fromisoformat(doc["surveillance"]["next_due_by"]) < today:
        doc["status"] = "suspended"
        doc["suspension_ground"] = "surveillance_overdue"
        doc["status_since"] = (date.fromisoformat(doc["surveillance"]["next_due_by"]) + timedelta(days=1)).isoformat()
    doc["surveillance"] = {**doc["surveillance"],
                           "overdue": date.fromisoformat(doc["surveillance"]["next_due_by"]) < today
                           and doc["status"] not in ("withdrawn", "cancelled", "expired")}
    return doc


def public_certificate(request: Request, number: str, as_of: date | None = None) -> dict[str, Any]:
    """The public document of a certificate (with its verify_url), or NotFound."""
    registry = request.app.state.registry
    if as_of is not None:
        document = public_document(registry.get_certificate(number, as_of))
        today = as_of
    else:
        found = _views(request).public.certificate(number)
        if found is None:
            raise NotFound(f"no certificate {number}")
        document, today = found, registry.clock.today()
    doc = as_published(document, today)
    doc["status_history"] = _views(request).public.timeline(number) if as_of is None else None
    signer = getattr(request.app.state, "signer", None)
    if signer is not None:
        doc["verify_url"] = signer.verify_url(doc["number"], doc["organization"]["uscc"],
                                              date.fromisoformat(doc["issued_on"]),
                                              date.fromisoformat(doc["valid_until"]))
    return {k: v for k, v in doc.items() if v is not None or k in ("renews", "renewed_by", "suspension_ground")}


@router.get("/api/v1/public/certificates/{number}", summary="One certificate, as anyone may see it (§10.1)")
def certificate(number: str, request: Request, as_of: date | None = None, after: int | None = None,
                x_registry_after: Annotated[int | None, Header()] = None) -> dict[str, Any]:
    _wait(request, after, x_registry_after)
    return public_certificate(request, number, as_of)


@router.get("/api/v1/public/certificates", summary="Search by USCC (exact), organisation name (substring), status")
def search(request: Request, uscc: str | None = None, name: str | None = None, status: str | None = None,
           page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
           after: int | None = None, x_registry_after: Annotated[int | None, Header()] = None) -> dict[str, Any]:
    _wait(request, after, x_registry_after)
    items, total = _views(request).public.search(uscc and uscc.strip().upper(), name and name.strip(), status,
                                                 (page - 1) * page_size, page_size)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


@router.get("/api/v1/health", summary="Health: the log head and each view's position (their lag)")
def health(request: Request) -> dict[str, Any]:
    views = _views(request)
    runner = request.app.state.runner
    body: dict[str, Any] = {"status": "ok", "views": views.lag()}
    if runner is not None and (runner.error is not None or not runner.running):
        body["status"] = "projections stopped"
        body["error"] = str(runner.error) if runner.error else "not running"
    return body
