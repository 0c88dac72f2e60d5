"""R-SUS-3 (§11.3): a ground for suspension or withdrawal becoming known is recorded as its own fact (ground, known
on, source); that opens R-SUS-1's 7-day deadline at once, met by a measure in time and missed otherwise. And R-CAN-2
(§11.4): every cancellation names its trigger and the trigger's date, from which its 30 days run.

Given a granted certificate (decided 2026-03-31, valid until 2029-03-30; the clock stands at 2026-11-24).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from demo.scenario import Staff, Walk
from projections.deadlines import apply_changes, certificate_changes
from registry.application import Registry
from registry.certificate import Certificate
from registry.clock import FixedClock
from registry.errors import OutOfOrder, RuleViolation
from registry.identifiers import certificate_id
from tests.factories import certified, invalid, refused

SOURCE = "生态环境局行政处罚决定书，客户于当日报告"


@pytest.fixture
def number(walk: Walk) -> str:
    return certified(walk, decided_on=date(2026, 3, 31))


def deadlines(app: Registry, number: str) -> dict[str, Any]:
    """The certificate's deadlines as the projection keeps them (its events, one by one, through the state
    machine), by key."""
    rows: dict[str, Any] = {}
    cert: Any = None
    event: Any
    for position, event in enumerate(app.events.get(certificate_id(number)), start=1):
        cert = event.mutate(cert)
        rows, _ = apply_changes(rows, [(certificate_changes(event, cert), position)])
    return rows


def ground_rows(app: Registry, number: str) -> list[Any]:
    return [row for key, row in deadlines(app, number).items() if ":ground:" in key]


def test_r_sus_3_a_ground_recorded_opens_the_7_day_deadline_at_once(app: Registry, staff: Staff,
                                                                     number: str) -> None:
    ground_id = app.record_ground(number, "enforcement_penalty", date(2026, 11, 20), SOURCE,
                                  actor=staff.decision).ids["id"]
    [row] = ground_rows(app, number)
    assert (row.rule, row.due_on, row.state) == ("R-SUS-3", "2026-11-27", "open")
    assert str(ground_id) in row.key
    shown = app.get_certificate(number).deadlines
    assert {"rule": "R-SUS-3", "due_on": date(2026, 11, 27)}.items() <= next(
        d for d in shown if d["rule"] == "R-SUS-3").items()
    assert app.get_certificate(number).status == "valid"  # a ground is not yet a measure


@pytest.mark.parametrize(("suspended_on", "state", "late"), [
    (date(2026, 11, 27), "met", False),
    (date(2026, 11, 28), "missed", True),
], ids=["day 7 is in time", "day 8 misses it"])
def test_r_sus_3_the_measure_settles_the_recorded_ground_met_or_missed(
        app: Registry, clock: FixedClock, staff: Staff, number: str, suspended_on: date, state: str,
        late: bool) -> None:
    app.record_ground(number, "enforcement_penalty", date(2026, 11, 20), SOURCE, actor=staff.decision)
    clock.set(suspended_on)
    app.suspend(number, suspended_on, date(2026, 11, 20), "enforcement_penalty", "行政处罚", actor=staff.decision)
    suspended = list(app.events.get(certificate_id(number)))[-1]
    assert isinstance(suspended, Certificate.Suspended) and suspended.late is late and len(suspended.grounds) == 1
    [row] = ground_rows(app, number)
    assert (row.state, row.done_on) == (state, suspended_on.isoformat())
    assert not [d for d in app.get_certificate(number).deadlines if d["rule"] == "R-SUS-3"]


def test_r_sus_3_a_ground_recorded_while_suspended_is_settled_by_the_withdrawal(app: Registry, staff: Staff,
                                                                                number: str) -> None:
    app.suspend(number, date(2026, 11, 10), date(2026, 11, 9), "major_defect", "体系重大缺陷", actor=staff.decision)
    app.record_ground(number, "trading_noncompliance", date(2026, 11, 18), "主管部门通报", actor=staff.decision)
    app.withdraw(number, date(2026, 11, 24), date(2026, 11, 18), "trading_noncompliance", "未履约",
                 actor=staff.decision)
    [row] = ground_rows(app, number)
    assert (row.state, row.done_on) == ("met", "2026-11-24")


def test_r_sus_3_a_ground_left_open_is_dropped_when_the_certificate_is_cancelled(app: Registry, staff: Staff,
                                                                                 number: str) -> None:
    app.record_ground(number, "major_defect", date(2026, 11, 20), SOURCE, actor=staff.decision)
    app.cancel(number, date(2026, 11, 24), "client_request", "客户申请注销", date(2026, 11, 21), actor=staff.decision)
    assert ground_rows(app, number) == []


def test_r_sus_3_a_ground_without_its_source_is_refused(app: Registry, staff: Staff, number: str) -> None:
    with refused(app, RuleViolation, "R-SUS-3", "§11.3") as caught:
        app.record_ground(number, "major_defect", date(2026, 11, 20), "  ", actor=staff.decision)
    assert "来源" in str(caught.value)


def test_r_sus_3_a_measure_may_not_date_its_ground_after_the_one_recorded(app: Registry, staff: Staff,
                                                                          number: str) -> None:
    # the ground was recorded as known on 11-10: a suspension claiming it was known on 11-20 would hide that it is late
    app.record_ground(number, "major_defect", date(2026, 11, 10), SOURCE, actor=staff.decision)
    with refused(app, RuleViolation, "R-SUS-3", "§11.3"):
        app.suspend(number, date(2026, 11, 24), date(2026, 11, 20), "major_defect", "", actor=staff.decision)
    app.suspend(number, date(2026, 11, 24), date(2026, 11, 10), "major_defect", "", actor=staff.decision)


def test_r_sus_3_a_ground_is_known_by_today_within_validity_and_not_the_schedulers(app: Registry, staff: Staff,
                                                                                   number: str) -> None:
    with invalid(app, "known_on"):
        app.record_ground(number, "major_defect", date(2026, 11, 25), SOURCE, actor=staff.decision)
    with invalid(app, "ground"):
        app.record_ground(number, "surveillance_overdue", date(2026, 11, 20), SOURCE, actor=staff.decision)
    app.withdraw(number, date(2026, 11, 20), date(2026, 11, 19), "major_defect", "", actor=staff.decision)
    with refused(app, OutOfOrder):
        app.record_ground(number, "major_defect", date(2026, 11, 21), SOURCE, actor=staff.decision)


# R-CAN-2


def test_r_can_2_a_cancellation_without_its_triggers_date_is_refused(app: Registry, staff: Staff,
                                                                      number: str) -> None:
    with refused(app, RuleViolation, "R-CAN-2", "§11.4") as caught:
        app.cancel(number, date(2026, 11, 24), "client_request", "客户申请注销", actor=staff.decision)
    assert "事由" in str(caught.value)


@pytest.mark.parametrize(("trigger_on", "due_by", "late"), [
    (date(2026, 10, 25), date(2026, 11, 24), False),
    (date(2026, 10, 24), date(2026, 11, 23), True),
], ids=["day 30 after the trigger is in time", "day 31 is recorded late"])
def test_r_can_2_the_30_days_run_from_the_named_trigger(app: Registry, staff: Staff, number: str, trigger_on: date,
                                                        due_by: date, late: bool) -> None:
    app.cancel(number, date(2026, 11, 24), "other", "认证机构决定注销", trigger_on, actor=staff.decision)
    cancelled = list(app.events.get(certificate_id(number)))[-1]
    assert isinstance(cancelled, Certificate.Cancelled)
    assert (cancelled.trigger_on, cancelled.due_by, cancelled.late) == (trigger_on, due_by, late)
