"""Concurrent conflicting writes over HTTP (API.md, Conventions: 409 for a concurrent change): of two requests that
change one certificate at once, exactly one wins; the loser is a 409 problem; the history holds exactly the
winner's events, nothing lost and nothing twice. Two app instances share the database, as two servers would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from registry.idempotency import Idempotency
from registry.values import Written
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, headers, problem, written
from tests.factories import race

if TYPE_CHECKING:
    from httpx2 import Response

ROUNDS = 10


@dataclass
class Instance:
    client: TestClient
    registry: Registry


@pytest.fixture
def other(registry: Registry, clock: FixedClock) -> Iterator[Instance]:
    """A second app instance with a registry of its own on the same database."""
    second = Registry(RegistryConfig(database_url=registry.config.database_url), clock)
    try:
        with TestClient(create_app(Settings(), registry=second), raise_server_exceptions=False) as c:
            yield Instance(c, second)
    finally:
        second.close()


def hold_commits(monkeypatch: pytest.MonkeyPatch, *registries: Registry) -> None:
    """Holds each registry's next save until all have read the same state, so the writes truly conflict."""
    barrier = threading.Barrier(len(registries))
    for registry in registries:
        original = registry._commit

        def commit(*aggregates: Any, _original: Any = original, **ids: Any) -> Written:
            barrier.wait(timeout=10)
            return _original(*aggregates, **ids)

        monkeypatch.setattr(registry, "_commit", commit)


MEASURES = {
    "suspension": ({"on": "2026-10-01", "known_on": "2026-10-01", "ground": "enforcement_penalty",
                    "detail": "受到行政处罚"}, "suspended", ["Suspended"], ["Suspended"]),
    "withdrawal": ({"on": "2026-10-01", "known_on": "2026-10-01", "ground": "major_defect", "detail": "严重缺陷"},
                   "withdrawn", ["Withdrawn"], ["Withdrawn", "CertificateWithdrawn"]),
}


def one_winner(walk: HttpWalk, results: list[Any], measure: str, before: list[dict[str, Any]],
               org_before: list[dict[str, Any]]) -> None:
    _, status, cert_types, org_types = MEASURES[measure]
    assert all(not isinstance(r, Exception) for r in results), results
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [(r.status_code, r.text) for r in results]
    won = next(r for r in results if r.status_code == 200)
    problem(next(r for r in results if r.status_code == 409), 409)

    after = walk.certificate_history()
    assert after[:len(before)] == before
    assert [e["type"] for e in after[len(before):]] == cert_types
    org_after = walk.organization_history()
    assert org_after[:len(org_before)] == org_before
    new = org_after[len(org_before):]
    assert [e["type"] for e in new] == org_types
    assert new[-1]["position"] == written(won)["position"]
    assert walk.get_certificate()["status"] == status


@pytest.mark.parametrize("measure", ["suspension", "withdrawal"])
def test_two_identical_status_changes_at_once_one_wins_and_the_other_is_a_conflict(
        client: TestClient, other: Instance, callers: Callers, measure: str) -> None:
    body = MEASURES[measure][0]
    walks = [HttpWalk(client, callers).to_certificate() for _ in range(ROUNDS)]
    for walk in walks:
        before, org_before = walk.certificate_history(), walk.organization_history()
        path = f"{API}/certificates/{walk.certificate}/{measure}"

        results = race(partial(client.post, path, json=body, headers=callers.decision.headers),
                       partial(other.client.post, path, json=body, headers=callers.decision.headers))

        one_winner(walk, results, measure, before, org_before)


def test_when_both_have_read_the_same_state_the_store_lets_one_commit(
        client: TestClient, other: Instance, callers: Callers, registry: Registry,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests pass every rule on the same state; the database refuses the second save (409, nothing)."""
    walks = [HttpWalk(client, callers).to_certificate() for _ in range(3)]
    hold_commits(monkeypatch, registry, other.registry)
    for walk in walks:
        before, org_before = walk.certificate_history(), walk.organization_history()
        path = f"{API}/certificates/{walk.certificate}/suspension"
        body = MEASURES["suspension"][0]

        results = race(partial(client.post, path, json=body, headers=callers.decision.headers),
                       partial(other.client.post, path, json=body, headers=callers.decision.headers))

        one_winner(walk, results, "suspension", before, org_before)
        loser = next(r for r in results if r.status_code == 409).json()
        assert "rule" not in loser  # a concurrent change, not a step out of order


def test_a_suspension_and_a_withdrawal_at_once_leave_one_consistent_history(client: TestClient, other: Instance,
                                                                            callers: Callers) -> None:
    """Either order is valid (suspension then withdrawal is a valid sequence); whatever happened is all recorded."""
    for _ in range(ROUNDS // 2):
        walk = HttpWalk(client, callers).to_certificate()
        before = walk.certificate_history()
        base = f"{API}/certificates/{walk.certificate}"
        suspension, withdrawal = MEASURES["suspension"][0], MEASURES["withdrawal"][0]

        results = race(partial(client.post, f"{base}/suspension", json=suspension, headers=callers.decision.headers),
                       partial(other.client.post, f"{base}/withdrawal", json=withdrawal,
                               headers=callers.decision.headers))

        assert all(r.status_code in (200, 409) for r in results), [r.text for r in results]
        won = [r for r in results if r.status_code == 200]
        assert won
        new = [e["type"] for e in walk.certificate_history()[len(before):]]
        assert len(new) == len(won)
        assert set(new) <= {"Suspended", "Withdrawn"}
        assert walk.get_certificate()["status"] == ("withdrawn" if "Withdrawn" in new else "suspended")


def test_two_requests_racing_with_one_key_both_get_the_first_answer(
        client: TestClient, other: Instance, callers: Callers, registry: Registry,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A client retrying while its first request is still in flight: the retry looked for the key just before the
    first committed, and loads the certificate just after. API.md: a repeat with the same key and body returns the
    first answer and records nothing new."""
    walk = HttpWalk(client, callers).to_certificate()
    path = f"{API}/certificates/{walk.certificate}/suspension"
    body = MEASURES["suspension"][0]
    looked, first_done = threading.Event(), threading.Event()
    original = other.registry._replay

    def replay_then_wait(key: Idempotency) -> Written | None:
        found = original(key)
        looked.set()
        first_done.wait(timeout=10)
        return found

    monkeypatch.setattr(other.registry, "_replay", replay_then_wait)
    retry: list[Response] = []
    thread = threading.Thread(target=lambda: retry.append(
        other.client.post(path, json=body, headers=headers(callers.decision, "retry-in-flight"))))
    thread.start()
    assert looked.wait(timeout=10)
    first = client.post(path, json=body, headers=headers(callers.decision, "retry-in-flight"))
    first_done.set()
    thread.join(timeout=30)

    assert first.status_code == 200, first.text
    assert retry[0].status_code == 200, retry[0].text
    assert retry[0].json() == first.json()
    assert retry[0].headers.get("idempotency-replayed") == "true"
    assert [e["type"] for e in walk.certificate_history()].count("Suspended") == 1
