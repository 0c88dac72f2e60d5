"""Concurrent commands on real stores: one of two conflicting commands wins, the other is told so, and nothing is
lost or duplicated; concurrent decisions never share a certificate number."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from demo.scenario import ALL_CONDITIONS, Walk
from registry.application import Registry
from registry.errors import ConcurrentChange
from registry.values import Written
from tests.factories import race
from tests.integration.conftest import OpenRegistry


class Racing:
    """Holds each racer's first save at a barrier, so both have read the same state before either writes."""

    def __init__(self, app: Registry, barrier: threading.Barrier) -> None:
        self.app, self.barrier, self.held = app, barrier, False
        original = app._commit

        def commit(*aggregates: Any, **ids: Any) -> Written:
            if not self.held:
                self.held = True
                self.barrier.wait(timeout=10)
            return original(*aggregates, **ids)

        app._commit = commit  # type: ignore[method-assign]


def test_two_conflicting_status_changes_one_wins_and_nothing_is_lost(walk: Walk, open_registry: OpenRegistry) -> None:
    walk.to_certificate()
    number, staff = walk.number or "", walk.staff
    barrier = threading.Barrier(2)
    first, second = Racing(open_registry(), barrier).app, Racing(open_registry(), barrier).app
    before = walk.app.recorder.max_notification_id() or 0

    results = race(
        lambda: first.suspend(number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "A", actor=staff.decision),
        lambda: second.withdraw(number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "B",
                                actor=staff.decision),
    )

    won = [r for r in results if isinstance(r, Written)]
    lost = [r for r in results if isinstance(r, ConcurrentChange)]
    assert len(won) == 1 and len(lost) == 1, results
    topics = [n.topic.rsplit(".", 1)[-1] for n in walk.app.recorder.select_notifications(before + 1, 100)]
    status = walk.app.get_certificate(number).status
    # Exactly the winner's events: a suspension, or a withdrawal with its note on the organisation (R-APP-5).
    assert topics == {"suspended": ["Suspended"], "withdrawn": ["Withdrawn", "CertificateWithdrawn"]}[status]


@pytest.mark.parametrize("racers", [2, 3])
def test_concurrent_decisions_never_share_a_certificate_number(app: Registry, walk: Walk, open_registry: OpenRegistry,
                                                               racers: int) -> None:
    walks = [Walk(app, walk.staff, walk.start).to_team().stage1().stage2().report() for _ in range(racers)]
    barrier = threading.Barrier(racers)
    apps = [Racing(open_registry(), barrier).app for _ in range(racers)]
    # Every decision allocates from the same sequence: all but one first attempt conflict, and retry.
    results = race(*[
        (lambda a=a, w=w: a.decide(w.case, date(2026, 4, 1), True, ALL_CONDITIONS, "符合", actor=w.staff.decision))
        for a, w in zip(apps, walks, strict=True)
    ])

    assert all(isinstance(r, Written) for r in results), results
    numbers = [r.ids["certificate_number"] for r in results]
    assert len(set(numbers)) == racers
    assert sorted(numbers) == [f"CB-CEMS-2026-{i:05d}" for i in range(1, racers + 1)]
    for number in numbers:
        assert app.get_certificate(number).status == "valid"
