"""The public lookup over HTTP, no token: one certificate, search, read-your-write, as_of, and health."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers


def certified(registry: Registry, name: str | None = None) -> Walk:
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2))
    walk.organization(name).apply().documents().accept().agree().programme().team().stage1().stage2().report()
    return walk.decide(decided_on=date(2026, 3, 31))


def test_a_client_reads_its_own_write_with_after(client: TestClient, registry: Registry, callers: Callers) -> None:
    walk = certified(registry)
    suspended = client.post(f"/api/v1/certificates/{walk.number}/suspension", headers=callers.decision.headers,
                            json={"on": "2026-06-01", "known_on": "2026-05-30", "ground": "major_defect",
                                  "detail": "体系重大缺陷"})
    assert suspended.status_code == 200, suspended.text

    public = client.get(f"/api/v1/public/certificates/{walk.number}",
                        params={"after": suspended.json()["position"]})

    assert public.status_code == 200
    body = public.json()
    assert body["status"] == "suspended" and body["status_since"] == "2026-06-01"
    assert body["status_history"] == [{"since": "2026-03-31", "status": "valid"},
                                      {"since": "2026-06-01", "status": "suspended"}]
    header = client.get(f"/api/v1/public/certificates/{walk.number}",
                        headers={"X-Registry-After": str(suspended.json()["position"])})
    assert header.json()["status"] == "suspended"


def test_the_public_certificate_carries_the_10_1_contents(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    position = registry.recorder.max_notification_id()

    body = client.get(f"/api/v1/public/certificates/{walk.number}", params={"after": position}).json()

    assert body["number"] == walk.number
    assert body["organization"] == {"name": walk.name, "address": "上海市浦东新区示例路88号", "uscc": walk.uscc}
    assert body["scope"] and body["levels"] == [{"level": "organization", "method": "iso_14064_1"}]
    assert body["basis"] == {"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": []}
    assert (body["issued_on"], body["valid_until"]) == ("2026-03-31", "2029-03-30")
    assert set(body["issuer"]) == {"name", "address", "code"}
    assert body["surveillance"]["next_due_by"] == "2027-03-31" and body["surveillance"]["audits"] == []


def test_as_of_a_day_inside_a_suspension_shows_it_suspended_and_before_it_valid(client: TestClient,
                                                                              registry: Registry,
                                                                              callers: Callers) -> None:
    walk = certified(registry)
    registry.suspend(walk.number or "", date(2026, 6, 1), date(2026, 6, 1), "major_defect", "缺陷",
                     actor=walk.staff.decision)
    registry.reinstate(walk.number or "", date(2026, 7, 1), "已纠正", actor=walk.staff.decision)
    url = f"/api/v1/public/certificates/{walk.number}"

    assert client.get(url, params={"as_of": "2026-05-31"}).json()["status"] == "valid"
    assert client.get(url, params={"as_of": "2026-06-15"}).json()["status"] == "suspended"
    assert client.get(url, params={"as_of": "2026-07-01"}).json()["status"] == "valid"
    before_issue = client.get(url, params={"as_of": "2026-03-30"})
    assert before_issue.status_code == 404
    assert before_issue.headers["content-type"].startswith("application/problem+json")


def test_a_lapsed_surveillance_never_shows_valid_even_before_the_scheduler_runs(client: TestClient,
                                                                              registry: Registry,
                                                                              clock: FixedClock) -> None:
    walk = certified(registry)  # surveillance due by 2027-03-31
    position = registry.recorder.max_notification_id()
    url = f"/api/v1/public/certificates/{walk.number}"

    clock.set(date(2027, 3, 31))
    on_the_due_day = client.get(url, params={"after": position}).json()
    clock.set(date(2027, 4, 1))
    the_day_after = client.get(url).json()

    assert on_the_due_day["status"] == "valid"
    assert the_day_after["status"] == "suspended"
    assert the_day_after["suspension_ground"] == "surveillance_overdue"
    assert the_day_after["status_since"] == "2027-04-01"
    assert the_day_after["surveillance"]["overdue"] is True


def test_search_by_uscc_by_chinese_name_by_status_with_paging(client: TestClient, registry: Registry) -> None:
    steel = [certified(registry, f"宝钢特种钢铁有限公司{i}") for i in range(3)]
    power = certified(registry, "华能清洁电力有限公司")
    registry.withdraw(steel[0].number or "", date(2026, 6, 1), date(2026, 6, 1), "enforcement_penalty", "处罚",
                      actor=steel[0].staff.decision)
    after = {"after": registry.recorder.max_notification_id()}

    by_uscc = client.get("/api/v1/public/certificates", params={**after, "uscc": power.uscc}).json()
    by_name = client.get("/api/v1/public/certificates", params={**after, "name": "特种钢铁"}).json()
    valid_steel = client.get("/api/v1/public/certificates", params={"name": "钢铁", "status": "valid"}).json()
    page_2 = client.get("/api/v1/public/certificates", params={"name": "钢铁", "page": 2, "page_size": 2}).json()

    assert [i["number"] for i in by_uscc["items"]] == [power.number] and by_uscc["total"] == 1
    assert by_uscc["items"][0] == {"number": power.number, "status": "valid",
                                   "organization": {"name": "华能清洁电力有限公司", "uscc": power.uscc},
                                   "valid_until": "2029-03-30"}
    assert by_name["total"] == 3
    assert valid_steel["total"] == 2
    assert page_2["total"] == 3 and len(page_2["items"]) == 1
    assert client.get("/api/v1/public/certificates", params={"name": "不存在的公司"}).json()["total"] == 0


def test_an_unknown_certificate_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/public/certificates/CB-CEMS-1999-99999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_health_shows_the_log_head_and_each_views_position(client: TestClient, registry: Registry) -> None:
    certified(registry)
    head = registry.recorder.max_notification_id()
    client.get("/api/v1/public/certificates", params={"after": head})

    health = client.get("/api/v1/health").json()

    assert health["status"] == "ok"
    assert health["views"] == {"log_head": head, "public_certificates": head, "log": head, "lag": 0}
