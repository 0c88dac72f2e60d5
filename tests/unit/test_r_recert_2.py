"""R-RECERT-2 (§9.2.2): the recertification report covers the four items of §9.2.2; a suspended certificate is not
renewed until reinstated; the recertification audit counts as the last surveillance audit, so the new certificate's
first surveillance is due within 12 months of it; the new certificate's history shows the whole earlier cycle."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from demo.scenario import RECERTIFICATION_TEXT, Staff, Walk
from registry.application import Registry
from registry.clock import FixedClock
from registry.errors import RuleViolation
from tests.factories import certified, invalid, refused

APPLIED = date(2028, 10, 9)  # the renewal window of a certificate valid until 2029-03-30 opened on 2028-09-30


def renewal_report(app: Registry, clock: FixedClock, staff: Staff, original: Walk, **report: Any) -> Walk:
    """The renewal of ``original`` walked to its report: stage 2, the recertification audit, on 2028-10-29."""
    clock.set(date(2028, 11, 30))
    renewal = Walk(app, staff, APPLIED, uscc=original.uscc)
    renewal.apply(kind="renewal", renewal_of=original.number).documents().accept().agree().programme().team()
    return renewal.stage1().stage2().report(**report)


def test_r_recert_2_a_renewal_report_covering_the_four_items_allows_the_grant(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    certified(walk)
    renewal = renewal_report(app, clock, staff, walk)  # Walk's report gives the four items for a renewal
    assert app.get_case(renewal.case).report_gaps == ()
    renewal.decide(decided_on=date(2028, 11, 8))
    assert renewal.number is not None


@pytest.mark.parametrize("item", list(RECERTIFICATION_TEXT))
def test_r_recert_2_a_renewal_report_missing_one_of_the_four_items_bars_the_decision(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk, item: str) -> None:
    certified(walk)
    # (the cycle's effectiveness and reductions given separately, so that only R-RECERT-2's item is missing)
    renewal = renewal_report(app, clock, staff, walk, recertification={**RECERTIFICATION_TEXT, item: ""},
                             cycle_effectiveness="周期内有效", actual_reductions="三年减排1.2万吨")
    assert [g["rule"] for g in app.get_case(renewal.case).report_gaps] == ["R-RECERT-2"]
    with refused(app, RuleViolation, "R-RECERT-2", "§9.2.2"):
        renewal.decide(decided_on=date(2028, 11, 8))


def test_r_recert_2_an_initial_report_carries_no_recertification_items(app: Registry, walk: Walk) -> None:
    walk.organization().apply().documents().accept().agree().programme().team().stage1().stage2()
    with invalid(app, "recertification"):
        walk.report(recertification=RECERTIFICATION_TEXT)


def test_r_recert_2_a_suspended_certificate_is_not_renewed_until_reinstated(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    old = certified(walk)
    renewal = renewal_report(app, clock, staff, walk)
    app.suspend(old, date(2028, 11, 1), date(2028, 10, 31), "major_defect", "体系重大缺陷", actor=staff.decision)
    with refused(app, RuleViolation, "R-RECERT-2", "§9.2.2"):
        renewal.decide(decided_on=date(2028, 11, 8))
    app.reinstate(old, date(2028, 11, 9), "缺陷已纠正并验证", actor=staff.decision)
    renewal.decide(decided_on=date(2028, 11, 10))
    assert app.get_certificate(old).renewed_by == renewal.number


def test_r_recert_2_the_new_certificate_s_first_surveillance_is_due_within_12_months_of_the_recertification_audit(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    certified(walk)
    renewal = renewal_report(app, clock, staff, walk)  # stage 2 on 2028-10-29
    renewal.decide(decided_on=date(2028, 11, 8))
    new = app.get_certificate(renewal.number or "")
    # 12 months after the recertification audit, not after the decision (which would be 2029-11-08)
    assert new.surveillance["next_due_by"] == date(2029, 10, 29)


def test_r_recert_2_the_new_certificate_s_history_shows_the_earlier_cycle(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    old = certified(walk)
    first_case = walk.case
    renewal = renewal_report(app, clock, staff, walk)
    renewal.decide(decided_on=date(2028, 11, 8))
    history = app.certificate_history(renewal.number or "")
    records = {(e.record, e.record_id) for e in history}
    old_view = app.get_certificate(old)
    assert ("certificate", old_view.id) in records and ("case", first_case) in records
    issued = [e.data["number"] for e in history if e.type == "Issued"]
    assert issued == [old, renewal.number]  # oldest first: the earlier cycle, then the new one
    positions = [e.position for e in history]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
