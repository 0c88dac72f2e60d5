"""The office's data review over plain HTTP on PostgreSQL (issue 23; R-GHG-2..4): the case page's forms for the
team's auditors, a refusal beside its form with the rule and what was typed kept, the items, flags and profile on the
case page, the profile on the certificate page and the regulator's history rows, and the admin's reference tables."""

from __future__ import annotations

import re
from datetime import date

from httpx2 import Response

from demo.scenario import Walk
from tests.e2e.office_users import Office

START = date(2026, 3, 1)
DATUM = {"item": "外购电量", "unit": "MWh", "source": "电费发票", "data_class": "continuous", "emissions_tco2e": "600",
         "monitoring_method": "关口电能表", "monitoring_frequency": "连续", "recording_frequency": "每月",
         "missing_data_handling": "按供电局结算单", "calibration.equipment": "电能表 E-1",
         "calibration.calibrated_on": "2025-03-01", "calibration.valid_until": "2026-03-20",
         "cross_checks": "电费发票 | 2025年12月发票 | 是\n能源台账 | 2025年台账 | 是", "reviewed_on": "2026-03-21"}
FACTOR = {"item": "电网排放因子", "value": "0.5703", "unit": "tCO2/MWh", "source": "生态环境部公告", "tier": "national",
          "lower_tier_reason": "外购电无法实测", "is_default": "on", "guideline.table": "全国电网排放因子",
          "guideline.version": "2024", "guideline.key": "grid", "emissions_tco2e": "600", "reviewed_on": "2026-03-21"}


def attribute(page: Response, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', page.text)


def written(office: Office) -> int:
    return office.registry.recorder.max_notification_id() or 0


def test_the_team_reviews_the_data_in_the_office_and_the_regulator_sees_it(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).to_team().stage1().stage2(review=False)
    case = f"/office/cases/{walk.case}"
    page = office.leader.get(case)
    assert "data-review-empty" in page.text
    assert 'data-form="activity_datum"' in page.text and 'data-form="emission_factor"' in page.text
    assert 'data-form="activity_datum"' not in office.intake.get(case).text

    # the admin publishes the reference table the default factor names
    tables = "/office/reference/emission-factor-tables"
    assert 'data-form="factor_table"' in office.admin.get(tables).text
    answer = office.admin.post(tables, {"table": "全国电网排放因子", "version": "2024",
                                        "entries": "grid | 0.5703 | tCO2/MWh", "published_on": "2026-03-01"})
    assert answer.status_code == 303, answer.text
    assert attribute(office.regulator.get(answer.headers["location"]), "data-entry") == ["grid"]

    # an estimate without its reason: refused beside its form, what was typed kept, nothing written
    before = written(office)
    refused = office.leader.post(f"{case}/data-review/activity-data",
                                 {**DATUM, "data_class": "estimated", "item": "柴油消耗量"})
    assert refused.status_code == 422 and attribute(refused, "data-rule") == ["R-GHG-2"]
    form = refused.text.index('data-form="activity_datum"')
    assert form < refused.text.index("data-refusal") < refused.text.index('action="/office/cases/', form)
    assert 'value="柴油消耗量"' in refused.text and written(office) == before

    # a default 0.001 off the table: refused naming the table, version and value
    off = office.leader.post(f"{case}/data-review/emission-factors", {**FACTOR, "value": "0.5713"})
    assert off.status_code == 422 and attribute(off, "data-rule") == ["R-GHG-3"]
    assert "全国电网排放因子 2024" in off.text and "0.5703" in off.text and written(office) == before

    # recorded: a datum whose calibration lapsed the day before the audit, a continuous one, the default factor
    for body in (DATUM, {**DATUM, "item": "天然气消耗量", "unit": "万Nm3", "emissions_tco2e": "400",
                         "calibration.valid_until": "2026-12-31", "data_class": "intermittent",
                         "lower_class_reason": "每月抄表"}):
        assert office.leader.post(f"{case}/data-review/activity-data", body).status_code == 303
    assert office.member.post(f"{case}/data-review/emission-factors", FACTOR).status_code == 303
    assert office.leader.post(f"{case}/data-review/findings", {
        "representativeness": "覆盖全部排放源", "completeness": "截止2025年末", "accuracy": "抽查一致",
        "reviewed_on": "2026-03-21"}).status_code == 303
    page = office.leader.get(case)
    assert attribute(page, "data-item") == ["外购电量", "天然气消耗量"]
    assert attribute(page, "data-review-flags") == ["1"] and "data-flagged" in page.text
    assert attribute(page, "data-share-class") == ["continuous", "intermittent"]
    assert attribute(page, "data-share") == ["0.6", "0.4", "1.0"]  # by class; by tier: national 1
    assert "data-review-findings" in page.text

    walk.report().decide()
    office.caught_up()
    number = walk.number
    certificate = office.regulator.get(f"/office/certificates/{number}")
    assert attribute(certificate, "data-case-review") == [str(walk.case)]
    assert attribute(certificate, "data-share-tier") == ["national"]
    history = office.regulator.get(f"/office/certificates/{number}/history")
    assert attribute(history, "data-share-class") == ["continuous", "intermittent"]
    assert "外购电量（MWh）· 连续测量 Continuous measurement · 600 tCO2e；校准已过期" in history.text
    assert "数据评审：排放因子" in history.text
