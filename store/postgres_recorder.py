"""The event store library's PostgreSQL recorder, writing a command's events (and its document bytes and the
credentials it issues) in one statement.

Named by topic in the store's settings (``store.postgres``), so the library's PostgreSQL module is imported only
where PostgreSQL is used.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

from store import CREDENTIALS, DOCUMENTS, USER_ADDED_TOPIC, USERS_INDEX
from store.postgres_dialect import DIALECT


def qualified(schema: str, table: str) -> str:
    """``table`` in ``schema`` (the search path's, ``public``, when none is named)."""
    return f'"{schema or "public"}"."{table}"'


def postgres_events(recorder: Any) -> str:
    """The event store's table, qualified by its schema, for the queries the library has no call for."""
    return qualified(recorder.datastore.schema, recorder.events_table_name)

# The function's name carries its version: it is created only where missing (replacing it at every start would
# race between processes starting together), so a changed body must take a new name. v2 writes credentials too.
INSERT_FUNCTION = "registry_insert_events_v2"


class PostgresRegistryRecorder(PostgresApplicationRecorder):
    """The library's recorder, with its insert done by one database function: the same statements in the same
    transaction (the log's table lock, so positions follow commit order; the notification of listeners; the
    events, answering their positions), plus the command's document bytes (``save(..., documents=[...])``) and the
    credentials it issues (``save(..., credentials=[...])``, the digests of tokens, kept outside the log), so never
    bytes or a digest without the event that refers to them, nor the other way round.

    The library sends these as five statements in a pipeline, composing two of them afresh on each call; one
    prepared call does the same work for much less of the client's time, which every command's request pays. The
    library's own ``enable_db_functions`` insert takes no table lock, so
    a reader following the log could pass over a position that commits late: not used."""

    kept_beside_the_log = (CREDENTIALS,)  # tables of its own, append-only as the log is (PostgresStore.protect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pin_connections()
        schema, events = f'"{self.datastore.schema}"', postgres_events(self)
        self._events, self._schema = events, schema
        self._credentials = f"{schema}.{CREDENTIALS}"
        self._function = f"{schema}.{INSERT_FUNCTION}"
        self._signature = f'{self._function}({schema}."{self.stored_event_type_name}"[], bytea[], uuid[], text[])'
        self._insert_call = f"SELECT * FROM {self._function}(%s, %s::bytea[], %s::uuid[], %s::text[])"
        self._create_function = (
            f'CREATE OR REPLACE FUNCTION {self._function}(events {schema}."{self.stored_event_type_name}"[], '
            "documents bytea[], credential_ids uuid[], credential_digests text[]) RETURNS SETOF bigint "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM set_config('lock_timeout', '{int(self.datastore.lock_timeout)}s', true); "
            f"LOCK TABLE {events} IN EXCLUSIVE MODE; "
            f'NOTIFY "{self.channel_name}"; '
            f"INSERT INTO {qualified(self.datastore.schema, DOCUMENTS)} (sha256, size, content) "
            "SELECT encode(sha256(d), 'hex'), octet_length(d), d FROM unnest(documents) AS d "
            "ON CONFLICT (sha256) DO NOTHING; "
            "IF cardinality(credential_ids) > 0 THEN "
            f"INSERT INTO {self._credentials} (token_id, digest) SELECT * FROM unnest(credential_ids, "
            "credential_digests); "
            "END IF; "
            f"RETURN QUERY INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "RETURNING notification_id; "
            "END $$")

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self._credentials} "
                         "(token_id uuid PRIMARY KEY, digest text NOT NULL)")
            curs.execute("SELECT to_regclass(%s) IS NOT NULL AS made", (f"{self._schema}.{USERS_INDEX}",))
            made = curs.fetchone()
            if not (made and made["made"]):  # created once: building it locks the log against writers
                curs.execute(f"CREATE INDEX IF NOT EXISTS {USERS_INDEX} ON {self._events} (notification_id) "
                             f"WHERE topic = '{USER_ADDED_TOPIC}'")
            curs.execute("SELECT to_regprocedure(%s) IS NOT NULL AS made", (self._signature,))
            made = curs.fetchone()
            if not (made and made["made"]):
                curs.execute(self._create_function)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], *, documents: Sequence[bytes] = (),
                      credentials: Sequence[Any] = (), **kwargs: Any) -> Sequence[int] | None:
        if not stored_events and not documents:
            return []
        events = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                  for e in stored_events]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._insert_call, (events, [bytes(d) for d in documents],
                                             [c.token_id for c in credentials], [c.digest for c in credentials]),
                         prepare=True)
            return [row[INSERT_FUNCTION] for row in curs.fetchall()]

    def select_credential(self, token_id: UUID) -> str | None:
        with DIALECT.reading(self.datastore) as curs:  # one statement: no transaction around it
            curs.execute(f"SELECT digest FROM {self._credentials} WHERE token_id = %s", (token_id,))
            row = curs.fetchone()
        return str(row[0]) if row else None

    def select_user_ids(self) -> list[UUID]:
        with DIALECT.reading(self.datastore) as curs:
            # The topic written out, not a parameter: the planner then takes the partial index.
            curs.execute(f"SELECT originator_id FROM {self._events} WHERE topic = '{USER_ADDED_TOPIC}' "
                         "ORDER BY notification_id")
            return [row[0] for row in curs.fetchall()]

    def _pin_connections(self) -> None:
        """Makes ``one_connection`` work: while a thread holds a connection of its own, every read and write of
        the store in that thread uses it. The library takes a connection from its pool for each statement, checks
        each one with a round trip first (the pre-ping that finds a connection a database restart broke), and
        gives no way to keep one; so the pool's ``connection`` is wrapped, once, on this recorder's pool (which the
        snapshots share). Everything the library does around it (the error mapping, the type adapters) stays. The
        pool checks the connections it hands out quietly (``check_quietly``)."""
        pool: Any = self.datastore.pool
        self._pinned = threading.local()
        take = pool.connection

        @contextmanager
        def connection(timeout: float | None = None) -> Iterator[Any]:
            held = getattr(self._pinned, "connection", None)
            if held is not None:
                yield held
            else:
                with take(timeout) as conn:
                    yield conn

        pool.connection = connection
        check_quietly(pool)

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """Runs the block on one pooled connection: a command's loads, its checks and its insert take it once (and
        check it once) rather than three or four times. A connection lost in the block fails
        what is left of it; the next block takes a sound one."""
        if getattr(self._pinned, "connection", None) is not None:
            yield
            return
        with self.datastore.get_connection() as conn:
            self._pinned.connection = conn
            try:
                yield
            finally:
                self._pinned.connection = None


class QuietCheck:
    """A pool's check of a connection it hands out: the library's ping, a round trip, only where the connection has
    something to say. An idle connection to a sound server receives nothing; one whose server went away (a restart,
    a terminated backend) has the server's goodbye, or its end, waiting on its socket. A ping per checkout would be
    a round trip more for every command."""

    def __init__(self, ping: Callable[[Any], None]) -> None:
        self.ping = ping

    def __call__(self, conn: Any) -> None:
        if conn.closed or _readable(conn.pgconn.socket):
            self.ping(conn)  # raises for a lost connection: the pool discards it and hands out another


def check_quietly(pool: Any) -> None:
    """Makes the pool of an event store library's PostgreSQL datastore ping quietly (``QuietCheck``), where it
    pings (POSTGRES_PRE_PING). The pool keeps its check in a private attribute: where a psycopg_pool keeps it
    elsewhere, nothing changes and the library pings as before."""
    ping = getattr(pool, "_check", None)
    if ping is not None and not isinstance(ping, QuietCheck):
        pool._check = QuietCheck(ping)


def _readable(fd: int) -> bool:
    """Whether the socket has data or its end waiting to be read, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
