"""The event store library's SQLite and in-memory recorders, writing the credentials a command issues (the digests
of its tokens, ``registry.user``) in the transaction of its events, and answering them by token id.

Named in the store's settings (``registry.storage``): SQLite by the library's ``APPLICATION_RECORDER_TOPIC``, the
in-memory store by a factory of its own (the library's takes no recorder topic). PostgreSQL's is
``registry.recorders``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from registry.storage import CREDENTIALS, USER_ADDED_TOPIC, USERS_INDEX


class SQLiteRegistryRecorder(SQLiteApplicationRecorder):
    """The library's recorder, with the credentials table, and the index the users are listed from."""

    kept_beside_the_log = (CREDENTIALS,)  # tables of its own, append-only as the log is (storage.protect)

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


class MemoryRegistryRecorder(POPOApplicationRecorder):
    """The library's in-memory recorder, with the credentials in a dict, written under the store's lock once the
    events are known to be new."""

    def __init__(self) -> None:
        super().__init__()
        self._credentials: dict[UUID, str] = {}

    def _update_table(self, stored_events: Sequence[StoredEvent], *, credentials: Sequence[Any] = (),
                      **kwargs: Any) -> Sequence[int] | None:
        for credential in credentials:
            self._credentials[credential.token_id] = credential.digest
        return super()._update_table(stored_events, **kwargs)

    def select_credential(self, token_id: UUID) -> str | None:
        with self._database_lock:
            return self._credentials.get(token_id)

    def select_user_ids(self) -> list[UUID]:
        with self._database_lock:
            return [UUID(str(e.originator_id)) for e in self._stored_events if e.topic == USER_ADDED_TOPIC]


class MemoryFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return MemoryRegistryRecorder()
