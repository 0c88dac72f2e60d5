"""The public lookup's fast lane (``api.lookup``) and the documented routes give the same answer to the same request;
the lane answers a plain lookup without the router, and answers its failures with the app's own handlers, awaiting
an async one."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.requests import Request

from api import lookup
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.errors import NotFound

PUBLIC = "/api/v1/public/certificates"
# The same request id for both (a 503 or 500 problem names it), and what varies from one answer to the next.
REQUEST_ID = {"X-Request-ID": "the-same-request"}
VARYING = {"date"}


@pytest.fixture
def number(registry: Registry, client: TestClient) -> str:
    walk = Walk(registry, enrol_staff(registry, date(2020, 1, 1)), date(2026, 3, 2)).to_certificate()
    assert walk.number
    client.app.state.views.bring_up_to_date()  # type: ignore[attr-defined]
    return walk.number


def answer(client: TestClient, url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, list[Any]]:
    response = client.get(url, headers={**REQUEST_ID, **(headers or {})})
    kept = sorted((k.lower(), v) for k, v in response.headers.multi_items() if k.lower() not in VARYING)
    return response.status_code, response.content, kept


def both_doors(client: TestClient, monkeypatch: pytest.MonkeyPatch, url: str,
               headers: dict[str, str] | None = None) -> tuple[Any, Any]:
    """The answer of the fast lane, then of the documented route, to the same request."""
    declined: list[str] = []
    with monkeypatch.context() as patched:
        fast = answer(client, url, headers)
        patched.setattr(lookup, "plain", declined.append)  # None: the lane lets every request through
        routed = answer(client, url, headers)
    assert len(declined) == 1
    return fast, routed


@pytest.mark.parametrize("suffix", ["", "/qr.svg", "/qr.png"])
@pytest.mark.parametrize("which", ["found", "found, lower case", "missing", "a NUL in it", "too long"])
def test_the_fast_lane_and_the_route_give_the_same_answer(client: TestClient, number: str,
                                                          monkeypatch: pytest.MonkeyPatch, which: str,
                                                          suffix: str) -> None:
    asked = {"found": number, "found, lower case": number.lower(), "missing": "CB-CEMS-2026-99999",
             "a NUL in it": f"{number}%00", "too long": "9" * 101}[which]
    fast, routed = both_doors(client, monkeypatch, f"{PUBLIC}/{asked}{suffix}")

    assert fast == routed
    status, _, headers = fast
    assert status == {"found": 200, "found, lower case": 200, "missing": 404}.get(which, 422)
    assert ("x-content-type-options", "nosniff") in headers


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_a_qr_image_not_modified_is_the_same_304_by_either_door(client: TestClient, number: str,
                                                                monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    url = f"{PUBLIC}/{number}/qr.{fmt}"
    etag = client.get(url).headers["etag"]

    fast, routed = both_doors(client, monkeypatch, url, {"If-None-Match": f"W/{etag}, \"other\""})

    assert fast == routed
    assert fast[0] == 304


def test_the_database_away_is_the_same_503_by_either_door(client: TestClient, number: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    async def away(number: str) -> None:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(client.app.state.reader, "get", away)  # type: ignore[attr-defined]
    for url in (f"{PUBLIC}/{number}", f"{PUBLIC}/{number}/qr.png"):
        fast, routed = both_doors(client, monkeypatch, url)
        assert fast == routed
        assert fast[0] == 503
        assert ("content-type", "application/problem+json") in fast[2]


def test_the_fast_lane_answers_a_plain_lookup_without_the_router(client: TestClient, number: str) -> None:
    """Only the requests ``plain`` picks: any other goes on to the app."""
    passed_on: list[str] = []

    async def router(scope: Any, receive: Any, send: Any) -> None:
        passed_on.append(scope["path"] + "?" + scope["query_string"].decode())

    lane = lookup.FastLane(router)

    async def get(path: str, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> int:
        scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers or [],
                 "app": client.app}
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await lane(scope, receive, send)
        return sent[0]["status"] if sent else 0

    def status(path: str, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> int:
        return client.portal.call(get, path, query, headers)  # type: ignore[union-attr]

    assert status(f"{PUBLIC}/{number}") == 200
    assert status(f"{PUBLIC}/{number}/qr.svg") == 200
    assert status(f"{PUBLIC}/CB-CEMS-2026-99999/qr.png") == 404
    assert status(f"{PUBLIC}/{'9' * 101}") == 422
    assert not passed_on
    assert status(f"{PUBLIC}/{number}", b"after=0") == 0
    assert status(f"{PUBLIC}/{number}", headers=[(b"x-registry-after", b"0")]) == 0
    assert status(f"{PUBLIC}/{number}", headers=[(b"authorization", b"Bearer x")]) == 0
    assert status(f"{PUBLIC}/{number}/qr.gif") == 0
    assert status(f"{PUBLIC}/") == 0
    assert status(PUBLIC) == 0
    assert len(passed_on) == 6


def test_the_fast_lane_awaits_an_async_exception_handler(client: TestClient, number: str) -> None:
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"awaited": str(exc)}, status_code=404)

    client.app.add_exception_handler(NotFound, not_found)  # type: ignore[attr-defined]

    missing = client.get(f"{PUBLIC}/CB-CEMS-2026-99999")

    assert missing.status_code == 404
    assert missing.json() == {"awaited": "未找到证书 CB-CEMS-2026-99999 / no certificate CB-CEMS-2026-99999"}
    assert missing.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"{PUBLIC}/{number}").status_code == 200
