"""A bad stored event stops the projections at the event before it, loudly, naming the event's log position and
topic: ``registry projections run`` exits non-zero, and a live server's health says so. It is never skipped.

The log is append-only at the database (R-REC-2), so a bad event cannot be made by altering a good one: it is
inserted through the event store's recorder, as a faulty writer would, under a certificate event's topic."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx2 as httpx
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from registry.application import Registry, RegistryConfig
from registry.certificate import Certificate
from registry.scenario import Walk, enrol_staff
from tests.conftest import STAFF_SINCE
from tests.faults.conftest import Server, enrol_callers, views_of

pytestmark = [pytest.mark.long, pytest.mark.postgres]

TOPIC = get_topic(Certificate.Suspended)
UNREADABLE = b"\xff\xfe not JSON"  # its state cannot even be decoded
INAPPLICABLE = b"{}"  # decodes, but a suspension of a certificate never issued, with no details, cannot be applied


@pytest.fixture
def registry(database_url: str) -> Iterator[Registry]:
    app = Registry(RegistryConfig(database_url=database_url))
    yield app
    app.close()


def poison(registry: Registry, state: bytes) -> int:
    """Stores a bad event under a certificate event's topic (for an aggregate of its own, so that only the read
    models meet it); answers its log position."""
    ids = registry.recorder.insert_events([StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic=TOPIC,
                                                       state=state)])
    assert ids
    return ids[0]


def positions(database_url: str) -> tuple[int, int]:
    """How far the public view and the log view have taken the log."""
    with views_of(database_url) as views:
        return views.public_position(), views.log_position()


def test_registry_projections_run_stops_at_the_event_before_a_bad_one_and_exits_non_zero_naming_it(
        registry: Registry, database_url: str, serve: Callable[[str], Server]) -> None:
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2)).to_certificate()
    bad = poison(registry, UNREADABLE)
    after = registry.suspend(walk.number or "", date(2026, 6, 1), date(2026, 6, 1), "major_defect", "体系重大缺陷",
                             actor=walk.staff.decision).position
    assert after > bad

    ran = serve(database_url).cli("projections", "run", timeout=60)

    assert ran.returncode == 1, (ran.returncode, ran.stderr[-2000:])
    message = ran.stderr.strip().splitlines()[-1]
    assert message.startswith("registry: ") and f"log position {bad} ({TOPIC})" in message, ran.stderr[-2000:]
    assert positions(database_url) == (bad - 1, bad - 1)  # every event before it taken, nothing after it
    with views_of(database_url) as views:
        document = views.public.certificate(walk.number or "")
    assert document is not None and document["status"] == "valid"  # the suspension after it is not in the view


def test_a_live_servers_health_names_the_bad_event_and_the_server_goes_on_answering_but_never_skips_it(
        database_url: str, registry: Registry, serve: Callable[[str], Server]) -> None:
    callers = enrol_callers(database_url)
    server = serve(database_url)
    # A read asking for a write the views have not reached waits 1 s, not 5; and no scheduler, whose start-up run
    # would wait 30 s for views that have stopped (and the server's shutdown with it).
    server.extra_env.update(REGISTRY_AFTER_TIMEOUT="1", REGISTRY_RUN_SCHEDULER="false")
    server.start()
    before = httpx.post(f"{server.base}/api/v1/people", json={"name": "新审核员"}, headers=callers.admin.headers,
                        timeout=30).json()["position"]
    server.wait_caught_up(before)

    bad = poison(registry, INAPPLICABLE)
    health = stopped(server)
    assert f"log position {bad} ({TOPIC})" in health["error"], health
    assert health["views"]["public_certificates"] == health["views"]["log"] == bad - 1, health

    # Writes are still taken (the log is the record; the read models follow it), but a read that asks for them is
    # told the views have not caught up, rather than served what they hold as if it were current.
    written = httpx.post(f"{server.base}/api/v1/people", json={"name": "新审核员"}, headers=callers.admin.headers,
                         timeout=30)
    assert written.status_code == 201, written.text
    waited = httpx.get(f"{server.base}/api/v1/public/certificates", params={"after": written.json()["position"]},
                       timeout=30)
    assert waited.status_code == 503 and waited.headers["content-type"] == "application/problem+json", waited.text
    assert positions(database_url) == (bad - 1, bad - 1)

    # Restarted, the server stops at the same event again: it is never skipped.
    server.stop()
    server.start()
    health = stopped(server)
    assert f"log position {bad} ({TOPIC})" in health["error"], health
    assert positions(database_url) == (bad - 1, bad - 1)


def stopped(server: Server, timeout: float = 20) -> dict[str, Any]:
    """The server's health once it says the projections have stopped: a 503, which a load balancer notices."""
    deadline = time.monotonic() + timeout
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = httpx.get(f"{server.base}/api/v1/health", timeout=10)
        health = answer.json()
        if health.get("status") == "projections stopped":
            assert answer.status_code == 503, answer.text
            return health
        assert answer.status_code == 200, answer.text
        time.sleep(0.1)
    raise AssertionError(f"the projections did not stop within {timeout} s: {health}")
