"""Organisations (applicants and certificate holders), keyed by their USCC (R-ID-1, R-APP-1, R-APP-5)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from registry import rules, text
from registry.base import RegistryAggregate
from registry.errors import InvalidInput, RuleViolation
from registry.identifiers import organization_id, validate_uscc
from registry.values import Actor, CaseKind


class Organization(RegistryAggregate):
    class Registered(RegistryAggregate.Created):
        uscc: str
        name: str
        address: str

        def apply(self, org: Organization) -> None:
            org.uscc = self.uscc
            org.name = self.name
            org.address = self.address
            org.cases = []
            org.certificates = []
            org.withdrawn = []
            org.withdrawn_on = None
            org.rectified = False

    class CaseOpened(RegistryAggregate.Event):
        case_id: UUID
        kind: CaseKind

        def apply(self, org: Organization) -> None:
            org.cases.append(self.case_id)

    class CertificateIssued(RegistryAggregate.Event):
        number: str

        def apply(self, org: Organization) -> None:
            org.certificates.append(self.number)

    class DetailsChanged(RegistryAggregate.Event):
        name: str
        address: str
        certificate_number: str

        def apply(self, org: Organization) -> None:
            org.name = self.name
            org.address = self.address

    class CertificateWithdrawn(RegistryAggregate.Event):
        number: str

        def apply(self, org: Organization) -> None:
            org._withdrawn(self.number, self.dated)

    class WithdrawalElsewhereRecorded(RegistryAggregate.Event):
        """R-APP-5: a certificate of the organisation that another body withdrew (dated on the withdrawal), as the
        body learned it from ``source``."""

        from_body: str
        number: str
        source: str
        correctable = {"source": text.PROSE}  # R-REC-6

        def apply(self, org: Organization) -> None:
            org._withdrawn(f"{self.from_body} {self.number}", self.dated)

    class Rectified(RegistryAggregate.Event):
        evidence: str
        correctable = {"evidence": text.PROSE}  # R-REC-6

        def apply(self, org: Organization) -> None:
            org.rectified = True

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        uscc: str
        name: str
        address: str
        cases: list[UUID]
        certificates: list[str]
        withdrawn: list[str]
        withdrawn_on: date | None  # the latest withdrawal's date
        rectified: bool

    def _withdrawn(self, number: str, on: date) -> None:
        self.withdrawn.append(number)
        self.withdrawn_on = on if self.withdrawn_on is None else max(self.withdrawn_on, on)
        self.rectified = False

    @classmethod
    def register(cls, uscc: str, name: str, address: str, *, actor: Actor, now: datetime) -> Organization:
        """R-ID-1 and R-APP-1: a legal entity with a valid USCC, a name and an address."""
        code = validate_uscc(uscc)
        _check_details(name, address)
        rules.check_legal_entity(name, address)
        return cls._create(cls.Registered, id=organization_id(code), uscc=code, name=name.strip(),
                           address=address.strip(), actor=actor, effective_on=None, timestamp=now)

    def withdrawal_gap(self) -> rules.Gap | None:
        """R-APP-5: a withdrawal with no rectification after it; the application is recorded, and refused at
        acceptance."""
        return rules.withdrawal_gap(self.withdrawn, self.rectified)

    def open_case(self, case_id: UUID, kind: CaseKind, applied_on: date, *, actor: Actor, now: datetime) -> None:
        self._record(self.CaseOpened, case_id=case_id, kind=kind, actor=actor, effective_on=applied_on, now=now)

    def note_certificate(self, number: str, issued_on: date, *, actor: Actor, now: datetime) -> None:
        self._record(self.CertificateIssued, number=number, actor=actor, effective_on=issued_on, now=now)

    def change_details(self, name: str, address: str, certificate_number: str, on: date, *, actor: Actor,
                       now: datetime) -> None:
        _check_details(name, address)
        rules.check_legal_entity(name, address)
        if (name, address) != (self.name, self.address):
            self._record(self.DetailsChanged, name=name, address=address, certificate_number=certificate_number,
                         actor=actor, effective_on=on, now=now)

    def note_withdrawal(self, number: str, on: date, *, actor: Actor, now: datetime) -> None:
        self._record(self.CertificateWithdrawn, number=number, actor=actor, effective_on=on, now=now)

    def record_withdrawal_elsewhere(self, from_body: str, number: str, withdrawn_on: date, source: str, *,
                                    actor: Actor, now: datetime) -> None:
        """R-APP-5: a certificate another body withdrew bars a new application here too, until rectified."""
        text.check("from_body", from_body, text.NAME)
        text.check("number", number, text.CODE)
        text.check("source", source, text.PROSE)
        if not (from_body.strip() and number.strip() and source.strip()):
            raise RuleViolation("R-APP-5", "§12", "须写明撤销证书的机构、证书编号和信息来源 / a withdrawal "
                                "recorded from elsewhere names the body, the certificate and where the body learned "
                                "of it")
        if f"{from_body.strip()} {number.strip()}" in self.withdrawn:
            raise InvalidInput("number", f"{from_body} 的证书 {number} 已记录为撤销 / "
                                         f"{number} of {from_body} is recorded as withdrawn already")
        self._record(self.WithdrawalElsewhereRecorded, from_body=from_body.strip(), number=number.strip(),
                     source=source, actor=actor, effective_on=withdrawn_on, now=now)

    def rectify(self, on: date, evidence: str, *, actor: Actor, now: datetime) -> None:
        """R-APP-5: a rectification record showing the cause of a withdrawal removed, dated after it."""
        if not self.withdrawn or self.rectified:
            raise RuleViolation("R-APP-5", "§12",
                                "整改记录针对证书撤销，该组织没有待整改的撤销 / "
                                "a rectification answers a withdrawal; this organisation has none outstanding")
        if not text.check("evidence", evidence, text.PROSE).strip():
            raise InvalidInput("evidence", "整改记录须附证据 / a rectification carries its evidence")
        if self.withdrawn_on is not None and on < self.withdrawn_on:
            raise RuleViolation("R-APP-5", "§12",
                                f"整改记录日期 {on.isoformat()} 早于撤销日期 {self.withdrawn_on.isoformat()}，不能表明"
                                f"撤销的原因已消除 / a rectification dated before the withdrawal "
                                f"({self.withdrawn_on.isoformat()}) does not show its cause removed")
        self._record(self.Rectified, evidence=evidence, actor=actor, effective_on=on, now=now)


def _check_details(name: str, address: str) -> None:
    text.check("name", name, text.NAME)
    text.check("address", address, text.LINE)
