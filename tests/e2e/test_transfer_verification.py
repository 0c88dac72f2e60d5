"""R-TRF-2 through HTTP and the office: a transfer's application carries the status as the body verified it (the
source, the day, what it showed) and the original's issue date; without them it is refused naming R-TRF-2 and
nothing is written; the case's view and page show the verification."""

from __future__ import annotations

from fastapi.testclient import TestClient

from demo.scenario import Walk
from registry.application import Registry
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, problem
from tests.e2e.office_users import Office
from tests.e2e.test_office_cases import APPLICATION, START, case_of, written

TRANSFER = {"from_body": "其他认证有限公司", "certificate_number": "OTHER-CEMS-2024-00042", "status": "valid",
            "valid_until": "2027-06-30", "reason": "原认证机构停止业务", "issued_on": "2024-07-01",
            "verification": {"source": "认监委认证认可信息公共服务平台查询", "checked_on": "2026-03-02",
                             "result": "valid"}}


def test_a_transfer_is_applied_for_with_its_verified_status(client: TestClient, registry: Registry,
                                                             callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization()
    unverified = {key: value for key, value in TRANSFER.items() if key != "verification"}
    before = registry.recorder.max_notification_id()
    problem(client.post(f"{API}/cases", json=walk.application(kind="transfer", transfer=unverified),
                        headers=callers.intake.headers), 422, "R-TRF-2", "§12")
    assert registry.recorder.max_notification_id() == before

    walk.apply(kind="transfer", transfer=TRANSFER)
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert case["kind"] == "transfer" and case["transfer"]["verification"] == TRANSFER["verification"]


def test_the_office_application_form_records_the_verification(office: Office) -> None:
    walk = Walk(office.registry, office.staff, START).organization()
    form = {"organization_uscc": walk.uscc, **APPLICATION, "kind": "transfer",
            **{f"transfer.{key}": value for key, value in TRANSFER.items() if key != "verification"}}
    before = written(office)
    refused = office.intake.post("/office/cases/new", form)
    assert refused.status_code == 422 and 'data-rule="R-TRF-2"' in refused.text
    assert written(office) == before

    verified = {**form, "transfer.verification.source": "原发证机构网站证书查询",
                "transfer.verification.checked_on": "2026-03-02", "transfer.verification.result": "valid"}
    case_id = case_of(office.intake.post("/office/cases/new", verified))
    page = office.regulator.get(f"/office/cases/{case_id}").text
    assert 'data-transfer="OTHER-CEMS-2024-00042"' in page and 'data-transfer-verified="valid"' in page
    assert "原发证机构网站证书查询" in page
