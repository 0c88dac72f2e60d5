"""Where the registry keeps everything: the event log, the documents' bytes and the tokens' digests, in one
database.

``REGISTRY_DATABASE_URL`` chooses the store: ``sqlite:///path`` (the embedded default), ``postgresql://…`` (with
an optional ``?schema=name``), or ``memory://`` (the library's in-memory store, for tests). Documents are stored
by SHA-256 beside the log, and tokens' digests by token id (``CREDENTIALS``), so a backup of the database is a
backup of everything.

Database access goes through the event store library's own datastores; this package imports no driver itself.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from registry.errors import InvalidInput

DEFAULT_DATABASE_URL = "sqlite:///registry.db"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# The digests of tokens, by token id, beside the log and never in it: every staff role reads the log's entries, and
# they cannot be redacted (registry.user). Written with the events that issue the tokens, in their transaction.
CREDENTIALS = "registry_credentials"
# Each user's first event: the users are listed from an index of these alone (a partial index, so the log's other
# events cost it nothing). The topic is the library's name for ``registry.user.User.Added``.
USER_ADDED_TOPIC = "registry.user:User.Added"
USERS_INDEX = "registry_users_added"


class RegistryRecorder(Protocol):
    """What the registry's recorder answers besides the library's (``registry.recorders`` for PostgreSQL,
    ``registry.recorders_local`` for SQLite and memory). Its ``insert_events`` also takes ``credentials``
    (objects with ``token_id`` and ``digest``), written in the events' own transaction."""

    def select_credential(self, token_id: UUID) -> str | None:
        """The digest kept for this token id, or None."""
        ...

    def select_user_ids(self) -> list[UUID]:
        """The id of every user, in the order they were added."""
        ...


@dataclass(frozen=True)
class Database:
    url: str
    kind: str  # "sqlite" | "postgres" | "memory"
    env: dict[str, str]
    schema: str = ""

    @property
    def read_only(self) -> bool:
        """Whether nothing may be created in it (a read replica): the library's own switch, ``CREATE_TABLE``,
        which covers its tables, and is read here for the registry's and the views' as well."""
        return self.env.get("CREATE_TABLE", "").lower() in ("false", "n", "no", "0", "off")

    def as_read_only(self) -> Database:
        return replace(self, env={**self.env, "CREATE_TABLE": "false"})

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
            if not path:
                raise InvalidInput("REGISTRY_DATABASE_URL", "sqlite:///path needs a file path")
            return cls(url, "sqlite", {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                # Credentials go in with their command's events (registry.recorders_local).
                "APPLICATION_RECORDER_TOPIC": "registry.recorders_local:SQLiteRegistryRecorder"})
        if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            query = parse_qs(parts.query)
            schema = query.get("schema", [""])[0]
            if schema and not _SCHEMA_NAME.match(schema):
                raise InvalidInput("REGISTRY_DATABASE_URL", f"schema {schema!r} is not a plain lower-case name")
            env = {
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
                # each, up to ten under load. The library's 5 + 10 held 15 idle per process, and the production
                # layout's four processes with a test run beside them went past PostgreSQL's 100 connections.
                "POSTGRES_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "8",
                # Document bytes go in with their command's events (registry.recorders; imported only when used).
                "APPLICATION_RECORDER_TOPIC": "registry.recorders:PostgresRegistryRecorder",
            }
            return cls(url, "postgres", env, schema)
        if parts.scheme == "memory":
            return cls(url, "memory", {"PERSISTENCE_MODULE": "registry.recorders_local:MemoryFactory"})
        raise InvalidInput("REGISTRY_DATABASE_URL",
                           f"unsupported database URL {url!r}: use sqlite:///path or postgresql://…")

    def prepare(self) -> None:
        """Creates the PostgreSQL schema named in the URL, so the library can create its tables in it; creates the
        SQLite file readable by its owner alone (``private_file``)."""
        if self.kind == "sqlite" and not self.read_only:
            private_file(self.env["SQLITE_DBNAME"])
        if self.kind != "postgres" or not self.schema or self.read_only:
            return
        from eventsourcing.postgres import PostgresDatastore

        e = self.env
        datastore = PostgresDatastore(e["POSTGRES_DBNAME"], e["POSTGRES_HOST"], e["POSTGRES_PORT"],
                                      e["POSTGRES_USER"], e["POSTGRES_PASSWORD"])
        try:
            with datastore.transaction(commit=True) as curs:
                curs.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        finally:
            datastore.close()


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


def content_address(content: bytes) -> str:
    """The SHA-256 (hex) by which bytes are stored and referred to from events (R-APP-4, R-REC-3)."""
    if not content:
        raise InvalidInput("file", "the file is empty")
    return hashlib.sha256(content).hexdigest()


REFUSAL = "R-REC-2 (§13): the record is append-only; nothing is updated or deleted"


def protect(database: Database, recorder: Any) -> None:
    """R-REC-2 at the database: triggers refuse UPDATE, DELETE and TRUNCATE on the event log, the documents and the
    credentials.

    Privileges alone cannot do it on PostgreSQL: the library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` on every
    insert, which needs UPDATE privilege (NOTES.md). Created with the tables; a no-op for the in-memory store.
    """
    if database.kind != "memory" and not database.read_only:
        # The credentials are the registry's recorders' own: a stock recorder of the library (the benchmarks'
        # baseline) keeps none.
        append_only(recorder.datastore, database.kind == "sqlite",
                    (recorder.events_table_name, "registry_documents", *getattr(recorder, "kept_beside_the_log", ())))


