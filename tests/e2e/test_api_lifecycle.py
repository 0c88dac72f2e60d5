"""A certificate's whole life over HTTP (API.md, Back office and Regulator): application to cancellation, every step
by the role that performs it, and the history a regulator reads of it (R-REC-1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from registry.application import Registry
from registry.clock import FixedClock
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, DOCUMENT_KINDS, SURVEILLANCE, HttpWalk, iso, sha256, written

EVENT_FIELDS = ("position", "type", "effective_on", "recorded_at", "actor", "data")


def assert_history_shape(events: list[dict[str, Any]]) -> None:
    """Oldest first, positions strictly increasing, each event with its fields and an actor {person, role}."""
    assert events
    positions = [e["position"] for e in events]
    assert all(isinstance(p, int) for p in positions)
    assert positions == sorted(positions) and len(set(positions)) == len(positions), positions
    for event in events:
        for name in EVENT_FIELDS:
            assert name in event, (name, event)
        assert set(event["actor"]) >= {"person", "role"}, event
        assert isinstance(event["data"], dict), event
        assert isinstance(event["recorded_at"], str) and event["recorded_at"], event


def only(events: list[dict[str, Any]], type_: str) -> dict[str, Any]:
    found = [e for e in events if e["type"] == type_]
    assert len(found) == 1, (type_, [e["type"] for e in events])
    return found[0]


def test_a_certificate_is_granted_changed_suspended_reinstated_and_cancelled_over_http(
        client: TestClient, callers: Callers, registry: Registry, clock: FixedClock) -> None:
    walk = HttpWalk(client, callers).organization().apply().documents()

    case = client.get(f"{API}/cases/{walk.case}", headers=callers.intake.headers).json()
    assert case["stage"] == "applied" and case["missing_documents"] == [] and case["eligible"] is True
    assert case["documents"] == {k: sha256(walk.document_content(k)) for k in DOCUMENT_KINDS}

    walk.accept().agree().programme().team().stage1().stage2(majors=1).report().close("NC-1").decide()
    number = walk.certificate
    assert number.startswith("CB-CEMS-2026-")
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.member.headers).json()
    assert case["stage"] == "granted" and case["certificate_number"] == number
    assert case["nonconformities"] == [{"ref": "NC-1", "severity": "major", "description": "能源计量器具未校准",
                                        "closed_on": iso(walk.day(25))}]

    issued = walk.get_certificate(callers.intake)
    assert issued["number"] == number and issued["status"] == "valid"
    assert issued["organization"] == {"name": walk.name, "address": "上海市浦东新区示例路88号", "uscc": walk.uscc}
    assert issued["issued_on"] == iso(walk.day(30)) == "2026-04-01"
    assert issued["valid_until"] == "2029-03-31"  # R-CERT-2
    assert issued["surveillance"]["next_due_by"] == "2027-04-01"  # R-SURV-1
    assert walk.case in [str(c) for c in issued["case_ids"]]
    assert walk.get_certificate(callers.regulator)["number"] == number

    leader, member = str(callers.leader.person), str(callers.member.person)
    walk.review_surveillance(date(2026, 9, 1))  # R-GHG-2: the audit's data reviewed first
    walk.certificate_post("surveillance-audits", callers.leader,
                          {"conducted_on": "2026-09-01", "team": {"leader": leader, "members": [member]},
                           "outcome": "maintained", "additional": False, "reason": "", **SURVEILLANCE}, 201)
    request_id = walk.certificate_post("change-requests", callers.intake,
                                       {"requested_on": "2026-09-10", "changed_on": "2026-09-05",
                                        "changes": {"name": f"{walk.name}（更名）"}}, 201, "id")["id"]
    walk.certificate_post("changes", callers.admin, {"request_id": request_id, "changed_on": "2026-09-20"})
    walk.suspend(date(2026, 10, 1), known_on=date(2026, 9, 28))
    walk.certificate_post("reinstatement", callers.decision, {"on": "2026-10-20", "evidence": "纠正措施已验证有效"})
    walk.certificate_post("cancellation", callers.decision,
                          {"on": "2026-11-02", "ground": "client_request", "detail": "企业停产，申请注销",
                           "trigger_on": "2026-10-30"})

    now = walk.get_certificate()
    assert now["status"] == "cancelled" and now["status_since"] == "2026-11-02"
    assert now["organization"]["name"] == f"{walk.name}（更名）" and now["version"] == 2
    assert now["surveillance"]["audits"] == [{"conducted_on": "2026-09-01", "outcome": "maintained"}]
    assert now["surveillance"]["next_due_by"] == "2027-09-01"

    # ?as_of: as the certificate stood at the end of that day, across the suspension
    assert walk.get_certificate(as_of=date(2026, 9, 30))["status"] == "valid"
    assert walk.get_certificate(as_of=date(2026, 10, 1))["status"] == "suspended"
    assert walk.get_certificate(as_of=date(2026, 10, 10))["status"] == "suspended"
    assert walk.get_certificate(as_of=date(2026, 10, 20))["status"] == "valid"
    assert walk.get_certificate(as_of=date(2026, 11, 1))["status"] == "valid"
    assert walk.get_certificate(as_of=date(2026, 11, 2))["status"] == "cancelled"
    assert walk.get_certificate(as_of=date(2026, 9, 19))["organization"]["name"] == walk.name

    events = walk.certificate_history()
    assert_history_shape(events)
    types = [e["type"] for e in events]
    assert types == (["Applied"] + ["DocumentReceived"] * 11
                     + ["Accepted", "AgreementSigned", "ProgrammePlanned", "TeamAppointed", "Stage1Conducted",
                        "Stage2Conducted", "ActivityDatumReviewed", "ReportSubmitted", "NonconformityClosed",
                        "Granted", "Issued", "SurveillanceActivityDatumReviewed",
                        "SurveillanceAuditRecorded", "ChangeRequested", "Changed", "Suspended", "Reinstated",
                        "Cancelled"]), types

    # Who did it (R-REC-1): the caller's person, in the role the endpoint acts in
    def actor(type_: str) -> dict[str, Any]:
        return only(events, type_)["actor"]

    assert actor("Applied") == {"person": str(callers.intake.person), "role": "intake"}
    assert actor("Accepted") == {"person": str(callers.intake.person), "role": "intake"}
    assert actor("ProgrammePlanned") == {"person": leader, "role": "auditor"}
    assert actor("TeamAppointed") == {"person": str(callers.admin.person), "role": "admin"}
    assert actor("Stage2Conducted") == {"person": member, "role": "auditor"}
    assert actor("Granted") == {"person": str(callers.decision.person), "role": "decision"}
    assert actor("Changed") == {"person": str(callers.admin.person), "role": "admin"}
    assert actor("Suspended") == {"person": str(callers.decision.person), "role": "decision"}

    # Effective dates are the business dates the caller gave, never after today
    assert only(events, "Suspended")["effective_on"] == "2026-10-01"
    assert only(events, "Suspended")["data"]["ground"] == "enforcement_penalty"
    assert only(events, "Granted")["data"]["certificate_number"] == number
    assert only(events, "Stage2Conducted")["data"]["nonconformities"][0]["ref"] == "NC-1"
    assert all(e["effective_on"] is None or e["effective_on"] <= "2026-11-24" for e in events)
    # recorded_at is the registry's own clock, ISO 8601 UTC
    recorded = {datetime.fromisoformat(e["recorded_at"]) for e in events}
    assert recorded == {clock.now()} and all(r.utcoffset() == timedelta(0) for r in recorded)

    # Each write's position is the log position of its last event
    by_position = {e["position"]: e["type"] for e in events}
    assert by_position[walk.answers["suspension"]["position"]] == "Suspended"
    assert by_position[walk.answers["reinstatement"]["position"]] == "Reinstated"
    assert by_position[walk.answers["cancellation"]["position"]] == "Cancelled"
    assert by_position[walk.answers["apply"]["position"] - 1] == "Applied"  # then the organisation's CaseOpened
    assert walk.answers["cancellation"]["position"] == registry.recorder.max_notification_id()

    # The organisation's history: its own events, its case's and its certificate's
    org_events = walk.organization_history()
    assert_history_shape(org_events)
    org_types = [e["type"] for e in org_events]
    assert org_types[:3] == ["Registered", "Applied", "CaseOpened"]
    assert {"CertificateIssued", "DetailsChanged", "Granted", "Issued", "Cancelled"} <= set(org_types)
    assert {e["position"] for e in events} <= {e["position"] for e in org_events}
    assert only(org_events, "Registered")["actor"] == {"person": str(callers.intake.person), "role": "intake"}
    assert {e["position"]: e["type"] for e in org_events}[walk.answers["decision"]["position"]] == \
        "CertificateIssued"

    # Staff may read the history too, and see the same
    assert walk.certificate_history(callers.member) == events


def test_every_write_answers_its_position_and_the_ids_it_created(client: TestClient, callers: Callers) -> None:
    person = written(client.post(f"{API}/people", json={"name": "李娜"}, headers=callers.admin.headers), 201, "id")
    pid = person["id"]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("registrations", {"kind": "ccaa_cems_auditor", "number": "CCAA-2024-CEMS-0099", "valid_from": "2024-01-01",
                           "valid_until": "2027-12-31"}),
        ("evaluations", {"on": "2025-01-10", "sectors": ["电力"]}),
        ("violations", {"on": "2025-06-01", "description": "未按规定记录审核时间"}),
        ("services", {"client_uscc": "91110000600037341L", "kind": "consulting", "on": "2025-03-01"}),
    ]
    positions = [person["position"]]
    for path, body in steps:
        answer = client.post(f"{API}/people/{pid}/{path}", json=body, headers=callers.admin.headers)
        assert answer.status_code in (200, 201), answer.text
        positions.append(written(answer, answer.status_code)["position"])
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    record = client.get(f"{API}/people/{pid}", headers=callers.regulator.headers).json()
    assert record["name"] == "李娜" and record["registrations"][0]["number"] == "CCAA-2024-CEMS-0099"
    assert record["services"] == [{"client_uscc": "91110000600037341L", "kind": "consulting", "on": "2025-03-01"}]

    walk = HttpWalk(client, callers).organization()
    assert walk.answers["organization"]["uscc"] == walk.uscc
    walk.apply()
    assert walk.answers["apply"]["id"] == walk.case
    upload = written(walk.upload("application_form"), 201, "sha256")
    assert upload["sha256"] == sha256(walk.document_content("application_form"))
    supplement = client.post(f"{API}/cases/{walk.case}/supplement-requests",
                             json={"requested_on": iso(walk.day(1)), "missing": ["carbon_review_report"],
                                   "note": "请补充碳评审报告"}, headers=callers.intake.headers)
    assert written(supplement, supplement.status_code)["position"] > upload["position"]


def test_the_staff_view_of_a_certificate_has_everything_the_public_sees_and_more(client: TestClient,
                                                                                 callers: Callers) -> None:
    """API.md: GET /certificates/{number} is everything the public sees, plus case ids, deadlines and versions.
    (`verify_url` joins both views with the signed QR tokens of issue 5.)"""
    walk = HttpWalk(client, callers).to_certificate()
    view = walk.get_certificate(callers.admin)

    public = {"number", "status", "status_since", "organization", "scope", "levels", "basis", "issued_on",
              "valid_until", "issuer", "surveillance"}
    missing = sorted(public - set(view))
    assert not missing, f"the staff view lacks {missing}"
    assert set(view["organization"]) >= {"name", "address", "uscc"}
    assert all(set(level) >= {"level", "method"} for level in view["levels"])
    assert set(view["basis"]) >= {"standard", "version", "sector_requirements"}
    assert set(view["issuer"]) >= {"name", "address", "code"}
    assert set(view["surveillance"]) >= {"next_due_by", "audits"}
    assert view["case_ids"] and view["deadlines"] and view["versions"]
