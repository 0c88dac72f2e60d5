"""R-S1-2 (§8.4.1): stage 1 records the key audit points it identified for stage 2; off-site ground 3 records the
three years, each with its verifier; off-site grounds 1 and 2 record why document review meets stage 1's aims."""

from __future__ import annotations

from datetime import date

import pytest

from demo.scenario import Walk
from registry.errors import RuleViolation
from registry.values import OffSiteGround, OtherCertification, VerifiedYear
from tests.factories import refused

THREE = OffSiteGround.THREE_YEARS_VERIFIED_REPORTING
REPORTED = "2023–2025 年度排放报告均经核查"


def years(*pairs: tuple[int, str]) -> list[VerifiedYear]:
    return [VerifiedYear(y, v) for y, v in pairs]


def test_r_s1_2_stage_1_records_its_key_audit_points(walk: Walk) -> None:
    walk.to_team().stage1(key_audit_points=["燃料计量", "  ", "外购电力台账"])
    stage1 = walk.app.get_case(walk.case).stage1
    assert stage1 is not None and stage1["key_audit_points"] == ["燃料计量", "外购电力台账"]


@pytest.mark.parametrize("points", [(), ("", "  ")])
def test_r_s1_2_stage_1_without_key_audit_points_is_refused(walk: Walk, points: tuple[str, ...]) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-S1-2", "§8.4.1"):
        walk.stage1(key_audit_points=points)


def test_r_s1_2_ground_3_with_three_past_years_each_with_its_verifier_is_recorded(walk: Walk) -> None:
    walk.to_team().stage1(on_site=False, off_site_ground=THREE, justification=REPORTED,
                          verified_years=years((2023, "甲核查机构"), (2024, "乙核查机构"), (2025, "甲核查机构")))
    stage1 = walk.app.get_case(walk.case).stage1
    assert stage1 is not None and [y["year"] for y in stage1["verified_years"]] == [2023, 2024, 2025]


@pytest.mark.parametrize("given", [
    years((2024, "甲"), (2025, "乙")),  # two years
    years((2023, "甲"), (2024, "乙"), (2024, "丙")),  # a year twice
    years((2023, "甲"), (2024, " "), (2025, "乙")),  # a year without its verifier
    years((2024, "甲"), (2025, "乙"), (2026, "丙")),  # the year of stage 1 has not ended
])
def test_r_s1_2_ground_3_without_three_past_years_each_verified_is_refused(walk: Walk,
                                                                          given: list[VerifiedYear]) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-S1-2", "§8.4.1 (1)"):
        walk.stage1(on_site=False, off_site_ground=THREE, justification=REPORTED, verified_years=given)


def test_r_s1_1_ground_3_needs_three_consecutive_years(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-S1-1", "§8.4.1 (1)") as caught:
        walk.stage1(on_site=False, off_site_ground=THREE, justification=REPORTED,
                    verified_years=years((2022, "甲"), (2023, "乙"), (2025, "丙")))
    assert "连续" in caught.value.detail
    walk.stage1(on_site=False, off_site_ground=THREE, justification=REPORTED,
                verified_years=years((2025, "甲"), (2023, "乙"), (2024, "丙")))  # in any order


def test_r_s1_2_ground_2_needs_why_document_review_meets_stage_1s_aims(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-S1-2", "§8.4.1 (1)"):
        walk.stage1(on_site=False, off_site_ground=OffSiteGround.SIMPLE_PROCESS, justification="工艺简单")
    walk.stage1(on_site=False, off_site_ground=OffSiteGround.SIMPLE_PROCESS, justification="工艺简单",
                document_review_rationale="排放源单一，文件与台账可完整反映")
    stage1 = walk.app.get_case(walk.case).stage1
    assert stage1 is not None and stage1["document_review_rationale"] == "排放源单一，文件与台账可完整反映"


def test_r_s1_2_ground_1_needs_why_document_review_meets_stage_1s_aims(walk: Walk) -> None:
    walk.organization().apply(other_certifications=[OtherCertification("EMS", "EMS-1", date(2027, 1, 1))])
    walk.documents().accept().agree().programme().team()
    with refused(walk.app, RuleViolation, "R-S1-2", "§8.4.1 (1)"):
        walk.stage1(on_site=False, off_site_ground=OffSiteGround.EMS_OR_ENMS_CERTIFIED)
    walk.stage1(on_site=False, off_site_ground=OffSiteGround.EMS_OR_ENMS_CERTIFIED,
                document_review_rationale="环境管理体系已覆盖排放源识别与监测")


def test_r_s1_2_an_on_site_stage_1_records_no_off_site_evidence(walk: Walk) -> None:
    walk.to_team().stage1(on_site=True, document_review_rationale="不适用",
                          verified_years=years((2023, "甲"), (2024, "乙"), (2025, "丙")))
    stage1 = walk.app.get_case(walk.case).stage1
    assert stage1 is not None and (stage1["document_review_rationale"], stage1["verified_years"]) == ("", [])
