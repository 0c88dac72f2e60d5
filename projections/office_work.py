"""The office's work page's reads (issue 22): the cases waiting on each role's step, on each auditor's team, and
for a decision maker the transfers that may be decided and the programmes that wait for approval (R-PREP-2); the
deadlines due; the certificates whose surveillance or expiry falls in the coming days. Each by an index of the
directory's tables (``projections.office_directory``) or of the tables kept beside them, as the lists are
(``projections.office_lists``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from projections.office_changes import CaseRow
from projections.office_lists import OfficeLists, marks

# Which step each stage waits for, and on which role (api/routers/cases.py: the role of each step's route). A
# transfer may also be decided from the agreement on (registry.case, check_decision).
WAITS_ON: dict[str, tuple[str, ...]] = {
    "intake": ("applied", "accepted"),  # documents and acceptance; the agreement
    "auditor": ("contracted",),  # the programme (any auditor); the team's own work: ``team_waiting``
    "admin": ("planned",),  # the team's appointment
    "decision": ("reported",),  # the decision; a short programme's approval (R-PREP-2): ``approvals_waiting``
}
TEAM_STAGES = ("team_appointed", "stage1_done", "stage2_done")  # stage 1, stage 2, the report: the team's work
TRANSFER_DECIDABLE = ("contracted", "planned", "team_appointed")


class OfficeWork(OfficeLists):
    """The work page's reads of the directory (its rows are written by ``OfficeDirectory``, which this is part
    of)."""

    def waiting(self, stages: Sequence[str], limit: int = 20) -> dict[str, tuple[list[dict[str, Any]], int, bool]]:
        """For each of ``stages``: the cases in it, longest waiting first (``limit`` of them), and how many there
        are up to ``CAP``. One indexed range per stage."""
        out = {}
        with self.cursor() as curs:
            for stage in stages:
                rows, total, capped, _ = self._listed(curs, ", ".join(CaseRow._fields[:-1]), "office_cases",
                                                      ["stage = %s"], [stage], "stage_on, case_id", 1, limit)
                out[stage] = ([dict(zip(CaseRow._fields[:-1], row, strict=True)) for row in rows], total, capped)
        return out

    def team_waiting(self, person: str, limit: int = 50) -> list[dict[str, Any]]:
        """The cases waiting on the work of an audit team ``person`` is on (stage 1, stage 2, the report)."""
        cases_t, team_t = self.table("office_cases"), self.table("office_team_waiting")
        with self.cursor() as curs:
            curs.execute(f"SELECT {', '.join('c.' + f for f in CaseRow._fields[:-1])} FROM {team_t} t "
                         f"JOIN {cases_t} c ON c.case_id = t.case_id WHERE t.person_id = %s "
                         "ORDER BY c.stage_on, c.case_id LIMIT %s", (person, limit))
            return [dict(zip(CaseRow._fields[:-1], row, strict=True)) for row in curs.fetchall()]

    def transfers_decidable(self, limit: int = 20) -> list[dict[str, Any]]:
        """Transfers that may be decided before any audit (registry.case, check_decision): by the stage's index
        (the cases in these stages are the few under way), longest waiting first."""
        found: list[dict[str, Any]] = []
        with self.cursor() as curs:
            for stage in TRANSFER_DECIDABLE:
                curs.execute(f"SELECT {', '.join(CaseRow._fields[:-1])} FROM {self.table('office_cases')} "
                             "WHERE stage = %s AND kind = 'transfer' ORDER BY stage_on, case_id LIMIT %s",
                             (stage, limit))
                found.extend(dict(zip(CaseRow._fields[:-1], row, strict=True)) for row in curs.fetchall())
        return sorted(found, key=lambda c: (c["stage_on"], c["case_id"]))[:limit]

    def approvals_waiting(self, limit: int = 50) -> list[dict[str, Any]]:
        """The cases whose programme of fewer than 4 person-days waits for a decision maker's approval (R-PREP-2),
        longest waiting first."""
        cases_t, waiting_t = self.table("office_cases"), self.table("office_approval_waiting")
        with self.cursor() as curs:
            curs.execute(f"SELECT {', '.join('c.' + f for f in CaseRow._fields[:-1])} FROM {waiting_t} a "
                         f"JOIN {cases_t} c ON c.case_id = a.case_id ORDER BY a.planned_on, a.case_id LIMIT %s",
                         (limit,))
            return [dict(zip(CaseRow._fields[:-1], row, strict=True)) for row in curs.fetchall()]

    def deadlines_due(self, state: str, today: date, limit: int = 20) -> tuple[list[dict[str, Any]], int, bool]:
        """The first deadlines in ``state`` (open: the soonest due; overdue: the longest overdue; missed: the
        latest), by organisation name, with how many there are up to ``CAP``."""
        listed = self.deadline_list(state, None, today, page_size=limit)
        return listed.rows, listed.total, listed.capped

    def coming_up(self, today: date, days: int = 60, limit: int = 20) -> dict[str, tuple[list[dict[str, Any]], int,
                                                                                           bool]]:
        """Certificates whose surveillance audit is due (valid ones), or whose validity ends (valid or suspended),
        from ``today`` to ``days`` ahead, soonest first, by organisation name (``certificate_schedule`` by its
        date indexes, then the page's names), with how many there are up to ``CAP``."""
        t, until = today.isoformat(), (today + timedelta(days=days)).isoformat()
        out = {}
        with self.cursor() as curs:
            for what, column, statuses in (("surveillance", "next_due_by", ("valid",)),
                                           ("expiry", "valid_until", ("valid", "suspended"))):
                where = [f"{column} >= %s", f"{column} <= %s", f"status IN ({marks(statuses)})"]
                rows, total, capped, _ = self._listed(curs, f"number, status, {column}", "certificate_schedule",
                                                      where, [t, until, *statuses], f"{column}, number", 1, limit)
                items = [{"kind": "certificate", "ref": n, "number": n, "status": s, "on": d, "name": "",
                          "uscc": ""} for n, s, d in rows]
                self._named(curs, items)
                out[what] = (items, total, capped)
        return out
