"""The one deadline state machine (``projections.deadlines.apply_changes``): every transition, given rows and changes.

The public view writes an event's deadline changes and a whole batch's through it, so what holds here holds for
both (``tests/integration/test_deadline_rows.py`` holds the two paths against each other on both stores)."""

from __future__ import annotations

from datetime import date

from projections.deadlines import Change, Deadline, Row, Settle, apply_changes

KEY = "CEMS-1:surveillance"
DUE = date(2027, 3, 31)


def opened(position: int = 1, due: date = DUE) -> Row:
    return Row(KEY, "R-SURV-1", "certificate CEMS-1: surveillance audit", due.isoformat(), "open", None, position)


def open_deadline(due: date = DUE) -> Deadline:
    return Deadline(KEY, "R-SURV-1", "certificate CEMS-1: surveillance audit", due, "open")


def test_a_deadline_opens_a_row_at_its_event_s_position() -> None:
    written, deleted = apply_changes({}, [([open_deadline()], 7)])
    assert written == {KEY: opened(7)} and deleted == set()


def test_an_open_deadline_settled_on_its_due_date_is_met() -> None:
    written, deleted = apply_changes({KEY: opened()}, [([Settle(KEY, DUE)], 9)])
    assert written == {KEY: opened()._replace(state="met", done_on="2027-03-31", position=9)}
    assert deleted == set()


def test_an_open_deadline_settled_after_its_due_date_is_missed() -> None:
    written, _ = apply_changes({KEY: opened()}, [([Settle(KEY, date(2027, 4, 1))], 9)])
    assert written[KEY].state == "missed" and written[KEY].done_on == "2027-04-01"


def test_a_settle_without_a_date_is_never_in_time() -> None:
    written, _ = apply_changes({KEY: opened()}, [([Settle(KEY, None)], 9)])
    assert written[KEY].state == "missed" and written[KEY].done_on is None


def test_a_drop_deletes_an_open_deadline() -> None:
    written, deleted = apply_changes({KEY: opened()}, [([Settle(KEY, None, drop=True)], 9)])
    assert written == {} and deleted == {KEY}


def test_a_settled_deadline_stays_as_it_was_settled() -> None:
    met = opened()._replace(state="met", done_on="2027-03-01", position=5)
    for change in (Settle(KEY, date(2027, 5, 1)), Settle(KEY, None, drop=True)):
        written, deleted = apply_changes({KEY: met}, [([change], 9)])
        assert written == {KEY: met} and deleted == set()


def test_a_settle_of_a_key_with_no_row_changes_nothing() -> None:
    for change in (Settle(KEY, DUE), Settle(KEY, None, drop=True)):
        assert apply_changes({}, [([change], 9)]) == ({}, set())


def test_a_surveillance_audit_settles_the_deadline_and_opens_the_next_under_the_same_key() -> None:
    following = date(2028, 3, 31)
    written, deleted = apply_changes({KEY: opened()}, [([Settle(KEY, date(2027, 3, 1)), open_deadline(following)], 9)])
    assert written == {KEY: opened(9, following)} and deleted == set()


def test_a_deadline_decided_by_its_own_event_is_written_settled() -> None:
    late = Deadline("CEMS-1:change-request:1", "R-CHG-1", "change request (15 days)", date(2026, 9, 20), "missed",
                    date(2026, 9, 21))
    written, _ = apply_changes({}, [([late], 3)])
    assert written[late.key] == Row(late.key, "R-CHG-1", "change request (15 days)", "2026-09-20", "missed",
                                    "2026-09-21", 3)


def test_a_batch_leaves_the_rows_one_event_at_a_time_leaves() -> None:
    other = "case:1:acceptance-notice"
    events: list[tuple[list[Change], int]] = [
        ([open_deadline()], 1),
        ([Deadline(other, "R-ACC-2", "case 1: acceptance notice", date(2026, 3, 5), "open")], 2),
        ([Settle(KEY, date(2027, 3, 1)), open_deadline(date(2028, 3, 31))], 3),
        ([Settle(other, date(2026, 3, 6))], 4),
        ([Settle(KEY, None, drop=True)], 5),
        ([Settle(other, date(2026, 3, 4))], 6),
    ]
    rows: dict[str, Row] = {}
    for event in events:
        written, deleted = apply_changes({k: v for k, v in rows.items() if k in {c.key for c in event[0]}}, [event])
        rows = {k: v for k, v in {**rows, **written}.items() if k not in deleted}

    written, deleted = apply_changes({}, events)

    assert written == rows == {other: Row(other, "R-ACC-2", "case 1: acceptance notice", "2026-03-05", "missed",
                                          "2026-03-06", 4)}
    assert deleted == {KEY}
