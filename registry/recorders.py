"""The event store library's PostgreSQL recorder, writing a command's events (and its document bytes) in one
statement.

Named by topic in the store's settings (``registry.storage``), so the library's PostgreSQL module is imported only
where PostgreSQL is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

from registry.storage import postgres_documents, postgres_events

# The function's name carries its version: it is created only where missing (replacing it at every start would
# race between processes starting together), so a changed body must take a new name.
INSERT_FUNCTION = "registry_insert_events_v1"


class PostgresRegistryRecorder(PostgresApplicationRecorder):
    """The library's recorder, with its insert done by one database function: the same statements in the same
    transaction (the log's table lock, so positions follow commit order; the notification of listeners; the
    events, answering their positions), plus the command's document bytes (``save(..., documents=[...])``), so
    never bytes without the event that refers to them, nor the other way round.

    The library sends these as five statements in a pipeline, composing two of them afresh on each call; one
    prepared call does the same work for a quarter of the client's time, which a command's request pays on the
    server's two cores (bench/RESULTS.md). The library's own ``enable_db_functions`` insert takes no table lock, so
    a reader following the log could pass over a position that commits late: not used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema, events = f'"{self.datastore.schema}"', postgres_events(self)
        self._function = f"{schema}.{INSERT_FUNCTION}"
        self._signature = f'{self._function}({schema}."{self.stored_event_type_name}"[], bytea[])'
        self._insert_call = f"SELECT * FROM {self._function}(%s, %s::bytea[])"
        self._create_function = (
            f'CREATE OR REPLACE FUNCTION {self._function}(events {schema}."{self.stored_event_type_name}"[], '
            "documents bytea[]) RETURNS SETOF bigint LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM set_config('lock_timeout', '{int(self.datastore.lock_timeout)}s', true); "
            f"LOCK TABLE {events} IN EXCLUSIVE MODE; "
            f'NOTIFY "{self.channel_name}"; '
            f"INSERT INTO {postgres_documents(self.datastore.schema)} (sha256, size, content) "
            "SELECT encode(sha256(d), 'hex'), octet_length(d), d FROM unnest(documents) AS d "
            "ON CONFLICT (sha256) DO NOTHING; "
            f"RETURN QUERY INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "RETURNING notification_id; "
            "END $$")

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT to_regprocedure(%s) IS NOT NULL AS made", (self._signature,))
            made = curs.fetchone()
            if not (made and made["made"]):
                curs.execute(self._create_function)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], *, documents: Sequence[bytes] = (),
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events and not documents:
            return []
        events = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                  for e in stored_events]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._insert_call, (events, [bytes(d) for d in documents]), prepare=True)
            return [row[INSERT_FUNCTION] for row in curs.fetchall()]
