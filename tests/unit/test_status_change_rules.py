"""Status changes of a certificate (§11): change (R-CHG-1), suspension and withdrawal (R-SUS-1, R-SUS-2),
cancellation (R-CAN-1), expiry (R-EXP-1) and the terminal states.

Given a granted certificate (decided 2026-03-31, valid until 2029-03-30), when a status change is recorded, then
its deadlines are tracked on the event (late steps are flagged, not refused), or it is refused with the rule's id
and clause and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from demo.scenario import SURVEILLANCE, Staff, Walk
from registry.application import Registry
from registry.certificate import Certificate
from registry.clock import FixedClock
from registry.errors import OutOfOrder, RuleViolation
from registry.identifiers import certificate_id
from registry.values import Changes
from tests.factories import certified, invalid, refused

DECIDED = date(2026, 3, 31)
VALID_UNTIL = date(2029, 3, 30)


def last_event(app: Registry, number: str) -> Any:
    return list(app.events.get(certificate_id(number)))[-1]


@pytest.fixture
def number(walk: Walk) -> str:
    """A certificate granted on 2026-03-31 (the clock stands at 2026-11-24)."""
    return certified(walk, decided_on=DECIDED)


# R-CHG-1: the client applies within 15 days of a change; the body changes the certificate within 30 days


@pytest.mark.parametrize(("requested_on", "late", "change_due_by"), [
    (date(2026, 10, 16), False, date(2026, 11, 15)),
    (date(2026, 10, 17), True, date(2026, 11, 16)),
], ids=["day 15 is in time", "day 16 is recorded late"])
def test_r_chg_1_a_request_is_due_on_day_15_after_the_change_and_recorded_late_after_it(
        app: Registry, staff: Staff, number: str, requested_on: date, late: bool, change_due_by: date) -> None:
    # a late request is recorded (not refused) and flagged late
    app.request_change(number, requested_on, date(2026, 10, 1), Changes(name="新名称有限公司"), actor=staff.admin)
    requested = last_event(app, number)
    assert isinstance(requested, Certificate.ChangeRequested)
    assert (requested.request_due_by, requested.request_late) == (date(2026, 10, 16), late)
    assert requested.change_due_by == change_due_by


@pytest.mark.parametrize(("changed_on", "late"), [(date(2026, 11, 15), False), (date(2026, 11, 16), True)],
                         ids=["day 30 is in time", "day 31 is recorded late"])
def test_r_chg_1_a_change_is_due_on_day_30_after_the_request_and_recorded_late_after_it(
        app: Registry, staff: Staff, number: str, changed_on: date, late: bool) -> None:
    rid = app.request_change(number, date(2026, 10, 16), date(2026, 10, 1), Changes(address="上海市新地址1号"),
                             actor=staff.admin).ids["request"]
    app.change_certificate(number, rid, changed_on, actor=staff.admin)
    changed = last_event(app, number)
    assert isinstance(changed, Certificate.Changed)
    assert (changed.due_by, changed.late) == (date(2026, 11, 15), late)


def test_r_chg_1_a_changed_certificate_keeps_its_number_and_shows_its_new_version(app: Registry, staff: Staff,
                                                                                 walk: Walk, number: str) -> None:
    # given a request to change the organisation's name
    rid = app.request_change(number, date(2026, 10, 10), date(2026, 10, 1), Changes(name="华东新能源有限公司"),
                             actor=staff.admin).ids["request"]
    # when the body changes the certificate
    written = app.change_certificate(number, rid, date(2026, 10, 20), actor=staff.admin)
    # then the number stays, the version is 2, and the new name shows on the certificate and the organisation
    cert = app.get_certificate(number)
    assert (cert.number, cert.version, written.ids["version"]) == (number, 2, 2)
    assert cert.organization == {"name": "华东新能源有限公司", "address": "上海市浦东新区示例路88号",
                                 "uscc": walk.uscc}
    assert app.get_organization(walk.uscc).name == "华东新能源有限公司"
    assert app.get_organization(walk.uscc).certificates == (number,)


def test_r_chg_1_a_scope_change_shows_on_the_certificate(app: Registry, staff: Staff, number: str) -> None:
    changes = Changes(scope="电力和热力生产的碳排放管理活动")
    rid = app.request_change(number, date(2026, 10, 10), date(2026, 10, 1), changes, actor=staff.admin).ids["request"]
    app.change_certificate(number, rid, date(2026, 10, 20), actor=staff.admin)
    assert app.get_certificate(number).scope == "电力和热力生产的碳排放管理活动"


def test_r_chg_1_a_change_request_naming_nothing_is_refused(app: Registry, staff: Staff, number: str) -> None:
    with invalid(app, "changes"):
        app.request_change(number, date(2026, 10, 10), date(2026, 10, 1), Changes(), actor=staff.admin)


@pytest.mark.parametrize("changes", [Changes(name=""), Changes(address="   ")], ids=["empty name", "blank address"])
def test_r_chg_1_a_change_request_naming_only_a_blank_value_is_refused(app: Registry, staff: Staff, number: str,
                                                                       changes: Changes) -> None:
    # a blank new name or address changes nothing: the request names nothing it could carry out
    with invalid(app, "changes"):
        app.request_change(number, date(2026, 10, 10), date(2026, 10, 1), changes, actor=staff.admin)


def test_r_chg_1_a_change_request_is_carried_out_once(app: Registry, staff: Staff, number: str) -> None:
    rid = app.request_change(number, date(2026, 10, 10), date(2026, 10, 1), Changes(name="华东新能源有限公司"),
                             actor=staff.admin).ids["request"]
    app.change_certificate(number, rid, date(2026, 10, 20), actor=staff.admin)
    with refused(app, OutOfOrder, "R-FLOW-1", "§2"):
        app.change_certificate(number, rid, date(2026, 10, 21), actor=staff.admin)
    assert app.get_certificate(number).version == 2


# R-SUS-1: suspension or withdrawal within 7 days of the ground becoming known


@pytest.mark.parametrize(("suspended_on", "ground", "description", "late"), [
    (date(2026, 11, 8), "major_defect", "体系重大缺陷", False),
    (date(2026, 11, 9), "enforcement_penalty", "行政处罚", True),
], ids=["day 7 is in time", "day 8 is recorded late"])
def test_r_sus_1_a_suspension_is_due_on_day_7_after_the_ground_and_recorded_late_after_it(
        app: Registry, staff: Staff, number: str, suspended_on: date, ground: str, description: str,
        late: bool) -> None:
    app.suspend(number, suspended_on, date(2026, 11, 1), ground, description, actor=staff.admin)
    suspended = last_event(app, number)
    assert isinstance(suspended, Certificate.Suspended)
    assert (suspended.due_by, suspended.late) == (date(2026, 11, 8), late)
    cert = app.get_certificate(number)
    assert (cert.status, cert.status_since, cert.suspension_ground) == ("suspended", suspended_on, ground)


def test_r_sus_1_a_suspended_certificate_cannot_be_suspended_again(app: Registry, staff: Staff,
                                                                   number: str) -> None:
    app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "major_defect", "体系重大缺陷", actor=staff.admin)
    with refused(app, OutOfOrder, "R-FLOW-1", "§2"):
        app.suspend(number, date(2026, 11, 3), date(2026, 11, 3), "trading_noncompliance", "未履约",
                    actor=staff.admin)


def test_r_sus_1_surveillance_overdue_is_not_a_ground_users_may_give(app: Registry, staff: Staff,
                                                                     number: str) -> None:
    with invalid(app, "ground"):
        app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "surveillance_overdue", "", actor=staff.admin)


def test_r_sus_1_withdrawal_from_valid(app: Registry, staff: Staff, walk: Walk, number: str) -> None:
    app.withdraw(number, date(2026, 11, 5), date(2026, 11, 1), "trading_noncompliance", "未履约", actor=staff.admin)
    withdrawn = last_event(app, number)
    assert isinstance(withdrawn, Certificate.Withdrawn)
    assert (withdrawn.due_by, withdrawn.late) == (date(2026, 11, 8), False)
    assert app.get_certificate(number).status == "withdrawn"
    assert not app.get_organization(walk.uscc).may_apply


def test_r_sus_1_withdrawal_from_suspended(app: Registry, staff: Staff, number: str) -> None:
    app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "uncorrected_nonconformity", "未按期整改",
                actor=staff.admin)
    app.withdraw(number, date(2026, 11, 20), date(2026, 11, 12), "uncorrected_nonconformity", "暂停期满仍未整改",
                 actor=staff.admin)
    withdrawn = last_event(app, number)
    assert isinstance(withdrawn, Certificate.Withdrawn)
    assert (withdrawn.due_by, withdrawn.late) == (date(2026, 11, 19), True)
    assert app.get_certificate(number).status == "withdrawn"


# R-SUS-2: a suspended certificate may be reinstated once corrected; a withdrawn one never


def test_r_sus_2_a_suspended_certificate_is_reinstated_on_evidence(app: Registry, staff: Staff,
                                                                   number: str) -> None:
    app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "major_defect", "体系重大缺陷", actor=staff.admin)
    app.reinstate(number, date(2026, 11, 20), "整改验证报告", actor=staff.admin)
    cert = app.get_certificate(number)
    assert (cert.status, cert.status_since, cert.suspension_ground) == ("valid", date(2026, 11, 20), None)


def test_r_sus_2_a_withdrawn_certificate_is_never_reinstated(app: Registry, staff: Staff, number: str) -> None:
    # given suspension, reinstatement, then withdrawal
    app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "major_defect", "体系重大缺陷", actor=staff.admin)
    app.reinstate(number, date(2026, 11, 10), "整改验证报告", actor=staff.admin)
    app.withdraw(number, date(2026, 11, 20), date(2026, 11, 18), "enforcement_penalty", "行政处罚",
                 actor=staff.admin)
    # when it is reinstated, then it is refused
    with refused(app, RuleViolation, "R-SUS-2", "§11.3"):
        app.reinstate(number, date(2026, 11, 24), "整改验证报告", actor=staff.admin)
    assert app.get_certificate(number).status == "withdrawn"


@pytest.mark.parametrize("evidence", ["", "  "])
def test_r_sus_2_reinstatement_without_evidence_is_refused(app: Registry, staff: Staff, number: str,
                                                           evidence: str) -> None:
    app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "major_defect", "体系重大缺陷", actor=staff.admin)
    with refused(app, RuleViolation, "R-SUS-2", "§11.3"):
        app.reinstate(number, date(2026, 11, 20), evidence, actor=staff.admin)


# R-CAN-1: cancellation within 30 days of expiry, the client's request or another ground


@pytest.mark.parametrize(("cancelled_on", "late"), [(date(2026, 10, 31), False), (date(2026, 11, 1), True)],
                         ids=["day 30 is in time", "day 31 is recorded late"])
def test_r_can_1_a_cancellation_is_due_on_day_30_after_the_request_and_recorded_late_after_it(
        app: Registry, staff: Staff, number: str, cancelled_on: date, late: bool) -> None:
    app.cancel(number, cancelled_on, "client_request", "客户申请注销", trigger_on=date(2026, 10, 1), actor=staff.admin)
    cancelled = last_event(app, number)
    assert isinstance(cancelled, Certificate.Cancelled)
    assert (cancelled.trigger_on, cancelled.due_by, cancelled.late) == (date(2026, 10, 1), date(2026, 10, 31), late)
    assert app.get_certificate(number).status == "cancelled"


def test_r_can_1_ground_expired_is_refused_while_the_certificate_runs(app: Registry, staff: Staff,
                                                                      number: str) -> None:
    with refused(app, RuleViolation, "R-CAN-1", "§11.4 (1)"):
        app.cancel(number, date(2026, 11, 24), "expired", actor=staff.admin)


def test_r_can_1_after_expiry_cancellation_counts_from_the_expiry_day(app: Registry, clock: FixedClock,
                                                                      staff: Staff, number: str) -> None:
    # given the certificate expired by the scheduler on 2029-03-31
    clock.set(date(2029, 3, 31))
    app.expire_if_due(number)
    clock.set(date(2029, 4, 30))
    # when it is cancelled on the ground of its expiry
    app.cancel(number, date(2029, 4, 30), "expired", actor=staff.admin)
    # then the cancellation's trigger is the expiry day, and day 30 is in time
    cancelled = last_event(app, number)
    assert isinstance(cancelled, Certificate.Cancelled)
    assert (cancelled.trigger_on, cancelled.due_by, cancelled.late) == (date(2029, 3, 31), date(2029, 4, 30), False)
    cert = app.get_certificate(number)
    assert (cert.status, cert.status_since) == ("cancelled", date(2029, 4, 30))


def test_r_can_1_a_cancellation_on_day_31_after_expiry_is_late(app: Registry, clock: FixedClock, staff: Staff,
                                                               number: str) -> None:
    clock.set(date(2029, 5, 1))
    app.expire_if_due(number)
    app.cancel(number, date(2029, 5, 1), "expired", actor=staff.admin)
    cancelled = last_event(app, number)
    assert isinstance(cancelled, Certificate.Cancelled)
    assert (cancelled.trigger_on, cancelled.late) == (date(2029, 3, 31), True)


# R-EXP-1: on the day after the last day of validity the certificate expires


def test_r_exp_1_nothing_happens_on_the_last_day_of_validity(app: Registry, clock: FixedClock, number: str) -> None:
    clock.set(VALID_UNTIL)
    before = app.recorder.max_notification_id()
    assert app.expire_if_due(number) is None
    assert app.recorder.max_notification_id() == before
    # not expired; it shows suspended only because its surveillance lapsed long before (R-SURV-4)
    assert app.get_certificate(number).status == "suspended"


def test_r_surv_4_the_staff_view_never_shows_a_lapsed_surveillance_as_valid(app: Registry, clock: FixedClock,
                                                                         number: str) -> None:
    due = app.get_certificate(number).surveillance["next_due_by"]
    clock.set(due)  # the last day for the audit: still valid
    assert app.get_certificate(number).status == "valid"
    clock.set(due + timedelta(days=1))  # the day after, before any scheduler has run
    before = app.recorder.max_notification_id()
    shown = app.get_certificate(number)
    assert (shown.status, shown.status_since, shown.suspension_ground) == (
        "suspended", due + timedelta(days=1), "surveillance_overdue")
    assert app.get_certificate(number, as_of=due).status == "valid"  # as it stood then
    assert app.recorder.max_notification_id() == before  # shown so, recorded by the scheduler only


def test_r_exp_1_the_day_after_the_last_day_the_certificate_expires_once(app: Registry, clock: FixedClock,
                                                                         number: str) -> None:
    # when the scheduler runs on the day after the last day of validity
    clock.set(date(2029, 3, 31))
    assert app.expire_if_due(number) is not None
    # then the expiry is recorded, effective that day
    expired = last_event(app, number)
    assert isinstance(expired, Certificate.Expired)
    assert expired.effective_on == date(2029, 3, 31)
    cert = app.get_certificate(number)
    assert (cert.status, cert.status_since) == ("expired", date(2029, 3, 31))
    # when it runs again, then nothing more is recorded
    before = app.recorder.max_notification_id()
    assert app.expire_if_due(number) is None
    clock.set(date(2029, 4, 2))
    assert app.expire_if_due(number) is None
    assert app.recorder.max_notification_id() == before


def test_r_exp_1_a_suspended_certificate_expires_too(app: Registry, clock: FixedClock, staff: Staff,
                                                     number: str) -> None:
    app.suspend(number, date(2026, 11, 2), date(2026, 11, 1), "major_defect", "体系重大缺陷", actor=staff.admin)
    clock.set(date(2029, 3, 31))
    app.expire_if_due(number)
    assert app.get_certificate(number).status == "expired"


# Terminal states: withdrawn and cancelled accept nothing further; expired accepts only cancellation (R-FLOW-1)

Step = Callable[[Registry, Staff, str, date], Any]

STEPS: dict[str, Step] = {
    "suspend": lambda app, staff, n, on: app.suspend(n, on, on, "major_defect", "体系重大缺陷", actor=staff.admin),
    "reinstate": lambda app, staff, n, on: app.reinstate(n, on, "整改验证报告", actor=staff.admin),
    "withdraw": lambda app, staff, n, on: app.withdraw(n, on, on, "major_defect", "体系重大缺陷", actor=staff.admin),
    "cancel": lambda app, staff, n, on: app.cancel(n, on, "client_request", "客户申请注销", on, actor=staff.admin),
    "change request": lambda app, staff, n, on: app.request_change(n, on, on, Changes(name="新名称有限公司"),
                                                                   actor=staff.admin),
    "surveillance": lambda app, staff, n, on: app.record_surveillance_audit(n, on, staff.leader, [staff.member],
                                                                            **SURVEILLANCE, actor=staff.leader_actor),
}


def withdrawn(app: Registry, staff: Staff, number: str) -> date:
    app.withdraw(number, date(2026, 11, 20), date(2026, 11, 18), "major_defect", "体系重大缺陷", actor=staff.admin)
    return date(2026, 11, 24)


def cancelled(app: Registry, staff: Staff, number: str) -> date:
    app.cancel(number, date(2026, 11, 20), "client_request", "客户申请注销", date(2026, 11, 18), actor=staff.admin)
    return date(2026, 11, 24)


@pytest.mark.parametrize("step", ["suspend", "withdraw", "change request"])
def test_r_exp_1_a_certificate_past_its_last_day_accepts_no_status_change_before_the_scheduler_runs(
        app: Registry, clock: FixedClock, staff: Staff, number: str, step: str) -> None:
    # given a certificate whose last day of validity was 2029-03-30, its expiry not recorded yet by the scheduler
    clock.set(date(2029, 4, 5))
    # when a step dated after its validity is recorded, then it is refused: the certificate has expired (R-EXP-1),
    # and an expired certificate accepts only its cancellation
    with refused(app, OutOfOrder, "R-FLOW-1", "§2"):
        STEPS[step](app, staff, number, date(2029, 4, 5))


TERMINAL: dict[str, Callable[[Registry, Staff, str], date]] = {"withdrawn": withdrawn, "cancelled": cancelled}


@pytest.mark.parametrize(("status", "step"), [
    *[("withdrawn", s) for s in STEPS if s != "reinstate"],  # reinstatement: R-SUS-2, above
    *[("cancelled", s) for s in STEPS],
])
def test_r_flow_1_a_withdrawn_or_cancelled_certificate_accepts_nothing_further(app: Registry, staff: Staff,
                                                                               number: str, status: str,
                                                                               step: str) -> None:
    on = TERMINAL[status](app, staff, number)
    with refused(app, OutOfOrder, "R-FLOW-1", "§2"):
        STEPS[step](app, staff, number, on)
    assert app.get_certificate(number).status == status


def test_r_flow_1_a_cancelled_certificate_cannot_be_changed_on_an_earlier_request(app: Registry, staff: Staff,
                                                                                 number: str) -> None:
    rid = app.request_change(number, date(2026, 11, 10), date(2026, 11, 1), Changes(name="新名称有限公司"),
                             actor=staff.admin).ids["request"]
    cancelled(app, staff, number)
    with refused(app, OutOfOrder, "R-FLOW-1", "§2"):
        app.change_certificate(number, rid, date(2026, 11, 24), actor=staff.admin)


@pytest.mark.parametrize("step", [s for s in STEPS if s != "cancel"])
def test_r_flow_1_an_expired_certificate_accepts_only_its_cancellation(app: Registry, clock: FixedClock,
                                                                       staff: Staff, number: str, step: str) -> None:
    clock.set(date(2029, 4, 2))
    app.expire_if_due(number)
    with refused(app, OutOfOrder, "R-FLOW-1", "§2"):
        STEPS[step](app, staff, number, date(2029, 4, 2))
    app.cancel(number, date(2029, 4, 2), "expired", actor=staff.admin)
    assert app.get_certificate(number).status == "cancelled"


def test_r_flow_1_the_scheduler_records_nothing_on_a_terminal_certificate(app: Registry, clock: FixedClock,
                                                                          staff: Staff, number: str) -> None:
    withdrawn(app, staff, number)
    clock.set(date(2029, 4, 2))
    before = app.recorder.max_notification_id()
    assert app.suspend_if_surveillance_overdue(number) is None
    assert app.expire_if_due(number) is None
    assert app.recorder.max_notification_id() == before
