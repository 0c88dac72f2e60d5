"""An event the public view cannot take holds up its own record only (issue 20): it is parked with every later event
of that record, loudly, while every other certificate's status changes go on being published, exactly once; once
the cause is removed, a retry or a rebuild publishes the held record. A failure of the database itself still stops
the views.

Bad events are written below the API, as a faulty writer would (the domain refuses such text): a change of the
organisation's name, made by the certificate itself with a harmless name, whose stored JSON is then given a
character the store cannot keep in a text column — a NUL on PostgreSQL (the case reported: ``DataError``), a lone
surrogate on SQLite — and written straight through the event store's recorder."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from demo.scenario import Staff, Walk
from projections.certificate_projection import CertificateProjection
from projections.parked import HELD, NOTE
from projections.runner import ProjectionFailed, Runner, Views, open_views
from registry.application import Registry
from registry.certificate import Certificate
from registry.values import Changes
from tests.factories import renamed_below_the_api

BAD = {"postgres": "坏\\u0000名称", "sqlite": "坏\\ud800名称"}  # JSON escapes: the stored bytes stay valid UTF-8
ERROR = {"postgres": "psycopg.DataError", "sqlite": "UnicodeEncodeError"}
UNPUBLISHABLE = "无法发布能源有限公司"  # a name the view is made to fail on, for a cause that can be removed


@pytest.fixture
def views(app: Registry) -> Iterator[Views]:
    opened = open_views(app)
    yield opened
    opened.public.datastore.close()
    opened.log.datastore.close()


def certificate(app: Registry, staff: Staff) -> str:
    return Walk(app, staff, date(2026, 3, 2)).to_certificate().number or ""


def suspend(app: Registry, staff: Staff, number: str) -> int:
    return app.suspend(number, date(2026, 10, 1), date(2026, 9, 28), "major_defect", "体系重大缺陷",
                       actor=staff.decision).position


def running(views: Views) -> Runner:
    return Runner(views, poll_interval=0.05).start()


def caught_up(runner: Runner, position: int, timeout: float = 30) -> None:
    """Waits until the runner's views have taken ``position``; fails at once if the runner stops."""
    deadline = time.monotonic() + timeout
    while runner.views.position() < position:
        assert runner.running, f"the projections stopped: {runner.error}"
        assert time.monotonic() < deadline, f"the views did not reach {position} within {timeout} s"
        time.sleep(0.02)


def status(views: Views, number: str) -> str:
    document = views.public.certificate(number)
    assert document is not None
    return str(document["status"])


