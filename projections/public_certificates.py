"""The public certificate read model: what anyone may see of a certificate (§10.1), its search index, and its
status timeline. Nothing private is ever written here: no people, no case details, no documents.

Its rows are written by the certificate projection (``projections.certificate_projection``), in the transaction of
the other tables it keeps (``projections.certificate_views``): each write here takes that transaction's cursor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

from projections.office_lists import prefix_range
from projections.parked import marked
from projections.views import View
from registry.history import plain
from registry.views import CertificateView
from store import Cursor

DOCUMENT_COLUMNS = ("number", "uscc", "name", "status", "valid_until", "next_due_by", "position", "document",
                    "summary")
# The directory's row (R-PUB-1, ``directory_rows``): these columns, then the other fields it shows, kept as a short
# JSON array in ``summary`` (``directory_fields``) so that a download of every certificate parses no whole document.
DIRECTORY_COLUMNS = ("number", "status", "name", "uscc", "valid_until", "next_due_by")
TIMELINE_COLUMNS = ("number", "position", "effective_on", "status")
HISTORY_COLUMNS = ("number", "position", "effective_on", "event", "status", "ground")
HistoryRow = tuple[str, int, str, str, str, str | None]  # HISTORY_COLUMNS


def public_document(view: CertificateView) -> dict[str, Any]:
    """The public contents of a certificate (API.md, Public), as JSON-ready data."""
    return {
        "number": view.number,
        "status": view.status,
        "status_since": view.status_since.isoformat(),
        "suspension_ground": view.suspension_ground,
        "organization": dict(view.organization),
        "scope": view.scope,
        "levels": [{"level": lv["level"], "method": lv["method"]} for lv in view.levels],
        "basis": plain(view.basis),
        "issued_on": view.issued_on.isoformat(),
        "valid_until": view.valid_until.isoformat(),
        "issuer": dict(view.issuer),
        # As recorded; whoever serves it marks it overdue once the due date has passed (R-SURV-4).
        "surveillance": {**plain(view.surveillance), "overdue": False},
        "version": view.version,
        "renews": view.renews,
        "renewed_by": view.renewed_by,
    }


class PublicCertificates(View):
    """The published documents, as served (their status history included), and each certificate's status
    timeline, from which that history is made."""

    tables = {
        "public_certificates": "number TEXT PRIMARY KEY, uscc TEXT NOT NULL, name TEXT NOT NULL, "
                               "status TEXT NOT NULL, valid_until TEXT NOT NULL, next_due_by TEXT NOT NULL, "
                               "position BIGINT NOT NULL, document TEXT NOT NULL, summary TEXT",
        "certificate_status_timeline": "number TEXT NOT NULL, position BIGINT NOT NULL, effective_on TEXT NOT NULL, "
                                       "status TEXT NOT NULL, PRIMARY KEY (number, position)",
        # R-PUB-1: the change history (证书变化历史轨迹) the verify page shows, each entry with its event and public
        # ground; a table of its own, so that the documents as served (and their status_history) stay as they were.
        # Read by its primary key's prefix (number).
        "certificate_history": "number TEXT NOT NULL, position BIGINT NOT NULL, effective_on TEXT NOT NULL, "
                               "event TEXT NOT NULL, status TEXT NOT NULL, ground TEXT, PRIMARY KEY (number, position)",
        # R-PUB-1: every suffix of each certificate's organisation name, so that a fragment from anywhere in a name
        # is found as a range on this primary key (the suffixes that begin with it): portable SQL, where a LIKE
        # '%…%' reads every row and the indexes that serve one differ per database (pg_trgm, FTS5).
        "public_name_suffixes": "suffix TEXT NOT NULL, number TEXT NOT NULL, PRIMARY KEY (suffix, number)",
    }
    indexes: ClassVar[tuple[str, ...]] = (
        "public_certificates_uscc ON public_certificates (uscc)",
        # Numbers are matched ignoring case (certificate_row); made where missing on an existing database.
        "public_certificates_number_upper ON public_certificates (upper(number))",
        # By name, then number: the public search by a name's beginning, and the office's list by name.
        "public_certificates_name_number ON public_certificates (name, number)",
    )
    replaced_indexes: ClassVar[tuple[str, ...]] = ("public_certificates_name",)

    def create_view_tables(self) -> None:
        super().create_view_tables()
        with self.cursor(commit=True) as curs:  # a view made before the directory kept its fields (issue 25)
            self.dialect.add_column(curs, self.table("public_certificates"), "summary", "TEXT")

    # Writes, in the caller's transaction

    def write_document(self, curs: Cursor, number: str, document: dict[str, Any], position: int,
                       status_changed: date | None) -> None:
        """Stores one certificate's ``document`` as served, with its status history, the new status entered on
        ``status_changed`` (if its status changed) included. Its first statement writes (SQLite cannot upgrade a
        reading transaction while another connection writes)."""
        table, timeline = self.table("public_certificates"), self.table("certificate_status_timeline")
        curs.execute(f"DELETE FROM {table} WHERE number = %s RETURNING number, name", (number,))
        before = {str(n): str(name) for n, name in curs.fetchall()}
        if status_changed is not None:
            curs.execute(f"INSERT INTO {timeline} (number, position, effective_on, status) "
                         "VALUES (%s, %s, %s, %s)", (number, position, status_changed.isoformat(),
                                                     document["status"]))
        curs.execute(f"SELECT effective_on, status FROM {timeline} WHERE number = %s ORDER BY position", (number,))
        history = [{"since": s, "status": st} for s, st in curs.fetchall()]
        curs.execute(f"INSERT INTO {table} ({', '.join(DOCUMENT_COLUMNS)}) "
                     "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", _row(number, document, position, history))
        self._write_suffixes(curs, before, {number: document["organization"]["name"]})

    def write_documents(self, curs: Cursor, timeline: Sequence[tuple[str, int, str, str]],
                        documents: Mapping[str, tuple[dict[str, Any], int]]) -> None:
        """A batch's writes, the rows ``write_document`` writes one by one, in a few statements: the new
        ``timeline`` entries, then each certificate's latest document (with its position) and whole history."""
        table, timeline_table = self.table("public_certificates"), self.table("certificate_status_timeline")
        curs.insert_rows(timeline_table, TIMELINE_COLUMNS, timeline)
        numbers = list(documents)
        if not numbers:
            return
        curs.execute(f"SELECT number, effective_on, status FROM {timeline_table} WHERE number = ANY(%s) "
                     "ORDER BY number, position", (numbers,))
        history: dict[str, list[dict[str, str]]] = {}
        for number, since, status in curs.fetchall():
            history.setdefault(number, []).append({"since": since, "status": status})
        curs.execute(f"DELETE FROM {table} WHERE number = ANY(%s) RETURNING number, name", (numbers,))
        before = {str(number): str(name) for number, name in curs.fetchall()}
        curs.insert_rows(table, DOCUMENT_COLUMNS, [_row(number, document, position, history.get(number, []))
                                                   for number, (document, position) in documents.items()])
        self._write_suffixes(curs, before, {number: document["organization"]["name"]
                                            for number, (document, _) in documents.items()})

    def _write_suffixes(self, curs: Cursor, before: Mapping[str, str], names: Mapping[str, str]) -> None:
        """The name suffixes of the certificates whose organisation name is new or changed (``before``: the names
        their rows had): most events leave the name as it was, and write nothing here."""
        changed = {number: name for number, name in names.items() if before.get(number) != name}
        if not changed:
            return
        table = self.table("public_name_suffixes")
        replaced = [number for number in changed if number in before]
        if replaced:
            curs.execute(f"DELETE FROM {table} WHERE number IN ({', '.join('%s' for _ in replaced)})", replaced)
        curs.insert_rows(table, ("suffix", "number"), [(name[i:], number) for number, name in changed.items()
                                                       for i in range(len(name))])

    def write_history(self, curs: Cursor, rows: Sequence[HistoryRow]) -> None:
        """Entries of the change history (``HISTORY_COLUMNS``), in the caller's transaction."""
        if rows:
            curs.insert_rows(self.table("certificate_history"), HISTORY_COLUMNS, rows)

    def mark(self, curs: Cursor, number: str, since: str) -> None:
        """Says in certificate ``number``'s document, if it has one, that its status is being verified (its record
        is held: ``projections.parked``)."""
        table = self.table("public_certificates")
        curs.execute(f"SELECT document FROM {table} WHERE number = %s", (number,))
        row = curs.fetchone()
        if row is not None:
            curs.execute(f"UPDATE {table} SET document = %s WHERE number = %s",
                         (json.dumps(marked(json.loads(row[0]), since), ensure_ascii=False, sort_keys=True), number))

    # Reads

    def certificate(self, number: str) -> dict[str, Any] | None:
        with self.cursor() as curs:
            curs.execute(f"SELECT document FROM {self.table('public_certificates')} WHERE number = %s", (number,))
            row = curs.fetchone()
        return json.loads(row[0]) if row else None

    def history(self, number: str) -> list[dict[str, Any]]:
        """R-PUB-1: certificate ``number``'s (as issued) change history, oldest first: ``on``, ``event``
        (issued, changed, suspended, reinstated, withdrawn, cancelled, expired), ``status`` after it and its public
        ``ground`` (a code, or None). Empty for a certificate whose events came before this table: a rebuild
        fills it."""
        with self.cursor() as curs:
            curs.execute(f"SELECT effective_on, event, status, ground FROM {self.table('certificate_history')} "
                         "WHERE number = %s ORDER BY position", (number,))
            return [{"on": on, "event": event, "status": status, "ground": ground}
                    for on, event, status, ground in curs.fetchall()]

    def certificate_row(self, number: str) -> tuple[str, str, str, str] | None:
        """The stored document as served, with the columns that say whether a lapse has changed it since; the
        number is matched ignoring case (``named``)."""
        with self.cursor() as curs:
            curs.execute(f"SELECT number, document, status, valid_until, next_due_by FROM "
                         f"{self.table('public_certificates')} WHERE upper(number) = upper(%s)", (number,))
            row = named(number, curs.fetchall())
        return (row[1], row[2], row[3], row[4]) if row else None

    def certificate_number(self, number: str) -> str | None:
        """The number as issued of the certificate ``number`` names ignoring case (``named``), if it is published."""
        with self.cursor() as curs:
            curs.execute(f"SELECT number FROM {self.table('public_certificates')} WHERE upper(number) = upper(%s)",
                         (number,))
            row = named(number, curs.fetchall())
        return str(row[0]) if row else None

    def by_numbers(self, numbers: Sequence[str]) -> list[tuple[str, str, str, str, str, str]]:
        """The rows (number, status, valid_until, next_due_by, name, uscc) whose number equals one of ``numbers``
        ignoring case, in one statement read by the ``upper(number)`` index (a bulk lookup: R-PUB-1)."""
        return self._summaries("upper(number)", [n.upper() for n in numbers])

    def by_usccs(self, usccs: Sequence[str]) -> list[tuple[str, str, str, str, str, str]]:
        """The rows of the certificates of the organisations ``usccs`` (exactly), by number, in one statement read
        by the ``uscc`` index."""
        return self._summaries("uscc", usccs)

    def _summaries(self, column: str, values: Sequence[str]) -> list[tuple[str, str, str, str, str, str]]:
        if not values:
            return []
        wanted = sorted(set(values))
        with self.cursor() as curs:
            curs.execute(f"SELECT number, status, valid_until, next_due_by, name, uscc FROM "
                         f"{self.table('public_certificates')} WHERE {column} IN ({', '.join('%s' for _ in wanted)}) "
                         "ORDER BY number", wanted)
            return [(str(a), str(b), str(c), str(d), str(e), str(f)) for a, b, c, d, e, f in curs.fetchall()]

    def directory_page(self, after: str, limit: int) -> list[tuple[str, str]]:
        """The next ``limit`` certificates after number ``after`` ("" for the first), by number: (number, document
        as stored). A keyset page read by the primary key, so the directory's upload (R-RPT-2) is read page by page
        in constant memory, however deep it goes (an OFFSET would read every row before it); the directory itself
        reads ``directory_rows``."""
        with self.reading() as curs:  # one statement: no transaction
            curs.execute(f"SELECT number, document FROM {self.table('public_certificates')} WHERE number > %s "
                         "ORDER BY number LIMIT %s", (after, limit))
            return [(str(n), str(d)) for n, d in curs.fetchall()]

    def directory_rows(self, after: str, limit: int) -> list[tuple[Any, ...]]:
        """The next ``limit`` certificates after number ``after`` ("" for the first), by number, as the directory
        (R-PUB-1) reads them: ``DIRECTORY_COLUMNS``, the ``summary`` array, and the document only where a row
        written before ``summary`` existed has none (a rebuild writes them all). A keyset page on the primary key."""
        with self.reading() as curs:  # one statement: no transaction
            curs.execute(f"SELECT {', '.join(DIRECTORY_COLUMNS)}, summary, CASE WHEN summary IS NULL THEN document END "
                         f"FROM {self.table('public_certificates')} WHERE number > %s ORDER BY number LIMIT %s",
                         (after, limit))
            return curs.fetchall()

    def search(self, uscc: str | None, name: str | None, status: str | None, offset: int,
               limit: int) -> tuple[list[dict[str, Any]], int]:
        """Exact USCC, organisation name by substring (Chinese included), status; newest numbers first. The name is
        found on the name suffixes' index (the suffixes that begin with it: ``public_name_suffixes``), not by reading
        every row; its ``%`` and ``_`` are characters to find."""
        where, params = [], []
        if uscc:
            where.append("uscc = %s")
            params.append(uscc)
        if name:
            where.append(f"number IN (SELECT number FROM {self.table('public_name_suffixes')} "
                         "WHERE suffix >= %s AND suffix < %s)")
            params.extend(prefix_range(name))
        if status:
            where.append("status = %s")
            params.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows, total = self.page("number, status, name, uscc, valid_until", "public_certificates", clause, params,
                                "number DESC", offset, limit)
        items = [{"number": n, "status": s, "organization": {"name": nm, "uscc": u}, "valid_until": v}
                 for n, s, nm, u, v in rows]
        return items, total


