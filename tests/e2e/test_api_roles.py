"""Who may call what (API.md, Conventions and Back office): for each endpoint family one role allowed and one refused
(403 problem, nothing written); no token, a garbage token or a revoked one is a 401 asking for a Bearer token."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from demo.scenario import new_uscc
from registry.application import Registry
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, PROBLEM, SURVEILLANCE, HttpWalk, bearer, iso, problem, written


def log_size(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def forbidden(client: TestClient, registry: Registry, path: str, caller: Caller, body: dict[str, Any]) -> None:
    """``caller`` may not POST ``body`` to ``path``: a 403 problem, and nothing is written."""
    before = log_size(registry)
    problem(client.post(f"{API}{path}", json=body, headers=caller.headers), 403)
    assert log_size(registry) == before


def allowed(client: TestClient, path: str, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=caller.headers)
    assert response.status_code in (200, 201), response.text
    return written(response, response.status_code)


def test_people_are_recorded_by_an_admin_only(client: TestClient, callers: Callers, registry: Registry) -> None:
    forbidden(client, registry, "/people", callers.intake, {"name": "王芳"})
    forbidden(client, registry, "/people", callers.regulator, {"name": "王芳"})
    pid = allowed(client, "/people", callers.admin, {"name": "王芳"})["id"]
    registration = {"kind": "ghg_verifier", "number": "GHG-0001", "valid_from": "2024-01-01",
                    "valid_until": "2028-01-01"}
    forbidden(client, registry, f"/people/{pid}/registrations", callers.leader, registration)
    allowed(client, f"/people/{pid}/registrations", callers.admin, registration)
    forbidden(client, registry, f"/people/{pid}/evaluations", callers.decision, {"on": "2025-01-10", "sectors": []})
    forbidden(client, registry, f"/people/{pid}/violations", callers.intake,
              {"on": "2025-01-10", "description": "记录不全"})
    forbidden(client, registry, f"/people/{pid}/services", callers.regulator,
              {"client_uscc": new_uscc(), "kind": "training", "on": "2025-01-10"})


def test_organisations_are_registered_by_intake_only(client: TestClient, callers: Callers,
                                                     registry: Registry) -> None:
    body = {"uscc": new_uscc(), "name": "示例化工有限公司", "address": "江苏省南京市示例路2号"}
    forbidden(client, registry, "/organizations", callers.admin, body)
    forbidden(client, registry, "/organizations", callers.regulator, body)
    assert allowed(client, "/organizations", callers.intake, body)["uscc"] == body["uscc"]


def test_the_intake_steps_are_recorded_by_intake_only(client: TestClient, callers: Callers,
                                                      registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization()
    forbidden(client, registry, "/cases", callers.leader, walk.application())
    walk.apply()

    before = log_size(registry)
    problem(walk.upload("application_form", caller=callers.decision), 403)
    assert log_size(registry) == before
    walk.documents()

    forbidden(client, registry, f"/cases/{walk.case}/acceptance", callers.admin, walk.acceptance_body())
    walk.accept()
    forbidden(client, registry, f"/cases/{walk.case}/agreement", callers.regulator, walk.agreement_body())
    walk.agree()


def test_any_auditor_plans_the_programme_and_an_admin_appoints_the_team(client: TestClient, callers: Callers,
                                                                        registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_acceptance().agree()
    forbidden(client, registry, f"/cases/{walk.case}/programme", callers.intake, walk.programme_body())
    allowed(client, f"/cases/{walk.case}/programme", callers.outsider, walk.programme_body())  # any auditor
    forbidden(client, registry, f"/cases/{walk.case}/team", callers.leader, walk.team_body())
    forbidden(client, registry, f"/cases/{walk.case}/team", callers.decision, walk.team_body())
    walk.team()


def test_the_audit_is_recorded_by_a_member_of_the_team_only(client: TestClient, callers: Callers,
                                                            registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_team()
    forbidden(client, registry, f"/cases/{walk.case}/stage1", callers.intake, walk.stage1_body())
    forbidden(client, registry, f"/cases/{walk.case}/stage1", callers.outsider, walk.stage1_body())
    walk.stage1()
    stage2 = {"conducted_on": iso(walk.day(20)), "nonconformities": []}
    forbidden(client, registry, f"/cases/{walk.case}/stage2", callers.outsider, stage2)
    walk.stage2(majors=1)
    closure = {"closed_on": iso(walk.day(25)), "evidence": "校准证书"}
    forbidden(client, registry, f"/cases/{walk.case}/nonconformities/NC-1/closure", callers.outsider, closure)
    forbidden(client, registry, f"/cases/{walk.case}/report", callers.outsider, walk.report_body())
    forbidden(client, registry, f"/cases/{walk.case}/report", callers.decision, walk.report_body())
    walk.report().close()


def test_the_decision_is_made_by_the_decision_role_only(client: TestClient, callers: Callers,
                                                        registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_report().close()
    forbidden(client, registry, f"/cases/{walk.case}/decision", callers.admin, walk.decision_body())
    forbidden(client, registry, f"/cases/{walk.case}/decision", callers.regulator, walk.decision_body())
    walk.decide()


def test_status_changes_are_made_by_the_decision_role_only(client: TestClient, callers: Callers,
                                                           registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    measure = {"on": "2026-10-01", "known_on": "2026-10-01", "ground": "major_defect", "detail": "严重缺陷"}
    base = f"/certificates/{walk.certificate}"
    forbidden(client, registry, f"{base}/suspension", callers.intake, measure)
    forbidden(client, registry, f"{base}/suspension", callers.admin, measure)
    allowed(client, f"{base}/suspension", callers.decision, measure)
    reinstatement = {"on": "2026-10-10", "evidence": "已纠正"}
    forbidden(client, registry, f"{base}/reinstatement", callers.leader, reinstatement)
    allowed(client, f"{base}/reinstatement", callers.decision, reinstatement)
    forbidden(client, registry, f"{base}/withdrawal", callers.regulator, {**measure, "on": "2026-10-12",
                                                                          "known_on": "2026-10-12"})
    cancellation = {"on": "2026-10-15", "ground": "client_request", "detail": "企业申请注销",
                    "trigger_on": "2026-10-12"}
    forbidden(client, registry, f"{base}/cancellation", callers.admin, cancellation)
    allowed(client, f"{base}/cancellation", callers.decision, cancellation)


def test_changes_are_requested_at_intake_and_made_by_an_admin(client: TestClient, callers: Callers,
                                                              registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    base = f"/certificates/{walk.certificate}"
    request = {"requested_on": "2026-09-10", "changed_on": "2026-09-05", "changes": {"address": "上海市新地址1号"}}
    forbidden(client, registry, f"{base}/change-requests", callers.admin, request)
    request_id = allowed(client, f"{base}/change-requests", callers.intake, request)["id"]
    change = {"request_id": request_id, "changed_on": "2026-09-20"}
    forbidden(client, registry, f"{base}/changes", callers.decision, change)
    forbidden(client, registry, f"{base}/changes", callers.intake, change)
    allowed(client, f"{base}/changes", callers.admin, change)
    assert walk.get_certificate()["organization"]["address"] == "上海市新地址1号"


def test_surveillance_is_recorded_by_an_auditor_on_the_surveillance_team(client: TestClient, callers: Callers,
                                                                         registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    path = f"/certificates/{walk.certificate}/surveillance-audits"
    body = {"conducted_on": "2026-09-01", "team": {"leader": str(callers.leader.person), "members": []},
            "outcome": "maintained", **SURVEILLANCE}
    forbidden(client, registry, path, callers.decision, body)
    forbidden(client, registry, path, callers.member, body)  # an auditor, but not on this surveillance team
    walk.review_surveillance(date(2026, 9, 1))  # R-GHG-2: its data reviewed first
    allowed(client, path, callers.leader, body)


def test_the_history_is_read_by_the_regulator_and_by_staff_but_not_anonymously(client: TestClient,
                                                                               callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    readers = (callers.regulator, callers.admin, callers.intake, callers.member, callers.decision)
    for path in (f"/certificates/{walk.certificate}/history", f"/organizations/{walk.uscc}/history",
                 f"/certificates/{walk.certificate}", f"/cases/{walk.case}"):
        for caller in readers:
            assert client.get(f"{API}{path}", headers=caller.headers).status_code == 200, (path, caller)
        response = client.get(f"{API}{path}")
        problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_regulator_is_read_only(client: TestClient, callers: Callers, registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    base = f"/certificates/{walk.certificate}"
    forbidden(client, registry, f"{base}/surveillance-audits", callers.regulator,
              {"conducted_on": "2026-09-01", "team": {"leader": str(callers.leader.person)}})
    forbidden(client, registry, f"{base}/change-requests", callers.regulator,
              {"requested_on": "2026-09-10", "changed_on": "2026-09-05", "changes": {"scope": "新范围"}})
    forbidden(client, registry, f"{base}/suspension", callers.regulator,
              {"on": "2026-10-01", "known_on": "2026-10-01", "ground": "major_defect"})
    forbidden(client, registry, f"/organizations/{walk.uscc}/rectifications", callers.regulator,
              {"on": "2026-10-01", "evidence": "整改"})
    forbidden(client, registry, "/cases", callers.regulator, walk.application())


def test_a_user_may_hold_several_roles(client: TestClient, callers: Callers, registry: Registry) -> None:
    written_, token = registry.add_user("多角色用户", ["admin", "intake"])
    both = Caller(token, written_.ids["person"])
    allowed(client, "/people", both, {"name": "赵磊"})
    allowed(client, "/organizations", both, {"uscc": new_uscc(), "name": "多角色公司", "address": "天津市示例路3号"})
    forbidden(client, registry, "/people", callers.intake, {"name": "赵磊"})


@pytest.mark.parametrize("authorization", [
    None, "Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer reg_00000000000000000000000000000000_secret",
])
def test_no_token_or_a_bad_one_is_unauthenticated(client: TestClient, callers: Callers, registry: Registry,
                                                  authorization: str | None) -> None:
    before = log_size(registry)
    request_headers = {"Authorization": authorization} if authorization is not None else {}

    response = client.post(f"{API}/organizations", headers=request_headers,
                           json={"uscc": new_uscc(), "name": "无名公司", "address": "某地"})

    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert log_size(registry) == before


def test_a_token_whose_secret_is_wrong_is_unauthenticated(client: TestClient, callers: Callers) -> None:
    forged = callers.intake.token[:-4] + ("AAAA" if not callers.intake.token.endswith("AAAA") else "BBBB")
    response = client.get(f"{API}/organizations/{new_uscc()}/history", headers=bearer(forged))
    problem(response, 401)
    assert response.headers["content-type"].startswith(PROBLEM)


def test_a_revoked_token_no_longer_works(client: TestClient, callers: Callers, registry: Registry) -> None:
    body = {"uscc": new_uscc(), "name": "撤销前公司", "address": "重庆市示例路5号"}
    allowed(client, "/organizations", callers.intake, body)

    registry.revoke_user("受理员")
    before = log_size(registry)

    response = client.post(f"{API}/organizations", headers=callers.intake.headers,
                           json={**body, "uscc": new_uscc()})
    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert log_size(registry) == before
    problem(client.get(f"{API}/organizations/{body['uscc']}/history", headers=callers.intake.headers), 401)


def test_a_write_is_refused_for_its_caller_before_its_body(client: TestClient, callers: Callers,
                                                          registry: Registry) -> None:
    """docs/API-NOTES.md, "Who before what": the token is checked with the command, but a write refused before then
    (a malformed body) is answered for its caller first: 401 for a bad token, 403 for a role not held."""
    before = log_size(registry)
    well_formed = {"uscc": new_uscc(), "name": "顺序公司", "address": "某地"}
    malformed = {**well_formed, "name": ["not", "a", "name"]}
    not_json = b'{"uscc": "'
    for headers, refusal in (({}, 401), (bearer("reg_00000000000000000000000000000000_secret"), 401),
                             (callers.decision.headers, 403)):
        problem(client.post(f"{API}/organizations", headers=headers, json=malformed), refusal)
        problem(client.post(f"{API}/organizations", headers=headers, json=well_formed), refusal)
        problem(client.post(f"{API}/organizations", headers={**headers, "Content-Type": "application/json"},
                            content=not_json), refusal)
    problem(client.post(f"{API}/organizations", headers=callers.intake.headers, json=malformed), 422)
    problem(client.post(f"{API}/organizations", headers={**callers.intake.headers,
                                                         "Content-Type": "application/json"}, content=not_json), 400)
    assert log_size(registry) == before


def test_an_oversized_upload_is_refused_for_its_caller_first(client: TestClient, callers: Callers,
                                                             registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    before = log_size(registry)
    limit = client.app.state.settings.max_upload_bytes  # type: ignore[attr-defined]
    for caller, refusal in ((callers.decision, 403), (callers.intake, 413)):
        response = client.post(f"{API}/cases/{walk.case}/documents", headers=caller.headers,
                               data={"kind": "application_form", "received_on": iso(walk.start)},
                               files={"file": ("big.pdf", b"x" * (limit + 1), "application/pdf")})
        problem(response, refusal)
    assert log_size(registry) == before