def cannot_publish(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cause that can be removed: the view's code fails on a certificate carrying the name ``UNPUBLISHABLE``."""
    render = CertificateProjection._render

    def failing(self: CertificateProjection, cert: Certificate) -> dict[str, Any]:
        if cert.organization.name == UNPUBLISHABLE:
            raise ValueError("the view cannot render this certificate")
        return render(self, cert)

    monkeypatch.setattr(CertificateProjection, "_render", failing)


def change_name(app: Registry, staff: Staff, number: str, name: str) -> int:
    request = app.request_change(number, date(2026, 9, 10), date(2026, 9, 5), Changes(name=name),
                                 actor=staff.intake).ids["request"]
    last = app.change_certificate(number, request, date(2026, 9, 20), actor=staff.admin).position
    # the certificate's event, among the change's (the organisation's record follows it)
    topic = get_topic(Certificate.Changed)
    changed = [n.id for n in app.recorder.select_notifications(last - 3, 4) if n.topic == topic]
    assert len(changed) == 1
    return changed[0]


def test_an_event_the_view_cannot_store_is_parked_and_another_certificates_suspension_is_still_published(
        app: Registry, staff: Staff, views: Views, caplog: pytest.LogCaptureFixture) -> None:
    held, other = certificate(app, staff), certificate(app, staff)
    views.catch_up()
    bad = renamed_below_the_api(app, staff, held, BAD[app.store.kind])
    behind = suspend(app, staff, held)  # the domain still takes the certificate's commands
    published = suspend(app, staff, other)

    with caplog.at_level(logging.CRITICAL, logger="projections.parked"):
        runner = running(views)
        try:
            caught_up(runner, published)
        finally:
            runner.stop()

    assert runner.error is None
    assert status(views, other) == "suspended"
    document = views.public.certificate(held)
    assert document is not None and document["status"] == "valid"  # as it stood before the bad event
    assert document["status_being_verified"]["note"] == NOTE and NOTE.startswith("状态核实中")
    parked = views.public.parked()
    assert [(p.position, p.held_behind, p.error) for p in parked] == [(bad, None, ERROR[app.store.kind]),
                                                                      (behind, bad, HELD)]
    assert (parked[0].record, parked[0].number, parked[0].topic) == ("certificate", held, "registry.certificate:"
                                                                     "Certificate.Changed")
    assert views.public.parked_count() == (1, 2)
    alarms = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(alarms) == 1 and f"log position {bad} (registry.certificate:Certificate.Changed" in alarms[0], alarms
    # the scheduler still looks at the held certificate (its schedule row may be behind its record)
    assert held in views.schedule.scheduler_candidates(date(2026, 11, 24), date(2026, 11, 24), date(2026, 11, 24))


def test_an_event_is_parked_exactly_once_when_the_views_are_killed_while_parking_it(
        app: Registry, staff: Staff, views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
    held, other = certificate(app, staff), certificate(app, staff)
    bad = renamed_below_the_api(app, staff, held, BAD[app.store.kind])
    suspend(app, staff, held)
    suspend(app, staff, other)
    insert_tracking = views.public._insert_tracking  # type: ignore[attr-defined]
    killed: list[int] = []

    def killed_while_parking(curs: Any, tracking: Any) -> None:
        if tracking.notification_id == bad and not killed:
            killed.append(bad)
            raise KeyboardInterrupt  # as a kill: no handler of the views runs
        insert_tracking(curs, tracking)

    monkeypatch.setattr(views.public, "_insert_tracking", killed_while_parking)
    with pytest.raises(KeyboardInterrupt):
        views.catch_up(batch_size=7)
    assert killed == [bad]
    assert views.public.parked() == [] and views.public_position() == bad - 1  # nothing of it stayed

    restarted = open_views(app)
    assert restarted.catch_up(batch_size=7) > 0
    assert restarted.position() == restarted.head()
    assert [p.position for p in restarted.public.parked() if p.held_behind is None] == [bad]
    live = restarted.public.rows()

    restarted.rebuild()  # from nothing, in one go: the same rows, the same parked events, no more, no fewer
    assert restarted.public.rows() == live
    assert status(restarted, other) == "suspended"


def test_once_the_cause_is_removed_a_retry_asked_of_the_running_views_publishes_the_held_certificate(
        app: Registry, staff: Staff, views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
    held, other = certificate(app, staff), certificate(app, staff)
    views.catch_up()
    cause = pytest.MonkeyPatch()
    cannot_publish(cause)
    first = change_name(app, staff, held, UNPUBLISHABLE)
    behind = suspend(app, staff, held)
    published = suspend(app, staff, other)
    monkeypatch.setattr(Runner, "RETRY_CHECK", 0.05)
    runner = running(views)
    try:
        caught_up(runner, published)
        assert [(p.position, p.error) for p in views.public.parked()] == [(first, "ValueError"), (behind, HELD)]

        views.public.request_retry()  # with the cause still there, the record stays held from the same event
        retried(runner)
        assert [(p.position, p.held_behind) for p in views.public.parked()] == [(first, None), (behind, first)]
        assert "status_being_verified" in (views.public.certificate(held) or {})

        cause.undo()
        views.public.request_retry()
        retried(runner)
        assert views.public.parked() == []
        reinstated = app.reinstate(held, date(2026, 10, 20), "纠正措施已验证", actor=staff.decision).position
        caught_up(runner, reinstated)  # taken as any record's: it is held no more
    finally:
        runner.stop()
        cause.undo()

    assert runner.error is None
    document = views.public.certificate(held)
    assert document is not None and "status_being_verified" not in document
    assert document["organization"]["name"] == UNPUBLISHABLE
    assert [h["status"] for h in document["status_history"]] == ["valid", "suspended", "valid"]
    assert views.public.parked() == [] and views.held == {}
    live = views.public.rows()
    views.rebuild()
    assert views.public.rows() == live  # released exactly as if it had never been held


def retried(runner: Runner, timeout: float = 10) -> None:
    """Waits until the running views have acted on the retry asked of them."""
    deadline = time.monotonic() + timeout
    while runner.views.public.retry_requested():
        assert runner.running, f"the projections stopped: {runner.error}"
        assert time.monotonic() < deadline, f"the retry was not taken up within {timeout} s"
        time.sleep(0.02)


def test_a_rebuild_parks_again_what_still_fails_and_publishes_what_no_longer_does(
        app: Registry, staff: Staff, views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
    held = certificate(app, staff)
    cannot_publish(monkeypatch)
    first = change_name(app, staff, held, UNPUBLISHABLE)
    suspend(app, staff, held)
    views.catch_up()
    parked = views.public.parked()
    assert [p.position for p in parked if p.held_behind is None] == [first]

    views.rebuild()
    assert views.public.parked() == parked

    monkeypatch.undo()
    views.rebuild()
    assert views.public.parked() == [] and views.held == {}
    assert status(views, held) == "suspended"


def test_a_retry_from_the_command_line_publishes_at_once_when_no_process_holds_the_views(
        app: Registry, staff: Staff, views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
    held = certificate(app, staff)
    cannot_publish(monkeypatch)
    change_name(app, staff, held, UNPUBLISHABLE)
    views.catch_up()
    assert views.retry_parked() == (0, 1)  # still failing

    monkeypatch.undo()
    with views.exclusive(wait=False) as mine:
        assert mine
        assert views.retry_parked() == (1, 0)
    document = views.public.certificate(held)
    assert document is not None and document["organization"]["name"] == UNPUBLISHABLE
    assert "status_being_verified" not in document


def test_the_database_failing_is_no_events_fault_and_still_stops_the_views_at_the_event_before(
        app: Registry, staff: Staff, views: Views) -> None:
    number = certificate(app, staff)
    views.catch_up()
    with views.public.cursor(commit=True) as curs:  # the view's own table gone: every status change fails
        curs.execute(f"DROP TABLE {views.public.table('certificate_status_timeline')}")
    written = suspend(app, staff, number)

    runner = running(views)
    deadline = time.monotonic() + 20
    while runner.running and time.monotonic() < deadline:
        time.sleep(0.02)
    runner.stop()

    assert isinstance(runner.error, ProjectionFailed)
    assert f"log position {written}" in str(runner.error) and "Suspended" in str(runner.error)
    assert views.public.parked() == []
    assert views.position() == written - 1


def test_views_opened_afresh_on_the_memory_store_catch_up_without_waiting_on_their_own_connection(
        clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The held records are first read inside a batch's transaction; on a store with one connection (SQLite in
    memory) a read needing a second connection waited on the batch until the pool gave up, failing the batch, which
    was then taken again event by event: every batch stalled."""
    import threading

    taken_one_by_one: list[int] = []
    take = Views.take
    monkeypatch.setattr(Views, "take", lambda self, n, *a, **k: (taken_one_by_one.append(n.id), take(self, n, *a, **k)))
    from demo.scenario import enrol_staff
    from registry.application import RegistryConfig
    from tests.conftest import STAFF_SINCE

    app = Registry(RegistryConfig(database_url="memory://"), clock)
    try:
        number = certificate(app, enrol_staff(app, STAFF_SINCE))
        fresh = open_views(app)
        done = threading.Thread(target=fresh.catch_up, daemon=True)
        done.start()
        done.join(20)
        assert not done.is_alive(), "the catch-up waits on a connection its own batch holds"
        assert status(fresh, number) == "valid"
        assert taken_one_by_one == []  # no batch failed
    finally:
        app.close()
