"""The registry's commands on people and organisations: the staff whose registrations, evaluations, violations and
services decide who may audit and decide (R-TEAM-2, R-SOD-1), and the organisations that apply (R-ID-1, R-APP-1,
R-APP-5). A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from registry import rules
from registry.errors import AlreadyExists
from registry.idempotency import Idempotency
from registry.identifiers import validate_uscc
from registry.organization import Organization
from registry.person import Person
from registry.section import Section
from registry.sectors import SectorList
from registry.values import Actor, QualificationKind, RegistrationKind, ServiceKind, Written, parse_enum


class Parties(Section):
    # People (R-TEAM-2, R-SOD-1 facts)

    def enrol_person(self, name: str, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """Records a person; answers its id."""
        person = Person.enrol(name, actor=actor, now=self.clock.now())
        return self._commit(person, person=person.id, idempotency=idempotency)

    def record_registration(self, pid: UUID | str, kind: RegistrationKind | str, number: str, valid_from: date,
                            valid_until: date, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        person = self.person(pid)
        person.record_registration(parse_enum(RegistrationKind, kind, "kind"), number, valid_from, valid_until,
                                   actor=actor, now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_violation(self, pid: UUID | str, on: date, description: str, *, actor: Actor,
                         idempotency: Idempotency | None = None) -> Written:
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_violation(on, description, actor=actor, now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_evaluation(self, pid: UUID | str, on: date, sectors: Sequence[str], *, actor: Actor,
                          idempotency: Idempotency | None = None) -> Written:
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_evaluation(on, tuple(sectors), actor=actor, now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_service(self, pid: UUID | str, client_uscc: str, kind: ServiceKind | str, on: date, *,
                       actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """Training or consulting given to a client: a fact R-SOD-1 is decided from."""
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_service(validate_uscc(client_uscc), parse_enum(ServiceKind, kind, "kind"), on, actor=actor,
                              now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_qualification(self, pid: UUID | str, kind: QualificationKind | str, subject: str, on: date,
                             detail: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-STAFF-1: education, work experience or training (its subject one of ``TrainingSubject``) on record from
        ``on``."""
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_qualification(parse_enum(QualificationKind, kind, "kind"), subject, on, detail, actor=actor,
                                    now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    # The body's sector list (R-TEAM-3)

    def add_sector(self, name: str, code: str, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-TEAM-3: a sector added to the body's list, which applications choose their scope's sectors from."""
        now = self.clock.now()
        found = self.sector_list() or SectorList.start(actor=actor, now=now)
        found.add(name, code, actor=actor, now=now)
        return self._commit(found, idempotency=idempotency)

    # Organisations (R-ID-1, R-APP-1, R-APP-5)

    def register_organization(self, uscc: str, name: str, address: str, *, actor: Actor,
                              idempotency: Idempotency | None = None) -> Written:
        org = Organization.register(uscc, name, address, actor=actor, now=self.clock.now())
        if self._exists(org.id):
            raise AlreadyExists(f"组织 {org.uscc} 已登记 / organisation {org.uscc} is registered already")
        return self._commit(org, organization=org.id, uscc=org.uscc, idempotency=idempotency)

    def record_withdrawal_elsewhere(self, uscc: str, from_body: str, certificate_number: str, withdrawn_on: date,
                                    source: str, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-APP-5: a certificate of the organisation another body withdrew, as the body learned of it."""
        org = self.organization_by_uscc(uscc)
        rules.check_not_future("withdrawn_on", withdrawn_on, self._today())
        org.record_withdrawal_elsewhere(from_body, certificate_number, withdrawn_on, source, actor=actor,
                                        now=self.clock.now())
        return self._commit(org, idempotency=idempotency)

    def record_rectification(self, uscc: str, on: date, evidence: str, *, actor: Actor,
                             idempotency: Idempotency | None = None) -> Written:
        """R-APP-5: the rectification that lets an organisation apply again after a withdrawal."""
        org = self.organization_by_uscc(uscc)
        rules.check_not_future("on", on, self._today())
        org.rectify(on, evidence, actor=actor, now=self.clock.now())
        return self._commit(org, idempotency=idempotency)
