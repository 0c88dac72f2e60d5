"""The public reads that must be fast on PostgreSQL (the lookup, and the log's C2SP tiles): many concurrent reads
share one database round trip.

A process reads with one query at a time, on a connection of its own: the reads that arrive while it runs are
gathered and fetched together by the next one (``number = ANY(…)``, or one row per tile of ``unnest(…)``), so the
cost of a round trip is spread over a whole batch, and the batches grow with the load. More queries at once only made
more database processes take turns with the workers for the same cores, and the slowest reads much slower.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

Row = tuple[str, str, str, str]  # document, status, valid_until, next_due_by
Choose = Callable[[str, list[tuple[Any, ...]]], tuple[Any, ...] | None]  # of the rows matching ignoring case
Nodes = tuple[int, int, int]  # a tile's stored hashes: level in the tree, first index, end index
CONNECTION_WAIT = 2.0  # seconds a read waits for the connection
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Gathering(Generic[K, V]):
    """Reads by key, the reads pending while a query runs gathered into the next (``_rows``, one batch's)."""

    def __init__(self, conninfo: str) -> None:
        # A pool of one, for its reconnection. While the database is down a read waits a couple of seconds for
        # the connection and answers 503, rather than hang for the pool's default 30 s; and a connection that
        # cannot be made is given up after as long (and made anew on demand), so that the pool's reconnection
        # backoff, which grows with the outage, does not keep reads failing long after the database is back.
        self._pool = AsyncConnectionPool(conninfo, min_size=1, max_size=1, open=False,
                                          kwargs={"autocommit": True}, timeout=CONNECTION_WAIT,
                                          reconnect_timeout=CONNECTION_WAIT)
        self._pending: dict[K, list[asyncio.Future[V | None]]] = {}
        self._reading = False

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    async def get(self, key: K) -> V | None:
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, []).append(future)
        if not self._reading:
            self._reading = True
            asyncio.get_running_loop().create_task(self._read())
        return await future

    async def _rows(self, keys: list[K]) -> dict[K, V]:
        """What the database holds of ``keys`` (a key it holds nothing of is left out)."""
        raise NotImplementedError

    async def _read(self) -> None:
        """Answers what is pending, one query at a time, until nothing is."""
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                await self._answer(batch)
        finally:
            self._reading = False

    async def _answer(self, batch: dict[K, list[asyncio.Future[V | None]]]) -> None:
        try:
            try:
                rows = await self._rows(list(batch))
            except psycopg.OperationalError:
                raise
            except Exception:
                # Not the database away but something in the query: a key the statement cannot take (the API
                # refuses those before they get here). Each read alone, so only the one that fails fails.
                if len(batch) == 1:
                    raise
                for key, futures in batch.items():
                    await self._answer({key: futures})
                return
            for key, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(rows.get(key))
        except BaseException as e:
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(e)

    binary = False  # results in PostgreSQL's binary format (bytes as they are, not hex text to decode)

    async def _query(self, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        for attempt in (1, 2):
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                async with self._pool.connection() as conn:
                    cursor = await conn.execute(sql, parameters, prepare=True, binary=self.binary)
                    return await cursor.fetchall()
            except psycopg.OperationalError:
                # The connection lost since it was made (the database restarted): the pool drops it and connects
                # again, and the query is tried once more, rather than fail the batch.
                if attempt == 2 or conn is None or not conn.broken:
                    raise
                await self._pool.check()
        raise AssertionError("unreachable")


class GatheringReader(Gathering[str, Row]):
    """Reads public certificate rows by number (``PublicReader``)."""

    def __init__(self, conninfo: str, table: str, choose: Choose) -> None:
        super().__init__(conninfo)
        self._choose = choose
        self._sql = f"SELECT number, document, status, valid_until, next_due_by FROM {table} WHERE number = ANY(%s)"
        # Numbers not found as spelt, ignoring case (PublicCertificates.certificate_row, on its index).
        self._sql_any_case = (f"SELECT q, number, document, status, valid_until, next_due_by "
                              f"FROM unnest(%s::text[]) AS q JOIN {table} ON upper(number) = upper(q)")

    async def _rows(self, numbers: list[str]) -> dict[str, Row]:
        """The rows of ``numbers``, each as spelt, or else ignoring case: a second query, for the misses only."""
        found = {r[0]: (r[1], r[2], r[3], r[4]) for r in await self._query(self._sql, (numbers,))}
        missed = [number for number in numbers if number not in found]
        if missed:
            candidates: dict[str, list[tuple[Any, ...]]] = {}
            for r in await self._query(self._sql_any_case, (missed,)):
                candidates.setdefault(r[0], []).append(r[1:])
            for number, rows in candidates.items():
                row = self._choose(number, rows)
                if row is not None:
                    found[number] = (row[1], row[2], row[3], row[4])
        return found


class GatheringTiles(Gathering[Nodes, bytes]):
    """Reads the log's stored hashes a C2SP tile is made of (``TileReader``): every tile pending in one query, each
    tile's hashes concatenated in order by the database (as ``LogView.hashes``)."""

    binary = True  # 8 KB a tile: as bytes, not 16 KB of hex

    def __init__(self, conninfo: str, table: str) -> None:
        super().__init__(conninfo)
        # A subquery per tile, each a range of the primary key: as a join, the planner read all of log_nodes in
        # parallel for a batch of 32 tiles at 1,000,000 leaves (1.1 s, where the ranges take 4 ms).
        self._sql = (f"SELECT t.k, (SELECT string_agg(n.hash, ''::bytea ORDER BY n.idx) FROM {table} n "
                     "WHERE n.level = t.level AND n.idx >= t.lo AND n.idx < t.hi) "
                     "FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) WITH ORDINALITY AS t(level, lo, hi, k)")

    async def _rows(self, tiles: list[Nodes]) -> dict[Nodes, bytes]:
        levels, starts, ends = ([t[i] for t in tiles] for i in range(3))
        return {tiles[int(k) - 1]: bytes(data) for k, data in await self._query(self._sql, (levels, starts, ends))
                if data is not None}
