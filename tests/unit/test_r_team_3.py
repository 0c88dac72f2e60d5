"""R-TEAM-3 (§5.4, §8.3.2): the body keeps a list of sectors; an application names the sectors its scope falls in,
from that list; the appointed team's competence evaluations together cover every one of them on the appointment
date, refused otherwise naming the sector not covered. A case applied for before the rule has its scope's sectors
recorded by intake before its team is appointed, from the same list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from demo.scenario import Staff, Walk
from registry.application import Registry
from registry.case import Case
from registry.errors import AlreadyExists, InvalidInput, RuleViolation
from registry.staffing import check_team_covers
from tests.factories import applied_before_sectors, enrol_auditor, invalid, refused

TEAM_DAY = date(2026, 3, 7)  # walk.day(5)


@pytest.fixture
def two_sectors(app: Registry, staff: Staff) -> None:
    app.add_sector("钢铁", "C31", actor=staff.admin)


# The body's list


def test_r_team_3_the_body_keeps_its_sector_list(app: Registry, staff: Staff) -> None:
    app.add_sector("水泥", "C30", actor=staff.admin)
    assert app.sectors() == {"电力": "D44", "水泥": "C30"}


def test_r_team_3_a_sector_is_listed_once_by_name_and_by_code(app: Registry, staff: Staff) -> None:
    with refused(app, AlreadyExists):
        app.add_sector("电力", "D45", actor=staff.admin)
    with refused(app, AlreadyExists):
        app.add_sector("火电", "D44", actor=staff.admin)
    with pytest.raises(InvalidInput):
        app.add_sector("", "X1", actor=staff.admin)


# The application names its scope's sectors


def test_r_team_3_an_application_names_listed_sectors(walk: Walk) -> None:
    walk.organization().apply(sectors=["电力"])
    assert walk.app.get_case(walk.case).sectors == ("电力",)


def test_r_team_3_an_application_naming_no_sector_is_refused(walk: Walk) -> None:
    walk.organization()
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2") as caught:
        walk.apply(sectors=[])
    assert caught.value.detail.startswith("申请未指明")


def test_r_team_3_an_application_naming_a_sector_not_listed_is_refused_naming_it(walk: Walk) -> None:
    walk.organization()
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2") as caught:
        walk.apply(sectors=["电力", "造纸"])
    assert "造纸" in caught.value.detail and "电力" not in caught.value.detail.split("（")[0]


# The team covers them


@pytest.mark.usefixtures("two_sectors")
def test_r_team_3_a_team_covering_one_of_two_sectors_is_refused_naming_the_other(walk: Walk) -> None:
    walk.organization().apply(sectors=["电力", "钢铁"]).documents().accept().agree().programme()

    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2") as caught:
        walk.team()
    assert "钢铁" in caught.value.detail and "电力" not in caught.value.detail


@pytest.mark.usefixtures("two_sectors")
def test_r_team_3_the_team_together_covers_both_sectors(walk: Walk, staff: Staff) -> None:
    steel = enrol_auditor(walk.app, staff, "钢铁专家", registrations=(), evaluated_on=date(2025, 1, 1),
                          sectors=("钢铁",))
    walk.organization().apply(sectors=["电力", "钢铁"]).documents().accept().agree().programme()

    walk.team(experts=[steel])

    assert walk.app.get_case(walk.case).stage == "team_appointed"


@pytest.mark.usefixtures("two_sectors")
def test_r_team_3_an_evaluation_dated_on_the_appointment_day_counts_the_day_after_does_not(walk: Walk,
                                                                                           staff: Staff) -> None:
    # both evaluated for 电力 in 2019 (R-TEAM-2 holds); for 钢铁 on the appointment day, or the day after
    late, on_time = enrol_auditor(walk.app, staff, "次日评价"), enrol_auditor(walk.app, staff, "当日评价")
    walk.app.record_evaluation(late, TEAM_DAY + timedelta(days=1), ["钢铁"], actor=staff.admin)
    walk.app.record_evaluation(on_time, TEAM_DAY, ["钢铁"], actor=staff.admin)
    walk.organization().apply(sectors=["电力", "钢铁"]).documents().accept().agree().programme()

    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2"):
        walk.team(members=[staff.member, late])
    walk.team(members=[staff.member, on_time])


def test_r_team_3_a_scope_naming_no_sector_cannot_be_shown_covered(app: Registry, staff: Staff) -> None:
    # a case applied before sectors were recorded names none: the strict reading refuses its appointment
    with pytest.raises(RuleViolation) as caught:
        check_team_covers((), [app.person(staff.leader)], TEAM_DAY)
    assert caught.value.rule == "R-TEAM-3"


# A case applied for before the rule has its scope's sectors recorded


def test_r_team_3_a_case_applied_before_the_rule_has_its_sectors_recorded_and_then_its_team_appointed(
        walk: Walk, staff: Staff) -> None:
    applied_before_sectors(walk).documents().accept().agree().programme()
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2"):
        walk.team()  # no sector to cover: the coverage cannot be shown

    walk.app.record_sectors(walk.case, ["电力"], walk.day(5), actor=staff.intake)
    walk.team()

    case = walk.app.get_case(walk.case)
    assert (case.sectors, case.stage) == (("电力",), "team_appointed")
    recorded = [e for e in walk.app.events.get(walk.case) if isinstance(e, Case.SectorsRecorded)]
    assert [(tuple(e.sectors), tuple(e.replaced), e.effective_on, e.actor) for e in recorded] == [
        (("电力",), (), walk.day(5), staff.intake)]


@pytest.mark.usefixtures("two_sectors")
def test_r_team_3_recorded_sectors_replace_those_named_and_are_then_covered(walk: Walk, staff: Staff) -> None:
    walk.organization().apply(sectors=["电力"]).documents().accept().agree().programme()

    walk.app.record_sectors(walk.case, ["电力", "钢铁"], walk.day(4), actor=staff.intake)

    assert walk.app.get_case(walk.case).sectors == ("电力", "钢铁")
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2") as caught:
        walk.team()
    assert "钢铁" in caught.value.detail


def test_r_team_3_recorded_sectors_come_from_the_body_list(walk: Walk, staff: Staff) -> None:
    applied_before_sectors(walk)
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2") as caught:
        walk.app.record_sectors(walk.case, ["电力", "造纸"], walk.day(1), actor=staff.intake)
    assert "造纸" in caught.value.detail
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2"):
        walk.app.record_sectors(walk.case, [" "], walk.day(1), actor=staff.intake)
    with invalid(walk.app, "on"):
        walk.app.record_sectors(walk.case, ["电力"], walk.day(-1), actor=staff.intake)  # before the application
    walk.app.record_sectors(walk.case, ["电力"], walk.day(1), actor=staff.intake)
    with invalid(walk.app, "sectors"):
        walk.app.record_sectors(walk.case, [" 电力"], walk.day(2), actor=staff.intake)  # recorded already


def test_r_team_3_sectors_are_not_recorded_once_the_team_is_appointed(walk: Walk, staff: Staff) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-TEAM-3", "§5.4, §8.3.2") as caught:
        walk.app.record_sectors(walk.case, ["电力"], walk.day(6), actor=staff.intake)
    assert caught.value.detail.startswith("审核组已于 2026-03-07 委派")
