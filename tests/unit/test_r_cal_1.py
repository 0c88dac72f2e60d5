"""R-CAL-1 (§8.2, SPEC.md "Two clocks"): working days come from each year's official arrangement, recorded by an
admin from the State Council's notice; the package's data seeds 2004–2026; past both, Monday–Friday is counted, a
due date so counted is marked and counted again when the year is recorded; from 1 November a missing next year is
an open deadline.

The 2027 arrangement below is TEST DATA, not the State Council's notice (which was not out when this was written):
New Year's Day, a Spring Festival holiday of 5–13 February and an adjusted working Sunday, 14 February. Its
``notice`` says so.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from demo.scenario import Staff, Walk
from projections.keeping import open_views
from registry.application import Registry
from registry.calendar import PACKAGE, Source, Workdays, YearArrangement
from registry.clock import FixedClock
from registry.errors import AlreadyExists, RuleViolation
from registry.working_calendar import WORKING_CALENDAR_ID
from tests.factories import refused

TEST_NOTICE = "测试数据，非国务院办公厅正式通知 / TEST DATA, not the State Council's notice"
NEW_YEAR_2027 = date(2027, 1, 1)
SPRING_FESTIVAL_2027 = tuple(date(2027, 2, 5) + timedelta(days=n) for n in range(9))  # 5–13 February
WORKING_SUNDAY_2027 = date(2027, 2, 14)


def record_2027(app: Registry, staff: Staff, notice: str = TEST_NOTICE, **changes: Any) -> Any:
    args: dict[str, Any] = {"holidays": [NEW_YEAR_2027, *SPRING_FESTIVAL_2027],
                            "working_weekends": [WORKING_SUNDAY_2027]} | changes
    return app.record_calendar_year(2027, args["holidays"], args["working_weekends"], notice, actor=staff.admin)


def events(app: Registry, record: Any) -> list[Any]:
    return list(app.events.get(record))


def complete_on(app: Registry, staff: Staff, clock: FixedClock, on: date) -> Walk:
    """A case whose eleven documents are all in on ``on`` (the registry's today)."""
    clock.set(on)
    return Walk(app, staff, on - timedelta(days=7)).organization().apply().documents(on=on)


def acceptance_deadline(app: Registry, case: Any) -> tuple[str, str, str]:
    views = open_views(app)
    views.bring_up_to_date()
    rows, _ = views.deadlines.listed(None, app.clock.today(), 0, 100)
    (row,) = [r for r in rows if r["rule"] == "R-ACC-2" and str(case) in r["subject"]]
    return row["due_on"], row["state"], row["subject"]


# Where a year's working days come from: recorded, else the package, else Monday–Friday


def test_r_cal_1_a_recorded_year_wins_over_the_package() -> None:
    # given 2026 recorded with Tuesday 10 March as a holiday (test data), where the package has a working day
    recorded = YearArrangement(2026, frozenset({date(2026, 3, 10)}), frozenset(), TEST_NOTICE)
    workdays = Workdays({2026: recorded})

    assert (workdays.source(2026), PACKAGE.source(2026)) == (Source.RECORDED, Source.PACKAGE)
    assert PACKAGE.add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 12)
    assert workdays.add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 13)


def test_r_cal_1_a_recorded_year_wins_over_the_fallback_and_counts_its_working_sunday() -> None:
    spring = YearArrangement(2027, frozenset({NEW_YEAR_2027, *SPRING_FESTIVAL_2027}),
                             frozenset({WORKING_SUNDAY_2027}), TEST_NOTICE)
    # Thursday 4 February 2027: Monday–Friday gives Fri 5, Mon 8, Tue 9; the arrangement Sun 14, Mon 15, Tue 16
    assert PACKAGE.source(2027) is Source.MISSING
    assert PACKAGE.add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 9)
    assert Workdays({2027: spring}).add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 16)
    assert Workdays({2027: spring}).fallback_years(date(2027, 2, 4), date(2027, 2, 16)) == ()


