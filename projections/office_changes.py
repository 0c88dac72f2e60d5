"""What each event changes in the office's directory (``projections.office_directory``), and the rows it leaves.

Pure functions make each event's changes (``case_changes``, ``organization_changes``, ``person_changes``), and one
fold (``apply_changes``) makes the rows they leave over the stored rows they concern, whether the projection writes
one event or a batch. No SQL here: ``OfficeDirectory.write_directory`` reads the rows, folds and writes them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from registry.case import Case
from registry.organization import Organization
from registry.person import Person

# The changes events make


@dataclass(frozen=True)
class CaseOpened:
    case_id: str
    uscc: str
    kind: str
    applied_on: date


@dataclass(frozen=True)
class CaseMoved:
    """The case reached ``stage`` on ``on`` (only from one of ``only_from``, when given: the steps that move a case
    only from a given stage, as the aggregate's own ``apply`` does); ``number``: the certificate granted."""

    case_id: str
    stage: str
    on: date
    only_from: tuple[str, ...] = ()
    number: str | None = None


@dataclass(frozen=True)
class TeamWaiting:
    """The people whose work the case now waits on (its audit team, from its appointment to its report): the set
    replaces the case's earlier one; empty when the case no longer waits on its team."""

    case_id: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class ApprovalWaiting:
    """The case's programme waits for a decision maker's approval since ``planned_on`` (R-PREP-2: fewer than 4
    person-days), or, with None, no longer does (approved, planned again at 4 or more, or the case decided)."""

    case_id: str
    planned_on: date | None


@dataclass(frozen=True)
class OrganizationNamed:
    uscc: str
    name: str
    address: str


@dataclass(frozen=True)
class PersonNamed:
    person_id: str
    name: str


Change = CaseOpened | CaseMoved | TeamWaiting | ApprovalWaiting | OrganizationNamed | PersonNamed

# The events that change the directory, by their names in the stored topics (``module:Class.Event``): the
# projection decodes no other event of these records.
CASE_EVENTS = frozenset(cls.__name__ for cls in (
    Case.Applied, Case.Accepted, Case.NotAccepted, Case.AgreementSigned, Case.ProgrammePlanned,
    Case.ProgrammeApproved, Case.TeamAppointed, Case.Stage1Conducted, Case.Stage2Conducted, Case.ReportSubmitted,
    Case.Granted, Case.Refused))
ORGANIZATION_EVENTS = frozenset(cls.__name__ for cls in (Organization.Registered, Organization.DetailsChanged))
PERSON_EVENTS = frozenset(cls.__name__ for cls in (Person.Enrolled,))
EVENTS = {Case.__name__: CASE_EVENTS, Organization.__name__: ORGANIZATION_EVENTS, Person.__name__: PERSON_EVENTS}


# The case steps that change no more than the case's stage, as of their date (and, those that end its team's work,
# who it waits on): event → stage, the stages it moves a case from (any when empty), whether the team's work ends.
# ``case_changes`` answers them from here, and the projection from the stored event's topic and date alone
# (``step_changes``), without decoding the rest of it: half the events a rebuild decodes for the directory. A
# programme planned, or a refusal, also ends any wait for a programme's approval (R-PREP-2); a programme that needs
# one begins it (the projection decodes a programme whose stored state says ``NEEDS_APPROVAL``: the few there are).
STEPS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "AgreementSigned": ("contracted", (), False),
    "ProgrammePlanned": ("planned", ("contracted",), False),
    "Stage1Conducted": ("stage1_done", (), False),
    "Stage2Conducted": ("stage2_done", (), False),
    "ReportSubmitted": ("reported", (), True),
    "Refused": ("refused", (), True),
}
ENDS_APPROVAL_WAIT = ("ProgrammePlanned", "Refused")
NEEDS_APPROVAL = b'"needs_approval":true'


def step_changes(case_id: str, step: str, on: date, needs_approval: bool = False) -> list[Change]:
    """What the case step ``step`` (one of ``STEPS``) of the case ``case_id`` dated ``on`` changes; a programme
    that ``needs_approval`` begins its wait for it."""
    stage, only_from, team_done = STEPS[step]
    changes: list[Change] = [CaseMoved(case_id, stage, on, only_from=only_from)]
    if team_done:
        changes.append(TeamWaiting(case_id, ()))
    if step in ENDS_APPROVAL_WAIT:
        changes.append(ApprovalWaiting(case_id, on if needs_approval else None))
    return changes


