"""Surveillance and recertification substance through HTTP, on PostgreSQL (issue 23): the programme (R-SURV-5), an
incident and its additional audit (R-SURV-6), a surveillance audit's content, nonconformities and person-days
(R-SURV-5), the renewal report's four items, the suspended certificate not renewed, the new cycle's first due date
and history (R-RECERT-2) — each refusal a problem naming its rule and clause, writing nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from registry.application import Registry
from registry.clock import FixedClock
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, RECERTIFICATION, SURVEILLANCE, HttpWalk, problem


def deadlines(client: TestClient, registry: Registry, callers: Callers) -> dict[str, tuple[str, str]]:
    """Deadlines by subject once the views have caught up: subject → (due_on, state)."""
    client.get(f"{API}/public/certificates", params={"after": registry.recorder.max_notification_id()})
    found: dict[str, tuple[str, str]] = {}
    for page in range(1, 100):
        response = client.get(f"{API}/deadlines", params={"page": page, "page_size": 500},
                              headers=callers.regulator.headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        found.update({d["subject"]: (d["due_on"], d["state"]) for d in items})
        if len(items) < 500:
            return found
    return found


def audit_body(callers: Callers, on: str, **overrides: Any) -> dict[str, Any]:
    return {"conducted_on": on, "team": {"leader": str(callers.leader.person), "members": []},
            "outcome": "maintained", **SURVEILLANCE, **overrides}


def refused(client: TestClient, registry: Registry, path: str, body: dict[str, Any], headers: dict[str, str],
            rule: str, clause: str) -> None:
    before = registry.recorder.max_notification_id()
    problem(client.post(f"{API}{path}", json=body, headers=headers), 422, rule, clause)
    assert registry.recorder.max_notification_id() == before


def test_programme_incident_and_surveillance_audit_through_http(client: TestClient, registry: Registry,
                                                                callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()  # issued 2026-04-01
    base = f"/certificates/{walk.certificate}"
    leader = callers.leader.headers

    # roles: the programme is an auditor's, an incident intake's (403 otherwise, nothing written)
    before = registry.recorder.max_notification_id()
    problem(client.post(f"{API}{base}/surveillance-programme", json={"frequency_months": 6, "basis": "复杂"},
                        headers=callers.intake.headers), 403)
    problem(client.post(f"{API}{base}/incidents", headers=leader, json={
        "kind": "major_change", "occurred_on": "2026-06-01", "reported_on": "2026-06-05", "description": "变化",
        "additional_audit_due_by": "2026-08-01"}), 403)
    assert registry.recorder.max_notification_id() == before

    # R-SURV-5: the programme; 13 months refused, 6 accepted and the due date follows it
    refused(client, registry, f"{base}/surveillance-programme", {"frequency_months": 13, "basis": "复杂"}, leader,
            "R-SURV-5", "§9.1.2")
    answer = walk.certificate_post("surveillance-programme", callers.leader,
                                   {"frequency_months": 6, "basis": "排放设施复杂", "on": "2026-05-01"}, 201)
    assert answer["next_due_by"] == "2026-10-01"
    assert walk.get_certificate()["surveillance"]["next_due_by"] == "2026-10-01"
    assert walk.get_certificate()["programme"]["frequency_months"] == 6

    # R-SURV-6: an incident, by intake; its additional audit is tracked, the regular due date does not move
    incident = walk.certificate_post("incidents", callers.intake,
                                     {"kind": "major_change", "occurred_on": "2026-06-01", "reported_on": "2026-06-05",
                                      "description": "新增燃气锅炉", "additional_audit_due_by": "2026-08-01"},
                                     201, "id")["id"]
    cert = walk.get_certificate()
    assert cert["surveillance"]["next_due_by"] == "2026-10-01"
    assert [i["id"] for i in cert["incidents"]] == [incident]
    subject = f"certificate {walk.certificate}: additional surveillance audit (major_change)"
    assert deadlines(client, registry, callers)[subject] == ("2026-08-01", "overdue")  # today is 2026-11-24

    # R-SURV-5: an audit off site, or missing an item, or without person-days, is refused and writes nothing
    path = f"{base}/surveillance-audits"
    refused(client, registry, path, audit_body(callers, "2026-07-20", on_site=False), leader, "R-SURV-5", "§9.1.3")
    content = {**SURVEILLANCE["content"], "corrective_actions": ""}  # type: ignore[dict-item]
    refused(client, registry, path, audit_body(callers, "2026-07-20", content=content), leader, "R-SURV-5", "§9.1.3")
    refused(client, registry, path, audit_body(callers, "2026-07-20", person_days=None), leader, "R-SURV-5",
            "§8.3.3")
    # R-GHG-2: nor on unreviewed data; the audit, its data reviewed, with a major nonconformity due 2026-08-20:
    # it meets the incident's audit on time
    refused(client, registry, path, audit_body(callers, "2026-07-20"), leader, "R-GHG-2", "§7.2")
    walk.review_surveillance(date(2026, 7, 20))
    nc = {"ref": "S-1", "severity": "major", "description": "计量器具未校准", "due_by": "2026-08-20"}
    walk.certificate_post("surveillance-audits", callers.leader,
                          audit_body(callers, "2026-07-20", nonconformities=[nc], outcome="nonconformities"), 201)
    cert = walk.get_certificate()
    assert cert["incidents"][0]["met_on"] == "2026-07-20"
    assert cert["surveillance"]["next_due_by"] == "2027-01-20"  # six months on
    assert cert["nonconformities"][0]["ref"] == "S-1" and cert["nonconformities"][0]["closed_on"] is None
    rows = deadlines(client, registry, callers)
    assert rows[subject] == ("2026-08-01", "met")
    nc_subject = f"certificate {walk.certificate}: nonconformity S-1 (major) corrected"
    assert rows[nc_subject] == ("2026-08-20", "overdue")

    # closed late, by the audit's team: missed
    walk.post("nc-closure", f"{base}/nonconformities/S-1/closure", callers.leader,
              {"closed_on": "2026-08-21", "evidence": "校准证书"})
    assert deadlines(client, registry, callers)[nc_subject] == ("2026-08-20", "missed")

    types = [e["type"] for e in walk.certificate_history()]
    for kind in ("SurveillanceProgrammeSet", "IncidentRecorded", "SurveillanceAuditRecorded",
                 "SurveillanceNonconformityClosed"):
        assert kind in types
    audit = next(e for e in walk.certificate_history() if e["type"] == "SurveillanceAuditRecorded")
    assert audit["data"]["person_days"] == "2" and audit["data"]["on_site"] is True
    assert audit["data"]["content"] == SURVEILLANCE["content"]


def test_recertification_through_http(client: TestClient, registry: Registry, callers: Callers,
                                      clock: FixedClock) -> None:
    first = HttpWalk(client, callers).to_certificate()  # issued 2026-04-01, valid until 2029-03-31
    old = first.certificate
    clock.set(date(2028, 11, 30))
    renewal = HttpWalk(client, callers, start=date(2028, 10, 9), uscc=first.uscc)
    renewal.apply(kind="renewal", renewal_of=old).documents().accept().agree().programme().team().stage1()
    renewal.stage2(majors=0)  # the recertification audit, 2028-10-29
    # R-RECERT-2: a renewal report without the four items records the gap, which bars the decision
    renewal.report(cycle_effectiveness="周期内有效", actual_reductions="三年减排1.2万吨")
    case = client.get(f"{API}/cases/{renewal.case}", headers=callers.leader.headers).json()
    assert {g["rule"] for g in case["report_gaps"]} == {"R-RECERT-2"}
    refused(client, registry, f"/cases/{renewal.case}/decision", renewal.decision_body(),
            callers.decision.headers, "R-RECERT-2", "§9.2.2")
    renewal.report(recertification=RECERTIFICATION)
    # a suspended certificate is not renewed until reinstated
    first.suspend(date(2028, 11, 1), ground="major_defect")
    refused(client, registry, f"/cases/{renewal.case}/decision", renewal.decision_body(),
            callers.decision.headers, "R-RECERT-2", "§9.2.2")
    first.certificate_post("reinstatement", callers.decision, {"on": "2028-11-02", "evidence": "缺陷已纠正"})
    renewal.decide()  # 2028-11-08
    new = renewal.get_certificate()
    assert new["renews"] == old
    assert new["surveillance"]["next_due_by"] == "2029-10-29"  # 12 months after the recertification audit
    history = renewal.certificate_history()
    issued = [e["data"]["number"] for e in history if e["type"] == "Issued"]
    assert issued == [old, renewal.certificate]  # the earlier cycle first
