"""The embedded default: the whole registry in one SQLite file (``sqlite:///path``), through the event store
library's SQLite recorders. The file is readable by its owner alone; the read models share it, and one process at a
time writes them (a lock file beside it)."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing import persistence
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteTrackingRecorder

from registry.errors import InvalidInput
from store import (
    CREDENTIALS,
    DOCUMENTS,
    REFUSAL,
    USER_ADDED_TOPIC,
    USERS_INDEX,
    DocumentStore,
    PublicReader,
    TileReader,
)
from store.views import open_view, view_class


class SQLiteRegistryRecorder(SQLiteApplicationRecorder):
    """The library's recorder, with the credentials table, and the index the users are listed from."""

    kept_beside_the_log = (CREDENTIALS,)  # tables of its own, append-only as the log is (SQLiteStore.protect)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {CREDENTIALS} (token_id TEXT PRIMARY KEY, digest TEXT NOT NULL)",
                f"CREATE INDEX IF NOT EXISTS {USERS_INDEX} ON {self.events_table_name} (topic) "
                f"WHERE topic = '{USER_ADDED_TOPIC}'"]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], *,
                       credentials: Sequence[Any] = (), **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if credentials:
            c.executemany(f"INSERT INTO {CREDENTIALS} (token_id, digest) VALUES (?, ?)",
                          [(credential.token_id.hex, credential.digest) for credential in credentials])
        return positions

    def select_credential(self, token_id: UUID) -> str | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT digest FROM {CREDENTIALS} WHERE token_id = ?", (token_id.hex,))
            row = curs.fetchone()
        return str(row[0]) if row else None

    def select_user_ids(self) -> list[UUID]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT originator_id FROM {self.events_table_name} WHERE topic = '{USER_ADDED_TOPIC}' "
                         "ORDER BY rowid")
            return [UUID(row[0]) for row in curs.fetchall()]


class SQLiteDocumentStore:
    """Documents in the registry's SQLite file, through the library's datastore."""

    def __init__(self, datastore: Any, create: bool = True) -> None:
        self._datastore = datastore
        if not create:
            return
        with datastore.transaction(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {DOCUMENTS} "
                         "(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content BLOB NOT NULL)")

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(f"INSERT OR IGNORE INTO {DOCUMENTS} (sha256, size, content) VALUES (?, ?, ?)",
                         (digest, len(content), bytes(content)))
        return digest

    def get(self, sha256: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT content FROM {DOCUMENTS} WHERE sha256 = ?", (sha256,))
            row = curs.fetchone()
        return bytes(row[0]) if row else None


class Cursor:
    """A read model's cursor on SQLite: ``%s`` written as ``?``, rows as tuples."""

    def __init__(self, curs: Any) -> None:
        self._curs = curs

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._curs.execute(sql.replace("%s", "?"), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._curs.executemany(sql.replace("%s", "?"), [tuple(r) for r in rows])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        self._curs.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", [tuple(r) for r in rows])

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._curs.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._curs.fetchone()
        return None if row is None else tuple(row)


class Dialect:
    defers = False  # no round trips to save
    writes_first = True  # SQLite cannot upgrade a reading transaction while another writes
    binary = "BLOB"

    @contextmanager
    def reading(self, datastore: Any) -> Iterator[Cursor]:
        with datastore.transaction(commit=False) as curs:
            yield Cursor(curs)

    snapshot = reading  # a transaction rolled back: nothing it might write is kept

    def cursor(self, curs: Any) -> Cursor:
        return Cursor(curs)

    def table(self, datastore: Any, name: str) -> str:
        return name

    def tracking_table(self, view: Any) -> str:
        return "tracking"  # the library's one table, shared by every view (each tracks under a name of its own)

    def insert_or_ignore(self, table: str, columns: Sequence[str], conflict: str) -> str:
        return f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)})"

    def pairs_in(self, columns: tuple[str, str], pairs: Sequence[tuple[int, int]]) -> tuple[str, list[Any]]:
        # Each pair an equality the planner looks up in the primary key: SQLite scans the whole table for a
        # "(a, b) IN (VALUES …)" (a proof read every log node: 42 ms at 100,000 leaves, 0.04 ms this way).
        either = " OR ".join(f"({columns[0]} = %s AND {columns[1]} = %s)" for _ in pairs)
        return f"({either})", [v for pair in pairs for v in pair]

    def bytes_agg(self, column: str, order: str) -> str | None:
        return None  # group_concat is text, in no promised order; rows in-process cost nothing to send

    def add_column(self, curs: Any, table: str, column: str, definition: str) -> None:
        curs.execute("SELECT 1 FROM pragma_table_info(%s) WHERE name = %s", (table, column))
        if curs.fetchone() is None:
            curs.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def append_only(self, datastore: Any, tables: Sequence[str]) -> None:
        with datastore.transaction(commit=True) as curs:
            for table in tables:
                for action in ("UPDATE", "DELETE"):
                    curs.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON "
                                 f"{table} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


DIALECT = Dialect()


class InThreads:
    """Reads of a view in a thread each (SQLite has no async driver here): nothing to open or close."""

    def __init__(self, view: Any) -> None:
        self._view = view

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None


