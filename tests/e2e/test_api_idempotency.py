"""Idempotency-Key (API.md, Conventions): a repeat with the same key and body returns the first answer and records
nothing new; the same key with another body is a 409; the key is kept in the store, so it outlives a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from demo.scenario import new_uscc
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, headers, problem, sha256, written


def log_size(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


@pytest.fixture
def restarted(registry: Registry, clock: FixedClock) -> Iterator[TestClient]:
    """A second app on a registry opened anew on the same database, as after a restart."""
    again = Registry(RegistryConfig(database_url=registry.config.database_url), clock)
    try:
        with TestClient(create_app(Settings(), registry=again), raise_server_exceptions=False) as c:
            yield c
    finally:
        again.close()


def test_a_repeat_with_the_same_key_and_body_answers_the_first_answer_and_records_nothing(
        client: TestClient, callers: Callers, registry: Registry) -> None:
    body = {"uscc": new_uscc(), "name": "幂等测试有限公司", "address": "广州市示例路7号"}

    first = client.post(f"{API}/organizations", json=body, headers=headers(callers.intake, "org-1"))
    size = log_size(registry)
    second = client.post(f"{API}/organizations", json=body, headers=headers(callers.intake, "org-1"))

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert written(first, 201, "id", "uscc")["uscc"] == body["uscc"]
    assert "idempotency-replayed" not in first.headers
    assert second.headers["idempotency-replayed"] == "true"
    assert log_size(registry) == size


def test_a_repeated_decision_issues_one_certificate(client: TestClient, callers: Callers,
                                                    registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_report().close()
    path, body = f"{API}/cases/{walk.case}/decision", walk.decision_body()

    first = client.post(path, json=body, headers=headers(callers.decision, "decide-once"))
    size = log_size(registry)
    second = client.post(path, json=body, headers=headers(callers.decision, "decide-once"))

    assert first.status_code == second.status_code == 200, second.text
    assert second.json() == first.json() and first.json()["certificate_number"]
    assert second.headers["idempotency-replayed"] == "true"
    assert log_size(registry) == size
    walk.number = first.json()["certificate_number"]
    assert [e["type"] for e in walk.certificate_history()].count("Issued") == 1


def test_the_same_key_with_another_body_is_a_conflict(client: TestClient, callers: Callers,
                                                      registry: Registry) -> None:
    body = {"uscc": new_uscc(), "name": "幂等冲突有限公司", "address": "深圳市示例路9号"}
    written(client.post(f"{API}/organizations", json=body, headers=headers(callers.intake, "org-2")), 201)
    size = log_size(registry)

    other = client.post(f"{API}/organizations", json={**body, "uscc": new_uscc()},
                        headers=headers(callers.intake, "org-2"))

    problem(other, 409)
    assert "idempotency-replayed" not in other.headers
    assert log_size(registry) == size


def test_the_same_key_on_another_endpoint_is_a_conflict(client: TestClient, callers: Callers,
                                                        registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_acceptance()
    written(client.post(f"{API}/cases/{walk.case}/agreement", json=walk.agreement_body(),
                        headers=headers(callers.intake, "step")), 200)
    size = log_size(registry)

    other = client.post(f"{API}/organizations", json={"uscc": new_uscc(), "name": "别的", "address": "别处"},
                        headers=headers(callers.intake, "step"))

    problem(other, 409)
    assert log_size(registry) == size


def test_a_refused_request_does_not_use_up_its_key(client: TestClient, callers: Callers,
                                                   registry: Registry) -> None:
    """A refused request writes nothing, its key included: the corrected request may not reuse it, but the same
    refused request is refused again rather than answered from a record."""
    walk = HttpWalk(client, callers).to_acceptance().agree()
    path = f"{API}/cases/{walk.case}/programme"
    size = log_size(registry)

    for _ in range(2):
        refused = client.post(path, json=walk.programme_body(person_days=3), headers=headers(callers.leader, "plan"))
        problem(refused, 422, "R-TIME-1")
        assert "idempotency-replayed" not in refused.headers
    assert log_size(registry) == size


def test_the_key_outlives_a_restart(client: TestClient, restarted: TestClient, callers: Callers,
                                    registry: Registry) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    path = f"{API}/certificates/{walk.certificate}/suspension"
    body = {"on": "2026-10-01", "known_on": "2026-09-30", "ground": "trading_noncompliance", "detail": "未履约"}

    first = client.post(path, json=body, headers=headers(callers.decision, "suspend-1"))
    size = log_size(registry)
    second = restarted.post(path, json=body, headers=headers(callers.decision, "suspend-1"))

    assert first.status_code == second.status_code == 200, second.text
    assert second.json() == first.json()
    assert second.headers["idempotency-replayed"] == "true"
    assert log_size(registry) == size
    problem(restarted.post(path, json={**body, "detail": "另一个"}, headers=headers(callers.decision, "suspend-1")),
            409)
    assert [e["type"] for e in walk.certificate_history()].count("Suspended") == 1


def test_a_document_upload_retried_with_the_same_file_is_stored_once(client: TestClient, callers: Callers,
                                                                     registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    content = b"%PDF-1.7 application form, signed"

    first = walk.upload("application_form", content=content, key="upload-1")
    size = log_size(registry)
    second = walk.upload("application_form", content=content, key="upload-1")

    assert first.status_code == second.status_code == 201, second.text
    assert written(first, 201, "sha256")["sha256"] == sha256(content)
    assert second.json() == first.json()
    assert second.headers["idempotency-replayed"] == "true"
    assert log_size(registry) == size
    events = walk.organization_history()
    assert [e["type"] for e in events].count("DocumentReceived") == 1
    problem(walk.upload("application_form", content=b"%PDF-1.7 another file", key="upload-1"), 409)
    assert log_size(registry) == size
