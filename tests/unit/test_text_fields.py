"""Text the registry records (``registry.text``): refused characters and bounded lengths, held by the application
itself, so a command from the command line or the scheduler is held to them as one over HTTP is.

A refusal names its field and writes nothing (the log position does not move).
"""

from __future__ import annotations

from datetime import date

import pytest

from demo.scenario import Staff, Walk, new_uscc
from registry import text
from registry.application import Registry
from registry.errors import InvalidInput
from registry.values import Changes, Nonconformity, OtherCertification, Severity
from tests.factories import invalid

ADDRESS = "上海市浦东新区示例路88号"
REFUSED_EVERYWHERE = [
    pytest.param("\x00", id="NUL"),
    pytest.param("\x07", id="BEL"),
    pytest.param("\x1b", id="ESC"),
    pytest.param("\x7f", id="DEL"),
    pytest.param("\x85", id="NEL (C1)"),
    pytest.param("\x9b", id="CSI (C1)"),
    pytest.param("\ud800", id="lone high surrogate"),
    pytest.param("\udfff", id="lone low surrogate"),
    pytest.param("\ufdd0", id="noncharacter U+FDD0"),
    pytest.param("\ufffe", id="noncharacter U+FFFE"),
    pytest.param("\U0010ffff", id="noncharacter U+10FFFF"),
]


def test_the_application_refuses_a_nul_in_an_organisation_name_without_the_api(app: Registry, staff: Staff) -> None:
    with invalid(app, "name") as caught:
        app.register_organization(new_uscc(), "北京绿能\x00电力有限公司", ADDRESS, actor=staff.intake)
    assert "U+0000" in caught.value.detail
    assert caught.value.detail.index("含有空字符") < caught.value.detail.index("NUL")  # Chinese first


@pytest.mark.parametrize("bad", REFUSED_EVERYWHERE)
def test_a_control_character_surrogate_or_noncharacter_is_refused_in_a_name(app: Registry, staff: Staff,
                                                                           bad: str) -> None:
    with invalid(app, "name") as caught:
        app.enrol_person(f"张{bad}伟", actor=staff.admin)
    assert f"U+{ord(bad):04X}" in caught.value.detail


@pytest.mark.parametrize("bad", REFUSED_EVERYWHERE)
def test_a_control_character_surrogate_or_noncharacter_is_refused_in_prose(app: Registry, staff: Staff,
                                                                          bad: str) -> None:
    person = app.enrol_person("张伟", actor=staff.admin).ids["person"]
    with invalid(app, "description"):
        app.record_violation(person, date(2025, 6, 1), f"未按规定记录{bad}审核时间", actor=staff.admin)


@pytest.mark.parametrize("brk", ["\n", "\r", "\t", "\u2028", "\u202e", "\u2066"])
def test_a_name_is_one_line_without_bidirectional_controls(app: Registry, staff: Staff, brk: str) -> None:
    with invalid(app, "address"):
        app.register_organization(new_uscc(), "北京绿能电力有限公司", f"北京市{brk}海淀区", actor=staff.intake)


def test_prose_may_break_lines_and_hold_tabs(app: Registry, staff: Staff) -> None:
    person = app.enrol_person("张伟", actor=staff.admin).ids["person"]
    app.record_violation(person, date(2025, 6, 1), "第一条\r\n第二条\t见附件", actor=staff.admin)


def test_a_name_of_the_longest_length_is_kept_and_one_character_more_is_refused(app: Registry,
                                                                                staff: Staff) -> None:
    longest = "名" * text.NAME.max_length
    person = app.enrol_person(longest, actor=staff.admin).ids["person"]
    assert app.get_person(person).name == longest
    with invalid(app, "name") as caught:
        app.enrol_person(longest + "名", actor=staff.admin)
    assert f"{text.NAME.max_length + 1}" in caught.value.detail


def test_a_ten_megabyte_organisation_name_is_refused(app: Registry, staff: Staff) -> None:
    with invalid(app, "name"):
        app.register_organization(new_uscc(), "大" * 10_000_000, ADDRESS, actor=staff.intake)


def test_prose_is_bounded(app: Registry, staff: Staff) -> None:
    person = app.enrol_person("张伟", actor=staff.admin).ids["person"]
    app.record_violation(person, date(2025, 6, 1), "记" * text.PROSE.max_length, actor=staff.admin)
    with invalid(app, "description"):
        app.record_violation(person, date(2025, 6, 1), "记" * (text.PROSE.max_length + 1), actor=staff.admin)


def test_a_list_longer_than_its_bound_is_refused(app: Registry, staff: Staff) -> None:
    person = app.enrol_person("张伟", actor=staff.admin).ids["person"]
    with invalid(app, "sectors"):
        app.record_evaluation(person, date(2025, 1, 10), ["电力"] * (text.ITEMS + 1), actor=staff.admin)


