"""The event store library's in-memory store (``memory://``), for tests: the log and the credentials in this
process's memory, the read models in an in-memory SQLite database of their own."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteTrackingRecorder

from store import USER_ADDED_TOPIC, DocumentStore
from store.sqlite import DIALECT, Embedded
from store.views import open_view, view_class


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
    """The library's in-memory factory, making the registry's recorder (the library's takes no recorder topic)."""

    def application_recorder(self) -> ApplicationRecorder:
        return MemoryRegistryRecorder()


class MemoryDocumentStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        self._blobs.setdefault(digest, bytes(content))
        return digest

    def get(self, sha256: str) -> bytes | None:
        return self._blobs.get(sha256)


class MemoryStore(Embedded):
    kind = "memory"

    def __init__(self, url: str = "memory://", read_only: bool = False) -> None:
        self.url, self.read_only = url, read_only
        self.env = {"PERSISTENCE_MODULE": "store.memory:MemoryFactory"}
        self._lock = threading.Lock()

    def prepare(self) -> None:
        return None

    def documents(self, recorder: Any) -> DocumentStore:
        return MemoryDocumentStore()

    def protect(self, recorder: Any) -> None:
        return None  # nothing outside this process can change it

    def positioned_events(self, recorder: Any, originator_ids: Sequence[Any]) -> list[Any]:
        wanted = set(originator_ids)
        if not wanted:
            return []
        return [n for n in recorder.select_notifications(1, 1 << 62) if n.originator_id in wanted]

    def open_view(self, portable: type[Any], name: str) -> Any:
        """Each view opened anew in an in-memory SQLite database of its own (shared by its connections): a test
        that opens the views again gets them empty, to be rebuilt from the log."""
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
               "SQLITE_DBNAME": f"file:views_{uuid.uuid4().hex}?mode=memory&cache=shared"}
        return open_view(env, view_class(portable, SQLiteTrackingRecorder, DIALECT), name,
                         create=not self.read_only)

    @contextmanager
    def exclusive(self, key: str, wait: bool) -> Iterator[bool]:
        got = self._lock.acquire(blocking=wait)
        try:
            yield got
        finally:
            if got:
                self._lock.release()
