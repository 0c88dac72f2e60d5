"""The office's directory (issue 22): the cases, organisations and people the office lists and searches, the
cases that wait on each auditor's team, and those whose programme waits for a decision maker's approval
(R-PREP-2), in tables of their own.

What each event changes and the rows the changes leave are worked out by pure functions and one fold
(``projections.office_changes``); ``write_directory`` takes the rows they concern out, folds and puts them back.
The tables are written by the certificate projection (``projections.certificate_projection``) in the transaction of
its other tables (``projections.certificate_views``): one tracking position for all, so a rebuild rebuilds this too.
The office reads them, and the tables kept beside them (certificates, deadlines, the schedule), in the order of the
indexes declared here (``projections.office_lists``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from projections.office_changes import (
    ApprovalWaiting,
    CaseMoved,
    CaseOpened,
    CaseRow,
    Change,
    OrganizationNamed,
    OrganizationRow,
    PersonNamed,
    PersonRow,
    TeamWaiting,
    apply_changes,
)
from projections.office_lists import marks
from projections.office_work import OfficeWork
from store import Cursor


class OfficeDirectory(OfficeWork):
    """The directory's tables, their indexes and their writes; the office's reads of them (``OfficeLists``,
    ``OfficeWork``)."""

    tables = {
        "office_cases": "case_id TEXT PRIMARY KEY, uscc TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, "
                        "stage TEXT NOT NULL, stage_on TEXT NOT NULL, applied_on TEXT NOT NULL, "
                        "certificate_number TEXT, position BIGINT NOT NULL",
        "office_organizations": "uscc TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, "
                                "position BIGINT NOT NULL",
        "office_people": "person_id TEXT PRIMARY KEY, name TEXT NOT NULL, position BIGINT NOT NULL",
        # The cases waiting on their audit team's work, by each person on it: only while they wait, so a person
        # on ten thousand teams over the years reads the few that are theirs now.
        "office_team_waiting": "person_id TEXT NOT NULL, case_id TEXT NOT NULL, PRIMARY KEY (person_id, case_id)",
        # The cases whose programme of fewer than 4 person-days waits for its approval (R-PREP-2), only while it
        # does: the few a decision maker has to approve now.
        "office_approval_waiting": "case_id TEXT PRIMARY KEY, planned_on TEXT NOT NULL",
    }
    # Each list's order, and each filter's with it, is an index: a page reads its rows in order and stops.
    directory_indexes: ClassVar[tuple[str, ...]] = (
        "office_cases_applied ON office_cases (applied_on, case_id)",
        "office_cases_stage ON office_cases (stage, applied_on, case_id)",
        "office_cases_waiting ON office_cases (stage, stage_on, case_id)",
        "office_cases_kind ON office_cases (kind, applied_on, case_id)",
        "office_cases_uscc ON office_cases (uscc, applied_on, case_id)",
        "office_cases_name ON office_cases (name, applied_on, case_id)",
        "office_cases_number ON office_cases (certificate_number)",
        "office_organizations_name ON office_organizations (name, uscc)",
        "office_people_name ON office_people (name, person_id)",
        "office_team_waiting_case ON office_team_waiting (case_id)",
        # The certificates' and deadlines' lists, on the tables kept beside these
        # (By name, a state's deadlines in due order, and the next 60 days of the work page: the indexes of the
        # public view, the deadlines and the schedule serve these.)
        "office_certificates_status ON public_certificates (status, number)",
        "office_deadlines_due ON deadlines (due_on, key)",
        "office_deadlines_rule ON deadlines (rule, due_on, key)",
        "office_deadlines_rule_state ON deadlines (rule, state, due_on)",
    )
    # Those the other parts' indexes now serve: each index more is a write more for every row a rebuild writes.
    replaced_indexes: ClassVar[tuple[str, ...]] = ("office_certificates_name", "office_deadlines_state",
                                                   "office_schedule_due", "office_schedule_until")

    # Writes, in the caller's transaction

    def write_directory(self, curs: Cursor, changes: Sequence[tuple[Sequence[Change], int]]) -> None:
        """Directory changes (each event's with its log position, in log order), one event's or a batch's: the
        rows they concern taken out (writes first, as SQLite needs), folded (``apply_changes``) and put back, a
        few statements whatever their number."""
        changes = [(batch, position) for batch, position in changes if batch]
        if not changes:
            return
        all_changes = [c for batch, _ in changes for c in batch]
        cases_t, orgs_t = self.table("office_cases"), self.table("office_organizations")
        people_t, team_t = self.table("office_people"), self.table("office_team_waiting")
        approval_t = self.table("office_approval_waiting")
        case_ids = list(dict.fromkeys(c.case_id for c in all_changes if isinstance(c, CaseOpened | CaseMoved)))
        named = list(dict.fromkeys(c.uscc for c in all_changes if isinstance(c, OrganizationNamed)))
        people = list(dict.fromkeys(c.person_id for c in all_changes if isinstance(c, PersonNamed)))
        teams = list(dict.fromkeys(c.case_id for c in all_changes if isinstance(c, TeamWaiting)))
        approvals = list(dict.fromkeys(c.case_id for c in all_changes if isinstance(c, ApprovalWaiting)))
        organizations: dict[str, OrganizationRow] = {}
        if named:
            curs.execute(f"DELETE FROM {orgs_t} WHERE uscc IN ({marks(named)}) "
                         "RETURNING uscc, name, address, position", named)
            organizations.update((row[0], OrganizationRow(*row)) for row in curs.fetchall())
        stored: dict[str, CaseRow] = {}
        if case_ids:
            curs.execute(f"DELETE FROM {cases_t} WHERE case_id IN ({marks(case_ids)}) "
                         f"RETURNING {', '.join(CaseRow._fields)}", case_ids)
            stored.update((row[0], CaseRow(*row)) for row in curs.fetchall())
        if people:
            curs.execute(f"DELETE FROM {people_t} WHERE person_id IN ({marks(people)})", people)
        if teams:
            curs.execute(f"DELETE FROM {team_t} WHERE case_id IN ({marks(teams)})", teams)
        if approvals:
            curs.execute(f"DELETE FROM {approval_t} WHERE case_id IN ({marks(approvals)})", approvals)
        opened = [c.uscc for c in all_changes if isinstance(c, CaseOpened) and c.uscc not in organizations]
        opened = list(dict.fromkeys(opened))
        if opened:
            curs.execute(f"SELECT uscc, name, address, position FROM {orgs_t} WHERE uscc IN ({marks(opened)})",
                         opened)
            organizations.update((row[0], OrganizationRow(*row)) for row in curs.fetchall())
        before = set(organizations)
        folded = apply_changes(stored, organizations, changes)
        for uscc, name in folded.renamed.items():  # the cases the run did not touch
            if uscc in before:
                curs.execute(f"UPDATE {cases_t} SET name = %s WHERE uscc = %s", (name, uscc))
        curs.insert_rows(orgs_t, OrganizationRow._fields,
                         [row for uscc, row in folded.organizations.items() if uscc in named])
        curs.insert_rows(cases_t, CaseRow._fields, list(folded.cases.values()))
        curs.insert_rows(people_t, PersonRow._fields, list(folded.people.values()))
        curs.insert_rows(team_t, ("person_id", "case_id"),
                         [(person, cid) for cid, team in folded.teams.items() for person in team])
        waiting = [(cid, on) for cid, on in folded.approvals.items() if on is not None]
        if waiting:  # rare: no statement for the many writes without one
            curs.insert_rows(approval_t, ("case_id", "planned_on"), waiting)
