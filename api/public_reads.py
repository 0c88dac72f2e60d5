"""The public lookup's hot path: many concurrent lookups share one database round trip.

Requests for certificates that arrive while a query is in flight are gathered and fetched together with
``number = ANY(…)`` on an asyncio connection pool, so the cost of a round trip is spread over a whole batch. Rows
hold the public document exactly as served (status history and signed ``verify_url`` included), so the common
answer is the stored bytes; only a certificate whose surveillance or validity has lapsed since it was written is
re-rendered (R-SURV-4, R-EXP-1: published at once). SQLite has no async driver here: it reads in the threadpool.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from api.signing import Signer
from projections.public_certificates import PublicCertificatesView, named
from registry.storage import Database
from registry.views import lapse

Row = tuple[str, str, str, str]  # document, status, valid_until, next_due_by
CONNECTION_WAIT = 2.0  # seconds a lookup waits for a pooled connection


def signed_extras(signer: Signer) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The fields only the edge can add to a public document: the signed verify_url (the QR's content).

    An Ed25519 signature is a function of the key and the signed bytes alone (RFC 8032), and the token signs only
    the number, USCC and dates, which most of a certificate's events leave as they were: the URLs of the
    certificates seen last are kept, and a surveillance audit or a suspension is not signed again."""

    @functools.lru_cache(maxsize=4096)
    def url(number: str, uscc: str, issued_on: str, valid_until: str) -> str:
        return signer.verify_url(number, uscc, date.fromisoformat(issued_on), date.fromisoformat(valid_until))

    def extras(document: dict[str, Any]) -> dict[str, Any]:
        return {"verify_url": url(document["number"], document["organization"]["uscc"], document["issued_on"],
                                  document["valid_until"])}

    return extras


def published(document: dict[str, Any], today: date) -> dict[str, Any]:
    """A certificate whose validity or surveillance lapsed never shows as valid, even before the scheduler has
    recorded the expiry or the suspension."""
    doc = dict(document)
    due = date.fromisoformat(doc["surveillance"]["next_due_by"])
    shown = lapse(doc["status"], date.fromisoformat(doc["valid_until"]), due, today)
    if shown is not None:
        status, since, ground = shown
        doc.update(status=status, status_since=since.isoformat())
        if status == "suspended":
            doc["suspension_ground"] = ground
    doc["surveillance"] = {**doc["surveillance"],
                           "overdue": due < today and doc["status"] not in ("withdrawn", "cancelled", "expired")}
    return doc


def needs_rendering(row: Row, today: str) -> bool:
    _, status, valid_until, next_due_by = row
    return status in ("valid", "suspended") and (valid_until < today or next_due_by < today)


def as_served(row: Row, today: date) -> bytes:
    """The answer for a row: its stored bytes, or re-rendered when a lapse since changed what it says."""
    if needs_rendering(row, today.isoformat()):
        return json.dumps(published(json.loads(row[0]), today), ensure_ascii=False, sort_keys=True).encode()
    return row[0].encode()


class CertificateReader:
    """Reads public certificate rows; on PostgreSQL, gathers concurrent lookups into shared queries."""

    def __init__(self, database: Database, view: PublicCertificatesView, in_flight: int = 4) -> None:
        self._view = view
        self._pool: AsyncConnectionPool | None = None
        if database.kind == "postgres":
            e = database.env
            conninfo = (f"host={e['POSTGRES_HOST']} port={e['POSTGRES_PORT']} dbname={e['POSTGRES_DBNAME']} "
                        f"user={e['POSTGRES_USER']} password={e['POSTGRES_PASSWORD']}")
            # One round trip per batch. While the database is down a lookup waits a couple of seconds for a
            # connection and answers 503, rather than hang for the pool's default 30 s; and a connection that cannot
            # be made is given up after as long (and made anew on demand), so that the pool's reconnection backoff,
            # which grows with the outage, does not keep lookups failing long after the database is back.
            self._pool = AsyncConnectionPool(conninfo, min_size=in_flight, max_size=in_flight, open=False,
                                              kwargs={"autocommit": True}, timeout=CONNECTION_WAIT,
                                              reconnect_timeout=CONNECTION_WAIT)
            table = view.table("public_certificates")
            self._sql = f"SELECT number, document, status, valid_until, next_due_by FROM {table} WHERE number = ANY(%s)"
            # Numbers not found as spelt, ignoring case (PublicCertificatesView.certificate_row, on its index).
            self._sql_any_case = (f"SELECT q, number, document, status, valid_until, next_due_by "
                                  f"FROM unnest(%s::text[]) AS q JOIN {table} ON upper(number) = upper(q)")
        self._pending: dict[str, list[asyncio.Future[Row | None]]] = {}
        self._slots = asyncio.Semaphore(in_flight) if self._pool else None
        self._flushing = False

    async def open(self) -> None:
        if self._pool is not None:
            await self._pool.open()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def get(self, number: str) -> Row | None:
        if self._pool is None:
            return await run_in_threadpool(self._view.certificate_row, number)
        future: asyncio.Future[Row | None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(number, []).append(future)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        assert self._slots is not None and self._pool is not None
        try:
            while self._pending:
                await self._slots.acquire()
                batch, self._pending = self._pending, {}
                asyncio.get_running_loop().create_task(self._fetch(batch))
        finally:
            self._flushing = False

    async def _fetch(self, batch: dict[str, list[asyncio.Future[Row | None]]]) -> None:
        assert self._slots is not None
        try:
            await self._answer(batch)
        finally:
            self._slots.release()

    async def _answer(self, batch: dict[str, list[asyncio.Future[Row | None]]]) -> None:
        try:
            try:
                rows = await self._rows(list(batch))
            except psycopg.OperationalError:
                raise
            except Exception:
                # Not the database away but something in the query: a number the statement cannot take (the API
                # refuses those before they get here). Each lookup alone, so only the one that fails fails.
                if len(batch) == 1:
                    raise
                for number, futures in batch.items():
                    await self._answer({number: futures})
                return
            for number, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(rows.get(number))
        except BaseException as e:
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(e)

    async def _rows(self, numbers: list[str]) -> dict[str, Row]:
        """The rows of ``numbers``, each as spelt, or else ignoring case: a second query, for the misses only."""
        found = {r[0]: (r[1], r[2], r[3], r[4]) for r in await self._query(self._sql, numbers)}
        missed = [number for number in numbers if number not in found]
        if missed:
            candidates: dict[str, list[tuple[Any, ...]]] = {}
            for r in await self._query(self._sql_any_case, missed):
                candidates.setdefault(r[0], []).append(r[1:])
            for number, rows in candidates.items():
                row = named(number, rows)
                if row is not None:
                    found[number] = (row[1], row[2], row[3], row[4])
        return found

    async def _query(self, sql: str, numbers: list[str]) -> list[tuple[Any, ...]]:
        assert self._pool is not None
        for attempt in (1, 2):
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                async with self._pool.connection() as conn:
                    cursor = await conn.execute(sql, (numbers,), prepare=True)
                    return await cursor.fetchall()
            except psycopg.OperationalError:
                # A connection lost since it was pooled (the database restarted): the others are likely lost too.
                # Drop every dead one (the pool reconnects) and try once more, rather than fail a lookup for each.
                if attempt == 2 or conn is None or not conn.broken:
                    raise
                await self._pool.check()
        raise AssertionError("unreachable")
