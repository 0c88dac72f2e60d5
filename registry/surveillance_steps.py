"""The registry's surveillance commands beside the audit itself (registry.certificate_steps): the surveillance
programme (R-SURV-5), a major change or incident (R-SURV-6), and the closure of a surveillance audit's
nonconformity (R-SURV-5). A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from datetime import date

from registry.idempotency import Idempotency
from registry.section import Section
from registry.values import Actor, IncidentKind, Written, parse_enum


class SurveillanceSection(Section):
    def set_surveillance_programme(self, number: str, frequency_months: int, basis: str,
                                   on: date | None = None, *, actor: Actor,
                                   idempotency: Idempotency | None = None) -> Written:
        """R-SURV-5: the certificate's surveillance programme, as of ``on`` (today when not given)."""
        cert = self.certificate_by_number(number)
        today = self._today()
        cert.set_surveillance_programme(frequency_months, basis, on or today, today=today, actor=actor,
                                        now=self.clock.now())
        return self._commit(cert, next_due_by=cert.next_due_by.isoformat(), idempotency=idempotency)

    def record_incident(self, number: str, kind: IncidentKind | str, occurred_on: date, reported_on: date,
                        description: str, additional_audit_due_by: date, *, actor: Actor,
                        idempotency: Idempotency | None = None) -> Written:
        """R-SURV-6: a major change or incident, and the additional surveillance audit it adds; answers its id."""
        cert = self.certificate_by_number(number)
        incident = cert.record_incident(parse_enum(IncidentKind, kind, "kind"), occurred_on, reported_on,
                                        description, additional_audit_due_by, today=self._today(), actor=actor,
                                        now=self.clock.now())
        return self._commit(cert, id=incident, idempotency=idempotency)

    def close_surveillance_nonconformity(self, number: str, ref: str, closed_on: date, evidence: str, *,
                                         actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-SURV-5: a surveillance audit's nonconformity closed by its team, with the evidence."""
        cert = self.certificate_by_number(number)
        cert.close_surveillance_nonconformity(ref, closed_on, evidence, today=self._today(), actor=actor,
                                              now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)
