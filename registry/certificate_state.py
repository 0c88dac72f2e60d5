"""What a certificate knows, and the guards and queries its commands share.

``Certificate`` (``registry.certificate``) is composed of this base, its status changes
(``registry.certificate_status``) and the scheduler's duties (``registry.certificate_duties``). Its events stay on
``Certificate`` itself, because the log stores each by its class's module and qualified name
(``registry.certificate:Certificate.Suspended``), and logs already written must still load. So this base and the
mixins hold methods only: the state the events set, and the event classes the mixins record, are declared here for
the type checker alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from registry import labels, rules
from registry.calendar import add_months
from registry.errors import OutOfOrder
from registry.values import Status

if TYPE_CHECKING:
    from registry.base import RegistryAggregate
    from registry.values import (
        Actor,
        Basis,
        Changes,
        Issuer,
        Organization,
        ScopeLevel,
        SurveillanceOutcome,
        SuspensionGround,
    )


class CertificateState:
    if TYPE_CHECKING:
        # Set by the events' apply methods (registry.certificate): the library would make annotated aggregates
        # dataclasses with these as __init__ fields, so they are declared for the type checker only.
        number: str
        case_ids: list[UUID]
        organization: Organization
        scope: str
        levels: tuple[ScopeLevel, ...]
        basis: Basis
        issuer: Issuer
        approval: str | None  # R-BODY-1: the body's CNCA approval number it was issued under
        issued_on: date
        valid_until: date
        next_due_by: date
        first_due_by: date
        renews: str | None
        renewed_by: str | None
        status: Status
        status_since: date
        suspension_ground: SuspensionGround | None
        audits: list[tuple[date, SurveillanceOutcome]]
        regular_audits: list[date]  # R-SURV-1: the audits the regular clock runs from (not the additional ones)
        surveillance_auditors: set[UUID]  # R-SOD-1: everyone on its surveillance teams
        certificate_version: int
        change_requests: dict[UUID, tuple[Changes, date, date | None]]
        expired_on: date | None
        noticed_due_by: date | None
        renewal_window_opened: bool
        versions: list[dict[str, Any]]
        # R-SURV-5, R-SURV-6 (registry.surveillance): programmes (since, months, basis), what the first
        # surveillance counts from, incidents by id, and surveillance nonconformities by ref.
        programmes: list[tuple[date, int, str]]
        counts_from: date
        incidents: dict[UUID, dict[str, Any]]
        surveillance_ncs: dict[str, dict[str, Any]]
        # R-SUS-3 (registry.certificate_status): the grounds for suspension or withdrawal recorded, by id.
        grounds: dict[UUID, dict[str, Any]]

        # The events the mixins record, defined on Certificate.
        GroundRecorded: ClassVar[type[RegistryAggregate.Event]]
        Suspended: ClassVar[type[RegistryAggregate.Event]]
        Reinstated: ClassVar[type[RegistryAggregate.Event]]
        Withdrawn: ClassVar[type[RegistryAggregate.Event]]
        Expired: ClassVar[type[RegistryAggregate.Event]]
        Cancelled: ClassVar[type[RegistryAggregate.Event]]
        SurveillanceNoticeRaised: ClassVar[type[RegistryAggregate.Event]]
        RenewalWindowOpened: ClassVar[type[RegistryAggregate.Event]]

        # RegistryAggregate._record, which Certificate inherits beside the mixins.
        def _record(self, event_class: type[Any], *, actor: Actor, effective_on: date | None, now: datetime,
                    **fields: Any) -> None: ...

        # registry.surveillance.SurveillanceSteps, which Certificate inherits beside the mixins.
        def frequency_as_of(self, d: date) -> int: ...
        def overdue_majors(self, on: date) -> list[str]: ...

    def _set_status(self, status: Status, since: date) -> None:
        self.status = status
        self.status_since = since

    def open_grounds(self) -> dict[UUID, dict[str, Any]]:
        """R-SUS-3: the grounds recorded that no measure has been taken on yet."""
        return {gid: g for gid, g in self.grounds.items() if g["settled_on"] is None}

    def _settle_grounds(self, grounds: tuple[UUID, ...], on: date) -> None:
        for gid in grounds:
            self.grounds[gid]["settled_on"] = on

    def _require(self, step: str, *statuses: Status) -> None:
        if self.status not in statuses:
            now = labels.zh(labels.STATUSES, self.status.value)
            if self.status.terminal:
                raise OutOfOrder(f"证书 {self.number} 已{now}，不能再进行{labels.step(step)} / "
                                 f"certificate {self.number} is {self.status.value}: it accepts no {step}")
            raise OutOfOrder(f"证书 {self.number} 的状态为{now}，{labels.step(step)}须在证书"
                             f"{'或'.join(labels.zh(labels.STATUSES, s.value) for s in statuses)}时进行 / "
                             f"certificate {self.number} is {self.status.value}: {step} needs it "
                             + " or ".join(s.value for s in statuses))

    def _within_validity(self, field: str, d: date, today: date) -> None:
        rules.check_not_future(field, d, today)
        rules.check_not_before(field, d, "the issue date", self.issued_on)
        if d > self.valid_until:
            # Past its last day the certificate has expired (R-EXP-1), whether or not the expiry is recorded yet.
            raise OutOfOrder(f"证书 {self.number} 已于 {self.valid_until.isoformat()} 有效期届满，"
                             f"{d.isoformat()} 只能记录其过期和注销 / "
                             f"certificate {self.number} ran out on {self.valid_until.isoformat()}; "
                             f"on {d.isoformat()} it accepts only its expiry and cancellation")

    def surveillance_due_as_of(self, d: date) -> date:
        """R-SURV-1, R-SURV-5: the due date that applied on ``d``: the frequency of the programme in force then (12
        months without one) after the last audit held by then, or after what the first one counts from."""
        held = [conducted for conducted in self.regular_audits if conducted <= d]
        months = self.frequency_as_of(d)
        if not held and months == 12:
            return self.first_due_by
        return add_months(max(held) if held else self.counts_from, months)

    def overdue_on(self, d: date) -> bool:
        """R-SURV-4: surveillance is overdue on every day after the due date that applied on that day."""
        return d > self.surveillance_due_as_of(d)

    def open_deadlines(self) -> list[dict[str, Any]]:
        """What is due on this certificate, by rule: surveillance, changes requested, cancellation after expiry."""
        due: list[dict[str, Any]] = []
        if self.status in (Status.VALID, Status.SUSPENDED):
            due.append({"rule": "R-SURV-1", "subject": "surveillance audit", "due_on": self.next_due_by})
        for request_id, (_, requested_on, done) in self.change_requests.items():
            if done is None and self.status in (Status.VALID, Status.SUSPENDED):
                due.append({"rule": "R-CHG-1", "subject": f"change request {request_id}",
                            "due_on": rules.change_due(requested_on)})
        if self.status in (Status.VALID, Status.SUSPENDED):
            due.extend({"rule": "R-SURV-6", "subject": f"additional surveillance audit ({i['kind'].value})",
                        "due_on": i["due_by"]} for i in self.incidents.values() if i["met_on"] is None)
            due.extend({"rule": "R-SURV-5", "subject": f"nonconformity {ref} corrected", "due_on": nc["due_by"]}
                       for ref, nc in self.surveillance_ncs.items() if nc["closed_on"] is None)
            due.extend({"rule": "R-SUS-3", "subject": f"measure on the ground known on {g['known_on'].isoformat()} "
                        f"({g['ground'].value})", "due_on": g["due_by"]} for g in self.open_grounds().values())
        if self.status is Status.EXPIRED and self.expired_on is not None:
            due.append({"rule": "R-CAN-1", "subject": "cancellation after expiry",
                        "due_on": rules.cancellation_due(self.expired_on)})
        return due
