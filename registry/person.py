"""People: registrations, violations, competence evaluations, and training or consulting given to clients.

These are the recorded facts from which R-TEAM-2 and R-SOD-1 are decided.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from registry import text
from registry.base import RegistryAggregate
from registry.calendar import add_years
from registry.errors import InvalidInput
from registry.values import Actor, QualificationKind, RegistrationKind, ServiceKind, TrainingSubject


@dataclass(frozen=True)
class Registration:
    kind: RegistrationKind
    number: str
    valid_from: date
    valid_until: date

    def valid_on(self, d: date) -> bool:
        return self.valid_from <= d <= self.valid_until


@dataclass(frozen=True)
class Qualification:
    """Education, work experience or training on record (R-STAFF-1, §5.2), as of ``on``."""

    kind: QualificationKind
    subject: str
    detail: str
    on: date
    version: int = 0  # the person's event that recorded it, which a correction names (R-REC-6)


@dataclass(frozen=True)
class Violation:
    """A violation on record (§5.1, R-TEAM-2), as described, the correction's words once corrected (R-REC-6)."""

    on: date
    description: str
    version: int


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
            person.violation_records = []
            person.evaluations = []
            person.services = []
            person.qualifications = []
            person.evaluated_sectors = []

    class RegistrationRecorded(RegistryAggregate.Event):
        kind: RegistrationKind
        number: str
        valid_from: date
        valid_until: date

        def apply(self, person: Person) -> None:
            person.registrations.append(Registration(self.kind, self.number, self.valid_from, self.valid_until))

    class ViolationRecorded(RegistryAggregate.Event):
        description: str
        correctable = {"description": text.PROSE}  # R-REC-6

        def apply(self, person: Person) -> None:
            person.violations.append(self.dated)
            person.violation_records.append(Violation(self.dated, self.description, self.originator_version))

    class EvaluationRecorded(RegistryAggregate.Event):
        sectors: tuple[str, ...]

        def apply(self, person: Person) -> None:
            person.evaluations.append(self.dated)
            person.evaluated_sectors.append((self.dated, tuple(self.sectors)))

    class ServiceRecorded(RegistryAggregate.Event):
        client_uscc: str
        kind: ServiceKind

        def apply(self, person: Person) -> None:
            person.services.append(Service(self.client_uscc, self.kind, self.dated))

    class QualificationRecorded(RegistryAggregate.Event):
        """R-STAFF-1: education, work experience or training on record from its date."""

        kind: QualificationKind
        subject: str
        detail: str
        correctable = {"detail": text.PROSE}  # R-REC-6

        def apply(self, person: Person) -> None:
            person.qualifications.append(Qualification(self.kind, self.subject, self.detail, self.dated,
                                                       self.originator_version))

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        name: str
        registrations: list[Registration]
        violations: list[date]
        violation_records: list[Violation]  # the same, with what they were (issue 24)
        evaluations: list[date]
        services: list[Service]
        qualifications: list[Qualification]
        evaluated_sectors: list[tuple[date, tuple[str, ...]]]

    @classmethod
    def enrol(cls, name: str, *, actor: Actor, now: datetime) -> Person:
        if not text.check("name", name, text.NAME).strip():
            raise InvalidInput("name", "须填写人员姓名 / a person has a name")
        return cls._create(cls.Enrolled, id=uuid4(), name=name.strip(), actor=actor, effective_on=None,
                           timestamp=now)

    def record_registration(self, kind: RegistrationKind, number: str, valid_from: date, valid_until: date, *,
                            actor: Actor, now: datetime) -> None:
        if valid_until < valid_from:
            raise InvalidInput("valid_until", "注册的有效期止不能早于有效期起 / "
                                              "a registration cannot end before it begins")
        if not text.check("number", number, text.CODE).strip():
            raise InvalidInput("number", "须填写注册号 / a registration has a number")
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

    def record_qualification(self, kind: QualificationKind, subject: str, on: date, detail: str, *, actor: Actor,
                             now: datetime) -> None:
        """R-STAFF-1: a training's subject is one of the three trainings the rule names (``TrainingSubject``);
        education and work experience name theirs in words."""
        text.check("subject", subject, text.NAME)
        text.check("detail", detail, text.PROSE)
        subject = subject.strip()
        if kind is QualificationKind.TRAINING:
            subject = TrainingSubject(subject).value if subject in {t.value for t in TrainingSubject} else ""
            if not subject:
                raise InvalidInput("subject", "培训的科目应为碳足迹、生命周期评价或认证技术之一 / "
                                   "a training's subject is one of " + ", ".join(t.value for t in TrainingSubject))
        elif not subject:
            raise InvalidInput("subject", "请填写学历专业或工作经历 / the education or work experience is named")
        self._record(self.QualificationRecorded, kind=kind, subject=subject, detail=detail.strip(), actor=actor,
                     effective_on=on, now=now)

    def take_correction(self, event_name: str, version: int, changes: dict[str, str]) -> None:
        """R-REC-6: a qualification's corrected detail is what the person's record says of it from then on."""
        if event_name == "QualificationRecorded" and "detail" in changes:
            self.qualifications = [dataclasses.replace(q, detail=changes["detail"]) if q.version == version else q
                                   for q in self.qualifications]
        if event_name == "ViolationRecorded" and "description" in changes:
            self.violation_records = [dataclasses.replace(v, description=changes["description"])
                                      if v.version == version else v for v in self.violation_records]

    # Facts, as of a date.

    def qualifications_on(self, on: date) -> list[Qualification]:
        return [q for q in self.qualifications if q.on <= on]

    def sectors_evaluated_by(self, on: date) -> set[str]:
        """The sectors of every competence evaluation dated on or before ``on`` (R-TEAM-3)."""
        return {s for d, sectors in self.evaluated_sectors if d <= on for s in sectors}

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
        raise InvalidInput("person", f"{value!r} 不是人员编号 / {value!r} is not a person id") from None
