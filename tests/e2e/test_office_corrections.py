"""The office's records part of a certificate's and a case's page (R-REC-3, R-REC-5, R-REC-6): a correction offered
to the role that took the step, shown in the history with the corrected value; a paper original's scan filed and
downloaded; an editable file refused beside its form with nothing written."""

from __future__ import annotations

from datetime import date

from demo.documents import sample_pdf
from demo.scenario import Walk
from registry.values import SuspensionGround
from tests.e2e.office_users import Office
from tests.e2e.test_office_records import certified, refusal_of, text_of, written
from tests.factories import docx


def suspended(office: Office) -> Walk:
    walk = certified(office)
    office.registry.suspend(walk.number or "", date(2026, 10, 2), date(2026, 10, 1), SuspensionGround.MAJOR_DEFECT,
                            "重大缺陷：能源计量器具失效", actor=office.staff.decision)
    return walk


def test_r_rec_6_the_decision_maker_corrects_a_suspensions_detail_and_the_history_shows_both(office: Office) -> None:
    walk = suspended(office)
    url = f"/office/certificates/{walk.number}"
    page = office.decision.get(url).text
    version = office.registry.certificate_by_number(walk.number or "").version  # the suspension, its last event
    target = f"{version}:detail"
    assert f'value="{target}"' in page  # the suspension's detail, offered to the decision role
    assert f'value="{target}"' not in office.intake.get(url).text  # not to intake, which did not take the step

    answer = office.decision.post(f"{url}/corrections", {"target": target, "value": "重大缺陷：能源计量器具未检定",
                                                         "reason": "器具名称记错，据现场记录更正"})
    assert answer.status_code == 303, answer.text

    shown = text_of(office.regulator.get(url).text)
    assert "重大缺陷：能源计量器具未检定" in shown  # the suspension's line shows the corrected detail
    assert "器具名称记错，据现场记录更正" in shown  # and the correction, with what it made the detail
    assert "说明 → 重大缺陷：能源计量器具未检定" in shown


def test_r_rec_6_a_field_that_cannot_be_corrected_is_refused_beside_the_form(office: Office) -> None:
    walk = suspended(office)
    before = written(office.registry)
    answer = office.decision.post(f"/office/certificates/{walk.number}/corrections",
                                  {"target": "2:ground", "value": "enforcement_penalty", "reason": "理由选错"})
    assert answer.status_code == 422
    assert "R-REC-6" in refusal_of(answer.text) and written(office.registry) == before
    assert "理由选错" in answer.text  # what was typed is kept


def test_r_rec_3_intake_files_a_paper_original_and_an_editable_file_is_refused(office: Office) -> None:
    walk = certified(office)
    url = f"/office/certificates/{walk.number}/paper-originals"
    form = {"description": "认证决定书（签字原件）", "held_at": "档案室A区3号柜"}
    before = written(office.registry)
    refused = office.intake.post(url, form, files={"file": ("决定书.docx", docx(), "application/pdf")})
    assert refused.status_code == 422 and "R-REC-5" in refusal_of(refused.text)
    assert written(office.registry) == before

    scan = sample_pdf("signed decision")
    assert office.intake.post(url, form, files={"file": ("决定书.pdf", scan, "application/pdf")}).status_code == 303
    page = office.regulator.get(f"/office/certificates/{walk.number}").text
    assert "档案室A区3号柜" in page
    [sha256] = [e.sha256 for e in office.registry.events.get(office.registry.certificate_by_number(
        walk.number or "").id) if type(e).__name__ == "PaperOriginalFiled"]
    assert f"{url}/{sha256}" in page
    download = office.regulator.get(f"{url}/{sha256}")
    assert download.status_code == 200 and download.content == scan


def test_r_rec_6_intake_corrects_the_scope_applied_for_on_the_case_page(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 11, 2)).organization().apply()
    url = f"/office/cases/{walk.case}"
    assert 'value="1:scope"' in office.intake.get(url).text
    answer = office.intake.post(f"{url}/corrections", {
        "target": "1:scope", "value": "锂电池的设计和生产所涉及的碳排放管理活动", "reason": "范围笔误"})
    assert answer.status_code == 303, answer.text
    assert office.registry.get_case(walk.case).scope == "锂电池的设计和生产所涉及的碳排放管理活动"
    assert "锂电池的设计和生产所涉及的碳排放管理活动" in office.regulator.get(url).text


def test_r_rec_6_the_admin_corrects_a_violations_description_on_the_person_page(office: Office) -> None:
    member = office.staff.member
    office.registry.record_violation(member, date(2026, 3, 2), "未签署公正性声明", actor=office.staff.admin)
    version = office.registry.person(member).version
    url = f"/office/people/{member}"
    assert f'value="{version}:description"' in office.admin.get(url).text
    assert "未签署公正性声明" in text_of(office.regulator.get(url).text)  # the page shows what a violation was

    before = written(office.registry)
    refused = office.admin.post(f"{url}/corrections", {"target": f"{version}:on", "value": "2026-03-03",
                                                      "reason": "日期记错"})
    assert refused.status_code == 422 and "R-REC-6" in refusal_of(refused.text)
    assert written(office.registry) == before and "日期记错" in refused.text  # nothing written, what was typed kept

    answer = office.admin.post(f"{url}/corrections", {"target": f"{version}:description",
                                                      "value": "未按期签署公正性声明（处理决定第3号）",
                                                      "reason": "据处理决定书补正"})
    assert answer.status_code == 303, answer.text
    shown = text_of(office.regulator.get(url).text)
    assert "未按期签署公正性声明（处理决定第3号）" in shown and "未签署公正性声明" not in shown


def test_r_rec_6_the_decision_maker_corrects_a_rectifications_evidence_on_the_organisation_page(
        office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 9, 1)).organization()
    office.registry.record_withdrawal_elsewhere(walk.uscc, "某认证机构", "CEMS-2025-0042", date(2026, 10, 1), "公告",
                                                actor=office.staff.decision)
    office.registry.record_rectification(walk.uscc, date(2026, 11, 2), "整改报告", actor=office.staff.decision)
    version = office.registry.organization_by_uscc(walk.uscc).version
    url = f"/office/organizations/{walk.uscc}"
    assert f'value="{version}:evidence"' in office.decision.get(url).text
    assert f'value="{version}:evidence"' not in office.intake.get(url).text
    answer = office.decision.post(f"{url}/corrections", {"target": f"{version}:evidence", "value": "整改报告及验收记录",
                                                         "reason": "漏记验收记录"})
    assert answer.status_code == 303, answer.text
    assert "整改报告及验收记录" in text_of(office.regulator.get(url).text)
