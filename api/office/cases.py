"""The office's cases pages (issue 22)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/office", include_in_schema=False)
