"""R-TRF-2 (§12): the status of the certificate to be transferred is verified, not taken on the applicant's word
(the source consulted, the day, what it showed), and the transferred validity never exceeds the original's nor 3
years from its issue; and a transfer through its on-site audit.

Given the walk's organisation applying on 2026-03-02 to transfer a certificate issued on 2024-07-01 (so valid at
most until 2027-06-30).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from demo.scenario import Walk
from registry.errors import RuleViolation
from registry.values import TransferInfo, TransferStatus, TransferVerification
from tests.factories import invalid, refused

VERIFIED = TransferVerification("认监委认证认可信息公共服务平台查询", date(2026, 3, 2), TransferStatus.VALID)
TRANSFER = TransferInfo(from_body="其他认证有限公司", certificate_number="OTHER-CEMS-2024-00042",
                        status=TransferStatus.VALID, valid_until=date(2027, 6, 30), reason="原认证机构停止业务",
                        issued_on=date(2024, 7, 1), verification=VERIFIED)


@pytest.mark.parametrize("transfer", [
    replace(TRANSFER, verification=None),
    replace(TRANSFER, verification=replace(VERIFIED, source="  ")),
], ids=["no verification: the applicant's word", "no source named"])
def test_r_trf_2_a_status_not_verified_is_refused(walk: Walk, transfer: TransferInfo) -> None:
    walk.organization()
    with refused(walk.app, RuleViolation, "R-TRF-2", "§12") as caught:
        walk.apply(kind="transfer", transfer=transfer)
    assert "核实" in caught.value.detail


def test_r_trf_2_the_status_recorded_is_the_one_the_source_showed(walk: Walk) -> None:
    walk.organization()
    shown_suspended = replace(TRANSFER, verification=replace(VERIFIED, result=TransferStatus.SUSPENDED))
    with refused(walk.app, RuleViolation, "R-TRF-2", "§12") as caught:
        walk.apply(kind="transfer", transfer=shown_suspended)
    assert "suspended" in caught.value.detail
    # recorded as the source showed it, suspended: refused by R-TRF-1, only a valid certificate is transferred
    with refused(walk.app, RuleViolation, "R-TRF-1", "§12"):
        walk.apply(kind="transfer", transfer=replace(shown_suspended, status=TransferStatus.SUSPENDED))


def test_r_trf_2_a_verification_dated_after_today_is_invalid(walk: Walk) -> None:
    walk.organization()
    with invalid(walk.app, "transfer.verification.checked_on"):
        walk.apply(kind="transfer", transfer=replace(TRANSFER, verification=replace(VERIFIED,
                                                                                    checked_on=date(2099, 1, 1))))


@pytest.mark.parametrize(("valid_until", "accepted"), [(date(2027, 6, 30), True), (date(2027, 7, 1), False)],
                         ids=["the day before 3 years on", "3 years on"])
def test_r_trf_2_the_validity_never_runs_beyond_3_years_from_the_original_issue(
        walk: Walk, valid_until: date, accepted: bool) -> None:
    walk.organization()
    transfer = replace(TRANSFER, valid_until=valid_until)
    if accepted:
        walk.apply(kind="transfer", transfer=transfer)
        assert walk.app.get_case(walk.case).transfer == {
            "from_body": "其他认证有限公司", "certificate_number": "OTHER-CEMS-2024-00042", "status": "valid",
            "valid_until": "2027-06-30", "reason": "原认证机构停止业务", "issued_on": "2024-07-01",
            "verification": {"source": "认监委认证认可信息公共服务平台查询", "checked_on": "2026-03-02",
                             "result": "valid"}}
        return
    with refused(walk.app, RuleViolation, "R-TRF-2", "§12") as caught:
        walk.apply(kind="transfer", transfer=transfer)
    assert "2027-06-30" in caught.value.detail


def test_r_trf_2_the_original_issue_date_is_recorded(walk: Walk) -> None:
    walk.organization()
    with refused(walk.app, RuleViolation, "R-TRF-2", "§12"):
        walk.apply(kind="transfer", transfer=replace(TRANSFER, issued_on=None))


def test_r_trf_1_a_transfer_through_its_on_site_audit_keeps_the_transferred_validity(walk: Walk) -> None:
    # the on-site audit path: no stage 1; the team's on-site audit is recorded as stage 2, then the report
    walk.organization().apply(kind="transfer", transfer=TRANSFER).documents().accept().agree().programme().team()
    walk.stage2().report().decide(decided_on=date(2026, 5, 6))
    assert walk.number is not None
    cert = walk.app.get_certificate(walk.number)
    assert (cert.status, cert.valid_until) == ("valid", date(2027, 6, 30))
    case = walk.app.get_case(walk.case)
    assert case.stage == "granted" and case.person_days_spent.get("stage2") is not None
