"""The certification decision (§8.5) and the separation of duties (§4.2): R-DEC-1 and R-SOD-1.

Given a case walked to its report, when a decision is recorded, then the grant issues a certificate, or the
command is refused with the rule's id and clause and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from demo.scenario import ALL_CONDITIONS, Staff, Walk, new_uscc
from registry.application import Registry
from registry.case import Case
from registry.errors import RuleViolation, SeparationOfDuties
from registry.values import Actor, Basis, Nonconformity, Role, Severity
from tests.factories import CCAA, ENMS, REGISTERED_UNTIL, enrol_auditor, refused, reported

SECTOR_BASIS = Basis(sector_requirements=("电力行业认证要求",))
CONFIRMED: dict[str, bool | None] = {
    "legal_compliance": True, "sector_requirements": True, "management_improved": True, "no_penalty": True,
}
CONDITIONS_WITHOUT_SECTOR = ("legal_compliance", "management_improved", "no_penalty")


def with_sector_basis(walk: Walk) -> Walk:
    """The walk's body accepts the sector requirements SECTOR_BASIS names (R-BASIS-1)."""
    walk.app.accept_basis("电力行业认证要求", "2024", date(2024, 1, 1), kind="sector", actor=walk.staff.admin)
    return walk


def last_event(app: Registry, aggregate_id: UUID) -> Any:
    return list(app.events.get(aggregate_id))[-1]


def person_of(actor: Actor) -> UUID:
    assert actor.person is not None
    return actor.person


# R-DEC-1: granting needs stage 2, a complete report, every major nonconformity closed and the four conditions


def test_r_dec_1_grant_with_all_four_conditions_confirmed_issues_a_certificate(walk: Walk) -> None:
    # given a case with a complete report
    reported(walk)
    # when the decision maker grants with every condition confirmed
    walk.decide(conditions=CONFIRMED)
    # then the case is granted and a valid certificate exists
    assert walk.number is not None
    assert walk.app.get_case(walk.case).stage == "granted"
    assert walk.app.get_certificate(walk.number).status == "valid"


@pytest.mark.parametrize("condition", CONDITIONS_WITHOUT_SECTOR)
@pytest.mark.parametrize("value", [False, None])
def test_r_dec_1_an_unmet_condition_refuses_the_grant_and_allows_only_a_refusal(
        walk: Walk, condition: str, value: bool | None) -> None:
    # given a case with a complete report, and one of the §8.5.2 conditions not confirmed
    reported(walk)
    conditions = {**ALL_CONDITIONS, condition: value}
    # when the decision maker grants, then the grant is refused and nothing is written
    with refused(walk.app, RuleViolation, "R-DEC-1", "§8.5.2"):
        walk.decide(conditions=conditions)
    # when the decision maker refuses instead, then the refusal is recorded with the unmet condition
    walk.decide(grant=False, conditions=conditions, reasons="条件未满足")
    assert walk.number is None
    assert walk.app.get_case(walk.case).stage == "refused"
    refusal = last_event(walk.app, walk.case)
    assert isinstance(refusal, Case.Refused)
    assert tuple(refusal.unmet) == (condition,)
    assert refusal.actor == walk.staff.decision


def test_r_dec_1_sector_requirements_may_stay_open_where_none_apply(walk: Walk) -> None:
    # given a case whose basis names no sector requirements
    reported(walk)
    # when the grant leaves the sector condition open (None), then it passes
    walk.decide(conditions={**CONFIRMED, "sector_requirements": None})
    assert walk.app.get_case(walk.case).stage == "granted"


def test_r_dec_1_sector_requirements_must_be_confirmed_where_they_apply(walk: Walk) -> None:
    # given a case whose basis names a sector's certification requirements
    reported(with_sector_basis(walk), apply={"basis": SECTOR_BASIS})
    # when the grant leaves the sector condition open, then it is refused
    with refused(walk.app, RuleViolation, "R-DEC-1", "§8.5.2"):
        walk.decide(conditions={**CONFIRMED, "sector_requirements": None})
    # when the sector condition is confirmed, then the grant passes
    walk.decide(conditions=CONFIRMED)
    assert walk.app.get_case(walk.case).stage == "granted"


