"""Rules refused at the API (API.md, Conventions): the right status, a problem+json naming the rule and clause, and
nothing written — the history and the log are as they were before the request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient

from registry.application import Registry
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, HttpWalk, enrol_person, iso, problem


def log_size(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def refused_writes_nothing(registry: Registry, walk: HttpWalk, request: Callable[[], object]) -> None:
    """Runs ``request`` and checks that neither the log nor the organisation's history grew."""
    before, events = log_size(registry), walk.organization_history()
    request()
    assert log_size(registry) == before
    assert walk.organization_history() == events


def test_an_invalid_uscc_is_refused_and_nothing_is_written(client: TestClient, callers: Callers,
                                                           registry: Registry) -> None:
    """R-ID-1: the check character is validated."""
    before = log_size(registry)

    body = {"uscc": "91110000600037341X", "name": "北京绿能电力有限公司", "address": "北京市海淀区"}
    response = client.post(f"{API}/organizations", headers=callers.intake.headers, json=body)

    refusal = problem(response, 422, "R-ID-1")
    assert "check character" in refusal["detail"]
    assert log_size(registry) == before
    assert client.get(f"{API}/organizations/91110000600037341X/history",
                      headers=callers.regulator.headers).status_code in (404, 422)


def test_an_ineligible_case_cannot_be_accepted(client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-APP-2: the CEMS has run only 2 months of the 3 required; the application is recorded, acceptance refused."""
    walk = HttpWalk(client, callers).organization()
    walk.apply(cems_operating_since=iso(walk.start - timedelta(days=60))).documents()
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.intake.headers).json()
    assert case["eligible"] is False and case["eligibility_gaps"][0]["rule"] == "R-APP-2"

    def accept() -> None:
        response = client.post(f"{API}/cases/{walk.case}/acceptance", json=walk.acceptance_body(),
                               headers=callers.intake.headers)
        problem(response, 422, "R-APP-2", "§8.1")

    refused_writes_nothing(registry, walk, accept)
    # It can still be not-accepted, with reasons
    walk.accept(accepted=False, reasons="体系运行不足三个月")
    assert client.get(f"{API}/cases/{walk.case}", headers=callers.intake.headers).json()["stage"] == "not_accepted"


def test_three_and_a_half_person_days_are_refused(client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-TIME-1: audit time ≥ 4 person-days."""
    walk = HttpWalk(client, callers).to_acceptance().agree()

    def plan() -> None:
        response = client.post(f"{API}/cases/{walk.case}/programme", json=walk.programme_body(person_days=3.5),
                               headers=callers.leader.headers)
        body = problem(response, 422, "R-TIME-1", "§8.3.3 (1)")
        assert "3.5" in body["detail"]

    refused_writes_nothing(registry, walk, plan)


def test_a_team_member_without_a_registration_is_refused(client: TestClient, callers: Callers,
                                                         registry: Registry) -> None:
    """R-TEAM-2: every auditor holds a CCAA CEMS auditor registration valid on the appointment date."""
    walk = HttpWalk(client, callers).to_acceptance().agree().programme()
    unregistered = enrol_person(client, callers.admin, "未注册人员")

    def appoint() -> None:
        response = client.post(f"{API}/cases/{walk.case}/team", json=walk.team_body(members=[unregistered]),
                               headers=callers.admin.headers)
        body = problem(response, 422, "R-TEAM-2", "§5.3")
        assert "未注册人员" in body["detail"]

    refused_writes_nothing(registry, walk, appoint)


def test_the_intake_reviewer_may_not_decide(client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-SOD-1: the decision maker was not the intake reviewer (the same person, with a decision role)."""
    walk = HttpWalk(client, callers).to_report().close()
    _, token = registry.add_user("受理兼决定", ["decision"], callers.intake.person)
    intake_as_decider = Caller(token, callers.intake.person)

    def decide() -> None:
        response = client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(),
                               headers=intake_as_decider.headers)
        body = problem(response, 403, "R-SOD-1", "§4.2")
        assert "intake review" in body["detail"]

    refused_writes_nothing(registry, walk, decide)


def test_an_auditor_on_the_team_may_not_decide(client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-SOD-1: the decision maker was not on the audit team."""
    walk = HttpWalk(client, callers).to_report().close()
    _, token = registry.add_user("组员兼决定", ["decision"], callers.member.person)

    def decide() -> None:
        response = client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(),
                               headers=Caller(token, callers.member.person).headers)
        problem(response, 403, "R-SOD-1", "§4.2")

    refused_writes_nothing(registry, walk, decide)


def test_the_agreement_before_acceptance_is_out_of_order(client: TestClient, callers: Callers,
                                                         registry: Registry) -> None:
    """R-FLOW-1: a step out of order is a 409."""
    walk = HttpWalk(client, callers).organization().apply().documents()

    def agree() -> None:
        response = client.post(f"{API}/cases/{walk.case}/agreement", json=walk.agreement_body(),
                               headers=callers.intake.headers)
        problem(response, 409, "R-FLOW-1", "§2")

    refused_writes_nothing(registry, walk, agree)


def test_a_grant_with_an_unmet_condition_is_refused(client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-DEC-1: any unmet §8.5.2 condition allows a refusal only."""
    walk = HttpWalk(client, callers).to_report().close()
    conditions = {"legal_compliance": True, "sector_requirements": None, "management_improved": True,
                  "no_penalty": False}

    def grant() -> None:
        response = client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(conditions=conditions),
                               headers=callers.decision.headers)
        body = problem(response, 422, "R-DEC-1", "§8.5.2")
        assert "no_penalty" in body["detail"]

    refused_writes_nothing(registry, walk, grant)
    refusal = walk.post("refusal", f"/cases/{walk.case}/decision", callers.decision,
                        walk.decision_body(grant=False, conditions=conditions, reasons="审核期间受到行政处罚"))
    assert "certificate_number" not in refusal


def test_a_grant_with_an_open_major_nonconformity_is_refused(client: TestClient, callers: Callers,
                                                             registry: Registry) -> None:
    """R-DEC-1: all major nonconformities closed."""
    walk = HttpWalk(client, callers).to_report()

    def grant() -> None:
        response = client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(),
                               headers=callers.decision.headers)
        body = problem(response, 422, "R-DEC-1", "§8.5.2")
        assert "NC-1" in body["detail"]

    refused_writes_nothing(registry, walk, grant)


def test_a_withdrawn_certificate_is_never_reinstated(client: TestClient, callers: Callers,
                                                     registry: Registry) -> None:
    """R-SUS-2: a suspended certificate may be reinstated; a withdrawn one never."""
    walk = HttpWalk(client, callers).to_certificate()
    walk.suspend(date(2026, 10, 1))
    walk.withdraw(date(2026, 10, 5))
    before = walk.certificate_history()

    def reinstate() -> None:
        response = client.post(f"{API}/certificates/{walk.certificate}/reinstatement",
                               json={"on": "2026-10-20", "evidence": "已整改"}, headers=callers.decision.headers)
        problem(response, 422, "R-SUS-2", "§11.3")

    refused_writes_nothing(registry, walk, reinstate)
    assert walk.certificate_history() == before
    assert walk.get_certificate()["status"] == "withdrawn"


def test_a_withdrawn_certificate_accepts_no_further_status_change(client: TestClient, callers: Callers,
                                                                  registry: Registry) -> None:
    """Terminal statuses (SPEC.md, Status changes): a suspension after a withdrawal is out of order."""
    walk = HttpWalk(client, callers).to_certificate()
    walk.withdraw(date(2026, 10, 5))

    def suspend() -> None:
        response = client.post(f"{API}/certificates/{walk.certificate}/suspension",
                               json={"on": "2026-10-06", "known_on": "2026-10-06", "ground": "major_defect"},
                               headers=callers.decision.headers)
        problem(response, 409, "R-FLOW-1")

    refused_writes_nothing(registry, walk, suspend)


def test_an_effective_date_after_today_is_refused(client: TestClient, callers: Callers, registry: Registry) -> None:
    """SPEC.md, Two clocks: an effective date is never in the future of the registry's today (2026-11-24)."""
    walk = HttpWalk(client, callers).to_certificate()

    def suspend() -> None:
        response = client.post(f"{API}/certificates/{walk.certificate}/suspension",
                               json={"on": "2026-11-25", "known_on": "2026-11-24", "ground": "major_defect"},
                               headers=callers.decision.headers)
        body = problem(response, 422)
        assert body["errors"][0]["field"] == "on"

    refused_writes_nothing(registry, walk, suspend)
    assert walk.get_certificate()["status"] == "valid"


def test_a_registered_organisation_is_not_registered_twice(client: TestClient, callers: Callers,
                                                           registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization()

    def again() -> None:
        response = client.post(f"{API}/organizations", json={"uscc": walk.uscc, "name": "另一家", "address": "别处"},
                               headers=callers.intake.headers)
        problem(response, 409)

    refused_writes_nothing(registry, walk, again)


def test_an_organisation_whose_certificate_was_withdrawn_may_not_apply_until_rectified(
        client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-APP-5: no new application after a withdrawal until a rectification record shows the cause removed: the
    application is recorded, as every one is, and refused at acceptance; a rectification dated before the
    withdrawal does not lift it; a withdrawal by another body is entered too."""
    walk = HttpWalk(client, callers).to_certificate()
    walk.withdraw(date(2026, 10, 5))
    first_case = walk.case
    walk.apply(applied_on="2026-11-01")
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.intake.headers).json()
    assert walk.case != first_case and [g["rule"] for g in case["eligibility_gaps"]] == ["R-APP-5"]

    def accept() -> None:
        problem(client.post(f"{API}/cases/{walk.case}/acceptance", json=walk.acceptance_body(decided_on="2026-11-03"),
                            headers=callers.intake.headers), 422, "R-APP-5")

    refused_writes_nothing(registry, walk, accept)

    def rectify_before() -> None:
        problem(client.post(f"{API}/organizations/{walk.uscc}/rectifications", headers=callers.decision.headers,
                            json={"on": "2026-10-04", "evidence": "整改报告"}), 422, "R-APP-5")

    refused_writes_nothing(registry, walk, rectify_before)
    walk.post("rectification", f"/organizations/{walk.uscc}/rectifications", callers.decision,
              {"on": "2026-11-10", "evidence": "整改报告及主管部门验收意见"}, 201)
    assert client.get(f"{API}/organizations/{walk.uscc}", headers=callers.intake.headers).json()["may_apply"]

    walk.post("withdrawal elsewhere", f"/organizations/{walk.uscc}/withdrawals", callers.decision,
              {"from_body": "其他认证有限公司", "certificate_number": "OTHER-CEMS-2025-00107",
               "withdrawn_on": "2026-11-12", "source": "认监委公开查询"}, 201)
    organization = client.get(f"{API}/organizations/{walk.uscc}", headers=callers.intake.headers).json()
    assert not organization["may_apply"] and organization["withdrawn_on"] == "2026-11-12"


def test_a_consultant_of_the_client_may_not_audit_it(client: TestClient, callers: Callers,
                                                     registry: Registry) -> None:
    """R-SOD-1: nobody who trained or consulted the client audits it (services are recorded facts about people)."""
    walk = HttpWalk(client, callers).to_acceptance().agree().programme()
    walk.post("service", f"/people/{callers.member.person}/services", callers.admin,
              {"client_uscc": walk.uscc, "kind": "consulting", "on": "2026-01-15"}, 201)

    def appoint() -> None:
        response = client.post(f"{API}/cases/{walk.case}/team", json=walk.team_body(), headers=callers.admin.headers)
        body = problem(response, 403, "R-SOD-1", "§4.2")
        assert "consulting" in body["detail"]

    refused_writes_nothing(registry, walk, appoint)


def test_a_decision_maker_with_a_recent_violation_may_not_decide(client: TestClient, callers: Callers,
                                                                 registry: Registry) -> None:
    """R-SOD-1 with §5.1: a violation recorded in the 2 years before the decision bars the decision maker."""
    walk = HttpWalk(client, callers).to_report().close()
    walk.post("violation", f"/people/{callers.decision.person}/violations", callers.admin,
              {"on": "2025-06-01", "description": "未按规定履行认证决定程序"}, 201)

    def decide() -> None:
        response = client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(),
                               headers=callers.decision.headers)
        problem(response, 403, "R-SOD-1", "§4.2, §5.1")

    refused_writes_nothing(registry, walk, decide)


def test_acceptance_with_documents_missing_is_refused(client: TestClient, callers: Callers,
                                                      registry: Registry) -> None:
    """R-APP-4: the eleven documents form a checklist; an incomplete case can only be not-accepted."""
    walk = HttpWalk(client, callers).organization().apply()
    assert walk.upload("application_form").status_code == 201

    def accept() -> None:
        response = client.post(f"{API}/cases/{walk.case}/acceptance", json=walk.acceptance_body(),
                               headers=callers.intake.headers)
        body = problem(response, 422, "R-APP-4", "§8.1")
        assert "carbon_review_report" in body["detail"]

    refused_writes_nothing(registry, walk, accept)


def test_stage2_before_stage1_is_out_of_order(client: TestClient, callers: Callers, registry: Registry) -> None:
    """R-FLOW-1 (R-S2-1): stage 2 comes after stage 1."""
    walk = HttpWalk(client, callers).to_team()

    def stage2() -> None:
        response = client.post(f"{API}/cases/{walk.case}/stage2", headers=callers.leader.headers,
                               json={"conducted_on": iso(walk.day(20)), "nonconformities": []})
        problem(response, 409, "R-FLOW-1")

    refused_writes_nothing(registry, walk, stage2)


def test_a_cancellation_for_expiry_before_expiry_is_refused(client: TestClient, callers: Callers,
                                                            registry: Registry) -> None:
    """R-CAN-1: the ground `expired` needs the certificate to have expired."""
    walk = HttpWalk(client, callers).to_certificate()

    def cancel() -> None:
        response = client.post(f"{API}/certificates/{walk.certificate}/cancellation",
                               json={"on": "2026-11-01", "ground": "expired"}, headers=callers.decision.headers)
        problem(response, 422, "R-CAN-1", "§11.4 (1)")

    refused_writes_nothing(registry, walk, cancel)
