"""The substance of the audit programme and of stage 1 (§8.3.1, §8.3.3, §8.4.1): R-PREP-2 and R-S1-2, as named,
pure rules (STYLE.md, 5). The case (``registry.intake``, ``registry.case``) calls them in its commands.

R-PREP-2's "the whole cycle" is read as: the audit the case itself conducts (``initial``; for a renewal, its
recertification audit), at least two surveillance audits (a 3-year certificate with a surveillance audit at most
every 12 months, R-SURV-1) and the next recertification, each with its date and planned person-days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from registry import labels
from registry.errors import InvalidInput, RuleViolation
from registry.values import CycleAudit, OffSiteGround, PlannedAudit, ProgrammeBasis, VerifiedYear

BASIS_FIELDS = {
    "size": ("受审核方的规模", "the client's size"),
    "scope": ("认证范围", "the scope"),
    "facilities_complexity": ("排放设施的复杂程度", "the complexity of the emission facilities"),
    "system_maturity": ("管理体系的成熟度", "the maturity of the system"),
}
CYCLE_NAMES = {
    CycleAudit.INITIAL: ("初次（本案例）审核", "the case's own (initial) audit"),
    CycleAudit.SURVEILLANCE: ("监督审核", "surveillance audits"),
    CycleAudit.RECERTIFICATION: ("再认证审核", "recertification"),
}
SURVEILLANCE_AUDITS_IN_A_CYCLE = 2
FOUR_PERSON_DAYS = Decimal(4)


def check_programme_basis(basis: ProgrammeBasis | None) -> None:
    """R-PREP-2 (§8.3.1): the programme records what it is based on: size, scope, complexity of the emission
    facilities and maturity of the system."""
    missing = [name for name in BASIS_FIELDS if not str(getattr(basis, name, "") or "").strip()]
    if missing:
        raise RuleViolation("R-PREP-2", "§8.3.1",
                            "审核方案未记录其依据：" + "、".join(BASIS_FIELDS[m][0] for m in missing)
                            + " / the programme does not record what it is based on: "
                            + ", ".join(BASIS_FIELDS[m][1] for m in missing))


def check_cycle(cycle: Sequence[PlannedAudit], planned_on: date) -> None:
    """R-PREP-2 (§8.3.1): the programme covers the whole cycle: the case's own audit, at least two surveillance
    audits and the recertification, each planned after the programme and with a positive number of person-days."""
    for i, audit in enumerate(cycle):
        if not isinstance(audit.person_days, Decimal) or not audit.person_days.is_finite() or audit.person_days <= 0:
            raise InvalidInput(f"cycle.{i}.person_days", f"计划人日应为正数 / planned person-days are a positive "
                               f"number, not {audit.person_days!r}")
        if audit.planned_by < planned_on:
            raise InvalidInput(f"cycle.{i}.planned_by", "计划日期不能早于审核方案 / an audit of the cycle is planned "
                               f"after the programme ({planned_on.isoformat()})")
    count = {kind: sum(1 for a in cycle if a.audit is kind) for kind in CycleAudit}
    need = {CycleAudit.INITIAL: 1, CycleAudit.SURVEILLANCE: SURVEILLANCE_AUDITS_IN_A_CYCLE,
            CycleAudit.RECERTIFICATION: 1}
    short = [kind for kind in CycleAudit if count[kind] < need[kind]]
    if short:
        raise RuleViolation("R-PREP-2", "§8.3.1",
                            "审核方案未覆盖整个认证周期，缺少：" + "、".join(
                                f"{CYCLE_NAMES[k][0]}（至少 {need[k]} 次）" for k in short)
                            + " / the programme does not cover the whole cycle; missing: " + ", ".join(
                                f"{CYCLE_NAMES[k][1]} (at least {need[k]})" for k in short))


def below_four_person_days(person_days: Decimal, cems_standalone_person_days: Decimal, integrated: bool) -> bool:
    """Whether the programme plans fewer than 4 person-days (原则上不少于 4 人日) for the CEMS audit."""
    return cems_standalone_person_days < FOUR_PERSON_DAYS or (not integrated and person_days < FOUR_PERSON_DAYS)


def check_actual_person_days(person_days: Decimal | None, what: str) -> Decimal:
    """R-PREP-2 (§8.3.3): the person-days actually spent are recorded after each audit, a positive number."""
    if person_days is None:
        raise RuleViolation("R-PREP-2", "§8.3.3",
                            f"未记录{labels.step(what)}实际投入的审核人日 / "
                            f"the person-days actually spent on the {what} are not "
                            "recorded")
    if not person_days.is_finite() or person_days <= 0:
        raise InvalidInput("person_days", f"实际人日应为正数 / the person-days spent are a positive number, not "
                           f"{person_days}")
    return person_days


def check_stage1_substance(on_site: bool, ground: OffSiteGround | None, key_audit_points: Sequence[str],
                           document_review_rationale: str, verified_years: Sequence[VerifiedYear],
                           conducted_on: date) -> None:
    """R-S1-2 (§8.4.1): stage 1 records the key audit points it identified for stage 2; an off-site stage 1 on
    ground 3 records the three years of verified reporting, each with its verifier, consecutive (R-S1-1); on
    grounds 1 and 2, why a document review meets stage 1's aims."""
    if not any(p.strip() for p in key_audit_points):
        raise RuleViolation("R-S1-2", "§8.4.1",
                            "第一阶段审核未记录为第二阶段确定的重要审核点 / stage 1 records no key audit points for "
                            "stage 2")
    if on_site or ground is None:
        return
    if ground is OffSiteGround.THREE_YEARS_VERIFIED_REPORTING:
        years = sorted({y.year for y in verified_years})
        if len(verified_years) != 3 or len(years) != 3:
            raise RuleViolation("R-S1-2", "§8.4.1 (1)",
                                "依据第三种情形在非现场进行第一阶段审核，须记录三个不同年份及各自的核查机构 / an "
                                "off-site stage 1 on ground 3 records three different years, each with its verifier")
        if years[2] - years[0] != 2:
            raise RuleViolation("R-S1-1", "§8.4.1 (1)",
                                f"三个年度须连续：{'、'.join(map(str, years))} 不连续 / the three years of verified "
                                f"reporting are consecutive: {', '.join(map(str, years))} are not")
        late = [y for y in years if y >= conducted_on.year]
        if late:
            raise RuleViolation("R-S1-2", "§8.4.1 (1)",
                                f"年份 {late[0]} 尚未结束，不能作为已核查的年度 / the year {late[0]} has not ended "
                                f"by {conducted_on.isoformat()}: the three verified years are past years")
        unnamed = [y.year for y in verified_years if not y.verifier.strip()]
        if unnamed:
            raise RuleViolation("R-S1-2", "§8.4.1 (1)",
                                f"{unnamed[0]} 年未记录核查机构 / the year {unnamed[0]} records no verifier")
    elif not document_review_rationale.strip():
        raise RuleViolation("R-S1-2", "§8.4.1 (1)",
                            "非现场进行第一阶段审核，须记录文件审查为何能达到第一阶段审核的目的 / an off-site stage 1 "
                            "on this ground records why a document review meets stage 1's aims")
