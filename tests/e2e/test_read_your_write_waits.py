"""Reads that wait for a write (``?after=`` or ``X-Registry-After``; issue #20, item 4): they wait holding no thread,
so a hundred of them cost the other reads nothing; a position beyond a primary's log head is refused at once; how
many may wait is bounded; and every route that takes ``after`` documents its 503."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.catching_up import CatchingUp
from api.problems import NotCaughtUp
from api.settings import Settings
from demo.scenario import Walk, enrol_staff
from projections.runner import Views, open_views
from registry.application import Registry
from registry.errors import InvalidInput
from tests.conftest import STAFF_SINCE
from tests.e2e.http_walk import problem

PUBLIC = "/api/v1/public/certificates"


def certified(registry: Registry) -> Walk:
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2))
    walk.organization().apply().documents().accept().agree().programme().team().stage1().stage2().report()
    return walk.decide(decided_on=date(2026, 3, 31))


@pytest.fixture
def behind(app: Registry) -> Iterator[Views]:
    """The views of a registry whose log has grown past them (nothing projects it)."""
    certified(app)
    views = open_views(app)
    assert views.position() < views.head()
    yield views


def test_a_hundred_waiting_after_reads_leave_the_plain_lookup_p99_under_100_ms(store_registry: Registry,
                                                                              tmp_path: Path) -> None:
    number = certified(store_registry).number
    settings = Settings(signing_key=str(tmp_path / "signing.key"), run_projections=False, run_scheduler=False,
                        after_timeout=10)
    with TestClient(create_app(settings, registry=store_registry), raise_server_exceptions=False) as client:
        views = client.app.state.views  # type: ignore[attr-defined]
        views.bring_up_to_date()
        certified(store_registry)  # the log moves on; nothing projects it until the views are brought up to date
        head = store_registry.recorder.max_notification_id()
        with ThreadPoolExecutor(100) as pool:
            waiting = [pool.submit(client.get, f"{PUBLIC}/{number}", params={"after": head}) for _ in range(100)]
            deadline = time.monotonic() + 5
            while client.app.state.catching_up.waiting < 100:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the reads never all waited"
                time.sleep(0.01)

            durations = []
            for _ in range(500):
                start = time.perf_counter()
                assert client.get(f"{PUBLIC}/{number}").status_code == 200
                durations.append(time.perf_counter() - start)
            assert not any(w.done() for w in waiting)  # all of them waited throughout

            views.bring_up_to_date()
            answers = [w.result() for w in waiting]
    p99 = sorted(durations)[int(len(durations) * 0.99) - 1]
    assert p99 < 0.1, f"p99 {p99 * 1000:.1f} ms"
    assert [a.status_code for a in answers] == [200] * 100


def test_an_after_beyond_the_log_head_is_a_422_at_once_on_a_primary(client: TestClient,
                                                                   registry: Registry) -> None:
    """No write has that position yet: waiting the timeout out (a 503) would only hold the reader."""
    number = certified(registry).number
    beyond = str((registry.recorder.max_notification_id() or 0) + 1000)
    for url in (f"{PUBLIC}/{number}", PUBLIC, f"{PUBLIC}/{number}/qr.svg", f"/verify/{number}"):
        body = problem(client.get(url, params={"after": beyond}), 422)
        assert body["field"] == "after" and beyond in body["detail"], (url, body)
        body = problem(client.get(url, headers={"X-Registry-After": beyond}), 422)
        assert body["field"] == "X-Registry-After", (url, body)


def test_after_is_a_log_position_written_in_decimal_digits(client: TestClient, registry: Registry) -> None:
    number = certified(registry).number
    for bad in ("abc", "1_0", "+1", "-1", " 1", "١٢", "1e3", "", str(2**63), str(2**64)):
        for url in (f"{PUBLIC}/{number}", PUBLIC):
            body = problem(client.get(url, params={"after": bad}), 422)
            assert body["field"].endswith("after"), (url, bad, body)
    head = str(registry.recorder.max_notification_id())
    for url in (f"{PUBLIC}/{number}", PUBLIC, f"{PUBLIC}/{number}/qr.svg", f"/verify/{number}"):
        both = client.get(url, params={"after": head}, headers={"X-Registry-After": ">"})
        assert problem(both, 422)["field"].lower().endswith("x-registry-after"), url
    assert client.get(f"{PUBLIC}/{number}", params={"after": head}).status_code == 200


def test_a_replica_waits_for_a_position_beyond_its_head_and_a_primary_refuses_it(behind: Views) -> None:
    """A replica's head lags the primary's, so a position beyond it may come: it waits, bounded."""
    beyond = behind.head() + 1000

    async def wait(writable: bool) -> None:
        await CatchingUp(behind, 0.2, writable=writable).wait(beyond)

    with pytest.raises(NotCaughtUp):
        asyncio.run(wait(writable=False))
    with pytest.raises(InvalidInput) as refused:
        asyncio.run(wait(writable=True))
    assert refused.value.field == "after"


def test_a_read_returns_once_the_views_reach_its_position(behind: Views) -> None:
    head = behind.head()

    async def wait_while_catching_up() -> None:
        catching_up = CatchingUp(behind, 10, writable=True)
        waiting = asyncio.ensure_future(catching_up.wait(head))
        await asyncio.sleep(0.05)
        assert not waiting.done() and catching_up.waiting == 1
        await asyncio.to_thread(behind.bring_up_to_date)
        await asyncio.wait_for(waiting, 5)
        assert catching_up.waiting == 0
        await catching_up.wait(head)  # reached already: at once

    asyncio.run(wait_while_catching_up())


def test_too_many_waiting_reads_are_a_503_at_once(behind: Views) -> None:
    async def one_too_many() -> None:
        catching_up = CatchingUp(behind, 10, writable=True, limit=3)
        waiting = [asyncio.ensure_future(catching_up.wait(behind.head())) for _ in range(3)]
        await asyncio.sleep(0.05)
        try:
            with pytest.raises(NotCaughtUp):
                await catching_up.wait(behind.head())
            assert not any(w.done() for w in waiting)
        finally:
            for w in waiting:
                w.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)

    asyncio.run(one_too_many())


def test_every_route_that_takes_after_documents_its_503(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    taking = [(path, method) for path, operations in document["paths"].items()
              for method, operation in operations.items()
              if any(p["name"] in ("after", "X-Registry-After", "x-registry-after")
                     for p in operation.get("parameters", []))]
    assert {path for path, _ in taking} >= {f"{PUBLIC}/{{number}}", PUBLIC, f"{PUBLIC}/{{number}}/qr.svg",
                                            f"{PUBLIC}/{{number}}/qr.png", "/verify/{number}",
                                            "/api/v1/log/checkpoint"}
    for path, method in taking:
        assert "503" in document["paths"][path][method]["responses"], (path, method)


def test_staff_reads_waiting_for_a_checkpoint_hold_no_thread(tmp_path: Path, registry: Registry) -> None:
    """The staff ``/api/v1/log/checkpoint?after=`` waits on the event loop as the public reads do: more waiting
    reads than the server has threads leave every other read answered."""
    number = certified(registry).number
    _, token = registry.add_user("监管员-等待", ["regulator"])
    settings = Settings(signing_key=str(tmp_path / "signing.key"), checkpoint_key=str(tmp_path / "checkpoint.key"),
                        run_projections=False, run_scheduler=False, after_timeout=10)
    staff = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as client:
        views = client.app.state.views  # type: ignore[attr-defined]
        views.bring_up_to_date()
        certified(registry)  # the log moves on; nothing projects it until the views are brought up to date
        head = registry.recorder.max_notification_id()
        with ThreadPoolExecutor(60) as pool:  # more than the server's 40 worker threads
            waiting = [pool.submit(client.get, "/api/v1/log/checkpoint", params={"after": head}, headers=staff)
                       for _ in range(60)]
            deadline = time.monotonic() + 10
            while client.app.state.catching_up.waiting < 60:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the checkpoint reads never all waited on the event loop"
                time.sleep(0.01)
            assert client.get(f"{PUBLIC}/{number}", params={"as_of": "2026-04-01"}).status_code == 200  # a thread
            views.bring_up_to_date()
            views.checkpoint()
            answers = [w.result() for w in waiting]
    assert [a.status_code for a in answers] == [200] * 60
    assert {a.json()["size"] for a in answers} == {views.log.leaves_through(head)}
