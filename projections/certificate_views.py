"""The read models the certificate projection keeps, composed into the one tracking recorder the store opens: the
public documents and their status timeline (``PublicCertificates``, the only public one), the scheduler's schedule
(``Schedule``), the deadlines (``Deadlines``), the office's directory of cases, organisations and people
(``OfficeDirectory``) and the events parked (``Parking``).

One tracking position for them all, written in the transaction of their rows: an event's rows in every table are
recorded with its position, or none are (exactly once), and a rebuild's batch writes each table once, at its end
(``flush_batch``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.persistence import Tracking

from projections.deadlines import Change, Deadlines
from projections.office_changes import Change as DirectoryChange
from projections.office_directory import OfficeDirectory
from projections.parked import Parking
from projections.public_certificates import HistoryRow, PublicCertificates
from projections.schedule import Schedule
from store import Cursor

Render = Callable[[], dict[str, Any]]  # makes a certificate's public document, as it stands when called
Scheduled = tuple[str | None, bool]  # the due date last given notice of; whether the renewal is settled


class CertificateViews(PublicCertificates, Schedule, Deadlines, OfficeDirectory, Parking):
    """Each part declares its own tables and indexes; the store makes those of the whole, merged here."""

    tables = {**PublicCertificates.tables, **Schedule.tables, **Deadlines.tables, **OfficeDirectory.tables,
              **Parking.parked_tables}
    indexes = (*PublicCertificates.indexes, *Schedule.indexes, *Deadlines.indexes, *Parking.parked_indexes,
               *OfficeDirectory.directory_indexes)  # these last: some are on the other parts' tables
    replaced_indexes = (*PublicCertificates.replaced_indexes, *Schedule.replaced_indexes,
                        *Deadlines.replaced_indexes, *OfficeDirectory.replaced_indexes)

    def save(self, number: str, status: str, render: Render, position: int, status_changed: date | None,
             tracking: Tracking, schedule: Scheduled = (None, False), deadlines: list[Change] | None = None,
             history: HistoryRow | None = None) -> None:
        """A certificate's event: its public document ``render()`` makes, as served (its status history and any
        extras, ``verify_url``, included), its schedule row and its ``deadlines`` changes. Inside a batch, only each
        certificate's last document is written, so only that one is rendered, when the batch ends: ``render`` must
        then make the certificate as it stands at the end of the batch (the projection's does: it reads the
        certificate its events go on changing)."""
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
                if history is not None:
                    deferred.history.append(history)
            return
        document = render()
        with self.tracked(tracking) as curs:
            self.write_document(curs, number, document, position, status_changed)  # writes first, as SQLite needs
            self.write_schedule(curs, self.schedule_row(number, document, *schedule))
            self.write_deadlines(curs, [(deadlines or [], position)])
            self.write_history(curs, [history] if history is not None else [])

    def save_deadlines(self, changes: list[Change], tracking: Tracking,
                       directory: list[DirectoryChange] | None = None) -> None:
        """A case's, an organisation's or a person's event: the deadlines it opens and settles, and what it changes
        in the office's directory."""
        batch = self.deferring()
        if batch is not None:
            with self.tracked(tracking):
                deferred = self._deferred(batch)
                if changes:
                    deferred.deadlines.append((changes, tracking.notification_id))
                if directory:
                    deferred.directory.append((directory, tracking.notification_id))
            return
        with self.tracked(tracking) as curs:
            self.write_deadlines(curs, [(changes, tracking.notification_id)])
            self.write_directory(curs, [(directory or [], tracking.notification_id)])

    def skip(self, tracking: Tracking) -> None:
        """An event that changes no row: only the position moves."""
        batch = self._batch()
        if batch is not None:  # most events of a catch-up: only the batch's last position moves
            batch.last = tracking
            return
        with self.tracked(tracking):
            pass

    @staticmethod
    def _deferred(batch: Any) -> _Deferred:
        if batch.deferred is None:
            batch.deferred = _Deferred()
        deferred: _Deferred = batch.deferred
        return deferred

    def flush_batch(self, curs: Cursor, deferred: _Deferred) -> None:
        """A batch's writes, the same rows ``save`` writes event by event, a few statements per table: each
        certificate's latest document rendered once, for its public row and its schedule row; then the deadline
        changes in log order; then the directory's."""
        documents = {number: (render(), position, schedule)
                     for number, (render, position, schedule) in deferred.documents.items()}
        self.write_documents(curs, deferred.timeline,
                             {number: (document, position) for number, (document, position, _) in documents.items()})
        self.write_schedules(curs, [self.schedule_row(number, document, *schedule)
                                    for number, (document, _, schedule) in documents.items()])
        self.write_deadlines(curs, deferred.deadlines)
        self.write_directory(curs, deferred.directory)
        self.write_history(curs, deferred.history)

    def rows(self) -> list[tuple[Any, ...]]:
        """Every row of every table, in a stable order: to compare a live view with a rebuild."""
        out: list[tuple[Any, ...]] = []
        with self.cursor() as curs:
            for table in sorted(self.tables):
                curs.execute(f"SELECT * FROM {self.table(table)} ORDER BY 1, 2")
                out.extend((table, *row) for row in curs.fetchall())
        return out


@dataclass
class _Deferred:
    """A batch's writes, held until the batch ends."""

    timeline: list[tuple[str, int, str, str]] = field(default_factory=list)
    documents: dict[str, tuple[Render, int, Scheduled]] = field(default_factory=dict)
    deadlines: list[tuple[list[Change], int]] = field(default_factory=list)
    directory: list[tuple[list[DirectoryChange], int]] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
