"""The storage wing: where the registry keeps everything, and the only place that knows which database that is.

``REGISTRY_DATABASE_URL`` chooses the store once (``open_store``): ``sqlite:///path`` (the embedded default,
``store.sqlite``), ``postgresql://…`` with an optional ``?schema=name`` (``store.postgres``), or ``memory://`` (the
event store library's in-memory store, for tests: ``store.memory``). Each backend module answers the same small
interface, ``Store``: the library's settings for the event log, the documents' bytes, positioned events, the log's
tail and leaf hashes, the read models' tables and their lock, wake-ups on writes, and liveness. The SQL, the
PL/pgSQL, the pool handling and the LISTEN loop are in those modules and nowhere else; the rest of the registry asks
the store for what it needs and never names a backend.

The shape is the event store library's own (``eventsourcing/examples/ftscontentmanagement``): an interface, one
recorder per store, and the registry's extra rows (documents, credentials) written through the recorder's insert,
in the events' own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol
from urllib.parse import urlsplit

from registry.errors import InvalidInput

DEFAULT_DATABASE_URL = "sqlite:///registry.db"

# The digests of tokens, by token id, beside the log and never in it: every staff role reads the log's entries, and
# they cannot be redacted (registry.user). Written with the events that issue the tokens, in their transaction.
CREDENTIALS = "registry_credentials"
DOCUMENTS = "registry_documents"
# Each user's first event: the users are listed from an index of these alone (a partial index, so the log's other
# events cost it nothing). The topic is the library's name for ``registry.user.User.Added``.
USER_ADDED_TOPIC = "registry.user:User.Added"
USERS_INDEX = "registry_users_added"
REFUSAL = "R-REC-2 (§13): the record is append-only; nothing is updated or deleted"


class Cursor(Protocol):
    """A read model's cursor, one dialect for every store: ``%s`` placeholders, rows as tuples."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many rows into ``table`` at once (PostgreSQL streams them with COPY)."""
        ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...


class Dialect(Protocol):
    """What a read model's portable SQL needs to know of the store it runs on."""

    defers: bool  # a statement per event costs a round trip: a batch writes its rows once, at its end
    writes_first: bool  # a transaction that will write must write first (SQLite cannot upgrade a reader)
    binary: str  # the column type of bytes

    def reading(self, datastore: Any) -> AbstractContextManager[Cursor]:
        """A cursor for reads of rows that never change once written (no snapshot needed)."""
        ...

    def snapshot(self, datastore: Any) -> AbstractContextManager[Cursor]:
        """A cursor whose reads all see one snapshot, in a transaction that cannot write."""
        ...

    def cursor(self, curs: Any) -> Cursor: ...

    def table(self, datastore: Any, name: str) -> str:
        """``name`` qualified by the view's schema, where the store has schemas."""
        ...

    def tracking_table(self, view: Any) -> str:
        """The table the library tracks the view's positions in."""
        ...

    def insert_or_ignore(self, table: str, columns: Sequence[str], conflict: str) -> str:
        """An INSERT of one row (``%s`` placeholders) that leaves a row already there with that ``conflict`` key."""
        ...

    def pairs_in(self, columns: tuple[str, str], pairs: Sequence[tuple[int, int]]) -> tuple[str, list[Any]]:
        """A condition that ``columns`` are one of ``pairs``, with its parameters."""
        ...

    def bytes_agg(self, column: str, order: str) -> str | None:
        """An aggregate of ``column``'s bytes concatenated in ``order``, where the store has one that keeps the order
        (None: the caller joins the rows)."""
        ...

    def add_column(self, curs: Cursor, table: str, column: str, definition: str) -> None:
        """``column`` added to ``table`` where a table made before it lacks it (new tables have it already)."""
        ...

    def append_only(self, datastore: Any, tables: Sequence[str]) -> None:
        """R-REC-2 at the database: triggers refusing UPDATE and DELETE (and TRUNCATE) on ``tables``."""
        ...


class DocumentStore(Protocol):
    def put(self, content: bytes) -> str:
        """Stores the bytes (once) and returns their SHA-256, hex."""
        ...

    def get(self, sha256: str) -> bytes | None: ...


class PublicReader(Protocol):
    """Reads public certificate rows (document, status, valid_until, next_due_by) by number, for the lookup."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def get(self, number: str) -> tuple[str, str, str, str] | None: ...


class TileReader(Protocol):
    """Reads the stored hashes a C2SP tile of the log is made of (``api/tiles.py``): by (level in the tree, first
    index, end index), their bytes concatenated, as many as the tree has (None or short: not all yet)."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def get(self, nodes: tuple[int, int, int]) -> bytes | None: ...


