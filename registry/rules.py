"""The rules of SPEC.md as named, pure functions.

Each takes every input it needs (today's date included) and raises a ``RuleViolation`` carrying its id and
clause, or returns a computed result (a due date, a list of gaps). Commands call them before any event is
triggered, so a refusal writes nothing, and replaying old events never re-runs today's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from registry import labels, staffing
from registry.calendar import Workdays, add_days, add_months, add_years
from registry.errors import InvalidInput, RuleViolation, SeparationOfDuties
from registry.person import Person
from registry.values import (
    DECISION_CONDITIONS,
    FOCUS_POINTS,
    DocumentKind,
    EmissionControl,
    IntegratedSystem,
    Level,
    Method,
    OffSiteGround,
    OtherCertification,
    PerformanceIndicator,
    RegistrationKind,
    ScopeLevel,
    TransferInfo,
    TransferStatus,
)


@dataclass(frozen=True)
class Gap:
    """A rule an application or report does not meet yet: recorded, and refused only at the step it blocks."""

    rule: str
    clause: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "clause": self.clause, "detail": self.detail}

    def refuse(self) -> RuleViolation:
        return RuleViolation(self.rule, self.clause, self.detail)


def check_not_future(field: str, d: date, today: date) -> None:
    """Effective dates are never in the future of the registry's today (SPEC.md, Two clocks)."""
    if d > today:
        raise InvalidInput(field, f"{field} {d.isoformat()} 晚于今天（{today.isoformat()}） / "
                                  f"{field} {d.isoformat()} is after today ({today.isoformat()})")


def check_not_before(field: str, d: date, earlier_field: str, earlier: date) -> None:
    if d < earlier:
        raise InvalidInput(field, f"{field} {d.isoformat()} 早于{labels.step(earlier_field)} {earlier.isoformat()} / "
                                  f"{field} {d.isoformat()} is before {earlier_field} {earlier.isoformat()}")


# Application (§8.1)


def check_legal_entity(name: str, address: str) -> None:
    """R-APP-1: the applicant is a registered legal entity with a name and an address (the USCC: R-ID-1)."""
    if not name.strip():
        raise RuleViolation("R-APP-1", "§8.1", "缺少申请人的注册名称 / the applicant's registered name is missing")
    if not address.strip():
        raise RuleViolation("R-APP-1", "§8.1", "缺少申请人的注册地址 / the applicant's registered address is missing")


def required_cems_months(applied_on: date, control: EmissionControl,
                         other_certifications: Iterable[OtherCertification]) -> tuple[int, str]:
    """R-APP-2: months the CEMS must have run before the application, and why."""
    if control.controlled and control.cycles_completed >= 1:
        return 1, "emission-controlled enterprise with at least one completed compliance cycle"
    for cert in other_certifications:
        if cert.is_ems_or_enms and cert.valid_until >= applied_on:
            return 1, f"holds a valid {cert.system} certification ({cert.certificate_number})"
    return 3, "general requirement"


def cems_operation_gap(applied_on: date, cems_operating_since: date, control: EmissionControl,
                       other_certifications: Iterable[OtherCertification]) -> Gap | None:
    """R-APP-2: the CEMS has run ≥ 3 months (≥ 1 month when exempt) before the application date."""
    months, why = required_cems_months(applied_on, control, other_certifications)
    # "N months after D" is SPEC's calendar arithmetic: counted forward from the start, clamped to month ends.
    enough_on = add_months(cems_operating_since, months)
    if enough_on > applied_on:
        return Gap("R-APP-2", "§8.1",
                   f"碳排放管理体系自 {cems_operating_since.isoformat()} 起运行，须运行满 {months} 个月，"
                   f"至 {enough_on.isoformat()} 方满足要求 / "
                   f"the CEMS has run since {cems_operating_since.isoformat()}; {months} month(s) are required "
                   f"({why}), which it reaches only on {enough_on.isoformat()}")
    return None


def commitment_gap(incident_report_commitment: bool) -> Gap | None:
    """R-APP-3: the commitment to report major carbon-related incidents after certification is required."""
    if not incident_report_commitment:
        return Gap("R-APP-3", "§8.1",
                   "缺少获证后报告重大碳排放相关事故的承诺 / "
                   "the commitment to report major carbon-related incidents after certification is missing")
    return None


