"""The read models' SQL on PostgreSQL: their cursor (rows as tuples, many rows streamed with COPY) and the dialect
a portable view is given when the store opens it (``store.views``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from store import REFUSAL


class Cursor:
    """A read model's cursor on PostgreSQL: rows as tuples, many rows streamed with COPY (one INSERT per row costs a
    round trip's worth of work each, even pipelined)."""

    def __init__(self, curs: Any) -> None:
        self._curs = curs

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._curs.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._curs.executemany(sql, [tuple(r) for r in rows])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        with self._curs.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r.values()) for r in self._curs.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._curs.fetchone()
        return None if row is None else tuple(row.values())


class Dialect:
    defers = True  # a statement per event costs a round trip: a batch writes once, at its end
    writes_first = False
    binary = "BYTEA"

    @contextmanager
    def reading(self, datastore: Any) -> Iterator[Cursor]:
        # Autocommit: a proof's two queries are two round trips, not four (BEGIN and ROLLBACK around them).
        # Harmless to the library's own transactions on these connections: they begin theirs explicitly.
        with datastore.get_connection() as conn:
            if not conn.autocommit:
                conn.autocommit = True
            with conn.cursor() as curs:
                yield Cursor(curs)

    @contextmanager
    def snapshot(self, datastore: Any) -> Iterator[Cursor]:
        # BEGIN READ ONLY ... COMMIT, not the library's BEGIN ... ROLLBACK for a read: psycopg forgets a connection's
        # prepared statements at every ROLLBACK and deallocates them all at its next query, so each read that rolled
        # back cost its pooled connection a round trip and the planning of every statement it had prepared.
        with datastore.get_connection() as conn:
            conn.read_only = True
            try:
                with conn.transaction(), conn.cursor() as curs:
                    yield Cursor(curs)
            finally:
                conn.read_only = False

    def cursor(self, curs: Any) -> Cursor:
        return Cursor(curs)

    def table(self, datastore: Any, name: str) -> str:
        return f'"{datastore.schema or "public"}".{name}'

    def tracking_table(self, view: Any) -> str:
        return self.table(view.datastore, view.tracking_table_name)

    def insert_or_ignore(self, table: str, columns: Sequence[str], conflict: str) -> str:
        return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)}) "
                f"ON CONFLICT ({conflict}) DO NOTHING")

    def pairs_in(self, columns: tuple[str, str], pairs: Sequence[tuple[int, int]]) -> tuple[str, list[Any]]:
        # One statement text whatever the count, so the driver prepares it once.
        return (f"({columns[0]}, {columns[1]}) IN (SELECT * FROM unnest(%s::integer[], %s::bigint[]))",
                [[a for a, _ in pairs], [b for _, b in pairs]])

    def bytes_agg(self, column: str, order: str) -> str | None:
        return f"string_agg({column}, ''::bytea ORDER BY {order})"  # one value, not a row per item to decode

    def add_column(self, curs: Any, table: str, column: str, definition: str) -> None:
        # Looked up first: ALTER TABLE takes the table's exclusive lock even when the column is there.
        curs.execute("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s "
                     "AND NOT attisdropped", (table, column))
        if curs.fetchone() is None:
            curs.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")

    def append_only(self, datastore: Any, tables: Sequence[str]) -> None:
        """Privileges alone cannot do it: the library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` on every insert,
        which needs UPDATE privilege (NOTES.md). Created only when missing: replacing them would lock the tables
        against writers at every start."""
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


DIALECT = Dialect()
