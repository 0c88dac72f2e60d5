"""The office's reads of its directory (``projections.office_directory``) and of the tables kept beside it (the
public certificates, the deadlines, the schedule): the lists with their searches, filters and pages (issue 22); the
work page's queues are ``projections.office_work``.

Reads stay fast with a million certificates and their cases (the office's benchmark: list pages p99 ≤ 100 ms):

- Each list is read in an order an index gives (``OfficeDirectory.directory_indexes``), LIMIT and OFFSET, so a
  page reads its own rows and the rows before it, never the whole table.
- A page says how many rows match up to a cap (``CAP``, "1,000+" beyond it): ``COUNT(*)`` of a subquery with
  ``LIMIT CAP + 1``, at most a thousand index entries, where an exact count over a million rows takes PostgreSQL
  most of the budget on each request. The pages go as far as the cap: beyond it the user narrows the search, which
  is what a thousand rows asks for anyway (and a deep OFFSET would read every row before it).
- A name is searched by its beginning (a prefix), as a range on the name's index: ``name >= p AND name < p'``
  where ``p'`` is ``p`` with its last character's code point incremented. That range is exactly the names that
  begin with ``p`` in code point order, the order of SQLite's text and of the C / C.UTF-8 collations the
  registry's PostgreSQL databases use (``LIKE 'p%'`` uses an index on PostgreSQL only under the plain C collation
  or a pattern operator class, neither portable). A substring search (``%p%``) would read every row. A USCC, a
  certificate number and an id are matched exactly, by their own indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.office_changes import CaseRow
from projections.views import View
from registry.identifiers import shaped_like_uscc
from store import Cursor

CAP = 1000  # rows counted for a page, at most; more is shown as "1,000+"
PAGE_SIZE = 25

def prefix_range(prefix: str) -> tuple[str, str]:
    """The bounds of the names beginning with ``prefix``, in code point order (the module's docstring)."""
    last = prefix[-1]
    return prefix, prefix[:-1] + (chr(ord(last) + 1) if ord(last) < 0x10FFFF else last)


@dataclass(frozen=True)
class Listed:
    """One page of a list: its rows, how many match (up to ``CAP``), whether more than that do, and the page."""

    rows: list[dict[str, Any]]
    total: int
    capped: bool
    page: int
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def pages_allowed(page: int, page_size: int = PAGE_SIZE) -> int:
    """The page asked for, within the pages a list goes to (1 to ``CAP``'s)."""
    return min(max(page, 1), max(1, CAP // page_size))


class OfficeLists(View):
    """The office's reads of the directory's tables and of the tables kept beside them (their rows are written by
    ``OfficeDirectory``, which this is part of)."""

    def _listed(self, curs: Cursor, select: str, table: str, where: Sequence[str], params: Sequence[Any],
                order: str, page: int, page_size: int = PAGE_SIZE) -> tuple[list[tuple[Any, ...]], int, bool, int]:
        """A page of ``table``'s rows (``select``) matching every condition of ``where``, in ``order``, with how
        many match up to ``CAP`` and whether more do."""
        page = pages_allowed(page, page_size)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        # Counted in the page's order, so by the page's index: the planner would otherwise scan the table for the
        # first CAP rows it expects to find early, and read it all when there are none (2 million rows, 345 ms).
        count_sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {self.table(table)}{clause} ORDER BY {order} "
                     f"LIMIT {CAP + 1}) AS capped")
        # The count rides on the page's rows, one statement where a work page sent two per list (it is computed
        # once, not per row: the subquery refers to nothing of the row). Only a page past the last has no row to
        # carry it.
        curs.execute(f"SELECT {select}, ({count_sql}) FROM {self.table(table)}{clause} ORDER BY {order} "
                     "LIMIT %s OFFSET %s", [*params, *params, page_size, (page - 1) * page_size])
        rows = curs.fetchall()
        if rows:
            count = int(rows[0][-1])
        elif page == 1:
            count = 0
        else:
            curs.execute(count_sql, params)
            found = curs.fetchone()
            count = int(found[0]) if found else 0
        return [row[:-1] for row in rows], min(count, CAP), count > CAP, page

    def cases(self, stage: str | None = None, kind: str | None = None, organization: str | None = None,
              page: int = 1) -> Listed:
        """The cases, newest application first; ``organization``: its USCC exactly, or the beginning of its name
        (then in the names' order)."""
        where, params = [], list[Any]()
        order = "applied_on DESC, case_id DESC"
        if stage:
            where.append("stage = %s")
            params.append(stage)
        if kind:
            where.append("kind = %s")
            params.append(kind)
        if organization:
            if shaped_like_uscc(organization):
                where.append("uscc = %s")
                params.append(organization.upper())
            else:
                where.append("name >= %s AND name < %s")
                params.extend(prefix_range(organization))
                order = "name, applied_on DESC, case_id DESC"
        with self.cursor() as curs:
            rows, total, capped, page = self._listed(curs, ", ".join(CaseRow._fields[:-1]), "office_cases", where,
                                                     params, order, page)
        return Listed([dict(zip(CaseRow._fields[:-1], row, strict=True)) for row in rows], total, capped, page)

    def case_row(self, case_id: str) -> dict[str, Any] | None:
        with self.cursor() as curs:
            curs.execute(f"SELECT {', '.join(CaseRow._fields[:-1])} FROM {self.table('office_cases')} "
                         "WHERE case_id = %s", (case_id,))
            row = curs.fetchone()
        return dict(zip(CaseRow._fields[:-1], row, strict=True)) if row else None

    def organizations(self, search: str | None = None, page: int = 1) -> Listed:
        """The organisations by name; ``search``: a USCC exactly, or the beginning of a name."""
        where, params = [], list[Any]()
        if search:
            if shaped_like_uscc(search):
                where.append("uscc = %s")
                params.append(search.upper())
            else:
                where.append("name >= %s AND name < %s")
                params.extend(prefix_range(search))
        with self.cursor() as curs:
            rows, total, capped, page = self._listed(curs, "uscc, name, address", "office_organizations", where,
                                                     params, "name, uscc", page)
        return Listed([{"uscc": u, "name": n, "address": a} for u, n, a in rows], total, capped, page)

    def people(self, search: str | None = None, page: int = 1) -> Listed:
        """The people by name; ``search``: the beginning of a name."""
        where, params = [], list[Any]()
        if search:
            where.append("name >= %s AND name < %s")
            params.extend(prefix_range(search))
        with self.cursor() as curs:
            rows, total, capped, page = self._listed(curs, "person_id, name", "office_people", where, params,
                                                     "name, person_id", page)
        return Listed([{"id": p, "name": n} for p, n in rows], total, capped, page)

    def certificates(self, status: str | None = None, search: str | None = None, page: int = 1) -> Listed:
        """The published certificates (``public_certificates``), newest number first; ``search``: a certificate
        number (ignoring case) or a USCC exactly, else the beginning of the organisation's name (then by name)."""
        base, params = [], list[Any]()
        if status:
            base.append("status = %s")
            params.append(status)
        order = "number DESC"
        with self.cursor() as curs:
            where = base
            if search:
                exact = [*base, "(upper(number) = upper(%s) OR uscc = %s)"]
                found = self._listed(curs, "number, status, name, uscc, valid_until, next_due_by",
                                     "public_certificates", exact, [*params, search, search.upper()], order, page)
                if found[1]:
                    return _certificates(*found)
                where = [*base, "name >= %s AND name < %s"]
                params.extend(prefix_range(search))
                order = "name, number DESC"
            return _certificates(*self._listed(curs, "number, status, name, uscc, valid_until, next_due_by",
                                               "public_certificates", where, params, order, page))

    def find_certificates(self, search: str, page: int = 1) -> Listed:
        """R-PUB-1, the public site's search: a certificate number (ignoring case) or a USCC exactly, else the
        certificates whose organisation's name holds ``search`` anywhere, read as a range on the name suffixes'
        primary key (``PublicCertificates``: ``public_name_suffixes``), in the order of what follows ``search`` in
        the name; a page and its capped count read at most ``CAP`` + 1 index entries, however common the fragment.
        A name holding it twice is listed once a page (and counted twice). Where the suffixes find nothing (a
        database not rebuilt since they came), the beginning of a name, as ``certificates`` reads it."""
        columns = "number, status, name, uscc, valid_until, next_due_by"
        with self.reading() as curs:  # each statement its own snapshot: two round trips, not four
            found = self._listed(curs, columns, "public_certificates", ["(upper(number) = upper(%s) OR uscc = %s)"],
                                 [search, search.upper()], "number DESC", page)
            if found[1]:
                return _certificates(*found)
            page = pages_allowed(page)
            suffixes, public = self.table("public_name_suffixes"), self.table("public_certificates")
            bounds = list(prefix_range(search))
            count_sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {suffixes} WHERE suffix >= %s AND suffix < %s "
                         f"ORDER BY suffix, number LIMIT {CAP + 1}) AS capped")
            # The count rides on the page's rows, as in _listed: one statement.
            curs.execute(f"SELECT c.number, c.status, c.name, c.uscc, c.valid_until, c.next_due_by, ({count_sql}) "
                         f"FROM {suffixes} s JOIN {public} c ON c.number = s.number "
                         "WHERE s.suffix >= %s AND s.suffix < %s ORDER BY s.suffix, s.number LIMIT %s OFFSET %s",
                         [*bounds, *bounds, PAGE_SIZE, (page - 1) * PAGE_SIZE])
            found_rows = curs.fetchall()
            if found_rows:
                count = int(found_rows[0][-1])
            elif page == 1:
                return self.certificates(None, search, page)  # nothing: a name's beginning, as before the suffixes
            else:
                curs.execute(count_sql, bounds)
                counted = curs.fetchone()
                count = int(counted[0]) if counted else 0
            rows: list[tuple[Any, ...]] = []
            for row in found_rows:  # each certificate once, where it first comes
                if all(row[0] != kept[0] for kept in rows):
                    rows.append(row[:-1])
        return _certificates(rows, min(count, CAP), count > CAP, page)

    def deadline_list(self, state: str | None, rule: str | None, today: date, page: int = 1,
                      page_size: int = PAGE_SIZE) -> Listed:
        """The tracked deadlines (``deadlines``) by due date (missed ones latest first), ``overdue`` decided as of
        ``today``, each with the organisation it is of (``subjects``)."""
        where, params = [], list[Any]()
        order = "due_on, key"
        t = today.isoformat()
        if state in ("open", "overdue"):
            where.append(f"state = 'open' AND due_on {'>=' if state == 'open' else '<'} %s")
            params.append(t)
        elif state in ("met", "missed"):
            where.append("state = %s")
            params.append(state)
            order = "due_on DESC, key DESC"
        if rule:
            where.append("rule = %s")
            params.append(rule)
        with self.cursor() as curs:
            rows, total, capped, page = self._listed(curs, "key, rule, subject, due_on, state, done_on",
                                                     "deadlines", where, params, order, page, page_size)
            items = self._subjects(curs, rows, t)
        return Listed(items, total, capped, page, page_size)

    def _subjects(self, curs: Cursor, rows: Sequence[tuple[Any, ...]], today: str) -> list[dict[str, Any]]:
        """Deadline rows with what each is of: a case (``case:<id>:…``), the working calendar's year
        (``calendar:<year>``, R-CAL-1), the month's national report (``national-report:<YYYY-MM>``, R-RPT-1) or a
        certificate (``<number>:…``), and its organisation's name and USCC, read
        for the whole page in two queries."""
        items = []
        for key, rule, subject, due_on, state, done_on in rows:
            head, _, rest = key.partition(":")
            own = ("case", "calendar", "national-report")
            of = (head, rest.partition(":")[0]) if head in own else ("certificate", head)
            items.append({"key": key, "rule": rule, "subject": subject, "due_on": due_on, "done_on": done_on,
                          "state": "overdue" if state == "open" and due_on < today else state, "kind": of[0],
                          "ref": of[1], "name": "", "uscc": ""})
        self._named(curs, items)
        return items

    def _named(self, curs: Cursor, items: list[dict[str, Any]]) -> None:
        """Fills each item's organisation ``name`` and ``uscc`` from its case or certificate (``kind``, ``ref``)."""
        for kind, table, column in (("case", "office_cases", "case_id"), ("certificate", "public_certificates",
                                                                          "number")):
            refs = list(dict.fromkeys(i["ref"] for i in items if i["kind"] == kind))
            if refs:
                curs.execute(f"SELECT {column}, name, uscc FROM {self.table(table)} WHERE {column} IN "
                             f"({marks(refs)})", refs)
                names = {ref: (name, uscc) for ref, name, uscc in curs.fetchall()}
                for item in items:
                    if item["kind"] == kind and item["ref"] in names:
                        item["name"], item["uscc"] = names[item["ref"]]


def _certificates(rows: list[tuple[Any, ...]], total: int, capped: bool, page: int) -> Listed:
    return Listed([{"number": n, "status": s, "name": nm, "uscc": u, "valid_until": v, "next_due_by": d}
                   for n, s, nm, u, v, d in rows], total, capped, page)


def marks(values: Sequence[Any]) -> str:
    """The placeholders of ``values`` in a statement (``IN (…)``), ``%s`` each."""
    return ", ".join("%s" for _ in values)
