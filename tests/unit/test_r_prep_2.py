"""R-PREP-2 (§8.3.1, §8.3.3): the programme records what it is based on (size, scope, complexity of the emission
facilities, maturity of the system) and covers the whole cycle (the case's audit, the surveillance audits,
recertification); fewer than 4 person-days needs a recorded justification and a decision maker's approval before
the audit; the person-days actually spent are recorded after each audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from demo.scenario import PROGRAMME_BASIS, Staff, Walk, whole_cycle
from registry.errors import OutOfOrder, RuleViolation
from registry.values import CycleAudit
from tests.factories import invalid, refused


def contracted(walk: Walk) -> Walk:
    return walk.to_acceptance().agree()


# The basis


def test_r_prep_2_a_programme_with_its_whole_basis_is_planned(walk: Walk) -> None:
    contracted(walk).programme()
    programme = walk.app.get_case(walk.case).programme
    assert programme is not None and programme["basis"]["system_maturity"] == PROGRAMME_BASIS.system_maturity


def test_r_prep_2_a_programme_without_a_basis_is_refused(walk: Walk) -> None:
    contracted(walk)
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.1"):
        walk.programme(basis=None)


def test_r_prep_2_a_basis_missing_the_system_maturity_is_refused_naming_it(walk: Walk) -> None:
    contracted(walk)
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.1") as caught:
        walk.programme(basis=replace(PROGRAMME_BASIS, system_maturity="  "))
    assert "管理体系的成熟度" in caught.value.detail and "maturity" in caught.value.detail
    assert "规模" not in caught.value.detail


# The whole cycle


def test_r_prep_2_a_cycle_without_the_recertification_is_refused(walk: Walk) -> None:
    contracted(walk)
    cycle = [a for a in whole_cycle(walk.day(4)) if a.audit is not CycleAudit.RECERTIFICATION]
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.1") as caught:
        walk.programme(cycle=cycle)
    assert "recertification" in caught.value.detail


def test_r_prep_2_one_surveillance_audit_is_short_two_are_enough(walk: Walk) -> None:
    contracted(walk)
    full = whole_cycle(walk.day(4))
    one = [a for i, a in enumerate(full) if i != 2]
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.1"):
        walk.programme(cycle=one)
    walk.programme(cycle=full)


def test_r_prep_2_a_cycle_audit_planned_before_the_programme_is_invalid(walk: Walk) -> None:
    contracted(walk)
    cycle = list(whole_cycle(walk.day(4)))
    cycle[0] = replace(cycle[0], planned_by=walk.day(3))
    with invalid(walk.app, "cycle.0.planned_by"):
        walk.programme(cycle=cycle)


# Fewer than 4 person-days


def test_r_prep_2_fewer_than_four_person_days_without_a_justification_is_refused(walk: Walk) -> None:
    contracted(walk)
    with refused(walk.app, RuleViolation, "R-TIME-1", "§8.3.3 (1)") as caught:
        walk.programme(person_days=Decimal("3.5"))
    assert "R-PREP-2" in caught.value.detail


def test_r_prep_2_fewer_than_four_person_days_with_a_justification_waits_for_approval(walk: Walk,
                                                                                      staff: Staff) -> None:
    contracted(walk).programme(person_days=Decimal("3.5"), justification="单一厂区，仅外购电力").team()

    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.3"):
        walk.stage1()
    walk.app.approve_programme(walk.case, walk.day(6), "同意", actor=staff.decision)
    walk.stage1()

    programme = walk.app.get_case(walk.case).programme
    assert programme is not None and programme["approved_on"] == walk.day(6).isoformat()
    assert programme["justification"] == "单一厂区，仅外购电力"


def test_r_prep_2_an_approval_dated_after_the_stage_1_does_not_let_it_proceed(walk: Walk, staff: Staff) -> None:
    contracted(walk).programme(person_days=Decimal(3), justification="工艺简单").team()
    walk.app.approve_programme(walk.case, walk.day(10) + timedelta(days=1), "同意", actor=staff.decision)

    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.3"):
        walk.stage1()  # on day 10
    walk.stage1(conducted_on=walk.day(11))


def test_r_prep_2_four_person_days_need_no_approval(walk: Walk, staff: Staff) -> None:
    contracted(walk).programme(person_days=Decimal(4))
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.3"):
        walk.app.approve_programme(walk.case, walk.day(5), "同意", actor=staff.decision)


def test_r_prep_2_a_programme_is_approved_once(walk: Walk, staff: Staff) -> None:
    contracted(walk).programme(person_days=Decimal(3), justification="工艺简单")
    walk.app.approve_programme(walk.case, walk.day(5), "同意", actor=staff.decision)
    with refused(walk.app, OutOfOrder):
        walk.app.approve_programme(walk.case, walk.day(6), "再次同意", actor=staff.decision)


def test_r_prep_2_a_new_programme_of_fewer_days_needs_its_own_approval(walk: Walk, staff: Staff) -> None:
    contracted(walk).programme(person_days=Decimal(3), justification="工艺简单")
    walk.app.approve_programme(walk.case, walk.day(5), "同意", actor=staff.decision)
    walk.programme(planned_on=walk.day(6), person_days=Decimal(2), justification="进一步简化").team(on=walk.day(7))
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.3"):
        walk.stage1()


# The person-days actually spent


def test_r_prep_2_each_audit_records_its_actual_person_days(walk: Walk) -> None:
    walk.to_team().stage1(person_days=Decimal("1.5")).stage2(person_days=Decimal(3))
    assert walk.app.get_case(walk.case).person_days_spent == {"stage1": "1.5", "stage2": "3"}


@pytest.mark.parametrize("step", ["stage1", "stage2"])
def test_r_prep_2_an_audit_without_its_actual_person_days_is_refused(walk: Walk, step: str) -> None:
    walk.to_team()
    if step == "stage2":
        walk.stage1()
    with refused(walk.app, RuleViolation, "R-PREP-2", "§8.3.3"):
        getattr(walk, step)(person_days=None)


def test_r_prep_2_zero_actual_person_days_are_invalid(walk: Walk) -> None:
    walk.to_team()
    with invalid(walk.app, "person_days"):
        walk.stage1(person_days=Decimal(0))
