"""What the application asks of the store it is given (the storage wing, ``store``, answers it; so does anything
that keeps the same promises). The application names no database: the composition root chooses the store from the
settings (``api.bootstrap``), or, given none, the store the URL in the application's config names (``STORE``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

# The store opened for a URL when none is given, named as the event store library names its own infrastructure
# (a topic, resolved when used): the domain package imports no storage code.
STORE = "store:open_store"


class Documents(Protocol):
    def put(self, content: bytes) -> str:
        """Stores the bytes (once) and returns their SHA-256, hex."""
        ...

    def get(self, sha256: str) -> bytes | None: ...


class RecordStore(Protocol):
    kind: str
    url: str
    read_only: bool
    env: dict[str, str]  # the event store library's settings for the log
    documents_with_events: bool  # a document's bytes go in the transaction of the event that records them

    def prepare(self) -> None: ...

    def documents(self, recorder: Any) -> Documents: ...

    def protect(self, recorder: Any) -> None: ...

    def positioned_events(self, recorder: Any, originator_ids: Sequence[Any]) -> list[Any]: ...

    def close(self) -> None: ...


class RegistryRecorder(Protocol):
    """What the registry's recorder answers besides the library's. Its ``insert_events`` also takes
    ``credentials`` (objects with ``token_id`` and ``digest``), written in the events' own transaction."""

    def select_credential(self, token_id: UUID) -> str | None:
        """The digest kept for this token id, or None."""
        ...

    def select_user_ids(self) -> list[UUID]:
        """The id of every user, in the order they were added."""
        ...


class PasswordHasher(Protocol):
    """Hashes an office password for keeping, and checks a password against what was kept. The composition root
    gives one (Argon2id, ``api.passwords``); a registry given none uses ``registry.passwords.ScryptHasher``."""

    def hash(self, password: str) -> str:
        """The password's salted, memory-hard hash, self-describing (algorithm, parameters, salt)."""
        ...

    def verify(self, digest: str, password: str) -> bool:
        """Whether ``password`` is the one ``digest`` was made from; False (never an error) for a digest it cannot
        read."""
        ...
