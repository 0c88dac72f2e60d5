"""R-RPT-1 on both stores: the scheduler raises the month just ended once (its tick says so), a month's report read
by a second registry on the same store is the same bytes, an event recorded after the month closed is a late entry
of the next month, and the submission closes the deadline in the views."""

from __future__ import annotations

from datetime import date

from demo.scenario import Walk, enrol_staff
from projections.runner import open_views
from registry.application import Registry
from registry.clock import FixedClock
from scheduler.duties import tick
from tests.conftest import STAFF_SINCE
from tests.factories import certified
from tests.integration.conftest import OpenRegistry
from tests.unit.test_r_rpt_1 import xlsx


def test_r_rpt_1_the_month_s_report_is_raised_reproduced_by_another_process_and_closed_by_its_submission(
        app: Registry, open_registry: OpenRegistry, clock: FixedClock) -> None:
    staff = enrol_staff(app, STAFF_SINCE)
    clock.set(date(2026, 10, 20))
    number = certified(Walk(app, staff, date(2026, 9, 1)), decided_on=date(2026, 10, 1))
    clock.set(date(2026, 11, 2))
    app.suspend(number, date(2026, 10, 30), date(2026, 10, 29), "major_defect", "重大缺陷", actor=staff.admin)

    assert tick(app, open_views(app)).report_months_raised == ("2026-10",)
    assert tick(app, open_views(app)).report_months_raised == ()

    october = xlsx(app, "2026-10")
    other = open_registry()
    assert xlsx(other, "2026-10") == october
    (late,) = other.national_report("2026-11").sheet("certificates")
    assert (late.change, late.late, late.effective_on) == ("suspended", True, date(2026, 10, 30))
    other.submit_national_report("2026-10", date(2026, 11, 2), "PLATFORM-1", actor=staff.admin)
    views = open_views(app)
    views.bring_up_to_date()
    rows, _ = views.deadlines.listed("met", date(2026, 11, 2), 0, 100)
    assert [(r["rule"], r["due_on"], r["done_on"]) for r in rows if r["rule"] == "R-RPT-1"] == [
        ("R-RPT-1", "2026-11-10", "2026-11-02")]
    assert xlsx(app, "2026-10") == october
