"""The directory (R-PUB-1; API.md, Public site and directory): every certificate's public summary as CSV or JSON
Lines, streamed in constant memory.

The rows are read in keyset pages of ``PAGE`` by number (``PublicCertificates.directory_page``, the primary key),
each page in a transaction of its own on a worker thread, and written out before the next is read: the worker holds
one page at a time, however many certificates there are. The order is stable (by number). Each page is a snapshot of
its own: a certificate that changes during a long download is shown as its page found it. Statuses are as served
(a lapse not yet recorded by the scheduler shows, as everywhere: ``api.public_reads.published``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.bulk_lookup import cell
from api.public_reads import published

PAGE = 2000  # rows per page read
COLUMNS = ("number", "status", "status_since", "organization_name", "organization_uscc", "scope", "basis",
           "issued_on", "valid_until", "issuer")


def summary(document: dict[str, Any], today: date) -> dict[str, Any]:
    """A certificate's public summary, from its document as stored."""
    doc = published(document, today)
    basis = doc["basis"]
    return {"number": doc["number"], "status": doc["status"], "status_since": doc["status_since"],
            "organization": {"name": doc["organization"]["name"], "uscc": doc["organization"]["uscc"]},
            "scope": doc["scope"], "basis": f"{basis['standard']} {basis['version']}".strip(),
            "issued_on": doc["issued_on"], "valid_until": doc["valid_until"], "issuer": doc["issuer"]["name"]}


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
    after = ""
    while True:
        rows: list[tuple[str, str]] = await run_in_threadpool(public.directory_page, after, page)
        if not rows:
            return
        yield write([summary(json.loads(document), today) for _, document in rows]).encode()
        after = rows[-1][0]
        if len(rows) < page:
            return