def test_r_dec_1_refusal_records_an_open_sector_requirement_as_unmet(walk: Walk) -> None:
    reported(with_sector_basis(walk), apply={"basis": SECTOR_BASIS})
    walk.decide(grant=False, conditions={**CONFIRMED, "sector_requirements": None}, reasons="行业要求未确认")
    assert tuple(last_event(walk.app, walk.case).unmet) == ("sector_requirements",)


def test_r_dec_1_a_major_nonconformity_never_closed_refuses_the_grant(walk: Walk) -> None:
    reported(walk, majors=1)
    with refused(walk.app, RuleViolation, "R-DEC-1", "§8.5.2"):
        walk.decide(decided_on=walk.day(30))


def test_r_dec_1_a_major_nonconformity_closed_after_the_decision_date_refuses_the_grant(walk: Walk) -> None:
    # given a major nonconformity closed on day 25
    reported(walk, majors=1).close("NC-1", on=walk.day(25))
    # when the grant is dated day 24, the nonconformity was still open then
    with refused(walk.app, RuleViolation, "R-DEC-1", "§8.5.2"):
        walk.decide(decided_on=walk.day(24))


def test_r_dec_1_a_major_nonconformity_closed_on_the_decision_date_allows_the_grant(walk: Walk) -> None:
    reported(walk, majors=1).close("NC-1", on=walk.day(25))
    walk.decide(decided_on=walk.day(25))
    assert walk.app.get_case(walk.case).stage == "granted"


def test_r_dec_1_the_report_may_be_submitted_before_majors_are_closed(walk: Walk) -> None:
    # given stage 2 with two majors, the report submitted on day 22 while both are open
    reported(walk, majors=2)
    assert all(nc["closed_on"] is None for nc in walk.app.get_case(walk.case).nonconformities)
    # when both are closed afterwards and the grant follows
    walk.close("NC-1", on=walk.day(24)).close("NC-2", on=walk.day(26))
    walk.decide(decided_on=walk.day(26))
    # then the grant passes
    assert walk.app.get_case(walk.case).stage == "granted"


def test_r_dec_1_one_of_two_majors_still_open_refuses_the_grant(walk: Walk) -> None:
    reported(walk, majors=2).close("NC-1", on=walk.day(24))
    with refused(walk.app, RuleViolation, "R-DEC-1", "§8.5.2"):
        walk.decide(decided_on=walk.day(26))


def test_r_dec_1_an_open_minor_nonconformity_does_not_bar_the_grant(walk: Walk) -> None:
    walk.to_team().stage1()
    walk.stage2(nonconformities=[Nonconformity("NC-m1", Severity.MINOR, "记录不完整")]).report()
    walk.decide()
    assert walk.app.get_case(walk.case).stage == "granted"


# R-SOD-1: acceptance, training or consulting, audit and decision are separate functions (§4.2)


