"""The directory (R-PUB-1; API.md, Public site and directory): every certificate's public summary as CSV or JSON
Lines, streamed in constant memory.

The rows are read in keyset pages of ``PAGE`` by number (``PublicCertificates.directory_rows``: the primary key,
each row's columns and the short array of the directory's other fields the projection keeps beside the document),
each page one statement on a worker thread, the next read while one is written out: the worker holds two pages at a
time, however many certificates there are. No whole document is parsed, by the database or here: PostgreSQL's JSON
functions cost 24 µs a row and ``json.loads`` of the document 6 µs or more, a third of a row's time. The order is
stable (by number). Each page is a snapshot of its own: a certificate that changes during a long download is shown as
its page found it. Statuses are as served (a lapse not yet recorded by the scheduler shows, as everywhere:
``registry.views.lapse``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.bulk_lookup import cell
from projections.public_certificates import directory_fields
from registry.views import lapse

PAGE = 2000  # rows per page read
LAPSING = ("valid", "suspended")  # the statuses a lapse not yet recorded changes (registry.views.lapse)
COLUMNS = ("number", "status", "status_since", "organization_name", "organization_uscc", "scope", "basis",
           "issued_on", "valid_until", "issuer")


def summary(row: tuple[Any, ...], today: date) -> dict[str, Any]:
    """A certificate's public summary, from its row as ``PublicCertificates.directory_rows`` reads it: its status as
    served (a lapse not yet recorded shows)."""
    number, status, name, uscc, until, due, kept, document = row
    since, scope, basis, issued_on, issuer = (
        json.loads(kept) if kept is not None else directory_fields(json.loads(document)))
    # ISO dates compare as their text does: a date is parsed only for a certificate that may have lapsed.
    if status in LAPSING and (until < (day := today.isoformat()) or due < day):
        shown = lapse(status, date.fromisoformat(until), date.fromisoformat(due), today)
        if shown is not None:
            status, since = shown[0], shown[1].isoformat()
    return {"number": number, "status": status, "status_since": since, "organization": {"name": name, "uscc": uscc},
            "scope": scope, "basis": basis, "issued_on": issued_on, "valid_until": until, "issuer": issuer}


def _jsonl(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"


def _csv_rows(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i in items:
        writer.writerow([i["number"], i["status"], i["status_since"], cell(i["organization"]["name"]),
                         i["organization"]["uscc"], cell(i["scope"]), cell(i["basis"]), i["issued_on"],
                         i["valid_until"], cell(i["issuer"])])
    return out.getvalue()


def _csv_head() -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(COLUMNS)
    return "\ufeff" + out.getvalue()  # a byte order mark: a spreadsheet then reads the Chinese as UTF-8


async def stream(public: Any, today: date, fmt: str, page: int | None = None) -> AsyncIterator[bytes]:
    """The directory as ``csv`` or ``jsonl``, one chunk per page of rows (``PAGE`` by default)."""
    page = page or PAGE
    if fmt == "csv":
        yield _csv_head().encode()
    write: Callable[[list[dict[str, Any]]], str] = (
        _csv_rows if fmt == "csv" else lambda items: "".join(_jsonl(i) for i in items))
    rows: list[tuple[Any, ...]] = await run_in_threadpool(public.directory_rows, "", page)
    while rows:
        # The next page is read (by the database, on another core) while this one is written out.
        more = asyncio.ensure_future(run_in_threadpool(public.directory_rows, rows[-1][0], page)) \
            if len(rows) == page else None
        try:
            yield write([summary(row, today) for row in rows]).encode()
        except BaseException:
            if more is not None:
                more.cancel()  # the download ended (the client went away): the page read is not wanted
            raise
        rows = await more if more is not None else []
