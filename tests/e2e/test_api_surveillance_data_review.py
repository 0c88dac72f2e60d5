"""A surveillance audit's greenhouse-gas data review through HTTP on PostgreSQL (R-GHG-2, R-GHG-3, R-GHG-4; §9.1.3):
activity data and factors recorded on the certificate by an auditor who may audit, refusals naming their rule and
writing nothing, the audit refused on unreviewed data, then taking the items with their quality profile, shown by
``GET …/data-review``, in the audit's answer and in the certificate's history."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from registry.application import Registry
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, SURVEILLANCE, HttpWalk, headers, problem, written

TABLE = {"table": "核算指南缺省值", "version": "2026",
         "entries": [{"key": "natural_gas", "value": "21.622", "unit": "tCO2/万Nm3"}]}


def factor(**overrides: Any) -> dict[str, Any]:
    return {"item": "天然气排放因子", "value": "21.622", "unit": "tCO2/万Nm3", "source": "《核算指南》附录二",
            "tier": "national", "lower_tier_reason": "未开展气质实测", "is_default": True,
            "guideline": {"table": "核算指南缺省值", "version": "2026", "key": "natural_gas"},
            "emissions_tco2e": "1000", "reviewed_on": "2026-09-01", **overrides}


def unwritten(registry: Registry, response: Any, status: int, rule: str | None = None,
              clause: str | None = None) -> dict[str, Any]:
    before = registry.recorder.max_notification_id()
    body = problem(response, status, rule, clause)
    assert registry.recorder.max_notification_id() == before
    return body


def test_a_surveillance_audits_data_review_through_http(client: TestClient, registry: Registry,
                                                         callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()  # issued 2026-04-01
    base = f"{API}/certificates/{walk.certificate}"
    audit = {"conducted_on": "2026-09-01", "team": {"leader": str(callers.leader.person), "members": []},
             "outcome": "maintained", **SURVEILLANCE}

    # R-GHG-2: no surveillance audit on unreviewed data
    before = registry.recorder.max_notification_id()
    refused = problem(client.post(f"{base}/surveillance-audits", json=audit, headers=callers.leader.headers), 422,
                      "R-GHG-2", "§7.2")
    assert "§9.1.3" in refused["detail"] and registry.recorder.max_notification_id() == before

    # who records the data: an auditor who may audit (403 for other roles; R-TEAM-2 for one who may not audit)
    datum = walk.activity_datum_body(reviewed_on="2026-09-01", emissions_tco2e="750")
    unwritten(registry, client.post(f"{base}/data-review/activity-data", json=datum,
                                    headers=callers.regulator.headers), 403)
    unwritten(registry, client.post(f"{base}/data-review/activity-data", json=datum, headers=callers.intake.headers),
              403)
    unwritten(registry, client.post(f"{base}/data-review/activity-data", json=datum,
                                    headers=callers.outsider.headers), 422, "R-TEAM-2", "§5.3")
    # R-GHG-2 as in a case: an estimate carries its reason
    unwritten(registry, client.post(f"{base}/data-review/activity-data", headers=callers.leader.headers,
                                    json={**datum, "data_class": "estimated", "calibration": None}),
              422, "R-GHG-2", "§7.2")
    walk.review_surveillance(date(2026, 9, 1), emissions_tco2e="750")
    walk.review_surveillance(date(2026, 9, 1), callers.member, item="柴油消耗量", data_class="intermittent",
                             lower_class_reason="移动源按加油记录计量", emissions_tco2e="250")

    # R-GHG-3: a default equals the body's reference table, as in a case
    written(client.post(f"{API}/reference/emission-factor-tables", json=TABLE, headers=callers.admin.headers), 201)
    off = unwritten(registry, client.post(f"{base}/data-review/emission-factors", json=factor(value="21.623"),
                                          headers=callers.leader.headers), 422, "R-GHG-3", "§7.3")
    assert "21.622" in off["detail"]
    written(client.post(f"{base}/data-review/emission-factors", json=factor(), headers=callers.leader.headers), 201)

    # pending: the items and their profile, as staff and the regulator read them; unknown certificate 404
    review = client.get(f"{base}/data-review", headers=callers.regulator.headers).json()
    assert review["number"] == walk.certificate and review["audits"] == []
    assert [i["item"] for i in review["pending"]["activity_data"]] == ["天然气消耗量", "柴油消耗量"]
    assert review["pending"]["emission_factors"][0]["guideline_value"] == "21.622"
    assert review["pending"]["quality_profile"] == {"by_class": {"continuous": 0.75, "intermittent": 0.25},
                                                    "by_tier": {"national": 1.0}}
    problem(client.get(f"{API}/certificates/CB-CEMS-2099-99999/data-review", headers=callers.regulator.headers), 404)
    problem(client.get(f"{base}/data-review"), 401)

    # the audit takes them, and answers its profile (the same answer on a replay)
    key = headers(callers.leader, "surveillance-2026-09-01")
    answer = written(client.post(f"{base}/surveillance-audits", json=audit, headers=key), 201)
    assert answer["quality_profile"] == review["pending"]["quality_profile"]
    replayed = client.post(f"{base}/surveillance-audits", json=audit, headers=key)
    assert replayed.json() == answer and replayed.headers["Idempotency-Replayed"] == "true"
    review = client.get(f"{base}/data-review", headers=callers.leader.headers).json()
    assert review["pending"]["activity_data"] == [] and review["pending"]["quality_profile"]["by_class"] == {}
    (taken,) = review["audits"]
    assert taken["conducted_on"] == "2026-09-01" and len(taken["activity_data"]) == 2
    assert taken["quality_profile"] == answer["quality_profile"] and taken["emissions_tco2e"] == "1000"

    # the history: each item reviewed, and the audit with its profile as recorded
    events = walk.certificate_history()
    types = [e["type"] for e in events]
    assert types.count("SurveillanceActivityDatumReviewed") == 2
    assert types.count("SurveillanceEmissionFactorReviewed") == 1
    recorded = next(e for e in events if e["type"] == "SurveillanceAuditRecorded")
    assert recorded["data"]["quality_profile"] == {"by_class": {"continuous": "0.75", "intermittent": "0.25"},
                                                   "by_tier": {"national": "1"}}
    reviewer = next(e for e in events if e["type"] == "SurveillanceActivityDatumReviewed")
    assert reviewer["actor"] == {"person": str(callers.leader.person), "role": "auditor"}


def test_the_findings_on_a_surveillance_audits_data_through_http(client: TestClient, registry: Registry,
                                                                 callers: Callers) -> None:
    """§7.1: the reviewer's findings for the coming audit, refused without one of the three, then taken by it."""
    walk = HttpWalk(client, callers).to_certificate()
    base = f"{API}/certificates/{walk.certificate}"
    findings = {"representativeness": "计量覆盖全部排放源", "completeness": "边界完整", "accuracy": "抽查一致",
                "reviewed_on": "2026-09-01"}
    unwritten(registry, client.post(f"{base}/data-review/findings", json={**findings, "completeness": ""},
                                    headers=callers.leader.headers), 422, "R-GHG-2", "§7.1")
    unwritten(registry, client.post(f"{base}/data-review/findings", json=findings, headers=callers.intake.headers),
              403)
    written(client.post(f"{base}/data-review/findings", json=findings, headers=callers.leader.headers))
    pending = client.get(f"{base}/data-review", headers=callers.regulator.headers).json()["pending_findings"]
    assert pending == {k: v for k, v in findings.items() if k != "reviewed_on"}

    walk.review_surveillance(date(2026, 9, 1))
    audit = {"conducted_on": "2026-09-01", "team": {"leader": str(callers.leader.person), "members": []},
             "outcome": "maintained", **SURVEILLANCE}
    written(client.post(f"{base}/surveillance-audits", json=audit, headers=callers.leader.headers), 201)
    review = client.get(f"{base}/data-review", headers=callers.regulator.headers).json()
    assert review["pending_findings"] is None and review["audits"][-1]["findings"]["accuracy"] == "抽查一致"