def test_r_cal_1_the_package_wins_over_the_fallback_until_its_last_year() -> None:
    assert [PACKAGE.source(y) for y in (2003, 2004, 2026, 2027)] == [
        Source.MISSING, Source.PACKAGE, Source.PACKAGE, Source.MISSING]
    assert PACKAGE.fallback_years(date(2026, 12, 28), date(2026, 12, 31)) == ()
    assert PACKAGE.fallback_years(date(2026, 12, 31), date(2027, 1, 5)) == (2027,)


# A due date counted Monday–Friday is marked, and counted again when the year is recorded


def test_r_cal_1_a_due_date_counted_on_the_fallback_is_marked_in_the_event_the_view_and_the_deadline(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    # Tuesday 29 December 2026: Wed 30, Thu 31, and New Year's Day 2027, which nobody has recorded yet
    walk = complete_on(app, staff, clock, date(2026, 12, 29))

    completing = [e for e in events(app, walk.case) if type(e).__name__ == "DocumentReceived"][-1]
    view = app.get_case(walk.case)
    due_on, state, subject = acceptance_deadline(app, walk.case)

    assert (completing.notice_due_by, tuple(completing.notice_fallback_years)) == (NEW_YEAR_2027, (2027,))
    assert (view.acceptance_notice_due_by, view.acceptance_notice_fallback_years) == (NEW_YEAR_2027, (2027,))
    assert view.acceptance_notice_note is not None
    assert view.acceptance_notice_note.startswith("按周一至周五推算，待录入 2027 年安排")
    assert view.deadlines[0]["on_fallback"] is True
    assert (due_on, state) == ("2027-01-01", "open") and "Monday–Friday" in subject
    calendar = app.working_calendar()
    assert calendar is not None and calendar.waiting_on(2027) == [walk.case]


def test_r_cal_1_a_due_date_inside_known_years_is_not_marked(app: Registry, staff: Staff,
                                                            clock: FixedClock) -> None:
    walk = complete_on(app, staff, clock, date(2026, 12, 24))  # Fri 25, Mon 28, Tue 29 December 2026

    view = app.get_case(walk.case)

    assert (view.acceptance_notice_due_by, view.acceptance_notice_fallback_years) == (date(2026, 12, 29), ())
    assert view.acceptance_notice_note is None
    assert app.working_calendar() is None  # nothing waits on a year


def test_r_cal_1_recording_2027_recounts_a_pending_acceptance_notice_counted_on_the_fallback(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    walk = complete_on(app, staff, clock, date(2026, 12, 29))
    assert acceptance_deadline(app, walk.case)[0] == "2027-01-01"

    clock.set(date(2026, 12, 30))
    written = record_2027(app, staff)

    view = app.get_case(walk.case)
    recounted = events(app, walk.case)[-1]
    # New Year's Day is a holiday now: Wed 30, Thu 31, Mon 4 January 2027
    assert view.acceptance_notice_due_by == date(2027, 1, 4)
    assert (view.acceptance_notice_fallback_years, view.acceptance_notice_note) == ((), None)
    assert type(recounted).__name__ == "NoticeDueRecomputed"
    assert (recounted.year, recounted.previous_due_by, recounted.notice_due_by) == (2027, NEW_YEAR_2027,
                                                                                    date(2027, 1, 4))
    assert recounted.actor == staff.admin and recounted.effective_on == date(2026, 12, 30)
    assert written.ids["recomputed"] == [walk.case]
    due_on, state, subject = acceptance_deadline(app, walk.case)
    assert (due_on, state) == ("2027-01-04", "open") and "Monday–Friday" not in subject
    assert app.working_calendar().waiting == {}  # type: ignore[union-attr]


def test_r_cal_1_recording_2027_moves_a_due_date_over_the_test_spring_festival(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    walk = complete_on(app, staff, clock, date(2027, 2, 4))  # Thursday, the day before the holiday
    assert app.get_case(walk.case).acceptance_notice_due_by == date(2027, 2, 9)

    record_2027(app, staff)

    # the holiday of 5–13 February is skipped and the adjusted working Sunday 14 February counts
    assert app.get_case(walk.case).acceptance_notice_due_by == date(2027, 2, 16)
    assert acceptance_deadline(app, walk.case)[:2] == ("2027-02-16", "open")


def test_r_cal_1_a_notice_already_sent_is_not_recounted(app: Registry, staff: Staff, clock: FixedClock) -> None:
    walk = complete_on(app, staff, clock, date(2026, 12, 29))
    clock.set(date(2026, 12, 31))
    walk.accept(decided_on=date(2026, 12, 31))

    record_2027(app, staff)

    assert type(list(app.events.get(walk.case))[-1]).__name__ == "Accepted"
    assert acceptance_deadline(app, walk.case)[:2] == ("2027-01-01", "met")


# A year recorded again is replaced; the history keeps both


def test_r_cal_1_a_corrected_notice_replaces_the_year_and_the_history_keeps_both(
        app: Registry, staff: Staff) -> None:
    record_2027(app, staff)
    record_2027(app, staff, notice=TEST_NOTICE + "（更正 corrected）", working_weekends=[date(2027, 2, 20)])

    (year,) = [y for y in app.calendar_years() if y.year == 2027]
    recorded = [e for e in events(app, WORKING_CALENDAR_ID) if type(e).__name__ == "YearRecorded"]

    assert (year.source, year.working_weekends, year.replaces) == ("recorded", (date(2027, 2, 20),), TEST_NOTICE)
    assert year.recorded_by == staff.admin.person
    assert [tuple(e.working_weekends) for e in recorded] == [(WORKING_SUNDAY_2027,), (date(2027, 2, 20),)]
    with refused(app, AlreadyExists):
        record_2027(app, staff, notice=TEST_NOTICE + "（更正 corrected）", working_weekends=[date(2027, 2, 20)])


def test_r_cal_1_each_year_is_listed_with_its_source(app: Registry, staff: Staff) -> None:
    before = {y.year: y.source for y in app.calendar_years()}
    record_2027(app, staff)
    after = {y.year: y for y in app.calendar_years()}

    assert (before[2004], before[2026], before[2027], max(before)) == ("package", "package", "missing", 2027)
    assert after[2027].source == "recorded" and after[2027].notice == TEST_NOTICE
    assert date(2026, 2, 17) in after[2026].holidays and date(2026, 2, 28) in after[2026].working_weekends


# From 1 November, a missing next year is an open deadline, closed when the year is recorded


def test_r_cal_1_the_next_year_is_raised_from_1_november_not_a_day_earlier_and_once(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    clock.set(date(2026, 10, 31))
    assert app.await_calendar_years() == []
    clock.set(date(2026, 11, 1))
    assert app.await_calendar_years() == [2027]
    assert app.await_calendar_years() == []

    views = open_views(app)
    views.bring_up_to_date()
    rows, _ = views.deadlines.listed("open", date(2026, 11, 1), 0, 100)
    assert [(r["rule"], r["due_on"]) for r in rows if r["rule"] == "R-CAL-1"] == [("R-CAL-1", "2026-12-31")]
    assert "2027" in rows[0]["subject"]


def test_r_cal_1_recording_the_year_closes_its_deadline(app: Registry, staff: Staff, clock: FixedClock) -> None:
    clock.set(date(2026, 11, 1))
    app.await_calendar_years()
    clock.set(date(2026, 12, 2))

    record_2027(app, staff)

    views = open_views(app)
    views.bring_up_to_date()
    rows, _ = views.deadlines.listed("met", date(2026, 12, 2), 0, 100)
    assert [(r["rule"], r["due_on"], r["done_on"]) for r in rows] == [("R-CAL-1", "2026-12-31", "2026-12-02")]
    assert app.await_calendar_years() == []


def test_r_cal_1_a_year_recorded_before_november_is_never_raised(app: Registry, staff: Staff,
                                                                 clock: FixedClock) -> None:
    clock.set(date(2026, 10, 20))
    record_2027(app, staff)
    clock.set(date(2026, 11, 1))

    assert app.await_calendar_years() == []


# Refusals, at their edges


def test_r_cal_1_a_year_without_holidays_is_refused(app: Registry, staff: Staff) -> None:
    with refused(app, RuleViolation, "R-CAL-1", "§8.2") as refusal:
        record_2027(app, staff, holidays=[])
    assert refusal.value.detail.startswith("2027 年的安排未列出任何放假日期")


@pytest.mark.parametrize("outside", [date(2026, 12, 31), date(2028, 1, 1)])
def test_r_cal_1_a_date_outside_the_year_is_refused(app: Registry, staff: Staff, outside: date) -> None:
    with refused(app, RuleViolation, "R-CAL-1", "§8.2") as refusal:
        record_2027(app, staff, holidays=[outside, NEW_YEAR_2027])
    assert outside.isoformat() in refusal.value.detail


def test_r_cal_1_the_first_and_last_days_of_the_year_are_inside_it(app: Registry, staff: Staff) -> None:
    record_2027(app, staff, holidays=[NEW_YEAR_2027, date(2027, 12, 31)], working_weekends=[])

    assert app.workdays().is_working_day(date(2027, 12, 31)) is False


def test_r_cal_1_a_date_both_holiday_and_working_day_is_refused(app: Registry, staff: Staff) -> None:
    with refused(app, RuleViolation, "R-CAL-1", "§8.2") as refusal:
        record_2027(app, staff, working_weekends=[date(2027, 2, 6)])  # Saturday, inside the holiday
    assert refusal.value.detail.startswith("同一日期不能既放假又调休上班")


def test_r_cal_1_an_adjusted_working_day_on_a_weekday_is_refused_on_a_saturday_recorded(
        app: Registry, staff: Staff) -> None:
    with refused(app, RuleViolation, "R-CAL-1", "§8.2") as refusal:
        record_2027(app, staff, working_weekends=[date(2027, 2, 19)])  # a Friday
    assert "2027-02-19" in refusal.value.detail and refusal.value.detail.startswith("调休上班日须为周六或周日")

    record_2027(app, staff, working_weekends=[date(2027, 2, 20)])  # the Saturday after it
    assert app.workdays().is_working_day(date(2027, 2, 20)) is True


def test_r_cal_1_the_year_after_next_is_refused_and_next_year_recorded(app: Registry, staff: Staff,
                                                                       clock: FixedClock) -> None:
    clock.set(date(2026, 12, 2))
    with refused(app, RuleViolation, "R-CAL-1", "§8.2"):
        app.record_calendar_year(2028, [date(2028, 1, 1)], [], TEST_NOTICE, actor=staff.admin)
    with refused(app, RuleViolation, "R-CAL-1", "§8.2"):
        app.record_calendar_year(2003, [date(2003, 1, 1)], [], TEST_NOTICE, actor=staff.admin)

    record_2027(app, staff)
    assert app.workdays().source(2027) is Source.RECORDED


def test_r_cal_1_a_year_without_its_notice_is_refused(app: Registry, staff: Staff) -> None:
    with refused(app, RuleViolation, "R-CAL-1", "§8.2") as refusal:
        record_2027(app, staff, notice="  ")
    assert refusal.value.detail.startswith("须注明所依据的通知")


# Events recorded before R-CAL-1 was built


def test_r_cal_1_a_document_received_before_it_reads_as_counted_on_known_years(walk: Walk) -> None:
    walk.organization().apply().documents()
    completing = [e for e in events(walk.app, walk.case) if type(e).__name__ == "DocumentReceived"][-1]
    stored = walk.app.mapper.to_stored_event(completing)
    state = json.loads(stored.state)
    state.pop("notice_fallback_years")

    old: Any = walk.app.mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))

    assert (old.notice_due_by, tuple(old.notice_fallback_years)) == (date(2026, 3, 6), ())
