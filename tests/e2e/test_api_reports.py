"""R-RPT-1 and R-RPT-2 through HTTP on PostgreSQL (API.md, "Reporting (admin, regulator)"): the month's report as
.xlsx and JSON, the same bytes asked twice; its submission (admin) closing the month's deadline, a month not ended
refused naming R-RPT-1; the directory upload, row by row against the public view; others refused."""

from __future__ import annotations

import io
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.spreadsheets import DIRECTORY_COLUMNS, STATUSES
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, problem, written
from tests.factories import certified


def test_r_rpt_1_the_month_s_report_is_the_same_bytes_twice_and_its_submission_closes_the_deadline(
        client: TestClient, callers: Callers, registry: Registry, clock: FixedClock) -> None:
    clock.set(date(2026, 10, 20))
    number = certified(Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 9, 1)),
                       decided_on=date(2026, 10, 1))
    clock.set(date(2026, 11, 5))
    registry.await_national_reports()

    first = client.get(f"{API}/reports/national/2026-10.xlsx", headers=callers.regulator.headers)
    again = client.get(f"{API}/reports/national/2026-10.xlsx", headers=callers.admin.headers)

    assert first.status_code == 200 and first.content == again.content
    assert first.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(first.content), read_only=True)
    certificates = list(book["证书 Certificates"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3]) for r in certificates] == [("颁发 / issued", number)]
    report = client.get(f"{API}/reports/national/2026-10.json", headers=callers.regulator.headers).json()
    assert [r["certificate_number"] for r in report["certificates"]] == [number]
    assert report["certificates"][0]["position"] == certificates[0][0]
    problem(client.get(f"{API}/reports/national/2026-10.xlsx", headers=callers.intake.headers), 403)
    problem(client.get(f"{API}/reports/national/2026-13.json", headers=callers.admin.headers), 422)

    early = client.post(f"{API}/reports/national/2026-11/submission",
                        json={"submitted_on": "2026-11-05", "reference": "TOO-EARLY"}, headers=callers.admin.headers)
    assert problem(early, 422, "R-RPT-1", "Reporting")["detail"].startswith("2026-11 尚未结束")
    problem(client.post(f"{API}/reports/national/2026-10/submission", json={"submitted_on": "2026-11-05",
                        "reference": "X"}, headers=callers.regulator.headers), 403)
    written(client.post(f"{API}/reports/national/2026-10/submission",
                        json={"submitted_on": "2026-11-05", "reference": "平台回执 PLATFORM-1"},
                        headers=callers.admin.headers))
    problem(client.post(f"{API}/reports/national/2026-10/submission", json={"submitted_on": "2026-11-05",
                        "reference": "AGAIN"}, headers=callers.admin.headers), 409)

    client.get(f"{API}/public/certificates", params={"after": registry.recorder.max_notification_id()})
    deadlines = client.get(f"{API}/deadlines", headers=callers.regulator.headers).json()["items"]
    assert [(d["due_on"], d["state"], d["done_on"]) for d in deadlines if d["rule"] == "R-RPT-1"] == [
        ("2026-11-10", "met", "2026-11-05")]
    months = client.get(f"{API}/reports/national", headers=callers.regulator.headers).json()["months"]
    assert [(m["state"], m["reference"]) for m in months if m["month"] == "2026-10"] == [("met", "平台回执 PLATFORM-1")]
    assert client.get(f"{API}/reports/national/2026-10.xlsx", headers=callers.admin.headers).content == first.content


def test_r_rpt_2_the_directory_upload_holds_every_certificate_as_the_public_view_has_it(
        client: TestClient, callers: Callers, registry: Registry, clock: FixedClock) -> None:
    staff = enrol_staff(registry, STAFF_SINCE)
    numbers = [certified(Walk(registry, staff, date(2026, 3, 2))) for _ in range(3)]
    registry.suspend(numbers[1], date(2026, 5, 2), date(2026, 5, 1), "major_defect", "重大缺陷", actor=staff.admin)
    client.get(f"{API}/public/certificates", params={"after": registry.recorder.max_notification_id()})

    response = client.get(f"{API}/reports/directory-upload.xlsx", headers=callers.regulator.headers)

    assert response.status_code == 200, response.text
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True)["Certificates"].iter_rows(
        values_only=True))
    assert rows[0] == tuple(name for _, name in DIRECTORY_COLUMNS)
    found = {row[0]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == sorted(found)  # a stable order: by number
    for number in numbers:
        public = client.get(f"{API}/public/certificates/{number}").json()
        row = found[number]
        assert (row[1], row[2], row[3], row[5], row[6]) == (
            STATUSES[public["status"]], public["organization"]["name"], public["organization"]["uscc"],
            public["organization"]["address"], public["scope"])
        assert (row[8].date().isoformat(), row[9].date().isoformat(), row[10]) == (
            public["issued_on"], public["valid_until"], public["issuer"]["name"])
    assert found[numbers[1]][1] == "Suspended"
    problem(client.get(f"{API}/reports/directory-upload.xlsx", headers=callers.intake.headers), 403)
