"""R-RPT-1 (SPEC.md, Reporting): each month's certificate information (issues, changes, suspensions, withdrawals,
cancellations, surveillance results, audit plans) is reported to the national certification information platform by
the 10th of the next month; the registry produces the month's report from the log, the same bytes every time, puts
what is recorded after a month closed in the next month's report as a late entry, and tracks the deadline until the
submission is recorded."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from api.spreadsheets import write_national_report
from demo.scenario import Staff, Walk
from projections.keeping import open_views
from registry import reporting_steps
from registry.application import Registry
from registry.base import RegistryAggregate
from registry.clock import FixedClock
from registry.errors import InvalidInput, RuleViolation
from registry.national_report import CHANGES, HEADERS, SHEET_TITLES, SHEETS
from registry.national_reporting import recorded_month
from registry.values import Changes
from tests.factories import certified, refused

ISSUER = "示例认证有限公司 Example Certification Co., Ltd."


def a_season(app: Registry, staff: Staff, clock: FixedClock) -> dict[str, Any]:
    """A certificate granted (recorded in September 2026), suspended in October, and reinstated on 30 October but
    recorded on 3 November, after October's report closed."""
    clock.set(date(2026, 9, 10))
    walk = Walk(app, staff, date(2026, 8, 3))
    number = certified(walk, decided_on=date(2026, 9, 2))
    clock.set(date(2026, 10, 5))
    app.suspend(number, date(2026, 10, 2), date(2026, 10, 1), "major_defect", "重大缺陷", actor=staff.admin)
    clock.set(date(2026, 11, 3))
    app.reinstate(number, date(2026, 10, 30), "整改验证报告", actor=staff.admin)
    return {"number": number, "uscc": walk.uscc, "case": walk.case}


def logged(app: Registry) -> list[tuple[int, RegistryAggregate.Event]]:
    return [(n.id, app.mapper.to_domain_event(n)) for n in app.recorder.select_notifications(1, 100_000)]


def xlsx(app: Registry, month: str) -> bytes:
    out = io.BytesIO()
    write_national_report(out, app.national_report(month), ISSUER)
    return out.getvalue()