def missing_documents(received: Iterable[DocumentKind]) -> list[DocumentKind]:
    """R-APP-4: the documents of the §8.1 checklist not received yet, in the checklist's order."""
    have = set(received)
    return [kind for kind in DocumentKind if kind not in have]


def withdrawal_gap(withdrawn: Sequence[str], rectified: bool) -> Gap | None:
    """R-APP-5: after a withdrawal, no new application until a rectification is recorded (the application is
    recorded, as every one is, and refused at acceptance)."""
    if withdrawn and not rectified:
        return Gap("R-APP-5", "§12",
                   f"该组织的证书 {withdrawn[-1]} 已被撤销，须先有表明原因已消除的整改记录方可再申请 / certificate "
                   f"{withdrawn[-1]} of this organisation was withdrawn; a rectification record showing the cause "
                   "removed must come before a new application")
    return None


ALLOWED_METHODS: dict[Level, frozenset[Method]] = {
    Level.ORGANIZATION: frozenset({Method.NATIONAL_STANDARD, Method.SECTOR_STANDARD, Method.GROUP_STANDARD,
                                   Method.ISO_14064_1}),
    Level.PRODUCT: frozenset({Method.NATIONAL_STANDARD, Method.SECTOR_STANDARD, Method.GROUP_STANDARD,
                              Method.ISO_14067}),
    Level.PROJECT: frozenset({Method.ISO_14064_2, Method.PROJECT_METHODOLOGY}),
    Level.ACTIVITY: frozenset({Method.LARGE_EVENT_GUIDE, Method.NATIONAL_STANDARD, Method.SECTOR_STANDARD,
                               Method.GROUP_STANDARD}),
}

_LEVEL_CLAUSE = {Level.ORGANIZATION: "§6.2", Level.PRODUCT: "§6.3", Level.PROJECT: "§6.4", Level.ACTIVITY: "§6.5"}


def check_levels(levels: Sequence[ScopeLevel]) -> None:
    """R-GHG-1: the scope names its levels, each once, each with a method allowed for that level."""
    if not levels:
        raise RuleViolation("R-GHG-1", "§6.1", "认证范围未写明层面（组织、产品、项目、活动） / "
                            "the scope names no level (organisation, product, project, activity)")
    seen: set[Level] = set()
    for sl in levels:
        if sl.level in seen:
            raise RuleViolation("R-GHG-1", "§6.1", f"{labels.zh(labels.LEVELS, sl.level.value)}重复列出 / "
                                f"level {sl.level.value} is named twice")
        seen.add(sl.level)
        if sl.method not in ALLOWED_METHODS[sl.level]:
            allowed = ", ".join(sorted(m.value for m in ALLOWED_METHODS[sl.level]))
            allowed_zh = labels.zh_list(labels.METHODS, sorted(m.value for m in ALLOWED_METHODS[sl.level]))
            raise RuleViolation("R-GHG-1", _LEVEL_CLAUSE[sl.level],
                                f"{labels.zh(labels.LEVELS, sl.level.value)}不适用量化方法"
                                f"{labels.zh(labels.METHODS, sl.method.value)}（适用：{allowed_zh}） / "
                                f"method {sl.method.value} is not allowed for the {sl.level.value} level "
                                f"(allowed: {allowed})")


def check_transfer(transfer: TransferInfo, applied_on: date, today: date) -> None:
    """R-TRF-1: only a currently valid certificate of another body is transferred in; the reason is recorded.
    R-TRF-2: its status as the body verified it, and a validity within 3 years of its issue."""
    check_transfer_verified(transfer, today)
    if transfer.status is not TransferStatus.VALID:
        raise RuleViolation("R-TRF-1", "§12",
                            f"证书 {transfer.certificate_number} 的状态为"
                            f"{labels.zh(labels.TRANSFER_STATUSES, transfer.status.value)}："
                            "转换仅限于现行有效的认证证书 / "
                            f"certificate {transfer.certificate_number} is {transfer.status.value}: only a currently "
                            "valid certificate may be transferred")
    if transfer.valid_until < applied_on:
        raise RuleViolation("R-TRF-1", "§12",
                            f"证书 {transfer.certificate_number} 已于 {transfer.valid_until.isoformat()} 到期，"
                            "过期的证书不能转换 / "
                            f"certificate {transfer.certificate_number} expired on {transfer.valid_until.isoformat()}: "
                            "an expired certificate may not be transferred")
    if not transfer.reason.strip():
        raise RuleViolation("R-TRF-1", "§12", "须记录认证转换的原因 / the reason for the transfer must be recorded")
    if not transfer.from_body.strip():
        raise RuleViolation("R-TRF-1", "§12", "须写明原发证机构 / the body that issued the certificate must be named")


