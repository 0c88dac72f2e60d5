"""Who may perform a certification function (§5): R-STAFF-1 for everyone who reviews an application, audits or
decides, and R-TEAM-3 for the team as a whole. Named, pure rules, every input passed in (STYLE.md, 5).

R-STAFF-1's training is read as three training records, one for each subject the rule names (carbon footprint,
life-cycle assessment, certification technique: ``TrainingSubject``), each dated on or before the act; education
and work experience are one record each, named in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from registry.errors import RuleViolation
from registry.person import Person
from registry.values import QualificationKind, TrainingSubject

# What each missing record is called in a refusal, Chinese first.
_MISSING_NAMES = {
    QualificationKind.EDUCATION.value: ("学历教育", "education"),
    QualificationKind.WORK_EXPERIENCE.value: ("工作经历", "work experience"),
    TrainingSubject.CARBON_FOOTPRINT.value: ("碳足迹培训", "training in carbon footprint"),
    TrainingSubject.LIFE_CYCLE_ASSESSMENT.value: ("生命周期评价培训", "training in life-cycle assessment"),
    TrainingSubject.CERTIFICATION_TECHNIQUE.value: ("认证技术培训", "training in certification technique"),
}

# The certification functions, as refusals name them.
FUNCTIONS = {
    "intake review": "受理评审",
    "team appointment": "审核组委派",
    "stage 1": "第一阶段审核",
    "stage 2": "第二阶段审核",
    "surveillance audit": "监督审核",
    "decision": "认证决定",
    "programme approval": "审核方案批准",
    "competence to audit": "审核能力",
}


def missing_qualifications(person: Person, on: date) -> list[str]:
    """The codes of what R-STAFF-1 needs on record by ``on`` and ``person`` lacks: ``education``,
    ``work_experience`` and each ``TrainingSubject`` value missing, in that order."""
    held = person.qualifications_on(on)
    kinds = {q.kind for q in held}
    trained = {q.subject for q in held if q.kind is QualificationKind.TRAINING}
    missing = [k.value for k in (QualificationKind.EDUCATION, QualificationKind.WORK_EXPERIENCE) if k not in kinds]
    missing += [t.value for t in TrainingSubject if t.value not in trained]
    return missing


def check_staff(person: Person, on: date, function: str) -> None:
    """R-STAFF-1 (§5.1, §5.2) on the act's date: no violation in the 2 years before it; education, work experience
    and the three trainings on record."""
    act = f"{FUNCTIONS.get(function, function)} / {function}"
    violation = person.violation_within_two_years_before(on)
    if violation is not None:
        raise RuleViolation("R-STAFF-1", "§5.1",
                            f"{person.name} 于 {violation.isoformat()} 有违规记录，在 {on.isoformat()} 之前 2 年内，"
                            f"不得从事{FUNCTIONS.get(function, function)} / {person.name} has a violation recorded on "
                            f"{violation.isoformat()}, within the 2 years before {on.isoformat()} ({act})")
    missing = missing_qualifications(person, on)
    if missing:
        zh = "、".join(_MISSING_NAMES[m][0] for m in missing)
        en = ", ".join(_MISSING_NAMES[m][1] for m in missing)
        raise RuleViolation("R-STAFF-1", "§5.2",
                            f"{person.name} 截至 {on.isoformat()} 缺少记录：{zh}（{FUNCTIONS.get(function, function)}）"
                            f" / {person.name} has no record by {on.isoformat()} of: {en} ({act})")


def uncovered_sectors(scope_sectors: Sequence[str], team: Iterable[Person], on: date) -> list[str]:
    """R-TEAM-3: the scope's sectors that no team member's competence evaluation (dated by ``on``) covers."""
    covered: set[str] = set()
    for person in team:
        covered |= person.sectors_evaluated_by(on)
    return [s for s in scope_sectors if s not in covered]


def check_team_covers(scope_sectors: Sequence[str], team: Iterable[Person], on: date) -> None:
    """R-TEAM-3 (§5.4, §8.3.2): the team's evaluations together cover every sector of the scope, on ``on``. A scope
    that names no sector (a case applied before sectors were recorded) cannot be shown covered, and is refused."""
    if not scope_sectors:
        raise RuleViolation("R-TEAM-3", "§5.4, §8.3.2",
                            "本案例的认证范围未指明专业领域，无法确认审核组能力覆盖 / the case's scope names no "
                            "sector, so the team's coverage cannot be shown")
    uncovered = uncovered_sectors(scope_sectors, team, on)
    if uncovered:
        raise RuleViolation("R-TEAM-3", "§5.4, §8.3.2",
                            f"截至 {on.isoformat()}，审核组成员的能力评价未覆盖专业领域：{'、'.join(uncovered)} / "
                            f"on {on.isoformat()} no team member's competence evaluation covers the sector(s): "
                            f"{', '.join(uncovered)}")
