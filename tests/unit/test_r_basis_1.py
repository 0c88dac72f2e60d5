"""R-BASIS-1 (§3): the certification basis is CCAI-S-C06:2023, plus a sector's certification requirements where one
applies. The accepted bases are data the body keeps (standard, version, valid from/until), CCAI-S-C06:2023 from the
start; an application on any other basis, or on one not accepted on its application date, is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from demo.scenario import Staff, Walk
from registry.application import Registry
from registry.errors import InvalidInput, RuleViolation
from registry.reference import BUILT_IN, BasisList
from registry.values import Basis, Role
from tests.factories import invalid, refused

APPLIED_ON = date(2026, 3, 2)
EDITION_2026 = Basis(standard="CCAI-S-C06", version="2026")
SECTOR_REQUIREMENTS = "电力行业碳排放管理体系认证要求"


def applying(app: Registry, staff: Staff, on: date = APPLIED_ON) -> Walk:
    return Walk(app, staff, on).organization()


# The body's data


def test_r_basis_1_a_fresh_registry_accepts_ccai_s_c06_2023_with_nothing_recorded(app: Registry,
                                                                                   staff: Staff) -> None:
    assert app.basis_list() is None
    assert app.accepted_bases() == (BUILT_IN,)
    walk = applying(app, staff).apply()  # the walks' default basis: CCAI-S-C06 2023
    assert app.case_by_id(walk.case).basis.standard == "CCAI-S-C06"


def test_r_basis_1_each_basis_is_an_event_with_who_and_when(app: Registry, staff: Staff) -> None:
    app.accept_basis("CCAI-S-C06", "2026", date(2026, 1, 1), date(2030, 12, 31), actor=staff.admin)
    [started, accepted] = list(app.events.get(app.basis_list().id))  # type: ignore[union-attr]
    assert isinstance(started, BasisList.Started) and isinstance(accepted, BasisList.BasisAccepted)
    assert accepted.actor == staff.admin and accepted.recorded_at == app.clock.now()
    assert (accepted.standard, accepted.basis_version, accepted.valid_from, accepted.valid_until) == (
        "CCAI-S-C06", "2026", date(2026, 1, 1), date(2030, 12, 31))
    [built_in, edition] = app.accepted_bases()
    assert built_in == BUILT_IN and edition.recorded_by == staff.admin and edition.kind == "management_system"


def test_r_basis_1_a_basis_recorded_again_has_its_validity_revised_and_both_events_kept(app: Registry,
                                                                                        staff: Staff) -> None:
    # CCAI-S-C06:2023 ended the day before an application: recorded as the built-in one is, with an end
    app.accept_basis("CCAI-S-C06", "2023", date(2023, 1, 1), APPLIED_ON - timedelta(days=1), actor=staff.admin)
    app.accept_basis("CCAI-S-C06", "2023", date(2023, 1, 1), None, actor=staff.admin)
    assert [b.valid_until for b in app.basis_list().entries] == [  # type: ignore[union-attr]
        APPLIED_ON - timedelta(days=1), None]
    assert [(b.label, b.valid_until) for b in app.accepted_bases()] == [("CCAI-S-C06:2023", None)]


def test_r_basis_1_a_basis_is_named_and_its_period_runs_forward(app: Registry, staff: Staff) -> None:
    with invalid(app, "standard"):
        app.accept_basis(" ", "2026", date(2026, 1, 1), actor=staff.admin)
    with invalid(app, "version"):
        app.accept_basis("CCAI-S-C06", "", date(2026, 1, 1), actor=staff.admin)
    with invalid(app, "valid_until") as caught:
        app.accept_basis("CCAI-S-C06", "2026", date(2026, 1, 2), date(2026, 1, 1), actor=staff.admin)
    assert caught.value.detail.startswith("有效期止")
    with invalid(app, "kind"):
        app.accept_basis("CCAI-S-C06", "2026", date(2026, 1, 1), kind="national", actor=staff.admin)


# The application


def test_r_basis_1_an_application_on_another_basis_is_refused_naming_the_rule(app: Registry, staff: Staff) -> None:
    walk = applying(app, staff)
    with refused(app, RuleViolation, "R-BASIS-1", "§3") as caught:
        walk.apply(basis=Basis(standard="GB/T 24001", version="2016"))
    assert caught.value.detail.startswith("认证依据 GB/T 24001:2016 在申请日 2026-03-02 不是本机构接受的认证依据")
    assert "CCAI-S-C06:2023" in caught.value.detail


@pytest.mark.parametrize(("applied_on", "accepted"), [
    (date(2026, 3, 2), True),  # the first day of the basis's validity
    (date(2026, 3, 31), True),  # its last day
    (date(2026, 3, 1), False),  # the day before
    (date(2026, 4, 1), False),  # the day after
])
def test_r_basis_1_an_application_is_judged_on_its_application_date_at_both_edges(
        app: Registry, staff: Staff, applied_on: date, accepted: bool) -> None:
    app.accept_basis("CCAI-S-C06", "2026", date(2026, 3, 2), date(2026, 3, 31), actor=staff.admin)
    walk = applying(app, staff, applied_on)
    if accepted:
        walk.apply(basis=EDITION_2026)
        assert app.case_by_id(walk.case).basis.version == "2026"
    else:
        with refused(app, RuleViolation, "R-BASIS-1", "§3"):
            walk.apply(basis=EDITION_2026)


def test_r_basis_1_ccai_s_c06_2023_ended_by_the_body_refuses_later_applications(app: Registry,
                                                                                 staff: Staff) -> None:
    app.accept_basis("CCAI-S-C06", "2023", date(2023, 1, 1), date(2026, 3, 1), actor=staff.admin)
    walk = applying(app, staff)
    with refused(app, RuleViolation, "R-BASIS-1", "§3"):
        walk.apply()
    applying(app, staff, date(2026, 3, 1)).apply()  # its last day still


# A sector's certification requirements, a further basis


def test_r_basis_1_sector_requirements_not_accepted_are_refused(app: Registry, staff: Staff) -> None:
    walk = applying(app, staff)
    with refused(app, RuleViolation, "R-BASIS-1", "§3") as caught:
        walk.apply(basis=Basis(sector_requirements=(SECTOR_REQUIREMENTS,)))
    assert caught.value.detail.startswith(f"行业认证要求 {SECTOR_REQUIREMENTS} 在申请日 2026-03-02 不是本机构接受的")


@pytest.mark.parametrize("named", [SECTOR_REQUIREMENTS, f"{SECTOR_REQUIREMENTS}:2025",
                                   f"{SECTOR_REQUIREMENTS} 2025"])
def test_r_basis_1_sector_requirements_accepted_as_a_further_basis_pass(app: Registry, staff: Staff,
                                                                        named: str) -> None:
    app.accept_basis(SECTOR_REQUIREMENTS, "2025", date(2025, 6, 1), kind="sector", actor=staff.admin)
    walk = applying(app, staff).apply(basis=Basis(sector_requirements=(named,)))
    assert app.case_by_id(walk.case).basis.sector_requirements == (named,)


def test_r_basis_1_sector_requirements_are_not_the_certification_basis_itself(app: Registry, staff: Staff) -> None:
    app.accept_basis(SECTOR_REQUIREMENTS, "2025", date(2025, 6, 1), kind="sector", actor=staff.admin)
    walk = applying(app, staff)
    with refused(app, RuleViolation, "R-BASIS-1", "§3"):
        walk.apply(basis=Basis(standard=SECTOR_REQUIREMENTS, version="2025"))


def test_r_basis_1_sector_requirements_are_judged_on_the_application_date(app: Registry, staff: Staff) -> None:
    app.accept_basis(SECTOR_REQUIREMENTS, "2025", date(2025, 6, 1), date(2026, 3, 1), kind="sector",
                     actor=staff.admin)
    walk = applying(app, staff)
    with refused(app, RuleViolation, "R-BASIS-1", "§3"):
        walk.apply(basis=Basis(sector_requirements=(SECTOR_REQUIREMENTS,)))


def test_r_basis_1_only_an_admin_records_a_basis(app: Registry, staff: Staff) -> None:
    from registry.handling import Caller, RoleNotAllowed
    from registry.reference_steps import AcceptBasis

    _, token = app.add_user("受理员乙", ["intake"], staff.intake.person)
    with refused(app, RoleNotAllowed):
        app.handle(AcceptBasis("CCAI-S-C06", "2026", date(2026, 1, 1)), Caller(token))
    _, token = app.add_user("管理员乙", ["admin"], staff.admin.person)
    app.handle(AcceptBasis("CCAI-S-C06", "2026", date(2026, 1, 1)), Caller(token))
    assert app.accepted_bases()[-1].recorded_by is not None
    assert app.accepted_bases()[-1].recorded_by.role is Role.ADMIN  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        app.handle(AcceptBasis("CCAI-S-C06", "2026", date(2026, 1, 2), date(2026, 1, 1)), Caller(token))
