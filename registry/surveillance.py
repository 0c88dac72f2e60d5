"""Surveillance of a certificate beyond its due dates (§9.1): the surveillance programme and its frequency
(R-SURV-5), the substance of a surveillance audit — on site, the five items of §9.1.3, its nonconformities with
their due dates and closures, its person-days (R-SURV-5) — and the major changes and incidents that add an audit
with its own due date (R-SURV-6).

The rules are pure functions here; the commands are ``SurveillanceSteps``, a mixin of ``Certificate``
(registry.certificate), whose events stay on ``Certificate`` (the log stores each by its class's qualified name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid4

from registry import rules, text
from registry.calendar import add_months
from registry.errors import InvalidInput, NotPermitted, OutOfOrder, RuleViolation
from registry.surveillance_review import SurveillanceReview
from registry.values import (
    NOBODY,
    SURVEILLANCE_CONTENT,
    Actor,
    Functions,
    IncidentKind,
    Nonconformity,
    Severity,
    Status,
    SurveillanceOutcome,
    Team,
)

if TYPE_CHECKING:
    from registry.base import RegistryAggregate
    from registry.person import Person

REGULAR_MONTHS = 12  # R-SURV-1: without a programme, ≤ 12 months between two surveillance audits


# Rules (pure)


def check_frequency(frequency_months: int, basis: str) -> None:
    """R-SURV-5: the programme's frequency is 1 to 12 months and records what it follows (size, scope, complexity,
    maturity)."""
    if isinstance(frequency_months, bool) or not isinstance(frequency_months, int) \
            or not 1 <= frequency_months <= REGULAR_MONTHS:
        raise RuleViolation("R-SURV-5", "§9.1.2",
                            f"监督审核频次为 1 至 12 个月，不是 {frequency_months!r} / the surveillance frequency is "
                            f"1 to 12 months, not {frequency_months!r}")
    if not basis.strip():
        raise RuleViolation("R-SURV-5", "§9.1.2",
                            "监督审核方案须记录其依据（规模、范围、复杂程度、成熟度） / the surveillance programme "
                            "records what its frequency follows (size, scope, complexity, maturity)")


def surveillance_due(since: date, frequency_months: int) -> date:
    """R-SURV-1, R-SURV-5: the next surveillance audit is due ``frequency_months`` after ``since``."""
    return add_months(since, frequency_months)


def check_surveillance_substance(on_site: bool, content: Mapping[str, str] | None,
                                 nonconformities: Sequence[Nonconformity], person_days: Decimal | None,
                                 conducted_on: date) -> None:
    """R-SURV-5: a surveillance audit is on site; its report covers the five items of §9.1.3; each nonconformity
    has its own ref and a due date on or after the audit; the person-days spent are recorded."""
    if not on_site:
        raise RuleViolation("R-SURV-5", "§9.1.3", "监督审核应在现场进行 / a surveillance audit is conducted on site")
    missing = [item for item in SURVEILLANCE_CONTENT if not str((content or {}).get(item) or "").strip()]
    if missing:
        raise RuleViolation("R-SURV-5", "§9.1.3",
                            f"监督审核报告未覆盖：{'、'.join(missing)} / "
                            f"the surveillance audit's report does not cover {', '.join(missing)}")
    unknown = sorted(set(content or {}) - set(SURVEILLANCE_CONTENT))
    if unknown:
        raise InvalidInput("content", f"content 只含 §9.1.3 的五项 / content holds the five items of §9.1.3 only, "
                                      f"not {', '.join(unknown)}")
    refs = [nc.ref for nc in nonconformities]
    if len(set(refs)) != len(refs) or any(not r.strip() for r in refs):
        raise InvalidInput("nonconformities", "每项不符合有各自的编号 / each nonconformity has its own, non-empty ref")
    for nc in nonconformities:
        if nc.due_by is None:
            raise RuleViolation("R-SURV-5", "§9.1.3 (5)",
                                f"不符合项 {nc.ref} 须有纠正期限 / nonconformity {nc.ref} records the date its "
                                "correction is due by")
        rules.check_not_before(f"nonconformities.{nc.ref}.due_by", nc.due_by, "conducted_on", conducted_on)
    if person_days is None or not person_days.is_finite() or person_days <= 0:
        raise RuleViolation("R-SURV-5", "§8.3.3",
                            "监督审核须记录实际审核人日 / a surveillance audit records the person-days spent")


# The certificate's commands


class SurveillanceSteps(SurveillanceReview):
    if TYPE_CHECKING:
        SurveillanceAuditRecorded: ClassVar[type[RegistryAggregate.Event]]
        SurveillanceProgrammeSet: ClassVar[type[RegistryAggregate.Event]]
        IncidentRecorded: ClassVar[type[RegistryAggregate.Event]]
        SurveillanceNonconformityClosed: ClassVar[type[RegistryAggregate.Event]]

    def record_surveillance_audit(self, conducted_on: date, team: Sequence[Person], leader: Person,
                                  members: Sequence[Person], outcome: SurveillanceOutcome, additional: bool,
                                  reason: str, *, today: date, actor: Actor, now: datetime,
                                  recertification_case: UUID | None = None, on_site: bool = True,
                                  content: Mapping[str, str] | None = None,
                                  nonconformities: Sequence[Nonconformity] = (),
                                  person_days: Decimal | None = None, cycle: Functions = NOBODY) -> None:
        """R-SURV-1..3, R-SURV-5: a surveillance audit by a qualified team, on site, covering the five items of
        §9.1.3, resets the next due date to the programme's frequency on; R-SURV-6: it is the additional audit of
        every incident reported by then; R-GHG-2, R-GHG-4: it takes the data reviewed for it, at least one
        activity-data item, with its quality profile (registry.surveillance_review). A recertification audit
        (stage 2 of a renewal case) counts as one; its substance and data review are the renewal case's
        (R-RECERT-2). R-SOD-1: no one on the team reviewed the client's intake or decided on it in this cycle
        (``cycle``: who performed each function in it)."""
        text.check_count("members", members)
        text.check("reason", reason, text.PROSE)
        text.check_mapping("content", content or {}, text.CODE, text.PROSE)
        text.check_records("nonconformities", nonconformities, text.FINDINGS, ref=text.CODE, description=text.PROSE)
        self._require("surveillance audit", Status.VALID, Status.SUSPENDED)
        self._within_validity("conducted_on", conducted_on, today)
        if conducted_on > self.valid_until:
            raise InvalidInput("conducted_on", "监督审核须在证书有效期内进行 / "
                                              "a surveillance audit falls within the certificate's validity")
        if self.audits and conducted_on < self.audits[-1][0]:
            raise InvalidInput("conducted_on", "监督审核须按日期顺序记录 / "
                                              "surveillance audits are recorded in date order")
        if additional and not reason.strip():
            raise RuleViolation("R-SURV-2", "§9.1.1 (2)",
                                "增加的监督审核须记录其所因的重大变化或重大事故 / "
                                "an additional surveillance audit records the major change or incident behind it")
        if recertification_case is None:
            check_surveillance_substance(on_site, content, nonconformities, person_days, conducted_on)
            self.check_new_nonconformities(nonconformities)
            if nonconformities:
                outcome = SurveillanceOutcome.NONCONFORMITIES
            elif outcome is SurveillanceOutcome.NONCONFORMITIES:
                raise RuleViolation("R-SURV-5", "§9.1.3",
                                    "发现不符合项的监督审核须逐项记录 / a surveillance audit that found "
                                    "nonconformities records each of them")
            # R-SURV-3: surveillance audits use the R-TEAM rules (a recertification's team was checked already).
            rules.check_team(leader, members, (), conducted_on, "surveillance audit")
            if actor.person not in [p.id for p in team]:
                raise NotPermitted("只有监督审核组的成员才能记录该次监督审核 / "
                                   "only a member of the surveillance team records its audit")
            for person in team:
                rules.check_separate(person, "audit", self.organization.uscc, conducted_on, intake=cycle.intake,
                                     decision=cycle.decision)
            profile = self.check_surveillance_data_reviewed(conducted_on)  # R-GHG-2, R-GHG-4
        else:
            profile = None
        record = Team(leader=leader.id, members=tuple(m.id for m in members))
        self._record(self.SurveillanceAuditRecorded, team=record, outcome=outcome, additional=additional,
                     reason=reason, recertification_case=recertification_case,
                     # R-SURV-1, R-SURV-6: an additional audit does not move the regular one
                     next_due_by=self.next_due_by if additional else surveillance_due(conducted_on,
                                                                                      self.frequency_as_of(today)),
                     on_site=on_site, content=dict(content) if content is not None else None,
                     nonconformities=tuple(nonconformities), person_days=person_days,
                     incidents_met=self.incidents_met_by(conducted_on), quality_profile=profile, actor=actor,
                     effective_on=conducted_on, now=now)

    def frequency_as_of(self, d: date) -> int:
        """R-SURV-5: the frequency of the programme in force on ``d`` (12 months while there is none)."""
        held = [months for since, months, _ in self.programmes if since <= d]
        return held[-1] if held else REGULAR_MONTHS

    def set_surveillance_programme(self, frequency_months: int, basis: str, on: date, *, today: date,
                                   actor: Actor, now: datetime) -> None:
        """R-SURV-5: the certificate's surveillance programme; the due dates follow its frequency from the last
        surveillance audit (or from what the first one counts from). It never makes an audit overdue already."""
        text.check("basis", basis, text.PROSE)
        check_frequency(frequency_months, basis)
        self._require("surveillance programme", Status.VALID, Status.SUSPENDED)
        self._within_validity("on", on, today)
        if self.programmes:
            rules.check_not_before("on", on, "the programme before", self.programmes[-1][0])
        # From the last regular audit (an audit is never recorded after a later one), or what the first counts from.
        since = self.regular_audits[-1] if self.regular_audits else self.counts_from
        due = surveillance_due(since, frequency_months)
        if due < on:
            raise RuleViolation("R-SURV-5", "§9.1.2",
                                f"按 {frequency_months} 个月的频次，监督审核应于 {due.isoformat()} 前进行，"
                                f"早于方案日期 {on.isoformat()}：先进行监督审核 / at {frequency_months} months from "
                                f"{since.isoformat()} an audit would have been due by {due.isoformat()}, before the "
                                "programme's date: hold the audit first")
        self._record(self.SurveillanceProgrammeSet, frequency_months=frequency_months, basis=basis,
                     next_due_by=due, actor=actor, effective_on=on, now=now)

    def record_incident(self, kind: IncidentKind, occurred_on: date, reported_on: date, description: str,
                        additional_audit_due_by: date, *, today: date, actor: Actor, now: datetime) -> UUID:
        """R-SURV-6: a major change or incident, as the client reported it or the body learned of it; it adds a
        surveillance audit due by its own date and leaves the regular due date as it is."""
        text.check("description", description, text.PROSE)
        self._require("incident", Status.VALID, Status.SUSPENDED)
        self._within_validity("reported_on", reported_on, today)
        rules.check_not_future("occurred_on", occurred_on, today)
        rules.check_not_before("reported_on", reported_on, "occurred_on", occurred_on)
        if not description.strip():
            raise RuleViolation("R-SURV-6", "§9.1.1 (2)",
                                "须记录重大变化或事故的情况 / the major change or incident is described")
        if additional_audit_due_by < reported_on:
            raise RuleViolation("R-SURV-6", "§9.1.1 (2)",
                                f"增加的监督审核期限 {additional_audit_due_by.isoformat()} 早于报告日期 "
                                f"{reported_on.isoformat()} / the additional audit cannot be due before the "
                                "incident was reported")
        if additional_audit_due_by > self.valid_until:
            raise RuleViolation("R-SURV-6", "§9.1.1 (2)",
                                f"增加的监督审核期限晚于证书有效期 {self.valid_until.isoformat()} / the additional "
                                "audit falls due within the certificate's validity")
        incident_id = uuid4()
        self._record(self.IncidentRecorded, incident_id=incident_id, kind=kind, occurred_on=occurred_on,
                     description=description, additional_audit_due_by=additional_audit_due_by, actor=actor,
                     effective_on=reported_on, now=now)
        return incident_id

    def incidents_met_by(self, conducted_on: date) -> tuple[UUID, ...]:
        """R-SURV-6: the incidents whose additional audit a surveillance audit held on ``conducted_on`` is: every one
        reported by then and not met yet."""
        return tuple(iid for iid, i in self.incidents.items()
                     if i["met_on"] is None and i["reported_on"] <= conducted_on)

    def check_new_nonconformities(self, nonconformities: Sequence[Nonconformity]) -> None:
        taken = [nc.ref for nc in nonconformities if nc.ref in self.surveillance_ncs]
        if taken:
            raise InvalidInput("nonconformities", f"编号已用于本证书的不符合项：{', '.join(taken)} / refs already used "
                                                  f"on this certificate: {', '.join(taken)}")

    def close_surveillance_nonconformity(self, ref: str, closed_on: date, evidence: str, *, today: date,
                                         actor: Actor, now: datetime) -> None:
        """R-SURV-5: a surveillance nonconformity is closed, as in stage 2, by its audit team with the evidence."""
        text.check("ref", ref, text.CODE)
        text.check("evidence", evidence, text.PROSE)
        self._require("nonconformity closure", Status.VALID, Status.SUSPENDED)
        nc = self.surveillance_ncs.get(ref)
        if nc is None:
            raise InvalidInput("ref", f"本证书的监督审核没有不符合项 {ref!r} / no surveillance audit of this "
                                      f"certificate recorded nonconformity {ref!r}")
        if nc["closed_on"] is not None:
            raise OutOfOrder(f"不符合项 {ref} 已于 {nc['closed_on'].isoformat()} 关闭 / "
                             f"nonconformity {ref} was closed on {nc['closed_on'].isoformat()}")
        if actor.person not in nc["team"]:
            raise NotPermitted("只有该次监督审核的审核组成员可以关闭不符合项 / only a member of the surveillance "
                               "audit's team records a closure")
        self._within_validity("closed_on", closed_on, today)
        rules.check_not_before("closed_on", closed_on, "the audit", nc["found_on"])
        if not evidence.strip():
            raise InvalidInput("evidence", "关闭不符合项须记录证据 / a closure records its evidence")
        self._record(self.SurveillanceNonconformityClosed, ref=ref, evidence=evidence,
                     late=closed_on > nc["due_by"], actor=actor, effective_on=closed_on, now=now)

    def overdue_majors(self, on: date) -> list[str]:
        """R-SURV-5 and R-SUS-1 (4): the major surveillance nonconformities open past their due date on ``on``."""
        return [ref for ref, nc in self.surveillance_ncs.items()
                if nc["severity"] is Severity.MAJOR and nc["due_by"] < on
                and (nc["closed_on"] is None or nc["closed_on"] > on)]

    def surveillance_record(self) -> dict[str, Any]:
        """The programme, incidents and surveillance nonconformities, as the certificate's view shows them."""
        programme = None
        if self.programmes:
            since, months, basis = self.programmes[-1]
            programme = {"frequency_months": months, "basis": basis, "since": since}
        return {
            "programme": programme,
            "incidents": [{"id": iid, "kind": i["kind"].value, "occurred_on": i["occurred_on"],
                           "reported_on": i["reported_on"], "description": i["description"],
                           "additional_audit_due_by": i["due_by"], "met_on": i["met_on"]}
                          for iid, i in self.incidents.items()],
            "nonconformities": [{"ref": ref, "severity": nc["severity"].value, "description": nc["description"],
                                 "found_on": nc["found_on"], "due_by": nc["due_by"], "closed_on": nc["closed_on"]}
                                for ref, nc in self.surveillance_ncs.items()],
        }
