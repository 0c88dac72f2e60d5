"""The event store library's PostgreSQL recorder, storing document bytes with the events of their command.

Named by topic in the store's settings (``registry.storage``), so the library's PostgreSQL module is imported only
where PostgreSQL is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder

from registry.storage import postgres_documents, put_document


class PostgresRegistryRecorder(PostgresApplicationRecorder):
    """The library's recorder, which also stores a command's document bytes (``save(..., documents=[...])``) in
    the transaction of the command's events: one transaction where there were two, and never bytes without the
    event that refers to them, nor the other way round."""

    def _insert_events(self, curs: Any, stored_events: Any, *, documents: Sequence[bytes] = (),
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        table = postgres_documents(self.datastore.schema or "")
        for content in documents:
            put_document(curs, table, content)
