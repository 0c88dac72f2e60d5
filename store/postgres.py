"""PostgreSQL (``postgresql://user:password@host:port/dbname?schema=name``): the production store.

The log is written by ``PostgresRegistryRecorder`` (``store.postgres_recorder``), the read models are the library's
tracking recorders in the same database, and the public lookup reads through a pool of its own
(``store.postgres_reader``). Every write NOTIFYs the log's channel; the read models LISTEN on a connection of their
own, which also holds their advisory lock.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import sql
from psycopg.rows import tuple_row

from registry.errors import InvalidInput
from store import DOCUMENTS, DocumentStore, PublicReader, TileReader, chain
from store.postgres_dialect import DIALECT
from store.postgres_reader import Choose, GatheringReader, GatheringTiles
from store.postgres_recorder import check_quietly, postgres_events, qualified
from store.views import open_view, view_class

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# A stored event's leaf hash (RFC 9162, ``registry.entries.Entry.leaf_hash``) computed by PostgreSQL from its row:
# the same bytes as ``Entry.encode`` (the leaf prefix 0x00, then 0x01, the format; every integer big-endian; the
# two lengths fit their signed types for any topic or state the store holds). A long log's view is built from these
# without its states ever leaving the database; a test holds them equal to ``Entry.leaf_hash`` on every event.
LEAF_HASH = (
    "sha256('\\x0001'::bytea || int8send(notification_id) || uuid_send(originator_id) || "
    "int8send(originator_version) || int2send(octet_length(convert_to(topic, 'UTF8'))::int2) || "
    "convert_to(topic, 'UTF8') || int4send(octet_length(state)) || state)")


class PostgresDocumentStore:
    """Documents in the registry's database (its schema), through the library's datastore. A command's own
    documents go in with its events (``PostgresRegistryRecorder``); ``put`` serves the rest."""

    def __init__(self, datastore: Any, schema: str, create: bool = True) -> None:
        self._datastore = datastore
        self._table = qualified(schema, DOCUMENTS)
        if not create:
            return
        with datastore.transaction(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self._table} "
                         "(sha256 text PRIMARY KEY, size bigint NOT NULL, content bytea NOT NULL)")

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(f"INSERT INTO {self._table} (sha256, size, content) VALUES (%s, %s, %s) "
                         "ON CONFLICT (sha256) DO NOTHING", (digest, len(content), bytes(content)))
        return digest

    def get(self, sha256: str) -> bytes | None:
        with DIALECT.reading(self._datastore) as curs:
            curs.execute(f"SELECT content FROM {self._table} WHERE sha256 = %s", (sha256,))
            row = curs.fetchone()
        return bytes(row[0]) if row else None


def _notification(row: tuple[Any, ...]) -> Notification:
    i, o, v, t, s = row
    return Notification(id=i, originator_id=o, originator_version=v, topic=t, state=bytes(s))


class PostgresStore:
    kind = "postgres"
    documents_with_events = True
    server = True
    unavailable: tuple[type[Exception], ...] = (psycopg.OperationalError,)

    def __init__(self, url: str, read_only: bool = False) -> None:
        parts = urlsplit(url)
        schema = parse_qs(parts.query).get("schema", [""])[0]
        if schema and not _SCHEMA_NAME.match(schema):
            raise InvalidInput("REGISTRY_DATABASE_URL", f"schema {schema!r} is not a plain lower-case name")
        self.url, self.read_only, self.schema = url, read_only, schema
        self.env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": schema,
            # Writes wait for the log's table lock rather than fail at once under concurrent decisions.
            "POSTGRES_LOCK_TIMEOUT": "10",
            # A database that went away: a pool wait of 1 s (the library tries ten times; 30 s each by default,
            # so requests hung for minutes), and each pooled connection checked before use (a restart kills all).
            "POSTGRES_CONNECT_TIMEOUT": "1", "POSTGRES_PRE_PING": "y",
            # Each process opens three of the library's pools (the log and each view): two connections held
            # each, up to ten under load, so that four processes and a test run stay within PostgreSQL's 100.
            "POSTGRES_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "8",
            # Document bytes and credentials go in with their command's events.
            "APPLICATION_RECORDER_TOPIC": "store.postgres_recorder:PostgresRegistryRecorder",
        }
        if read_only:
            self.env["CREATE_TABLE"] = "false"

    def connect(self, autocommit: bool = True, timeout: int | None = None) -> psycopg.Connection[Any]:
        """A connection of its own, outside the pools: for what holds one as long as it runs (the views' advisory
        lock, their LISTEN), and for the liveness probe."""
        e = self.env
        return psycopg.connect(host=e["POSTGRES_HOST"], port=e["POSTGRES_PORT"], dbname=e["POSTGRES_DBNAME"],
                               user=e["POSTGRES_USER"], password=e["POSTGRES_PASSWORD"], autocommit=autocommit,
                               connect_timeout=timeout or int(e.get("POSTGRES_CONNECT_TIMEOUT") or 5))

    def prepare(self) -> None:
        """Creates the schema named in the URL, so the library can create its tables in it."""
        if not self.schema or self.read_only:
            return
        e = self.env
        datastore = PostgresDatastore(e["POSTGRES_DBNAME"], e["POSTGRES_HOST"], e["POSTGRES_PORT"],
                                      e["POSTGRES_USER"], e["POSTGRES_PASSWORD"])
        try:
            with datastore.transaction(commit=True) as curs:
                curs.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        finally:
            datastore.close()

    def documents(self, recorder: Any) -> DocumentStore:
        return PostgresDocumentStore(recorder.datastore, self.schema, create=not self.read_only)

    def protect(self, recorder: Any) -> None:
        if not self.read_only:
            DIALECT.append_only(recorder.datastore, (recorder.events_table_name, DOCUMENTS,
                                                     *getattr(recorder, "kept_beside_the_log", ())))

    def positioned_events(self, recorder: Any, originator_ids: Sequence[Any]) -> list[Any]:
        if not originator_ids:
            return []
        with DIALECT.reading(recorder.datastore) as curs:  # one statement: no transaction around it
            curs.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                         f"{postgres_events(recorder)} WHERE originator_id = ANY(%s) ORDER BY notification_id",
                         (list(originator_ids),))
            return [_notification(row) for row in curs.fetchall()]

    def select_log(self, recorder: Any, start: int, limit: int) -> list[Any]:
        """As the library's ``select_notifications`` reads them, but rows as tuples: the library has each made into
        a dict first, which is much of the reading process's time when the views catch up a long log."""
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                         f"{postgres_events(recorder)} WHERE notification_id >= %s ORDER BY notification_id LIMIT %s",
                         (start, limit), prepare=True)
            return [_notification(row) for row in curs.fetchall()]

    def select_leaf_hashes(self, recorder: Any, start: int, limit: int) -> list[tuple[int, bytes]]:
        """32 bytes of each event instead of the whole of it (``LEAF_HASH``): rebuilding a long log's view, the
        reading and hashing were two thirds of its process's time."""
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(f"SELECT notification_id, {LEAF_HASH} FROM {postgres_events(recorder)} "
                         "WHERE notification_id >= %s ORDER BY notification_id LIMIT %s", (start, limit), prepare=True)
            return [(position, bytes(leaf)) for position, leaf in curs.fetchall()]

    def select_wanted(self, recorder: Any, start: int, stop: int, topics: Sequence[str],
                      unless: tuple[str, bytes]) -> list[Any]:
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                         f"{postgres_events(recorder)} WHERE notification_id BETWEEN %s AND %s AND topic LIKE ANY(%s) "
                         "AND NOT (topic LIKE %s AND position(%s::bytea IN state) > 0) ORDER BY notification_id",
                         (start, stop, list(topics), unless[0], unless[1]), prepare=True)
            return [_notification(row) for row in curs.fetchall()]

    def open_view(self, portable: type[Any], name: str) -> Any:
        return open_view(dict(self.env), view_class(portable, PostgresTrackingRecorder, DIALECT), name,
                         create=not self.read_only, prepare=lambda view: check_quietly(view.datastore.pool))

    @contextmanager
    def exclusive(self, key: str, wait: bool) -> Iterator[bool]:
        """An advisory lock, held on a connection of its own."""
        lock = zlib.crc32(f"{self.schema}:{key}".encode())
        with self.connect() as conn:
            row = conn.execute("SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)",
                               (lock,)).fetchone()
            got = wait or bool(row and row[0])
            try:
                yield got
            finally:
                if got:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))

    def wake_on_writes(self, recorder: Any, wake: Callable[[], None], done: Any,
                       lost: Callable[[BaseException | None], None]) -> bool:
        """Every write to the log, from any process, NOTIFYs the recorder's channel: a connection of its own
        LISTENs and calls ``wake`` until ``done`` is set. While the database is away it tries again, telling
        ``lost`` (with the error, then None once it listens again); any other failure is raised."""
        channel = sql.SQL("LISTEN {0}").format(sql.Identifier(recorder.channel_name))
        backoff, was_lost = 0.1, False
        while not done.is_set():
            try:
                with self.connect() as conn:
                    conn.execute(channel)
                    if was_lost:
                        lost(None)
                        was_lost = False
                    backoff = 0.1
                    wake()  # whatever was written before the LISTEN is caught up too
                    while not done.is_set():
                        for _ in conn.notifies(timeout=0.1, stop_after=1):
                            wake()
            except Exception as e:
                if not self.lost_connection(e):
                    raise
                was_lost = True
                lost(e)
                wake()
                done.wait(backoff)
                backoff = min(backoff * 2, 2.0)
        return True

    def lost_connection(self, error: BaseException) -> bool:
        """psycopg's OperationalError anywhere in the chain (the library and the views wrap what failed)."""
        return any(isinstance(e, psycopg.OperationalError) for e in chain(error))

    def not_the_events(self) -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
        return ((psycopg.Error, persistence.DatabaseError, persistence.ConnectionPoolClosedError,
                 persistence.ConnectionNotFromPoolError),
                (psycopg.DataError, psycopg.IntegrityError, persistence.DataError, persistence.IntegrityError))

    def probe(self) -> None:
        self.connect(autocommit=False, timeout=2).close()

    def public_reader(self, view: Any, choose: Choose) -> PublicReader:
        return GatheringReader(self._conninfo(), view.table("public_certificates"), choose)

    def tile_reader(self, view: Any) -> TileReader:
        return GatheringTiles(self._conninfo(), view.table("log_nodes"))

    def _conninfo(self) -> str:
        e = self.env
        return (f"host={e['POSTGRES_HOST']} port={e['POSTGRES_PORT']} dbname={e['POSTGRES_DBNAME']} "
                f"user={e['POSTGRES_USER']} password={e['POSTGRES_PASSWORD']}")

    def close(self) -> None:
        return None
