"""The scheduler's duties at their boundary dates, run twice, raced, and caught up (issue 6), on both stores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from demo.scenario import SURVEILLANCE, Walk, review_surveillance
from projections.runner import open_views
from registry.application import Registry
from registry.clock import FixedClock
from registry.values import Nonconformity, Severity
from scheduler.duties import tick


def certified(walk: Walk, decided_on: date = date(2026, 3, 31)) -> str:
    walk.to_team().stage1().stage2().report().decide(decided_on=decided_on)
    return walk.number or ""


def types(app: Registry, number: str) -> list[str]:
    return [e.type for e in app.certificate_history(number) if e.record == "certificate"]


def run(app: Registry, clock: FixedClock, on: date) -> dict[str, int]:
    clock.set(on)
    return tick(app, open_views(app)).recorded


def test_r_surv_1_the_notice_comes_30_days_before_the_due_date_not_a_day_earlier(app: Registry, walk: Walk,
                                                                               clock: FixedClock) -> None:
    number = certified(walk)  # surveillance due by 2027-03-31

    assert run(app, clock, date(2027, 2, 28)) == {}
    assert run(app, clock, date(2027, 3, 1)) == {"surveillance_notice": 1}
    assert types(app, number)[-1] == "SurveillanceNoticeRaised"


def test_r_surv_4_suspended_on_the_day_after_the_due_date_not_on_it(app: Registry, walk: Walk,
                                                                   clock: FixedClock) -> None:
    number = certified(walk)

    run(app, clock, date(2027, 3, 31))
    on_the_day = app.get_certificate(number).status
    run(app, clock, date(2027, 4, 1))
    after = app.get_certificate(number)

    assert on_the_day == "valid"
    assert (after.status, after.status_since, after.suspension_ground) == ("suspended", date(2027, 4, 1),
                                                                           "surveillance_overdue")


def certified_through_29_february(app: Registry, walk: Walk, clock: FixedClock) -> str:
    walk.start = date(2024, 1, 29)
    number = certified(walk, decided_on=date(2024, 2, 29))  # valid through 2027-02-27
    for held in (date(2025, 2, 20), date(2026, 2, 20), date(2027, 2, 15)):  # surveillance kept up
        clock.set(held)
        review_surveillance(app, walk.staff, number, held)  # R-GHG-2
        app.record_surveillance_audit(number, held, walk.staff.leader, [walk.staff.member],
                                      **SURVEILLANCE, actor=walk.staff.leader_actor)
    return number


def test_r_exp_1_the_expiry_the_day_after_a_29_february_validity(app: Registry, walk: Walk,
                                                                clock: FixedClock) -> None:
    number = certified_through_29_february(app, walk, clock)

    run(app, clock, date(2027, 2, 27))  # records the renewal window, opened on 2026-08-27
    on_the_last_day = app.get_certificate(number).status
    recorded = run(app, clock, date(2027, 2, 28))
    cert = app.get_certificate(number)

    assert on_the_last_day == "valid"
    assert recorded == {"expiry": 1}
    assert (cert.status, cert.status_since) == ("expired", date(2027, 2, 28))
    assert types(app, number)[-1] == "Expired"


def test_r_can_1_an_expired_certificate_stays_expired_until_its_cancellation_falls_due_on_day_30(
        app: Registry, walk: Walk, clock: FixedClock) -> None:
    number = certified_through_29_february(app, walk, clock)
    run(app, clock, date(2027, 2, 28))  # expired on 2027-02-28: the cancellation is due by 2027-03-30

    on_day_29 = run(app, clock, date(2027, 3, 29)), app.get_certificate(number).status
    on_day_30 = run(app, clock, date(2027, 3, 30)), app.get_certificate(number)
    cancellation = [e for e in app.certificate_history(number) if e.type == "Cancelled"]

    assert on_day_29 == ({}, "expired")
    assert on_day_30[0] == {"cancellation": 1}
    assert (on_day_30[1].status, on_day_30[1].status_since) == ("cancelled", date(2027, 3, 30))
    assert len(cancellation) == 1 and cancellation[0].effective_on == date(2027, 3, 30)


def test_r_can_1_a_cancellation_the_body_records_first_leaves_the_scheduler_nothing_to_do(
        app: Registry, walk: Walk, clock: FixedClock) -> None:
    number = certified_through_29_february(app, walk, clock)
    run(app, clock, date(2027, 2, 28))
    clock.set(date(2027, 3, 10))
    app.cancel(number, date(2027, 3, 10), "expired", actor=walk.staff.decision)

    recorded = run(app, clock, date(2027, 4, 30))

    assert recorded == {}
    assert types(app, number)[-2:] == ["Expired", "Cancelled"]
    assert app.get_certificate(number).status_since == date(2027, 3, 10)


def test_r_recert_1_the_renewal_window_opens_six_months_before_expiry(app: Registry, walk: Walk,
                                                                     clock: FixedClock) -> None:
    number = certified(walk)  # valid through 2029-03-30
    clock.set(date(2027, 3, 1))
    review_surveillance(app, walk.staff, number, date(2027, 3, 1))
    app.record_surveillance_audit(number, date(2027, 3, 1), walk.staff.leader, [walk.staff.member],
                                  **SURVEILLANCE, actor=walk.staff.leader_actor)
    clock.set(date(2028, 2, 1))
    review_surveillance(app, walk.staff, number, date(2028, 2, 1))
    app.record_surveillance_audit(number, date(2028, 2, 1), walk.staff.leader, [walk.staff.member],
                                  **SURVEILLANCE, actor=walk.staff.leader_actor)

    assert "renewal_window" not in run(app, clock, date(2028, 9, 29))
    assert run(app, clock, date(2028, 9, 30)) == {"renewal_window": 1}


def test_a_tick_run_twice_gives_the_same_history(app: Registry, walk: Walk, clock: FixedClock) -> None:
    number = certified(walk)
    run(app, clock, date(2027, 4, 1))
    history = app.certificate_history(number)

    assert run(app, clock, date(2027, 4, 1)) == {}
    assert app.certificate_history(number) == history


def test_a_scheduler_down_for_years_catches_up_in_date_order(app: Registry, walk: Walk, clock: FixedClock) -> None:
    number = certified(walk)  # due 2027-03-31, renewal window 2028-09-30, valid through 2029-03-30

    recorded = run(app, clock, date(2029, 6, 1))

    assert recorded == {"surveillance_notice": 1, "surveillance_overdue": 1, "renewal_window": 1, "expiry": 1,
                        "cancellation": 1}
    events = [e for e in app.certificate_history(number) if e.record == "certificate"][1:]
    assert [e.type for e in events] == ["SurveillanceNoticeRaised", "Suspended", "RenewalWindowOpened", "Expired",
                                        "Cancelled"]
    assert [e.effective_on for e in events] == [date(2027, 3, 1), date(2027, 4, 1), date(2028, 9, 30),
                                                date(2029, 3, 31), date(2029, 4, 30)]


def test_two_tick_processes_at_once_record_each_event_once(app: Registry, walk: Walk, database_url: str,
                                                           tmp_path: Path) -> None:
    numbers = [certified(Walk(app, walk.staff, date(2026, 3, 2))) for _ in range(6)]
    open_views(app).catch_up()  # a running registry: its read models exist
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url, "REGISTRY_SIGNING_KEY": str(tmp_path / "k")}

    racers = [subprocess.Popen([exe, "tick", "--as-of", "2029-06-01"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [r.communicate(timeout=120) for r in racers]

    assert all(r.returncode == 0 for r in racers), outcomes
    for number in numbers:
        assert types(app, number)[1:] == ["SurveillanceNoticeRaised", "Suspended", "RenewalWindowOpened",
                                          "Expired", "Cancelled"]


def test_r_surv_5_r_sus_1_a_major_nonconformity_left_open_is_a_ground_the_day_after_its_due_date(
        app: Registry, walk: Walk, clock: FixedClock) -> None:
    number = certified(walk)
    clock.set(date(2026, 9, 1))
    review_surveillance(app, walk.staff, number, date(2026, 9, 1))
    app.record_surveillance_audit(number, date(2026, 9, 1), walk.staff.leader, [walk.staff.member],
                                  nonconformities=[Nonconformity("S-1", Severity.MAJOR, "计量器具未校准",
                                                                 date(2026, 10, 1))],
                                  **SURVEILLANCE, actor=walk.staff.leader_actor)

    assert run(app, clock, date(2026, 10, 1)) == {}
    assert run(app, clock, date(2026, 10, 2)) == {"nonconformity_overdue": 1}
    assert types(app, number)[-1] == "GroundRecorded"
    assert run(app, clock, date(2026, 10, 3)) == {}  # recorded once; the measure is the body's
