"""The public certificate read model: what anyone may see of a certificate (§10.1), its search index, and its
status timeline. Nothing private is ever written here: no people, no case details, no documents.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial, singledispatchmethod
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.projection import Projection

from projections.deadlines import (
    COLUMNS,
    DEADLINE_CASE_EVENTS,
    Change,
    Row,
    apply_changes,
    case_changes,
    certificate_changes,
)
from projections.parked import Parking, marked
from registry.application import Registry
from registry.case import Case
from registry.certificate import Certificate
from registry.history import plain
from registry.views import CertificateView
from store import Cursor, Store

# The events that give a certificate a new status: each is an entry of its status timeline.
STATUS_EVENTS = (Certificate.Issued, Certificate.Suspended, Certificate.Reinstated, Certificate.Withdrawn,
                 Certificate.Expired, Certificate.Cancelled)


def public_document(view: CertificateView) -> dict[str, Any]:
    """The public contents of a certificate (API.md, Public), as JSON-ready data."""
    return {
        "number": view.number,
        "status": view.status,
        "status_since": view.status_since.isoformat(),
        "suspension_ground": view.suspension_ground,
        "organization": dict(view.organization),
        "scope": view.scope,
        "levels": [{"level": lv["level"], "method": lv["method"]} for lv in view.levels],
        "basis": plain(view.basis),
        "issued_on": view.issued_on.isoformat(),
        "valid_until": view.valid_until.isoformat(),
        "issuer": dict(view.issuer),
        # As recorded; whoever serves it marks it overdue once the due date has passed (R-SURV-4).
        "surveillance": {**plain(view.surveillance), "overdue": False},
        "version": view.version,
        "renews": view.renews,
        "renewed_by": view.renewed_by,
    }


class PublicCertificatesView(Parking):
    name = "public_certificates"
    tables = {
        "public_certificates": "number TEXT PRIMARY KEY, uscc TEXT NOT NULL, name TEXT NOT NULL, "
                               "status TEXT NOT NULL, valid_until TEXT NOT NULL, next_due_by TEXT NOT NULL, "
                               "position BIGINT NOT NULL, document TEXT NOT NULL",
        "certificate_status_timeline": "number TEXT NOT NULL, position BIGINT NOT NULL, effective_on TEXT NOT NULL, "
                                       "status TEXT NOT NULL, PRIMARY KEY (number, position)",
        # What the scheduler selects its candidates from (it never decides from it: the certificate does).
        "certificate_schedule": "number TEXT PRIMARY KEY, status TEXT NOT NULL, next_due_by TEXT NOT NULL, "
                                "valid_until TEXT NOT NULL, noticed_due_by TEXT, renewal_settled INTEGER NOT NULL",
        "deadlines": "key TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, due_on TEXT NOT NULL, "
                     "state TEXT NOT NULL, done_on TEXT, position BIGINT NOT NULL",
        **Parking.parked_tables,
    }
    indexes = ("public_certificates_uscc ON public_certificates (uscc)",
               # Numbers are matched ignoring case (certificate_row); made where missing on an existing database.
               "public_certificates_number_upper ON public_certificates (upper(number))",
               "public_certificates_name ON public_certificates (name)",
               "certificate_schedule_due ON certificate_schedule (next_due_by)",
               "certificate_schedule_until ON certificate_schedule (valid_until)",
               "certificate_schedule_status ON certificate_schedule (status)",
               "deadlines_state ON deadlines (state, due_on)", *Parking.parked_indexes)

    def _deadlines(self, curs: Cursor, changes: Sequence[tuple[Sequence[Change], int]]) -> None:
        """Deadline changes (each event's with its log position, in log order), one event's or a whole batch's:
        the rows of the keys they concern are taken out (a write first, which SQLite needs) and what the state
        machine leaves of them (``apply_changes``) put back, one DELETE and one insert whatever the number."""
        keys = list(dict.fromkeys(change.key for batch, _ in changes for change in batch))
        if not keys:
            return
        table = self.table("deadlines")
        curs.execute(f"DELETE FROM {table} WHERE key IN ({', '.join('%s' for _ in keys)}) "
                     f"RETURNING {', '.join(COLUMNS)}", keys)
        kept, _ = apply_changes({row[0]: Row(*row) for row in curs.fetchall()}, changes)
        curs.insert_rows(table, COLUMNS, list(kept.values()))

    def save_deadlines(self, changes: list[Change], tracking: Tracking) -> None:
        batch = self.deferring()
        if batch is not None:
            with self.tracked(tracking):
                self._deferred(batch).deadlines.append((changes, tracking.notification_id))
            return
        with self.tracked(tracking) as curs:
            self._deadlines(curs, [(changes, tracking.notification_id)])

    def deadlines(self, state: str | None, today: date, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        where, params = "", list[str]()
        if state in ("open", "overdue"):
            where = f" WHERE state = 'open' AND due_on {'>=' if state == 'open' else '<'} %s"
            params = [today.isoformat()]
        elif state in ("met", "missed"):
            where, params = " WHERE state = %s", [state]
        rows, total = self.page("rule, subject, due_on, state, done_on", "deadlines", where, params, "due_on, key",
                                offset, limit)
        t = today.isoformat()
        return [{"rule": r, "subject": s, "due_on": d, "done_on": done,
                 "state": "overdue" if st == "open" and d < t else st} for r, s, d, st, done in rows], total

    def save(self, number: str, status: str, render: Callable[[], dict[str, Any]], position: int,
             status_changed: date | None, tracking: Tracking, schedule: tuple[str | None, bool] = (None, False),
             deadlines: list[Change] | None = None) -> None:
        """Stores the public document ``render()`` makes, as served: its status history and any extras
        (``verify_url``) included. Inside a batch, only each certificate's last document is written, so only that
        one is rendered, when the batch ends: ``render`` must then make the certificate as it stands at the end
        of the batch (the projection's does: it reads the certificate its events go on changing)."""
        table, timeline = self.table("public_certificates"), self.table("certificate_status_timeline")
        batch = self.deferring()
        if batch is not None:  # written once per certificate when the batch ends (flush_batch)
            with self.tracked(tracking):
                deferred = self._deferred(batch)
                position = tracking.notification_id
                if status_changed is not None:
                    deferred.timeline.append((number, position, status_changed.isoformat(), status))
                deferred.documents[number] = (render, position, schedule)
                if deadlines:
                    deferred.deadlines.append((deadlines, position))
            return
        document = render()
        with self.tracked(tracking) as curs:
            # A write first: SQLite cannot upgrade a reading transaction while another connection writes.
            curs.execute(f"DELETE FROM {table} WHERE number = %s", (number,))
            if status_changed is not None:
                curs.execute(f"INSERT INTO {timeline} (number, position, effective_on, status) "
                             "VALUES (%s, %s, %s, %s)", (number, position, status_changed.isoformat(),
                                                         document["status"]))
            curs.execute(f"SELECT effective_on, status FROM {timeline} WHERE number = %s ORDER BY position",
                         (number,))
            served = {**document, "status_history": [{"since": s, "status": st} for s, st in curs.fetchall()]}
            curs.execute(f"INSERT INTO {table} (number, uscc, name, status, valid_until, next_due_by, position, "
                         "document) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                         (number, document["organization"]["uscc"], document["organization"]["name"],
                          document["status"], document["valid_until"], document["surveillance"]["next_due_by"],
                          position, json.dumps(served, ensure_ascii=False, sort_keys=True)))
            curs.execute(f"DELETE FROM {self.table('certificate_schedule')} WHERE number = %s", (number,))
            curs.execute(f"INSERT INTO {self.table('certificate_schedule')} (number, status, next_due_by, "
                         "valid_until, noticed_due_by, renewal_settled) VALUES (%s, %s, %s, %s, %s, %s)",
                         (number, document["status"], document["surveillance"]["next_due_by"],
                          document["valid_until"], schedule[0], int(schedule[1])))
            self._deadlines(curs, [(deadlines or [], position)])

    @staticmethod
    def _deferred(batch: Any) -> _Deferred:
        if batch.deferred is None:
            batch.deferred = _Deferred()
        deferred: _Deferred = batch.deferred
        return deferred

    def flush_batch(self, curs: Cursor, deferred: _Deferred) -> None:
        """A batch's writes, the same rows ``save`` writes event by event, in a few statements: the new timeline
        entries, then each certificate's latest document (with its whole status history) and schedule row, then the
        deadline changes in log order."""
        table, timeline = self.table("public_certificates"), self.table("certificate_status_timeline")
        schedule = self.table("certificate_schedule")
        curs.insert_rows(timeline, ("number", "position", "effective_on", "status"), deferred.timeline)
        numbers = list(deferred.documents)
        if numbers:
            curs.execute(f"SELECT number, effective_on, status FROM {timeline} WHERE number = ANY(%s) "
                         "ORDER BY number, position", (numbers,))
            history: dict[str, list[dict[str, str]]] = {}
            for number, since, status in curs.fetchall():
                history.setdefault(number, []).append({"since": since, "status": status})
            rows, schedules = [], []
            for number, (render, position, (noticed, settled)) in deferred.documents.items():
                document = render()
                served = {**document, "status_history": history.get(number, [])}
                rows.append((number, document["organization"]["uscc"], document["organization"]["name"],
                             document["status"], document["valid_until"], document["surveillance"]["next_due_by"],
                             position, json.dumps(served, ensure_ascii=False, sort_keys=True)))
                schedules.append((number, document["status"], document["surveillance"]["next_due_by"],
                                  document["valid_until"], noticed, int(settled)))
            curs.execute(f"DELETE FROM {table} WHERE number = ANY(%s)", (numbers,))
            curs.insert_rows(table, ("number", "uscc", "name", "status", "valid_until", "next_due_by", "position",
                                     "document"), rows)
            curs.execute(f"DELETE FROM {schedule} WHERE number = ANY(%s)", (numbers,))
            curs.insert_rows(schedule, ("number", "status", "next_due_by", "valid_until", "noticed_due_by",
                                        "renewal_settled"), schedules)
        self._deadlines(curs, deferred.deadlines)

    def mark(self, curs: Cursor, number: str, since: str) -> None:
        table = self.table("public_certificates")
        curs.execute(f"SELECT document FROM {table} WHERE number = %s", (number,))
        row = curs.fetchone()
        if row is not None:
            curs.execute(f"UPDATE {table} SET document = %s WHERE number = %s",
                         (json.dumps(marked(json.loads(row[0]), since), ensure_ascii=False, sort_keys=True), number))

    def skip(self, tracking: Tracking) -> None:
        batch = self._batch()
        if batch is not None:  # most events of a catch-up: only the batch's last position moves
            batch.last = tracking
            return
        with self.tracked(tracking):
            pass

    # Reads

    def certificate(self, number: str) -> dict[str, Any] | None:
        with self.cursor() as curs:
            curs.execute(f"SELECT document FROM {self.table('public_certificates')} WHERE number = %s", (number,))
            row = curs.fetchone()
        return json.loads(row[0]) if row else None

    def certificate_row(self, number: str) -> tuple[str, str, str, str] | None:
        """The stored document as served, with the columns that say whether a lapse has changed it since; the
        number is matched ignoring case (``named``)."""
        with self.cursor() as curs:
            curs.execute(f"SELECT number, document, status, valid_until, next_due_by FROM "
                         f"{self.table('public_certificates')} WHERE upper(number) = upper(%s)", (number,))
            row = named(number, curs.fetchall())
        return (row[1], row[2], row[3], row[4]) if row else None

    def certificate_number(self, number: str) -> str | None:
        """The number as issued of the certificate ``number`` names ignoring case (``named``), if it is published."""
        with self.cursor() as curs:
            curs.execute(f"SELECT number FROM {self.table('public_certificates')} WHERE upper(number) = upper(%s)",
                         (number,))
            row = named(number, curs.fetchall())
        return str(row[0]) if row else None

    def search(self, uscc: str | None, name: str | None, status: str | None, offset: int,
               limit: int) -> tuple[list[dict[str, Any]], int]:
        """Exact USCC, organisation name by substring (Chinese included), status; newest numbers first."""
        where, params = [], []
        if uscc:
            where.append("uscc = %s")
            params.append(uscc)
        if name:  # the name's own % and _ are characters to find, not wildcards
            where.append("name LIKE %s ESCAPE '\\'")
            params.append("%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if status:
            where.append("status = %s")
            params.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows, total = self.page("number, status, name, uscc, valid_until", "public_certificates", clause, params,
                                "number DESC", offset, limit)
        items = [{"number": n, "status": s, "organization": {"name": nm, "uscc": u}, "valid_until": v}
                 for n, s, nm, u, v in rows]
        return items, total

    def scheduler_candidates(self, today: date, notice_horizon: date, renewal_horizon: date) -> list[str]:
        """Certificates that may have a duty due: a superset, by indexed columns; each certificate decides."""
        with self.cursor() as curs:
            curs.execute(*self.candidates_query(today, notice_horizon, renewal_horizon))
            return [row[0] for row in curs.fetchall()]

    def candidates_query(self, today: date, notice_horizon: date, renewal_horizon: date) -> tuple[str, list[str]]:
        """One branch per duty, each a range on an index, so a day with nothing due reads no row of the table; and
        every certificate whose record is held (its schedule row may be behind it), which decides for itself."""
        t, table = today.isoformat(), self.table("certificate_schedule")
        sql = (f"SELECT number FROM {table} WHERE status = 'expired' "
               f"UNION SELECT number FROM {table} WHERE valid_until < %s AND status IN ('valid', 'suspended') "
               f"UNION SELECT number FROM {table} WHERE next_due_by <= %s AND status = 'valid' "
               "AND (noticed_due_by IS NULL OR noticed_due_by <> next_due_by OR next_due_by < %s) "
               f"UNION SELECT number FROM {table} WHERE valid_until <= %s AND renewal_settled = 0 "
               "AND status IN ('valid', 'suspended') "
               f"UNION SELECT number FROM {self.table('parked_events')} WHERE number IS NOT NULL ORDER BY number")
        return sql, [t, notice_horizon.isoformat(), t, renewal_horizon.isoformat()]

    def rows(self) -> list[tuple[Any, ...]]:
        """Every row of every table, in a stable order: to compare a live view with a rebuild."""
        out: list[tuple[Any, ...]] = []
        with self.cursor() as curs:
            for table in sorted(self.tables):
                curs.execute(f"SELECT * FROM {self.table(table)} ORDER BY 1, 2")
                out.extend((table, *row) for row in curs.fetchall())
        return out


def named(number: str, rows: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """Of the rows whose number (first column) equals ``number`` ignoring case, the one it names: its exact
    spelling, else the only one. Numbers differing only in case (a pattern or body code changed case over the
    years) are found only as spelt."""
    exact = [row for row in rows if row[0] == number]
    if exact:
        return exact[0]
    return rows[0] if len(rows) == 1 else None


@dataclass
class _Deferred:
    """A batch's writes to the public view, held until the batch ends."""

    timeline: list[tuple[str, int, str, str]] = field(default_factory=list)
    documents: dict[str, tuple[Callable[[], dict[str, Any]], int, tuple[str | None, bool]]] = field(
        default_factory=dict)
    deadlines: list[tuple[list[Change], int]] = field(default_factory=list)


class PublicCertificatesProjection(Projection[Any]):
    """Folds each certificate's events with the domain's own code, so the public view can never disagree with
    the record. Aggregates are kept in a small cache between events; a miss loads the certificate as it stood
    just before the event."""

    name = "public_certificates"

    def __init__(self, view: PublicCertificatesView, registry: Registry,
                 extras: Callable[[dict[str, Any]], dict[str, Any]] | None = None, cache_size: int = 10_000) -> None:
        super().__init__(view=view)
        self.registry = registry
        self.extras = extras  # e.g. the signed verify_url, which only the edge can sign
        self._cache: OrderedDict[UUID, Certificate] = OrderedDict()
        self._cache_size = cache_size

    def wants(self, topic: str, state: bytes = b"") -> bool:
        """Whether an event of this topic (``module:Class.Event``) with this stored state can change the view: the
        others are passed over without being decoded, which is most of a rebuild's work otherwise. A document
        received that says, as stored, that it does not complete the checklist changes no deadline (R-ACC-2): a
        case receives a dozen, one of which completes it. (Stored otherwise, it is decoded: never wrongly passed.)"""
        cls, _, name = topic.rpartition(":")[2].rpartition(".")
        if cls == Certificate.__name__:
            return True
        if cls != Case.__name__ or name not in DEADLINE_CASE_EVENTS:
            return False
        return not (name == "DocumentReceived" and b'"completes_checklist":false' in state)

    def select_wanted(self, store: Store, recorder: Any, start: int, stop: int) -> list[Notification]:
        """The stored events at positions ``start`` to ``stop`` that ``wants`` may take, chosen by the database
        where it can (``Store.server``), so the four in five a rebuild would pass over are never sent or made
        into objects. The condition is ``wants``, a superset of it at worst: every event it answers is still
        asked."""
        topics = [f"%:{Certificate.__name__}.%",
                  *(f"%:{Case.__name__}.{name}" for name in sorted(DEADLINE_CASE_EVENTS))]
        unless = (f"%:{Case.__name__}.DocumentReceived", b'"completes_checklist":false')
        return cast(list[Notification], store.select_wanted(recorder, start, stop, topics, unless))

    def forget(self) -> None:
        """Drops the cached certificates (after a transaction they were recorded in was undone)."""
        self._cache.clear()

    def number_of(self, notification: Notification) -> str | None:
        """The number of the certificate a stored event is of, if it is of one and the number can be known: from
        the certificate as it stood before the event, or from the event that issued it. (For an event the view
        could not take, which may not even decode: what cannot be read raises.)"""
        if notification.originator_version > 1:
            before: Any = self.registry.repository.get(UUID(str(notification.originator_id)),
                                                       version=notification.originator_version - 1)
            return before.number if isinstance(before, Certificate) else None
        event = self.registry.mapper.to_domain_event(notification)
        return event.number if isinstance(event, Certificate.Issued) else None

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        match domain_event:
            case Certificate.Event():
                self._certificate_event(domain_event, tracking)
            case Case.Event() if changes := case_changes(domain_event):
                self.view.save_deadlines(changes, tracking)
            case _:
                self.view.skip(tracking)

    def _certificate_event(self, event: Certificate.Event, tracking: Tracking) -> None:
        cert = self._before(event)
        try:
            cert = cast(Certificate, event.mutate(cert))
            changed = event.effective_on if isinstance(event, STATUS_EVENTS) else None
            schedule = (cert.noticed_due_by.isoformat() if cert.noticed_due_by else None,
                        cert.renewal_window_opened or cert.renewed_by is not None)
            self.view.save(cert.number, cert.status.value, partial(self._render, cert), tracking.notification_id,
                           changed, tracking, schedule, certificate_changes(event, cert))
        except BaseException:
            self._cache.pop(event.originator_id, None)  # never keep state the view did not record
            raise
        self._cache[cert.id] = cert
        self._cache.move_to_end(cert.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _render(self, cert: Certificate) -> dict[str, Any]:
        document = public_document(CertificateView.of(cert))
        if self.extras is not None:
            document.update(self.extras(document))
        return document

    def _before(self, event: Certificate.Event) -> Certificate | None:
        if event.originator_version == 1:
            return None
        cached = self._cache.get(event.originator_id)
        if cached is not None and cached.version == event.originator_version - 1:
            return cached
        before: Certificate = self.registry.repository.get(event.originator_id, version=event.originator_version - 1)
        return before
