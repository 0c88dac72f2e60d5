"""R-CAL-1 in the office: the working-calendar page lists every year with its source, an administrator records a
year there (TEST DATA for 2027, marked so in its notice), a refusal is shown beside the form naming R-CAL-1, and a
case whose acceptance notice was counted Monday–Friday says so until the year is recorded."""

from __future__ import annotations

from datetime import date

from demo.scenario import Walk
from registry.clock import FixedClock
from tests.e2e.office_users import Office, User
from tests.unit.test_r_cal_1 import TEST_NOTICE

YEAR_2027 = {"year": "2027", "holidays": "2027-01-01\n2027-02-05..2027-02-13", "working_weekends": "2027-02-14",
             "notice": TEST_NOTICE}


def test_the_admin_records_2027_in_the_office_and_the_case_s_due_date_is_counted_again(
        office: Office, clock: FixedClock) -> None:
    clock.set(date(2026, 12, 29))
    walk = Walk(office.registry, office.staff, date(2026, 12, 21)).organization().apply()
    walk.documents(on=date(2026, 12, 29))
    intake, admin = User(office.client, "受理员"), User(office.client, "管理员")  # signed in on the new day
    case = intake.get(f"/office/cases/{walk.case}").text
    assert 'data-fallback="2027"' in case and "按周一至周五推算，待录入 2027 年安排" in case
    page = intake.get("/office/calendar").text
    assert 'data-year="2027" data-source="missing"' in page and 'data-year="2026" data-source="package"' in page
    assert 'data-form="calendar-year"' not in page  # only an administrator records
    assert 'href="/office/calendar"' in page  # in the navigation

    answer = admin.post("/office/calendar", YEAR_2027)

    assert answer.status_code == 303, answer.text
    page = admin.get(answer.headers["location"]).text
    assert "重算期限 1 项" in page and 'data-year="2027" data-source="recorded"' in page
    assert 'data-recording="2027"' in page and TEST_NOTICE.split(" / ")[0] in page and "管理员" in page
    case = intake.get(f"/office/cases/{walk.case}").text
    assert "data-fallback" not in case and "2027-01-04" in case
    assert "按录入的工作日安排重算受理通知期限" in case  # the case's history shows it


def test_a_refused_year_is_shown_beside_the_form_and_nothing_is_recorded(office: Office) -> None:
    answer = office.admin.post("/office/calendar", {**YEAR_2027, "working_weekends": "2027-02-19"})

    assert answer.status_code == 422 and 'data-rule="R-CAL-1"' in answer.text
    assert "调休上班日须为周六或周日" in answer.text and 'value="2027"' in answer.text
    unreadable = office.admin.post("/office/calendar", {**YEAR_2027, "holidays": "2027-02-30"})
    assert unreadable.status_code == 422 and "data-refusal" in unreadable.text
    assert office.intake.post("/office/calendar", YEAR_2027).status_code == 403
    assert 'data-year="2027" data-source="missing"' in office.admin.get("/office/calendar").text


def test_a_year_raised_as_missing_is_listed_with_the_deadlines_and_links_to_the_calendar(office: Office) -> None:
    office.registry.await_calendar_years()  # on 2026-11-24: 2027 is due from 1 November
    office.caught_up()

    page = office.regulator.get("/office/deadlines").text

    assert 'data-deadline="calendar:2027" data-rule="R-CAL-1" data-state="open"' in page
    assert '<a href="/office/calendar">2027 年工作日安排</a>' in page
