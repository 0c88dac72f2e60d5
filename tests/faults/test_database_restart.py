"""PostgreSQL stopped and started again under load, on a cluster of the test's own: while it is down the API answers
503 problem+json (never a 500, never a hang); once it is back the same server recovers by itself — writes and
reads succeed, the projections resume and catch up — and nothing acknowledged is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest

from demo.scenario import new_uscc
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import HttpWalk
from tests.faults.conftest import (
    Ack,
    Acknowledged,
    Cluster,
    Server,
    assert_every_acknowledged_write_is_in_the_log,
    enrol_callers,
    read_models,
)

pytestmark = [pytest.mark.long, pytest.mark.postgres]

TIMEOUT = 15.0  # seconds: a request without an answer by then is a hang
OUTAGE = 4.0  # seconds the database stays down, under load
SETTLE = 0.5  # seconds after the database stopped during which either answer is fair
PROMPT = 10.0  # seconds: asked while the database is down, a later answer is a hang (503s come within 0-4 s)
RECOVERY = 30.0  # seconds the server may take to serve reads and writes again once the database is back
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Answer:
    kind: str
    started: float
    ended: float
    status: int  # 0: no answer at all (a transport error or the client's timeout)
    content_type: str
    text: str


class Load:
    """Readers and writers calling the live server until stopped, each kind at a steady rate whatever the answers
    take (as independent clients do: one slow answer holds up no other request), recording every answer and when
    it was asked for; each acknowledged write is kept too."""

    KINDS = ("lookup", "health", "staff read", "organisation", "person")
    PERIOD = 0.2  # seconds between two requests of a kind: 25 a second in all, on a shared 2-CPU machine

    def __init__(self, server: Server, callers: Callers, number: str) -> None:
        self.server, self.callers, self.number = server, callers, number
        self.answers: list[Answer] = []
        self.acknowledged = Acknowledged()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._client = httpx.Client(base_url=server.base, timeout=TIMEOUT,
                                    limits=httpx.Limits(max_connections=250, max_keepalive_connections=50))
        # A pool of clients for each kind, so that requests of one kind held up never delay those of another.
        self._pools = {kind: ThreadPoolExecutor(max_workers=40, thread_name_prefix=f"load-{kind}")
                       for kind in self.KINDS}
        self._threads: list[threading.Thread] = []

    def start(self) -> Load:
        c = self.callers
        calls: dict[str, Callable[[], tuple[httpx.Response, Ack | None]]] = {
            "lookup": lambda: (self._client.get(f"/api/v1/public/certificates/{self.number}"), None),
            "health": lambda: (self._client.get("/api/v1/health"), None),
            "staff read": lambda: (self._client.get(f"/api/v1/certificates/{self.number}",
                                                    headers=c.regulator.headers), None),
            "organisation": self._register,
            "person": lambda: self._acked("", "person", self._client.post(
                "/api/v1/people", json={"name": "新审核员"}, headers=c.admin.headers)),
        }
        for kind, call in calls.items():
            thread = threading.Thread(target=self._schedule, args=(kind, call), name=f"load-{kind}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._client.close()

    def _schedule(self, kind: str, call: Callable[[], tuple[httpx.Response, Ack | None]]) -> None:
        while not self._stop.wait(self.PERIOD):
            self._pools[kind].submit(self._call, kind, call)

    def _call(self, kind: str, call: Callable[[], tuple[httpx.Response, Ack | None]]) -> None:
        started = time.monotonic()
        try:
            response, ack = call()
            answer = Answer(kind, started, time.monotonic(), response.status_code,
                            response.headers.get("content-type", ""), response.text[:300])
            if ack is not None:
                self.acknowledged.add(ack)
        except httpx.TransportError as e:
            answer = Answer(kind, started, time.monotonic(), 0, "", repr(e))
        with self._lock:
            self.answers.append(answer)

    def _register(self) -> tuple[httpx.Response, Ack | None]:
        uscc = new_uscc()
        response = self._client.post("/api/v1/organizations", json={
            "uscc": uscc, "name": f"示例能源有限公司{uscc[-6:]}", "address": "上海市浦东新区示例路88号"},
            headers=self.callers.intake.headers)
        return self._acked(uscc, "organization", response)

    @staticmethod
    def _acked(uscc: str, step: str, response: httpx.Response) -> tuple[httpx.Response, Ack | None]:
        return response, Ack(uscc, step, response.json()) if response.status_code == 201 else None

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.started >= moment]

    def recovered(self, since: float) -> bool:
        """Every kind of request asked for since then has been answered 2xx at least once."""
        ok = {a.kind for a in self.since(since) if 200 <= a.status < 300}
        return ok == set(self.KINDS)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_the_api_answers_503_while_postgresql_is_down_and_recovers_by_itself_when_it_is_back(
        mode: str, cluster: Cluster, serve: Callable[[str], Server]) -> None:
    cluster.create_database("registry")
    url = cluster.url("registry", "faults")
    callers = enrol_callers(url)
    server = serve(url).start()
    with httpx.Client(base_url=server.base, timeout=30) as client:
        number = HttpWalk(client, callers).to_certificate().certificate  # type: ignore[arg-type]
    server.wait_caught_up(0)
    load = Load(server, callers, number).start()
    try:
        time.sleep(1.5)
        assert load.recovered(0), "the load did not run normally before the outage"

        cluster.stop(mode)  # "immediate" is a crash: the server recovers from its WAL at the next start
        down = time.monotonic()
        time.sleep(OUTAGE)
        restarting = time.monotonic()
        cluster.start()
        back = time.monotonic()

        deadline = back + RECOVERY
        while not load.recovered(back) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert load.recovered(back), f"not recovered {RECOVERY} s after the database came back: " \
                                     f"{summary(load.since(back))}\n{server.log.read_text()[-3000:]}"
        recovered = time.monotonic()
        time.sleep(1.5)
    finally:
        load.stop()

    answers = load.since(0)
    # Never a 500, never a request without an answer (the client gives up after TIMEOUT).
    broken = [a for a in answers if a.status == 0 or (a.status >= 500 and a.status != 503)]
    assert not broken, broken[:5]
    # While the database was down, every answer was a 503 problem, and every kind of request got one.
    during = [a for a in answers if down + SETTLE <= a.ended < restarting]
    assert all(a.status == 503 and a.content_type == PROBLEM for a in during), summary(during)
    assert {a.kind for a in during} == set(Load.KINDS), summary(during)
    asked = [a for a in answers if down + SETTLE <= a.started < restarting]
    slow = [a for a in asked if a.ended - a.started > PROMPT]
    assert asked and not slow, slow[:5]
    # Once it had recovered, the same server answered everything normally.
    after = [a for a in answers if a.started >= recovered]
    assert after and all(200 <= a.status < 300 for a in after), summary(after)

    # Nothing acknowledged is lost; the projections resumed and caught up with every write, and equal a rebuild.
    acks = load.acknowledged.snapshot()
    assert {a.step for a in acks} == {"organization", "person"}
    assert_every_acknowledged_write_is_in_the_log(acks, url, server, callers.regulator)
    last = max(a.position for a in acks)
    server.wait_caught_up(last)
    lookup = httpx.get(f"{server.base}/api/v1/public/certificates/{number}", params={"after": last}, timeout=10)
    assert lookup.status_code == 200, lookup.text
    live = read_models(url)
    assert live["position"] == live["head"] >= last
    server.stop()
    rebuilt = server.cli("projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert read_models(url) == live


def summary(answers: list[Answer]) -> dict[str, Any]:
    """How many answers of each kind had each status, with one example of each."""
    out: dict[str, Any] = {}
    for a in answers:
        entry = out.setdefault(f"{a.kind} {a.status}", {"count": 0, "example": a.text[:160]})
        entry["count"] += 1
    return out
