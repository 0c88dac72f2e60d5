"""Routers grouped under one path prefix, which a request elsewhere passes over with a single test of its path.

FastAPI tries each route's pattern in turn: an office page, included after the API's ninety-odd routes, was matched
against every one of them first (7 % of a certificate page's time at 1,000,000 certificates). A group whose every
path begins with its prefix answers "no match" at once for any other path, and within it the routes are tried as
before, in the order included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class Grouped(APIRouter):
    """``routers`` included under ``prefix``'s test (their paths keep their own prefixes). A route outside the prefix
    is refused when the group is made: it would never be reached."""

    def __init__(self, under: str, routers: Iterable[APIRouter], **include: Any) -> None:
        super().__init__()
        self.under = under
        for router in routers:
            paths = [str(getattr(route, "path", "")) for route in router.routes]
            outside = [path for path in paths if not path.startswith(under)]
            if outside:
                raise ValueError(f"routes outside {under}: {', '.join(outside)}")
            self.include_router(router, **include)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not scope.get("path", "").startswith(self.under):
            return Match.NONE, {}
        return super().matches(scope)
