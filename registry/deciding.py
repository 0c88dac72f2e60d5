"""The decision that closes a case (§8.5, §10): a refusal, or a grant that issues the certificate under the next
number of the year's sequence, never one used before (R-DEC-1, R-SOD-1, R-CERT-1..2), on a date the body's CNCA
approval covers, naming it (R-BODY-1). Concurrent grants take
numbers from the same sequence; a grant that lost the race takes the next number. A section of ``Registry``
(registry.section).
"""

from __future__ import annotations

import random
import time
from datetime import date
from typing import Any
from uuid import UUID

from registry.case import Case
from registry.certificate import Certificate
from registry.errors import ConcurrentChange, NotFound
from registry.idempotency import Idempotency
from registry.identifiers import certificate_id, number_sequence_id
from registry.numbering import NumberSequence, sequence_key
from registry.reference import approval_on
from registry.section import SYSTEM, Section
from registry.values import NOBODY, Actor, Written
from registry.values import Organization as OrganizationDetails

DECISION_ATTEMPTS = 20  # a grant's tries at the next certificate number while concurrent decisions take them


class Deciding(Section):
    def decide(self, case_id: UUID | str, decided_on: date, grant: bool, conditions: dict[str, bool | None],
               reasons: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-DEC-1, R-SOD-1; a grant issues the certificate with a number never used before (R-CERT-1..2)."""
        first = self.case_by_id(case_id)
        for attempt in range(DECISION_ATTEMPTS):
            case = self.case_by_id(case_id)
            if case.version != first.version:
                raise ConcurrentChange(f"认证案例 {case_id} 已被另一操作修改，未作任何记录 / "
                                       f"case {case_id} was changed by another command; nothing was written")
            try:
                return self._decide(case, decided_on, grant, conditions, reasons, actor, idempotency=idempotency)
            except ConcurrentChange:
                # Only the number sequence can have moved if the case has not: take the next number and retry,
                # after a random pause, so that deciders who collided do not collide again in step.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
        raise ConcurrentChange("多次尝试后仍无可用的证书编号（同时作出的认证决定，或编号规则会重复已颁发的编号），"
                               "未作任何记录 / "
                               "no free certificate number after several attempts (concurrent decisions, or a number "
                               "pattern that repeats numbers already issued); nothing was written")

    def _decide(self, case: Case, decided_on: date, grant: bool, conditions: dict[str, bool | None], reasons: str,
                actor: Actor, idempotency: Idempotency | None) -> Written:
        now, today = self.clock.now(), self._today()
        old = self.certificate_by_number(case.renewal_of) if case.renewal_of else None
        cycle = self.cycle_functions(old) if old is not None else NOBODY  # R-SOD-1 across the cycle renewed
        unmet = case.check_decision(decided_on, grant, conditions, self._acting_person(actor), today=today,
                                    cycle=cycle)
        if not grant:
            case.refuse(decided_on, conditions, reasons, unmet, actor=actor, now=now)
            return self._commit(case, idempotency=idempotency)
        approval = approval_on(decided_on, self.approvals())  # R-BODY-1
        if old is not None:
            old.check_renewable(decided_on)
        org = self.organization_by_uscc(case.organization_uscc)
        sequence = self._number_sequence(decided_on, now)
        number = sequence.allocate(self.config.number_pattern, self.config.issuer.code, decided_on, actor=actor,
                                   now=now)
        if self._exists(certificate_id(number)):
            # Another decision took this number after we read the sequence: retry with the next one.
            raise ConcurrentChange(f"证书编号 {number} 刚由另一认证决定使用 / "
                                   f"certificate number {number} was just issued to another decision")
        transfer = case.transfer
        cert = Certificate.issue(
            number=number, case_id=case.id,
            organization=OrganizationDetails(uscc=org.uscc, name=org.name, address=org.address),
            scope=case.scope, levels=case.levels, basis=case.basis,
            issuer=self.config.issuer, issued_on=decided_on,
            valid_until=transfer.valid_until if transfer else None, renews=case.renewal_of,
            transferred_from=f"{transfer.from_body} {transfer.certificate_number}" if transfer else None,
            surveillance_from=case.stage2_on if case.renewal_of else None,  # R-RECERT-2
            approval=approval.number, actor=actor, now=now)
        case.grant(decided_on, conditions, reasons, cert.id, number, actor=actor, now=now)
        org.note_certificate(number, decided_on, actor=actor, now=now)
        if old is not None:
            old.note_renewal(number, case.id, decided_on, actor=actor, now=now)
        return self._commit(sequence, case, cert, org, old, certificate=cert.id, certificate_number=number,
                            idempotency=idempotency)

    def _number_sequence(self, on: date, now: Any) -> NumberSequence:
        key = sequence_key(self.config.number_pattern, self.config.issuer.code, on.year)
        try:
            return self._get(NumberSequence, number_sequence_id(key), "number sequence")
        except NotFound:
            return NumberSequence.start(key, actor=SYSTEM, now=now)
