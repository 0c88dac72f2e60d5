"""R-SURV-6 (§9.1.1 (2), §8.1): a major change or incident is recorded when the client reports it or the body learns
of it; it adds a surveillance audit due by its own date, tracked as a deadline, without moving the regular one; the
next surveillance audit held meets it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from demo.scenario import Staff, Walk
from registry.application import Registry
from registry.clock import FixedClock
from registry.errors import InvalidInput, RuleViolation
from tests.factories import certified, invalid, refused
from tests.unit.test_r_surv_5 import deadlines, survey


def report(app: Registry, staff: Staff, number: str, due_by: date = date(2026, 11, 1),
           reported_on: date = date(2026, 9, 10), **overrides: object) -> UUID:
    args: dict[str, object] = dict(kind="major_incident", occurred_on=date(2026, 9, 5), reported_on=reported_on,
                                   description="锅炉泄漏，碳排放异常", additional_audit_due_by=due_by,
                                   actor=staff.intake)
    args.update(overrides)
    incident: UUID = app.record_incident(number, **args).ids["id"]  # type: ignore[arg-type]
    return incident


def test_r_surv_6_an_incident_adds_an_audit_due_by_its_own_date_without_moving_the_regular_one(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)  # regular surveillance due 2027-03-31
    incident = report(app, staff, number)
    cert = app.get_certificate(number)
    assert cert.surveillance["next_due_by"] == date(2027, 3, 31)
    assert [(i["id"], i["kind"], i["additional_audit_due_by"], i["met_on"]) for i in cert.incidents] == [
        (incident, "major_incident", date(2026, 11, 1), None)]
    rows = deadlines(app, number)
    assert rows[f"{number}:incident:{incident}"] == ("R-SURV-6", "2026-11-01", "open")
    assert rows[f"{number}:surveillance"] == ("R-SURV-1", "2027-03-31", "open")
    assert {"rule": "R-SURV-6", "subject": "additional surveillance audit (major_incident)",
            "due_on": date(2026, 11, 1)} in cert.deadlines


@pytest.mark.parametrize(("held", "state"), [(date(2026, 11, 1), "met"), (date(2026, 11, 2), "missed")])
def test_r_surv_6_the_next_surveillance_audit_held_meets_it_on_time_or_late(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk, held: date, state: str) -> None:
    number = certified(walk)
    incident = report(app, staff, number)
    survey(app, staff, number, held, additional=True, reason="锅炉泄漏事故后的增加监督审核")
    assert app.get_certificate(number).incidents[0]["met_on"] == held
    assert deadlines(app, number)[f"{number}:incident:{incident}"] == ("R-SURV-6", "2026-11-01", state)


def test_r_surv_6_an_audit_held_before_the_incident_was_reported_does_not_meet_it(app: Registry, staff: Staff,
                                                                                   walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1))
    incident = report(app, staff, number)  # reported 2026-09-10
    assert app.get_certificate(number).incidents[0]["met_on"] is None
    assert deadlines(app, number)[f"{number}:incident:{incident}"][2] == "open"


def test_r_surv_6_an_additional_audit_due_before_the_report_is_refused(app: Registry, staff: Staff,
                                                                       walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-6", "§9.1.1 (2)"):
        report(app, staff, number, due_by=date(2026, 9, 9))
    report(app, staff, number, due_by=date(2026, 9, 10))  # due the day it is reported: accepted


def test_r_surv_6_an_incident_without_its_description_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-6", "§9.1.1 (2)"):
        report(app, staff, number, description="  ")


def test_r_surv_6_an_additional_audit_due_after_validity_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)  # valid until 2029-03-30
    with refused(app, RuleViolation, "R-SURV-6", "§9.1.1 (2)"):
        report(app, staff, number, due_by=date(2029, 3, 31))


def test_r_surv_6_reported_before_it_occurred_or_an_unknown_kind_is_invalid(app: Registry, staff: Staff,
                                                                            walk: Walk) -> None:
    number = certified(walk)
    with invalid(app, "reported_on"):
        report(app, staff, number, occurred_on=date(2026, 9, 11))
    with refused(app, InvalidInput):
        report(app, staff, number, kind="minor_change")


def test_r_surv_6_a_withdrawal_drops_the_incident_s_open_audit(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    incident = report(app, staff, number)
    app.withdraw(number, date(2026, 9, 20), date(2026, 9, 18), "major_defect", "体系重大缺陷", actor=staff.decision)
    assert f"{number}:incident:{incident}" not in deadlines(app, number)
