"""The certification case (§2, §8): one per application, initial, renewal or transfer.

Stages in order: applied → accepted → contracted → planned → team appointed → stage 1 → stage 2 → reported →
decided; a step out of order is refused (R-FLOW-1). Application to programme are in ``registry.intake``; this
module adds the audit (§8.3.2–§8.4) and the decision (§8.5).

A transfer (§12) needs no stage 1: after the agreement it may be decided at once, or after an on-site audit
(recorded as stage 2, then its report), which is recorded where done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from registry import labels, planning, rules, staffing, text
from registry.case_scope import CaseScope
from registry.errors import InvalidInput, NotPermitted, OutOfOrder, RuleViolation
from registry.history import plain
from registry.intake import CaseIntake, Stage
from registry.person import Person
from registry.recertification import recertification_gaps
from registry.values import (
    NOBODY,
    Actor,
    CaseKind,
    Functions,
    Nonconformity,
    OffSiteGround,
    PerformanceIndicator,
    Severity,
    Team,
    VerifiedYear,
)


class Case(CaseScope):
    class TeamAppointed(CaseIntake.Event):
        team: Team

        def apply(self, case: Case) -> None:
            case.team = self.team
            case.auditors_ever.update(self.team.everyone)
            case.team_on = self.dated
            if case.stage is Stage.PLANNED:
                case.stage = Stage.TEAM_APPOINTED

    class Stage1Conducted(CaseIntake.Event):
        on_site: bool
        off_site_ground: OffSiteGround | None
        justification: str
        findings: str
        # R-PREP-2, R-S1-2 (issue 23; absent from stage 1 records made before it)
        person_days: Decimal | None = None
        key_audit_points: tuple[str, ...] = ()
        document_review_rationale: str = ""
        verified_years: tuple[VerifiedYear, ...] = ()

        def apply(self, case: Case) -> None:
            case.stage = Stage.STAGE1_DONE
            case.stage1_on = self.dated
            case.findings = self.findings
            case.stage1_record = {
                "conducted_on": self.dated.isoformat(), "on_site": self.on_site,
                "off_site_ground": plain(self.off_site_ground), "key_audit_points": list(self.key_audit_points),
                "document_review_rationale": self.document_review_rationale,
                "verified_years": plain(self.verified_years)}
            if self.person_days is not None:
                case.person_days_spent = {**case.person_days_spent, "stage1": str(self.person_days)}

    class Stage2Conducted(CaseIntake.Event):
        on_site: bool
        nonconformities: tuple[Nonconformity, ...]
        person_days: Decimal | None = None  # R-PREP-2 (issue 23)

        def apply(self, case: Case) -> None:
            case.stage = Stage.STAGE2_DONE
            case.stage2_on = self.dated
            case.nonconformities = {nc.ref: nc for nc in self.nonconformities}
            if self.person_days is not None:
                case.person_days_spent = {**case.person_days_spent, "stage2": str(self.person_days)}

    class NonconformityClosed(CaseIntake.Event):
        ref: str
        evidence: str

        def apply(self, case: Case) -> None:
            case.closed[self.ref] = self.dated

    class ReportSubmitted(CaseIntake.Event):
        focus_points: dict[str, str]
        quantified_performance: tuple[PerformanceIndicator, ...]
        measurement_and_verification: str
        improvement_evaluation: str
        cycle_effectiveness: str
        actual_reductions: str
        gaps: tuple[dict[str, str], ...]  # R-REP-1: what the report lacks; any gap bars a grant
        recertification: dict[str, str] | None = None  # R-RECERT-2: a renewal's four items of §9.2.2
        quality_profile: dict[str, dict[str, str]] | None = None  # R-GHG-4: the data-quality profile it shows

        def apply(self, case: Case) -> None:
            case.stage = Stage.REPORTED
            case.report_on = self.dated
            case.report_gaps = [dict(g) for g in self.gaps]

    class Granted(CaseIntake.Event):
        conditions: dict[str, bool | None]
        reasons: str
        certificate_id: UUID
        certificate_number: str

        def apply(self, case: Case) -> None:
            case.stage = Stage.GRANTED
            case.decided_on = self.dated
            case.decision_maker = self.actor.person
            case.certificate_number = self.certificate_number

    class Refused(CaseIntake.Event):
        conditions: dict[str, bool | None]
        reasons: str
        unmet: tuple[str, ...]

        def apply(self, case: Case) -> None:
            case.stage = Stage.REFUSED
            case.decided_on = self.dated
            case.decision_maker = self.actor.person

    # The audit team (§8.3.2, §5)

    def appoint_team(self, leader: Person, members: Sequence[Person], experts: Sequence[Person], on: date, *,
                     today: date, actor: Actor, now: datetime) -> None:
        """R-TEAM-1, R-TEAM-2 (as of the appointment date) and R-SOD-1 for every person on the team."""
        text.check_count("members", members)
        text.check_count("experts", experts)
        if self.stage in (Stage.ACCEPTED, Stage.CONTRACTED):
            raise OutOfOrder("须先策划审核方案，再委派审核组（R-PREP-1） / "
                             "the audit programme comes before the team (R-PREP-1)")
        self._require(Stage.PLANNED, Stage.TEAM_APPOINTED, Stage.STAGE1_DONE, step="team appointment")
        self._dated("on", on, today, "the programme", self.programme_on)
        rules.check_team(leader, members, experts, on, "team appointment")
        staffing.check_team_covers(self.sectors, (leader, *members, *experts), on)
        team = Team(leader=leader.id, members=tuple(m.id for m in members), experts=tuple(e.id for e in experts))
        for person in (leader, *members, *experts):
            rules.check_separate(person, "audit", self.organization_uscc, on, intake=self.intake)
        self._record(self.TeamAppointed, team=team, actor=actor, effective_on=on, now=now)

    def _check_team_on(self, team: Sequence[Person], auditor: Actor, on: date, what: str) -> None:
        """Only a team member records the audit; the team is checked again on each audit's date (R-TEAM-2)."""
        assigned = self.team
        if assigned is None:
            raise OutOfOrder(f"{labels.step(what)}须先委派审核组 / {what} needs an appointed audit team")
        if auditor.person not in assigned.everyone:
            raise NotPermitted(f"只有本案审核组的成员才能记录{labels.step(what)} / "
                               f"only a member of the case's audit team records the {what}")
        by_id = {p.id: p for p in team}
        rules.check_team(by_id[assigned.leader], [by_id[m] for m in assigned.members],
                         [by_id[e] for e in assigned.experts], on, what)
        for person in team:
            rules.check_separate(person, "audit", self.organization_uscc, on, intake=self.intake)

    # The initial audit (§8.4)

    def conduct_stage1(self, conducted_on: date, on_site: bool, off_site_ground: OffSiteGround | None,
                       justification: str, findings: str, team: Sequence[Person], *, today: date, actor: Actor,
                       now: datetime, person_days: Decimal | None = None, key_audit_points: Sequence[str] = (),
                       document_review_rationale: str = "", verified_years: Sequence[VerifiedYear] = ()) -> None:
        """R-PREP-1, R-PREP-2, R-S1-1, R-S1-2, R-TEAM-2: stage 1, on site unless a ground of §8.4.1 (1) is
        recorded, with its key audit points for stage 2, the evidence of its off-site ground and its person-days."""
        text.check("justification", justification, text.PROSE)
        text.check("findings", findings, text.PROSE)
        text.check_each("key_audit_points", key_audit_points, text.LINE)
        text.check("document_review_rationale", document_review_rationale, text.PROSE)
        text.check_records("verified_years", verified_years, verifier=text.NAME)
        if self.kind is CaseKind.TRANSFER:
            raise OutOfOrder("认证转换没有第一阶段审核，现场审核记录为第二阶段审核 / "
                             "a transfer has no stage 1; an on-site audit is recorded as stage 2")
        if self.stage is Stage.ACCEPTED:
            raise RuleViolation("R-ACC-3", "§8.2", "审核工作开始前须签订认证协议并缴纳认证费用 / "
                                "the certification agreement is signed and the fee paid before audit work starts")
        if self.stage is Stage.CONTRACTED:
            raise RuleViolation("R-PREP-1", "§8.3.1", "第一阶段审核前须有审核方案 / "
                                "an audit programme exists before stage 1")
        self._require(Stage.TEAM_APPOINTED, step="stage 1")
        self._dated("conducted_on", conducted_on, today, "the team appointment", self.team_on)
        self._check_team_on(team, actor, conducted_on, "stage 1")
        rules.check_stage1_mode(on_site, off_site_ground, justification, self.other_certifications, conducted_on)
        self.check_programme_approved(conducted_on)
        planning.check_stage1_substance(on_site, off_site_ground, key_audit_points, document_review_rationale,
                                        verified_years, conducted_on)
        spent = planning.check_actual_person_days(person_days, "stage 1")
        off_site = not on_site
        self._record(self.Stage1Conducted, on_site=on_site, off_site_ground=off_site_ground if off_site else None,
                     justification=justification, findings=findings, person_days=spent,
                     key_audit_points=tuple(p.strip() for p in key_audit_points if p.strip()),
                     document_review_rationale=document_review_rationale.strip() if off_site else "",
                     verified_years=tuple(verified_years) if off_site else (), actor=actor,
                     effective_on=conducted_on, now=now)

    def conduct_stage2(self, conducted_on: date, on_site: bool, nonconformities: Sequence[Nonconformity],
                       team: Sequence[Person], *, today: date, actor: Actor, now: datetime,
                       person_days: Decimal | None = None) -> None:
        """R-S2-1, R-TEAM-2, R-PREP-2: stage 2, on site, after stage 1 (for a transfer: the on-site audit, where
        done), with the person-days it took."""
        text.check_records("nonconformities", nonconformities, text.FINDINGS, ref=text.CODE,
                           description=text.PROSE)
        if self.kind is CaseKind.TRANSFER:
            self._require(Stage.TEAM_APPOINTED, step="the transfer's on-site audit")
        else:
            self._require(Stage.STAGE1_DONE, step="stage 2")
        rules.check_not_future("conducted_on", conducted_on, today)
        if self.stage1_on is not None and conducted_on < self.stage1_on:
            raise RuleViolation("R-S2-1", "§8.4.1 (2)",
                                f"第二阶段审核须在第一阶段审核（{self.stage1_on.isoformat()}）之后 / "
                                f"stage 2 comes after stage 1 ({self.stage1_on.isoformat()})")
        self._dated("conducted_on", conducted_on, today, "the team appointment", self.team_on)
        rules.check_stage2_on_site(on_site)
        refs = [nc.ref for nc in nonconformities]
        if len(set(refs)) != len(refs) or any(not r.strip() for r in refs):
            raise InvalidInput("nonconformities", "每个不符合项须有各自的、非空的编号 / "
                                                 "each nonconformity has its own, non-empty ref")
        self._check_team_on(team, actor, conducted_on, "stage 2")
        self.check_programme_approved(conducted_on)
        spent = planning.check_actual_person_days(person_days, "stage 2")
        self._record(self.Stage2Conducted, on_site=True, nonconformities=tuple(nonconformities), person_days=spent,
                     actor=actor, effective_on=conducted_on, now=now)

    def close_nonconformity(self, ref: str, closed_on: date, evidence: str, *, today: date, actor: Actor,
                            now: datetime) -> None:
        """Closes a stage 2 nonconformity with its evidence (R-DEC-1 needs every major one closed)."""
        text.check("ref", ref, text.CODE)
        text.check("evidence", evidence, text.PROSE)
        self._require(Stage.STAGE2_DONE, Stage.REPORTED, step="nonconformity closure")
        if self.team is None or actor.person not in self.team.everyone:
            raise NotPermitted("只有本案审核组的成员才能关闭不符合项 / "
                               "only a member of the case's audit team records a closure")
        if ref not in self.nonconformities:
            raise InvalidInput("ref", f"第二阶段审核没有不符合项 {ref!r} / stage 2 recorded no nonconformity {ref!r}")
        if ref in self.closed:
            raise OutOfOrder(f"不符合项 {ref} 已于 {self.closed[ref].isoformat()} 关闭 / "
                             f"nonconformity {ref} was closed on {self.closed[ref].isoformat()}")
        self._dated("closed_on", closed_on, today, "stage 2", self.stage2_on)
        if not evidence.strip():
            raise InvalidInput("evidence", "关闭不符合项须记录证据 / a closure records its evidence")
        self._record(self.NonconformityClosed, ref=ref, evidence=evidence, actor=actor, effective_on=closed_on,
                     now=now)

    def submit_report(self, submitted_on: date, focus_points: dict[str, str],
                      quantified_performance: Sequence[PerformanceIndicator], measurement_and_verification: str,
                      improvement_evaluation: str, cycle_effectiveness: str, actual_reductions: str, *,
                      today: date, actor: Actor, now: datetime,
                      recertification: dict[str, str] | None = None) -> None:
        """R-REP-1, R-RECERT-1, R-RECERT-2: the report is recorded as submitted; what it lacks is recorded and bars
        a grant. A renewal's four items of §9.2.2 include the cycle's effectiveness and actual reductions."""
        text.check_mapping("recertification", recertification or {}, text.CODE, text.PROSE)
        text.check_mapping("focus_points", focus_points, text.CODE, text.PROSE)
        text.check_records("quantified_performance", quantified_performance, indicator=text.NAME, unit=text.CODE)
        for name, value in (("measurement_and_verification", measurement_and_verification),
                            ("improvement_evaluation", improvement_evaluation),
                            ("cycle_effectiveness", cycle_effectiveness), ("actual_reductions", actual_reductions)):
            text.check(name, value, text.PROSE)
        self._require(Stage.STAGE2_DONE, Stage.REPORTED, step="audit report")
        if self.team is None or actor.person not in self.team.everyone:
            raise NotPermitted("只有本案审核组的成员才能提交审核报告 / "
                               "only a member of the case's audit team submits its report")
        self._dated("submitted_on", submitted_on, today, "stage 2", self.stage2_on)
        renewal = self.kind is CaseKind.RENEWAL
        if recertification and not renewal:
            raise InvalidInput("recertification", "只有再认证案例的报告包含再认证内容 / only a renewal's report "
                                                  "covers the recertification items")
        four = recertification or {}
        gaps = rules.report_gaps(focus_points, quantified_performance, measurement_and_verification,
                                 improvement_evaluation, renewal,
                                 cycle_effectiveness or four.get("system_effectiveness_and_scope", ""),
                                 actual_reductions or four.get("actual_reductions", ""))
        if renewal:
            gaps += recertification_gaps(recertification)
        self._record(self.ReportSubmitted, focus_points=dict(focus_points),
                     quantified_performance=tuple(quantified_performance),
                     measurement_and_verification=measurement_and_verification,
                     improvement_evaluation=improvement_evaluation, cycle_effectiveness=cycle_effectiveness,
                     actual_reductions=actual_reductions, gaps=tuple(g.as_dict() for g in gaps),
                     recertification=dict(recertification) if recertification else None,
                     quality_profile=self.profile_as_recorded(), actor=actor, effective_on=submitted_on, now=now)

    # The decision (§8.5, §4.2)

    def check_decision(self, decided_on: date, grant: bool, conditions: dict[str, bool | None],
                       decision_maker: Person, *, today: date, cycle: Functions = NOBODY) -> list[str]:
        """R-DEC-1, R-REP-1, R-SOD-1: everything a decision needs; returns the unmet §8.5.2 conditions. ``cycle``:
        who performed each function for the client in the cycle a renewal closes (R-SOD-1 per client: nobody who
        reviewed its intake or audited it in that cycle, its surveillance included, decides on its renewal)."""
        text.check_mapping("conditions", conditions, text.CODE, None)
        audited = self.kind is not CaseKind.TRANSFER or self.stage2_on is not None
        if audited:
            if self.stage is Stage.STAGE2_DONE:
                raise RuleViolation("R-REP-1", "§8.5.1", "须先提交审核报告，再作认证决定 / "
                                    "the audit report comes before the decision")
            self._require(Stage.REPORTED, step="certification decision")
        else:
            self._require(Stage.CONTRACTED, Stage.PLANNED, Stage.TEAM_APPOINTED, step="certification decision")
        after = self.report_on or self.agreement_on
        self._dated("decided_on", decided_on, today, "the report" if self.report_on else "the agreement", after)
        # Everyone ever appointed to the team performed the audit function, even if later replaced.
        rules.check_separate(decision_maker, "decision", self.organization_uscc, decided_on,
                             intake=self.intake | cycle.intake, audit=self.auditors_ever | cycle.audit)
        rules.check_decision_maker_record(decision_maker, decided_on)
        staffing.check_staff(decision_maker, decided_on, "decision")
        if self.report_gaps:
            # "A report missing any of these does not allow a decision": neither a grant nor a refusal.
            gap = self.report_gaps[0]
            zh, en = labels.halves(gap["detail"])  # a gap recorded before R-REC-5 was kept has no Chinese half
            raise RuleViolation(gap["rule"], gap["clause"],
                                f"审核报告不完整{'：' + zh if zh else ''} / the report is incomplete: {en}")
        if self.transfer is not None and decided_on > self.transfer.valid_until:
            raise RuleViolation("R-TRF-1", "§12",
                                f"证书 {self.transfer.certificate_number} 已于 {self.transfer.valid_until.isoformat()} "
                                "到期：转换仅限于现行有效的认证证书 / "
                                f"certificate {self.transfer.certificate_number} ran out on "
                                f"{self.transfer.valid_until.isoformat()}: only a currently valid certificate is "
                                "transferred")
        unmet = rules.unmet_conditions(conditions, bool(self.basis.sector_requirements))
        if grant:
            if audited:
                self.check_data_reviewed()  # R-GHG-4: never granted on unreviewed data
            open_majors = self.open_majors(decided_on)
            if open_majors:
                raise RuleViolation("R-DEC-1", "§8.5.2",
                                    f"严重不符合项未关闭：{'、'.join(open_majors)} / "
                                    f"major nonconformities not closed: {', '.join(open_majors)}")
            if unmet:
                raise RuleViolation("R-DEC-1", "§8.5.2",
                                    f"认证决定的条件未满足，只能不予认证："
                                    f"{labels.zh_list(labels.DECISION_CONDITIONS, unmet)} / "
                                    f"conditions not met, so only a refusal is possible: {', '.join(unmet)}")
        return unmet

    def grant(self, decided_on: date, conditions: dict[str, bool | None], reasons: str, certificate_id: UUID,
              certificate_number: str, *, actor: Actor, now: datetime) -> None:
        """Records a grant already checked by ``check_decision``; the certificate is issued beside it."""
        text.check("reasons", reasons, text.PROSE)
        self._record(self.Granted, conditions=dict(conditions), reasons=reasons, certificate_id=certificate_id,
                     certificate_number=certificate_number, actor=actor, effective_on=decided_on, now=now)

    def refuse(self, decided_on: date, conditions: dict[str, bool | None], reasons: str, unmet: Sequence[str], *,
               actor: Actor, now: datetime) -> None:
        if not text.check("reasons", reasons, text.PROSE).strip() and not unmet:
            raise InvalidInput("reasons", "不予认证须写明理由 / a refusal gives its reasons")
        self._record(self.Refused, conditions=dict(conditions), reasons=reasons, unmet=tuple(unmet), actor=actor,
                     effective_on=decided_on, now=now)

    def open_majors(self, by: date) -> list[str]:
        return [ref for ref, nc in self.nonconformities.items()
                if nc.severity is Severity.MAJOR and not (ref in self.closed and self.closed[ref] <= by)]
