"""Events the public view cannot take, parked so that they hold up nothing but their own record.

An event is parked when the view fails on the event itself: what it carries cannot be stored (a NUL in a name, on
PostgreSQL), cannot be decoded, or the view's code fails on it. The parked row is written in the view's transaction
with its tracking position, so an event is parked exactly once; every later event of the same record is parked
behind it, in order, so that record's rows are never built over a gap, while every other record goes on being
published. A held certificate's public document says that its status is being verified. Nothing is passed over in
silence: each record parked is logged as critical, counted by ``/api/v1/health``, and tried again at every start of
the views, by ``registry projections retry`` and by a rebuild.

The database failing (a lost connection, a full disk, a missing table, bad SQL) is no event's fault: it never parks
an event, it stops the views (or makes them wait) as before.

Here are what a parked event is (``Parked``) and where it is kept (``Parking``, beside the public view's rows), then
what the views (``projections.keeping``) do with one: ``park`` it, ``park_behind`` it, ``retry_parked``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking

from projections.views import View
from store import Cursor, Store, chain

if TYPE_CHECKING:
    from projections.keeping import Views

log = logging.getLogger(__name__)

HELD = "held"  # the error of an event parked behind an earlier one of its record, not for a fault of its own
NOTE = ("状态核实中：本证书此后的变更尚未在此公布，请勿以此处所示状态为准 / status being verified: a later change to "
        "this certificate is not yet published here; do not rely on the status shown")
MESSAGE_LIMIT = 500  # characters of an error message kept: enough to say what failed, never a whole payload


@dataclass(frozen=True)
class Parked:
    """One parked event: where it is in the log, whose it is, and why it was parked."""

    position: int
    record: str  # the kind of record (certificate, case), as history entries name it
    record_id: str
    topic: str
    error: str  # the exception's class, or HELD
    message: str
    parked_at: str  # ISO 8601, the registry's clock
    held_behind: int | None = None  # the position of the record's first parked event, for the events behind it
    number: str | None = None  # the certificate's number, when the record is a certificate and it is known

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "record": self.record, "record_id": self.record_id,
                "number": self.number, "topic": self.topic, "error": self.error, "message": self.message,
                "held_behind": self.held_behind, "parked_at": self.parked_at}


COLUMNS = ("position", "record", "record_id", "topic", "error", "message", "parked_at", "held_behind", "number")


def unprojectable(error: BaseException, store: Store) -> bool:
    """Whether ``error`` is the event's (its content, or the view's code meeting it) rather than the database's:
    anywhere in its chain, a database error other than a data or integrity error (a lost connection, a full disk,
    a missing table, bad SQL, a lock), or the machine's (memory, the file system), says the database's."""
    database, the_events = store.not_the_events()
    database = (*database, OSError, MemoryError)
    return not any(isinstance(e, database) and not isinstance(e, the_events) for e in chain(error))


def describe(error: BaseException) -> tuple[str, str]:
    """The class and message of what failed first (the innermost error), printable and bounded: a message may
    quote the very character that could not be stored."""
    root = list(chain(error))[-1]
    cls = type(root)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    return name, printable(str(root))[:MESSAGE_LIMIT]


def printable(text: str) -> str:
    """``text`` with every character that is not printable (controls, NUL, lone surrogates) escaped, so it can be
    stored and logged anywhere."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in text)


def record_kind(topic: str) -> str:
    """The kind of record an event's topic (``module:Class.Event``) belongs to, for people to read."""
    return topic.rpartition(":")[2].partition(".")[0].lower() or "unknown"


def marked(document: dict[str, Any], since: str) -> dict[str, Any]:
    """A public document that says its status is being verified (its record is held)."""
    return {**document, "status_being_verified": {"since": since, "note": NOTE}}


