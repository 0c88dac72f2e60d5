"""R-GHG-2, R-GHG-3, R-GHG-4 in each surveillance audit (§7, §9.1.3): the auditors of the coming surveillance audit
record its activity data and emission factors on the certificate, reviewed as a case's are; recording the audit takes
the items reviewed since the previous one into its record with their quality profile, and an audit with no
activity-data item reviewed is refused (it judges the client's carbon performance and is never recorded on
unreviewed data).

Given a certificate issued 2026-03-31, when auditors review data and record surveillance audits, then the items are
bound to the audit that took them, or the step is refused naming its rule and nothing is written.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from demo.scenario import SURVEILLANCE, Staff, Walk, demo_datum, demo_factor, review_surveillance
from registry.application import Registry
from registry.clock import FixedClock
from registry.data_review import DataClass, FactorEntry, Guideline, ReviewFindings
from registry.errors import InvalidInput, NotPermitted, OutOfOrder, RuleViolation, SeparationOfDuties
from registry.values import Actor, Level, Role
from tests.factories import certified, enrol_auditor, refused

AUDIT_ON = date(2026, 9, 1)
TABLE = "核算指南缺省值"


def survey(app: Registry, staff: Staff, number: str, on: date) -> Any:
    return app.record_surveillance_audit(number, on, staff.leader, [staff.member], actor=staff.leader_actor,
                                         **SURVEILLANCE)


def datum(on: date = AUDIT_ON, **changes: Any) -> Any:
    return replace(demo_datum(Level.ORGANIZATION, on), level=None, **changes)


# R-GHG-2: no surveillance audit on unreviewed data


def test_r_ghg_2_a_surveillance_audit_with_no_activity_datum_reviewed_is_refused(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-GHG-2", "§7.2") as caught:
        survey(app, staff, number, AUDIT_ON)
    assert "§9.1.3" in caught.value.detail and "活动数据" in caught.value.detail
    assert app.get_certificate(number).surveillance["audits"] == []


def test_r_ghg_2_a_surveillance_audit_with_an_activity_datum_reviewed_is_recorded_and_takes_it(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=staff.leader_actor)
    assert len(app.get_surveillance_review(number).pending.activity_data) == 1
    survey(app, staff, number, AUDIT_ON)
    review = app.get_surveillance_review(number)
    assert review.pending.empty
    (audit,) = review.audits
    assert audit.conducted_on == AUDIT_ON
    (item,) = audit.activity_data
    assert item["item"] == "天然气消耗量" and item["level"] == "organization"
    assert item["reviewed_on"] == AUDIT_ON.isoformat() and item["reviewed_by"] == str(staff.leader)


def test_r_ghg_2_an_emission_factor_alone_is_not_a_reviewed_surveillance_audit(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    app.review_surveillance_factor(number, replace(demo_factor(Level.ORGANIZATION), level=None), AUDIT_ON,
                                   actor=staff.leader_actor)
    with refused(app, RuleViolation, "R-GHG-2", "§7.2"):
        survey(app, staff, number, AUDIT_ON)


def test_r_ghg_2_each_surveillance_audit_needs_data_reviewed_since_the_previous_one(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    review_surveillance(app, staff, number, AUDIT_ON)
    survey(app, staff, number, AUDIT_ON)
    clock.set(date(2027, 8, 20))
    with refused(app, RuleViolation, "R-GHG-2", "§7.2"):
        survey(app, staff, number, date(2027, 8, 20))  # the first audit's datum is its own, not this one's
    review_surveillance(app, staff, number, date(2027, 8, 19))
    survey(app, staff, number, date(2027, 8, 20))
    audits = app.get_surveillance_review(number).audits
    assert [(a.conducted_on, [i["reviewed_on"] for i in a.activity_data]) for a in audits] == [
        (AUDIT_ON, ["2026-09-01"]), (date(2027, 8, 20), ["2027-08-19"])]


def test_r_ghg_2_an_item_reviewed_after_the_audit_date_waits_for_the_next_audit(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    clock.set(date(2026, 9, 10))
    review_surveillance(app, staff, number, AUDIT_ON)
    app.review_surveillance_datum(number, datum(date(2026, 9, 5), item="外购电力"), date(2026, 9, 5),
                                  actor=staff.leader_actor)
    survey(app, staff, number, AUDIT_ON)
    review = app.get_surveillance_review(number)
    assert [i["item"] for i in review.audits[0].activity_data] == ["天然气消耗量"]
    assert [i["item"] for i in review.pending.activity_data] == ["外购电力"]


def test_r_ghg_2_data_reviewed_before_the_previous_surveillance_audit_is_refused(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    review_surveillance(app, staff, number, AUDIT_ON)
    survey(app, staff, number, AUDIT_ON)
    with refused(app, InvalidInput) as caught:
        app.review_surveillance_datum(number, datum(date(2026, 8, 1)), date(2026, 8, 1), actor=staff.leader_actor)
    assert caught.value.field == "reviewed_on"


def test_r_ghg_2_a_surveillance_datum_is_reviewed_as_a_cases_is(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    estimated = datum(data_class=DataClass.ESTIMATED, lower_class_reason="")
    with refused(app, RuleViolation, "R-GHG-2", "§7.2"):
        app.review_surveillance_datum(number, estimated, AUDIT_ON, actor=staff.leader_actor)
    with refused(app, RuleViolation, "R-GHG-2", "§7.2"):
        app.review_surveillance_datum(number, datum(review=replace(datum().review, cross_checks=())), AUDIT_ON,
                                      actor=staff.leader_actor)
    app.review_surveillance_datum(number, replace(estimated, lower_class_reason="该设备未安装计量表"), AUDIT_ON,
                                  actor=staff.leader_actor)


def test_r_ghg_2_a_calibration_lapsed_before_the_review_date_is_flagged(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    lapsed = datum(date(2025, 9, 1))  # calibrated 2024-09-01, valid until 2026-08-31
    app.review_surveillance_datum(number, lapsed, AUDIT_ON, actor=staff.leader_actor)
    (flag,) = app.get_surveillance_review(number).pending.flags
    assert flag == {"item": "天然气消耗量", "kind": "activity_data", "reviewed_on": "2026-09-01",
                    "valid_until": "2026-08-31"}


# Who records a surveillance audit's data: an auditor who may audit the client on the date reviewed


def test_r_team_2_an_auditor_without_a_valid_ccaa_registration_may_not_review_surveillance_data(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    lapsed = enrol_auditor(app, staff, "注册过期的审核员", registrations=())
    with refused(app, RuleViolation, "R-TEAM-2", "§5.3"):
        app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=Actor(lapsed, Role.AUDITOR))


def test_r_sod_1_an_auditor_who_consulted_the_client_may_not_review_its_surveillance_data(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    consultant = enrol_auditor(app, staff, "咨询过的审核员")
    app.record_service(consultant, walk.uscc, "consulting", date(2026, 5, 1), actor=staff.admin)
    with refused(app, SeparationOfDuties):
        app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=Actor(consultant, Role.AUDITOR))


def test_an_actor_with_no_person_on_record_may_not_review_surveillance_data(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, NotPermitted):
        app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=Actor(uuid4(), Role.AUDITOR))


def test_an_auditor_outside_the_audits_team_may_review_the_data_the_team_answers_for_it(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    other = enrol_auditor(app, staff, "另一位审核员")
    app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=Actor(other, Role.AUDITOR))
    survey(app, staff, number, AUDIT_ON)
    assert app.get_surveillance_review(number).audits[0].activity_data[0]["reviewed_by"] == str(other)


def test_a_withdrawn_certificate_takes_no_surveillance_data(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    app.withdraw(number, date(2026, 6, 1), date(2026, 5, 30), "enforcement_penalty", "处罚", actor=staff.decision)
    with refused(app, OutOfOrder):
        app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=staff.leader_actor)


# R-GHG-3: a surveillance audit's default factor equals the body's reference table, as a case's


def test_r_ghg_3_a_surveillance_default_factor_is_checked_against_the_reference_table(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    app.publish_factor_table(TABLE, "2026", [FactorEntry("natural_gas", Decimal("21.622"), "tCO2/万Nm3")],
                             actor=staff.admin)
    default = replace(demo_factor(Level.ORGANIZATION), level=None, is_default=True,
                      guideline=Guideline(TABLE, "2026", "natural_gas"))
    with refused(app, RuleViolation, "R-GHG-3", "§7.3") as caught:
        app.review_surveillance_factor(number, replace(default, value=Decimal("21.7")), AUDIT_ON,
                                       actor=staff.leader_actor)
    assert "21.622" in caught.value.detail
    with refused(app, RuleViolation, "R-GHG-3", "§7.3"):
        app.review_surveillance_factor(number, replace(default, guideline=Guideline(TABLE, "2025", "natural_gas")),
                                       AUDIT_ON, actor=staff.leader_actor)
    app.review_surveillance_factor(number, default, AUDIT_ON, actor=staff.leader_actor)
    (factor,) = app.get_surveillance_review(number).pending.emission_factors
    assert factor["guideline_value"] == "21.622"


# R-GHG-4: each surveillance audit's data-quality profile


@pytest.mark.parametrize("answer", ["written", "history"])
def test_r_ghg_4_a_surveillance_audit_records_the_quality_profile_of_its_data(
        app: Registry, staff: Staff, walk: Walk, answer: str) -> None:
    number = certified(walk)
    leader = staff.leader_actor
    app.review_surveillance_datum(number, datum(emissions_tco2e=Decimal(300)), AUDIT_ON, actor=leader)
    app.review_surveillance_datum(number, datum(item="柴油消耗量", data_class=DataClass.INTERMITTENT,
                                                lower_class_reason="移动源按加油记录计量",
                                                emissions_tco2e=Decimal(100)), AUDIT_ON, actor=leader)
    app.review_surveillance_factor(number, replace(demo_factor(Level.ORGANIZATION, Decimal(400)), level=None),
                                   AUDIT_ON, actor=leader)
    written = survey(app, staff, number, AUDIT_ON)
    expected = {"by_class": {"continuous": 0.75, "intermittent": 0.25}, "by_tier": {"national": 1.0}}
    if answer == "written":
        assert written.ids["quality_profile"] == expected
        assert app.get_surveillance_review(number).audits[0].quality_profile == expected
    else:
        (recorded,) = [e for e in app.certificate_history(number) if e.type == "SurveillanceAuditRecorded"]
        assert recorded.data["quality_profile"] == {"by_class": {"continuous": "0.75", "intermittent": "0.25"},
                                                    "by_tier": {"national": "1"}}
        reviewed = [e.type for e in app.certificate_history(number) if e.type.startswith("Surveillance")]
        assert reviewed == ["SurveillanceActivityDatumReviewed", "SurveillanceActivityDatumReviewed",
                            "SurveillanceEmissionFactorReviewed", "SurveillanceAuditRecorded"]


def test_r_ghg_4_the_pending_profile_is_the_fold_of_the_items_not_yet_taken(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    assert app.get_surveillance_review(number).pending.quality_profile == {"by_class": {}, "by_tier": {}}
    review_surveillance(app, staff, number, AUDIT_ON)
    assert app.get_surveillance_review(number).pending.quality_profile["by_class"] == {"continuous": 1.0}


# §7.1: the reviewer's findings on each surveillance audit's data


FINDINGS = ReviewFindings("计量覆盖全部排放源", "边界完整，截止至审核前月末", "抽查与结算单一致")


def test_r_ghg_2_the_findings_for_the_coming_audit_are_recorded_and_the_audit_takes_them(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    app.review_surveillance_datum(number, datum(), AUDIT_ON, actor=staff.leader_actor)
    app.record_surveillance_findings(number, FINDINGS, AUDIT_ON, actor=staff.leader_actor)
    assert app.get_surveillance_review(number).pending_findings == {
        "representativeness": "计量覆盖全部排放源", "completeness": "边界完整，截止至审核前月末",
        "accuracy": "抽查与结算单一致"}
    survey(app, staff, number, AUDIT_ON)
    review = app.get_surveillance_review(number)
    assert review.pending_findings is None
    taken = review.audits[-1].findings
    assert taken is not None and taken["accuracy"] == "抽查与结算单一致"


def test_r_ghg_2_findings_missing_one_of_the_three_are_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-GHG-2", "§7.1"):
        app.record_surveillance_findings(number, ReviewFindings("计量覆盖全部排放源", " ", "抽查一致"), AUDIT_ON,
                                         actor=staff.leader_actor)


def test_r_ghg_2_findings_are_recorded_only_by_an_auditor_who_may_audit_the_client(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    adviser = enrol_auditor(app, staff, "咨询过该客户的审核员")
    app.record_service(adviser, walk.uscc, "consulting", date(2026, 4, 1), actor=staff.admin)
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        app.record_surveillance_findings(number, FINDINGS, AUDIT_ON, actor=Actor(adviser, Role.AUDITOR))
