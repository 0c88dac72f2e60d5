"""Bulk lookup (R-PUB-1; API.md, Public site and directory): up to ``MAX_ENTRIES`` certificate numbers and USCCs
checked at once, for a buyer checking their suppliers, answered by the API (``POST
/api/v1/public/certificates/lookup``) and by the page ``/lookup`` (a pasted list or a CSV file) with the same
function.

Two statements at most, whatever the count: the numbers by the ``upper(number)`` index, the USCCs by the ``uscc``
index, each with ``IN (…)`` (never a query per entry). A status is shown as served: a validity or surveillance that
has lapsed shows as expired or suspended before the scheduler records it (``registry.views.lapse``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from projections.public_certificates import named
from registry.errors import InvalidInput
from registry.identifiers import shaped_like_uscc
from registry.views import lapse

MAX_ENTRIES = 1000  # numbers and USCCs in one lookup, in all
MAX_ENTRY = 64  # characters of one entry; longer is no number or USCC, and is answered not found
_SPLIT = re.compile(r"[\s,;，；、]+")
Summary = tuple[str, str, str, str, str, str]  # number, status, valid_until, next_due_by, name, uscc


@dataclass(frozen=True)
class Query:
    """One entry asked: ``kind`` is ``number`` or ``uscc``."""

    kind: str
    text: str


def too_many(count: int) -> InvalidInput:
    return InvalidInput("numbers", f"一次最多查询 {MAX_ENTRIES} 个证书编号和统一社会信用代码，收到 {count} 个 / "
                                   f"at most {MAX_ENTRIES:,} certificate numbers and USCCs in one lookup; "
                                   f"{count:,} were sent")


def queries_of(numbers: Sequence[str], usccs: Sequence[str]) -> list[Query]:
    """The API's entries, numbers first then USCCs, each in the order given; refused above ``MAX_ENTRIES``."""
    if len(numbers) + len(usccs) > MAX_ENTRIES:
        raise too_many(len(numbers) + len(usccs))
    return [*(Query("number", n.strip()) for n in numbers), *(Query("uscc", u.strip()) for u in usccs)]


def queries_in(pasted: str, uploaded: str = "") -> list[Query]:
    """The entries of a pasted list and of an uploaded CSV, in the order they come: separated by line breaks,
    commas, semicolons or spaces; an 18-character USCC is looked up as one, anything else as a certificate number.
    A cell with non-ASCII text (a column heading, a company name) is passed over. Refused above ``MAX_ENTRIES``."""
    entries: list[str] = [e for e in _SPLIT.split(pasted) if e]
    for row in csv.reader(io.StringIO(uploaded)):
        for cell in row:
            entries.extend(e for e in _SPLIT.split(cell) if e)
    entries = [e for e in entries if e.isascii() and e.isprintable()]
    if len(entries) > MAX_ENTRIES:
        raise too_many(len(entries))
    return [Query("uscc" if shaped_like_uscc(e) else "number", e) for e in entries]


def lookup(public: Any, queries: Sequence[Query], today: date) -> list[dict[str, Any]]:
    """One item per query and per certificate it finds, in the order asked (a USCC may find several, by number;
    an entry nothing matches is ``found: false``). ``public`` is the public view (``PublicCertificates``)."""
    usable = [q for q in queries if 0 < len(q.text) <= MAX_ENTRY]
    numbers = sorted({q.text for q in usable if q.kind == "number"})
    usccs = sorted({q.text.upper() for q in usable if q.kind == "uscc"})
    by_number: dict[str, list[Summary]] = {}
    for row in public.by_numbers(numbers):
        by_number.setdefault(row[0].upper(), []).append(row)
    by_uscc: dict[str, list[Summary]] = {}
    for row in public.by_usccs(usccs):
        by_uscc.setdefault(row[5], []).append(row)
    items: list[dict[str, Any]] = []
    for query in queries:
        rows: list[Summary]
        if query.kind == "number":
            chosen = named(query.text, list(by_number.get(query.text.upper(), [])))
            rows = [cast(Summary, chosen)] if chosen is not None else []
        else:
            rows = by_uscc.get(query.text.upper(), [])
        if not rows:
            items.append({"query": query.text, "found": False, "number": None, "status": None,
                          "valid_until": None, "organization": None})
        items.extend(_item(query.text, row, today) for row in rows)
    return items


def _item(query: str, row: Summary, today: date) -> dict[str, Any]:
    number, status, valid_until, next_due_by, name, uscc = row
    shown = lapse(status, date.fromisoformat(valid_until), date.fromisoformat(next_due_by), today)
    return {"query": query, "found": True, "number": number, "status": shown[0] if shown else status,
            "valid_until": valid_until, "organization": {"name": name, "uscc": uscc}}


CSV_COLUMNS = ("query", "found", "number", "status", "valid_until", "organization_name", "organization_uscc")


def as_csv(items: Sequence[dict[str, Any]]) -> str:
    """The items as CSV (UTF-8 with a byte order mark, so that a spreadsheet opens the Chinese names right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        org = item["organization"] or {}
        writer.writerow([cell(item["query"]), "yes" if item["found"] else "no", item["number"] or "",
                         item["status"] or "", item["valid_until"] or "", cell(org.get("name", "")),
                         org.get("uscc", "")])
    return out.getvalue()


def cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection): one beginning with ``=``, ``+``, ``@``
    or a tab gets a leading apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "@", "\t") else value
