"""Issue 23, item 5 in the office: the sector list page, the application's sectors, the programme's basis, cycle
and approval, stage 1's key audit points and person-days, and the history's names for the new events."""

from __future__ import annotations

import re
from datetime import date

from demo.scenario import Walk
from tests.e2e.office_users import Office
from tests.factories import applied_before_sectors

CYCLE = ("initial | 2026-03-31 | 4\nsurveillance | 2027-03-01 | 2\nsurveillance | 2028-03-01 | 2\n"
         "recertification | 2028-12-01 | 3")
BASIS = {"basis.size": "职工 300 人", "basis.scope": "电力生产", "basis.facilities_complexity": "燃气锅炉 1 台",
         "basis.system_maturity": "运行 6 个月"}


def test_the_admin_keeps_the_sector_list_and_the_application_form_offers_it(office: Office) -> None:
    added = office.admin.post("/office/sectors", {"name": "造纸", "code": "C22"})
    assert added.status_code == 303, added.text
    twice = office.admin.post("/office/sectors", {"name": "造纸", "code": "C23"})
    assert twice.status_code == 409 and "data-refusal" in twice.text
    refused = office.intake.post("/office/sectors", {"name": "水泥", "code": "C30"})
    assert refused.status_code == 403
    page = office.intake.get("/office/sectors").text
    assert 'data-sector="C22"' in page and 'data-sector="D44"' in page
    form = office.intake.get("/office/cases/new").text
    assert 'name="sectors" value="造纸"' in form and 'name="sectors" value="电力"' in form


def test_an_application_without_a_sector_is_refused_beside_its_form(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 3, 2)).organization()
    answer = office.intake.post("/office/cases/new", {
        "organization_uscc": walk.uscc, "kind": "initial", "applied_on": "2026-03-02", "scope": "电力生产",
        "levels": "organization | iso_14064_1", "cems_operating_since": "2025-06-01",
        "incident_report_commitment": "on"})
    assert answer.status_code == 422 and 'data-rule="R-TEAM-3"' in answer.text


def test_r_team_3_intake_records_the_sectors_of_a_case_applied_before_the_rule_in_the_office(office: Office) -> None:
    walk = applied_before_sectors(Walk(office.registry, office.staff, date(2026, 3, 2)))
    walk.documents().accept().agree().programme()
    case = f"/office/cases/{walk.case}"
    page = office.intake.get(case).text
    form = page[page.index('data-form="sectors"'):]
    assert 'name="sectors" value="电力"' in form and "记录认证范围所属专业领域" in page
    assert 'data-form="sectors"' not in office.leader.get(case).text  # not an auditor's step

    before = office.registry.recorder.max_notification_id()
    refused = office.intake.post(f"{case}/sectors", {"on": "2026-03-07"})  # none chosen
    assert refused.status_code == 422 and re.findall(r'data-rule="([^"]+)"', refused.text) == ["R-TEAM-3"]
    assert refused.text.index('data-form="sectors"') < refused.text.index("data-refusal")
    assert office.registry.recorder.max_notification_id() == before

    recorded = office.intake.post(f"{case}/sectors", {"on": "2026-03-07", "sectors": "电力"})
    assert recorded.status_code == 303, recorded.text
    page = office.intake.get(case).text
    assert "专业领域：电力" in page[page.index("data-sectors"):]  # the case's facts
    line = "专业领域：电力（此前：未指明） / Sectors: 电力 (before: none named)"
    assert f'<span data-detail>{line}</span>' in page  # its history
    appointed = office.admin.post(f"{case}/team", {"on": "2026-03-08", "leader": str(office.staff.leader),
                                                  "members": str(office.staff.member)})
    assert appointed.status_code == 303, appointed.text
    assert 'data-form="sectors"' not in office.intake.get(case).text  # the team is appointed: they stand
    history = office.regulator.get(f"/office/organizations/{walk.uscc}/history").text
    assert f"<p data-detail>{line}</p>" in history and "记录认证范围所属专业领域" in history


def test_a_short_programme_is_planned_approved_and_audited_in_the_office(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 3, 2)).to_acceptance().agree()
    case = f"/office/cases/{walk.case}"
    assert 'name="basis.system_maturity"' in office.leader.get(case).text

    answer = office.leader.post(f"{case}/programme", {"planned_on": "2026-03-06", "person_days": "3",
                                                      "cycle": CYCLE, **BASIS, "justification": "单一燃气锅炉"})
    assert answer.status_code == 303, answer.text
    page = office.decision.get(case).text
    assert 'data-form="programme_approval"' in page and 'data-programme-approval=""' in page
    assert 'data-cycle-audit="recertification"' in page and "运行 6 个月" in page
    walk.team()
    refused = office.leader.post(f"{case}/stage1", {"conducted_on": "2026-03-12", "on_site": "true",
                                                    "key_audit_points": "燃气计量", "person_days": "1"})
    assert refused.status_code == 422 and 'data-rule="R-PREP-2"' in refused.text

    approved = office.decision.post(f"{case}/programme/approval", {"approved_on": "2026-03-08", "note": "同意"})
    assert approved.status_code == 303, approved.text
    no_points = office.leader.post(f"{case}/stage1", {"conducted_on": "2026-03-12", "on_site": "true",
                                                      "person_days": "1"})
    assert no_points.status_code == 422 and 'data-rule="R-S1-2"' in no_points.text
    done = office.leader.post(f"{case}/stage1", {"conducted_on": "2026-03-12", "on_site": "true",
                                                 "key_audit_points": "燃气计量\n排放因子", "person_days": "1"})
    assert done.status_code == 303, done.text

    page = office.leader.get(case).text
    assert 'data-programme-approval="2026-03-08"' in page and "<li>排放因子</li>" in page
    assert re.search(r"data-person-days-spent>实际审核人日：第一阶段 1", page)
    history = office.regulator.get(f"/office/organizations/{walk.uscc}/history")
    assert history.status_code == 200 and "审核方案（少于 4 人日）获批准" in history.text
