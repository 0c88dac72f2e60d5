"""``/api/v1/health`` (issue 20): in public a status and counts, never internal error text; with a staff or regulator
token, the details. An event parked by the public view leaves the node publishing (200, ``degraded``); projections
that have stopped are a 503."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers
from tests.factories import renamed_below_the_api

NUL_NAME = "坏\\u0000名称"  # JSON text: the stored event carries a NUL in the organisation's name


def health_when(client: TestClient, done: Any, headers: dict[str, str] | None = None,
                timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get("/api/v1/health", headers=headers or {})
        body: dict[str, Any] = answer.json()
        if done(answer.status_code, body):
            return {"code": answer.status_code, **body}
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def test_a_parked_event_leaves_health_200_degraded_with_counts_and_only_staff_see_which_event(
        client: TestClient, registry: Registry, callers: Callers) -> None:
    staff = enrol_staff(registry, STAFF_SINCE)
    held = Walk(registry, staff, date(2026, 3, 2)).to_certificate().number or ""
    other = Walk(registry, staff, date(2026, 3, 2)).to_certificate().number or ""
    bad = renamed_below_the_api(registry, staff, held, NUL_NAME)
    suspended = registry.suspend(other, date(2026, 10, 1), date(2026, 9, 28), "major_defect", "体系重大缺陷",
                                 actor=staff.decision).position

    published = client.get(f"/api/v1/public/certificates/{other}", params={"after": suspended})
    assert published.status_code == 200 and published.json()["status"] == "suspended", published.text
    marked = client.get(f"/api/v1/public/certificates/{held}").json()
    assert marked["status"] == "valid" and marked["status_being_verified"]["note"].startswith("状态核实中"), marked

    public = health_when(client, lambda code, body: body.get("status") != "ok")
    assert public["code"] == 200 and public["status"] == "degraded", public
    assert public["parked"] == {"records": 1, "events": 1}
    assert set(public) == {"code", "status", "views", "parked"}, public  # no error text, no event named
    assert public["views"]["lag"] == 0

    for caller in (callers.regulator, callers.intake):
        detailed = client.get("/api/v1/health", headers=caller.headers)
        assert detailed.status_code == 200, detailed.text
        [event] = detailed.json()["parked_events"]
        assert (event["position"], event["number"], event["error"], event["held_behind"]) == (
            bad, held, "psycopg.DataError", None), event
        assert "NUL" in event["message"] and event["topic"] == "registry.certificate:Certificate.Changed"

    refused = client.get("/api/v1/health", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and "parked_events" not in refused.text


def test_stopped_projections_answer_503_naming_the_event_to_staff_only(client: TestClient, registry: Registry,
                                                                       callers: Callers) -> None:
    staff = enrol_staff(registry, STAFF_SINCE)
    number = Walk(registry, staff, date(2026, 3, 2)).to_certificate().number or ""
    head = registry.recorder.max_notification_id()
    caught_up = client.get(f"/api/v1/public/certificates/{number}", params={"after": head})
    assert caught_up.status_code == 200, caught_up.text
    views = client.app.state.views  # type: ignore[attr-defined]
    with views.public.cursor(commit=True) as curs:  # the view's own table gone: the database's fault, not an event's
        curs.execute(f"DROP TABLE {views.public.table('certificate_status_timeline')}")
    written = registry.suspend(number, date(2026, 10, 1), date(2026, 9, 28), "major_defect", "体系重大缺陷",
                               actor=staff.decision).position

    public = health_when(client, lambda code, body: code == 503)
    assert public["status"] == "projections stopped", public
    assert "error" not in public and "certificate_status_timeline" not in str(public) and "Suspended" not in str(public)

    detailed = health_when(client, lambda code, body: code == 503, callers.admin.headers)
    assert f"log position {written}" in detailed["error"] and "Suspended" in detailed["error"], detailed
