"""GET /api/v1/deadlines: every tracked SLA with its rule, subject, due date and state (staff and regulators)."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.clock import FixedClock
from registry.values import Changes
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers


def deadlines(client: TestClient, callers: Callers, state: str | None = None) -> list[dict[str, str]]:
    params = {"state": state} if state else {}
    response = client.get("/api/v1/deadlines", params=params, headers=callers.regulator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, str]] = response.json()["items"]
    return items


def test_deadlines_are_open_overdue_met_and_missed_by_rule(client: TestClient, registry: Registry,
                                                          callers: Callers, clock: FixedClock) -> None:
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2))
    walk.to_team().stage1().stage2().report().decide(decided_on=date(2026, 3, 31))
    number = walk.number or ""
    # R-CHG-1: requested on day 16 after the change (missed); to be carried out within 30 days (open)
    registry.request_change(number, date(2026, 9, 21), date(2026, 9, 5), Changes(address="新地址1号"),
                            actor=walk.staff.intake)
    # R-SUS-1: suspended 3 days after the ground became known (met)
    registry.suspend(number, date(2026, 10, 3), date(2026, 9, 30), "major_defect", "缺陷", actor=walk.staff.decision)
    client.get("/api/v1/public/certificates", params={"after": registry.recorder.max_notification_id()})

    everything = {(d["rule"], d["state"]) for d in deadlines(client, callers)}
    assert ("R-ACC-2", "met") in everything  # the acceptance notice came on day 2 of 3 working days
    assert ("R-CHG-1", "missed") in everything and ("R-SUS-1", "met") in everything
    # R-CHG-1 due 2026-10-21; R-RPT-1: the scheduler raised October's national report at start-up, due 2026-11-10
    assert [d["rule"] for d in deadlines(client, callers, "overdue")] == ["R-CHG-1", "R-RPT-1"]
    open_now = deadlines(client, callers, "open")
    # R-CAL-1: the app's scheduler ran at start-up on 2026-11-24, when nobody had recorded 2027 yet
    assert [(d["rule"], d["due_on"]) for d in open_now] == [("R-CAL-1", "2026-12-31"), ("R-SURV-1", "2027-03-31")]

    clock.set(date(2027, 4, 1))
    assert {d["rule"] for d in deadlines(client, callers, "overdue")} == {"R-CAL-1", "R-CHG-1", "R-RPT-1",
                                                                          "R-SURV-1"}


def test_deadlines_need_a_staff_or_regulator_token(client: TestClient) -> None:
    assert client.get("/api/v1/deadlines").status_code == 401
