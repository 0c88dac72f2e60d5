"""The read models on both real stores: exactly once, rebuildable, and loud when an event cannot be taken (an event
the public view cannot take, and the database failing: ``test_unprojectable_events.py``)."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from api.public_reads import signed_extras
from api.signing import Signer
from demo.dataset import load_demo
from demo.scenario import Walk
from projections.runner import Runner, few_collections, open_views
from registry.application import Registry
from registry.entries import entry_of
from tests.conftest import STAFF_SINCE


def workload(app: Registry, walk: Walk, certificates: int) -> list[str]:
    """The demo set plus certificates through surveillance, change, suspension and reinstatement."""
    load_demo(app)
    numbers = []
    for _ in range(certificates):
        w = Walk(app, walk.staff, date(2026, 3, 2)).to_certificate()
        number = w.number or ""
        app.suspend(number, date(2026, 6, 1), date(2026, 5, 30), "major_defect", "体系重大缺陷",
                    actor=walk.staff.decision)
        app.reinstate(number, date(2026, 6, 20), "纠正措施已验证", actor=walk.staff.decision)
        numbers.append(number)
    return numbers


def test_the_live_view_equals_a_rebuild_after_a_mixed_workload(app: Registry, walk: Walk) -> None:
    views = open_views(app)
    runner = Runner(views).start()
    try:
        workload(app, walk, 3)
        assert views.wait(views.head(), timeout=20)
    finally:
        runner.stop()
    assert runner.error is None
    live = views.public.rows()

    rebuilt_count = views.rebuild()

    assert rebuilt_count == views.head()
    assert views.public.rows() == live
    assert len([r for r in live if r[0] == "public_certificates"]) == 8  # 5 demo certificates + 3


def test_while_writes_keep_coming_the_views_catch_up_in_gathered_batches(app: Registry, walk: Walk) -> None:
    """Under a stream of writes a wake waits ``Runner.GATHER`` for more, so one catch-up takes many commands; the
    first write after a quiet spell is caught up at once, and nothing is left behind."""
    views = open_views(app)
    runner = Runner(views).start()
    calls: list[int] = []
    catch_up = views.catch_up

    def counted(*args: Any, **kwargs: Any) -> int:
        read = catch_up(*args, **kwargs)
        calls.append(read)
        return read

    views.catch_up = counted  # type: ignore[method-assign]
    try:
        assert views.wait(views.head(), timeout=20)
        calls.clear()
        started = time.monotonic()
        walk.organization()  # after a quiet spell
        assert views.wait(views.head(), timeout=5)
        first = time.monotonic() - started
        calls.clear()
        commands = 40
        for _ in range(commands):  # a write every 5 ms: longer than a catch-up takes, shorter than GATHER
            Walk(app, walk.staff, date(2026, 3, 2)).organization()
            time.sleep(0.005)
        assert views.wait(views.head(), timeout=20)
    finally:
        runner.stop()
    assert runner.error is None
    assert first < 0.2, first  # not made to wait for company
    assert 0 < len([n for n in calls if n]) < commands / 2, (len(calls), commands)


def test_under_a_steady_stream_of_writes_a_catch_up_is_one_batch_every_gather(app: Registry, walk: Walk) -> None:
    """A catch-up that reached the head does not read again at once what came while it worked: it waits
    ``Runner.GATHER`` like any wake, so a steady stream of writes costs the views one batch (a transaction per view)
    every GATHER, not one per command or two."""
    views = open_views(app)
    runner = Runner(views).start()
    batches: list[int] = []
    process_log = views.process_log

    def counted(notifications: list[Any]) -> None:
        batches.append(len(notifications))
        process_log(notifications)

    views.process_log = counted  # type: ignore[method-assign]
    try:
        assert views.wait(views.head(), timeout=20)
        batches.clear()
        started = time.monotonic()
        commands = 0
        while time.monotonic() - started < 1.0:  # as fast as one writer goes, without a pause
            Walk(app, walk.staff, date(2026, 3, 2)).organization()
            commands += 1
        seconds = time.monotonic() - started
        assert views.wait(views.head(), timeout=20)
    finally:
        runner.stop()
    assert runner.error is None
    assert sum(batches) >= commands
    assert len(batches) <= seconds / Runner.GATHER + 3, (len(batches), commands, seconds)


def test_the_events_postgresql_picks_out_for_the_public_view_are_the_ones_it_takes(app: Registry,
                                                                                   walk: Walk) -> None:
    """A rebuild's public view reads only what the database picks out by ``wants`` in SQL, a span of positions
    at a time: the same events as ``wants`` over the whole log, and the same rows and position, with spans that
    hold none of them (a span of 8 positions here)."""
    if app.store.kind != "postgres":
        pytest.skip("the database picks out events on PostgreSQL only")
    workload(app, walk, 2)
    views = open_views(app)
    head = views.head()
    every = list(app.recorder.select_notifications(1, head))
    wanted = [n.id for n in every if views.projection.wants(n.topic, n.state)]
    assert 0 < len(wanted) < len(every) / 2
    assert [n.id for n in views.projection.select_wanted(views.store, app.recorder, 1, head)] == wanted
    assert views.rebuild(parallel=False) == head
    one = (views.public.rows(), views.public_position())

    views.public.clear()
    with views.public.cursor(commit=True) as curs:
        curs.execute(f"DELETE FROM {views.public.table(views.public.tracking_table_name)} "  # type: ignore[attr-defined]
                     "WHERE application_name = %s", (views.tracking_name,))
    views.projection.forget()
    assert views.public_position() == 0
    views.catch_up(views=("public",), batch_size=2)

    assert (views.public.rows(), views.public_position()) == one

    # The same, reading each span while the one before it is processed (as a rebuild does).
    views.public.clear()
    with views.public.cursor(commit=True) as curs:
        curs.execute(f"DELETE FROM {views.public.table(views.public.tracking_table_name)} "  # type: ignore[attr-defined]
                     "WHERE application_name = %s", (views.tracking_name,))
    views.projection.forget()
    views.catch_up(views=("public",), batch_size=2, read_ahead=True)

    assert (views.public.rows(), views.public_position()) == one


def test_the_views_read_the_log_as_the_library_reads_it(app: Registry, walk: Walk) -> None:
    """``Store.select_log`` (rows as tuples on PostgreSQL) gives what the library's ``select_notifications`` gives, a
    page at a time from any position."""
    workload(app, walk, 1)
    head = app.recorder.max_notification_id()
    for start, limit in ((1, head), (1, 7), (5, 3), (head, 10), (head + 1, 10)):
        assert (app.store.select_log(app.recorder, start, limit)
                == list(app.recorder.select_notifications(start, limit))), (start, limit)


def test_postgresql_hashes_each_event_into_the_leaf_the_entry_format_gives(app: Registry, walk: Walk) -> None:
    """The rebuild's log view takes its leaves as PostgreSQL hashes them (``store.postgres.LEAF_HASH``): each the same
    as ``Entry.leaf_hash`` of the stored event, a multi-byte topic and a state of any bytes included."""
    if app.store.kind != "postgres":
        pytest.skip("the database hashes the leaves on PostgreSQL only")
    workload(app, walk, 1)
    app.recorder.insert_events([StoredEvent(originator_id=uuid4(), originator_version=2**40, topic="测试:事件",
                                            state=bytes(range(256)) * 3)])
    head = app.recorder.max_notification_id()
    every = list(app.recorder.select_notifications(1, head))
    expected = [(n.id, entry_of(n).leaf_hash) for n in every]
    assert app.store.select_leaf_hashes(app.recorder, 1, head) == expected
    assert app.store.select_leaf_hashes(app.recorder, 3, 4) == expected[2:6]


def test_a_rebuild_in_two_processes_equals_a_rebuild_in_one(app: Registry, walk: Walk) -> None:
    """On PostgreSQL a long log's log view is rebuilt by a second process (``Views.rebuild``): the same rows, the
    same tree (every checkpoint's root reproduced) and the same positions as one process rebuilding both."""
    if app.store.kind != "postgres":
        pytest.skip("the second process is for PostgreSQL only; SQLite rebuilds in one")
    workload(app, walk, 3)
    views = open_views(app)
    assert views.rebuild(parallel=False) == views.head()

    def state() -> tuple[Any, ...]:
        size = views.log.size()
        return (views.public.rows(), size, views.log.root(size), views.log.leaves(0, size),
                views.public_position(), views.log_position())

    one = state()

    assert views.rebuild(parallel=True) == views.head()

    assert state() == one
    assert one[-1] == one[-2] == views.head() and one[1] > 0

    # The log view alone, as the second process takes it, a few leaves at a time, each batch read ahead.
    views.log.clear()
    with views.log.cursor(commit=True) as curs:
        curs.execute(f"DELETE FROM {views.log.table(views.log.tracking_table_name)} "  # type: ignore[attr-defined]
                     "WHERE application_name = %s", (views.log_tracking_name,))
    assert views.catch_up(views=("log",), batch_size=7, read_ahead=True) == views.head()
    views.log.verify_checkpoints()
    assert state() == one


def test_a_projection_killed_mid_way_resumes_without_losing_or_doubling_a_row(app: Registry, walk: Walk,
                                                                             database_url: str,
                                                                             tmp_path: Path) -> None:
    workload(app, walk, 40)
    key = tmp_path / "signing.key"
    views = open_views(app, signed_extras(Signer(str(key), "http://127.0.0.1:8000")))  # as the subprocess signs
    head = views.head()
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url, "REGISTRY_SIGNING_KEY": str(key),
           "REGISTRY_PUBLIC_BASE_URL": "http://127.0.0.1:8000"}
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"

    # kill -9 while the view is part of the way through the log
    process = subprocess.Popen([exe, "projections", "run"], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while views.position() < head // 4 and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = views.position()
    assert 0 < killed_at < head, "the projection was not caught mid-way"

    # restarted, it carries on from where it stopped
    views.catch_up()
    assert views.position() == head
    resumed = views.public.rows()
    views.rebuild()
    assert views.public.rows() == resumed


def test_nothing_private_is_ever_in_the_public_document(app: Registry, walk: Walk) -> None:
    walk.to_certificate()
    views = open_views(app)
    views.catch_up()

    document = views.public.certificate(walk.number or "")

    assert document is not None
    assert set(document) == {"number", "status", "status_since", "suspension_ground", "organization", "scope",
                             "levels", "basis", "issued_on", "valid_until", "issuer", "surveillance", "version",
                             "renews", "renewed_by", "status_history"}
    text = repr(document)
    for private in (str(walk.staff.leader), str(walk.staff.member), str(walk.case), "documents", "reasons"):
        assert private not in text


def test_staff_enrolled_before_the_views_exist_are_caught_up(app: Registry) -> None:
    from demo.scenario import enrol_staff

    enrol_staff(app, STAFF_SINCE)
    views = open_views(app)
    assert views.catch_up() == views.head()
    assert views.lag()["lag"] == 0


def test_a_rebuild_runs_the_collector_rarely_and_leaves_it_as_it_was() -> None:
    before = gc.get_threshold()
    with pytest.raises(ZeroDivisionError), few_collections():
        assert gc.get_threshold()[0] >= 100 * before[0]
        _ = 1 / 0
    assert gc.get_threshold() == before