def check_transfer_verified(transfer: TransferInfo, today: date) -> None:
    """R-TRF-2 (§12): the status is verified, not taken on the applicant's word (the source consulted, the day,
    what it showed: the status the application records); the original's issue date is recorded, and its validity
    never runs beyond 3 years from it."""
    found = transfer.verification
    if found is None or not found.source.strip():
        raise RuleViolation("R-TRF-2", "§12",
                            "须核实拟转换证书的状态，记录查询来源（原发证机构或认监委的公开查询）、查询日期和结果，"
                            "不能仅凭申请方陈述 / the transferred certificate's status is verified, not taken on the "
                            "applicant's word: record the source consulted (the issuing body's or CNCA's public "
                            "lookup), the day and what it showed")
    check_not_future("transfer.verification.checked_on", found.checked_on, today)
    if found.result is not transfer.status:
        raise RuleViolation("R-TRF-2", "§12",
                            f"核实结果为“{labels.zh(labels.TRANSFER_STATUSES, found.result.value)}”，与记录的状态"
                            f"“{labels.zh(labels.TRANSFER_STATUSES, transfer.status.value)}”不符："
                            f"以核实结果为准 / the source showed {found.result.value}, not the "
                            f"{transfer.status.value} recorded: the status recorded is the one verified")
    if transfer.issued_on is None:
        raise RuleViolation("R-TRF-2", "§12", "须记录原证书的颁发日期（转换后的有效期自该日起不超过 3 年）/ the "
                            "original certificate's issue date is recorded: the validity never runs beyond 3 years "
                            "from it")
    cap, issued, until = validity_end(transfer.issued_on), transfer.issued_on, transfer.valid_until  # R-CERT-2
    if until > cap:
        raise RuleViolation("R-TRF-2", "§12",
                            f"原证书 {issued.isoformat()} 颁发，有效期至多到 {cap.isoformat()}，所记 "
                            f"{until.isoformat()} 超出 3 年 / issued on {issued.isoformat()}, its validity ends by "
                            f"{cap.isoformat()} at the latest: {until.isoformat()} is beyond 3 years")


def renewal_window_opens(valid_until: date) -> date:
    """R-RECERT-1: the window for a renewal application opens 6 months before expiry."""
    return add_months(valid_until, -6)


def renewal_window_gap(applied_on: date, valid_until: date) -> Gap | None:
    """R-RECERT-1: a renewal application comes within the 6 months before expiry."""
    opens = renewal_window_opens(valid_until)
    if not opens <= applied_on <= valid_until:
        return Gap("R-RECERT-1", "§11.1",
                   f"再认证申请须在 {opens.isoformat()} 至 {valid_until.isoformat()} 之间"
                   "（有效期届满前 6 个月内）提出，"
                   f"本申请日期为 {applied_on.isoformat()} / "
                   f"a renewal application comes between {opens.isoformat()} and {valid_until.isoformat()} "
                   f"(the 6 months before expiry); this one is dated {applied_on.isoformat()}")
    return None


# Acceptance (§8.2)


def check_review(review_confirmed: bool) -> None:
    """R-ACC-1: an application is accepted only on a review confirming all three points of §8.2."""
    if not review_confirmed:
        raise RuleViolation("R-ACC-1", "§8.2",
                            "受理须经评审确认：申请信息充分、认证要求已明确并理解、本机构具备能力和资源 / "
                            "acceptance needs a review confirming that the information is sufficient, the requirements "
                            "are understood, and the body is competent and resourced")


def acceptance_notice_due(documents_complete_on: date, workdays: Workdays) -> date:
    """R-ACC-2: the accept / not-accept notice is due within 3 working days of complete documents, counted on the
    official arrangement of each year (R-CAL-1: ``workdays``)."""
    return workdays.add_working_days(documents_complete_on, 3)


