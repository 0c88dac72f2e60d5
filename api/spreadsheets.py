"""The registry's spreadsheets (.xlsx, with openpyxl): the monthly national report (R-RPT-1) and the directory upload
(R-RPT-2). Rows are streamed (openpyxl's write-only mode), and the file is the same bytes for the same rows and
``stamp``: the document properties carry ``stamp`` for their times, and the zip entries too, where openpyxl would
write the time of saving (``docProps/core.xml``'s ``modified``, every entry's date).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook

from api.public_reads import published
from registry.clock import SHANGHAI
from registry.national_report import HEADERS, SHEET_TITLES, SHEETS, NationalReport
from registry.national_reporting import first_day, next_month

CORE = "docProps/core.xml"
MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 1000  # directory rows read from the view at a time


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def write_workbook(target: IO[bytes], sheets: Iterable[Sheet], *, stamp: datetime, title: str,
                   creator: str) -> None:
    """Writes ``sheets`` to ``target`` as .xlsx, the same bytes for the same rows, ``stamp`` and names."""
    book = Workbook(write_only=True)
    props = book.properties
    props.creator, props.lastModifiedBy, props.title = creator, creator, title
    props.created = props.modified = stamp
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append(list(sheet.headers))
        for row in sheet.rows:
            ws.append(list(row))
    with tempfile.TemporaryFile() as raw:
        book.save(raw)
        raw.seek(0)
        _fixed(raw, target, stamp)


def _fixed(source: IO[bytes], target: IO[bytes], stamp: datetime) -> None:
    """The workbook ``source`` copied entry by entry, each dated ``stamp``, with ``stamp`` as its modified time."""
    when = stamp.timetuple()[:6]
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with ZipFile(source) as src, ZipFile(target, "w", ZIP_DEFLATED) as out:
        for info in src.infolist():
            entry = ZipInfo(info.filename, date_time=when)
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = info.external_attr
            if info.filename == CORE:
                out.writestr(entry, MODIFIED.sub(lambda m: b"<dcterms:modified" + m.group(1) + b">" + modified
                                                 + b"</dcterms:modified>", src.read(info)))
                continue
            with src.open(info) as reading, out.open(entry, "w") as writing:
                shutil.copyfileobj(reading, writing, 1 << 16)


# R-RPT-1: the month's report


def day_start(day: date) -> datetime:
    """The instant ``day`` began in Asia/Shanghai, in UTC without its zone: as the format's times are written."""
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def report_stamp(month: str) -> datetime:
    """A month's report's document time: the instant the month closed (the 1st of the next, 00:00 in Shanghai)."""
    return day_start(first_day(next_month(month)))


def write_national_report(target: IO[bytes], report: NationalReport, issuer: str) -> None:
    """R-RPT-1: the month's report in the platform's shape, a sheet each for audit plans, certificates and audit
    results, rows in log order; the same month always gives the same bytes."""
    sheets = [Sheet(SHEET_TITLES[name], HEADERS, (row.cells() for row in report.sheet(name))) for name in SHEETS]
    write_workbook(target, sheets, stamp=report_stamp(report.month), creator=issuer,
                   title=f"{report.month} 全国认证信息平台月度报告 / national certification information platform "
                         f"report, {report.month}")


# R-RPT-2: the directory upload

DIRECTORY_COLUMNS = (
    ("certificate_number", "Certificate Number"), ("status", "Certificate Status"),
    ("organization_name", "Certified Entity Name"), ("organization_identifier", "Certified Entity Identifier"),
    ("identifier_scheme", "Identifier Scheme"), ("address", "Certified Entity Address"),
    ("scope", "Certification Scope"), ("standard", "Standard"), ("issue_date", "Original Issue Date"),
    ("expiry_date", "Expiry Date"), ("issuing_body", "Certification Body"), ("issuing_body_code", "Certification "
                                                                                                 "Body Code"),
)
STATUSES = {"valid": "Active", "suspended": "Suspended", "withdrawn": "Withdrawn", "cancelled": "Cancelled",
            "expired": "Expired"}


def directory_row(document: dict[str, Any], today: date) -> tuple[Any, ...]:
    """One certificate's row of the directory upload, its status as served on ``today`` (a lapse never shows as
    valid)."""
    doc = published(document, today)
    org, basis, issuer = doc["organization"], doc.get("basis") or {}, doc.get("issuer") or {}
    standard = " ".join(part for part in (basis.get("standard"), basis.get("version")) if part)
    return (doc["number"], STATUSES.get(doc["status"], doc["status"]), org.get("name", ""), org.get("uscc", ""),
            "CN-USCC", org.get("address", ""), doc.get("scope", ""), standard,
            date.fromisoformat(doc["issued_on"]), date.fromisoformat(doc["valid_until"]), issuer.get("name", ""),
            issuer.get("code", ""))


def directory_rows(public: Any, today: date) -> Iterator[tuple[Any, ...]]:
    """Every published certificate's row, in number order, read a page at a time."""
    after = ""
    while True:
        page = public.directory_page(after, PAGE)
        for _, text in page:
            yield directory_row(json.loads(text), today)
        if len(page) < PAGE:
            return
        after = page[-1][0]


def write_directory_upload(target: IO[bytes], public: Any, today: date, issuer: str) -> None:
    """R-RPT-2: the whole directory in the bulk-upload shape (``docs/directory-upload.md``), one row per
    certificate, streamed."""
    sheet = Sheet("Certificates", [name for _, name in DIRECTORY_COLUMNS], directory_rows(public, today))
    write_workbook(target, [sheet], stamp=day_start(today), creator=issuer,
                   title=f"证书目录 / certificate directory, {today.isoformat()}")