def append_only(datastore: Any, sqlite: bool, tables: tuple[str, ...]) -> None:
    """Triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on ``tables`` of the datastore's schema,
    created only when missing: replacing them would lock the tables against writers at every start."""
    if sqlite:
        with datastore.transaction(commit=True) as curs:
            for table in tables:
                for action in ("UPDATE", "DELETE"):
                    curs.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON "
                                 f"{table} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
        return
    schema = f'"{datastore.schema or "public"}"'
    with datastore.transaction(commit=True) as curs:
        curs.execute("SELECT to_regprocedure(%s) IS NOT NULL AS made", (f"{schema}.registry_append_only()",))
        if not curs.fetchone()["made"]:
            curs.execute(f"CREATE OR REPLACE FUNCTION {schema}.registry_append_only() RETURNS trigger "
                         f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$")
        for table in tables:
            curs.execute("SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                         "AND tgname IN ('append_only', 'append_only_truncate')", (f"{schema}.{table}",))
            if curs.fetchone()["n"] == 2:
                continue
            curs.execute(f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {schema}.{table} "
                         f"FOR EACH ROW EXECUTE FUNCTION {schema}.registry_append_only()")
            curs.execute(f"CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {schema}.{table} "
                         f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.registry_append_only()")


class DocumentStore(Protocol):
    def put(self, content: bytes) -> str:
        """Stores the bytes (once) and returns their SHA-256, hex."""
        ...

    def get(self, sha256: str) -> bytes | None: ...


class MemoryDocumentStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        self._blobs.setdefault(digest, bytes(content))
        return digest

    def get(self, sha256: str) -> bytes | None:
        return self._blobs.get(sha256)


class SQLiteDocumentStore:
    """Documents in the registry's SQLite file, through the library's datastore."""

    def __init__(self, datastore: Any, create: bool = True) -> None:
        self._datastore = datastore
        if not create:
            return
        with datastore.transaction(commit=True) as curs:
            curs.execute("CREATE TABLE IF NOT EXISTS registry_documents "
                         "(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content BLOB NOT NULL)")

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        with self._datastore.transaction(commit=True) as curs:
            curs.execute("INSERT OR IGNORE INTO registry_documents (sha256, size, content) VALUES (?, ?, ?)",
                         (digest, len(content), bytes(content)))
        return digest

    def get(self, sha256: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as curs:
            curs.execute("SELECT content FROM registry_documents WHERE sha256 = ?", (sha256,))
            row = curs.fetchone()
        return bytes(row[0]) if row else None


def postgres_documents(schema: str) -> str:
    """The documents table of the schema (the search path's when none is named)."""
    return f'"{schema}".registry_documents' if schema else "registry_documents"


def put_document(curs: Any, table: str, content: bytes) -> str:
    """Stores ``content`` under its SHA-256 (once) in a PostgreSQL transaction; answers the digest."""
    digest = hashlib.sha256(content).hexdigest()
    curs.execute(f"INSERT INTO {table} (sha256, size, content) VALUES (%s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                 (digest, len(content), bytes(content)))
    return digest


class PostgresDocumentStore:
    """Documents in the registry's PostgreSQL database (its schema), through the library's datastore."""

    def __init__(self, datastore: Any, schema: str, create: bool = True) -> None:
        self._datastore = datastore
        self._table = postgres_documents(schema)
        if not create:
            return
        with datastore.transaction(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self._table} "
                         "(sha256 text PRIMARY KEY, size bigint NOT NULL, content bytea NOT NULL)")

    def put(self, content: bytes) -> str:
        with self._datastore.transaction(commit=True) as curs:
            return put_document(curs, self._table, content)

    def get(self, sha256: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT content FROM {self._table} WHERE sha256 = %s", (sha256,))
            row = curs.fetchone()
        return bytes(row["content"]) if row else None


def document_store(database: Database, recorder: Any) -> DocumentStore:
    if database.kind == "sqlite":
        return SQLiteDocumentStore(recorder.datastore, create=not database.read_only)
    if database.kind == "postgres":
        return PostgresDocumentStore(recorder.datastore, database.schema, create=not database.read_only)
    return MemoryDocumentStore()


def postgres_events(recorder: Any) -> str:
    """The event store's table on PostgreSQL, qualified by its schema, for the queries the library has no call for."""
    return f'"{recorder.datastore.schema or "public"}"."{recorder.events_table_name}"'


def select_positioned_events(database: Database, recorder: Any, originator_ids: list[Any]) -> list[Any]:
    """The stored events of these aggregates with their log positions, in log order (``Notification`` objects).

    The library reads one aggregate's events without their positions; the history a regulator reads needs both.
    """
    from eventsourcing.persistence import Notification

    if not originator_ids:
        return []
    if database.kind == "memory":
        wanted = set(originator_ids)
        return [n for n in recorder.select_notifications(1, 1 << 62) if n.originator_id in wanted]
    if database.kind == "sqlite":
        marks = ", ".join("?" for _ in originator_ids)
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT rowid, originator_id, originator_version, topic, state FROM "
                         f"{recorder.events_table_name} WHERE originator_id IN ({marks}) ORDER BY rowid",
                         [i.hex for i in originator_ids])
            rows = curs.fetchall()
        return [Notification(id=r[0], originator_id=recorder.convert_originator_id(r[1]), originator_version=r[2],
                             topic=r[3], state=bytes(r[4])) for r in rows]
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                     f"{postgres_events(recorder)} WHERE originator_id = ANY(%s) ORDER BY notification_id",
                     (list(originator_ids),))
        rows = curs.fetchall()
    return [Notification(id=r["notification_id"], originator_id=r["originator_id"],
                         originator_version=r["originator_version"], topic=r["topic"], state=bytes(r["state"]))
            for r in rows]
