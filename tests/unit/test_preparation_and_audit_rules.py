"""Audit preparation and the initial audit (§8.3, §8.4, §5): R-PREP-1, R-TIME-1..2, R-TEAM-1..2, R-S1-1, R-S2-1,
R-REP-1, and the order of the steps (R-FLOW-1).

The walk fixture's case is applied on Monday 2026-03-02; by default its agreement is on day 3, the programme on day
4, the team on day 5 (2026-03-07), stage 1 on day 10 (2026-03-12), stage 2 on day 20, the report on day 22 and the
decision on day 30. Each rule is checked at both edges; a refusal names its rule and clause and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from demo.scenario import FOCUS_TEXT, PERFORMANCE, Walk
from registry.errors import InvalidInput, NotPermitted, OutOfOrder, RegistryError, RuleViolation
from registry.values import (
    FOCUS_POINTS,
    Actor,
    IntegratedSystem,
    OffSiteGround,
    OtherCertification,
    Role,
    TransferInfo,
    TransferStatus,
    TransferVerification,
    VerifiedYear,
)
from tests.factories import CCAA, ENMS, GHG, REGISTERED_UNTIL, enrol_auditor, invalid, refused, reported

TEAM_DAY = date(2026, 3, 7)  # walk.day(5)
STAGE1_DAY = date(2026, 3, 12)  # walk.day(10)


def planned(walk: Walk) -> Walk:
    return walk.to_acceptance().agree().programme()


# R-PREP-1: an audit programme exists before stage 1


def test_r_prep_1_stage_1_with_a_programme_and_a_team_is_recorded(walk: Walk) -> None:
    walk.to_team().stage1()

    assert walk.app.get_case(walk.case).stage == "stage1_done"


def test_r_prep_1_stage_1_after_the_agreement_without_a_programme_is_refused(walk: Walk) -> None:
    walk.to_acceptance().agree()

    with refused(walk.app, RuleViolation, "R-PREP-1", "§8.3.1"):
        walk.stage1()


# R-TIME-1: audit time ≥ 4 person-days


def test_r_time_1_four_person_days_is_enough(walk: Walk) -> None:
    walk.to_acceptance().agree()

    walk.programme(person_days=Decimal(4))

    assert walk.app.get_case(walk.case).stage == "planned"


def test_r_time_1_three_and_a_half_person_days_is_refused(walk: Walk) -> None:
    walk.to_acceptance().agree()

    with refused(walk.app, RuleViolation, "R-TIME-1", "§8.3.3 (1)"):
        walk.programme(person_days=Decimal("3.5"))


def test_r_time_1_an_integrated_audit_whose_own_cems_time_is_below_four_days_is_refused(walk: Walk) -> None:
    walk.to_acceptance().agree()

    with refused(walk.app, RuleViolation, "R-TIME-1", "§8.3.3 (1)"):
        walk.programme(person_days=Decimal(10), cems_standalone_person_days=Decimal("3.5"),
                       integrated_with=[IntegratedSystem("ISO 14001", Decimal(3))])


@pytest.mark.parametrize("person_days", ["four", "-4", "NaN"])
def test_r_time_1_a_malformed_person_days_figure_is_invalid_input(walk: Walk, person_days: str) -> None:
    walk.to_acceptance().agree()

    with invalid(walk.app, "person_days"):
        walk.programme(person_days=person_days)


# R-TIME-2: an integrated audit takes ≥ 80 % of the sum of each system's standalone time


def test_r_time_2_an_integrated_audit_of_exactly_80_percent_is_enough(walk: Walk) -> None:
    walk.to_acceptance().agree()

    # (4 CEMS + 3 EMS) × 0.8 = 5.6
    walk.programme(person_days=Decimal("5.6"), integrated_with=[IntegratedSystem("ISO 14001", Decimal(3))])

    assert walk.app.get_case(walk.case).stage == "planned"


def test_r_time_2_an_integrated_audit_just_below_80_percent_is_refused(walk: Walk) -> None:
    walk.to_acceptance().agree()

    with refused(walk.app, RuleViolation, "R-TIME-2", "§8.3.3 (2)"):
        walk.programme(person_days=Decimal("5.59"), integrated_with=[IntegratedSystem("ISO 14001", Decimal(3))])


def test_r_time_2_the_sum_counts_the_cems_standalone_time_given_and_every_other_system(walk: Walk) -> None:
    walk.to_acceptance().agree()
    systems = [IntegratedSystem("ISO 14001", Decimal(3)), IntegratedSystem("ISO 50001", Decimal("2.5"))]

    # (5 CEMS + 3 EMS + 2.5 EnMS) × 0.8 = 8.4
    with refused(walk.app, RuleViolation, "R-TIME-2", "§8.3.3 (2)"):
        walk.programme(person_days=Decimal("8.39"), cems_standalone_person_days=Decimal(5), integrated_with=systems)
    walk.programme(person_days=Decimal("8.4"), cems_standalone_person_days=Decimal(5), integrated_with=systems)

    assert walk.app.get_case(walk.case).stage == "planned"


@pytest.mark.parametrize("standalone", [Decimal(-3), Decimal("NaN")])
def test_r_time_2_an_integrated_system_with_an_impossible_standalone_time_is_refused(walk: Walk,
                                                                                     standalone: Decimal) -> None:
    # given an integrated EMS whose standalone time is negative (or not a number), which would shrink the sum:
    # (4 CEMS − 3 EMS) × 0.8 = 0.8 person-days would pass both R-TIME-1 and R-TIME-2
    walk.to_acceptance().agree()
    before = walk.app.recorder.max_notification_id()

    # then the programme is refused, as malformed input or by the audit-time rules, and nothing is written
    with pytest.raises(RegistryError) as caught:
        walk.programme(person_days=Decimal("0.8"), integrated_with=[IntegratedSystem("ISO 14001", standalone)])

    error = caught.value
    assert isinstance(error, InvalidInput) or (
        isinstance(error, RuleViolation) and error.rule in ("R-TIME-1", "R-TIME-2"))
    assert walk.app.recorder.max_notification_id() == before


# R-TEAM-1: a leader; one EnMS auditor or GHG verifier among the auditors; experts do not count


def test_r_team_1_a_leader_holding_an_enms_registration_makes_a_valid_team(walk: Walk) -> None:
    planned(walk).team()

    team = walk.app.get_case(walk.case).team
    assert team is not None
    assert (team["leader"], team["members"], team["appointed_on"]) == (walk.staff.leader, [walk.staff.member],
                                                                       TEAM_DAY)


def test_r_team_1_a_member_holding_a_ghg_verifier_registration_makes_a_valid_team(walk: Walk) -> None:
    leader = enrol_auditor(walk.app, walk.staff)
    verifier = enrol_auditor(walk.app, walk.staff, registrations=[(CCAA, REGISTERED_UNTIL), (GHG, REGISTERED_UNTIL)])
    planned(walk)

    walk.team(leader=leader, members=[verifier])

    assert walk.app.get_case(walk.case).stage == "team_appointed"


def test_r_team_1_a_team_with_no_enms_or_ghg_registration_is_refused(walk: Walk) -> None:
    leader = enrol_auditor(walk.app, walk.staff)
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        walk.team(leader=leader, members=[walk.staff.member])


def test_r_team_1_an_enms_registration_that_ended_before_the_appointment_does_not_count(walk: Walk) -> None:
    leader = enrol_auditor(walk.app, walk.staff, registrations=[(CCAA, REGISTERED_UNTIL), (ENMS, date(2026, 3, 6))])
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        walk.team(leader=leader, members=[walk.staff.member])


def test_r_team_1_an_expert_holding_the_registration_does_not_count(walk: Walk) -> None:
    leader = enrol_auditor(walk.app, walk.staff)
    expert = enrol_auditor(walk.app, walk.staff, registrations=[(ENMS, REGISTERED_UNTIL), (GHG, REGISTERED_UNTIL)])
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        walk.team(leader=leader, members=[walk.staff.member], experts=[expert])


def test_r_team_1_an_expert_without_auditor_registrations_may_join_a_valid_team(walk: Walk) -> None:
    expert = enrol_auditor(walk.app, walk.staff, registrations=(), evaluated_on=None)
    planned(walk)

    walk.team(experts=[expert])

    team = walk.app.get_case(walk.case).team
    assert team is not None and team["experts"] == [expert]


def test_r_team_1_the_leader_listed_as_an_expert_is_refused(walk: Walk) -> None:
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        walk.team(experts=[walk.staff.leader])


def test_r_team_1_a_member_listed_as_an_expert_is_refused(walk: Walk) -> None:
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        walk.team(experts=[walk.staff.member])


# R-TEAM-2: each auditor's CCAA registration valid on the date, no violation in the 2 years before, evaluated


@pytest.mark.parametrize("qualification", [
    {"registrations": [(CCAA, TEAM_DAY)]},
    {"violation_on": date(2024, 3, 7)},
    {"evaluated_on": TEAM_DAY},
], ids=["registration ending on the appointment date", "violation exactly two years before the appointment",
        "evaluation recorded on the appointment date"])
def test_r_team_2_a_member_qualified_up_to_the_appointment_date_passes(walk: Walk,
                                                                       qualification: dict[str, Any]) -> None:
    member = enrol_auditor(walk.app, walk.staff, **qualification)
    planned(walk)

    walk.team(members=[member])

    assert walk.app.get_case(walk.case).stage == "team_appointed"


@pytest.mark.parametrize(("qualification", "clause"), [
    ({"registrations": [(CCAA, date(2026, 3, 6))]}, "§5.3"),
    ({"registrations": [(ENMS, REGISTERED_UNTIL)]}, "§5.3"),
    ({"violation_on": date(2024, 3, 8)}, "§5.1"),
    ({"evaluated_on": None}, "§5.4"),
    ({"evaluated_on": date(2026, 3, 8)}, "§5.4"),
], ids=["registration ending the day before the appointment", "no CCAA CEMS registration",
        "violation one day inside the two years", "no competence evaluation", "evaluation dated after the appointment"])
def test_r_team_2_a_member_not_qualified_on_the_appointment_date_is_refused(walk: Walk, qualification: dict[str, Any],
                                                                            clause: str) -> None:
    member = enrol_auditor(walk.app, walk.staff, **qualification)
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-2", clause):
        walk.team(members=[member])


def test_r_team_2_a_violation_of_the_leader_is_refused_too(walk: Walk) -> None:
    walk.app.record_violation(walk.staff.leader, date(2025, 6, 1), "审核记录不真实", actor=walk.staff.admin)
    planned(walk)

    with refused(walk.app, RuleViolation, "R-TEAM-2", "§5.1"):
        walk.team()


def test_r_team_2_a_registration_still_valid_on_the_stage_1_date_passes(walk: Walk) -> None:
    member = enrol_auditor(walk.app, walk.staff, registrations=[(CCAA, STAGE1_DAY)])
    planned(walk).team(members=[member])

    walk.stage1(conducted_on=STAGE1_DAY)

    assert walk.app.get_case(walk.case).stage == "stage1_done"


def test_r_team_2_a_registration_lapsing_between_appointment_and_stage_1_refuses_stage_1(walk: Walk) -> None:
    # given a member registered until 2026-03-08, appointed on 2026-03-07
    member = enrol_auditor(walk.app, walk.staff, registrations=[(CCAA, date(2026, 3, 8))])
    planned(walk).team(members=[member])

    # when stage 1 is recorded on 2026-03-12, the team is checked again on that date
    with refused(walk.app, RuleViolation, "R-TEAM-2", "§5.3"):
        walk.stage1(conducted_on=STAGE1_DAY)


def test_r_team_2_a_violation_recorded_between_stage_1_and_stage_2_refuses_stage_2(walk: Walk) -> None:
    walk.to_team().stage1()
    walk.app.record_violation(walk.staff.member, date(2026, 3, 15), "泄露受审核方信息", actor=walk.staff.admin)

    with refused(walk.app, RuleViolation, "R-TEAM-2", "§5.1"):
        walk.stage2()


# R-S1-1: stage 1 is on site unless one of three grounds is recorded


def test_r_s1_1_an_on_site_stage_1_is_recorded(walk: Walk) -> None:
    walk.to_team()

    walk.stage1(on_site=True)

    assert walk.app.get_case(walk.case).stage == "stage1_done"


def test_r_s1_1_an_off_site_stage_1_without_a_ground_is_refused(walk: Walk) -> None:
    walk.to_team()

    with refused(walk.app, RuleViolation, "R-S1-1", "§8.4.1 (1)"):
        walk.stage1(on_site=False)


def test_r_s1_1_off_site_on_a_simple_process_with_its_justification_is_recorded(walk: Walk) -> None:
    walk.to_team()

    walk.stage1(on_site=False, off_site_ground=OffSiteGround.SIMPLE_PROCESS,
                justification="仅有一条外购电力驱动的装配线，工艺简单，文件审查可达到第一阶段目的",
                document_review_rationale="体系文件与排放源清单完整，文件审查可覆盖第一阶段目的")

    event = list(walk.app.events.get(walk.case))[-1]
    assert (event.on_site, event.off_site_ground) == (False, OffSiteGround.SIMPLE_PROCESS)


@pytest.mark.parametrize("justification", ["", "   "])
def test_r_s1_1_off_site_on_a_simple_process_without_justification_is_refused(walk: Walk, justification: str) -> None:
    walk.to_team()

    with refused(walk.app, RuleViolation, "R-S1-1", "§8.4.1 (1)"):
        walk.stage1(on_site=False, off_site_ground="simple_process", justification=justification)


def test_r_s1_1_off_site_as_ems_certified_with_a_valid_ems_certification_is_recorded(walk: Walk) -> None:
    walk.organization().apply(other_certifications=[OtherCertification("EMS", "EMS-2024-001", STAGE1_DAY)])
    walk.documents().accept().agree().programme().team()

    walk.stage1(conducted_on=STAGE1_DAY, on_site=False, off_site_ground=OffSiteGround.EMS_OR_ENMS_CERTIFIED,
                justification="已获环境管理体系认证，文件审查可达到第一阶段目的",
                document_review_rationale="环境管理体系已覆盖排放源识别，文件审查可达到第一阶段目的")

    assert walk.app.get_case(walk.case).stage == "stage1_done"


def test_r_s1_1_off_site_as_ems_certified_without_such_a_certification_is_refused(walk: Walk) -> None:
    walk.organization().apply(other_certifications=[OtherCertification("QMS", "QMS-2024-001", date(2027, 1, 1))])
    walk.documents().accept().agree().programme().team()

    with refused(walk.app, RuleViolation, "R-S1-1", "§8.4.1 (1)"):
        walk.stage1(on_site=False, off_site_ground=OffSiteGround.EMS_OR_ENMS_CERTIFIED,
                    justification="已获管理体系认证，文件审查可达到第一阶段目的")


def test_r_s1_1_off_site_as_ems_certified_with_a_certification_ended_before_stage_1_is_refused(walk: Walk) -> None:
    # valid on the application date, ended the day before stage 1
    walk.organization().apply(other_certifications=[OtherCertification("EnMS", "EnMS-2023-001", date(2026, 3, 11))])
    walk.documents().accept().agree().programme().team()

    with refused(walk.app, RuleViolation, "R-S1-1", "§8.4.1 (1)"):
        walk.stage1(conducted_on=STAGE1_DAY, on_site=False, off_site_ground=OffSiteGround.EMS_OR_ENMS_CERTIFIED,
                    justification="已获能源管理体系认证，文件审查可达到第一阶段目的")


def test_r_s1_1_off_site_on_three_years_of_verified_reporting_with_justification_is_recorded(walk: Walk) -> None:
    walk.to_team()

    walk.stage1(on_site=False, off_site_ground=OffSiteGround.THREE_YEARS_VERIFIED_REPORTING,
                justification="2023–2025年度碳市场排放报告均经第三方核查",
                verified_years=[VerifiedYear(y, "某核查机构") for y in (2023, 2024, 2025)])

    assert walk.app.get_case(walk.case).stage == "stage1_done"


def test_r_s1_1_an_unknown_off_site_ground_is_invalid_input(walk: Walk) -> None:
    walk.to_team()

    with invalid(walk.app, "off_site_ground"):
        walk.stage1(on_site=False, off_site_ground="client_asked", justification="客户要求")


# R-S2-1: stage 2 is on site and comes after stage 1


def test_r_s2_1_stage_2_on_site_the_day_after_stage_1_is_recorded(walk: Walk) -> None:
    walk.to_team().stage1(conducted_on=STAGE1_DAY)

    walk.stage2(conducted_on=date(2026, 3, 13), on_site=True)

    assert walk.app.get_case(walk.case).stage == "stage2_done"


def test_r_s2_1_stage_2_dated_before_stage_1_is_refused(walk: Walk) -> None:
    walk.to_team().stage1(conducted_on=STAGE1_DAY)

    with refused(walk.app, RuleViolation, "R-S2-1", "§8.4.1 (2)"):
        walk.stage2(conducted_on=date(2026, 3, 11))


def test_r_s2_1_stage_2_off_site_is_refused(walk: Walk) -> None:
    walk.to_team().stage1()

    with refused(walk.app, RuleViolation, "R-S2-1", "§8.4.1 (2)"):
        walk.stage2(on_site=False)


def test_r_s2_1_stage_2_before_any_stage_1_is_out_of_order(walk: Walk) -> None:
    walk.to_team()

    with refused(walk.app, OutOfOrder, "R-FLOW-1", "§2"):
        walk.stage2()


# R-REP-1: the report covers the nine focus points, quantifies performance, describes M&V, evaluates improvement


def test_r_rep_1_a_complete_report_allows_a_grant(walk: Walk) -> None:
    reported(walk)
    assert walk.app.get_case(walk.case).report_gaps == ()

    walk.decide()

    assert walk.number is not None
    assert walk.app.get_case(walk.case).stage == "granted"


@pytest.mark.parametrize("missing", FOCUS_POINTS)
def test_r_rep_1_a_report_missing_a_focus_point_is_recorded_but_bars_a_grant(walk: Walk, missing: str) -> None:
    # given a report that leaves one focus point of §8.4.2 empty
    focus = {name: text for name, text in FOCUS_TEXT.items() if name != missing}
    reported(walk, focus_points=focus)

    # then the report is recorded with its gap
    view = walk.app.get_case(walk.case)
    assert view.stage == "reported"
    assert [(g["rule"], g["clause"]) for g in view.report_gaps] == [("R-REP-1", "§8.4.2")]
    assert missing in view.report_gaps[0]["detail"]

    # and a grant is refused
    with refused(walk.app, RuleViolation, "R-REP-1", "§8.4.2"):
        walk.decide()


def test_r_rep_1_a_focus_point_of_blanks_counts_as_missing(walk: Walk) -> None:
    reported(walk, focus_points={**FOCUS_TEXT, "carbon_review": "  "})

    with refused(walk.app, RuleViolation, "R-REP-1", "§8.4.2"):
        walk.decide()


@pytest.mark.parametrize("overrides", [
    {"quantified_performance": ()},
    {"measurement_and_verification": ""},
    {"improvement_evaluation": "   "},
], ids=["quantified_performance", "measurement_and_verification", "improvement_evaluation"])
def test_r_rep_1_a_report_missing_a_section_85_1_item_is_recorded_but_bars_a_grant(
        walk: Walk, overrides: dict[str, Any]) -> None:
    reported(walk, **overrides)

    view = walk.app.get_case(walk.case)
    assert view.stage == "reported"
    assert [(g["rule"], g["clause"]) for g in view.report_gaps] == [("R-REP-1", "§8.5.1")]
    with refused(walk.app, RuleViolation, "R-REP-1", "§8.5.1"):
        walk.decide()


def test_r_rep_1_a_complete_report_submitted_again_allows_the_grant(walk: Walk) -> None:
    reported(walk, quantified_performance=())

    walk.report(submitted_on=walk.day(23), quantified_performance=PERFORMANCE).decide()

    assert walk.app.get_case(walk.case).stage == "granted"


def test_r_rep_1_a_decision_before_the_report_is_refused(walk: Walk) -> None:
    walk.to_team().stage1().stage2()

    with refused(walk.app, RuleViolation, "R-REP-1", "§8.5.1"):
        walk.decide()


# R-FLOW-1: a step out of order is refused


def test_r_flow_1_steps_in_order_reach_a_granted_case(walk: Walk) -> None:
    walk.to_certificate()

    assert walk.app.get_case(walk.case).stage == "granted"


OUT_OF_ORDER: dict[str, tuple[Callable[[Walk], Any], Callable[[Walk], Any]]] = {
    "agreement before acceptance": (lambda w: w.organization().apply().documents(), lambda w: w.agree()),
    "team before the programme": (lambda w: w.to_acceptance().agree(), lambda w: w.team()),
    "stage 1 before the team": (planned, lambda w: w.stage1()),
    "a report before stage 2": (lambda w: w.to_team().stage1(), lambda w: w.report()),
    "a decision at stage applied": (lambda w: w.organization().apply(), lambda w: w.decide(decided_on=w.day(1))),
    "a second decision": (lambda w: w.to_certificate(), lambda w: w.decide(decided_on=w.day(31))),
}


@pytest.mark.parametrize("order", list(OUT_OF_ORDER))
def test_r_flow_1_a_step_before_its_predecessor_or_after_the_decision_is_out_of_order(walk: Walk,
                                                                                     order: str) -> None:
    given, step = OUT_OF_ORDER[order]
    given(walk)

    with refused(walk.app, OutOfOrder, "R-FLOW-1", "§2"):
        step(walk)


@pytest.mark.parametrize("step", ["documents", "accept", "agree", "programme"])
def test_r_flow_1_nothing_follows_a_not_accepted_case(walk: Walk, step: str) -> None:
    walk.organization().apply().documents().accept(accepted=False, reasons="超出本机构认证业务范围")
    commands: dict[str, Callable[[], Any]] = {
        "documents": lambda: walk.documents(on=walk.day(3)),
        "accept": lambda: walk.accept(decided_on=walk.day(3)),
        "agree": lambda: walk.agree(),
        "programme": lambda: walk.programme(),
    }

    with refused(walk.app, OutOfOrder, "R-FLOW-1", "§2") as refusal:
        commands[step]()

    assert "not_accepted" in refusal.value.detail


def test_r_flow_1_a_transfer_has_no_stage_1(walk: Walk) -> None:
    transfer = TransferInfo("其他认证有限公司", "OTHER-CEMS-2024-00042", TransferStatus.VALID, date(2027, 6, 30),
                            "原认证机构停止业务", date(2024, 7, 1),
                            TransferVerification("认监委公开查询", date(2026, 3, 2), TransferStatus.VALID))
    walk.organization().apply(kind="transfer", transfer=transfer).documents().accept().agree().programme().team()

    with refused(walk.app, OutOfOrder, "R-FLOW-1", "§2"):
        walk.stage1()


def test_r_flow_1_a_team_member_records_stage_1(walk: Walk) -> None:
    walk.to_team()

    walk.stage1(actor=Actor(walk.staff.member, Role.AUDITOR))

    assert walk.app.get_case(walk.case).stage == "stage1_done"


def test_r_flow_1_an_auditor_not_on_the_team_recording_stage_1_is_not_permitted(walk: Walk) -> None:
    outsider = enrol_auditor(walk.app, walk.staff)
    walk.to_team()

    with refused(walk.app, NotPermitted):
        walk.stage1(actor=Actor(outsider, Role.AUDITOR))