def test_a_nul_in_a_nested_field_of_an_application_is_refused_by_its_path(walk: Walk) -> None:
    walk.organization()
    certification = OtherCertification("EnMS", "EnMS-2024\x00-001", date(2027, 1, 1))
    with invalid(walk.app, "other_certifications.0.certificate_number"):
        walk.apply(other_certifications=[certification])


def test_a_lone_surrogate_in_the_scope_is_refused_rather_than_failing_the_store(walk: Walk) -> None:
    walk.organization()
    with invalid(walk.app, "scope"):
        walk.apply(scope="电力生产\udc80的碳排放管理活动")


def test_a_nul_in_a_nonconformity_is_refused(walk: Walk) -> None:
    walk.to_team().stage1()
    finding = Nonconformity("NC-1", Severity.MAJOR, "能源计量器具\x00未校准")
    with invalid(walk.app, "nonconformities.0.description"):
        walk.stage2(nonconformities=[finding])


def test_a_nul_in_a_suspension_detail_or_a_change_request_is_refused(walk: Walk) -> None:
    walk.to_certificate()
    assert walk.number is not None
    with invalid(walk.app, "detail"):
        walk.app.suspend(walk.number, walk.day(40), walk.day(40), "enforcement_penalty", "行政\x00处罚",
                         actor=walk.staff.decision)
    with invalid(walk.app, "changes.name"):
        walk.app.request_change(walk.number, walk.day(40), walk.day(38), Changes(name="新名称\x00有限公司"),
                                actor=walk.staff.intake)


def test_a_document_is_stored_as_a_document_type_under_a_file_name_without_a_folder(walk: Walk) -> None:
    walk.organization().apply()
    for content_type in ("Application/PDF", "application/pdf; charset=utf-8", "pdf", "text/html", "image/svg+xml"):
        with invalid(walk.app, "content_type"):
            walk.app.receive_document(walk.case, "application_form", walk.day(1), b"%PDF", actor=walk.staff.intake,
                                      content_type=content_type, filename="form.pdf")
    for filename in ("../../etc/passwd", "C:\\form.pdf", "form\x00.pdf", "f" * (text.NAME.max_length + 1)):
        with invalid(walk.app, "filename"):
            walk.app.receive_document(walk.case, "application_form", walk.day(1), b"%PDF", actor=walk.staff.intake,
                                      content_type="application/pdf", filename=filename)
    walk.app.receive_document(walk.case, "application_form", walk.day(1), b"%PDF", actor=walk.staff.intake,
                              content_type="application/octet-stream", filename="申请书 (2026).pdf")


def test_every_new_event_is_guarded_even_where_its_command_checks_nothing(walk: Walk) -> None:
    """``Organization.note_certificate`` checks no text of its own (the number is the registry's): the guard on
    every new event still refuses a NUL, before anything exists to be saved."""
    walk.organization()
    org = walk.app.organization_by_uscc(walk.uscc)
    before = walk.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as caught:
        org.note_certificate("CB-CEMS-2026-\x0000001", walk.day(30), actor=walk.staff.decision,
                             now=walk.app.clock.now())
    assert caught.value.field == "number"
    assert not org.collect_events()
    assert walk.app.recorder.max_notification_id() == before



@pytest.mark.parametrize(("sent", "kept"), [
    ("C:\\Users\\张伟\\申请书.pdf", "申请书.pdf"),
    ("../../etc/passwd", "passwd"),
    ("报告\x00\u202e.pdf\r\n", "报告.pdf"),
    ("..", ""),
    (None, ""),
])
def test_an_uploads_file_name_is_kept_without_its_folder_or_refused_characters(sent: str | None, kept: str) -> None:
    assert text.document_file_name(sent) == kept
    text.check_file_name("filename", kept)


def test_a_long_file_name_is_shortened_to_a_name_keeping_its_extension() -> None:
    kept = text.document_file_name("报" * 1000 + ".docx")
    assert len(kept) == text.NAME.max_length and kept.endswith(".docx")
    text.check_file_name("filename", kept)


@pytest.mark.parametrize(("sent", "kept"), [
    ("Application/PDF; charset=binary", "application/pdf"),
    ("image/jpg", "image/jpeg"),
    ("text/html", "application/octet-stream"),
    ("image/svg+xml", "application/octet-stream"),
    ("application/pdf\x00", "application/octet-stream"),
    (None, "application/octet-stream"),
])
def test_an_uploads_content_type_is_a_document_type_or_octet_stream(sent: str | None, kept: str) -> None:
    assert text.document_content_type(sent) == kept
    text.check_document_type("content_type", kept)


def test_a_certificate_number_with_a_surrogate_is_refused_not_a_crash(app: Registry) -> None:
    with pytest.raises(InvalidInput) as caught:
        app.get_certificate("CB-CEMS-2026-\ud83d00001")
    assert caught.value.field == "number"
