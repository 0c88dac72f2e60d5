"""The scheduler's duties on a certificate (SPEC.md, Scheduler duties): the surveillance notice (R-SURV-1), the
renewal window (R-RECERT-1), the suspension for a missed surveillance audit (R-SURV-4), the ground a major
surveillance nonconformity left open past its due date gives (R-SURV-5 with R-SUS-1 (4), recorded as R-SUS-3
says), the expiry (R-EXP-1) and the cancellation that follows it (R-CAN-1). ``run_duties`` records every duty due
by a day, in date order and none twice, so the scheduler may run late, twice, or catch up after days away; the
events it records are ``Certificate``'s own (registry.certificate).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

from registry import rules
from registry.calendar import add_days
from registry.certificate_state import CertificateState
from registry.values import Actor, CancellationGround, Severity, Status, SuspensionGround


class SchedulerDuties(CertificateState):
    def run_duties(self, today: date, notice_lead_days: int, *, actor: Actor, now: datetime) -> list[str]:
        """Records, in date order, every duty that has fallen due by ``today`` and is not recorded yet: the
        surveillance notice, the renewal window, the suspension for a missed surveillance audit (R-SURV-4), the
        expiry (R-EXP-1) and, on the last of the 30 days R-CAN-1 allows, the cancellation it brings. Answers what it
        recorded; nothing twice."""
        done: list[str] = []
        while (duty := self._next_duty(today, notice_lead_days)) is not None:
            on, name = duty
            if name == "surveillance_notice":
                self._record(self.SurveillanceNoticeRaised, due_by=self.next_due_by, actor=actor, effective_on=on,
                             now=now)
            elif name == "renewal_window":
                self._record(self.RenewalWindowOpened, expires_after=self.valid_until, actor=actor,
                             effective_on=on, now=now)
            elif name == "surveillance_overdue":
                self.suspend_for_overdue_surveillance(on, actor=actor, now=now)
            elif name == "nonconformity_overdue":
                self._ground_overdue_nonconformity(on, today, actor=actor, now=now)
            elif name == "expiry":
                self._record(self.Expired, actor=actor, effective_on=on, now=now)
            else:  # the cancellation the expiry brings, on its due day (R-CAN-1), unless the body recorded it before
                self._record(self.Cancelled, ground=CancellationGround.EXPIRED, detail="有效期届满 validity ended",
                             trigger_on=self.expired_on or on, due_by=on, late=False, actor=actor, effective_on=on,
                             now=now)
            done.append(name)
        return done

    def _next_duty(self, today: date, lead_days: int) -> tuple[date, str] | None:
        if self.status is Status.EXPIRED and self.expired_on is not None:
            # An expired certificate stays expired for the 30 days R-CAN-1 gives the body to cancel it.
            due_by = rules.cancellation_due(self.expired_on)
            return (due_by, "cancellation") if due_by <= today else None
        if self.status not in (Status.VALID, Status.SUSPENDED):
            return None
        due: list[tuple[date, str]] = []
        if today > self.valid_until:
            due.append((add_days(self.valid_until, 1), "expiry"))
        if self.status is Status.VALID:
            if self.overdue_on(today):
                due.append((add_days(self.next_due_by, 1), "surveillance_overdue"))
            notice_on = add_days(self.next_due_by, -lead_days)
            if self.noticed_due_by != self.next_due_by and notice_on <= today:
                due.append((max(notice_on, self.status_since), "surveillance_notice"))
        overdue = self._overdue_nonconformity(today)
        if overdue is not None:
            due.append((add_days(overdue[1], 1), "nonconformity_overdue"))
        window_opens = rules.renewal_window_opens(self.valid_until)
        if not self.renewal_window_opened and self.renewed_by is None and window_opens <= today:
            due.append((window_opens, "renewal_window"))
        return min(due) if due else None

    def _overdue_nonconformity(self, today: date) -> tuple[str, date] | None:
        """The major surveillance nonconformity left open past its due date first, with that date, that no ground
        was recorded for yet (R-SURV-5)."""
        overdue = [(nc["due_by"], ref) for ref, nc in self.surveillance_ncs.items()
                   if nc["severity"] is Severity.MAJOR and nc["closed_on"] is None and not nc.get("grounded")
                   and nc["due_by"] < today]
        return (min(overdue)[1], min(overdue)[0]) if overdue else None

    def _ground_overdue_nonconformity(self, on: date, today: date, *, actor: Actor, now: datetime) -> None:
        """R-SURV-5 with R-SUS-1 (4): a major nonconformity not closed by its due date is a ground for suspension
        or withdrawal, known the day after; recorded as R-SUS-3 records every ground, so R-SUS-1's 7 days run from
        it, tracked. The body decides the measure."""
        found = self._overdue_nonconformity(today)
        assert found is not None
        ref, due_by = found
        self._record(self.GroundRecorded, ground_id=uuid4(), ground=SuspensionGround.UNCORRECTED_NONCONFORMITY,
                     source=f"登记系统：监督审核严重不符合项 {ref} 未在 {due_by.isoformat()} 前关闭 / the registry: "
                            f"major surveillance nonconformity {ref} not closed by {due_by.isoformat()}",
                     detail=str(self.surveillance_ncs[ref]["description"]), due_by=rules.measure_due(on),
                     nonconformity=ref, actor=actor, effective_on=on, now=now)

    def suspend_for_overdue_surveillance(self, today: date, *, actor: Actor, now: datetime) -> bool:
        """R-SURV-4: a surveillance audit not held by its due date suspends the certificate on the next day."""
        # ``today`` may be the day after the due date itself, when the scheduler catches up in date order.
        if self.status is not Status.VALID or not self.overdue_on(today):
            return False
        lapsed_on = add_days(self.next_due_by, 1)
        self._record(self.Suspended, known_on=lapsed_on, ground=SuspensionGround.SURVEILLANCE_OVERDUE,
                     detail=f"surveillance audit due by {self.next_due_by.isoformat()} not held",
                     due_by=lapsed_on, late=False, actor=actor, effective_on=lapsed_on, now=now)
        return True

    def expire(self, today: date, *, actor: Actor, now: datetime) -> bool:
        """R-EXP-1: on the day after the last day of validity, the certificate expires."""
        if self.status not in (Status.VALID, Status.SUSPENDED) or today <= self.valid_until:
            return False
        self._record(self.Expired, actor=actor, effective_on=add_days(self.valid_until, 1), now=now)
        return True