def _row(number: str, document: dict[str, Any], position: int,
         history: list[dict[str, str]]) -> tuple[str, str, str, str, str, str, int, str, str]:
    """The ``public_certificates`` row of ``document``: the columns searched and checked, the document as served,
    its status history included, and the directory's other fields."""
    served = {**document, "status_history": history}
    return (number, document["organization"]["uscc"], document["organization"]["name"], document["status"],
            document["valid_until"], document["surveillance"]["next_due_by"], position,
            json.dumps(served, ensure_ascii=False, sort_keys=True),
            json.dumps(directory_fields(document), ensure_ascii=False, separators=(",", ":")))


def directory_fields(document: dict[str, Any]) -> list[str]:
    """What the directory shows of a certificate besides ``DIRECTORY_COLUMNS``: since when its status holds, its
    scope, its basis (standard and version), when it was issued, and its issuer."""
    basis = document["basis"]
    return [document["status_since"], document["scope"], f"{basis['standard']} {basis['version']}".strip(),
            document["issued_on"], document["issuer"]["name"]]


def named(number: str, rows: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """Of the rows whose number (first column) equals ``number`` ignoring case, the one it names: its exact
    spelling, else the only one. Numbers differing only in case (a pattern or body code changed case over the
    years) are found only as spelt."""
    exact = [row for row in rows if row[0] == number]
    if exact:
        return exact[0]
    return rows[0] if len(rows) == 1 else None
