"""Tracked deadlines (staff and regulators): every SLA of the rules with its rule, subject, due date and state."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import Reader, role_doc
from api.inputs import MAX_PAGE

router = APIRouter(tags=["deadlines · 期限"])


@router.get("/api/v1/deadlines", openapi_extra=role_doc("any staff", "regulator"),
            summary="Every tracked deadline: rule, subject, due_on, state (open, overdue, met, missed)")
async def deadlines(request: Request, _: Reader,
                    state: Literal["open", "overdue", "met", "missed"] | None = None,
                    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                    page_size: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    today = request.app.state.registry.clock.today()
    items, total = await run_in_threadpool(request.app.state.views.deadlines.listed, state, today,
                                           (page - 1) * page_size, page_size)
    return {"items": items, "total": total, "page": page, "page_size": page_size}
