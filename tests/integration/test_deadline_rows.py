"""The deadlines a batch writes are the deadlines its events write one at a time, on SQLite and on PostgreSQL.

The public view writes an event's deadline changes in the event's own transaction when it follows the log, and a
batch's all at once when it catches up or rebuilds (on PostgreSQL, at the batch's end): both through the one state
machine (``projections.deadlines.apply_changes``, ``tests/unit/test_deadline_state_machine.py``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from demo.dataset import load_demo
from demo.scenario import Walk
from projections.runner import Views, open_views
from registry.application import Registry
from registry.values import Changes


def deadline_rows(views: Views) -> list[tuple[Any, ...]]:
    return [row for row in views.public.rows() if row[0] == "deadlines"]


def one_event_at_a_time(app: Registry, views: Views) -> None:
    """Each event after the views' position in a transaction of its own, as the views follow the log."""
    start = views.position()
    for notification in app.recorder.select_notifications(start + 1, views.head() - start):
        views.take(notification)


def test_one_event_at_a_time_and_a_rebuild_write_the_same_deadlines(app: Registry, walk: Walk) -> None:
    load_demo(app)  # surveillance met and reopened, changes, suspensions, a withdrawal, an expiry, a cancellation
    w = Walk(app, walk.staff, date(2026, 3, 2)).to_certificate()
    number = w.number or ""
    app.request_change(number, date(2026, 9, 21), date(2026, 9, 5), Changes(address="新地址1号"),
                       actor=walk.staff.intake)
    app.suspend(number, date(2026, 10, 3), date(2026, 9, 30), "major_defect", "缺陷", actor=walk.staff.decision)
    views = open_views(app)

    one_event_at_a_time(app, views)
    by_event = deadline_rows(views)
    views.rebuild()

    assert deadline_rows(views) == by_event
    states = {(row[2], row[5]) for row in by_event}  # (rule, state)
    assert {("R-SURV-1", "open"), ("R-SURV-1", "missed"), ("R-CHG-1", "missed"),
            ("R-CHG-1", "open"), ("R-SUS-1", "met"), ("R-CAN-1", "open"), ("R-ACC-2", "met")} <= states

    # Events taken one at a time over rows a batch wrote: the same as a batch over them all.
    app.withdraw(number, date(2026, 10, 20), date(2026, 10, 18), "major_defect", "未整改", actor=walk.staff.decision)
    one_event_at_a_time(app, views)
    by_event = deadline_rows(views)
    views.rebuild()

    assert deadline_rows(views) == by_event
    assert not [row for row in by_event if row[1] == f"{number}:surveillance"]  # the withdrawal dropped it
