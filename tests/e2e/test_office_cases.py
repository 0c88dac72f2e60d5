"""The office's case pages over plain HTTP on PostgreSQL (issue 22): the application form, the case page (stepper,
checklist with each document's SHA-256 and its download, eligibility, team by name, findings, nonconformities,
decision and certificate, deadlines), and each step's form sending the API's command as the signed-in user; a refused
step shown beside its form with its rule, what was typed kept and nothing written."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from uuid import UUID

from fastapi.testclient import TestClient
from httpx2 import Response

from api.app import create_app
from api.edge import FORM_OVERHEAD
from demo.scenario import Walk
from registry.values import Actor, DocumentKind, Role
from tests.e2e.office_users import Office

START = date(2026, 3, 1)


def attribute(page: Response, name: str) -> list[str]:
    """Every value of the data attribute ``name`` on the page, in order."""
    return re.findall(rf'{name}="([^"]*)"', page.text)


def case_of(answer: Response) -> str:
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/office/cases/([0-9a-f-]{36})\?done=.+", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def written(office: Office) -> int:
    return office.registry.recorder.max_notification_id() or 0


APPLICATION = {"kind": "initial", "applied_on": "2026-03-02", "scope": "燃煤发电的碳排放管理活动",
               "levels": "organization | iso_14064_1\nproduct | ISO 14067 | GB/T 24067",
               "basis.standard": "CCAI-S-C06", "basis.version": "2023", "basis.sector_requirements": "",
               "cems_operating_since": "2025-06-01", "emission_control.controlled": "on",
               "emission_control.cycles_completed": "1",
               "other_certifications": "EnMS | EnMS-2024-001 | 2027-01-01",
               "incident_report_commitment": "on", "permits": "排污许可证 91110000", "compliance_information": "",
               "sectors": "电力"}


def test_the_intake_clerk_applies_uploads_a_document_and_downloads_it_back(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization()

    form = office.intake.get(f"/office/cases/new?uscc={walk.uscc}")
    assert form.status_code == 200 and f'value="{walk.uscc}"' in form.text and 'for="levels"' in form.text
    applied = office.intake.post("/office/cases/new", {"organization_uscc": walk.uscc, **APPLICATION})
    case_id = case_of(applied)

    page = office.intake.get(applied.headers["location"])
    assert page.status_code == 200 and "已记录申请" in page.text
    assert attribute(page, "data-stage") == ["applied"] and attribute(page, "data-kind") == ["initial"]
    assert walk.name in page.text and f'href="/office/organizations/{walk.uscc}"' in page.text
    assert attribute(page, "data-received") == ["no"] * 11 and attribute(page, "data-eligible") == ["true"]
    assert re.search(r'data-step="applied" class="current"', page.text)
    assert 'data-form="documents"' in page.text and 'data-form="acceptance"' in page.text
    assert 'data-form="stage2"' not in page.text and 'data-form="decision"' not in page.text
    assert attribute(page, "data-deadline") == []
    case = office.registry.get_case(case_id)
    assert case.scope == APPLICATION["scope"] and case.eligible

    content = "%PDF-1.4 认证申请书 application form\n".encode() * 50
    answer = office.intake.post(f"/office/cases/{case_id}/documents",
                                {"kind": "application_form", "received_on": "2026-03-03"},
                                files={"file": ("申请书 (2026).pdf", content, "application/pdf")})
    assert case_of(answer) == case_id
    sha = hashlib.sha256(content).hexdigest()
    page = office.intake.get(answer.headers["location"])
    assert sha in page.text and f'data-sha256="{sha}"' in page.text and 'class="hash"' in page.text
    assert attribute(page, "data-received") == ["yes"] + ["no"] * 10
    assert "申请书 (2026).pdf" in page.text and "2026-03-03" in page.text
    assert office.registry.get_case(case_id).documents == {"application_form": sha}

    download = office.regulator.get(f"/office/cases/{case_id}/documents/{sha}")
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    assert "filename*=UTF-8''%E7%94%B3%E8%AF%B7%E4%B9%A6%20%282026%29.pdf" in download.headers["content-disposition"]
    assert office.intake.get(f"/office/cases/{case_id}/documents/{'0' * 64}").status_code == 404


def test_the_download_matches_the_apis(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization().apply().documents()
    sha = office.registry.get_case(walk.case).documents["carbon_review_report"]
    _, token = office.registry.add_user("读者", ["regulator"])

    ours = office.intake.get(f"/office/cases/{walk.case}/documents/{sha}")
    theirs = office.client.get(f"/api/v1/cases/{walk.case}/documents/{sha}",
                               headers={"Authorization": f"Bearer {token}"})

    assert ours.status_code == theirs.status_code == 200 and ours.content == theirs.content
    for header in ("content-type", "content-disposition", "etag", "content-security-policy"):
        assert ours.headers[header] == theirs.headers[header]


def test_an_application_the_registry_refuses_keeps_what_was_typed_and_writes_nothing(office: Office) -> None:
    before = written(office)

    answer = office.intake.post("/office/cases/new", {"organization_uscc": "91110000600037341L", **APPLICATION,
                                                      "levels": "organisation"})

    assert answer.status_code == 422 and 'data-refusal' in answer.text and "levels" in answer.text
    assert 'value="91110000600037341L"' in answer.text and APPLICATION["scope"] in answer.text
    assert written(office) == before


def test_acceptance_before_the_checklist_is_complete_is_refused_beside_its_form(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization().apply().documents(
        skip=(DocumentKind.CARBON_REVIEW_REPORT,))
    before = written(office)

    answer = office.intake.post(f"/office/cases/{walk.case}/acceptance", {
        "decided_on": "2026-03-05", "accepted": "true", "review.information_sufficient": "on",
        "review.requirements_understood": "on", "review.competent_and_resourced": "on",
        "reasons": "资料齐全，予以受理"})

    assert answer.status_code == 422
    assert attribute(answer, "data-rule") == ["R-APP-4"] and "§8.1" in answer.text
    assert "carbon_review_report" in answer.text
    refusal = answer.text.index("data-refusal")
    form = answer.text.index('data-form="acceptance"')
    assert form < refusal < answer.text.index('action="/office/cases/', form + 1) + 200
    assert 'id="step-acceptance" data-form="acceptance" open' in answer.text
    assert "资料齐全，予以受理" in answer.text  # what was typed, kept
    assert written(office) == before and office.registry.get_case(walk.case).stage == "applied"

    supplement = office.intake.post(f"/office/cases/{walk.case}/supplement-requests", {
        "requested_on": "2026-03-04", "missing": ["carbon_review_report"], "note": "请补充碳评审报告"})
    assert supplement.status_code == 303 and written(office) > before


def test_a_decision_by_someone_without_the_role_is_refused(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).to_team().stage1().stage2().report()
    before = written(office)

    answer = office.intake.post(f"/office/cases/{walk.case}/decision", {
        "decided_on": "2026-04-01", "grant": "true", "conditions.legal_compliance": "true", "reasons": "批准"})

    assert answer.status_code == 403 and "无权执行此步骤" in answer.text and 'data-form="decision"' in answer.text
    assert written(office) == before and office.registry.get_case(walk.case).certificate_number is None


def test_appointing_the_person_who_accepted_the_case_to_audit_it_is_refused_by_separation_of_duties(
        office: Office) -> None:
    staff = office.staff
    walk = (Walk(office.registry, staff, START).organization().apply().documents()
            .accept(actor=Actor(staff.leader, Role.INTAKE)).agree().programme())
    page = office.admin.get(f"/office/cases/{walk.case}")
    assert 'data-form="team"' in page.text
    leader_name = office.registry.get_person(staff.leader).name
    assert f'<option value="{staff.leader}">{leader_name}</option>' in page.text
    before = written(office)

    answer = office.admin.post(f"/office/cases/{walk.case}/team", {
        "on": "2026-03-06", "leader": str(staff.leader), "members": [str(staff.member)]})

    assert answer.status_code == 403 and attribute(answer, "data-rule") == ["R-SOD-1"]
    assert "职责分离" in answer.text and "intake review" in answer.text
    assert f'<option value="{staff.leader}" selected>' in answer.text  # the choice kept
    assert written(office) == before and office.registry.get_case(walk.case).team is None


def test_the_admin_appoints_the_team_by_name(office: Office) -> None:
    staff = office.staff
    walk = Walk(office.registry, staff, START).organization().apply().documents().accept().agree().programme()

    answer = office.admin.post(f"/office/cases/{walk.case}/team", {
        "on": "2026-03-06", "leader": str(staff.leader), "leader_id": "", "members": [str(staff.member), ""],
        "experts": ""})

    assert case_of(answer) == str(walk.case)
    page = office.admin.get(f"/office/cases/{walk.case}")
    assert attribute(page, "data-leader") == [str(staff.leader)]
    assert attribute(page, "data-member") == [str(staff.member)]
    for pid in (staff.leader, staff.member):
        assert f'<a href="/office/people/{pid}" data-person="{pid}">{office.registry.get_person(pid).name}</a>' \
            in page.text
    team = office.registry.get_case(walk.case).team
    assert team is not None and team["leader"] == staff.leader and team["members"] == [staff.member]

ACTIVITY_DATUM = {"item": "燃煤消耗量", "unit": "t", "source": "入厂煤计量", "data_class": "continuous",
                  "emissions_tco2e": "5000", "monitoring_method": "皮带秤", "monitoring_frequency": "连续",
                  "recording_frequency": "每班", "missing_data_handling": "按库存差额补记",
                  "calibration.equipment": "皮带秤 B-1", "calibration.calibrated_on": "2025-09-01",
                  "calibration.valid_until": "2026-08-31", "cross_checks": "燃料合同 | 2025年购煤合同 | 是",
                  "level": "organization", "reviewed_on": "2026-03-21"}


def test_the_leader_records_the_audit_and_the_decision_maker_grants(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).to_team()
    case = f"/office/cases/{walk.case}"
    page = office.leader.get(case)
    assert 'data-form="stage1"' in page.text and 'data-form="stage2"' not in page.text
    assert attribute(page, "data-deadline") == ["R-ACC-2"] and attribute(page, "data-state") == ["met"]

    assert case_of(office.leader.post(f"{case}/stage1", {
        "conducted_on": "2026-03-11", "on_site": "true", "off_site_ground": "", "justification": "",
        "findings": "体系文件基本完整，已具备二阶段审核条件", "key_audit_points": "燃料计量\n外购电力台账",
        "person_days": "1"})) == str(walk.case)
    page = office.leader.get(case)
    assert attribute(page, "data-stage") == ["stage1_done"] and "体系文件基本完整" in page.text
    assert 'data-form="stage2"' in page.text and 'data-form="stage1"' not in page.text

    assert case_of(office.leader.post(f"{case}/stage2", {
        "conducted_on": "2026-03-21", "on_site": "true",
        "nonconformities": "NC-1 | major | 能源计量器具未校准\nNC-2 | minor | 部分运行记录不全",
        "person_days": "3"})) == str(walk.case)
    page = office.leader.get(case)
    assert attribute(page, "data-nc") == ["NC-1", "NC-2"] and attribute(page, "data-severity") == ["major", "minor"]
    assert attribute(page, "data-closed") == ["", ""]
    assert 'data-form="closure:NC-1"' in page.text and 'data-form="report"' in page.text
    assert case_of(office.leader.post(f"{case}/data-review/activity-data", ACTIVITY_DATUM)) == str(walk.case)

    report = {"submitted_on": "2026-03-26",
              "quantified_performance": "单位发电量碳排放 | tCO2/MWh | 0.85 | 0.80 | 0.79",
              "measurement_and_verification": "依据GB/T 32151核算", "improvement_evaluation": "促进了碳绩效持续改进",
              **{f"focus_points.{name}": f"已审核 {name}" for name in (
                  "legal_compliance", "system_conformity", "key_points_control", "targets_and_control",
                  "carbon_review", "performance_parameters", "targets_achievement", "deviation_handling",
                  "self_improvement")}}
    assert case_of(office.leader.post(f"{case}/nonconformities/NC-1/closure",
                                      {"closed_on": "2026-03-25", "evidence": "计量器具校准证书"})) == str(walk.case)
    assert case_of(office.leader.post(f"{case}/report", report)) == str(walk.case)
    page = office.decision.get(case)
    assert attribute(page, "data-closed") == ["2026-03-25", ""] and "data-report-complete" in page.text
    assert 'data-form="decision"' in page.text and attribute(page, "data-stage") == ["reported"]

    answer = office.decision.post(f"{case}/decision", {
        "decided_on": "2026-04-01", "grant": "true", "conditions.legal_compliance": "true",
        "conditions.sector_requirements": "", "conditions.management_improved": "true",
        "conditions.no_penalty": "true", "reasons": "满足认证决定条件，批准注册"})
    assert case_of(answer) == str(walk.case)
    number = office.registry.get_case(walk.case).certificate_number
    assert number is not None
    page = office.decision.get(answer.headers["location"])
    assert attribute(page, "data-certificate") == [number] and f'href="/office/certificates/{number}"' in page.text
    assert attribute(page, "data-decision") == ["granted"] and number in page.text
    assert re.search(r'data-step="decision" class="current"', page.text)
    assert office.registry.get_certificate(number).status == "valid"


def test_a_stage2_line_that_cannot_be_read_is_refused_and_kept(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).to_team().stage1()
    before = written(office)
    typed = "NC-1 | serious | 能源计量器具未校准"

    answer = office.leader.post(f"/office/cases/{walk.case}/stage2", {"conducted_on": "2026-03-21",
                                                                       "nonconformities": typed})

    assert answer.status_code == 422 and "is not one of: major, minor" in answer.text and typed in answer.text
    assert written(office) == before


def test_a_too_large_document_is_refused_and_nothing_is_written(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization().apply()
    settings = office.client.app.state.settings  # type: ignore[attr-defined]
    office.client.app.state.settings = settings.model_copy(update={"max_upload_bytes": 1000})  # type: ignore[attr-defined]
    before = written(office)
    try:
        answer = office.intake.post(f"/office/cases/{walk.case}/documents",
                                    {"kind": "application_form", "received_on": "2026-03-03"},
                                    files={"file": ("big.pdf", b"x" * 1001, "application/pdf")})
    finally:
        office.client.app.state.settings = settings  # type: ignore[attr-defined]

    assert answer.status_code == 413 and "1000" in answer.text and 'data-form="documents"' in answer.text
    assert written(office) == before


def test_an_upload_far_too_large_gets_a_page_to_go_back_from_not_the_apis_json(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization().apply()
    settings = office.client.app.state.settings.model_copy(update={"max_upload_bytes": 1000})  # type: ignore[attr-defined]
    before = written(office)
    # The edge stops reading past the limit and the form's margin (api.edge): an app whose limit is 1,000 bytes,
    # on the same registry and sessions.
    with TestClient(create_app(settings, registry=office.registry), follow_redirects=False) as small:
        small.cookies.set("office_session", office.intake.session, path="/office")
        answer = small.post(f"/office/cases/{walk.case}/documents",
                            data={"kind": "application_form", "received_on": "2026-03-03",
                                  "csrf_token": office.intake.csrf},
                            files={"file": ("big.pdf", b"x" * (1000 + FORM_OVERHEAD + 1), "application/pdf")})

    assert answer.status_code == 413 and answer.headers["content-type"].startswith("text/html")
    assert "文件过大" in answer.text and "1000" in answer.text and 'href="/office/"' in answer.text
    assert written(office) == before


def test_a_form_without_its_csrf_token_is_refused(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization().apply().documents()
    before = written(office)

    answer = office.intake.post(f"/office/cases/{walk.case}/acceptance", {
        "decided_on": "2026-03-05", "accepted": "true", "review.information_sufficient": "on",
        "review.requirements_understood": "on", "review.competent_and_resourced": "on"}, csrf=False)
    applied = office.intake.post("/office/cases/new", {"organization_uscc": walk.uscc, **APPLICATION}, csrf=False)

    assert answer.status_code == applied.status_code == 403
    assert written(office) == before


def test_an_unknown_case_is_a_404_page(office: Office) -> None:
    for url in (f"/office/cases/{UUID(int=7)}", "/office/cases/not-a-case"):
        answer = office.intake.get(url)
        assert answer.status_code == 404 and "未找到" in answer.text
    posted = office.intake.post(f"/office/cases/{UUID(int=7)}/agreement",
                                {"signed_on": "2026-03-05", "fee_paid_on": "2026-03-05"})
    assert posted.status_code == 404