class Store(Protocol):
    """What the registry, its read models and its API ask of the database."""

    kind: str  # "sqlite" | "postgres" | "memory": for messages and tests; nothing else branches on it
    url: str
    read_only: bool  # a read replica's: nothing is created in it
    env: dict[str, str]  # the event store library's settings for the log
    documents_with_events: bool  # a document's bytes go in the transaction of the event that records them
    # A database server working beside this process: it picks out and hashes events (select_wanted,
    # select_leaf_hashes), reads ahead while the process works, and takes a second process's writes at once.
    server: bool
    unavailable: tuple[type[Exception], ...]  # what a request meets while the database is away (503)

    def prepare(self) -> None:
        """Makes what the library's tables need (a schema, a private file) before the log is opened."""
        ...

    def documents(self, recorder: Any) -> DocumentStore: ...

    def protect(self, recorder: Any) -> None:
        """R-REC-2 at the database: the log, the documents and the credentials refuse UPDATE and DELETE."""
        ...

    def positioned_events(self, recorder: Any, originator_ids: Sequence[Any]) -> list[Any]:
        """The stored events of these aggregates with their log positions, in log order (``Notification``s)."""
        ...

    def select_log(self, recorder: Any, start: int, limit: int) -> list[Any]:
        """Up to ``limit`` stored events from log position ``start`` on, in order (``Notification``s)."""
        ...

    def select_leaf_hashes(self, recorder: Any, start: int, limit: int) -> list[tuple[int, bytes]]:
        """(log position, leaf hash) pairs, each hashed by the database (only where ``server``)."""
        ...

    def select_wanted(self, recorder: Any, start: int, stop: int, topics: Sequence[str],
                      unless: tuple[str, bytes]) -> list[Any]:
        """The stored events at positions ``start`` to ``stop`` whose topic is LIKE one of ``topics``, except those
        whose topic is LIKE ``unless[0]`` and whose state holds ``unless[1]`` (only where ``server``)."""
        ...

    def open_view(self, view_class: type[Any], name: str) -> Any:
        """The read model ``view_class`` (a ``projections.views.View``) as a tracking recorder of this store, with
        its tables made (unless read-only)."""
        ...

    def exclusive(self, key: str, wait: bool) -> AbstractContextManager[bool]:
        """Holds the right to write the read models named ``key``, one process at a time; yields whether it got it
        (always, when ``wait``)."""
        ...

    def wake_on_writes(self, recorder: Any, wake: Callable[[], None], done: Any,
                       lost: Callable[[BaseException | None], None]) -> bool:
        """Calls ``wake`` on every write of any process until ``done`` is set (the caller's thread; ``lost`` hears
        of a connection lost and regained); answers False at once where the store cannot tell (poll instead)."""
        ...

    def lost_connection(self, error: BaseException) -> bool:
        """Whether ``error`` (anywhere in its chain) is the database not answering, rather than anything else."""
        ...

    def not_the_events(self) -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
        """The database's errors, and among them those an event's content causes (data, integrity)."""
        ...

    def probe(self) -> None:
        """Raises one of ``unavailable`` at once when the database does not answer."""
        ...

    def public_reader(self, view: Any, choose: Callable[[str, list[tuple[Any, ...]]], tuple[Any, ...] | None]
                      ) -> PublicReader:
        """The lookup's reader of ``view``'s rows; ``choose`` picks, of the rows whose number matches ignoring case,
        the one the number names."""
        ...

    def tile_reader(self, view: Any) -> TileReader:
        """The tiles' reader of ``view``, the log's."""
        ...

    def close(self) -> None: ...


def open_store(url: str = DEFAULT_DATABASE_URL, read_only: bool = False) -> Store:
    """The store the URL names, or the embedded default for an empty one (its module imported only when used:
    psycopg is never loaded for SQLite)."""
    url = url or DEFAULT_DATABASE_URL
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from store.sqlite import SQLiteStore

        return SQLiteStore(url, read_only)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        from store.postgres import PostgresStore

        return PostgresStore(url, read_only)
    if scheme == "memory":
        from store.memory import MemoryStore

        return MemoryStore(url, read_only)
    raise InvalidInput("REGISTRY_DATABASE_URL", f"unsupported database URL {url!r}: use sqlite:///path or postgresql://…")


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what caused it, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
