"""Identifiers and the application (§8.1, §6, §12): R-ID-1, R-APP-1..5, R-GHG-1, R-TRF-1.

Each rule is checked at both edges: the case that just passes and the one that is just refused. A refusal names its
rule and clause and writes nothing (the global log position does not move).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.scenario import Staff, Walk
from registry.application import Registry
from registry.errors import InvalidInput, RegistryError, RuleViolation
from registry.identifiers import USCC_CHARSET, uscc_check_character, validate_uscc
from registry.values import (
    DocumentKind,
    EmissionControl,
    Level,
    Method,
    OtherCertification,
    ScopeLevel,
    SuspensionGround,
    TransferInfo,
    TransferStatus,
    TransferVerification,
)
from tests.factories import invalid, refused

APPLIED = date(2026, 3, 2)  # the walk fixture's application date (a Monday)


def reference_check_character(first17: str) -> str:
    """GB 32100-2015 written out again, independently of the registry: weights 3^(i-1) mod 31, 31 → '0'."""
    total = sum(USCC_CHARSET.index(c) * (3 ** i % 31) for i, c in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


def transfer_of(status: TransferStatus = TransferStatus.VALID, valid_until: date = date(2027, 6, 30),
                reason: str = "原认证机构停止碳排放管理体系认证业务") -> TransferInfo:
    return TransferInfo(from_body="其他认证有限公司", certificate_number="OTHER-CEMS-2024-00042", status=status,
                        valid_until=valid_until, reason=reason, issued_on=date(2024, 7, 1),
                        verification=TransferVerification("认监委认证认可信息公共服务平台", date(2026, 3, 2), status))


# R-ID-1: the Unified Social Credit Code


@pytest.mark.parametrize("uscc", ["91350100M000100Y43", "91110000600037341L", "914403001922038216"])
def test_r_id_1_valid_usccs_are_accepted(app: Registry, staff: Staff, uscc: str) -> None:
    # given a valid code (91350100M…: a letter among the first eight, which python-stdnum wrongly rejects)
    # when the organisation is registered
    app.register_organization(uscc, "示例能源有限公司", "福建省福州市示例路1号", actor=staff.intake)

    # then it is on record under that code
    assert app.get_organization(uscc).uscc == uscc


def test_r_id_1_a_lower_case_code_is_accepted_and_normalised(app: Registry, staff: Staff) -> None:
    written = app.register_organization("91350100m000100y43", "示例能源有限公司", "福建省福州市示例路1号",
                                        actor=staff.intake)

    assert written.ids["uscc"] == "91350100M000100Y43"


def test_r_id_1_check_character_31_is_written_0_and_accepted(app: Registry, staff: Staff) -> None:
    # given a body whose weighted sum is a multiple of 31, so that 31 − 0 = 31, written '0'
    body = "91110105000002100"
    assert sum(USCC_CHARSET.index(c) * (3 ** i % 31) for i, c in enumerate(body)) % 31 == 0
    assert uscc_check_character(body) == "0"

    app.register_organization(body + "0", "示例能源有限公司", "北京市东城区示例路1号", actor=staff.intake)

    assert app.get_organization(body + "0").uscc == body + "0"


def test_r_id_1_check_character_31_written_otherwise_is_refused(app: Registry, staff: Staff) -> None:
    with refused(app, RuleViolation, "R-ID-1", "GB 32100-2015"):
        app.register_organization("91110105000002100" + "1", "示例能源有限公司", "北京市东城区示例路1号",
                                  actor=staff.intake)


@pytest.mark.parametrize(("uscc", "why"), [
    ("91350100M000100Y44", "check character"),  # a character of the set, but the wrong one
    ("91350100M000100Y4Z", "outside"),  # Z is not in the code's character set
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y430", "18 characters"),
    ("", "18 characters"),
])
def test_r_id_1_invalid_usccs_are_refused(app: Registry, staff: Staff, uscc: str, why: str) -> None:
    with refused(app, RuleViolation, "R-ID-1", "GB 32100-2015") as refusal:
        app.register_organization(uscc, "示例能源有限公司", "福建省福州市示例路1号", actor=staff.intake)

    assert why in refusal.value.detail


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_r_id_1_a_character_outside_the_charset_is_refused(app: Registry, staff: Staff, letter: str) -> None:
    # given the first valid example with one letter the code's set leaves out (to avoid confusion with 1, 0, 5, U, 2)
    code = "91350100" + letter + "000100Y43"

    with refused(app, RuleViolation, "R-ID-1", "GB 32100-2015") as refusal:
        app.register_organization(code, "示例能源有限公司", "福建省福州市示例路1号", actor=staff.intake)

    assert letter in refusal.value.detail


@settings(max_examples=300, database=None)
@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17))
def test_r_id_1_check_character_agrees_with_the_standard_for_any_body(body: str) -> None:
    expected = reference_check_character(body)

    assert uscc_check_character(body) == expected
    assert validate_uscc(body + expected) == body + expected
    wrong = next(c for c in USCC_CHARSET if c != expected)
    with pytest.raises(RuleViolation) as caught:
        validate_uscc(body + wrong)
    assert caught.value.rule == "R-ID-1"


# R-APP-1: a registered legal entity with a name and an address


def test_r_app_1_an_organisation_with_name_and_address_is_registered(app: Registry, staff: Staff) -> None:
    walk = Walk(app, staff, APPLIED).organization(name="福州示例电力有限公司", address="福建省福州市示例路1号")

    view = app.get_organization(walk.uscc)
    assert (view.name, view.address) == ("福州示例电力有限公司", "福建省福州市示例路1号")


@pytest.mark.parametrize(("name", "address"), [("", "福建省福州市示例路1号"), ("   ", "福建省福州市示例路1号"),
                                               ("福州示例电力有限公司", ""), ("福州示例电力有限公司", "  ")])
def test_r_app_1_missing_name_or_address_is_refused(app: Registry, staff: Staff, name: str, address: str) -> None:
    with refused(app, RuleViolation, "R-APP-1", "§8.1"):
        app.register_organization("91350100M000100Y43", name, address, actor=staff.intake)


# R-APP-2: the CEMS has run ≥ 3 months (≥ 1 month when exempt) before the application date


def assert_accepted_on_eligibility(walk: Walk) -> None:
    view = walk.app.get_case(walk.case)
    assert view.eligible
    assert view.eligibility_gaps == ()
    walk.documents().accept()
    assert walk.app.get_case(walk.case).stage == "accepted"


def assert_refused_on_eligibility(walk: Walk, rule: str = "R-APP-2") -> None:
    """The application is recorded, ineligible; acceptance is refused; a not-accept notice is still possible."""
    view = walk.app.get_case(walk.case)
    assert view.stage == "applied"
    assert not view.eligible
    assert [g["rule"] for g in view.eligibility_gaps] == [rule]
    walk.documents()

    with refused(walk.app, RuleViolation, rule, "§8.1"):
        walk.accept()

    walk.accept(accepted=False, reasons="不满足申请条件")
    assert walk.app.get_case(walk.case).stage == "not_accepted"


@pytest.mark.parametrize(("applied", "since", "exemption"), [
    (APPLIED, date(2025, 12, 2), {}),
    # applied 2026-05-31: three calendar months back is 2026-02-28 (February has no 31st)
    (date(2026, 5, 31), date(2026, 2, 28), {}),
    (APPLIED, date(2025, 12, 2), {"emission_control": EmissionControl(controlled=True, cycles_completed=0)}),
], ids=["exactly three months", "three months back from a month end, clamped",
        "emission controlled with no completed cycle, exactly three months"])
def test_r_app_2_cems_running_three_months_is_eligible(app: Registry, staff: Staff, applied: date, since: date,
                                                       exemption: dict[str, Any]) -> None:
    walk = Walk(app, staff, applied).organization().apply(cems_operating_since=since, **exemption)

    assert_accepted_on_eligibility(walk)


@pytest.mark.parametrize(("applied", "since"), [
    (APPLIED, date(2025, 12, 3)),
    (date(2026, 5, 31), date(2026, 3, 1)),
], ids=["one day short of three months", "the day after the clamped month end"])
def test_r_app_2_cems_running_less_than_three_months_is_refused_at_acceptance(app: Registry, staff: Staff,
                                                                               applied: date, since: date) -> None:
    walk = Walk(app, staff, applied).organization().apply(cems_operating_since=since)

    assert_refused_on_eligibility(walk)


@pytest.mark.parametrize("exemption", [
    {"emission_control": EmissionControl(controlled=True, cycles_completed=1)},
    # the other certification is valid through the application date itself
    {"other_certifications": [OtherCertification("EMS", "EMS-2024-001", APPLIED)]},
    {"other_certifications": [OtherCertification("EnMS", "EnMS-2024-001", APPLIED)]},
], ids=["emission controlled with one completed cycle", "valid EMS certification", "valid EnMS certification"])
def test_r_app_2_an_exempt_cems_running_exactly_one_month_is_eligible(walk: Walk, exemption: dict[str, Any]) -> None:
    walk.organization().apply(cems_operating_since=date(2026, 2, 2), **exemption)

    assert_accepted_on_eligibility(walk)


@pytest.mark.parametrize("exemption", [
    {"emission_control": EmissionControl(controlled=True, cycles_completed=1)},
    {"other_certifications": [OtherCertification("EMS", "EMS-2024-001", date(2027, 1, 1))]},
], ids=["emission controlled with one completed cycle", "valid EMS certification"])
def test_r_app_2_an_exempt_cems_one_day_short_of_one_month_is_refused(walk: Walk, exemption: dict[str, Any]) -> None:
    walk.organization().apply(cems_operating_since=date(2026, 2, 3), **exemption)

    assert_refused_on_eligibility(walk)


@pytest.mark.parametrize("non_exemption", [
    {"emission_control": EmissionControl(controlled=True, cycles_completed=0)},
    {"emission_control": EmissionControl(controlled=False, cycles_completed=3)},
    # expired the day before the application
    {"other_certifications": [OtherCertification("EMS", "EMS-2023-001", APPLIED - timedelta(days=1))]},
    {"other_certifications": [OtherCertification("QMS", "QMS-2024-001", date(2027, 1, 1))]},
], ids=["emission controlled with no completed cycle", "completed cycles without emission control",
        "an expired EMS certification", "a quality certification"])
def test_r_app_2_what_does_not_exempt_leaves_one_month_refused(walk: Walk, non_exemption: dict[str, Any]) -> None:
    walk.organization().apply(cems_operating_since=date(2026, 2, 2), **non_exemption)

    assert_refused_on_eligibility(walk)


# R-APP-3: the commitment to report major carbon-related incidents


def test_r_app_3_with_the_incident_report_commitment_the_application_is_accepted(walk: Walk) -> None:
    walk.organization().apply(incident_report_commitment=True)

    assert_accepted_on_eligibility(walk)


def test_r_app_3_without_the_incident_report_commitment_acceptance_is_refused(walk: Walk) -> None:
    walk.organization().apply(incident_report_commitment=False)

    assert_refused_on_eligibility(walk, rule="R-APP-3")


# R-APP-4: the eleven documents of §8.1, stored by SHA-256


def test_r_app_4_the_checklist_has_eleven_documents() -> None:
    assert len(DocumentKind) == 11


def test_r_app_4_all_eleven_documents_received_allows_acceptance(walk: Walk) -> None:
    walk.organization().apply().documents()
    assert walk.app.get_case(walk.case).missing_documents == ()

    walk.accept()

    assert walk.app.get_case(walk.case).stage == "accepted"


def test_r_app_4_acceptance_with_a_missing_document_is_refused_and_the_case_lists_it(walk: Walk) -> None:
    walk.organization().apply().documents(skip=(DocumentKind.CARBON_REVIEW_REPORT, DocumentKind.SITES_LIST))

    view = walk.app.get_case(walk.case)
    assert view.missing_documents == ("sites_list", "carbon_review_report")
    with refused(walk.app, RuleViolation, "R-APP-4", "§8.1") as refusal:
        walk.accept()
    assert "carbon_review_report" in refusal.value.detail and "sites_list" in refusal.value.detail


def test_r_app_4_acceptance_dated_before_the_last_document_arrived_is_refused(walk: Walk) -> None:
    # given documents received on 2026-03-09 (entered the same day or later)
    walk.organization().apply().documents(on=date(2026, 3, 9))
    before = walk.app.recorder.max_notification_id()

    # when the acceptance is dated 2026-03-04, when the checklist was still empty, then it is refused: on that date
    # the documents were incomplete (R-APP-4), or the date is impossible (before the documents it rests on)
    with pytest.raises(RegistryError) as caught:
        walk.accept(decided_on=date(2026, 3, 4))

    error = caught.value
    assert (isinstance(error, RuleViolation) and (error.rule, error.clause) == ("R-APP-4", "§8.1")) or (
        isinstance(error, InvalidInput) and error.field == "decided_on")
    assert walk.app.recorder.max_notification_id() == before
    assert walk.app.get_case(walk.case).stage == "applied"


def test_r_app_4_a_document_is_stored_as_bytes_by_its_sha256(walk: Walk) -> None:
    walk.organization().apply()
    content = b"%PDF-1.7\n" + "碳评审报告（2026年度）".encode()

    written = walk.app.receive_document(walk.case, DocumentKind.CARBON_REVIEW_REPORT, walk.day(1), content,
                                        content_type="application/pdf", filename="碳评审报告.pdf",
                                        actor=walk.staff.intake)

    sha = written.ids["sha256"]
    assert sha == hashlib.sha256(content).hexdigest()
    assert walk.app.document(sha) == content
    assert walk.app.get_case(walk.case).documents["carbon_review_report"] == sha


def test_r_app_4_an_empty_document_is_refused(walk: Walk) -> None:
    walk.organization().apply()

    with invalid(walk.app, "file"):
        walk.app.receive_document(walk.case, DocumentKind.APPLICATION_FORM, walk.day(1), b"",
                                  actor=walk.staff.intake)


def test_r_app_4_an_unknown_document_kind_is_refused(walk: Walk) -> None:
    walk.organization().apply()

    with invalid(walk.app, "kind"):
        walk.app.receive_document(walk.case, "tax_return", walk.day(1), b"%PDF-1.7", actor=walk.staff.intake)


# R-APP-5: no new application after a withdrawal until a rectification is recorded


def withdrawn_organisation(walk: Walk) -> Walk:
    walk.to_certificate()
    assert walk.number is not None
    walk.app.withdraw(walk.number, date(2026, 5, 5), date(2026, 5, 1), SuspensionGround.MAJOR_DEFECT,
                      "体系存在重大缺陷", actor=walk.staff.admin)
    return walk


def test_r_app_5_after_a_withdrawal_a_new_application_is_recorded_and_refused_at_acceptance(walk: Walk) -> None:
    withdrawn_organisation(walk)
    again = Walk(walk.app, walk.staff, date(2026, 6, 15), uscc=walk.uscc)

    again.apply().documents()  # every application is recorded, eligible or not (API.md)
    case = walk.app.get_case(again.case)
    assert not case.eligible and [g["rule"] for g in case.eligibility_gaps] == ["R-APP-5"]
    with refused(walk.app, RuleViolation, "R-APP-5", "§12") as refusal:
        again.accept()

    assert walk.number is not None and walk.number in refusal.value.detail
    assert not walk.app.get_organization(walk.uscc).may_apply
    again.accept(accepted=False, reasons="证书被撤销后尚未整改")  # only a not-accept is possible
    assert walk.app.get_case(again.case).stage == "not_accepted"


def test_r_app_5_a_rectification_dated_before_the_withdrawal_does_not_lift_it(walk: Walk) -> None:
    withdrawn_organisation(walk)  # withdrawn on 2026-05-05
    with refused(walk.app, RuleViolation, "R-APP-5", "§12") as refusal:
        walk.app.record_rectification(walk.uscc, date(2026, 5, 4), "整改完成", actor=walk.staff.admin)
    assert "2026-05-05" in refusal.value.detail
    walk.app.record_rectification(walk.uscc, date(2026, 5, 5), "整改完成", actor=walk.staff.admin)
    assert walk.app.get_organization(walk.uscc).may_apply


def test_r_app_5_a_withdrawal_by_another_body_bars_an_application_until_rectified(walk: Walk) -> None:
    walk.organization()
    walk.app.record_withdrawal_elsewhere(walk.uscc, "其他认证有限公司", "OTHER-CEMS-2025-00107", date(2026, 1, 20),
                                         "认监委公开查询", actor=walk.staff.decision)
    org = walk.app.get_organization(walk.uscc)
    assert not org.may_apply and org.withdrawn == ("其他认证有限公司 OTHER-CEMS-2025-00107",)
    walk.apply().documents()
    with refused(walk.app, RuleViolation, "R-APP-5", "§12"):
        walk.accept()
    with refused(walk.app, RuleViolation, "R-APP-5", "§12"):
        walk.app.record_withdrawal_elsewhere(walk.uscc, "其他认证有限公司", "OTHER-2", date(2026, 1, 20), " ",
                                             actor=walk.staff.decision)
    walk.app.record_rectification(walk.uscc, date(2026, 2, 1), "整改完成", actor=walk.staff.decision)
    assert walk.app.get_organization(walk.uscc).may_apply


def test_r_app_5_after_a_rectification_a_new_application_is_accepted(walk: Walk) -> None:
    withdrawn_organisation(walk)
    walk.app.record_rectification(walk.uscc, date(2026, 6, 10), "整改完成，重大缺陷已消除", actor=walk.staff.admin)
    again = Walk(walk.app, walk.staff, date(2026, 6, 15), uscc=walk.uscc)

    again.apply().documents().accept()

    assert walk.app.get_organization(walk.uscc).may_apply
    assert walk.app.get_case(again.case).stage == "accepted"


def test_r_app_5_a_rectification_without_a_withdrawal_is_refused(walk: Walk) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-APP-5", "§12"):
        walk.app.record_rectification(walk.uscc, date(2026, 6, 10), "整改完成", actor=walk.staff.admin)


# R-GHG-1: each level of the scope with a method allowed for it


ALLOWED = [
    (Level.ORGANIZATION, Method.ISO_14064_1), (Level.ORGANIZATION, Method.NATIONAL_STANDARD),
    (Level.ORGANIZATION, Method.SECTOR_STANDARD), (Level.ORGANIZATION, Method.GROUP_STANDARD),
    (Level.PRODUCT, Method.ISO_14067), (Level.PRODUCT, Method.NATIONAL_STANDARD),
    (Level.PRODUCT, Method.SECTOR_STANDARD), (Level.PRODUCT, Method.GROUP_STANDARD),
    (Level.PROJECT, Method.ISO_14064_2), (Level.PROJECT, Method.PROJECT_METHODOLOGY),
    (Level.ACTIVITY, Method.LARGE_EVENT_GUIDE), (Level.ACTIVITY, Method.NATIONAL_STANDARD),
    (Level.ACTIVITY, Method.SECTOR_STANDARD), (Level.ACTIVITY, Method.GROUP_STANDARD),
]


@pytest.mark.parametrize(("level", "method"), ALLOWED)
def test_r_ghg_1_each_level_with_an_allowed_method_is_recorded(walk: Walk, level: Level, method: Method) -> None:
    walk.organization().apply(levels=[ScopeLevel(level, method, "GB/T 32150-2015")])

    assert walk.app.get_case(walk.case).stage == "applied"


def test_r_ghg_1_all_four_levels_at_once_are_recorded(walk: Walk) -> None:
    walk.organization().apply(levels=[
        ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1), ScopeLevel(Level.PRODUCT, Method.ISO_14067),
        ScopeLevel(Level.PROJECT, Method.PROJECT_METHODOLOGY), ScopeLevel(Level.ACTIVITY, Method.LARGE_EVENT_GUIDE)])

    assert walk.app.get_case(walk.case).stage == "applied"


@pytest.mark.parametrize(("level", "method", "clause"), [
    (Level.ORGANIZATION, Method.ISO_14067, "§6.2"),
    (Level.PRODUCT, Method.ISO_14064_2, "§6.3"),
    (Level.PRODUCT, Method.ISO_14064_1, "§6.3"),
    (Level.PROJECT, Method.ISO_14064_1, "§6.4"),
    (Level.PROJECT, Method.NATIONAL_STANDARD, "§6.4"),
    (Level.ACTIVITY, Method.ISO_14064_2, "§6.5"),
])
def test_r_ghg_1_a_method_not_allowed_for_its_level_is_refused(walk: Walk, level: Level, method: Method,
                                                               clause: str) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-GHG-1", clause):
        walk.apply(levels=[ScopeLevel(level, method)])


def test_r_ghg_1_a_scope_naming_no_level_is_refused(walk: Walk) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-GHG-1", "§6.1"):
        walk.apply(levels=[])


def test_r_ghg_1_a_level_named_twice_is_refused(walk: Walk) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-GHG-1", "§6.1"):
        walk.apply(levels=[ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1),
                           ScopeLevel(Level.ORGANIZATION, Method.NATIONAL_STANDARD)])


@pytest.mark.parametrize(("spelling", "method"), [
    ("ISO 14064-1", Method.ISO_14064_1), ("ISO 14067", Method.ISO_14067), ("iso_14064_2", Method.ISO_14064_2),
    (" Large Event Guide ", Method.LARGE_EVENT_GUIDE),
])
def test_r_ghg_1_methods_are_parsed_from_their_usual_spelling(spelling: str, method: Method) -> None:
    assert Method.parse(spelling) is method


def test_r_ghg_1_an_unknown_method_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        Method.parse("ISO 9001")

    assert caught.value.field == "method"


# R-TRF-1: only a currently valid certificate of another body is transferred in


def test_r_trf_1_a_valid_certificate_is_recorded_and_decided_after_the_agreement_without_stage_1(walk: Walk) -> None:
    # given a transfer of a certificate valid until 2027-06-30
    walk.organization().apply(kind="transfer", transfer=transfer_of())
    assert walk.app.get_case(walk.case).kind == "transfer"

    # when it is accepted, agreed and decided with no audit in between
    walk.documents().accept().agree().decide(decided_on=walk.day(4))

    # then the certificate is issued and keeps the transferred validity
    assert walk.number is not None
    cert = walk.app.get_certificate(walk.number)
    assert (cert.status, cert.issued_on, cert.valid_until) == ("valid", walk.day(4), date(2027, 6, 30))
    assert walk.app.get_case(walk.case).stage == "granted"


def test_r_trf_1_a_certificate_valid_through_the_application_date_is_recorded(walk: Walk) -> None:
    walk.organization().apply(kind="transfer", transfer=transfer_of(valid_until=APPLIED))

    assert walk.app.get_case(walk.case).stage == "applied"


@pytest.mark.parametrize("status", [TransferStatus.SUSPENDED, TransferStatus.UNDER_PROCEEDINGS,
                                    TransferStatus.WITHDRAWN, TransferStatus.CANCELLED, TransferStatus.EXPIRED])
def test_r_trf_1_a_certificate_not_currently_valid_is_refused(walk: Walk, status: TransferStatus) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-TRF-1", "§12") as refusal:
        walk.apply(kind="transfer", transfer=transfer_of(status=status))

    assert status.value in refusal.value.detail


def test_r_trf_1_a_valid_status_with_validity_ended_before_the_application_is_refused(walk: Walk) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-TRF-1", "§12"):
        walk.apply(kind="transfer", transfer=transfer_of(valid_until=APPLIED - timedelta(days=1)))


@pytest.mark.parametrize("reason", ["", "   "])
def test_r_trf_1_a_transfer_without_its_reason_is_refused(walk: Walk, reason: str) -> None:
    walk.organization()

    with refused(walk.app, RuleViolation, "R-TRF-1", "§12"):
        walk.apply(kind="transfer", transfer=transfer_of(reason=reason))


def test_r_trf_1_a_transfer_without_transfer_details_is_invalid_input(walk: Walk) -> None:
    walk.organization()

    with invalid(walk.app, "transfer"):
        walk.apply(kind="transfer")


def test_r_trf_1_a_transfer_decided_after_the_transferred_certificate_ran_out_is_refused(walk: Walk) -> None:
    # given a transfer of a certificate valid on the application date, but only until 2026-03-10
    walk.organization().apply(kind="transfer", transfer=transfer_of(valid_until=date(2026, 3, 10)))
    walk.documents().accept().agree()

    # when it is decided on 2026-04-01, when that certificate is no longer valid, then the grant is refused:
    # only a currently valid certificate is transferred in, and no certificate may be issued already out of date
    with refused(walk.app, RuleViolation, "R-TRF-1", "§12"):
        walk.decide(decided_on=date(2026, 4, 1))
