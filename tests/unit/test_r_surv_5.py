"""R-SURV-5 (§9.1, §9.1.2, §9.1.3): each certificate has a surveillance programme whose frequency (1 to 12 months)
the due dates follow; a surveillance audit is on site, its report covers the five items of §9.1.3, its
nonconformities are recorded with due dates and closed as in stage 2, its person-days are recorded; a major one left
open past its due date is a suspension ground (R-SUS-1 (4)) that still stands at reinstatement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from demo.scenario import SURVEILLANCE, SURVEILLANCE_TEXT, Staff, Walk, review_surveillance
from projections.deadlines import apply_changes, certificate_changes
from registry.application import Registry
from registry.certificate import Certificate
from registry.clock import FixedClock
from registry.errors import InvalidInput, NotPermitted, RuleViolation
from registry.identifiers import certificate_id
from registry.values import Actor, Nonconformity, Role, Severity, SurveillanceOutcome
from tests.factories import certified, enrol_auditor, invalid, refused

PROGRAMME_BASIS = "排放设施复杂、体系成熟度较低"


def survey(app: Registry, staff: Staff, number: str, on: date, review: bool = True, **overrides: Any) -> None:
    """A surveillance audit on ``on``, its data reviewed first (R-GHG-2) unless ``review`` is false: a refusal
    test leaves it out, and the rule it checks refuses before R-GHG-2 would."""
    if review:
        review_surveillance(app, staff, number, on)
    args: dict[str, Any] = dict(leader=staff.leader, members=[staff.member], actor=staff.leader_actor,
                                **SURVEILLANCE)
    args.update(overrides)
    app.record_surveillance_audit(number, on, **args)


def deadlines(app: Registry, number: str) -> dict[str, tuple[str, str, str]]:
    """The certificate's deadline rows as the projection's state machine leaves them: key → (rule, due, state)."""
    rows: dict[str, Any] = {}
    before = None
    for event in app.events.get(certificate_id(number)):
        before = event.mutate(before)
        rows, _ = apply_changes(rows, [(certificate_changes(event, before), event.originator_version)])
    return {key: (row.rule, row.due_on, row.state) for key, row in rows.items()}


def nc(ref: str = "S-1", severity: Severity = Severity.MAJOR, due_by: date | None = date(2026, 10, 1)) -> Nonconformity:
    return Nonconformity(ref, severity, "计量器具未校准", due_by)


# The programme: frequency 1 to 12 months from its recorded basis; the due dates follow it


@pytest.mark.parametrize("months", [1, 12])
def test_r_surv_5_a_programme_of_1_to_12_months_sets_the_due_date(app: Registry, staff: Staff, walk: Walk,
                                                                  months: int) -> None:
    number = certified(walk)  # 2026-03-31; an audit on 2026-09-01
    survey(app, staff, number, date(2026, 9, 1))
    app.set_surveillance_programme(number, months, PROGRAMME_BASIS, date(2026, 9, 5), actor=staff.leader_actor)
    cert = app.get_certificate(number)
    assert cert.surveillance["next_due_by"] == {1: date(2026, 10, 1), 12: date(2027, 9, 1)}[months]
    assert cert.programme == {"frequency_months": months, "basis": PROGRAMME_BASIS, "since": date(2026, 9, 5)}


@pytest.mark.parametrize("months", [0, 13])
def test_r_surv_5_a_frequency_outside_1_to_12_months_is_refused(app: Registry, staff: Staff, walk: Walk,
                                                                months: int) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.2"):
        app.set_surveillance_programme(number, months, PROGRAMME_BASIS, actor=staff.leader_actor)


def test_r_surv_5_a_programme_without_its_basis_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.2"):
        app.set_surveillance_programme(number, 6, "  ", actor=staff.leader_actor)


def test_r_surv_5_a_shorter_frequency_makes_the_next_audit_due_earlier_and_the_following_ones_too(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    number = certified(walk)  # issued 2026-03-31: due 2027-03-31 without a programme
    app.set_surveillance_programme(number, 6, PROGRAMME_BASIS, date(2026, 4, 10), actor=staff.leader_actor)
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2026, 9, 30)
    survey(app, staff, number, date(2026, 9, 20))
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2027, 3, 20)
    # the scheduler suspends the day after the programme's due date, not the 12 months' (R-SURV-4)
    clock.set(date(2027, 3, 21))
    assert app.suspend_if_surveillance_overdue(number) is not None
    assert app.get_certificate(number).status == "suspended"
    assert deadlines(app, number)[f"{number}:surveillance"] == ("R-SURV-1", "2027-03-20", "missed")


def test_r_surv_5_an_audit_recorded_late_counts_with_the_programme_now_in_force(app: Registry, staff: Staff,
                                                                              walk: Walk) -> None:
    # given a six-monthly programme of 2026-05-01, when an audit held on 2026-04-20 is recorded after it
    number = certified(walk)
    app.set_surveillance_programme(number, 6, PROGRAMME_BASIS, date(2026, 5, 1), actor=staff.leader_actor)
    survey(app, staff, number, date(2026, 4, 20))
    # then the next audit is due six months after it, as the programme says, not twelve
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2026, 10, 20)


def test_r_surv_5_without_a_programme_the_12_months_reading_stands(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 20))
    assert app.get_certificate(number).programme is None
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2027, 9, 20)


def test_r_surv_5_a_programme_that_would_make_an_audit_overdue_already_is_refused(app: Registry, staff: Staff,
                                                                                  walk: Walk) -> None:
    number = certified(walk)  # issued 2026-03-31; today 2026-11-24
    # 7 months from the issue is 2026-10-31, before the programme's date: refused; 8 months, 2026-11-30: accepted
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.2"):
        app.set_surveillance_programme(number, 7, PROGRAMME_BASIS, actor=staff.leader_actor)
    app.set_surveillance_programme(number, 8, PROGRAMME_BASIS, actor=staff.leader_actor)
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2026, 11, 30)


# The audit: on site, the five items of §9.1.3, person-days


def test_r_surv_5_an_on_site_audit_covering_the_five_items_is_recorded_with_its_person_days(
        app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), person_days=Decimal("1.5"))
    recorded = list(app.events.get(certificate_id(number)))[-1]
    assert isinstance(recorded, Certificate.SurveillanceAuditRecorded)
    assert (recorded.on_site, recorded.content, recorded.person_days) == (True, SURVEILLANCE_TEXT, Decimal("1.5"))


def test_r_surv_5_an_audit_not_on_site_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.3"):
        survey(app, staff, number, date(2026, 9, 1), review=False, on_site=False)


@pytest.mark.parametrize("item", list(SURVEILLANCE_TEXT))
def test_r_surv_5_a_report_missing_one_of_the_five_items_is_refused(app: Registry, staff: Staff, walk: Walk,
                                                                    item: str) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.3"):
        survey(app, staff, number, date(2026, 9, 1), review=False, content={**SURVEILLANCE_TEXT, item: " "})


def test_r_surv_5_an_audit_without_content_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.3"):
        survey(app, staff, number, date(2026, 9, 1), review=False, content=None)


@pytest.mark.parametrize("days", [None, Decimal(0)])
def test_r_surv_5_an_audit_without_its_person_days_is_refused(app: Registry, staff: Staff, walk: Walk,
                                                              days: Decimal | None) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§8.3.3"):
        survey(app, staff, number, date(2026, 9, 1), review=False, person_days=days)


def test_r_surv_5_r_team_the_surveillance_team_is_checked_as_a_case_team(app: Registry, staff: Staff,
                                                                         walk: Walk) -> None:
    # a team whose only auditor holds no energy management or GHG registration: refused (R-TEAM-1)
    number = certified(walk)
    with refused(app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        survey(app, staff, number, date(2026, 9, 1), review=False, leader=staff.member, members=[],
               actor=Actor(staff.member, Role.AUDITOR))


# Nonconformities: recorded with due dates, closed as in stage 2, tracked; a major one overdue is a ground


def test_r_surv_5_nonconformities_are_recorded_with_their_due_dates_and_tracked(app: Registry, staff: Staff,
                                                                                walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc(), nc("S-2", Severity.MINOR)])
    cert = app.get_certificate(number)
    assert cert.surveillance["audits"][-1]["outcome"] == SurveillanceOutcome.NONCONFORMITIES.value
    assert [(n["ref"], n["due_by"], n["closed_on"]) for n in cert.nonconformities] == [
        ("S-1", date(2026, 10, 1), None), ("S-2", date(2026, 10, 1), None)]
    assert deadlines(app, number)[f"{number}:nc:S-1"] == ("R-SURV-5", "2026-10-01", "open")


def test_r_surv_5_a_nonconformity_without_a_due_date_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.3 (5)"):
        survey(app, staff, number, date(2026, 9, 1), review=False, nonconformities=[nc(due_by=None)])


def test_r_surv_5_a_nonconformity_due_before_the_audit_is_refused(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with invalid(app, "nonconformities.S-1.due_by"):
        survey(app, staff, number, date(2026, 9, 1), review=False, nonconformities=[nc(due_by=date(2026, 8, 31))])


def test_r_surv_5_an_outcome_of_nonconformities_names_them(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-5", "§9.1.3"):
        survey(app, staff, number, date(2026, 9, 1), review=False, outcome="nonconformities")


def test_r_surv_5_a_closure_on_its_due_date_meets_it_and_after_misses_it(app: Registry, staff: Staff,
                                                                         walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc(), nc("S-2", Severity.MINOR)])
    app.close_surveillance_nonconformity(number, "S-1", date(2026, 10, 1), "校准证书", actor=staff.leader_actor)
    app.close_surveillance_nonconformity(number, "S-2", date(2026, 10, 2), "台账已更新",
                                         actor=Actor(staff.member, Role.AUDITOR))
    rows = deadlines(app, number)
    assert (rows[f"{number}:nc:S-1"][2], rows[f"{number}:nc:S-2"][2]) == ("met", "missed")
    assert [n["closed_on"] for n in app.get_certificate(number).nonconformities] == [date(2026, 10, 1),
                                                                                      date(2026, 10, 2)]


def test_r_surv_5_only_the_audit_team_closes_its_nonconformity(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc()])
    outsider = enrol_auditor(app, staff)
    with refused(app, NotPermitted):
        app.close_surveillance_nonconformity(number, "S-1", date(2026, 9, 20), "证据",
                                             actor=Actor(outsider, Role.AUDITOR))
    with refused(app, InvalidInput):
        app.close_surveillance_nonconformity(number, "S-9", date(2026, 9, 20), "证据", actor=staff.leader_actor)


def test_r_surv_5_a_ref_used_by_an_earlier_surveillance_audit_is_refused(app: Registry, staff: Staff,
                                                                         walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc()])
    with invalid(app, "nonconformities"):
        survey(app, staff, number, date(2026, 9, 2), review=False, nonconformities=[nc()])


def test_r_surv_5_r_sus_1_a_major_nonconformity_overdue_bars_reinstatement_until_closed(
        app: Registry, staff: Staff, walk: Walk) -> None:
    # given a major surveillance nonconformity due by 2026-10-01 and a suspension on 2026-10-05 on that ground
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc()])
    app.suspend(number, date(2026, 10, 5), date(2026, 10, 2), "uncorrected_nonconformity", "严重不符合项逾期未关闭",
                actor=staff.decision)
    assert app.get_certificate(number).deadlines[-1]["rule"] == "R-SURV-5"
    # when reinstatement is asked while it is still open, then it is refused
    with refused(app, RuleViolation, "R-SURV-5", "§11.3 (4)"):
        app.reinstate(number, date(2026, 10, 10), "整改中", actor=staff.decision)
    # and once closed (late), the certificate may be reinstated
    app.close_surveillance_nonconformity(number, "S-1", date(2026, 10, 12), "校准证书", actor=staff.leader_actor)
    app.reinstate(number, date(2026, 10, 12), "不符合项已关闭", actor=staff.decision)
    assert app.get_certificate(number).status == "valid"
    assert deadlines(app, number)[f"{number}:nc:S-1"][2] == "missed"


def test_r_surv_5_a_minor_nonconformity_overdue_does_not_bar_reinstatement(app: Registry, staff: Staff,
                                                                           walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc(severity=Severity.MINOR)])
    app.suspend(number, date(2026, 10, 5), date(2026, 10, 2), "major_defect", "体系重大缺陷", actor=staff.decision)
    app.reinstate(number, date(2026, 10, 10), "缺陷已纠正", actor=staff.decision)
    assert app.get_certificate(number).status == "valid"


# R-SURV-5 with R-SUS-1 (4): a major nonconformity left open past its due date is a ground, recorded by the scheduler


def grounds(app: Registry, number: str) -> list[Any]:
    return [e for e in app.events.get(certificate_id(number)) if type(e).__name__ == "GroundRecorded"]


def test_r_surv_5_r_sus_1_a_major_nonconformity_open_past_its_due_date_is_a_ground_the_scheduler_records(
        app: Registry, staff: Staff, walk: Walk) -> None:
    # given a major and a minor nonconformity due by 2026-10-01, and one major due by today (2026-11-24)
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1),
           nonconformities=[nc(), nc("S-2", Severity.MINOR), nc("S-3", due_by=date(2026, 11, 24))])
    # when the duties run today, then the major one overdue gives a ground, known the day after its due date
    assert app.run_duties(number) is not None
    [ground] = grounds(app, number)
    assert (ground.ground.value, ground.effective_on, ground.nonconformity) == ("uncorrected_nonconformity",
                                                                              date(2026, 10, 2), "S-1")
    assert ground.due_by == date(2026, 10, 9) and "S-1" in ground.source  # R-SUS-1's 7 days, tracked
    assert deadlines(app, number)[f"{number}:ground:{ground.ground_id}"][2] == "open"
    # and nothing for the minor one, nor for the one due today, nor twice
    assert app.run_duties(number) is None
    assert len(grounds(app, number)) == 1


def test_r_surv_5_a_major_nonconformity_closed_by_its_due_date_gives_no_ground(app: Registry, staff: Staff,
                                                                              walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1), nonconformities=[nc()])
    app.close_surveillance_nonconformity(number, "S-1", date(2026, 10, 1), "校准证书", actor=staff.leader_actor)
    app.run_duties(number)
    assert grounds(app, number) == []