def test_r_rpt_1_a_month_s_report_holds_every_reported_event_recorded_in_it_row_by_row_as_the_log_has_it(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    season = a_season(app, staff, clock)
    clock.set(date(2026, 11, 24))

    book = load_workbook(io.BytesIO(xlsx(app, "2026-09")), read_only=True)

    assert book.sheetnames == [SHEET_TITLES[s] for s in SHEETS]
    log = dict(logged(app))
    expected = [p for p, e in logged(app) if type(e) in CHANGES and recorded_month(e.recorded_at) == "2026-09"]
    seen = []
    for name in SHEETS:
        rows = list(book[SHEET_TITLES[name]].iter_rows(values_only=True))
        assert rows[0] == HEADERS
        for row in rows[1:]:
            cells = dict(zip(("position", "event", "change", "number", "case", "organization", "uscc", "effective_on",
                              "valid_until", "recorded_at", "late", "detail"), row, strict=True))
            event = log[cells["position"]]
            assert CHANGES[type(event)][0] == name and cells["event"] == type(event).__qualname__
            assert cells["uscc"] == season["uscc"] and cells["organization"]
            assert cells["effective_on"].date() == event.effective_on
            # the case's steps of August, recorded in September, are late entries
            assert (cells["late"] is not None) == (event.effective_on < date(2026, 9, 1))
            if name == "certificates":
                assert cells["number"] == season["number"] and cells["valid_until"] is not None
            seen.append(cells["position"])
    assert seen and sorted(seen) == expected  # every one, in log order within each sheet
    assert {type(log[p]).__qualname__ for p in seen} >= {"Case.ProgrammePlanned", "Case.Stage2Conducted",
                                                        "Certificate.Issued"}


def test_r_rpt_1_the_same_month_gives_the_same_bytes_every_time(app: Registry, staff: Staff,
                                                                  clock: FixedClock) -> None:
    a_season(app, staff, clock)
    clock.set(date(2026, 11, 24))
    first = xlsx(app, "2026-10")
    clock.set(date(2027, 1, 15))
    app.enrol_person("后来的人", actor=staff.admin)  # the log grows; October's report does not change

    assert xlsx(app, "2026-10") == first
    assert app.national_report("2026-10").plain() == app.national_report("2026-10").plain()


def test_r_rpt_1_an_event_recorded_after_its_month_closed_is_a_late_entry_of_the_next_month(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    season = a_season(app, staff, clock)
    clock.set(date(2026, 11, 24))

    october, november = app.national_report("2026-10"), app.national_report("2026-11")

    assert [r.change for r in october.sheet("certificates")] == ["suspended"]
    (late,) = november.sheet("certificates")
    assert (late.change, late.certificate_number, late.effective_on, late.late) == (
        "reinstated", season["number"], date(2026, 10, 30), True)
    assert late.plain()["late"] is True and late.recorded_at.startswith("2026-11-03T")


def test_r_rpt_1_a_month_is_due_by_the_10th_raised_once_it_ended_and_closed_by_the_submission(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    clock.set(date(2026, 10, 31))
    assert app.await_national_reports() == ["2026-09"]
    assert app.await_national_reports() == []
    clock.set(date(2026, 11, 1))
    assert app.await_national_reports() == ["2026-10"]
    views = open_views(app)
    views.bring_up_to_date()
    rows, _ = views.deadlines.listed(None, date(2026, 11, 1), 0, 100)
    october = [r for r in rows if r["rule"] == "R-RPT-1" and "2026-10" in r["subject"]]
    assert [(r["due_on"], r["state"]) for r in october] == [("2026-11-10", "open")]

    clock.set(date(2026, 11, 9))
    app.submit_national_report("2026-10", date(2026, 11, 9), "PLATFORM-2026-10-001", actor=staff.admin)

    views.bring_up_to_date()
    rows, _ = views.deadlines.listed(None, date(2026, 11, 9), 0, 100)
    assert [(r["due_on"], r["state"], r["done_on"]) for r in rows if "2026-10" in r["subject"]] == [
        ("2026-11-10", "met", "2026-11-09")]
    (month,) = [m for m in app.national_report_months() if m.month == "2026-10"]
    assert (month.state, month.reference, month.submitted_on) == ("met", "PLATFORM-2026-10-001", date(2026, 11, 9))
    clock.set(date(2026, 12, 1))
    assert app.await_national_reports() == ["2026-11"]  # the next month, and never October again


def test_r_rpt_1_a_month_not_yet_ended_cannot_be_submitted(app: Registry, staff: Staff, clock: FixedClock) -> None:
    clock.set(date(2026, 11, 24))
    with refused(app, RuleViolation, "R-RPT-1", "Reporting") as error:
        app.submit_national_report("2026-11", date(2026, 11, 24), "EARLY", actor=staff.admin)
    assert str(error.value.detail).startswith("2026-11 尚未结束")
    with refused(app, RuleViolation, "R-RPT-1", "Reporting"):
        app.submit_national_report("2026-10", date(2026, 10, 30), "BEFORE-IT-ENDED", actor=staff.admin)
    with refused(app, RuleViolation, "R-RPT-1", "Reporting"):
        app.submit_national_report("2026-10", date(2026, 11, 9), "   ", actor=staff.admin)
    with pytest.raises(InvalidInput):
        app.submit_national_report("2026-13", date(2026, 11, 9), "X", actor=staff.admin)
    assert app.national_reporting() is None  # nothing written


def test_r_rpt_1_a_late_submission_misses_the_deadline(app: Registry, staff: Staff, clock: FixedClock) -> None:
    clock.set(date(2026, 11, 2))
    app.await_national_reports()
    clock.set(date(2026, 11, 12))
    app.submit_national_report("2026-10", date(2026, 11, 12), "LATE-1", actor=staff.admin)
    (month,) = [m for m in app.national_report_months() if m.month == "2026-10"]
    assert month.state == "missed"


def test_r_rpt_1_events_passed_over_undecoded_give_the_report_every_event_decoded_gives(
        app: Registry, staff: Staff, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    a_season(app, staff, clock)
    clock.set(date(2026, 11, 24))
    fast = [app.national_report(month) for month in ("2026-09", "2026-10", "2026-11")]
    # the fast path is taken: every stored event's recorded_at is read from its state
    assert all(reporting_steps.STORED_TIMESTAMP.match(n.state) for n in app.recorder.select_notifications(1, 10_000))

    monkeypatch.setattr(reporting_steps, "_passed_over", lambda *_: False)

    assert [app.national_report(month) for month in ("2026-09", "2026-10", "2026-11")] == fast


def test_r_rpt_1_the_report_carries_the_month_s_close_for_every_time_openpyxl_would_stamp_now(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    """A tripwire for what api.spreadsheets rewrites: openpyxl stamps the save time in docProps/core.xml's modified
    and every zip entry's date; two reports made in the same second would agree even if the rewrite missed them.
    October closed at 2026-11-01 00:00 in Shanghai, 2026-10-31 16:00 UTC."""
    a_season(app, staff, clock)

    with zipfile.ZipFile(io.BytesIO(xlsx(app, "2026-10"))) as book:
        assert {info.date_time for info in book.infolist()} == {(2026, 10, 31, 16, 0, 0)}
        core = book.read("docProps/core.xml").decode()
    assert re.search(r"<dcterms:modified[^>]*>2026-10-31T16:00:00Z</dcterms:modified>", core), core
    assert re.search(r"<dcterms:created[^>]*>2026-10-31T16:00:00Z</dcterms:created>", core), core


def test_r_rpt_1_each_row_names_the_organisation_as_the_certificate_named_it_when_the_event_was_recorded(
        app: Registry, staff: Staff, clock: FixedClock) -> None:
    clock.set(date(2026, 9, 10))
    number = certified(Walk(app, staff, date(2026, 8, 3)), decided_on=date(2026, 9, 2))
    before = app.get_certificate(number).organization["name"]
    clock.set(date(2026, 10, 12))
    rid = app.request_change(number, date(2026, 10, 9), date(2026, 10, 1), Changes(name="华东新能源有限公司"),
                             actor=staff.admin).ids["request"]
    app.suspend(number, date(2026, 10, 12), date(2026, 10, 11), "major_defect", "重大缺陷", actor=staff.admin)
    clock.set(date(2026, 10, 20))
    app.change_certificate(number, rid, date(2026, 10, 20), actor=staff.admin)
    app.reinstate(number, date(2026, 10, 20), "整改验证报告", actor=staff.admin)
    clock.set(date(2026, 11, 24))

    september, october = app.national_report("2026-09"), app.national_report("2026-10")

    assert [(r.change, r.organization) for r in september.sheet("certificates")] == [("issued", before)]
    assert [(r.change, r.organization) for r in october.sheet("certificates")] == [
        ("suspended", before), ("changed", "华东新能源有限公司"), ("reinstated", "华东新能源有限公司")]
