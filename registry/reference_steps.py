"""The registry's commands on the reference data the body keeps for R-BASIS-1 and R-BODY-1 (issue 24): the
certification bases it accepts and its CNCA approval (registry.reference), as plain frozen commands and the steps
that run them. A section of ``Registry`` (registry.section); the reads are the section base's (``accepted_bases``,
``approvals``), since an application and a grant read them too, but for their history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.commands import Command
from registry.history import HistoryEntry
from registry.idempotency import Idempotency
from registry.past import Past
from registry.reference import APPROVAL_LIST_ID, BASIS_LIST_ID, MANAGEMENT_SYSTEM, ApprovalList, BasisList
from registry.values import Actor, Role, Written


@dataclass(frozen=True)
class AcceptBasis(Command):
    role = Role.ADMIN
    standard: str
    version: str
    valid_from: date
    valid_until: date | None = None
    kind: str = MANAGEMENT_SYSTEM


@dataclass(frozen=True)
class RecordApproval(Command):
    role = Role.ADMIN
    number: str
    valid_from: date
    valid_until: date


class ReferenceSteps(Past):
    def accept_basis(self, standard: str, version: str, valid_from: date, valid_until: date | None = None,
                     kind: str = MANAGEMENT_SYSTEM, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-BASIS-1: a certification basis the body accepts (a management-system standard, or a sector's
        certification requirements), from ``valid_from`` through ``valid_until`` (None: no end yet). Recorded again
        under its standard and version, its validity is revised."""
        now = self.clock.now()
        found = self.basis_list() or BasisList.start(actor=actor, now=now)
        found.accept(standard, version, valid_from, valid_until, kind, actor=actor, now=now)
        return self._commit(found, idempotency=idempotency)

    def record_approval(self, number: str, valid_from: date, valid_until: date, *, actor: Actor,
                        idempotency: Idempotency | None = None) -> Written:
        """R-BODY-1: the body's CNCA approval (批准书编号) and its validity; a certificate is issued only on a date an
        approval covers, and names it. Recorded again under its number, its validity is revised."""
        now = self.clock.now()
        found = self.approval_list() or ApprovalList.start(actor=actor, now=now)
        found.record(number, valid_from, valid_until, actor=actor, now=now)
        return self._commit(found, idempotency=idempotency)

    def reference_history(self) -> list[HistoryEntry]:
        """Every entry of the accepted bases and of the approvals, in the log's order, each with who recorded it and
        when (R-REC-1)."""
        return [e for e in self._history([BASIS_LIST_ID, APPROVAL_LIST_ID]) if e.type != "Started"]


def perform(registry: ReferenceSteps, command: object, actor: Actor, key: Idempotency | None) -> Written | None:
    """The step of a reference-data command (``registry.handling.perform``); None for another."""
    match command:
        case AcceptBasis() as c:
            return registry.accept_basis(c.standard, c.version, c.valid_from, c.valid_until, c.kind, actor=actor,
                                         idempotency=key)
        case RecordApproval() as c:
            return registry.record_approval(c.number, c.valid_from, c.valid_until, actor=actor, idempotency=key)
    return None
