"""People: registrations, violations, competence evaluations, and training or consulting given to clients.

These are the recorded facts from which R-TEAM-2 and R-SOD-1 are decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from registry import text
from registry.base import RegistryAggregate
from registry.calendar import add_years
from registry.errors import InvalidInput
from registry.values import Actor, RegistrationKind, ServiceKind


@dataclass(frozen=True)
class Registration:
    kind: RegistrationKind
    number: str
    valid_from: date
    valid_until: date

    def valid_on(self, d: date) -> bool:
        return self.valid_from <= d <= self.valid_until


@dataclass(frozen=True)
class Service:
    client_uscc: str
    kind: ServiceKind
    on: date


class Person(RegistryAggregate):
    class Enrolled(RegistryAggregate.Created):
        name: str

        def apply(self, person: Person) -> None:
            person.name = self.name
            person.registrations = []
            person.violations = []
            person.evaluations = []
            person.services = []

    class RegistrationRecorded(RegistryAggregate.Event):
        kind: RegistrationKind
        number: str
        valid_from: date
        valid_until: date

        def apply(self, person: Person) -> None:
            person.registrations.append(Registration(self.kind, self.number, self.valid_from, self.valid_until))

    class ViolationRecorded(RegistryAggregate.Event):
        description: str

        def apply(self, person: Person) -> None:
            person.violations.append(self.dated)

    class EvaluationRecorded(RegistryAggregate.Event):
        sectors: tuple[str, ...]

        def apply(self, person: Person) -> None:
            person.evaluations.append(self.dated)

    class ServiceRecorded(RegistryAggregate.Event):
        client_uscc: str
        kind: ServiceKind

        def apply(self, person: Person) -> None:
            person.services.append(Service(self.client_uscc, self.kind, self.dated))

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        name: str
        registrations: list[Registration]
        violations: list[date]
        evaluations: list[date]
        services: list[Service]

    @classmethod
    def enrol(cls, name: str, *, actor: Actor, now: datetime) -> Person:
        if not text.check("name", name, text.NAME).strip():
            raise InvalidInput("name", "a person has a name")
        return cls._create(cls.Enrolled, id=uuid4(), name=name.strip(), actor=actor, effective_on=None,
                           timestamp=now)

    def record_registration(self, kind: RegistrationKind, number: str, valid_from: date, valid_until: date, *,
                            actor: Actor, now: datetime) -> None:
        if valid_until < valid_from:
            raise InvalidInput("valid_until", "a registration cannot end before it begins")
        if not text.check("number", number, text.CODE).strip():
            raise InvalidInput("number", "a registration has a number")
        self._record(self.RegistrationRecorded, kind=kind, number=number.strip(), valid_from=valid_from,
                     valid_until=valid_until, actor=actor, effective_on=valid_from, now=now)

    def record_violation(self, on: date, description: str, *, actor: Actor, now: datetime) -> None:
        text.check("description", description, text.PROSE)
        self._record(self.ViolationRecorded, description=description, actor=actor, effective_on=on, now=now)

    def record_evaluation(self, on: date, sectors: tuple[str, ...], *, actor: Actor, now: datetime) -> None:
        text.check_each("sectors", sectors, text.NAME)
        self._record(self.EvaluationRecorded, sectors=tuple(sectors), actor=actor, effective_on=on, now=now)

    def record_service(self, client_uscc: str, kind: ServiceKind, on: date, *, actor: Actor,
                       now: datetime) -> None:
        self._record(self.ServiceRecorded, client_uscc=client_uscc, kind=kind, actor=actor, effective_on=on,
                     now=now)

    # Facts, as of a date.

    def holds_registration(self, kinds: tuple[RegistrationKind, ...], on: date) -> bool:
        return any(r.kind in kinds and r.valid_on(on) for r in self.registrations)

    def violation_within_two_years_before(self, on: date) -> date | None:
        """The latest violation in the two years up to ``on`` (one exactly two years before does not count)."""
        start = add_years(on, -2)
        inside = [v for v in self.violations if start < v <= on]
        return max(inside) if inside else None

    def evaluated_by(self, on: date) -> bool:
        return any(e <= on for e in self.evaluations)

    def served(self, client_uscc: str, on: date) -> Service | None:
        """Training or consulting given to the client on or before ``on`` (R-SOD-1)."""
        for s in self.services:
            if s.client_uscc == client_uscc and s.on <= on:
                return s
        return None


def person_id(value: UUID | str) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise InvalidInput("person", f"{value!r} is not a person id") from None