def case_changes(event: Case.Event) -> list[Change]:
    """What a case's event changes in the directory."""
    case_id, on = str(event.originator_id), event.dated
    if type(event).__name__ in STEPS:
        waits = isinstance(event, Case.ProgrammePlanned) and event.needs_approval
        return step_changes(case_id, type(event).__name__, on, waits)
    match event:
        case Case.ProgrammeApproved():
            return [ApprovalWaiting(case_id, None)]
        case Case.Applied():
            return [CaseOpened(case_id, event.organization_uscc, event.kind.value, on)]
        case Case.Accepted():
            return [CaseMoved(case_id, "accepted", on)]
        case Case.NotAccepted():
            return [CaseMoved(case_id, "not_accepted", on)]
        case Case.TeamAppointed():
            return [CaseMoved(case_id, "team_appointed", on, only_from=("planned",)),
                    TeamWaiting(case_id, tuple(str(p) for p in event.team.everyone))]
        case Case.Granted():
            return [CaseMoved(case_id, "granted", on, number=event.certificate_number), TeamWaiting(case_id, ()),
                    ApprovalWaiting(case_id, None)]
    return []


def organization_changes(event: Organization.Event, uscc: str) -> list[Change]:
    """What an organisation's event changes in the directory; ``uscc``: the organisation's (a change of its
    details does not carry it)."""
    if isinstance(event, Organization.Registered | Organization.DetailsChanged):
        return [OrganizationNamed(uscc, event.name, event.address)]
    return []


def person_changes(event: Person.Event) -> list[Change]:
    if isinstance(event, Person.Enrolled):
        return [PersonNamed(str(event.originator_id), event.name)]
    return []


class CaseRow(NamedTuple):
    case_id: str
    uscc: str
    name: str  # the organisation's name, kept with each of its cases: searched and shown without a join
    kind: str
    stage: str
    stage_on: str
    applied_on: str
    certificate_number: str | None
    position: int


class OrganizationRow(NamedTuple):
    uscc: str
    name: str
    address: str
    position: int


class PersonRow(NamedTuple):
    person_id: str
    name: str
    position: int


@dataclass
class Folded:
    """What a run of changes leaves: the rows of the records they touched, the organisations renamed (whose
    untouched cases take the new name), each case's new team, and each case's programme awaiting approval since
    (None: no longer; a case absent from either: unchanged)."""

    cases: dict[str, CaseRow]
    organizations: dict[str, OrganizationRow]
    people: dict[str, PersonRow]
    renamed: dict[str, str]
    teams: dict[str, tuple[str, ...]]
    approvals: dict[str, str | None]


def apply_changes(cases: Mapping[str, CaseRow], organizations: Mapping[str, OrganizationRow],
                  changes: Iterable[tuple[Sequence[Change], int]]) -> Folded:
    """The directory's one fold: the changes of a run of events (each event's with its log position, in log
    order) over ``cases`` and ``organizations``, the stored rows of the cases the changes concern and of the
    organisations they name or open cases of. A step that moves a case only from a given stage leaves a case in
    another stage as it was; a renamed organisation's cases take its new name."""
    out = Folded(dict(cases), dict(organizations), {}, {}, {}, {})
    for batch, position in changes:
        for change in batch:
            match change:
                case OrganizationNamed(uscc=uscc, name=name, address=address):
                    if uscc in out.organizations:
                        out.renamed[uscc] = name
                        for key, row in out.cases.items():
                            if row.uscc == uscc:
                                out.cases[key] = row._replace(name=name)
                    out.organizations[uscc] = OrganizationRow(uscc, name, address, position)
                case PersonNamed(person_id=pid, name=name):
                    out.people[pid] = PersonRow(pid, name, position)
                case CaseOpened(case_id=cid, uscc=uscc, kind=kind, applied_on=on):
                    org = out.organizations.get(uscc)
                    out.cases[cid] = CaseRow(cid, uscc, org.name if org else "", kind, "applied", on.isoformat(),
                                             on.isoformat(), None, position)
                case CaseMoved(case_id=cid):
                    moved = out.cases.get(cid)
                    if moved is None or (change.only_from and moved.stage not in change.only_from):
                        continue
                    out.cases[cid] = moved._replace(stage=change.stage, stage_on=change.on.isoformat(),
                                                    certificate_number=change.number or moved.certificate_number,
                                                    position=position)
                case TeamWaiting(case_id=cid, people=people):
                    out.teams[cid] = tuple(dict.fromkeys(people))
                case ApprovalWaiting(case_id=cid, planned_on=planned_on):
                    out.approvals[cid] = planned_on.isoformat() if planned_on else None
    return out
