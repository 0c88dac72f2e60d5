"""What every read model shares: tables beside the log, written with their tracking position in one transaction.

A view is a tracking recorder of the event store library with tables of its own: the store mixes the portable
class with its own tracking recorder and gives it its ``Dialect`` (``store.views``). It writes its rows and the
position of the event they came from in one transaction, so after a crash it resumes exactly after the last event it
recorded: nothing is lost, nothing is applied twice. SQL is written once, portable, with ``%s`` placeholders.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking

from store import Cursor, Dialect


class _Batch:
    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor
        self.last: Tracking | None = None
        self.deferred: Any = None  # what a view chose to write once, when the batch ends (``flush_batch``)


class View:
    """A read model's tables. Subclasses name their tables and say how an event changes their rows."""

    name: ClassVar[str]
    tables: ClassVar[dict[str, str]]  # table → column definitions, in portable SQL ({binary}: the bytes type)
    indexes: ClassVar[tuple[str, ...]] = ()  # "index_name ON table (columns)"
    replaced_indexes: ClassVar[tuple[str, ...]] = ()  # indexes of earlier versions, dropped where they are left

    dialect: ClassVar[Dialect]  # the store's, given when it opens the view
    datastore: Any
    _insert_tracking: Any

    def table(self, name: str) -> str:
        return self.dialect.table(self.datastore, name)

    def create_view_tables(self) -> None:
        with self.cursor(commit=True) as curs:
            for table, columns in self.tables.items():
                curs.execute(f"CREATE TABLE IF NOT EXISTS {self.table(table)} "
                             f"({columns.format(binary=self.dialect.binary)})")
            for index in self.indexes:
                name, _, rest = index.partition(" ON ")
                table, _, columns = rest.partition(" ")
                curs.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {self.table(table)} {columns}")
            for name in self.replaced_indexes:
                curs.execute(f"DROP INDEX IF EXISTS {self.table(name)}")

    @contextmanager
    def cursor(self, commit: bool = False) -> Iterator[Cursor]:
        reads = None if commit else getattr(self._local(), "reads", None)
        if reads is not None:  # inside ``one_snapshot()``: its transaction
            yield reads
            return
        if not commit:
            with self.dialect.snapshot(self.datastore) as reading:
                yield reading
            return
        with self.datastore.transaction(commit=True) as curs:
            yield self.dialect.cursor(curs)

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """A cursor for reads that need no snapshot beyond each statement's own (one statement, or rows that never
        change once written): no transaction, so none of its two round trips; inside ``one_snapshot()``, its
        transaction."""
        reads = getattr(self._local(), "reads", None)
        if reads is not None:
            yield reads
            return
        with self.dialect.reading(self.datastore) as curs:
            yield curs

    @contextmanager
    def one_snapshot(self) -> Iterator[None]:
        """Every read of the block, in this thread, in one transaction: a page's dozen queries take one connection
        from the pool (not one each) and see one snapshot. Writes still take their own."""
        local = self._local()
        if getattr(local, "reads", None) is not None:
            yield
            return
        with self.dialect.snapshot(self.datastore) as reading:
            local.reads = reading
            try:
                yield
            finally:
                local.reads = None

    @contextmanager
    def batch_or_own(self) -> Iterator[Cursor]:
        """A cursor to read with: the batch open in this thread, if any (SQLite has one connection, which the
        batch holds, and the batch's own rows count), or a transaction of its own."""
        batch = self._batch()
        if batch is not None:
            yield batch.cursor
            return
        with self.cursor() as curs:
            yield curs

    @contextmanager
    def tracked(self, tracking: Tracking) -> Iterator[Cursor]:
        """A transaction that writes rows and records ``tracking`` together, or nothing at all. Inside
        ``batched()``, the batch's transaction, which records the last tracking position when it commits."""
        batch = self._batch()
        if batch is not None:
            yield batch.cursor
            batch.last = tracking
            return
        with self.datastore.transaction(commit=True) as curs:
            yield self.dialect.cursor(curs)
            self._insert_tracking(curs, tracking)

    @contextmanager
    def batched(self, track: bool = True) -> Iterator[Cursor]:
        """One transaction for every event processed inside it, in this thread: their rows and the position of
        the last of them commit together, or nothing does. A catch-up over millions of events would otherwise
        spend most of its time committing one transaction per event. Without ``track`` (events taken again, behind
        the tracked position: a retry of parked events) no position is recorded."""
        with self.datastore.transaction(commit=True) as curs:
            batch = _Batch(self.dialect.cursor(curs))
            self._local().batch = batch
            try:
                yield batch.cursor
                if batch.deferred is not None:
                    self.flush_batch(batch.cursor, batch.deferred)
            finally:
                self._local().batch = None
            if batch.last is not None and track:
                self._insert_tracking(curs, batch.last)

    def flush_batch(self, curs: Cursor, deferred: Any) -> None:
        """Writes what the view deferred during a batch, in the batch's transaction (views that defer say how)."""
        raise NotImplementedError

    def _local(self) -> threading.local:
        local: threading.local | None = self.__dict__.get("_thread_local")
        if local is None:
            local = self.__dict__.setdefault("_thread_local", threading.local())
        return local

    def deferring(self) -> _Batch | None:
        """The batch this thread is in, if the view may defer its writes to the batch's end: where a statement per
        event costs a round trip each (``Dialect.defers``)."""
        return self._batch() if self.dialect.defers else None

    def _batch(self) -> _Batch | None:
        return getattr(self._local(), "batch", None)

    def page(self, columns: str, table: str, where: str, params: Sequence[Any], order: str, offset: int,
             limit: int) -> tuple[list[tuple[Any, ...]], int]:
        """One page of ``table``'s rows matching ``where`` (with its ``%s`` parameters), and how many match."""
        with self.cursor() as curs:
            curs.execute(f"SELECT COUNT(*) FROM {self.table(table)}{where}", params)
            row = curs.fetchone()
            curs.execute(f"SELECT {columns} FROM {self.table(table)}{where} ORDER BY {order} LIMIT %s OFFSET %s",
                         [*params, limit, offset])
            return curs.fetchall(), int(row[0]) if row else 0

    def clear_tracking(self, name: str) -> None:
        """Forgets the position tracked under ``name`` (for a rebuild)."""
        with self.cursor(commit=True) as curs:
            curs.execute(f"DELETE FROM {self.dialect.tracking_table(self)} WHERE application_name = %s", (name,))

    def clear(self) -> None:
        """Empties the view's tables (for a rebuild); its tracking is reset by the caller in the same way."""
        with self.cursor(commit=True) as curs:
            for table in self.tables:
                curs.execute(f"DELETE FROM {self.table(table)}")
