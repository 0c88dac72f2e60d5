"""The API's routers grouped under /api/ (``api.routers.grouped``): a path elsewhere is passed over at once, a path
under the prefix is matched by its routes as before, and a route outside the prefix is refused when the group is
made."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.routers.grouped import Grouped


def _router(prefix: str) -> APIRouter:
    router = APIRouter(prefix=prefix)

    @router.get("/{name}")
    def named(name: str) -> dict[str, str]:
        return {"router": prefix, "name": name}

    return router


def test_a_path_under_the_prefix_reaches_its_route_and_one_elsewhere_the_routes_after_the_group() -> None:
    app = FastAPI()
    app.include_router(Grouped("/api/", [_router("/api/v1/things")]))
    app.include_router(_router("/office"))
    client = TestClient(app)
    assert client.get("/api/v1/things/a").json() == {"router": "/api/v1/things", "name": "a"}
    assert client.get("/office/b").json() == {"router": "/office", "name": "b"}
    assert client.get("/api/v1/nothing/here").status_code == 404
    assert "/api/v1/things/{name}" in app.openapi()["paths"]


def test_the_group_does_not_match_a_path_outside_its_prefix() -> None:
    group = Grouped("/api/", [_router("/api/v1/things")])
    match, _ = group.matches({"type": "http", "path": "/office/things/a", "method": "GET"})
    assert match.name == "NONE"


def test_a_route_outside_the_prefix_is_refused_when_the_group_is_made() -> None:
    with pytest.raises(ValueError, match="/verify"):
        Grouped("/api/", [_router("/api/v1/things"), _router("/verify")])
