"""The registry's commands on an issued certificate (§9, §11): surveillance audits, changes, the body's status
changes, and the scheduler's duties, each loading the certificate (and the organisation, where its record follows),
letting the certificate check its rules, and committing. A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from registry.certificate import Certificate
from registry.errors import ConcurrentChange, InvalidInput
from registry.idempotency import Idempotency
from registry.person import person_id
from registry.review_steps import shares
from registry.section import SYSTEM, Section
from registry.values import (
    Actor,
    CancellationGround,
    Changes,
    Nonconformity,
    SurveillanceOutcome,
    SuspensionGround,
    Written,
    parse_enum,
)


class CertificateSteps(Section):
    # Surveillance and status changes (§9, §11)

    def record_surveillance_audit(self, number: str, conducted_on: date, leader: UUID | str,
                                  members: Sequence[UUID | str] = (),
                                  outcome: SurveillanceOutcome | str = SurveillanceOutcome.MAINTAINED,
                                  additional: bool = False, reason: str = "", *, on_site: bool = True,
                                  content: Mapping[str, str] | None = None,
                                  nonconformities: Sequence[Nonconformity] = (),
                                  person_days: Decimal | float | str | None = None, actor: Actor,
                                  idempotency: Idempotency | None = None) -> Written:
        """R-SURV-1..3, R-SURV-5 (on site, the five items of §9.1.3, nonconformities, person-days), R-SURV-6;
        R-GHG-2, R-GHG-4: it takes the data reviewed for it and answers its ``quality_profile``."""
        cert = self.certificate_by_number(number)
        lead = self.person(leader)
        team = self._people(person_id(m) for m in members if person_id(m) != lead.id)
        cert.record_surveillance_audit(conducted_on, [lead, *team], lead, team,
                                       parse_enum(SurveillanceOutcome, outcome, "outcome"), additional, reason,
                                       today=self._today(), actor=actor, now=self.clock.now(), on_site=on_site,
                                       content=content, nonconformities=nonconformities,
                                       person_days=None if person_days is None else _days(person_days),
                                       cycle=self.cycle_functions(cert))
        return self._commit(cert, quality_profile=shares(cert.audit_reviews[-1].quality_profile),
                            idempotency=idempotency)

    def request_change(self, number: str, requested_on: date, changed_on: date, changes: Changes, *,
                       actor: Actor, idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        request_id = cert.request_change(requested_on, changed_on, changes, today=self._today(), actor=actor,
                                         now=self.clock.now())
        return self._commit(cert, request=request_id, idempotency=idempotency)

    def change_certificate(self, number: str, request_id: UUID | str, changed_on: date, *, actor: Actor,
                           idempotency: Idempotency | None = None) -> Written:
        """R-CHG-1: the certificate keeps its number; its version goes up; the organisation's record follows."""
        cert = self.certificate_by_number(number)
        try:
            rid = request_id if isinstance(request_id, UUID) else UUID(str(request_id))
        except ValueError:
            raise InvalidInput("request_id", f"{request_id!r} 不是变更申请编号 / "
                                            f"{request_id!r} is not a change request id") from None
        now = self.clock.now()
        cert.change(rid, changed_on, today=self._today(), actor=actor, now=now)
        org = self.organization_by_uscc(cert.organization.uscc)
        org.change_details(cert.organization.name, cert.organization.address, number, changed_on, actor=actor,
                           now=now)
        return self._commit(cert, org, version=cert.certificate_version, idempotency=idempotency)

    def record_ground(self, number: str, ground: SuspensionGround | str, known_on: date, source: str,
                      detail: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-SUS-3: a ground for suspension or withdrawal became known; answers its id."""
        cert = self.certificate_by_number(number)
        ground_id = cert.record_ground(parse_enum(SuspensionGround, ground, "ground"), known_on, source, detail,
                                       today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(cert, id=ground_id, idempotency=idempotency)

    def suspend(self, number: str, on: date, known_on: date, ground: SuspensionGround | str, detail: str = "", *,
                actor: Actor, idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        cert.suspend(on, known_on, parse_enum(SuspensionGround, ground, "ground"), detail, today=self._today(),
                     actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def reinstate(self, number: str, on: date, evidence: str, *, actor: Actor,
                  idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        cert.reinstate(on, evidence, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def withdraw(self, number: str, on: date, known_on: date, ground: SuspensionGround | str, detail: str = "", *,
                 actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-SUS-1; the organisation may not apply again until rectified (R-APP-5)."""
        cert = self.certificate_by_number(number)
        now = self.clock.now()
        cert.withdraw(on, known_on, parse_enum(SuspensionGround, ground, "ground"), detail, today=self._today(),
                      actor=actor, now=now)
        org = self.organization_by_uscc(cert.organization.uscc)
        org.note_withdrawal(number, on, actor=actor, now=now)
        return self._commit(cert, org, idempotency=idempotency)

    def cancel(self, number: str, on: date, ground: CancellationGround | str, detail: str = "",
               trigger_on: date | None = None, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        cert.cancel(on, parse_enum(CancellationGround, ground, "ground"), detail, today=self._today(), actor=actor,
                    now=self.clock.now(), trigger_on=trigger_on)
        return self._commit(cert, idempotency=idempotency)

    # The scheduler's duties (SPEC.md, Scheduler duties)

    def run_duties(self, number: str, notice_lead_days: int = 30) -> Written | None:
        """The scheduler's duties for one certificate, as of today, in date order (SPEC.md, Scheduler duties).

        Idempotent: what is recorded already is not recorded again; when another scheduler records first, this
        one looks again and finds nothing left to do."""
        for _attempt in range(3):
            cert = self.certificate_by_number(number)
            done = cert.run_duties(self._today(), notice_lead_days, actor=SYSTEM, now=self.clock.now())
            if not done:
                return None
            try:
                return self._commit(cert, duties=done)
            except ConcurrentChange:
                continue
        raise ConcurrentChange(f"执行到期事项期间证书 {number} 一直在变更 / "
                               f"certificate {number} kept changing while its duties were run")

    def expire_if_due(self, number: str) -> Written | None:
        """R-EXP-1 alone: records the expiry on the day after the last day of validity, and no cancellation.
        The scheduler uses ``run_duties``, which also records the cancellation once its 30 days are up (R-CAN-1);
        this single step serves the tests."""
        return self._scheduled(number, lambda cert, now: cert.expire(self._today(), actor=SYSTEM, now=now))

    def suspend_if_surveillance_overdue(self, number: str) -> Written | None:
        """R-SURV-4 alone: suspends on the day after a missed surveillance due date (the scheduler uses
        ``run_duties``, which records every duty due, in date order)."""
        return self._scheduled(number, lambda cert, now: cert.suspend_for_overdue_surveillance(
            self._today(), actor=SYSTEM, now=now))

    def _scheduled(self, number: str, duty: Callable[[Certificate, Any], bool]) -> Written | None:
        cert = self.certificate_by_number(number)
        if not duty(cert, self.clock.now()):
            return None
        return self._commit(cert)


def _days(value: Decimal | float | str) -> Decimal:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput("person_days", f"{value!r} 不是有效的人日数 / "
                                          f"{value!r} is not a number of person-days") from None