# Audit preparation (§8.3)

BASE_PERSON_DAYS = Decimal(4)


def check_audit_time(person_days: Decimal, integrated_with: Sequence[IntegratedSystem],
                     cems_standalone_person_days: Decimal, justified: bool = False) -> None:
    """R-TIME-1 and R-TIME-2: ≥ 4 person-days; integrated, ≥ 80 % of the sum of each system's standalone time.
    "原则上不少于 4 人日": fewer are allowed only ``justified`` (a recorded justification, approved by a decision
    maker before the audit: R-PREP-2)."""
    for system in integrated_with:
        days = system.standalone_person_days
        if not isinstance(days, Decimal) or not days.is_finite() or days <= 0:
            raise InvalidInput("integrated_with", f"{system.system} 的单独审核时间应为正数人日，此处为 {days!r} / "
                               f"{system.system}'s standalone time must be a positive number of "
                               f"person-days, not {days!r}")
    if person_days <= 0 or cems_standalone_person_days <= 0:
        raise InvalidInput("person_days", "审核人日应为正数 / audit time is a positive number of person-days")
    zh_unless = "；少于 4 人日须记录理由并经认证决定人员批准（R-PREP-2）"
    en_unless = " unless a justification is recorded and a decision maker approves it (R-PREP-2)"
    if cems_standalone_person_days < BASE_PERSON_DAYS and not justified:
        raise RuleViolation("R-TIME-1", "§8.3.3 (1)",
                            f"碳排放管理体系单独审核时间为 {cems_standalone_person_days} 人日，原则上不少于 "
                            f"{BASE_PERSON_DAYS} 人日{zh_unless} / the CEMS audit's own time is "
                            f"{cems_standalone_person_days} person-days; at least {BASE_PERSON_DAYS} are required"
                            f"{en_unless}")
    if not integrated_with:
        if person_days < BASE_PERSON_DAYS and not justified:
            raise RuleViolation("R-TIME-1", "§8.3.3 (1)",
                                f"审核时间为 {person_days} 人日，原则上不少于 {BASE_PERSON_DAYS} 人日{zh_unless} / "
                                f"audit time is {person_days} person-days; at least {BASE_PERSON_DAYS} are required"
                                f"{en_unless}")
        return
    total = cems_standalone_person_days + sum((s.standalone_person_days for s in integrated_with), Decimal(0))
    minimum = total * Decimal("0.8")
    if person_days < minimum:
        raise RuleViolation("R-TIME-2", "§8.3.3 (2)",
                            f"结合审核时间 {person_days} 人日，少于各体系单独审核时间之和 {total} 人日的 80%"
                            f"（至少 {minimum} 人日） / "
                            f"an integrated audit of {person_days} person-days is below 80 % of the {total} "
                            f"person-days the systems need on their own ({minimum} required)")


def check_auditor(person: Person, on: date, what: str) -> None:
    """R-TEAM-2 (§5): CCAA CEMS registration valid on the date; no violation in the 2 years before; evaluated."""
    if not person.holds_registration((RegistrationKind.CCAA_CEMS_AUDITOR,), on):
        raise RuleViolation("R-TEAM-2", "§5.3",
                            f"{person.name} 在 {on.isoformat()} 无有效的 CCAA 碳排放管理体系审核员注册"
                            f"（{labels.step(what)}） / "
                            f"{person.name} holds no CCAA CEMS auditor registration valid on {on.isoformat()} ({what})")
    violation = person.violation_within_two_years_before(on)
    if violation is not None:
        raise RuleViolation("R-TEAM-2", "§5.1",
                            f"{person.name} 于 {violation.isoformat()} 有违规记录，在 {on.isoformat()} 之前 2 年内"
                            f"（{labels.step(what)}） / "
                            f"{person.name} has a violation recorded on {violation.isoformat()}, within the 2 years "
                            f"before {on.isoformat()} ({what})")
    if not person.evaluated_by(on):
        raise RuleViolation("R-TEAM-2", "§5.4",
                            f"截至 {on.isoformat()}，本机构未记录对 {person.name} 的能力评价（{labels.step(what)}） / "
                            f"{person.name} has no competence evaluation by the body on record by {on.isoformat()} "
                            f"({what})")