def test_r_sod_1_decision_maker_may_not_be_the_intake_reviewer(walk: Walk) -> None:
    # given a case accepted by the intake reviewer
    reported(walk)
    # when the same person decides, then it is refused
    with refused(walk.app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.decide(actor=Actor(person_of(walk.staff.intake), Role.DECISION))


def test_r_sod_1_a_decision_maker_separate_from_intake_and_audit_may_decide(walk: Walk) -> None:
    reported(walk)
    walk.decide(actor=walk.staff.decision)
    assert walk.app.get_case(walk.case).stage == "granted"


@pytest.mark.parametrize("position", ["leader", "member", "expert"])
def test_r_sod_1_decision_maker_may_not_be_on_the_audit_team(app: Registry, staff: Staff, walk: Walk,
                                                             position: str) -> None:
    # given a case audited by a leader, a member and a technical expert
    expert = enrol_auditor(app, staff, "技术专家", registrations=(), evaluated_on=None)
    walk.to_acceptance().agree().programme().team(experts=[expert]).stage1().stage2().report()
    person = {"leader": staff.leader, "member": staff.member, "expert": expert}[position]
    # when one of them decides, then it is refused
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.decide(actor=Actor(person, Role.DECISION))
    # and granting or refusing alike: the refusal is barred as well
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.decide(actor=Actor(person, Role.DECISION), grant=False, reasons="不予认证")


def test_r_sod_1_decision_maker_may_not_have_audited_the_case(app: Registry, staff: Staff, walk: Walk) -> None:
    # given stage 1 audited by the original leader, then a new team (without that leader) for stage 2
    walk.to_team().stage1()
    new_leader = enrol_auditor(app, staff, "新审核组长",
                               registrations=[(CCAA, REGISTERED_UNTIL), (ENMS, REGISTERED_UNTIL)])
    app.appoint_team(walk.case, new_leader, [staff.member], on=walk.day(15), actor=staff.admin)
    walk.stage2(actor=Actor(new_leader, Role.AUDITOR)).report(actor=Actor(new_leader, Role.AUDITOR))
    # when the auditor of stage 1 decides on the case, then it is refused: he performed its audit
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.decide(actor=Actor(staff.leader, Role.DECISION))


@pytest.mark.parametrize("service", ["training", "consulting"])
def test_r_sod_1_decision_maker_who_trained_or_consulted_the_client_may_not_decide(
        app: Registry, staff: Staff, walk: Walk, service: str) -> None:
    # given the decision maker gave training or consulting to the client before the decision
    reported(walk)
    app.record_service(person_of(staff.decision), walk.uscc, service, walk.day(1), actor=staff.admin)
    # when he decides, then it is refused
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.decide()


def test_r_sod_1_decision_maker_who_trained_another_client_may_decide(app: Registry, staff: Staff,
                                                                      walk: Walk) -> None:
    reported(walk)
    app.record_service(person_of(staff.decision), new_uscc(), "training", walk.day(1), actor=staff.admin)
    walk.decide()
    assert app.get_case(walk.case).stage == "granted"


def test_r_sod_1_team_member_who_consulted_the_client_cannot_be_appointed(app: Registry, staff: Staff,
                                                                          walk: Walk) -> None:
    # given the member consulted the client
    walk.to_acceptance().agree().programme()
    app.record_service(staff.member, walk.uscc, "consulting", walk.day(1), actor=staff.admin)
    # when he is appointed to its audit team, then it is refused
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.team()


def test_r_sod_1_team_member_who_consulted_another_client_may_be_appointed(app: Registry, staff: Staff,
                                                                           walk: Walk) -> None:
    walk.to_acceptance().agree().programme()
    app.record_service(staff.member, new_uscc(), "consulting", walk.day(1), actor=staff.admin)
    walk.team()
    team = app.get_case(walk.case).team
    assert team is not None and team["members"] == [staff.member]


def test_r_sod_1_intake_reviewer_who_trained_the_client_cannot_accept(app: Registry, staff: Staff,
                                                                      walk: Walk) -> None:
    # given the intake reviewer trained the client before its application was reviewed
    walk.organization().apply().documents()
    app.record_service(person_of(staff.intake), walk.uscc, "training", walk.start, actor=staff.admin)
    # when he accepts the application, then it is refused
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        walk.accept()


def test_r_sod_1_intake_reviewer_who_trained_another_client_may_accept(app: Registry, staff: Staff,
                                                                       walk: Walk) -> None:
    walk.organization().apply().documents()
    app.record_service(person_of(staff.intake), new_uscc(), "training", walk.start, actor=staff.admin)
    walk.accept()
    assert app.get_case(walk.case).stage == "accepted"


def test_r_sod_1_decision_maker_violation_exactly_two_years_before_the_decision_does_not_bar(
        app: Registry, staff: Staff, walk: Walk) -> None:
    reported(walk)
    app.record_violation(person_of(staff.decision), date(2024, 3, 31), "违规记录", actor=staff.admin)
    walk.decide(decided_on=date(2026, 3, 31))
    assert app.get_case(walk.case).stage == "granted"


def test_r_sod_1_decision_maker_violation_one_day_inside_two_years_bars(app: Registry, staff: Staff,
                                                                        walk: Walk) -> None:
    reported(walk)
    app.record_violation(person_of(staff.decision), date(2024, 4, 1), "违规记录", actor=staff.admin)
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2, §5.1"):
        walk.decide(decided_on=date(2026, 3, 31))
