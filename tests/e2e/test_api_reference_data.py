"""Issue 24, item 1 through HTTP on PostgreSQL: the certification bases the body accepts (R-BASIS-1) and its CNCA
approval (R-BODY-1), recorded by an admin and read by staff and regulators; an application on a basis not accepted,
and a grant on a day no approval covers, each refused as a problem naming its rule and clause, Chinese first."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from demo.scenario import DEMO_APPROVAL
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, iso, problem, written

SECTOR_REQUIREMENTS = "电力行业碳排放管理体系认证要求"


def test_the_accepted_bases_are_recorded_by_an_admin_and_read_by_staff_and_regulators(
        client: TestClient, callers: Callers) -> None:
    # from the start: CCAI-S-C06:2023, built in, nothing recorded
    listed = client.get(f"{API}/reference/bases", headers=callers.intake.headers)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"bases": [{"standard": "CCAI-S-C06", "version": "2023", "kind": "management_system",
                                        "valid_from": "2023-01-01", "valid_until": None, "recorded_at": None,
                                        "recorded_by": None}], "history": []}

    sector = {"standard": SECTOR_REQUIREMENTS, "version": "2025", "valid_from": "2025-06-01",
              "valid_until": "2027-12-31", "kind": "sector"}
    problem(client.post(f"{API}/reference/bases", json=sector, headers=callers.intake.headers), 403)
    problem(client.post(f"{API}/reference/bases", json={**sector, "valid_until": "2025-05-31"},
                        headers=callers.admin.headers), 422)
    problem(client.post(f"{API}/reference/bases", json={**sector, "kind": "national"},
                        headers=callers.admin.headers), 422)
    written(client.post(f"{API}/reference/bases", json=sector, headers=callers.admin.headers), 201)

    body = client.get(f"{API}/reference/bases", headers=callers.regulator.headers).json()
    assert [(b["standard"], b["kind"]) for b in body["bases"]] == [("CCAI-S-C06", "management_system"),
                                                                  (SECTOR_REQUIREMENTS, "sector")]
    [entry] = body["history"]
    assert entry["recorded_by"] == {"person": str(callers.admin.person), "role": "admin"}
    assert entry["recorded_at"] and entry["valid_until"] == "2027-12-31"


def test_an_application_on_a_basis_not_accepted_is_refused_naming_r_basis_1(client: TestClient,
                                                                            callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization()
    refused = problem(client.post(f"{API}/cases", json=walk.application(
        basis={"standard": "GB/T 24001", "version": "2016", "sector_requirements": []}),
        headers=callers.intake.headers), 422, "R-BASIS-1", "§3")
    assert refused["detail"].startswith("认证依据 GB/T 24001:2016 在申请日")
    sector_basis = {"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": [SECTOR_REQUIREMENTS]}
    refused = problem(client.post(f"{API}/cases", json=walk.application(basis=sector_basis),
                                  headers=callers.intake.headers), 422, "R-BASIS-1", "§3")
    assert refused["detail"].startswith(f"行业认证要求 {SECTOR_REQUIREMENTS}")

    written(client.post(f"{API}/reference/bases", json={"standard": SECTOR_REQUIREMENTS, "version": "2025",
                                                        "valid_from": iso(walk.start), "kind": "sector"},
                        headers=callers.admin.headers), 201)
    walk.apply(basis=sector_basis)  # accepted from the application date on
    assert walk.case_id is not None


def test_a_grant_needs_an_approval_covering_its_day_and_the_certificate_names_it(client: TestClient,
                                                                                callers: Callers) -> None:
    demo, since, _ = DEMO_APPROVAL
    listed = client.get(f"{API}/body/approvals", headers=callers.regulator.headers).json()
    assert [a["number"] for a in listed["approvals"]] == [demo]  # enrol_staff's, as every walk's

    walk = HttpWalk(client, callers).to_report().close()
    decided_on = walk.day(30)
    # the demo approval ended the day before the decision: the grant is refused
    ended = {"number": demo, "valid_from": iso(since), "valid_until": iso(decided_on - timedelta(days=1))}
    problem(client.post(f"{API}/body/approvals", json=ended, headers=callers.decision.headers), 403)
    written(client.post(f"{API}/body/approvals", json=ended, headers=callers.admin.headers), 201)
    refused = problem(client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(),
                                  headers=callers.decision.headers), 422, "R-BODY-1", "§4.1")
    assert refused["detail"].startswith(f"{iso(decided_on)} 不在本机构认证机构批准书的有效期内")
    problem(client.post(f"{API}/body/approvals", json={"number": "CNCA-R-2026-007", "valid_from": iso(decided_on),
                                                       "valid_until": iso(decided_on - timedelta(days=1))},
                        headers=callers.admin.headers), 422)

    # a new approval from the decision's day on: the grant issues the certificate, which names it
    written(client.post(f"{API}/body/approvals", json={"number": "CNCA-R-2026-007", "valid_from": iso(decided_on),
                                                       "valid_until": "2032-03-31"},
                        headers=callers.admin.headers), 201)
    walk.decide()
    assert walk.get_certificate(callers.intake)["approval_number"] == "CNCA-R-2026-007"

    body = client.get(f"{API}/body/approvals", headers=callers.intake.headers).json()
    assert [(a["number"], a["valid_until"]) for a in body["approvals"]] == [
        (demo, iso(decided_on - timedelta(days=1))), ("CNCA-R-2026-007", "2032-03-31")]
    assert [a["number"] for a in body["history"]] == [demo, demo, "CNCA-R-2026-007"]
    assert body["history"][-1]["recorded_by"] == {"person": str(callers.admin.person), "role": "admin"}
