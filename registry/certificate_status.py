"""The body's status changes of a certificate (§11.3, §11.4): suspension, reinstatement, withdrawal and
cancellation. Each command checks its rules here and records its event, ``Certificate.Suspended``,
``Certificate.Reinstated``, ``Certificate.Withdrawn`` or ``Certificate.Cancelled`` (registry.certificate), which
only changes the status. The scheduler's own status changes, the suspension for a missed surveillance audit and
the expiry, are its duties (registry.certificate_duties).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

from registry import rules, text
from registry.certificate_state import CertificateState
from registry.errors import InvalidInput, OutOfOrder, RuleViolation
from registry.values import Actor, CancellationGround, Status, SuspensionGround

# The grounds the body may record; a missed surveillance audit is the scheduler's (R-SURV-4).
MEASURE_GROUNDS = tuple(g for g in SuspensionGround if g is not SuspensionGround.SURVEILLANCE_OVERDUE)


class StatusChanges(CertificateState):
    def record_ground(self, ground: SuspensionGround, known_on: date, source: str, detail: str, *, today: date,
                      actor: Actor, now: datetime) -> UUID:
        """R-SUS-3: a ground for suspension or withdrawal becoming known, recorded as its own fact, with where the
        body learned it: R-SUS-1's 7 days run from ``known_on`` at once, tracked as a deadline, whether or not the
        measure follows the same day. The measure taken on it settles it (``suspend``, ``withdraw``)."""
        text.check("source", source, text.PROSE)
        text.check("detail", detail, text.PROSE)
        self._require("ground for suspension or withdrawal", Status.VALID, Status.SUSPENDED)
        self._within_validity("known_on", known_on, today)
        if ground not in MEASURE_GROUNDS:
            raise InvalidInput("ground", "“监督审核逾期”由系统按期记录，不能手工录入（R-SURV-4） / "
                                        "surveillance_overdue is the scheduler's own ground (R-SURV-4)")
        if not source.strip():
            raise RuleViolation("R-SUS-3", "§11.3", "须写明理由的来源（谁报告、在何处获知）/ the ground's source is "
                                "recorded: who reported it, or where the body learned of it")
        ground_id = uuid4()
        self._record(self.GroundRecorded, ground_id=ground_id, ground=ground, source=source, detail=detail,
                     due_by=rules.measure_due(known_on), actor=actor, effective_on=known_on, now=now)
        return ground_id

    def _measure(self, on: date, known_on: date, ground: SuspensionGround, today: date) -> tuple[date, bool]:
        self._within_validity("on", on, today)
        rules.check_not_before("on", on, "known_on", known_on)
        rules.check_not_before("on", on, "the status change", self.status_since)
        if ground not in MEASURE_GROUNDS:
            raise InvalidInput("ground", "“监督审核逾期”由系统按期记录，不能手工录入（R-SURV-4） / "
                                        "surveillance_overdue is the scheduler's own ground (R-SURV-4)")
        recorded = min((g["known_on"] for g in self.open_grounds().values()), default=None)
        if recorded is not None and known_on > recorded:
            # R-SUS-3: the 7 days run from the ground recorded first; a later date would hide a late measure.
            raise RuleViolation("R-SUS-3", "§11.3",
                                f"已记录的理由于 {recorded.isoformat()} 获知，措施的获知日期不得晚于该日 / a ground "
                                f"was recorded as known on {recorded.isoformat()}: the measure's known_on cannot be "
                                "later")
        due = rules.measure_due(known_on)
        return due, on > due

    def suspend(self, on: date, known_on: date, ground: SuspensionGround, detail: str, *, today: date,
                actor: Actor, now: datetime) -> None:
        """R-SUS-1: suspension on a ground of §11.3, due within 7 days of it becoming known; published at once."""
        text.check("detail", detail, text.PROSE)
        self._require("suspension", Status.VALID)
        due, late = self._measure(on, known_on, ground, today)
        self._record(self.Suspended, known_on=known_on, ground=ground, detail=detail, due_by=due, late=late,
                     grounds=tuple(self.open_grounds()), actor=actor, effective_on=on, now=now)

    def reinstate(self, on: date, evidence: str, *, today: date, actor: Actor, now: datetime) -> None:
        """R-SUS-2 and R-SURV-4: a suspended certificate is reinstated once its cause is corrected."""
        text.check("evidence", evidence, text.PROSE)
        if self.status is Status.WITHDRAWN:
            raise RuleViolation("R-SUS-2", "§11.3", f"证书 {self.number} 已撤销，撤销的证书不可恢复 / "
                                f"certificate {self.number} was withdrawn; it is never reinstated")
        self._require("reinstatement", Status.SUSPENDED)
        rules.check_not_future("on", on, today)
        rules.check_not_before("on", on, "the suspension", self.status_since)
        if not evidence.strip():
            raise RuleViolation("R-SUS-2", "§11.3", "恢复证书须记录暂停原因已纠正的证据 / "
                                "reinstatement records the evidence that the cause is corrected")
        if self.overdue_on(on):
            raise RuleViolation("R-SURV-4", "§11.1",
                                f"{on.isoformat()} 时监督审核已逾期（应于 "
                                f"{self.surveillance_due_as_of(on).isoformat()} 前进行，此后未进行审核）："
                                "须先进行监督审核，证书方可恢复有效 / "
                                f"on {on.isoformat()} surveillance was overdue (due by "
                                f"{self.surveillance_due_as_of(on).isoformat()}, no audit held since): the certificate "
                                "cannot be valid again before the audit is held")
        if on > self.valid_until:
            raise OutOfOrder(f"证书 {self.number} 已于 {self.valid_until.isoformat()} 有效期届满 / "
                             f"certificate {self.number} ran out on {self.valid_until.isoformat()}")
        overdue = self.overdue_majors(on)
        if overdue:
            # R-SURV-5, R-SUS-1 (4): a major nonconformity left open past its due date is a ground that still stands.
            raise RuleViolation("R-SURV-5", "§11.3 (4)",
                                f"严重不符合项逾期未关闭：{'、'.join(overdue)}，暂停的原因未消除 / "
                                f"major nonconformities open past their due date: {', '.join(overdue)}; the cause is "
                                "not corrected")
        self._record(self.Reinstated, evidence=evidence, actor=actor, effective_on=on, now=now)

    def withdraw(self, on: date, known_on: date, ground: SuspensionGround, detail: str, *, today: date,
                 actor: Actor, now: datetime) -> None:
        """R-SUS-1: withdrawal on a ground of §11.3, due within 7 days of it becoming known; terminal."""
        text.check("detail", detail, text.PROSE)
        self._require("withdrawal", Status.VALID, Status.SUSPENDED)
        due, late = self._measure(on, known_on, ground, today)
        self._record(self.Withdrawn, known_on=known_on, ground=ground, detail=detail, due_by=due, late=late,
                     grounds=tuple(self.open_grounds()), actor=actor, effective_on=on, now=now)

    def cancel(self, on: date, ground: CancellationGround, detail: str, *, today: date, actor: Actor,
               now: datetime, trigger_on: date | None = None) -> None:
        """R-CAN-1, R-CAN-2: cancellation within 30 days of its trigger (the expiry, the client's request or another
        ground), whose date it names; terminal."""
        text.check("detail", detail, text.PROSE)
        self._require("cancellation", Status.VALID, Status.SUSPENDED, Status.EXPIRED)
        rules.check_not_future("on", on, today)
        rules.check_not_before("on", on, "the status change", self.status_since)
        if ground is CancellationGround.EXPIRED:
            if self.expired_on is None:
                raise RuleViolation("R-CAN-1", "§11.4 (1)",
                                    f"证书 {self.number} 尚未过期，有效期至 {self.valid_until.isoformat()} / "
                                    f"certificate {self.number} has not expired; it runs until "
                                    f"{self.valid_until.isoformat()}")
            trigger = self.expired_on
        else:
            if trigger_on is None:
                raise RuleViolation("R-CAN-2", "§11.4",
                                    "注销须写明触发事由的日期（客户申请之日或其他事由发生之日），30 日自该日起算 / a "
                                    "cancellation names its trigger's date (the client's request, or the other "
                                    "ground's), from which its 30 days run")
            trigger = trigger_on
            rules.check_not_before("on", on, "the ground's date", trigger)
        if ground is not CancellationGround.EXPIRED and not detail.strip():
            raise InvalidInput("detail", "依此事由注销须写明具体情况 / "
                                        "a cancellation on this ground records its detail")
        due = rules.cancellation_due(trigger)
        self._record(self.Cancelled, ground=ground, detail=detail, trigger_on=trigger, due_by=due, late=on > due,
                     actor=actor, effective_on=on, now=now)
