"""The scheduler's schedule: what it selects the certificates that may have a duty due from (SPEC.md, Scheduler
duties). Not public, and never a reason to act: each certificate it names decides for itself, from its record.

One row per certificate, written by the certificate projection (``projections.certificate_projection``) in the
transaction of its other tables (``projections.certificate_views``): each write here takes that transaction's cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from projections.views import View
from store import Cursor

COLUMNS = ("number", "status", "next_due_by", "valid_until", "noticed_due_by", "renewal_settled")
Row = tuple[str, str, str, str, str | None, int]


class Schedule(View):
    """The dates and states the scheduler's duties turn on, by indexed columns."""

    tables = {
        "certificate_schedule": "number TEXT PRIMARY KEY, status TEXT NOT NULL, next_due_by TEXT NOT NULL, "
                                "valid_until TEXT NOT NULL, noticed_due_by TEXT, renewal_settled INTEGER NOT NULL",
    }
    # Each date with the number and the status: the duties' ranges read them, and the office's work page reads the
    # next 60 days of each in date order and counts the valid ones from the index alone (the date-only indexes
    # left a sort of every certificate in the window, 25 ms at a million certificates; without the status, a
    # count read each row: 7 ms at 20,000, now 0.5).
    indexes: ClassVar[tuple[str, ...]] = (
        "certificate_schedule_due_status ON certificate_schedule (next_due_by, number, status)",
        "certificate_schedule_until_status ON certificate_schedule (valid_until, number, status)",
        "certificate_schedule_status ON certificate_schedule (status)",
    )
    replaced_indexes: ClassVar[tuple[str, ...]] = ("certificate_schedule_due", "certificate_schedule_until")

    @staticmethod
    def schedule_row(number: str, document: dict[str, Any], noticed_due_by: str | None, renewal_settled: bool) -> Row:
        """A certificate's row: its status and dates as its public document (``document``) states them, and what
        only the scheduler needs (the due date it last gave notice of; whether its renewal is settled)."""
        return (number, document["status"], document["surveillance"]["next_due_by"], document["valid_until"],
                noticed_due_by, int(renewal_settled))

    def write_schedule(self, curs: Cursor, row: Row) -> None:
        """Replaces the row of one certificate (``row``'s number)."""
        table = self.table("certificate_schedule")
        curs.execute(f"DELETE FROM {table} WHERE number = %s", (row[0],))
        curs.execute(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s)", row)

    def write_schedules(self, curs: Cursor, rows: Sequence[Row]) -> None:
        """Replaces the rows of many certificates (a batch's), in two statements."""
        if not rows:
            return
        table = self.table("certificate_schedule")
        curs.execute(f"DELETE FROM {table} WHERE number = ANY(%s)", ([row[0] for row in rows],))
        curs.insert_rows(table, COLUMNS, rows)

    # Reads

    def scheduler_candidates(self, today: date, notice_horizon: date, renewal_horizon: date) -> list[str]:
        """Certificates that may have a duty due: a superset, by indexed columns; each certificate decides."""
        with self.cursor() as curs:
            curs.execute(*self.candidates_query(today, notice_horizon, renewal_horizon))
            return [row[0] for row in curs.fetchall()]

    def candidates_query(self, today: date, notice_horizon: date, renewal_horizon: date) -> tuple[str, list[str]]:
        """One branch per duty, each a range on an index, so a day with nothing due reads no row of the table; and
        every certificate whose record is held (its schedule row may be behind it), which decides for itself: from
        ``parked_events``, which the schedule is kept beside (``projections.certificate_views``)."""
        t, table = today.isoformat(), self.table("certificate_schedule")
        sql = (f"SELECT number FROM {table} WHERE status = 'expired' "
               f"UNION SELECT number FROM {table} WHERE valid_until < %s AND status IN ('valid', 'suspended') "
               f"UNION SELECT number FROM {table} WHERE next_due_by <= %s AND status = 'valid' "
               "AND (noticed_due_by IS NULL OR noticed_due_by <> next_due_by OR next_due_by < %s) "
               f"UNION SELECT number FROM {table} WHERE valid_until <= %s AND renewal_settled = 0 "
               "AND status IN ('valid', 'suspended') "
               f"UNION SELECT number FROM {self.table('parked_events')} WHERE number IS NOT NULL ORDER BY number")
        return sql, [t, notice_horizon.isoformat(), t, renewal_horizon.isoformat()]
