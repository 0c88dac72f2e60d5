"""The office's certificate, organisation and person pages and the competence view, over plain HTTP on PostgreSQL:
what each page shows, its forms recorded through the application, and refusals shown beside the form with nothing
written."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from api import certificate_pdf
from demo.scenario import Walk, review_surveillance
from registry.application import Registry
from registry.values import SURVEILLANCE_CONTENT, RegistrationKind
from tests.e2e.office_users import Office

TODAY = date(2026, 11, 24)


def certified(office: Office) -> Walk:
    """A case walked to its certificate (applied 2026-03-01, issued 2026-03-31)."""
    walk = Walk(office.registry, office.staff, date(2026, 3, 1)).to_certificate()
    assert walk.number is not None
    office.caught_up()  # the certificate page names its cases from the directory
    return walk


def written(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def refusal_of(html: str) -> str:
    found = re.search(r'<div class="refusal"[^>]*>.*?</div>', html, re.S)
    assert found, "no refusal on the page"
    return found.group(0)


# The certificate page


def test_the_certificate_page_shows_its_contents_qr_pdf_cases_and_history_by_name(office: Office) -> None:
    walk = certified(office)
    cert = office.registry.get_certificate(walk.number or "")
    page = office.regulator.get(f"/office/certificates/{cert.number}")
    assert page.status_code == 200, page.text
    html = page.text
    assert f'data-number>{cert.number}<' in html
    assert 'data-status="valid"' in html
    assert f'href="/office/organizations/{cert.organization["uscc"]}"' in html
    assert cert.organization["name"] in html and cert.organization["uscc"] in html
    assert f"data-valid-until>{cert.valid_until.isoformat()}<" in html
    assert f"data-issued-on>{cert.issued_on.isoformat()}<" in html
    assert cert.scope in html and cert.basis["standard"] in html and cert.issuer["name"] in html
    assert f"data-next-due>{cert.surveillance['next_due_by'].isoformat()}<" in html
    assert 'data-version="1"' in html
    qr = re.search(r'<img src="([^"]+)" alt="([^"]+)" data-qr>', html)
    assert qr and qr.group(1) == f"/api/v1/public/certificates/{cert.number}/qr.svg" and cert.number in qr.group(2)
    image = office.client.get(f"{qr.group(1)}?after={written(office.registry)}")  # once the public view has it
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    [case_id] = cert.case_ids
    assert f'href="/office/cases/{case_id}"' in html
    assert f'href="/office/certificates/{cert.number}/history"' in html
    # The timeline: each event by the name of who recorded it.
    decider = office.registry.get_person(office.staff.decision.person or "").name
    leader = office.registry.get_person(office.staff.leader).name
    issued = re.search(r'<li data-event="Issued".*?</li>', html, re.S)
    assert issued and f'data-by="{decider}"' in issued.group(0) and "颁发证书" in issued.group(0)
    report = re.search(r'<li data-event="ReportSubmitted".*?</li>', html, re.S)
    assert report and f'data-by="{leader}"' in report.group(0)
    assert str(office.staff.decision.person) not in text_of(issued.group(0))  # a name, never a bare id
    # A regulator is offered no status action.
    assert 'data-form="suspension"' not in html


def test_the_pdf_link_answers_the_certificate_document(office: Office) -> None:
    walk = certified(office)
    page = office.decision.get(f"/office/certificates/{walk.number}")
    [link] = re.findall(r'href="([^"]+)" data-pdf', page.text)
    assert link == f"/office/certificates/{walk.number}/certificate.pdf"
    pdf = office.decision.get(link)
    if pdf.status_code == 503:  # no Chinese font here: the page says what to install, as the API's 503 does
        assert "fonts-wqy-zenhei" in pdf.text
        pytest.skip("no Chinese font installed")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{walk.number}.pdf"' in pdf.headers["content-disposition"]
    # The same document the API serves, rendered by the same function with the app's own signer.
    _, token = office.registry.add_user("接口读者", ["regulator"])
    api = office.client.get(f"/api/v1/certificates/{walk.number}/certificate.pdf",
                            headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.content == pdf.content


def test_without_a_chinese_font_the_pdf_link_says_what_to_install(office: Office,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    walk = certified(office)
    monkeypatch.setattr(certificate_pdf, "CJK_FONTS", ("No Such Font CN",))
    certificate_pdf.cjk_font.cache_clear()
    try:
        answer = office.decision.get(f"/office/certificates/{walk.number}/certificate.pdf")
    finally:
        monkeypatch.undo()
        certificate_pdf.cjk_font.cache_clear()
    assert answer.status_code == 503
    assert "fonts-wqy-zenhei" in answer.text and answer.headers["content-type"].startswith("text/html")


def test_the_decision_maker_suspends_through_the_form(office: Office) -> None:
    walk = certified(office)
    url = f"/office/certificates/{walk.number}"
    assert 'data-form="suspension"' in office.decision.get(url).text
    answer = office.decision.post(f"{url}/suspension", {"on": "2026-11-20", "known_on": "2026-11-18",
                                                        "ground": "enforcement_penalty",
                                                        "detail": "受到生态环境部门行政处罚"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(url + "?done=")
    shown = office.decision.get(answer.headers["location"])
    assert 'data-status="suspended"' in shown.text and "data-done" in shown.text
    assert 'data-ground="enforcement_penalty"' in shown.text
    assert re.search(r'<li data-event="Suspended".*?data-by="决定人员|<li data-event="Suspended"', shown.text)
    assert office.registry.get_certificate(walk.number or "").status == "suspended"
    # …and reinstates it, through its own form.
    back = office.decision.post(f"{url}/reinstatement", {"on": "2026-11-23", "evidence": "纠正措施已验证有效"})
    assert back.status_code == 303, back.text
    assert office.registry.get_certificate(walk.number or "").status == "valid"


def test_a_refused_reinstatement_shows_its_rule_beside_the_form_and_writes_nothing(office: Office) -> None:
    walk = certified(office)
    before = written(office.registry)
    answer = office.decision.post(f"/office/certificates/{walk.number}/reinstatement",
                                  {"on": "2026-11-23", "evidence": "纠正措施已验证有效"})
    assert answer.status_code == 409, answer.text
    refusal = refusal_of(answer.text)
    assert 'data-rule="R-FLOW-1"' in refusal and "valid" in refusal
    # Shown inside the reinstatement form's own section, opened, with what the user typed.
    section = re.search(r'<details class="step" id="reinstatement" open>.*?</details>', answer.text, re.S)
    assert section and "data-refusal" in section.group(0) and "纠正措施已验证有效" in section.group(0)
    assert 'id="suspension" open' not in answer.text
    assert written(office.registry) == before
    assert office.registry.get_certificate(walk.number or "").status == "valid"


def test_a_suspension_by_someone_without_the_decision_role_is_refused(office: Office) -> None:
    walk = certified(office)
    before = written(office.registry)
    answer = office.intake.post(f"/office/certificates/{walk.number}/suspension",
                                {"on": "2026-11-20", "known_on": "2026-11-18", "ground": "major_defect"})
    assert answer.status_code == 403
    assert "data-refusal" in answer.text
    assert written(office.registry) == before


def test_a_change_is_requested_by_intake_and_made_by_the_admin(office: Office) -> None:
    walk = certified(office)
    url = f"/office/certificates/{walk.number}"
    asked = office.intake.post(f"{url}/change-requests", {"requested_on": "2026-11-20", "changed_on": "2026-11-15",
                                                          "changes.address": "上海市浦东新区新址路1号",
                                                          "changes.name": ""})
    assert asked.status_code == 303, asked.text
    page = office.admin.get(url)
    [request_id] = re.findall(r'<option value="([0-9a-f-]{36})"', page.text)
    changed = office.admin.post(f"{url}/changes", {"request_id": request_id, "changed_on": "2026-11-23"})
    assert changed.status_code == 303, changed.text
    cert = office.registry.get_certificate(walk.number or "")
    assert cert.version == 2 and cert.organization["address"] == "上海市浦东新区新址路1号"
    assert cert.organization["name"] == walk.name  # a field left blank is not changed
    assert 'data-version="2"' in office.admin.get(url).text


def test_an_auditor_records_a_surveillance_audit_through_the_form(office: Office) -> None:
    walk = certified(office)
    url = f"/office/certificates/{walk.number}"
    page = office.leader.get(url).text
    assert 'data-form="surveillance-audits"' in page and 'data-form="suspension"' not in page
    leader, member = office.registry.get_person(office.staff.leader), office.registry.get_person(office.staff.member)
    assert f'<option value="{leader.id}" selected>{leader.name}</option>' in page  # the auditors offered by name
    review_surveillance(office.registry, office.staff, walk.number or "", date(2026, 11, 20))  # R-GHG-2
    answer = office.leader.post(f"{url}/surveillance-audits", {
        "conducted_on": "2026-11-20", "leader": str(leader.id), "members": str(member.id), "outcome": "maintained",
        "on_site": "true", "person_days": "2", **{f"content.{item}": "已审核" for item in SURVEILLANCE_CONTENT}})
    assert answer.status_code == 303, answer.text
    shown = office.leader.get(url).text
    assert 'data-audit="2026-11-20"' in shown and '<li data-event="SurveillanceAuditRecorded"' in shown
    assert office.registry.get_certificate(walk.number or "").surveillance["audits"][0]["conducted_on"] == \
        date(2026, 11, 20)


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(office: Office) -> None:
    walk = certified(office)
    before = written(office.registry)
    answer = office.decision.post(f"/office/certificates/{walk.number}/suspension",
                                  {"on": "2026-11-20", "known_on": "2026-11-18", "ground": "major_defect"},
                                  csrf=False)
    assert answer.status_code == 403
    for url, fields in ((f"/office/people/{office.staff.member}/violations", {"on": "2026-11-01",
                                                                             "description": "x"}),
                        ("/office/organizations/new", {"uscc": walk.uscc, "name": "x", "address": "y"})):
        assert office.admin.post(url, fields, csrf=False).status_code == 403
    assert written(office.registry) == before
    assert office.registry.get_certificate(walk.number or "").status == "valid"


def test_a_certificate_there_is_none_of_is_a_404_page(office: Office) -> None:
    assert office.decision.get("/office/certificates/NO-SUCH-1").status_code == 404
    assert office.decision.get("/office/certificates/NO-SUCH-1/certificate.pdf").status_code == 404


# Organisations


def test_the_organization_page_lists_its_case_and_certificate(office: Office) -> None:
    walk = certified(office)
    page = office.intake.get(f"/office/organizations/{walk.uscc}")
    assert page.status_code == 200, page.text
    html = page.text
    assert walk.name in html and f"data-uscc>{walk.uscc}<" in html and "上海市浦东新区示例路88号" in html
    assert 'data-may-apply="yes"' in html
    assert f'data-case="{walk.case_id}"' in html and f'href="/office/cases/{walk.case_id}"' in html
    assert "初次认证" in html and "批准认证" in html
    assert f'data-certificate="{walk.number}"' in html and f'href="/office/certificates/{walk.number}"' in html
    assert 'data-status="valid"' in html
    assert f'href="/office/cases/new?uscc={walk.uscc}"' in html
    assert 'data-form="rectifications"' not in html  # the decision's form
    assert 'data-form="rectifications"' in office.decision.get(f"/office/organizations/{walk.uscc}").text


def test_registering_an_organization_with_an_invalid_uscc_shows_r_id_1_and_writes_nothing(office: Office) -> None:
    form = office.intake.get("/office/organizations/new")
    assert form.status_code == 200 and 'data-form="organization"' in form.text
    before = written(office.registry)
    answer = office.intake.post("/office/organizations/new", {"uscc": "91110000600037341X", "name": "错码有限公司",
                                                              "address": "北京市海淀区1号"})
    assert answer.status_code == 422, answer.text
    assert 'data-rule="R-ID-1"' in refusal_of(answer.text)
    assert 'value="错码有限公司"' in answer.text and 'value="91110000600037341X"' in answer.text
    assert written(office.registry) == before


def test_intake_registers_an_organization_and_lands_on_its_page(office: Office) -> None:
    answer = office.intake.post("/office/organizations/new", {"uscc": "91110000600037341L",
                                                              "name": "北京绿能电力有限公司",
                                                              "address": "北京市海淀区中关村大街1号"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/office/organizations/91110000600037341L?done=")
    page = office.intake.get(answer.headers["location"])
    assert "北京绿能电力有限公司" in page.text and "data-done" in page.text
    assert office.registry.get_organization("91110000600037341L").name == "北京绿能电力有限公司"
    again = office.intake.post("/office/organizations/new", {"uscc": "91110000600037341L", "name": "再次",
                                                             "address": "北京"})
    assert again.status_code == 409 and "data-refusal" in again.text


def test_an_organization_there_is_none_of_is_a_404_page(office: Office) -> None:
    assert office.intake.get("/office/organizations/91110000600037341L").status_code == 404
    assert office.intake.get("/office/organizations/not-a-uscc").status_code == 404


def test_a_rectification_refused_is_shown_beside_its_form(office: Office) -> None:
    walk = certified(office)
    before = written(office.registry)
    answer = office.decision.post(f"/office/organizations/{walk.uscc}/rectifications",
                                  {"on": "2026-12-01", "evidence": "整改报告"})
    assert answer.status_code == 422, answer.text
    assert "data-refusal" in answer.text and "整改报告" in answer.text
    assert written(office.registry) == before


def test_r_app_5_a_withdrawal_by_another_body_is_entered_on_the_organisation_page(office: Office) -> None:
    walk = certified(office)
    url = f"/office/organizations/{walk.uscc}"
    before = written(office.registry)
    refused = office.decision.post(f"{url}/withdrawals", {"from_body": "其他认证有限公司",
                                                          "certificate_number": "OTHER-1", "withdrawn_on": "2026-05-01",
                                                          "source": " "})
    assert refused.status_code == 422 and 'data-rule="R-APP-5"' in refused.text and "OTHER-1" in refused.text
    assert written(office.registry) == before
    answer = office.decision.post(f"{url}/withdrawals", {"from_body": "其他认证有限公司",
                                                         "certificate_number": "OTHER-1",
                                                         "withdrawn_on": "2026-05-01", "source": "认监委公开查询"})
    assert answer.status_code == 303, answer.text
    page = office.regulator.get(url).text
    assert 'data-withdrawn="其他认证有限公司 OTHER-1"' in page and 'data-may-apply="no"' in page
    history = office.regulator.get(f"{url}/history").text  # the regulator's history names the event, its source
    assert "其他认证机构撤销的证书" in history and "认监委公开查询" in history


# People and competence


def test_the_person_page_shows_registrations_and_competence(office: Office) -> None:
    leader = office.staff.leader
    page = office.regulator.get(f"/office/people/{leader}")
    assert page.status_code == 200, page.text
    html = page.text
    person = office.registry.get_person(leader)
    assert person.name in html
    for r in person.registrations:
        assert f'data-registration="{r["number"]}"' in html
    assert "CCAA 碳排放管理体系审核员" in html and "能源管理体系审核员" in html
    assert 'data-competence="yes"' in html
    assert f'data-evaluation="{person.evaluations[0].isoformat()}"' in html
    assert 'data-form="violations"' not in html  # the admin's forms
    # Before the registrations began, the competence says why not.
    early = office.regulator.get(f"/office/people/{leader}?on=2014-06-01").text
    assert 'data-competence="no"' in early and 'data-reason="R-TEAM-2" data-clause="§5.3"' in early


def test_an_admin_records_a_violation_and_the_competence_says_why_not(office: Office) -> None:
    member = office.staff.member
    url = f"/office/people/{member}"
    assert 'data-competence="yes"' in office.admin.get(url).text
    answer = office.admin.post(f"{url}/violations", {"on": "2026-10-01", "description": "审核记录造假"})
    assert answer.status_code == 303, answer.text
    page = office.admin.get(answer.headers["location"]).text
    assert 'data-violation="2026-10-01"' in page and "data-done" in page
    assert 'data-competence="no"' in page
    assert 'data-reason="R-TEAM-2" data-clause="§5.1"' in page and "前两年内有违规记录" in page
    assert "2026-10-01" in text_of(re.search(r'<div class="competence".*?</div>', page, re.S).group(0))  # type: ignore[union-attr]
    # The day before the violation they still could.
    assert 'data-competence="yes"' in office.admin.get(f"{url}?on=2026-09-30").text


def test_an_admin_enrols_a_person_and_records_their_facts(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 3, 1)).organization()
    enrolled = office.admin.post("/office/people/new", {"name": "张伟"})
    assert enrolled.status_code == 303, enrolled.text
    url = enrolled.headers["location"].split("?")[0]
    pid = url.rsplit("/", 1)[1]
    assert office.registry.get_person(pid).name == "张伟"
    page = office.admin.get(url).text
    assert 'data-competence="no"' in page and 'data-clause="§5.3"' in page
    steps = {"registrations": {"kind": "ccaa_cems_auditor", "number": "CCAA-2024-0009", "valid_from": "2024-01-01",
                               "valid_until": "2028-12-31"},
             "evaluations": {"on": "2025-01-10", "sectors": "电力\n钢铁"},
             "services": {"client_uscc": walk.uscc, "kind": "consulting", "on": "2025-03-01"}}
    for step, fields in steps.items():
        answer = office.admin.post(f"{url}/{step}", fields)
        assert answer.status_code == 303, (step, answer.text)
    person = office.registry.get_person(pid)
    assert [r["kind"] for r in person.registrations] == [RegistrationKind.CCAA_CEMS_AUDITOR.value]
    assert person.evaluations == (date(2025, 1, 10),)
    page = office.admin.get(url).text
    assert 'data-competence="no"' in page and "R-STAFF-1" in page  # education, experience, training missing
    qualifications = [{"kind": "education", "training": "", "subject": "环境工程 硕士"},
                      {"kind": "work_experience", "training": "", "subject": "能源管理 6 年"},
                      *({"kind": "training", "training": t, "subject": ""} for t in (
                          "carbon_footprint", "life_cycle_assessment", "certification_technique"))]
    for fields in qualifications:
        answer = office.admin.post(f"{url}/qualifications", {**fields, "on": "2024-06-01", "detail": ""})
        assert answer.status_code == 303, answer.text
    assert len(office.registry.get_person(pid).qualifications) == 5
    page = office.admin.get(url).text
    assert 'data-competence="yes"' in page and 'data-subject="life_cycle_assessment"' in page
    assert f'data-service="{walk.uscc}"' in page and f">{walk.name}</a>" in page  # the client by name


def test_a_refused_fact_is_shown_beside_its_form_with_what_was_typed(office: Office) -> None:
    url = f"/office/people/{office.staff.member}"
    before = written(office.registry)
    answer = office.admin.post(f"{url}/registrations", {"kind": "ccaa_cems_auditor", "number": "CCAA-X",
                                                        "valid_from": "2027-01-01", "valid_until": "not a date"})
    assert answer.status_code == 422, answer.text
    section = re.search(r'<details class="step" id="registrations" open>.*?</details>', answer.text, re.S)
    assert section and "data-refusal" in section.group(0) and 'value="CCAA-X"' in section.group(0)
    assert written(office.registry) == before
    future = office.admin.post(f"{url}/violations", {"on": "2027-01-01", "description": "未来"})
    assert future.status_code == 422 and "data-refusal" in future.text
    assert written(office.registry) == before
    not_admin = office.intake.post(f"{url}/violations", {"on": "2026-01-01", "description": "x"})
    assert not_admin.status_code == 403 and "data-refusal" in not_admin.text
    assert written(office.registry) == before


def test_a_person_there_is_none_of_is_a_404_page(office: Office) -> None:
    assert office.admin.get("/office/people/00000000-0000-0000-0000-000000000000").status_code == 404
    assert office.admin.get("/office/people/not-an-id").status_code == 404


def test_the_competence_view_says_who_may_audit_and_why_not(office: Office) -> None:
    outsider = office.registry.enrol_person("外部人员", actor=office.staff.admin).ids["person"]
    office.caught_up()  # the directory lists everyone
    listed = office.decision.get("/office/competence?on=2026-06-01")
    assert listed.status_code == 200, listed.text
    leader, member = (office.registry.get_person(p).name for p in (office.staff.leader, office.staff.member))
    assert "data-listed" in listed.text and leader in listed.text and member in listed.text
    assert f'data-competence="yes" data-person="{office.staff.leader}"' in listed.text
    assert f'data-competence="no" data-person="{outsider}"' in listed.text  # no registration: listed, and why not
    searched = office.decision.get("/office/competence?on=2026-06-01&q=外部").text
    assert "外部人员" in searched and leader not in searched
    asked = office.decision.get(f"/office/competence?on=2026-06-01&id={office.staff.leader}&id={outsider}"
                                "&id=not-an-id").text
    assert "data-listed" not in asked
    assert f'data-competence="yes" data-person="{office.staff.leader}"' in asked
    assert f'data-competence="no" data-person="{outsider}"' in asked and 'data-clause="§5.3"' in asked
    assert "data-unknown" in asked and "外部人员" in asked
    early = office.decision.get(f"/office/competence?on=2010-01-01&ids={office.staff.leader}").text
    assert 'data-competence="no"' in early
