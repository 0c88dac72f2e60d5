"""kill -9 of ``registry serve`` in the middle of a burst of back-office writes, then a restart: every write that
was acknowledged is in the log, and the read models the restarted server catches up to equal a rebuild."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx2 as httpx
import pytest

from demo.scenario import new_uscc
from tests.e2e.http_walk import HttpWalk
from tests.faults.conftest import (
    Acknowledged,
    Answers,
    Server,
    assert_every_acknowledged_write_is_in_the_log,
    enrol_callers,
    read_models,
)

pytestmark = [pytest.mark.long, pytest.mark.postgres]

WRITERS = 4
KILL_AFTER = 100  # acknowledged writes before the kill: each walk is 22 writes, so each writer is cut mid-walk


def test_a_server_killed_during_a_write_burst_keeps_every_acknowledged_write_and_its_views_equal_a_rebuild(
        database_url: str, serve: Callable[[str], Server]) -> None:
    callers = enrol_callers(database_url)
    server = serve(database_url).start()
    acknowledged = Acknowledged()
    cut: list[BaseException] = []  # how each writer's last request ended
    failures: list[str] = []

    def writer() -> None:
        with httpx.Client(base_url=server.base, timeout=30) as client:
            while True:
                uscc = new_uscc()
                walk = HttpWalk(client, callers, uscc=uscc, answers=Answers(acknowledged, uscc))  # type: ignore[arg-type]
                try:
                    walk.to_certificate()
                except httpx.TransportError as e:  # the server is gone
                    cut.append(e)
                    return
                except AssertionError as e:  # an answer that is not the expected 2xx, while the server ran
                    failures.append(str(e))
                    return

    threads = [threading.Thread(target=writer, name=f"writer-{i}") for i in range(WRITERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 40
    while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline and not failures:
        time.sleep(0.01)
    server.kill()
    for t in threads:
        t.join(timeout=30)
    assert not failures, failures
    assert len(acknowledged) >= KILL_AFTER, f"only {len(acknowledged)} writes acknowledged before the deadline"
    assert len(cut) == WRITERS, "every writer was writing until the kill"
    in_flight = [e for e in cut if not isinstance(e, httpx.ConnectError)]
    assert in_flight, "no request was in flight when the server was killed"
    acks = acknowledged.snapshot()

    # Restarted, it serves again: every acknowledged write is in the log, and the views catch up with it all.
    server.start()
    assert_every_acknowledged_write_is_in_the_log(acks, database_url, server, callers.regulator)
    with httpx.Client(base_url=server.base, timeout=30) as client:
        after = HttpWalk(client, callers).to_certificate()  # type: ignore[arg-type]
    server.wait_caught_up(after.answers["decision"]["position"])
    live = read_models(database_url)
    assert live["position"] == live["head"] >= max(a.position for a in acks)
    assert live["log_size"] > 0 and any(row[0] == "public_certificates" for row in live["public"])

    # The read models as the restarted server kept them equal the same read models rebuilt from the log alone (and
    # the rebuilt tree reproduces every checkpoint signed before and after the kill, or the rebuild exits 1).
    server.stop()
    rebuilt = server.cli("projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert read_models(database_url) == live
