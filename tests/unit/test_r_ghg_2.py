"""R-GHG-2 (§7.1, §7.2): the review of each activity-data item, recorded by the case's auditors.

Given a case with its team appointed, when an auditor records an activity datum, then it is recorded with its
review fields (a calibration lapsed before the audit date flagged), or refused naming the rule and nothing is
written.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from demo.scenario import Walk, demo_datum
from registry.data_review import Calibration, DataClass, ReviewFields, ReviewFindings, Sampling
from registry.errors import InvalidInput, NotPermitted, OutOfOrder, RuleViolation
from registry.values import Actor, Level, Method, Role, ScopeLevel
from tests.factories import enrol_auditor, refused

AUDIT_ON = date(2026, 3, 12)  # the walk's day 10


def datum(**changes: object) -> object:
    return replace(demo_datum(Level.ORGANIZATION, AUDIT_ON), **changes)


def with_review(**changes: object) -> object:
    base = demo_datum(Level.ORGANIZATION, AUDIT_ON)
    return replace(base, review=replace(base.review, **changes))


def calibrated_until(until: date) -> object:
    return with_review(calibration=Calibration("燃气流量计 FT-01", date(2025, 3, 1), until))


def test_r_ghg_2_a_continuously_measured_datum_with_every_review_field_is_recorded(walk: Walk) -> None:
    walk.to_team()
    walk.app.review_activity_datum(walk.case, datum(), AUDIT_ON, actor=walk.staff.leader_actor)
    review = walk.app.get_data_review(walk.case)
    (item,) = review.activity_data
    assert item["item"] == "天然气消耗量" and item["monitoring_method"] == "流量计在线计量"
    assert item["cross_checks"] == [{"source_kind": "燃料合同", "reference": "供气结算单", "agrees": True}]
    assert item["reviewed_on"] == AUDIT_ON.isoformat() and item["calibration_lapsed"] is False


def test_r_ghg_2_an_estimated_datum_without_its_reason_is_refused(walk: Walk) -> None:
    walk.to_team()
    estimated = datum(data_class=DataClass.ESTIMATED, lower_class_reason="",
                      review=ReviewFields("按设计能耗估算", "每月", "每月", "无", None,
                                          demo_datum(Level.ORGANIZATION, AUDIT_ON).review.cross_checks))
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.2"):
        walk.app.review_activity_datum(walk.case, estimated, AUDIT_ON, actor=walk.staff.leader_actor)
    walk.app.review_activity_datum(walk.case, replace(estimated, lower_class_reason="该设备未安装计量表"), AUDIT_ON,
                                   actor=walk.staff.leader_actor)


def test_r_ghg_2_an_intermittent_datum_carries_the_reason_continuous_measurement_was_not_used(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.2"):
        walk.app.review_activity_datum(walk.case, datum(data_class=DataClass.INTERMITTENT), AUDIT_ON,
                                       actor=walk.staff.leader_actor)


def test_r_ghg_2_a_measured_datum_without_calibration_is_refused(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.2"):
        walk.app.review_activity_datum(walk.case, with_review(calibration=None), AUDIT_ON,
                                       actor=walk.staff.leader_actor)


def test_r_ghg_2_a_datum_without_a_cross_check_source_is_refused(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.2"):
        walk.app.review_activity_datum(walk.case, with_review(cross_checks=()), AUDIT_ON,
                                       actor=walk.staff.leader_actor)


def test_r_ghg_2_a_datum_without_its_missing_data_handling_is_refused(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.2"):
        walk.app.review_activity_datum(walk.case, with_review(missing_data_handling=" "), AUDIT_ON,
                                       actor=walk.staff.leader_actor)


def test_r_ghg_2_sampling_where_used_records_its_principle_and_method(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.2"):
        walk.app.review_activity_datum(walk.case, with_review(sampling=Sampling("", "随机", 12)), AUDIT_ON,
                                       actor=walk.staff.leader_actor)
    walk.app.review_activity_datum(walk.case, with_review(sampling=Sampling("按月分层", "随机抽取", 12)), AUDIT_ON,
                                   actor=walk.staff.leader_actor)
    assert walk.app.get_data_review(walk.case).activity_data[0]["sampling"]["sample_size"] == 12


def test_r_ghg_2_a_calibration_lapsed_the_day_before_the_audit_is_flagged(walk: Walk) -> None:
    walk.to_team()
    walk.app.review_activity_datum(walk.case, calibrated_until(AUDIT_ON - timedelta(days=1)), AUDIT_ON,
                                   actor=walk.staff.leader_actor)
    review = walk.app.get_data_review(walk.case)
    assert review.activity_data[0]["calibration_lapsed"] is True
    assert review.flags == ({"item": "天然气消耗量", "kind": "activity_data", "reviewed_on": "2026-03-12",
                             "valid_until": "2026-03-11"},)


def test_r_ghg_2_a_calibration_valid_through_the_audit_day_is_not_flagged(walk: Walk) -> None:
    walk.to_team()
    walk.app.review_activity_datum(walk.case, calibrated_until(AUDIT_ON), AUDIT_ON, actor=walk.staff.leader_actor)
    review = walk.app.get_data_review(walk.case)
    assert review.activity_data[0]["calibration_lapsed"] is False and review.flags == ()


def test_r_ghg_2_only_an_auditor_of_the_case_team_records_the_review(walk: Walk) -> None:
    walk.to_team()
    outsider = Actor(enrol_auditor(walk.app, walk.staff, "组外审核员"), Role.AUDITOR)
    with refused(walk.app, NotPermitted):
        walk.app.review_activity_datum(walk.case, datum(), AUDIT_ON, actor=outsider)
    walk.app.review_activity_datum(walk.case, datum(), AUDIT_ON, actor=Actor(walk.staff.member, Role.AUDITOR))


def test_r_ghg_2_the_review_comes_after_the_team_is_appointed_and_before_the_decision(walk: Walk) -> None:
    walk.organization().apply().documents().accept().agree().programme()
    with refused(walk.app, OutOfOrder):
        walk.app.review_activity_datum(walk.case, datum(), AUDIT_ON, actor=walk.staff.leader_actor)
    walk.team().stage1().stage2().report().decide()
    with refused(walk.app, OutOfOrder):
        walk.app.review_activity_datum(walk.case, datum(), walk.day(30), actor=walk.staff.leader_actor)


def test_r_ghg_2_a_review_dated_before_the_team_appointment_is_refused(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, InvalidInput):
        walk.app.review_activity_datum(walk.case, datum(), walk.day(4), actor=walk.staff.leader_actor)


def test_r_ghg_2_a_scope_of_several_levels_names_the_level_reviewed(walk: Walk) -> None:
    walk.organization().apply(levels=(ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1),
                                      ScopeLevel(Level.PRODUCT, Method.ISO_14067)))
    walk.documents().accept().agree().programme().team()
    with refused(walk.app, InvalidInput):
        walk.app.review_activity_datum(walk.case, datum(level=None), AUDIT_ON, actor=walk.staff.leader_actor)
    walk.app.review_activity_datum(walk.case, datum(level=Level.ORGANIZATION), AUDIT_ON,
                                   actor=walk.staff.leader_actor)


def test_r_ghg_2_the_findings_of_section_7_1_are_recorded_each_of_the_three(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-2", "§7.1"):
        walk.app.record_review_findings(walk.case, ReviewFindings("数据具有代表性", "", "准确"), AUDIT_ON,
                                        actor=walk.staff.leader_actor)
    walk.app.record_review_findings(walk.case, ReviewFindings("数据具有代表性", "截止完整", "误差小于1%"), AUDIT_ON,
                                    actor=walk.staff.leader_actor)
    assert walk.app.get_data_review(walk.case).findings == {
        "representativeness": "数据具有代表性", "completeness": "截止完整", "accuracy": "误差小于1%"}


def test_r_ghg_2_negative_emissions_are_malformed(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, InvalidInput):
        walk.app.review_activity_datum(walk.case, datum(emissions_tco2e=Decimal("-1")), AUDIT_ON,
                                       actor=walk.staff.leader_actor)

