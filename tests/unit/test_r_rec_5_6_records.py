"""R-REC-5 (records in non-editable formats, read from their bytes) and R-REC-6 (a correction names the event it
corrects, who and why; views show the corrected value, the history both), on the domain."""

from __future__ import annotations

from datetime import date

import pytest

from demo.documents import sample_pdf
from demo.scenario import Staff, Walk
from registry.application import Registry
from registry.errors import NotPermitted, RuleViolation
from registry.history import HistoryEntry
from registry.identifiers import certificate_id
from registry.intake import CaseIntake
from registry.values import SuspensionGround
from tests.factories import certified, docx, invalid, ofd, position_of, refused

TODAY = date(2026, 11, 24)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# R-REC-5: non-editable formats only, read from the bytes


@pytest.mark.parametrize(("content", "recorded"), [(sample_pdf("form"), "application/pdf"), (PNG, "image/png"),
                                                   (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
                                                   (ofd(), "application/ofd")])
def test_r_rec_5_a_pdf_an_image_or_an_ofd_is_recorded_with_the_format_its_bytes_are(walk: Walk, content: bytes,
                                                                                    recorded: str) -> None:
    walk.organization().apply()
    walk.app.receive_document(walk.case, "application_form", walk.day(1), content,
                              content_type="application/octet-stream", filename="申请书", actor=walk.staff.intake)
    received = [e for e in walk.app.events.get(walk.case) if isinstance(e, CaseIntake.DocumentReceived)]
    assert received[-1].content_type == recorded


@pytest.mark.parametrize(("content", "named"), [(docx(), "Word"), (b"plain words, editable", "无法识别"),
                                                (b"{\\rtf1 editable}", "RTF")])
def test_r_rec_5_an_editable_or_unknown_file_is_refused_naming_the_accepted_formats(walk: Walk, content: bytes,
                                                                                  named: str) -> None:
    walk.organization().apply()
    with refused(walk.app, RuleViolation, "R-REC-5", "§13") as caught:
        walk.app.receive_document(walk.case, "application_form", walk.day(1), content,
                                  content_type="application/pdf", filename="申请书.pdf", actor=walk.staff.intake)
    detail = caught.value.detail
    assert named in detail and "PDF、OFD、PNG" in detail
    assert detail.index("不可编辑") < detail.index("non-editable")  # Chinese first


def test_r_rec_5_a_paper_originals_scan_is_a_pdf_or_an_image(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-REC-5", "§13"):
        app.file_paper_original("certificate", number, docx(), "认证决定书签字原件", "档案室A区", TODAY,
                                actor=staff.intake)
    sha256 = app.file_paper_original("certificate", number, PNG, "认证决定书签字原件", "档案室A区", TODAY,
                                     actor=staff.intake).ids["sha256"]
    kept = app.paper_original("certificate", number, sha256)
    assert (kept.content, kept.content_type) == (PNG, "image/png")


# R-REC-6: corrections


def suspended(app: Registry, staff: Staff, walk: Walk) -> tuple[str, int]:
    number = certified(walk)
    position = app.suspend(number, date(2026, 10, 2), date(2026, 10, 1), SuspensionGround.MAJOR_DEFECT,
                           "重大缺陷：能源计量器具失效", actor=staff.decision).position
    return number, position


def entry_at(history: list[HistoryEntry], position: int) -> HistoryEntry:
    return next(e for e in history if e.position == position)


def test_r_rec_6_a_correction_shows_the_corrected_value_and_the_history_both(app: Registry, staff: Staff,
                                                                            walk: Walk) -> None:
    number, position = suspended(app, staff, walk)
    before = entry_at(app.certificate_history(number), position)

    written = app.record_correction("certificate", number, position, "器具名称记错，据现场记录更正", TODAY,
                                    changes={"detail": "重大缺陷：能源计量器具未检定"}, actor=staff.decision)

    history = app.certificate_history(number)
    corrected = entry_at(history, position)
    assert corrected.data == before.data and corrected.leaf_hash == before.leaf_hash  # as recorded, still proved
    assert corrected.shown["detail"] == "重大缺陷：能源计量器具未检定"
    assert corrected.corrections == ({"field": "detail", "value": "重大缺陷：能源计量器具未检定",
                                      "was": "重大缺陷：能源计量器具失效", "position": written.position,
                                      "reason": "器具名称记错，据现场记录更正", "on": TODAY.isoformat()},)
    correction = entry_at(history, written.position)
    assert correction.type == "CorrectionRecorded" and correction.actor["role"] == "decision"
    assert correction.data["changes"] == {"detail": "重大缺陷：能源计量器具未检定"}


def test_r_rec_6_a_second_correction_says_what_the_first_made_it(app: Registry, staff: Staff, walk: Walk) -> None:
    number, position = suspended(app, staff, walk)
    for value in ("第一次更正", "第二次更正"):
        app.record_correction("certificate", number, position, "更正", TODAY, changes={"detail": value},
                              actor=staff.decision)
    corrections = entry_at(app.certificate_history(number), position).corrections
    assert [(c["was"], c["value"]) for c in corrections] == [("重大缺陷：能源计量器具失效", "第一次更正"),
                                                             ("第一次更正", "第二次更正")]


def test_r_rec_6_what_an_event_decides_is_not_corrected(app: Registry, staff: Staff, walk: Walk) -> None:
    number, position = suspended(app, staff, walk)
    with refused(app, RuleViolation, "R-REC-6", "§13") as caught:
        app.record_correction("certificate", number, position, "理由选错", TODAY,
                              changes={"ground": "enforcement_penalty"}, actor=staff.decision)
    assert "detail" in caught.value.detail  # names what may be corrected


def test_r_rec_6_a_correction_is_made_in_the_role_of_the_corrected_step(app: Registry, staff: Staff,
                                                                       walk: Walk) -> None:
    number, position = suspended(app, staff, walk)
    with refused(app, NotPermitted):
        app.record_correction("certificate", number, position, "更正", TODAY, changes={"detail": "更正后"},
                              actor=staff.intake)


def test_r_rec_6_a_corrected_value_is_checked_as_the_field_is(app: Registry, staff: Staff, walk: Walk) -> None:
    number, position = suspended(app, staff, walk)
    with invalid(app, "changes.detail"):
        app.record_correction("certificate", number, position, "更正", TODAY, changes={"detail": "含\x00空字符"},
                              actor=staff.decision)


def test_r_rec_6_the_scope_applied_for_is_corrected_in_the_case_until_a_certificate_is_granted(
        app: Registry, staff: Staff, walk: Walk) -> None:
    walk.organization().apply()
    applied = position_of(app, walk.case, 1)
    app.record_correction("case", str(walk.case), applied, "范围中工厂地址笔误", TODAY,
                          changes={"scope": "新能源电池的设计和生产所涉及的碳排放管理活动（更正）"}, actor=staff.intake)
    assert app.get_case(walk.case).scope == "新能源电池的设计和生产所涉及的碳排放管理活动（更正）"

    walk.documents().accept().agree().programme().team().stage1().stage2().report().decide()
    with refused(app, RuleViolation, "R-REC-6", "§13"):
        app.record_correction("case", str(walk.case), applied, "再改范围", TODAY, changes={"scope": "另一范围"},
                              actor=staff.intake)
    assert app.get_case(walk.case).scope == "新能源电池的设计和生产所涉及的碳排放管理活动（更正）"
    assert app.get_certificate(walk.number or "").scope == app.get_case(walk.case).scope
    assert certificate_id(walk.number or "") is not None


def test_r_rec_6_a_persons_violation_and_qualification_are_corrected_and_the_view_shows_the_corrected_words(
        app: Registry, staff: Staff) -> None:
    violation = app.record_violation(staff.member, date(2026, 3, 2), "未按规定签署公正性声明",
                                     actor=staff.admin).position
    qualification = app.record_qualification(staff.member, "education", "环境工程", date(2015, 7, 1), "某大学本科",
                                             actor=staff.admin).position
    app.record_correction("person", str(staff.member), violation, "据处理决定书补正", TODAY,
                          changes={"description": "未按规定签署公正性声明（2026年第3号处理决定）"}, actor=staff.admin)
    app.record_correction("person", str(staff.member), qualification, "学校名称记错", TODAY,
                          changes={"detail": "另一大学本科"}, actor=staff.admin)

    person = app.get_person(staff.member)
    assert [v["description"] for v in person.violation_records] == ["未按规定签署公正性声明（2026年第3号处理决定）"]
    assert person.violations == (date(2026, 3, 2),)  # what the violation decides stands as recorded
    assert [q["detail"] for q in person.qualifications if q["subject"] == "环境工程"] == ["另一大学本科"]
    recorded = [e for e in app.events.get(staff.member) if type(e).__name__ == "ViolationRecorded"]
    assert recorded[0].description == "未按规定签署公正性声明"  # nothing edited


def test_r_rec_6_a_persons_name_is_not_corrected_it_has_no_correctable_field(app: Registry, staff: Staff) -> None:
    enrolled = position_of(app, staff.member, 1)
    with refused(app, RuleViolation, "R-REC-6", "§13") as caught:
        app.record_correction("person", str(staff.member), enrolled, "姓名", TODAY, changes={"name": "另一姓名"},
                              actor=staff.admin)
    assert "无 none" in caught.value.detail


def test_r_rec_6_an_organisations_rectification_evidence_is_corrected_in_its_history(app: Registry, staff: Staff,
                                                                                   walk: Walk) -> None:
    walk.organization()
    app.record_withdrawal_elsewhere(walk.uscc, "某认证机构", "CEMS-2025-0042", date(2026, 10, 1), "该机构官网公告",
                                    actor=staff.decision)
    rectified = app.record_rectification(walk.uscc, date(2026, 11, 2), "整改报告", actor=staff.decision).position
    with refused(app, NotPermitted):  # the step was the decision maker's
        app.record_correction("organization", walk.uscc, rectified, "补正", TODAY,
                              changes={"evidence": "整改报告及验收记录"}, actor=staff.intake)
    app.record_correction("organization", walk.uscc, rectified, "漏记验收记录", TODAY,
                          changes={"evidence": "整改报告及验收记录"}, actor=staff.decision)
    entry = entry_at(app.organization_history(walk.uscc), rectified)
    assert entry.data["evidence"] == "整改报告"
    assert [(c["was"], c["value"]) for c in entry.corrections] == [("整改报告", "整改报告及验收记录")]
