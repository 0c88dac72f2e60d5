"""Issue 23, item 5 through HTTP on PostgreSQL: qualifications (R-STAFF-1), the sector list and the scope's sectors
(R-TEAM-3), the programme's basis, cycle and approval (R-PREP-2), stage 1's key audit points (R-S1-2), each refusal
a problem naming its rule and clause, Chinese first."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi.testclient import TestClient

from registry.application import Registry
from registry.values import Actor, Role
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, HttpWalk, bearer, enrol_person, iso, problem, written
from tests.factories import open_without_sectors

TRAININGS = ("carbon_footprint", "life_cycle_assessment", "certification_technique")


def qualify(client: TestClient, admin: Caller, pid: str | UUID, on: date = date(2020, 1, 1),
            skip: tuple[str, ...] = ()) -> None:
    bodies = [{"kind": "education", "subject": "环境工程 硕士"},
              {"kind": "work_experience", "subject": "能源管理 5 年"}]
    bodies += [{"kind": "training", "subject": s} for s in TRAININGS]
    for body in bodies:
        if body["subject"] not in skip and body["kind"] not in skip:
            written(client.post(f"{API}/people/{pid}/qualifications", json={**body, "on": iso(on)},
                                headers=admin.headers), 201)


def test_qualifications_are_recorded_and_shown_on_the_person(client: TestClient, callers: Callers) -> None:
    pid = enrol_person(client, callers.admin, "资质人员")
    qualify(client, callers.admin, pid)
    bad = client.post(f"{API}/people/{pid}/qualifications",
                      json={"kind": "training", "subject": "消防", "on": "2020-01-01"}, headers=callers.admin.headers)
    problem(bad, 422)
    forbidden = client.post(f"{API}/people/{pid}/qualifications",
                            json={"kind": "education", "subject": "学士", "on": "2020-01-01"},
                            headers=callers.intake.headers)
    problem(forbidden, 403)

    person = client.get(f"{API}/people/{pid}", headers=callers.regulator.headers).json()
    assert sorted(q["subject"] for q in person["qualifications"] if q["kind"] == "training") == sorted(TRAININGS)


def test_an_intake_reviewer_without_training_is_refused_naming_rule_person_and_training(
        client: TestClient, callers: Callers, registry: Registry) -> None:
    pid = enrol_person(client, callers.admin, "新受理员")
    qualify(client, callers.admin, pid, skip=("certification_technique",))
    _, token = registry.add_user("新受理员", ["intake"], UUID(pid))
    walk = HttpWalk(client, callers).organization().apply().documents()

    response = client.post(f"{API}/cases/{walk.case}/acceptance", json=walk.acceptance_body(), headers=bearer(token))

    body = problem(response, 422, "R-STAFF-1", "§5.2")
    assert "新受理员" in body["detail"] and "认证技术培训" in body["detail"]
    assert body["detail"].index("认证技术培训") < body["detail"].index("certification technique")


def test_the_sector_list_and_an_application_s_sectors(client: TestClient, callers: Callers) -> None:
    written(client.post(f"{API}/reference/sectors", json={"name": "钢铁", "code": "C31"},
                        headers=callers.admin.headers), 201)
    problem(client.post(f"{API}/reference/sectors", json={"name": "钢铁", "code": "C32"},
                        headers=callers.admin.headers), 409)
    problem(client.post(f"{API}/reference/sectors", json={"name": "水泥", "code": "C30"},
                        headers=callers.intake.headers), 403)
    listed = client.get(f"{API}/reference/sectors", headers=callers.regulator.headers).json()["sectors"]
    assert {"name": "钢铁", "code": "C31"} in listed

    walk = HttpWalk(client, callers).organization()
    for sectors in ([], ["造纸"]):
        body = problem(client.post(f"{API}/cases", json=walk.application(sectors=sectors),
                                   headers=callers.intake.headers), 422, "R-TEAM-3", "§5.4, §8.3.2")
        assert (sectors[0] if sectors else "未指明") in body["detail"]

    # a team evaluated only for 电力 does not cover 钢铁
    walk.apply(sectors=["电力", "钢铁"]).documents().accept().agree().programme()
    body = problem(client.post(f"{API}/cases/{walk.case}/team", json=walk.team_body(),
                               headers=callers.admin.headers), 422, "R-TEAM-3")
    assert "钢铁" in body["detail"]
    written(client.post(f"{API}/people/{callers.member.person}/evaluations",
                        json={"on": "2025-01-10", "sectors": ["钢铁"]}, headers=callers.admin.headers), 201)
    walk.team()
    assert client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()["sectors"] == [
        "电力", "钢铁"]


def test_r_team_3_intake_records_the_sectors_of_a_case_applied_before_the_rule(
        client: TestClient, callers: Callers, registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization()
    walk.case_id = str(open_without_sectors(registry, walk.uscc, walk.start,
                                            Actor(callers.intake.person, Role.INTAKE)))
    walk.documents().accept().agree().programme()
    problem(client.post(f"{API}/cases/{walk.case}/team", json=walk.team_body(), headers=callers.admin.headers),
            422, "R-TEAM-3", "§5.4, §8.3.2")
    url = f"{API}/cases/{walk.case}/sectors"

    before = registry.recorder.max_notification_id()
    body = problem(client.post(url, json={"sectors": ["造纸"], "on": iso(walk.day(5))},
                               headers=callers.intake.headers), 422, "R-TEAM-3", "§5.4, §8.3.2")
    assert "造纸" in body["detail"] and body["detail"].index("造纸") < body["detail"].index("not in")
    problem(client.post(url, json={"sectors": []}, headers=callers.intake.headers), 422, "R-TEAM-3", "§5.4, §8.3.2")
    problem(client.post(url, json={"sectors": ["电力"]}, headers=callers.leader.headers), 403)
    assert registry.recorder.max_notification_id() == before

    written(client.post(url, json={"sectors": ["电力"], "on": iso(walk.day(5))}, headers=callers.intake.headers))
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert case["sectors"] == ["电力"]
    history = client.get(f"{API}/organizations/{walk.uscc}/history", headers=callers.regulator.headers).json()
    recorded = [e for e in history["events"] if e["type"] == "SectorsRecorded"]
    assert [(e["data"]["sectors"], e["data"]["replaced"], e["effective_on"], e["actor"]["role"]) for e in recorded] == [
        (["电力"], [], iso(walk.day(5)), "intake")]

    walk.team()  # now covered
    body = problem(client.post(url, json={"sectors": ["电力"]}, headers=callers.intake.headers), 422, "R-TEAM-3",
                   "§5.4, §8.3.2")
    assert body["detail"].startswith("审核组已于")


def test_a_short_programme_waits_for_a_decision_maker_s_approval(client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_acceptance().agree()
    problem(client.post(f"{API}/cases/{walk.case}/programme", json=walk.programme_body(basis=None),
                        headers=callers.leader.headers), 422, "R-PREP-2", "§8.3.1")
    walk.programme(person_days=3.5, justification="单一厂区，仅外购电力").team()

    problem(client.post(f"{API}/cases/{walk.case}/stage1", json=walk.stage1_body(), headers=callers.leader.headers),
            422, "R-PREP-2", "§8.3.3")
    approval = {"approved_on": iso(walk.day(6)), "note": "同意"}
    problem(client.post(f"{API}/cases/{walk.case}/programme/approval", json=approval,
                        headers=callers.leader.headers), 403)
    written(client.post(f"{API}/cases/{walk.case}/programme/approval", json=approval,
                        headers=callers.decision.headers))
    problem(client.post(f"{API}/cases/{walk.case}/stage1", json=walk.stage1_body(key_audit_points=[]),
                        headers=callers.leader.headers), 422, "R-S1-2", "§8.4.1")
    problem(client.post(f"{API}/cases/{walk.case}/stage1", json=walk.stage1_body(person_days=None),
                        headers=callers.leader.headers), 422, "R-PREP-2", "§8.3.3")
    walk.stage1().stage2(majors=0)

    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert case["programme"]["approved_on"] == iso(walk.day(6))
    assert case["programme"]["justification"] == "单一厂区，仅外购电力"
    assert case["stage1"]["key_audit_points"] == walk.stage1_body()["key_audit_points"]
    assert case["person_days_spent"] == {"stage1": "1", "stage2": "3"}


def test_off_site_ground_3_records_its_three_verified_years(client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_team()
    ground = {"on_site": False, "off_site_ground": "three_years_verified_reporting", "justification": "连续三年核查"}
    two = [{"year": 2024, "verifier": "甲核查机构"}, {"year": 2025, "verifier": "乙核查机构"}]
    problem(client.post(f"{API}/cases/{walk.case}/stage1", json=walk.stage1_body(**ground, verified_years=two),
                        headers=callers.leader.headers), 422, "R-S1-2", "§8.4.1 (1)")
    walk.stage1(**ground, verified_years=[{"year": 2023, "verifier": "丙核查机构"}, *two])
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert [y["verifier"] for y in case["stage1"]["verified_years"]] == ["丙核查机构", "甲核查机构", "乙核查机构"]
