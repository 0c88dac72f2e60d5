"""Reference data the body keeps for two rules (issue 24): the certification bases it accepts (R-BASIS-1, §3) and its
CNCA approval (R-BODY-1, §4.1). Each is one record (its id fixed), read whole by every application or grant; each
entry is an event with who recorded it and when, and recording an entry again under its key (a basis's standard
and version, an approval's number) revises its validity from then on, the earlier event staying in the history.

R-BASIS-1: "the certification basis is CCAI-S-C06:2023, plus a sector's certification requirements where one
applies". CCAI-S-C06:2023 is accepted from the start (``BUILT_IN``): a fresh registry records nothing for it, and
an admin may still record it, e.g. to end it when an edition replaces it. A sector's certification requirements are
a basis of their own kind, which an application names among its ``sector_requirements``.

R-BODY-1: no certificate is issued on a date no recorded approval covers; a fresh registry has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from registry import text
from registry.base import RegistryAggregate
from registry.errors import InvalidInput, RuleViolation
from registry.identifiers import NAMESPACE
from registry.values import Actor, Basis

BASIS_LIST_ID: UUID = uuid5(NAMESPACE, "accepted-bases")
APPROVAL_LIST_ID: UUID = uuid5(NAMESPACE, "body-approvals")

MANAGEMENT_SYSTEM, SECTOR = "management_system", "sector"  # the kinds of basis
BASIS_KINDS = (MANAGEMENT_SYSTEM, SECTOR)


@dataclass(frozen=True)
class AcceptedBasis:
    """A basis the body accepts from ``valid_from`` through ``valid_until`` (None: no end recorded)."""

    standard: str
    version: str
    valid_from: date
    valid_until: date | None
    kind: str = MANAGEMENT_SYSTEM
    recorded_at: datetime | None = None  # None: built in, never recorded
    recorded_by: Actor | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.standard, self.version

    @property
    def label(self) -> str:
        return f"{self.standard}:{self.version}"

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    def named_by(self, requirement: str) -> bool:
        """Whether an application's sector requirement names this basis: by its standard, alone or with its
        version (``standard:version`` or ``standard version``)."""
        name = requirement.strip()
        return name in (self.standard, self.label, f"{self.standard} {self.version}")


@dataclass(frozen=True)
class Approval:
    """The body's CNCA approval (批准书): its number, valid from and until (both days included)."""

    number: str
    valid_from: date
    valid_until: date
    recorded_at: datetime | None = None
    recorded_by: Actor | None = None

    def covers(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_until


# CCAI-S-C06:2023, accepted from the first day of its year (its edition), with no end until one is recorded.
BUILT_IN = AcceptedBasis("CCAI-S-C06", "2023", date(2023, 1, 1), None)


def _period(valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput("valid_until", f"有效期止 {valid_until.isoformat()} 早于有效期起 {valid_from.isoformat()} / "
                                          "valid_until is before valid_from")


class BasisList(RegistryAggregate):
    """The certification bases the body accepts (R-BASIS-1), beside the built-in CCAI-S-C06:2023."""

    class Started(RegistryAggregate.Created):
        def apply(self, bases: BasisList) -> None:
            bases.recorded = {}
            bases.entries = []

    class BasisAccepted(RegistryAggregate.Event):
        standard: str
        basis_version: str  # "version" is the record's own number of events
        kind: str
        valid_from: date
        valid_until: date | None

        def apply(self, bases: BasisList) -> None:
            basis = AcceptedBasis(self.standard, self.basis_version, self.valid_from, self.valid_until, self.kind,
                                  self.timestamp, self.actor)
            bases.recorded[basis.key] = basis
            bases.entries.append(basis)

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        recorded: dict[tuple[str, str], AcceptedBasis]  # (standard, version) → as last recorded
        entries: list[AcceptedBasis]  # every entry recorded, oldest first

    @classmethod
    def start(cls, *, actor: Actor, now: datetime) -> BasisList:
        return cls._create(cls.Started, id=BASIS_LIST_ID, actor=actor, effective_on=None, timestamp=now)

    def accept(self, standard: str, version: str, valid_from: date, valid_until: date | None,
               kind: str = MANAGEMENT_SYSTEM, *, actor: Actor, now: datetime) -> None:
        """A basis accepted from ``valid_from`` through ``valid_until``; recorded again, its validity revised."""
        standard = text.check("standard", standard, text.NAME).strip()
        version = text.check("version", version, text.CODE).strip()
        if not standard:
            raise InvalidInput("standard", "认证依据须有标准名称 / a basis names its standard")
        if not version:
            raise InvalidInput("version", "认证依据须有版本 / a basis has a version")
        if kind not in BASIS_KINDS:
            raise InvalidInput("kind", f"认证依据的类别为 {' 或 '.join(BASIS_KINDS)} / a basis's kind is one of "
                                       f"{', '.join(BASIS_KINDS)}")
        _period(valid_from, valid_until)
        self._record(self.BasisAccepted, standard=standard, basis_version=version, kind=kind, valid_from=valid_from,
                     valid_until=valid_until, actor=actor, effective_on=None, now=now)


def accepted_bases(found: BasisList | None) -> tuple[AcceptedBasis, ...]:
    """Every basis as it stands: the built-in one unless recorded, then those recorded, in the order first
    recorded."""
    recorded = found.recorded if found is not None else {}
    return tuple([BUILT_IN] if BUILT_IN.key not in recorded else []) + tuple(recorded.values())


def check_basis_accepted(basis: Basis, on: date, accepted: Iterable[AcceptedBasis]) -> None:
    """R-BASIS-1 (§3): an application's basis (standard and version) is a management-system basis the body accepts
    on ``on``, its application date; each sector requirement it names is a sector basis accepted on that date."""
    valid = [b for b in accepted if b.covers(on)]
    key = (basis.standard.strip(), basis.version.strip())
    if not any(b.key == key and b.kind == MANAGEMENT_SYSTEM for b in valid):
        listed = "、".join(b.label for b in valid if b.kind == MANAGEMENT_SYSTEM) or "无 / none"
        raise RuleViolation("R-BASIS-1", "§3",
                            f"认证依据 {key[0]}:{key[1]} 在申请日 {on.isoformat()} 不是本机构接受的认证依据"
                            f"（该日接受的：{listed}） / {key[0]}:{key[1]} is not a basis the body accepts on "
                            f"{on.isoformat()}")
    unknown = [r for r in basis.sector_requirements
               if r.strip() and not any(b.kind == SECTOR and b.named_by(r) for b in valid)]
    if unknown:
        listed = "、".join(b.label for b in valid if b.kind == SECTOR) or "无 / none"
        raise RuleViolation("R-BASIS-1", "§3",
                            f"行业认证要求 {'、'.join(r.strip() for r in unknown)} 在申请日 {on.isoformat()} 不是本机构"
                            f"接受的认证依据（该日接受的行业认证要求：{listed}） / sector requirements "
                            f"{', '.join(r.strip() for r in unknown)} are not a basis the body accepts on "
                            f"{on.isoformat()}")


class ApprovalList(RegistryAggregate):
    """The body's CNCA approvals (R-BODY-1): none until one is recorded."""

    class Started(RegistryAggregate.Created):
        def apply(self, approvals: ApprovalList) -> None:
            approvals.recorded = {}
            approvals.entries = []

    class ApprovalRecorded(RegistryAggregate.Event):
        number: str
        valid_from: date
        valid_until: date

        def apply(self, approvals: ApprovalList) -> None:
            approval = Approval(self.number, self.valid_from, self.valid_until, self.timestamp, self.actor)
            approvals.recorded[self.number] = approval
            approvals.entries.append(approval)

    if TYPE_CHECKING:
        recorded: dict[str, Approval]  # number → as last recorded
        entries: list[Approval]  # every entry recorded, oldest first

    @classmethod
    def start(cls, *, actor: Actor, now: datetime) -> ApprovalList:
        return cls._create(cls.Started, id=APPROVAL_LIST_ID, actor=actor, effective_on=None, timestamp=now)

    def record(self, number: str, valid_from: date, valid_until: date, *, actor: Actor, now: datetime) -> None:
        """An approval (批准书编号) valid from ``valid_from`` through ``valid_until``; recorded again under its
        number, its validity revised."""
        number = text.check("number", number, text.CODE).strip()
        if not number:
            raise InvalidInput("number", "批准书须有编号 / an approval has a number")
        _period(valid_from, valid_until)
        self._record(self.ApprovalRecorded, number=number, valid_from=valid_from, valid_until=valid_until,
                     actor=actor, effective_on=None, now=now)


def approval_on(on: date, approvals: Iterable[Approval]) -> Approval:
    """R-BODY-1 (§4.1): the approval covering ``on`` (the latest to begin, where several do); refused when none
    does, since no certificate is issued on a date the body's approval does not cover."""
    covering = [a for a in approvals if a.covers(on)]
    if not covering:
        listed = "、".join(f"{a.number}（{a.valid_from.isoformat()}—{a.valid_until.isoformat()}）"
                          for a in approvals) or "未记录 / none recorded"
        raise RuleViolation("R-BODY-1", "§4.1",
                            f"{on.isoformat()} 不在本机构认证机构批准书的有效期内（已记录：{listed}），"
                            f"该日不得颁发证书 / no CNCA approval of the body covers {on.isoformat()}: no certificate "
                            "is issued on it")
    return max(covering, key=lambda a: a.valid_from)


def as_dict(entry: AcceptedBasis | Approval) -> dict[str, Any]:
    """An entry as the API answers it (API.md, "Audit substance")."""
    by = entry.recorded_by
    common = {"valid_from": entry.valid_from.isoformat(),
              "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
              "recorded_at": entry.recorded_at.isoformat() if entry.recorded_at else None,
              "recorded_by": None if by is None else {"person": str(by.person) if by.person else None,
                                                      "role": by.role.value}}
    if isinstance(entry, Approval):
        return {"number": entry.number, **common}
    return {"standard": entry.standard, "version": entry.version, "kind": entry.kind, **common}
