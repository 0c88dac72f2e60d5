"""What every read model shares: tables beside the log, written with their tracking position in one transaction.

A view is a tracking recorder of the event store library (``SQLiteTrackingRecorder`` or
``PostgresTrackingRecorder``) with tables of its own. It writes its rows and the position of the event they came
from in one transaction, so after a crash it resumes exactly after the last event it recorded: nothing is lost,
nothing is applied twice. SQL is written once with ``%s`` placeholders and adapted to SQLite's ``?``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from eventsourcing.persistence import InfrastructureFactory, Tracking, TrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from registry.storage import Database


class Cursor:
    """One dialect for both stores: ``%s`` placeholders, rows as tuples."""

    def __init__(self, curs: Any, sqlite: bool) -> None:
        self._curs, self._sqlite = curs, sqlite

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._curs.execute(sql.replace("%s", "?") if self._sqlite else sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._curs.executemany(sql.replace("%s", "?") if self._sqlite else sql, [tuple(r) for r in rows])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many rows into ``table``: PostgreSQL's COPY (a stream, where one INSERT per row costs a round trip's
        worth of work each even pipelined), SQLite's executemany."""
        if self._sqlite:
            marks = ", ".join("?" for _ in columns)
            self._curs.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                   [tuple(r) for r in rows])
            return
        with self._curs.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._curs.fetchall()
        return [tuple(r) if self._sqlite else tuple(r.values()) for r in rows]

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._curs.fetchone()
        if row is None:
            return None
        return tuple(row) if self._sqlite else tuple(row.values())


class _Batch:
    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor
        self.last: Tracking | None = None
        self.deferred: Any = None  # what a view chose to write once, when the batch ends (``flush_batch``)


class View:
    """A read model's tables. Subclasses name their tables and say how an event changes their rows."""

    name: ClassVar[str]
    tables: ClassVar[dict[str, str]]  # table → column definitions, in portable SQL
    indexes: ClassVar[tuple[str, ...]] = ()  # "index_name ON table (columns)"

    datastore: Any
    _insert_tracking: Any

    @property
    def is_sqlite(self) -> bool:
        return isinstance(self, SQLiteTrackingRecorder)

    def table(self, name: str) -> str:
        schema = "" if self.is_sqlite else (self.datastore.schema or "public")
        return f'"{schema}".{name}' if schema else name

    def create_view_tables(self) -> None:
        with self.cursor(commit=True) as curs:
            for table, columns in self.tables.items():
                curs.execute(f"CREATE TABLE IF NOT EXISTS {self.table(table)} ({columns})")
            for index in self.indexes:
                name, _, rest = index.partition(" ON ")
                table, _, columns = rest.partition(" ")
                curs.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {self.table(table)} {columns}")

    @contextmanager
    def cursor(self, commit: bool = False) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as curs:
            yield Cursor(curs, self.is_sqlite)

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
            yield Cursor(curs, self.is_sqlite)
            self._insert_tracking(curs, tracking)

    @contextmanager
    def batched(self, track: bool = True) -> Iterator[Cursor]:
        """One transaction for every event processed inside it, in this thread: their rows and the position of
        the last of them commit together, or nothing does. A catch-up over millions of events would otherwise
        spend most of its time committing one transaction per event. Without ``track`` (events taken again, behind
        the tracked position: a retry of parked events) no position is recorded."""
        with self.datastore.transaction(commit=True) as curs:
            batch = _Batch(Cursor(curs, self.is_sqlite))
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
        """The batch this thread is in, if the view may defer its writes to the batch's end: on PostgreSQL, where
        a statement per event costs a round trip each (SQLite has none to save)."""
        return None if self.is_sqlite else self._batch()

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

    def clear(self) -> None:
        """Empties the view's tables (for a rebuild); its tracking is reset by the caller in the same way."""
        with self.cursor(commit=True) as curs:
            for table in self.tables:
                curs.execute(f"DELETE FROM {self.table(table)}")


def view_store_env(database: Database) -> dict[str, str]:
    """Views live in the registry's database; with the in-memory store, in an in-memory SQLite database."""
    if database.kind == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"file:views_{uuid.uuid4().hex}?mode=memory&cache=shared"}
    return dict(database.env)


def open_view(env: dict[str, str], sqlite_class: type[Any], postgres_class: type[Any],
              name: str) -> TrackingRecorder:
    """Constructs the view's tracking recorder for the store, and its tables."""
    is_postgres = env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
    cls = postgres_class if is_postgres else sqlite_class
    for attempt in range(5):
        try:
            view: Any = InfrastructureFactory.construct(env=Environment(name, env)).tracking_recorder(cls)
            if is_postgres:
                from registry.recorders import check_quietly  # the library's PostgreSQL module, where it is used

                check_quietly(view.datastore.pool)
            if not Database("", "", env).read_only:  # a read replica's views are the primary's, copied
                view.create_view_tables()
            return view  # type: ignore[no-any-return]
        except Exception:  # two processes creating the same tables at once: PostgreSQL's IF NOT EXISTS races
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
