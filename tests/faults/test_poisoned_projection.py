"""A bad stored event holds up its own record only, in a live registry on PostgreSQL (issue 20): the public view parks
it, with every later event of that record, says so loudly (a critical log line, a count in ``/api/v1/health``, the
event to staff), and goes on publishing every other certificate's status changes. A restart parks nothing twice, and
once the cause is removed, ``registry projections retry`` publishes the held certificate. Nothing is skipped in
silence; a failure of the database itself still stops the views (``tests/e2e/test_health.py``).

The log is append-only at the database (R-REC-2), so a bad event cannot be made by altering a good one: it is
inserted through the event store's recorder, as a faulty writer would."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx2 as httpx
import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from demo.scenario import Staff, Walk, enrol_staff
from projections.parked import HELD, Parked
from registry.application import Registry, RegistryConfig
from registry.certificate import Certificate
from registry.values import Changes
from tests.conftest import STAFF_SINCE
from tests.factories import renamed_below_the_api
from tests.faults.conftest import REGISTRY, Server, enrol_callers, views_of

pytestmark = [pytest.mark.long, pytest.mark.postgres]

TOPIC = get_topic(Certificate.Suspended)
UNREADABLE = b"\xff\xfe not JSON"  # its state cannot even be decoded
NUL_NAME = "坏\\u0000名称"  # JSON text: the stored event carries a NUL in the organisation's name (the case reported)
REFUSED_NAME = "无法发布能源有限公司"


@pytest.fixture
def registry(database_url: str) -> Iterator[Registry]:
    app = Registry(RegistryConfig(database_url=database_url))
    yield app
    app.close()


@pytest.fixture
def staff(registry: Registry) -> Staff:
    return enrol_staff(registry, STAFF_SINCE)


def poison(registry: Registry, state: bytes) -> int:
    """Stores a bad event under a certificate event's topic (for an aggregate of its own, so that only the read
    models meet it); answers its log position."""
    ids = registry.recorder.insert_events([StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic=TOPIC,
                                                       state=state)])
    assert ids
    return ids[0]


def certificate(registry: Registry, staff: Staff) -> str:
    return Walk(registry, staff, date(2026, 3, 2)).to_certificate().number or ""


def suspend(registry: Registry, staff: Staff, number: str) -> int:
    return registry.suspend(number, date(2026, 10, 1), date(2026, 9, 28), "major_defect", "体系重大缺陷",
                            actor=staff.decision).position


def parked(database_url: str) -> list[Parked]:
    with views_of(database_url) as views:
        return views.public.parked()


def published(database_url: str, position: int, timeout: float = 30) -> None:
    """Waits until the views have taken every event up to ``position``."""
    deadline = time.monotonic() + timeout
    while True:
        with views_of(database_url) as views:
            if views.position() >= position:
                return
        assert time.monotonic() < deadline, f"the views did not reach {position} within {timeout} s"
        time.sleep(0.1)


def document(server: Server, number: str, after: int = 0) -> dict[str, Any]:
    answer = httpx.get(f"{server.base}/api/v1/public/certificates/{number}", params={"after": after} if after else {},
                       timeout=30)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_registry_projections_run_parks_a_bad_event_goes_on_publishing_and_parks_it_once_across_a_restart(
        registry: Registry, staff: Staff, database_url: str, serve: Callable[[str], Server]) -> None:
    number = certificate(registry, staff)
    bad = poison(registry, UNREADABLE)
    after = suspend(registry, staff, number)
    server = serve(database_url)  # not started: its configuration, for the command line
    # The second run starts where the first stopped, and tries the parked event again first.
    runs = [(f"log position {bad} ({TOPIC} of certificate", "CRITICAL"),
            (f"still cannot take the event at log position {bad}", "ERROR")]
    for run, (said, level) in enumerate(runs):
        errors = server.workdir / f"projections-{run}.log"
        with errors.open("w") as stderr:
            process = subprocess.Popen([REGISTRY, "projections", "run"], cwd=server.workdir, env=server.env,
                                       stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                published(database_url, after)
                deadline = time.monotonic() + 30
                while said not in errors.read_text():
                    assert process.poll() is None, errors.read_text()[-2000:]
                    assert time.monotonic() < deadline, errors.read_text()[-2000:]
                    time.sleep(0.1)
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
        assert process.returncode == 0, errors.read_text()[-2000:]
        lines = [line for line in errors.read_text().splitlines() if said in line]
        assert len(lines) == 1 and lines[0].startswith(level), errors.read_text()[-2000:]

    [event] = parked(database_url)
    assert (event.position, event.held_behind, event.topic) == (bad, None, TOPIC)
    with views_of(database_url) as views:
        assert views.position() == views.head() >= after
        suspended = views.public.certificate(number)
    assert suspended is not None and suspended["status"] == "suspended"  # the suspension after it is published


def test_a_live_server_goes_on_publishing_past_a_nul_in_a_name_and_tells_staff_which_event(
        registry: Registry, staff: Staff, database_url: str, serve: Callable[[str], Server]) -> None:
    callers = enrol_callers(database_url)
    held, other, third = (certificate(registry, staff) for _ in range(3))
    server = serve(database_url)
    server.extra_env.update(REGISTRY_RUN_SCHEDULER="false")
    server.start()

    bad = renamed_below_the_api(registry, staff, held, NUL_NAME)
    behind = suspend(registry, staff, held)
    answer = httpx.post(f"{server.base}/api/v1/certificates/{other}/suspension", headers=callers.decision.headers,
                        json={"on": "2026-10-01", "known_on": "2026-09-28", "ground": "major_defect",
                              "detail": "体系重大缺陷"}, timeout=30)
    assert answer.status_code == 200, answer.text

    assert document(server, other, answer.json()["position"])["status"] == "suspended"
    shown = document(server, held)
    assert shown["status"] == "valid" and shown["status_being_verified"]["note"].startswith("状态核实中"), shown
    health = httpx.get(f"{server.base}/api/v1/health", timeout=10)
    assert health.status_code == 200, health.text
    assert health.json()["status"] == "degraded" and health.json()["parked"] == {"records": 1, "events": 2}
    assert "DataError" not in health.text and "parked_events" not in health.json()
    detail = httpx.get(f"{server.base}/api/v1/health", headers=callers.regulator.headers, timeout=10).json()
    assert [(e["position"], e["error"], e["held_behind"]) for e in detail["parked_events"]] == [
        (bad, "psycopg.DataError", None), (behind, HELD, bad)], detail
    alarms = [line for line in server.log.read_text().splitlines() if f"log position {bad} (" in line]
    assert len(alarms) == 1 and alarms[0].startswith("CRITICAL"), alarms

    # Restarted, it parks nothing twice, and goes on publishing.
    before = parked(database_url)
    server.stop()
    server.start()
    after = suspend(registry, staff, third)
    assert document(server, third, after)["status"] == "suspended"
    assert parked(database_url) == before


def test_registry_projections_retry_publishes_a_held_certificate_once_the_cause_is_removed(
        registry: Registry, staff: Staff, database_url: str, serve: Callable[[str], Server]) -> None:
    held = certificate(registry, staff)
    server = serve(database_url)
    server.extra_env.update(REGISTRY_RUN_SCHEDULER="false")
    server.start()
    with views_of(database_url) as views:
        table = views.public.table("public_certificates")
    schema = table.split(".")[0]
    refusing = psycopg.connect(database_url.split("?")[0], autocommit=True)
    try:  # the cause: the database refuses the name (a check, as a constraint added by mistake would)
        refusing.execute(f"CREATE FUNCTION {schema}.refuse_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                         f"IF NEW.name = '{REFUSED_NAME}' THEN RAISE EXCEPTION 'this name is refused' USING "
                         "ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$")
        refusing.execute(f"CREATE TRIGGER refuse_name BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
                         f"EXECUTE FUNCTION {schema}.refuse_name()")
        request = registry.request_change(held, date(2026, 9, 10), date(2026, 9, 5), Changes(name=REFUSED_NAME),
                                          actor=staff.intake).ids["request"]
        registry.change_certificate(held, request, date(2026, 9, 20), actor=staff.admin)
        last = suspend(registry, staff, held)
        published(database_url, last)
        assert [e.error for e in parked(database_url)] == ["psycopg.errors.CheckViolation", HELD]
        assert "status_being_verified" in document(server, held)

        refusing.execute(f"DROP TRIGGER refuse_name ON {table}")  # the cause removed
    finally:
        refusing.close()
    retried = server.cli("projections", "retry")
    assert retried.returncode == 0 and "records held: 1;" in retried.stdout, retried.stdout + retried.stderr

    deadline = time.monotonic() + 20
    while parked(database_url):
        assert time.monotonic() < deadline, parked(database_url)
        time.sleep(0.1)
    shown = document(server, held)
    assert shown["status"] == "suspended" and shown["organization"]["name"] == REFUSED_NAME, shown
    assert "status_being_verified" not in shown
    health = httpx.get(f"{server.base}/api/v1/health", timeout=10).json()
    assert health["status"] == "ok" and health["parked"] == {"records": 0, "events": 0}, health
