"""R-SUS-3 and R-CAN-2 through HTTP and the office: a ground for suspension or withdrawal recorded on its own
(``POST /api/v1/certificates/{number}/grounds``, the certificate page's form) opens the 7-day deadline at once, the
suspension settles it; a cancellation without its trigger's date is refused naming R-CAN-2. Each refusal writes
nothing."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from registry.application import Registry
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, problem
from tests.e2e.office_users import Office
from tests.e2e.test_api_surveillance import deadlines, refused
from tests.e2e.test_office_records import certified, refusal_of, written

GROUND = {"ground": "enforcement_penalty", "known_on": "2026-11-20", "source": "生态环境局行政处罚决定书，客户报告",
          "detail": "受到行政处罚"}


def test_a_ground_opens_its_deadline_and_the_suspension_settles_it(client: TestClient, registry: Registry,
                                                                   callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    base = f"/certificates/{walk.certificate}"
    problem(client.post(f"{API}{base}/grounds", json=GROUND, headers=callers.intake.headers), 403)
    refused(client, registry, f"{base}/grounds", {**GROUND, "source": " "}, callers.decision.headers,
            "R-SUS-3", "§11.3")

    ground = walk.certificate_post("grounds", callers.decision, GROUND, 201, "id")["id"]
    subject = f"certificate {walk.certificate}: measure on the ground known on 2026-11-20 (enforcement_penalty)"
    assert deadlines(client, registry, callers)[subject] == ("2026-11-27", "open")
    assert any(d["rule"] == "R-SUS-3" and d["due_on"] == "2026-11-27" for d in walk.get_certificate()["deadlines"])
    history = client.get(f"{API}{base}/history", headers=callers.regulator.headers).json()
    recorded = [e for e in history["events"] if e["type"] == "GroundRecorded"]
    assert recorded and recorded[0]["data"]["ground_id"] == ground

    # a suspension dating its ground after the one recorded is refused; dated by it, it settles the deadline
    refused(client, registry, f"{base}/suspension", {"on": "2026-11-24", "known_on": "2026-11-22",
                                                     "ground": "enforcement_penalty"}, callers.decision.headers,
            "R-SUS-3", "§11.3")
    walk.suspend(date(2026, 11, 24), known_on=date(2026, 11, 20))
    assert deadlines(client, registry, callers)[subject] == ("2026-11-27", "met")


def test_a_cancellation_names_its_triggers_date(client: TestClient, registry: Registry, callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    body = {"on": "2026-11-02", "ground": "client_request", "detail": "企业停产，申请注销"}
    refused(client, registry, f"/certificates/{walk.certificate}/cancellation", body, callers.decision.headers,
            "R-CAN-2", "§11.4")
    walk.certificate_post("cancellation", callers.decision, {**body, "trigger_on": "2026-10-30"})
    assert walk.get_certificate()["status"] == "cancelled"


def test_the_certificate_page_records_a_ground_and_shows_its_deadline(office: Office) -> None:
    walk = certified(office)
    number = walk.number or ""
    url = f"/office/certificates/{number}"
    assert 'data-form="grounds"' not in office.leader.get(url).text  # a decision maker's form
    assert 'data-form="grounds"' in office.decision.get(url).text

    before = written(office.registry)
    answer = office.decision.post(f"{url}/grounds", {"ground": "major_defect", "known_on": "2026-06-01",
                                                     "source": "", "detail": "体系重大缺陷"})
    assert answer.status_code == 422 and 'data-rule="R-SUS-3"' in refusal_of(answer.text)
    assert written(office.registry) == before
    answer = office.decision.post(f"{url}/grounds", {"ground": "major_defect", "known_on": "2026-06-01",
                                                     "source": "监督审核发现，审核组报告", "detail": "体系重大缺陷"})
    assert answer.status_code == 303, answer.text
    page = office.regulator.get(url).text
    assert '<li data-event="GroundRecorded"' in page and "获知暂停或撤销的理由" in page
    assert "R-SUS-3" in page and "2026-06-08" in page  # the deadline on the page, 7 days on
