"""The office's surveillance data review over plain HTTP on PostgreSQL (issue 23; R-GHG-2..4, §9.1.3): the
certificate page's two forms for auditors, a refusal beside its form with the rule and what was typed kept, the
audit refused on unreviewed data, the pending profile, each audit's profile once it took the items, and the lines
the certificate's timeline and the regulator's history show."""

from __future__ import annotations

import re

from httpx2 import Response

from tests.e2e.office_users import Office
from tests.e2e.test_office_records import certified, refusal_of, written
from tests.e2e.test_office_surveillance import DATUM, audit_form

FACTOR = {"item": "电网排放因子", "value": "0.5703", "unit": "tCO2/MWh", "source": "生态环境部公告", "tier": "national",
          "lower_tier_reason": "外购电无法实测", "emissions_tco2e": "800", "reviewed_on": "2026-07-20"}


def attribute(page: Response | str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', page if isinstance(page, str) else page.text)


def reviews(html: str) -> str:
    """The surveillance data review's part of a page (the case's review is shown too, with the same marks)."""
    found = re.search(r"<section[^>]*data-surveillance-review>.*?</section>", html, re.S)
    assert found, "no surveillance data review on the page"
    return found.group(0)


def test_the_certificate_page_reviews_a_surveillance_audits_data_and_shows_its_profile(office: Office) -> None:
    walk = certified(office)  # issued 2026-03-31
    number = walk.number or ""
    url = f"/office/certificates/{number}"
    page = office.leader.get(url).text
    assert 'data-form="surveillance_datum"' in page and 'data-form="surveillance_factor"' in page
    assert 'data-form="surveillance_datum"' not in office.intake.get(url).text
    assert attribute(page, "data-surveillance-pending") == ["0"] and "data-review-empty" in reviews(page)

    # R-GHG-2: the audit is refused on unreviewed data, beside its form, and nothing is written
    before = written(office.registry)
    refused = office.leader.post(f"{url}/surveillance-audits", audit_form(office, "2026-07-20"))
    assert refused.status_code == 422 and 'data-rule="R-GHG-2"' in refusal_of(refused.text)
    assert refused.text.index('id="surveillance-audits"') < refused.text.index("data-refusal")
    # an estimate without its reason: refused beside the datum's form, what was typed kept
    estimated = office.leader.post(f"{url}/data-review/activity-data",
                                   {**DATUM, "data_class": "estimated", "item": "柴油消耗量"})
    assert estimated.status_code == 422 and attribute(refusal_of(estimated.text), "data-rule") == ["R-GHG-2"]
    form = estimated.text.index('data-form="surveillance_datum"')
    assert form < estimated.text.index("data-refusal") < estimated.text.index("/data-review/activity-data", form)
    assert 'value="柴油消耗量"' in estimated.text and written(office.registry) == before

    # recorded: a continuous datum, an intermittent one by the member, a national factor
    intermittent = {**DATUM, "item": "天然气消耗量", "emissions_tco2e": "200", "data_class": "intermittent",
                    "lower_class_reason": "每月抄表"}
    for user, path, body in ((office.leader, "activity-data", DATUM), (office.member, "activity-data", intermittent),
                             (office.leader, "emission-factors", FACTOR)):
        answer = user.post(f"{url}/data-review/{path}", body)
        assert answer.status_code == 303 and answer.headers["location"].startswith(url), answer.text
    pending = reviews(office.leader.get(url).text)
    assert attribute(pending, "data-surveillance-pending") == ["2"]
    assert attribute(pending, "data-share-class") == ["continuous", "intermittent"]
    assert attribute(pending, "data-share") == ["0.75", "0.25", "1.0"]  # by class; by tier: national 1

    # the audit takes them: the pending review is empty again, the audit's profile shown
    assert office.leader.post(f"{url}/surveillance-audits", audit_form(office, "2026-07-20")).status_code == 303
    office.caught_up()
    page = office.regulator.get(url).text
    assert attribute(reviews(page), "data-surveillance-pending") == ["0"]
    assert attribute(reviews(page), "data-audit-review") == ["2026-07-20"]
    assert attribute(reviews(page), "data-share") == ["0.75", "0.25", "1.0"]
    assert page.count('<li data-event="SurveillanceActivityDatumReviewed"') == 2
    assert '<li data-event="SurveillanceEmissionFactorReviewed"' in page
    assert "监督审核数据评审：活动数据" in page
    assert "外购电量（MWh）· 连续测量 Continuous measurement · 600 tCO2e" in page
    assert "数据质量 Data quality：活动数据 连续测量 Continuous measurement 75.0%" in page

    history = office.regulator.get(f"{url}/history").text
    assert attribute(reviews(history), "data-audit-review") == ["2026-07-20"]
    assert "电网排放因子 = 0.5703 tCO2/MWh · 国家排放因子 National · 800 tCO2e" in history
    assert "排放因子 国家排放因子 National 100.0%" in history


FINDINGS = {"representativeness": "计量覆盖全部排放源", "completeness": "边界完整，截止至审核前月末",
            "accuracy": "抽查与结算单一致", "reviewed_on": "2026-07-20"}


def test_the_findings_on_a_surveillance_audits_data_are_recorded_on_the_page_and_taken_by_the_audit(
        office: Office) -> None:
    walk = certified(office)
    url = f"/office/certificates/{walk.number}"
    assert 'data-form="surveillance_findings"' in office.leader.get(url).text
    # §7.1: each of the three recorded, or refused beside the form with nothing written
    before = written(office.registry)
    refused = office.leader.post(f"{url}/data-review/findings", {**FINDINGS, "accuracy": " "})
    assert refused.status_code == 422 and attribute(refusal_of(refused.text), "data-rule") == ["R-GHG-2"]
    assert written(office.registry) == before
    assert office.leader.post(f"{url}/data-review/findings", FINDINGS).status_code == 303
    assert "计量覆盖全部排放源" in reviews(office.leader.get(url).text)  # pending, for the coming audit

    assert office.leader.post(f"{url}/data-review/activity-data", DATUM).status_code == 303
    assert office.leader.post(f"{url}/surveillance-audits", audit_form(office, "2026-07-20")).status_code == 303
    office.caught_up()
    shown = reviews(office.regulator.get(url).text)
    assert "抽查与结算单一致" in shown[shown.index('data-audit-review="2026-07-20"'):]  # the audit took them
