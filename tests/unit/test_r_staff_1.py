"""R-STAFF-1 (§5.1, §5.2): everyone performing a certification function (intake review, audit, decision) has no
violation in the 2 years before acting and has on record, by the act's date, education, work experience and training
in carbon footprint, life-cycle assessment and certification technique."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from demo.scenario import Staff, Walk, qualify
from registry.application import Registry
from registry.errors import InvalidInput, RuleViolation
from registry.values import Actor, QualificationKind, Role, TrainingSubject
from tests.factories import enrol_auditor, invalid, refused

ACCEPT_DAY = date(2026, 3, 4)  # walk.day(2)
TEAM_DAY = date(2026, 3, 7)  # walk.day(5)
DECISION_DAY = date(2026, 4, 1)  # walk.day(30)


def person(app: Registry, staff: Staff, name: str, *, skip: tuple[str, ...] = (), on: date = date(2015, 1, 1),
           training_on: date | None = None) -> UUID:
    """A person with every R-STAFF-1 record dated ``on`` (training on ``training_on``, where given), but those
    whose code is in ``skip`` (``education``, ``work_experience`` or a ``TrainingSubject`` value)."""
    pid: UUID = app.enrol_person(name, actor=staff.admin).ids["person"]
    records = ((QualificationKind.EDUCATION, "环境科学 学士"), (QualificationKind.WORK_EXPERIENCE, "能源审计 8 年"))
    for kind, subject in records:
        if kind.value not in skip:
            app.record_qualification(pid, kind, subject, on, actor=staff.admin)
    for training in TrainingSubject:
        if training.value not in skip:
            app.record_qualification(pid, QualificationKind.TRAINING, training.value, training_on or on,
                                     "内部培训", actor=staff.admin)
    return pid


# Intake review


def test_r_staff_1_a_fully_recorded_intake_reviewer_accepts(walk: Walk, staff: Staff) -> None:
    reviewer = Actor(person(walk.app, staff, "受理员甲"), Role.INTAKE)
    walk.organization().apply().documents()

    walk.accept(actor=reviewer)

    assert walk.app.get_case(walk.case).stage == "accepted"


@pytest.mark.parametrize("missing, named", [
    ("education", "学历教育"), ("work_experience", "工作经历"), ("carbon_footprint", "碳足迹培训"),
    ("life_cycle_assessment", "life-cycle assessment"), ("certification_technique", "认证技术培训"),
])
def test_r_staff_1_an_intake_reviewer_missing_a_record_is_refused_naming_it(walk: Walk, staff: Staff, missing: str,
                                                                            named: str) -> None:
    reviewer = Actor(person(walk.app, staff, "受理员乙", skip=(missing,)), Role.INTAKE)
    walk.organization().apply().documents()

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.2") as caught:
        walk.accept(actor=reviewer)

    detail = caught.value.detail
    assert "受理员乙" in detail and named in detail and "intake review" in detail
    assert detail.index("缺少记录") < detail.index("has no record")  # Chinese first (R-REC-5)


def test_r_staff_1_training_recorded_on_the_acceptance_day_counts_the_day_after_does_not(walk: Walk,
                                                                                         staff: Staff) -> None:
    on_the_day = Actor(person(walk.app, staff, "受理员丙", training_on=ACCEPT_DAY), Role.INTAKE)
    day_after = Actor(person(walk.app, staff, "受理员丁", training_on=ACCEPT_DAY + timedelta(days=1)), Role.INTAKE)
    walk.organization().apply().documents()

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.2"):
        walk.accept(actor=day_after)
    walk.accept(actor=on_the_day)


def test_r_staff_1_an_intake_reviewer_with_a_violation_inside_two_years_is_refused(walk: Walk, staff: Staff) -> None:
    inside = person(walk.app, staff, "受理员戊")
    walk.app.record_violation(inside, date(2024, 3, 5), "受理记录不完整", actor=staff.admin)  # 2 years less a day
    walk.organization().apply().documents()

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.1") as caught:
        walk.accept(actor=Actor(inside, Role.INTAKE))
    assert "2024-03-05" in caught.value.detail


def test_r_staff_1_an_intake_reviewer_whose_violation_is_exactly_two_years_old_accepts(walk: Walk,
                                                                                       staff: Staff) -> None:
    edge = person(walk.app, staff, "受理员己")
    walk.app.record_violation(edge, date(2024, 3, 4), "受理记录不完整", actor=staff.admin)
    walk.organization().apply().documents()

    walk.accept(actor=Actor(edge, Role.INTAKE))


# The audit team


def test_r_staff_1_a_team_member_without_education_is_refused_at_appointment(walk: Walk, staff: Staff) -> None:
    member = enrol_auditor(walk.app, staff, "审核员甲", qualified_on=None)
    qualify_but(walk.app, staff, member, "education")
    walk.to_acceptance().agree().programme()

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.2") as caught:
        walk.team(members=[member])
    assert "审核员甲" in caught.value.detail and "education" in caught.value.detail


def test_r_staff_1_a_technical_expert_is_checked_too(walk: Walk, staff: Staff) -> None:
    expert = enrol_auditor(walk.app, staff, "技术专家", registrations=(), evaluated_on=None, qualified_on=None)
    walk.to_acceptance().agree().programme()

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.2"):
        walk.team(experts=[expert])
    qualify(walk.app, expert, date(2020, 1, 1), staff.admin)
    walk.team(experts=[expert])


def test_r_staff_1_a_team_member_qualified_on_the_appointment_day_passes(walk: Walk, staff: Staff) -> None:
    member = enrol_auditor(walk.app, staff, "审核员乙", qualified_on=TEAM_DAY)
    walk.to_acceptance().agree().programme()

    walk.team(members=[member])

    assert walk.app.get_case(walk.case).stage == "team_appointed"


def test_r_staff_1_shows_in_the_competence_to_audit(app: Registry, staff: Staff) -> None:
    auditor = enrol_auditor(app, staff, "审核员丙", qualified_on=None)
    found = app.audit_competence(auditor, date(2026, 6, 1))
    assert not found.may_audit and found.reasons[0]["rule"] == "R-STAFF-1"
    qualify(app, auditor, date(2026, 6, 1), staff.admin)
    assert app.audit_competence(auditor, date(2026, 6, 1)).may_audit


# The decision (and the approval of a short programme, a decision maker's act)


def test_r_staff_1_a_decision_maker_without_work_experience_is_refused(walk: Walk, staff: Staff) -> None:
    decider = Actor(person(walk.app, staff, "决定人员甲", skip=("work_experience",)), Role.DECISION)
    walk.to_team().stage1().stage2().report()

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.2"):
        walk.decide(actor=decider)
    walk.decide(actor=Actor(person(walk.app, staff, "决定人员乙"), Role.DECISION))
    assert walk.number


def test_r_staff_1_a_decision_maker_approving_a_short_programme_is_checked(walk: Walk, staff: Staff) -> None:
    walk.to_acceptance().agree().programme(person_days=Decimal(3), justification="单一厂区")
    untrained = Actor(person(walk.app, staff, "决定人员丙", skip=("carbon_footprint",)), Role.DECISION)

    with refused(walk.app, RuleViolation, "R-STAFF-1", "§5.2"):
        walk.app.approve_programme(walk.case, walk.day(5), "同意", actor=untrained)
    walk.app.approve_programme(walk.case, walk.day(5), "同意", actor=staff.decision)


# The records themselves


def test_r_staff_1_a_training_outside_the_three_subjects_is_invalid(app: Registry, staff: Staff) -> None:
    pid = app.enrol_person("培训人员", actor=staff.admin).ids["person"]
    with invalid(app, "subject"):
        app.record_qualification(pid, "training", "消防安全", date(2020, 1, 1), actor=staff.admin)
    app.record_qualification(pid, "training", "life_cycle_assessment", date(2020, 1, 1), actor=staff.admin)
    assert app.get_person(pid).qualifications[0]["subject"] == "life_cycle_assessment"


def test_r_staff_1_an_unknown_kind_or_a_future_date_is_invalid(app: Registry, staff: Staff) -> None:
    pid = app.enrol_person("人员", actor=staff.admin).ids["person"]
    with pytest.raises(InvalidInput):
        app.record_qualification(pid, "hobby", "围棋", date(2020, 1, 1), actor=staff.admin)
    with invalid(app, "on"):
        app.record_qualification(pid, "education", "硕士", date(2027, 1, 1), actor=staff.admin)


def qualify_but(app: Registry, staff: Staff, pid: UUID, missing: str) -> None:
    for kind, subject in ((QualificationKind.EDUCATION, "硕士"), (QualificationKind.WORK_EXPERIENCE, "审核 5 年")):
        if kind.value != missing:
            app.record_qualification(pid, kind, subject, date(2015, 1, 1), actor=staff.admin)
    for training in TrainingSubject:
        if training.value != missing:
            app.record_qualification(pid, QualificationKind.TRAINING, training.value, date(2015, 1, 1),
                                     actor=staff.admin)
