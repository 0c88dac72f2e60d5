"""The office's work page, ``GET /office/``: what the signed-in user has to do (issue 22)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.office.frame import Office, page

router = APIRouter(prefix="/office", include_in_schema=False)


@router.get("/")
def home(request: Request, signed: Office) -> Response:
    return page(request, signed, "home")
