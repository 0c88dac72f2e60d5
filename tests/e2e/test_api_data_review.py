"""The greenhouse-gas data review through HTTP on PostgreSQL (R-GHG-2, R-GHG-3, R-GHG-4): a reference table
published, activity data and factors recorded by the team's auditors, refusals naming their rule, the decision
refused until data is reviewed, the profile in the case and the records in the certificate's history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, history, iso, problem, written

TABLE = {"table": "核算指南缺省值", "version": "2026",
         "entries": [{"key": "natural_gas", "value": "21.622", "unit": "tCO2/万Nm3"},
                     {"key": "grid_power", "value": "0.5703", "unit": "tCO2/MWh"}]}


def factor(**overrides: object) -> dict[str, object]:
    return {"item": "天然气排放因子", "value": "21.622", "unit": "tCO2/万Nm3", "source": "《核算指南》附录二",
            "tier": "national", "lower_tier_reason": "未开展气质实测", "is_default": True,
            "guideline": {"table": "核算指南缺省值", "version": "2026", "key": "natural_gas"},
            "emissions_tco2e": "750", "reviewed_on": "2026-03-22", **overrides}


def test_a_data_review_through_http_from_reference_table_to_certificate(client: TestClient,
                                                                        callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_team().stage1().stage2(majors=0, review=False).report()
    review_path = f"{API}/cases/{walk.case}/data-review"

    # the reference table (admin only), once per version
    problem(client.post(f"{API}/reference/emission-factor-tables", json=TABLE, headers=callers.leader.headers), 403)
    written(client.post(f"{API}/reference/emission-factor-tables", json=TABLE, headers=callers.admin.headers), 201)
    problem(client.post(f"{API}/reference/emission-factor-tables", json=TABLE, headers=callers.admin.headers), 409)
    table = client.get(f"{API}/reference/emission-factor-tables/核算指南缺省值/2026", headers=callers.regulator.headers)
    assert table.status_code == 200 and table.json()["entries"][1]["value"] == "0.5703"

    # R-GHG-4: no grant on unreviewed data
    problem(client.post(f"{API}/cases/{walk.case}/decision", json=walk.decision_body(),
                        headers=callers.decision.headers), 422, "R-GHG-4", "§7")

    # R-GHG-2: an estimate carries its reason; only the case's auditors record; a lapsed calibration is flagged
    estimated = walk.activity_datum_body(item="柴油消耗量", data_class="estimated", calibration=None,
                                         emissions_tco2e="250")
    refused = problem(client.post(f"{review_path}/activity-data", json=estimated, headers=callers.leader.headers),
                      422, "R-GHG-2", "§7.2")
    assert refused["detail"].startswith("估算类数据")
    problem(client.post(f"{review_path}/activity-data", json=walk.activity_datum_body(),
                        headers=callers.outsider.headers), 403)
    written(client.post(f"{review_path}/activity-data", json={**estimated, "lower_class_reason": "应急发电机无计量表"},
                        headers=callers.leader.headers), 201)
    lapsed = walk.activity_datum_body(calibration={"equipment": "电能表 E-2", "calibrated_on": "2025-03-21",
                                                   "valid_until": iso(walk.day(19))}, item="外购电量", unit="MWh",
                                      emissions_tco2e="750")
    written(client.post(f"{review_path}/activity-data", json=lapsed, headers=callers.member.headers), 201)

    # R-GHG-3: a default equals the table (0.001 off refused, naming the table, version and value)
    off = problem(client.post(f"{review_path}/emission-factors", json=factor(value="21.623"),
                              headers=callers.leader.headers), 422, "R-GHG-3", "§7.3")
    assert "核算指南缺省值 2026" in off["detail"] and "21.622" in off["detail"]
    written(client.post(f"{review_path}/emission-factors", json=factor(), headers=callers.leader.headers), 201)
    written(client.post(f"{review_path}/emission-factors",
                        json=factor(item="柴油因子", tier="international", is_default=False, guideline=None,
                                    value="3.15", unit="tCO2/t", emissions_tco2e="250"),
                        headers=callers.leader.headers), 201)
    written(client.post(f"{review_path}/findings",
                        json={"representativeness": "覆盖全部排放源", "completeness": "截止至年末",
                              "accuracy": "抽查一致", "reviewed_on": iso(walk.day(20))},
                        headers=callers.leader.headers), 200)

    # the review as a regulator reads it: 250 estimated + 750 continuous; 750 national + 250 international
    review = client.get(review_path, headers=callers.regulator.headers).json()
    assert review["quality_profile"] == {"by_class": {"continuous": 0.75, "estimated": 0.25},
                                         "by_tier": {"national": 0.75, "international": 0.25}}
    assert [f["item"] for f in review["flags"]] == ["外购电量"]
    assert review["emission_factors"][0]["guideline_value"] == "21.622"
    assert review["findings"]["completeness"] == "截止至年末"

    walk.decide()
    events = history(client, f"/certificates/{walk.certificate}", callers.regulator)
    types = [e["type"] for e in events]
    assert types.count("ActivityDatumReviewed") == 2 and types.count("EmissionFactorReviewed") == 2
    assert "ReviewFindingsRecorded" in types
    reviewed = next(e for e in events if e["type"] == "ActivityDatumReviewed")
    assert reviewed["actor"]["role"] == "auditor" and reviewed["data"]["datum"]["data_class"] == "estimated"