class Parking(View):
    """The parked events of a view, kept beside its rows (a rebuild empties them with the rest and parks again
    whatever still fails)."""

    parked_tables = {
        "parked_events": "position BIGINT PRIMARY KEY, record TEXT NOT NULL, record_id TEXT NOT NULL, "
                         "topic TEXT NOT NULL, error TEXT NOT NULL, message TEXT NOT NULL, parked_at TEXT NOT NULL, "
                         "held_behind BIGINT, number TEXT, retry INTEGER NOT NULL DEFAULT 0",
    }
    parked_indexes = ("parked_events_record ON parked_events (record_id, position)",)

    def park(self, curs: Cursor, parked: Parked) -> None:
        """Writes ``parked`` in the transaction of ``curs`` (the one that records its tracking position); the first
        of a certificate's parked events marks its public document."""
        curs.execute(f"INSERT INTO {self.table('parked_events')} ({', '.join(COLUMNS)}) "
                     f"VALUES ({', '.join('%s' for _ in COLUMNS)})",
                     [getattr(parked, c) for c in COLUMNS])
        if parked.held_behind is None and parked.number is not None:
            self.mark(curs, parked.number, parked.parked_at)

    def mark(self, curs: Cursor, number: str, since: str) -> None:
        """Says in the public document of certificate ``number``, if it has one, that its status is being
        verified (the view that publishes the documents says how)."""
        raise NotImplementedError

    def unpark(self, curs: Cursor, position: int) -> None:
        curs.execute(f"DELETE FROM {self.table('parked_events')} WHERE position = %s", (position,))

    def repark(self, first: Parked, since: str) -> None:
        """A retry failed at ``first`` (parked already, perhaps behind an event since taken): it is the record's
        first parked event now, with the new error, and the record's later events are held behind it; its document, if
        the events taken since rewrote it, is marked again (as held ``since``)."""
        table = self.table("parked_events")
        with self.cursor(commit=True) as curs:
            curs.execute(f"UPDATE {table} SET error = %s, message = %s, held_behind = NULL, number = %s, retry = 0 "
                         "WHERE position = %s", (first.error, first.message, first.number, first.position))
            curs.execute(f"UPDATE {table} SET held_behind = %s, retry = 0 WHERE record_id = %s AND position > %s",
                         (first.position, first.record_id, first.position))
            if first.number is not None:
                self.mark(curs, first.number, since)

    def parked(self, limit: int | None = None) -> list[Parked]:
        """The parked events in log order (the first ``limit``)."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM {self.table('parked_events')} ORDER BY position"
        with self.cursor() as curs:
            curs.execute(sql + (" LIMIT %s" if limit is not None else ""), [limit] if limit is not None else [])
            return [Parked(**dict(zip(COLUMNS, row, strict=True))) for row in curs.fetchall()]

    def held_records(self) -> dict[str, int]:
        """Each held record (its id) and the position of its first parked event (read inside a batch too)."""
        with self.batch_or_own() as curs:
            curs.execute(f"SELECT record_id, MIN(position) AS first FROM {self.table('parked_events')} "
                         "GROUP BY record_id")
            return {record_id: int(first) for record_id, first in curs.fetchall()}

    def parked_count(self) -> tuple[int, int]:
        """How many records are held, and how many events are parked."""
        with self.cursor() as curs:
            curs.execute(f"SELECT COUNT(DISTINCT record_id) AS records, COUNT(*) AS events "
                         f"FROM {self.table('parked_events')}")
            row = curs.fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def request_retry(self) -> int:
        """Asks whoever keeps the view to try the parked events again; answers how many records are held."""
        with self.cursor(commit=True) as curs:
            curs.execute(f"UPDATE {self.table('parked_events')} SET retry = 1")
            curs.execute(f"SELECT COUNT(DISTINCT record_id) FROM {self.table('parked_events')}")
            row = curs.fetchone()
        return int(row[0]) if row else 0

    def retry_requested(self) -> bool:
        with self.cursor() as curs:
            curs.execute(f"SELECT 1 FROM {self.table('parked_events')} WHERE retry = 1 LIMIT 1")
            return curs.fetchone() is not None


def park(views: Views, notification: Any, error: BaseException) -> None:
    """Parks an event the public view cannot take (``error`` says why), with its tracking position in one
    transaction, and holds its record: its later events are parked behind it. Says so as loudly as it can."""
    try:
        number = views.projection.number_of(notification)
    except Exception as e:
        if views.lost(e):
            raise
        number = None  # what cannot be read says no number: the event is parked all the same
    name, message = describe(error)
    parked = Parked(notification.id, record_kind(notification.topic), str(notification.originator_id),
                    printable(notification.topic), name, message, views.registry.clock.now().isoformat(),
                    None, number)
    with views.public.tracked(Tracking(views.tracking_name, notification.id)) as curs:
        views.public.park(curs, parked)
    views.held[parked.record_id] = parked.position
    log.critical("%s cannot take the event at log position %d (%s of %s %s%s): %s: %s. It is parked, with every "
                 "later event of that record, and the other records go on being published; `registry "
                 "projections retry` (or a restart, or a rebuild) tries it again once the cause is removed",
                 views.projection.name, parked.position, parked.topic, parked.record, parked.record_id,
                 f", certificate {number}" if number else "", name, message)


def park_behind(views: Views, notification: Any, first: int) -> None:
    """Parks an event of a held record behind the record's first parked event (at log position ``first``), so
    the record's rows are never built over a gap."""
    parked = Parked(notification.id, record_kind(notification.topic), str(notification.originator_id),
                    printable(notification.topic), HELD, f"held behind the event at log position {first}",
                    views.registry.clock.now().isoformat(), first)
    with views.public.tracked(Tracking(views.tracking_name, notification.id)) as curs:
        views.public.park(curs, parked)


def retry_parked(views: Views) -> tuple[int, int]:
    """Tries the parked events again, record by record, each record's in log order; each event goes in with the
    removal of its parked row, in one transaction (so it is taken exactly once, behind the tracked position). A
    record whose events all go in is published and released; one that fails again stays held from the event that
    failed. Answers how many records were released and how many are still held. The caller holds the views
    (``Views.exclusive``), and forgets the held records it knew (``Views.retry_parked``)."""
    records: dict[str, list[Parked]] = {}
    for parked in views.public.parked():
        records.setdefault(parked.record_id, []).append(parked)
    released = sum(_retry_record(views, events) for events in records.values())
    return released, len(records) - released


def _retry_record(views: Views, events: list[Parked]) -> bool:
    for parked in events:
        notification = views.store.select_log(views.registry.recorder, parked.position, 1)[0]
        try:
            with views.public.batched(track=False) as curs:
                views.project(notification)
                views.public.unpark(curs, parked.position)
        except Exception as e:
            if views.lost(e):
                raise
            views.projection.forget()  # the cache may hold what the undone transaction recorded
            if not unprojectable(e, views.store):
                raise
            try:
                number = views.projection.number_of(notification)
            except Exception as read:
                if views.lost(read):
                    raise
                number = None
            name, message = describe(e)
            views.public.repark(replace(parked, error=name, message=message, number=number), events[0].parked_at)
            log.error("%s still cannot take the event at log position %d (%s of %s %s): %s: %s; the record stays "
                      "held", views.projection.name, parked.position, parked.topic, parked.record,
                      parked.record_id, name, message)
            return False
    log.warning("%s took the %d parked events of %s %s: it is published again", views.projection.name,
                len(events), events[0].record, events[0].record_id)
    return True
