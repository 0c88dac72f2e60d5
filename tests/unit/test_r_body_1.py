"""R-BODY-1 (§4.1): the body's CNCA approval (批准书编号, valid from/until) is recorded as data; no certificate is
issued on a date the approval does not cover; the approval number appears in the certificate's other information.

A fresh registry has no approval: the staff here are enrolled without the demo's (``enrol_staff(approval=False)``),
and each test records what it needs.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from demo.scenario import DEMO_APPROVAL, Staff, Walk, enrol_staff
from registry.application import Registry
from registry.certificate import Certificate
from registry.errors import RuleViolation
from registry.reference import ApprovalList
from tests.conftest import STAFF_SINCE
from tests.factories import invalid, refused, reported

DECIDED_ON = date(2026, 4, 1)  # the walk's decision: day 30 of an application on 2026-03-02
DAY = timedelta(days=1)


@pytest.fixture
def bare(app: Registry) -> Staff:
    """Staff enrolled on a registry that has recorded no CNCA approval."""
    return enrol_staff(app, STAFF_SINCE, approval=False)


@pytest.fixture
def reported_walk(app: Registry, bare: Staff) -> Walk:
    return reported(Walk(app, bare, date(2026, 3, 2)))


def test_r_body_1_a_fresh_registry_has_no_approval_and_refuses_a_grant(app: Registry, reported_walk: Walk) -> None:
    assert app.approvals() == () and app.approval_list() is None
    with refused(app, RuleViolation, "R-BODY-1", "§4.1") as caught:
        reported_walk.decide()
    assert caught.value.detail.startswith("2026-04-01 不在本机构认证机构批准书的有效期内（已记录：未记录")
    # a refusal issues nothing, and needs no approval
    reported_walk.decide(grant=False, reasons="机构批准书未记录")
    assert app.get_case(reported_walk.case).stage == "refused"


@pytest.mark.parametrize(("valid_from", "valid_until"), [
    (DECIDED_ON, DECIDED_ON + timedelta(days=365)),  # the grant on the approval's first day
    (DECIDED_ON - timedelta(days=365), DECIDED_ON),  # the grant on its last day
])
def test_r_body_1_a_grant_on_a_day_the_approval_covers_issues_the_certificate_naming_it(
        app: Registry, bare: Staff, reported_walk: Walk, valid_from: date, valid_until: date) -> None:
    app.record_approval("CNCA-R-2021-118", valid_from, valid_until, actor=bare.admin)
    reported_walk.decide()
    assert reported_walk.number is not None
    issued = next(e for e in app.events.get(app.certificate_by_number(reported_walk.number).id))
    assert isinstance(issued, Certificate.Issued) and issued.approval == "CNCA-R-2021-118"
    assert app.get_certificate(reported_walk.number).approval_number == "CNCA-R-2021-118"


@pytest.mark.parametrize(("valid_from", "valid_until"), [
    (DECIDED_ON + DAY, DECIDED_ON + timedelta(days=365)),  # the approval begins the day after the grant
    (DECIDED_ON - timedelta(days=365), DECIDED_ON - DAY),  # it ended the day before
])
def test_r_body_1_a_grant_on_a_day_outside_the_approval_is_refused(
        app: Registry, bare: Staff, reported_walk: Walk, valid_from: date, valid_until: date) -> None:
    app.record_approval("CNCA-R-2021-118", valid_from, valid_until, actor=bare.admin)
    with refused(app, RuleViolation, "R-BODY-1", "§4.1") as caught:
        reported_walk.decide()
    assert "CNCA-R-2021-118" in caught.value.detail


def test_r_body_1_the_approval_covering_the_day_is_the_one_named(app: Registry, bare: Staff,
                                                                 reported_walk: Walk) -> None:
    app.record_approval("CNCA-R-2015-020", date(2015, 1, 1), DECIDED_ON - DAY, actor=bare.admin)
    app.record_approval("CNCA-R-2021-118", DECIDED_ON - timedelta(days=30), date(2031, 12, 31), actor=bare.admin)
    reported_walk.decide()
    assert app.get_certificate(reported_walk.number or "").approval_number == "CNCA-R-2021-118"


def test_r_body_1_an_approval_recorded_again_has_its_validity_revised(app: Registry, bare: Staff,
                                                                      reported_walk: Walk) -> None:
    app.record_approval("CNCA-R-2021-118", date(2021, 1, 1), date(2027, 12, 31), actor=bare.admin)
    app.record_approval("CNCA-R-2021-118", date(2021, 1, 1), DECIDED_ON - DAY, actor=bare.admin)  # ended early
    assert [a.valid_until for a in app.approval_list().entries] == [  # type: ignore[union-attr]
        date(2027, 12, 31), DECIDED_ON - DAY]
    with refused(app, RuleViolation, "R-BODY-1", "§4.1"):
        reported_walk.decide()


def test_r_body_1_each_approval_is_an_event_with_who_and_when(app: Registry, bare: Staff) -> None:
    app.record_approval("CNCA-R-2021-118", date(2021, 1, 1), date(2027, 12, 31), actor=bare.admin)
    [started, recorded] = list(app.events.get(app.approval_list().id))  # type: ignore[union-attr]
    assert isinstance(started, ApprovalList.Started) and isinstance(recorded, ApprovalList.ApprovalRecorded)
    assert recorded.actor == bare.admin and recorded.recorded_at == app.clock.now()
    [approval] = app.approvals()
    assert (approval.number, approval.valid_from, approval.valid_until, approval.recorded_by) == (
        "CNCA-R-2021-118", date(2021, 1, 1), date(2027, 12, 31), bare.admin)


def test_r_body_1_an_approval_has_a_number_and_a_period_that_runs_forward(app: Registry, bare: Staff) -> None:
    with invalid(app, "number"):
        app.record_approval("  ", date(2021, 1, 1), date(2027, 12, 31), actor=bare.admin)
    with invalid(app, "valid_until"):
        app.record_approval("CNCA-R-2021-118", date(2021, 1, 2), date(2021, 1, 1), actor=bare.admin)


def test_r_body_1_the_walks_record_the_demo_approval_once(app: Registry, staff: Staff) -> None:
    enrol_staff(app, STAFF_SINCE)  # a second enrolment on the same registry
    [approval] = app.approvals()
    assert (approval.number, approval.valid_from, approval.valid_until) == DEMO_APPROVAL


def test_r_body_1_a_certificate_issued_before_approvals_were_recorded_reads_none(walk: Walk) -> None:
    from tests.unit.test_issue_23_old_events import stored_without

    number = reported(walk).decide().number
    assert number is not None
    cert_id = walk.app.certificate_by_number(number).id
    issued = stored_without(walk.app, cert_id, 1, "approval")
    assert isinstance(issued, Certificate.Issued) and issued.approval is None
    assert walk.app.get_certificate(number).approval_number == DEMO_APPROVAL[0]
