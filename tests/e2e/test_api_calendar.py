"""R-CAL-1 through HTTP on PostgreSQL: ``POST /api/v1/calendar/years`` (admin) records a year's official arrangement
and counts again, at once, a pending acceptance notice counted Monday–Friday for it; ``GET`` lists every year with
its source. The 2027 arrangement is TEST DATA (tests/unit/test_r_cal_1.py), marked so in its notice."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, history, problem, written
from tests.unit.test_r_cal_1 import TEST_NOTICE

YEAR_2027 = {"year": 2027, "holidays": ["2027-01-01", *(f"2027-02-{d:02d}" for d in range(5, 14))],
             "working_weekends": ["2027-02-14"], "notice": TEST_NOTICE}


def years(client: TestClient, callers: Callers) -> dict[int, dict[str, Any]]:
    response = client.get(f"{API}/calendar/years", headers=callers.intake.headers)
    assert response.status_code == 200, response.text
    return {y["year"]: y for y in response.json()["years"]}


def test_a_year_recorded_by_an_admin_counts_again_a_pending_due_date_counted_on_the_fallback(
        client: TestClient, callers: Callers, registry: Registry, clock: FixedClock) -> None:
    clock.set(date(2026, 12, 29))
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 12, 21)).organization().apply()
    walk.documents(on=date(2026, 12, 29))
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert (case["acceptance_notice_due_by"], case["acceptance_notice_fallback_years"]) == ("2027-01-01", [2027])
    assert case["acceptance_notice_note"].startswith("按周一至周五推算，待录入 2027 年安排")
    assert years(client, callers)[2027]["waiting_cases"] == [str(walk.case)]

    answer = written(client.post(f"{API}/calendar/years", json=YEAR_2027, headers=callers.admin.headers), 201)

    assert (answer["year"], answer["recomputed"]) == (2027, [str(walk.case)])
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert (case["acceptance_notice_due_by"], case["acceptance_notice_note"]) == ("2027-01-04", None)
    client.get(f"{API}/public/certificates", params={"after": registry.recorder.max_notification_id()})
    open_now = client.get(f"{API}/deadlines", params={"state": "open"}, headers=callers.regulator.headers).json()
    assert [d["due_on"] for d in open_now["items"] if str(walk.case) in d["subject"]] == ["2027-01-04"]
    events = history(client, f"/organizations/{walk.uscc}", callers.regulator)
    assert [e["data"]["notice_due_by"] for e in events if e["type"] == "NoticeDueRecomputed"] == ["2027-01-04"]
    listed = years(client, callers)[2027]
    assert (listed["source"], listed["notice"], listed["recorded_by"]) == ("recorded", TEST_NOTICE,
                                                                         str(callers.admin.person))


def test_every_year_is_listed_with_its_source(client: TestClient, callers: Callers) -> None:
    listed = years(client, callers)

    assert (listed[2004]["source"], listed[2026]["source"], listed[2027]["source"]) == ("package", "package",
                                                                                       "missing")
    assert "2026-02-17" in listed[2026]["holidays"] and "2026-02-28" in listed[2026]["working_weekends"]
    assert client.get(f"{API}/calendar/years").status_code == 401


def test_recording_a_year_needs_an_admin_and_its_refusals_name_r_cal_1_in_chinese_first(
        client: TestClient, callers: Callers) -> None:
    problem(client.post(f"{API}/calendar/years", json=YEAR_2027, headers=callers.intake.headers), 403)
    friday = {**YEAR_2027, "working_weekends": ["2027-02-19"]}
    body = problem(client.post(f"{API}/calendar/years", json=friday, headers=callers.admin.headers), 422,
                   "R-CAL-1", "§8.2")
    assert body["detail"].startswith("调休上班日须为周六或周日") and "2027-02-19" in body["detail"]
    empty = problem(client.post(f"{API}/calendar/years", json={**YEAR_2027, "holidays": []},
                                headers=callers.admin.headers), 422, "R-CAL-1", "§8.2")
    assert empty["detail"].startswith("2027 年的安排未列出任何放假日期")
    problem(client.post(f"{API}/calendar/years", json={**YEAR_2027, "holidays": ["2027-02-30"]},
                        headers=callers.admin.headers), 422)
    assert years(client, callers)[2027]["source"] == "missing"  # nothing was written