def check_team(leader: Person, members: Sequence[Person], experts: Sequence[Person], on: date, what: str) -> None:
    """R-TEAM-1 and R-TEAM-2: a named leader; one EnMS auditor or GHG verifier; every auditor qualified."""
    auditors = [leader, *[m for m in members if m.id != leader.id]]
    expert_ids = {e.id for e in experts}
    if leader.id in expert_ids:
        raise RuleViolation("R-TEAM-1", "§8.3.2", "审核组长须为审核员，不能是技术专家 / "
                            "the team leader must be an auditor, not a technical expert")
    if any(m.id in expert_ids for m in members):
        raise RuleViolation("R-TEAM-1", "§8.3.2", "同一人在审核组中只能是审核员或技术专家之一 / "
                            "a person is either an auditor or a technical expert on a team")
    energy_or_ghg = (RegistrationKind.ENMS_AUDITOR, RegistrationKind.GHG_VERIFIER)
    if not any(a.holds_registration(energy_or_ghg, on) for a in auditors):
        raise RuleViolation("R-TEAM-1", "§8.3.2",
                            f"审核组中没有审核员在 {on.isoformat()} 持有有效的能源管理体系审核员或温室气体核查员注册"
                            "（技术专家不计） / "
                            "no auditor on the team holds an energy management system auditor or greenhouse gas "
                            f"verifier registration valid on {on.isoformat()} (technical experts do not count)")
    for auditor in auditors:
        check_auditor(auditor, on, what)
    for person in (*auditors, *[e for e in experts if e.id not in {a.id for a in auditors}]):
        staffing.check_staff(person, on, what)  # R-STAFF-1: everyone performing the audit function


# Initial audit (§8.4)


def check_stage1_mode(on_site: bool, ground: OffSiteGround | None, justification: str,
                      other_certifications: Iterable[OtherCertification], conducted_on: date) -> None:
    """R-S1-1: stage 1 is on site unless one of the three grounds of §8.4.1 (1) is recorded."""
    if on_site:
        return
    if ground is None:
        raise RuleViolation("R-S1-1", "§8.4.1 (1)",
                            "第一阶段审核在现场进行，除非记录了非现场进行的情形 / "
                            "stage 1 is on site unless a ground for an off-site stage 1 is recorded")
    certified = any(c.is_ems_or_enms and c.valid_until >= conducted_on for c in other_certifications)
    if ground is OffSiteGround.EMS_OR_ENMS_CERTIFIED and not certified:
        raise RuleViolation("R-S1-1", "§8.4.1 (1)",
                            "依据此情形在非现场进行第一阶段审核，申请中须有有效的环境或能源管理体系认证 / "
                            "an off-site stage 1 on this ground needs a valid EMS or EnMS certification in the "
                            "application")
    if ground is OffSiteGround.SIMPLE_PROCESS and not justification.strip():
        raise RuleViolation("R-S1-1", "§8.4.1 (1)",
                            "因工艺简单在非现场进行第一阶段审核，须记录理由 / "
                            "an off-site stage 1 for a simple process needs its justification recorded")


def check_stage2_on_site(on_site: bool) -> None:
    """R-S2-1: stage 2 is on site."""
    if not on_site:
        raise RuleViolation("R-S2-1", "§8.4.1 (2)", "第二阶段审核在现场进行 / stage 2 is conducted on site")


