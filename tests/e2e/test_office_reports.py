"""R-RPT-1 and R-RPT-2 in the office: the reports page lists each month with its due date and state for admins and
regulators (linked from the navigation), downloads any month's report (the same bytes as the API's) and the directory
upload; an admin marks a month as sent, which closes its deadline; a month not ended is refused beside the form
naming R-RPT-1, and nothing is written."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from demo.scenario import Walk
from registry.clock import FixedClock
from tests.e2e.office_users import Office, User
from tests.factories import certified


def test_r_rpt_1_an_admin_downloads_a_month_s_report_and_marks_it_sent_in_the_office(
        office: Office, clock: FixedClock) -> None:
    clock.set(date(2026, 10, 20))
    number = certified(Walk(office.registry, office.staff, date(2026, 9, 1)), decided_on=date(2026, 10, 1))
    clock.set(date(2026, 11, 5))
    office.registry.await_national_reports()
    office.caught_up()
    admin, regulator = User(office.client, "管理员"), User(office.client, "监管员")  # signed in on the new day

    page = regulator.get("/office/reports").text
    assert 'href="/office/reports"' in page  # in the navigation
    assert 'data-month="2026-10" data-state="open"' in page and "2026-11-10" in page
    assert 'data-month="2026-11" data-state="running"' in page
    assert 'data-form="national-report-submission"' not in page  # only an admin marks a month as sent
    work = admin.get("/office/").text  # the month's deadline is on the work page, as the calendar's is
    assert 'data-deadline="national-report:2026-10" data-rule="R-RPT-1" data-state="open"' in work
    download = regulator.get("/office/reports/national/2026-10.xlsx")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content), read_only=True)["证书 Certificates"].iter_rows(
        min_row=2, values_only=True))
    assert [row[3] for row in rows] == [number]
    assert admin.get("/office/reports/national?month=2026-10").content == download.content

    answer = admin.post("/office/reports/submission", {"month": "2026-10", "submitted_on": "2026-11-05",
                                                       "reference": "平台回执 PLATFORM-1"})

    assert answer.status_code == 303, answer.text
    page = admin.get(answer.headers["location"]).text
    assert 'data-month="2026-10" data-state="met"' in page and "平台回执 PLATFORM-1" in page and "管理员" in page
    office.caught_up()
    deadlines = regulator.get("/office/deadlines").text
    assert 'data-deadline="national-report:2026-10" data-rule="R-RPT-1" data-state="met"' in deadlines
    assert '<a href="/office/reports">2026-10 全国认证信息平台月度报告</a>' in deadlines


def test_r_rpt_1_a_month_not_ended_is_refused_beside_the_form_and_nothing_is_written(
        office: Office) -> None:
    before = office.registry.recorder.max_notification_id()

    answer = office.admin.post("/office/reports/submission", {"month": "2026-11", "submitted_on": "2026-11-24",
                                                              "reference": "TOO-EARLY"})

    assert answer.status_code == 422 and 'data-rule="R-RPT-1"' in answer.text
    assert "2026-11 尚未结束" in answer.text and 'value="TOO-EARLY"' in answer.text
    assert office.registry.recorder.max_notification_id() == before
    assert office.intake.post("/office/reports/submission", {"month": "2026-10", "submitted_on": "2026-11-05",
                                                             "reference": "X"}).status_code == 403
    assert office.intake.get("/office/reports").status_code == 403
    assert office.intake.get("/office/reports/national/2026-10.xlsx").status_code == 403


def test_r_rpt_2_the_directory_upload_is_downloaded_from_the_office(office: Office) -> None:
    number = certified(Walk(office.registry, office.staff, date(2026, 3, 2)))
    office.caught_up()

    download = office.regulator.get("/office/reports/directory-upload.xlsx")

    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content), read_only=True)["Certificates"].iter_rows(
        min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in rows] == [(number, "Active")]
