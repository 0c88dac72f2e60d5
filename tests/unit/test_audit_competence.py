"""Registry.audit_competence: whether a person may audit on a date, judged by R-TEAM-2's own rule, and why not."""

from __future__ import annotations

from datetime import date

import pytest

from demo.scenario import Staff, qualify
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.values import RegistrationKind


def test_a_qualified_auditor_may_audit(app: Registry, staff: Staff) -> None:
    found = app.audit_competence(staff.leader, date(2026, 6, 1))
    assert found.may_audit and found.reasons == ()
    assert found.person == staff.leader and found.name == app.get_person(staff.leader).name
    assert found.on == date(2026, 6, 1)


def test_no_registration_is_why_not(app: Registry, staff: Staff) -> None:
    pid = app.enrol_person("未注册人员", actor=staff.admin).ids["person"]
    found = app.audit_competence(str(pid), date(2026, 6, 1))
    assert not found.may_audit
    assert [(r["rule"], r["clause"]) for r in found.reasons] == [("R-TEAM-2", "§5.3")]
    assert "未注册人员" in found.reasons[0]["detail"]


def test_a_registration_outside_its_dates_does_not_count(app: Registry, staff: Staff) -> None:
    pid = app.enrol_person("过期人员", actor=staff.admin).ids["person"]
    app.record_registration(pid, RegistrationKind.CCAA_CEMS_AUDITOR, "CCAA-1", date(2020, 1, 1), date(2025, 1, 1),
                            actor=staff.admin)
    app.record_evaluation(pid, date(2021, 1, 1), ["电力"], actor=staff.admin)
    qualify(app, pid, date(2020, 1, 1), staff.admin)  # R-STAFF-1
    assert app.audit_competence(pid, date(2024, 6, 1)).may_audit
    late = app.audit_competence(pid, date(2025, 6, 1))
    assert not late.may_audit and late.reasons[0]["clause"] == "§5.3"


def test_a_violation_within_two_years_is_why_not(app: Registry, staff: Staff) -> None:
    app.record_violation(staff.member, date(2026, 5, 1), "审核记录造假", actor=staff.admin)
    assert app.audit_competence(staff.member, date(2026, 4, 30)).may_audit
    found = app.audit_competence(staff.member, date(2026, 6, 1))
    assert not found.may_audit
    assert found.reasons[0]["rule"] == "R-TEAM-2" and found.reasons[0]["clause"] == "§5.1"
    assert "2026-05-01" in found.reasons[0]["detail"]


def test_no_evaluation_is_why_not(app: Registry, staff: Staff) -> None:
    pid = app.enrol_person("未评价人员", actor=staff.admin).ids["person"]
    app.record_registration(pid, RegistrationKind.CCAA_CEMS_AUDITOR, "CCAA-2", date(2020, 1, 1), date(2030, 1, 1),
                            actor=staff.admin)
    found = app.audit_competence(pid, date(2026, 6, 1))
    assert not found.may_audit and found.reasons[0]["clause"] == "§5.4"


def test_a_person_there_is_none_of_is_not_found_and_a_bad_id_is_invalid(app: Registry) -> None:
    with pytest.raises(NotFound):
        app.audit_competence("00000000-0000-0000-0000-000000000000", date(2026, 6, 1))
    with pytest.raises(InvalidInput):
        app.audit_competence("not-an-id", date(2026, 6, 1))