class ThreadReader(InThreads):
    """The lookup's reads: the view's own ``certificate_row``."""

    async def get(self, number: str) -> tuple[str, str, str, str] | None:
        row: tuple[str, str, str, str] | None = await asyncio.to_thread(self._view.certificate_row, number)
        return row


class ThreadTiles(InThreads):
    """The tiles' reads: the log view's own ``hashes``."""

    async def get(self, nodes: tuple[int, int, int]) -> bytes | None:
        data: bytes = await asyncio.to_thread(self._view.hashes, *nodes)
        return data


def private_file(path: str) -> None:
    """The SQLite file made (or, where this user owns it, made again) readable and writable by its owner alone:
    it holds the whole record and the tokens' digests. SQLite gives its -wal and -shm files the mode of the database
    file when it creates them; ones left from before are narrowed too. URIs and in-memory databases are left to
    SQLite."""
    if not path or path.startswith("file:") or ":memory:" in path:
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # no such directory, no permission: SQLite says so when it opens the file
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            status = os.stat(name)
            if status.st_mode & 0o077 and status.st_uid == os.getuid():
                os.chmod(name, status.st_mode & 0o700)
        except FileNotFoundError:
            continue


def the_events_or_not() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The library's and SQLite's database errors, and those of them an event's content causes."""
    return ((sqlite3.Error, persistence.DatabaseError, persistence.ConnectionPoolClosedError,
             persistence.ConnectionNotFromPoolError),
            (sqlite3.DataError, sqlite3.IntegrityError, persistence.DataError, persistence.IntegrityError))


class Embedded:
    """What the stores inside this process share (SQLite's file, the library's memory): no server beside it to pick
    out or hash events, nothing that goes away as a server does, no notifications (the views poll), and the lookup's
    reads in a thread each."""

    kind: str
    documents_with_events = False  # the bytes go in first, in a transaction of their own
    server = False
    unavailable: tuple[type[Exception], ...] = ()

    def select_log(self, recorder: Any, start: int, limit: int) -> list[Any]:
        return list(recorder.select_notifications(start, limit))

    def select_leaf_hashes(self, recorder: Any, start: int, limit: int) -> list[tuple[int, bytes]]:
        raise NotImplementedError(f"{self.kind} does not hash events (server)")

    def select_wanted(self, recorder: Any, start: int, stop: int, topics: Sequence[str],
                      unless: tuple[str, bytes]) -> list[Any]:
        raise NotImplementedError(f"{self.kind} does not pick out events (server)")

    def wake_on_writes(self, recorder: Any, wake: Callable[[], None], done: Any,
                       lost: Callable[[BaseException | None], None]) -> bool:
        return False  # no notifications: the views poll

    def lost_connection(self, error: BaseException) -> bool:
        return False  # SQLite's OperationalError also means a missing table or bad SQL: it stops the views

    def not_the_events(self) -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
        return the_events_or_not()

    def probe(self) -> None:
        return None

    def public_reader(self, view: Any, choose: Any = None) -> PublicReader:
        return ThreadReader(view)

    def tile_reader(self, view: Any) -> TileReader:
        return ThreadTiles(view)

    def close(self) -> None:
        return None


class SQLiteStore(Embedded):
    kind = "sqlite"

    def __init__(self, url: str, read_only: bool = False) -> None:
        parts = urlsplit(url)
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise InvalidInput("REGISTRY_DATABASE_URL", "sqlite:///path needs a file path")
        self.url, self.read_only, self.path = url, read_only, path
        self.env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                    # Credentials go in with their command's events (SQLiteRegistryRecorder).
                    "APPLICATION_RECORDER_TOPIC": "store.sqlite:SQLiteRegistryRecorder"}
        if read_only:
            self.env["CREATE_TABLE"] = "false"

    def prepare(self) -> None:
        if not self.read_only:
            private_file(self.path)

    def documents(self, recorder: Any) -> DocumentStore:
        return SQLiteDocumentStore(recorder.datastore, create=not self.read_only)

    def protect(self, recorder: Any) -> None:
        if not self.read_only:
            DIALECT.append_only(recorder.datastore, (recorder.events_table_name, DOCUMENTS,
                                                     *getattr(recorder, "kept_beside_the_log", ())))

    def positioned_events(self, recorder: Any, originator_ids: Sequence[Any]) -> list[Any]:
        if not originator_ids:
            return []
        marks = ", ".join("?" for _ in originator_ids)
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT rowid, originator_id, originator_version, topic, state FROM "
                         f"{recorder.events_table_name} WHERE originator_id IN ({marks}) ORDER BY rowid",
                         [i.hex for i in originator_ids])
            rows = curs.fetchall()
        return [Notification(id=r[0], originator_id=recorder.convert_originator_id(r[1]), originator_version=r[2],
                             topic=r[3], state=bytes(r[4])) for r in rows]

    def view_env(self) -> dict[str, str]:
        return dict(self.env)

    def open_view(self, portable: type[Any], name: str) -> Any:
        return open_view(self.view_env(), view_class(portable, SQLiteTrackingRecorder, DIALECT), name,
                         create=not self.read_only)

    @contextmanager
    def exclusive(self, key: str, wait: bool) -> Iterator[bool]:
        """A lock file beside the database (``key`` is the views' one name: SQLite holds one registry)."""
        with open(f"{self.path}.projections.lock", "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