def report_gaps(focus_points: dict[str, str], quantified: Sequence[PerformanceIndicator],
                measurement_and_verification: str, improvement_evaluation: str,
                renewal: bool, cycle_effectiveness: str, actual_reductions: str) -> list[Gap]:
    """R-REP-1 (and R-RECERT-1 for a renewal): what the report still lacks; any gap bars a decision."""
    gaps = [Gap("R-REP-1", "§8.4.2", f"审核报告未覆盖关注点：{labels.zh(labels.FOCUS_POINTS, name)} / "
                                     f"focus point {name} is not covered")
            for name in FOCUS_POINTS if not str(focus_points.get(name) or "").strip()]
    if not quantified:
        gaps.append(Gap("R-REP-1", "§8.5.1", "碳排放目标、指标和绩效未量化 / "
                                                    "carbon targets, indicators and performance are not quantified"))
    if not measurement_and_verification.strip():
        gaps.append(Gap("R-REP-1", "§8.5.1", "未说明测量和验证方法 / "
                                                    "the measurement and verification methods are not described"))
    if not improvement_evaluation.strip():
        gaps.append(Gap("R-REP-1", "§8.5.1",
                        "未评价体系对碳绩效持续改进的作用 / "
                        "the system's effect on continual improvement of carbon performance is not evaluated"))
    if renewal:
        if not cycle_effectiveness.strip():
            gaps.append(Gap("R-RECERT-1", "§9.2.2", "未评价整个认证周期的有效性 / "
                                                          "the whole cycle's effectiveness is not evaluated"))
        if not actual_reductions.strip():
            gaps.append(Gap("R-RECERT-1", "§9.2.2", "未说明认证周期内的实际减排量 / "
                                                          "the cycle's actual emission reductions are not stated"))
    return gaps


# Decision (§8.5, §4.2)


def unmet_conditions(conditions: dict[str, bool | None], sector_requirements_apply: bool) -> list[str]:
    """R-DEC-1: the four conditions of §8.5.2 that are not confirmed (sector requirements only where they apply)."""
    unmet = []
    for name in DECISION_CONDITIONS:
        value = conditions.get(name)
        if name == "sector_requirements" and not sector_requirements_apply and value is None:
            continue
        if value is not True:
            unmet.append(name)
    return unmet


def check_separate(person: Person, function: str, client_uscc: str, on: date, *,
                   intake: Iterable[object] = (), audit: Iterable[object] = (),
                   decision: Iterable[object] = ()) -> None:
    """R-SOD-1: for one client, no person performs two of acceptance, training/consulting, audit and decision."""
    service = person.served(client_uscc, on)
    if service is not None:
        raise SeparationOfDuties(
            f"{person.name} 于 {service.on.isoformat()} 为该客户提供了"
            f"{labels.zh(labels.SERVICE_KINDS, service.kind.value)}，"
            f"不得从事其{labels.step(function)} / "
            f"{person.name} gave {service.kind.value} to the client on {service.on.isoformat()} and may not "
            f"perform its {function}")
    others = {"intake review": set(intake), "audit": set(audit), "decision": set(decision)}
    for other_function, ids in others.items():
        if other_function != function and person.id in ids:
            raise SeparationOfDuties(f"{person.name} 已从事{labels.step(other_function)}，不得再从事"
                                     f"{labels.step(function)} / "
                                     f"{person.name} performed the {other_function} and may not also perform "
                                     f"the {function}")


def check_decision_maker_record(person: Person, on: date) -> None:
    """R-SOD-1 with §5.1: a violation recorded in the 2 years before the decision bars the decision maker."""
    violation = person.violation_within_two_years_before(on)
    if violation is not None:
        raise SeparationOfDuties(f"{person.name} 于 {violation.isoformat()} 有违规记录，在认证决定之前 2 年内 / "
                                 f"{person.name} has a violation recorded on {violation.isoformat()}, within the "
                                 f"2 years before the decision", clause="§4.2, §5.1")


# Certificate, surveillance and status changes (§9, §10, §11)


def validity_end(issued_on: date) -> date:
    """R-CERT-2: valid through the day before the same date three years after the issue date."""
    return add_days(add_years(issued_on, 3), -1)


def next_surveillance_due(since: date) -> date:
    """R-SURV-1: within 12 months of the decision, then ≤ 12 months between two surveillance audits."""
    return add_months(since, 12)


def change_request_due(changed_on: date) -> date:
    """R-CHG-1: the client applies within 15 days of the change."""
    return add_days(changed_on, 15)


def change_due(requested_on: date) -> date:
    """R-CHG-1: the body changes the certificate within 30 days of the request."""
    return add_days(requested_on, 30)


def measure_due(known_on: date) -> date:
    """R-SUS-1: suspension or withdrawal within 7 days of the ground becoming known."""
    return add_days(known_on, 7)


def cancellation_due(trigger_on: date) -> date:
    """R-CAN-1: cancellation within 30 days of its ground."""
    return add_days(trigger_on, 30)
