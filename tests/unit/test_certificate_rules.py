"""The certificate (§10, §11.1), its surveillance and its renewal (§9): R-CERT-1, R-CERT-2, R-SURV-1..4 and
R-RECERT-1.

Given a granted certificate, when time passes and surveillance or renewal steps are recorded, then its view shows
the rules' dates, or the step is refused with the rule's id and clause and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from demo.scenario import RECERTIFICATION_TEXT, SURVEILLANCE, Staff, Walk, review_surveillance
from registry.application import Registry
from registry.certificate import Certificate
from registry.clock import FixedClock
from registry.errors import NotPermitted, RuleViolation
from registry.identifiers import certificate_id
from registry.values import Actor, Basis, Level, Method, Role, ScopeLevel
from tests.factories import CCAA, GHG, REGISTERED_UNTIL, certified, enrol_auditor, refused

CYCLE = {"cycle_effectiveness": "认证周期内体系持续有效", "actual_reductions": "三年累计减排1.2万吨CO2e"}


def events(app: Registry, number: str) -> list[Any]:
    return list(app.events.get(certificate_id(number)))


def survey(app: Registry, staff: Staff, number: str, on: date, review: bool = True, **overrides: Any) -> None:
    """A surveillance audit on ``on``, its data reviewed first (R-GHG-2) unless ``review`` is false: a refusal
    test leaves it out, and the rule it checks refuses before R-GHG-2 would."""
    if review:
        review_surveillance(app, staff, number, on)
    args: dict[str, Any] = dict(leader=staff.leader, members=[staff.member], actor=staff.leader_actor,
                                **SURVEILLANCE)
    args.update(overrides)
    app.record_surveillance_audit(number, on, **args)


# R-CERT-1 and R-CERT-2: the §10.1 contents and three years' validity


def test_r_cert_1_the_certificate_carries_the_contents_of_10_1(app: Registry, walk: Walk) -> None:
    # given a certificate granted on 2026-03-31 for an organisation- and product-level scope
    levels = (ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1, "GB/T 32150-2015"),
              ScopeLevel(Level.PRODUCT, Method.ISO_14067))
    number = certified(walk, levels=levels, basis=Basis(version="2023"))
    # when its view is read
    cert = app.get_certificate(number)
    # then it shows every §10.1 item
    assert cert.number == number == "CB-CEMS-2026-00001"
    assert cert.organization == {"name": walk.name, "address": "上海市浦东新区示例路88号", "uscc": walk.uscc}
    assert cert.scope == "电力生产的碳排放管理活动"
    assert cert.levels == ({"level": "organization", "method": "iso_14064_1", "reference": "GB/T 32150-2015"},
                           {"level": "product", "method": "iso_14067", "reference": ""})
    assert cert.basis == {"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": []}
    assert cert.issued_on == date(2026, 3, 31)
    assert cert.valid_until == date(2029, 3, 30)
    assert cert.issuer == {"name": app.config.issuer.name, "address": app.config.issuer.address, "code": "CB"}
    assert cert.surveillance == {"next_due_by": date(2027, 3, 31), "audits": []}
    assert (cert.status, cert.status_since, cert.version) == ("valid", date(2026, 3, 31), 1)
    assert cert.case_ids == (walk.case,)


def test_r_cert_2_valid_through_the_day_before_the_same_date_three_years_later(app: Registry, walk: Walk) -> None:
    number = certified(walk, decided_on=date(2026, 3, 31))
    assert app.get_certificate(number).valid_until == date(2029, 3, 30)


def test_r_cert_2_not_valid_through_the_third_anniversary_itself(app: Registry, walk: Walk) -> None:
    number = certified(walk, decided_on=date(2026, 3, 31))
    assert app.get_certificate(number).valid_until != date(2029, 3, 31)


def test_r_cert_2_a_certificate_issued_on_29_february_runs_until_27_february(app: Registry, staff: Staff) -> None:
    # given a case walked in early 2024 by staff registered 2015–2030, decided on 29 February 2024
    walk = Walk(app, staff, date(2024, 2, 1))
    number = certified(walk, decided_on=date(2024, 2, 29))
    # then the same date three years later is 28 February 2027, and the day before it the last day of validity
    cert = app.get_certificate(number)
    assert (cert.issued_on, cert.valid_until) == (date(2024, 2, 29), date(2027, 2, 27))
    assert cert.surveillance["next_due_by"] == date(2025, 2, 28)


# R-SURV-1: surveillance within 12 months of the decision, then of the last audit


def test_r_surv_1_first_surveillance_is_due_12_months_after_the_decision(app: Registry, walk: Walk) -> None:
    number = certified(walk, decided_on=date(2026, 3, 31))
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2027, 3, 31)


def test_r_surv_1_a_surveillance_audit_moves_the_due_date_to_12_months_after_it(app: Registry, staff: Staff,
                                                                                 walk: Walk) -> None:
    # given a certificate granted 2026-03-31
    number = certified(walk)
    # when a surveillance audit is held on 2026-11-20
    survey(app, staff, number, date(2026, 11, 20))
    # then the next one is due 12 calendar months after it, not after the decision
    cert = app.get_certificate(number)
    assert cert.surveillance == {"next_due_by": date(2027, 11, 20),
                                 "audits": [{"conducted_on": date(2026, 11, 20), "outcome": "maintained"}]}


def test_r_surv_1_an_audit_after_the_due_date_counts_from_its_own_date(app: Registry, clock: FixedClock,
                                                                        staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    clock.set(date(2027, 4, 10))
    survey(app, staff, number, date(2027, 4, 10))
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2028, 4, 10)


def test_r_surv_1_a_recertification_audit_counts_as_a_surveillance_audit(app: Registry, clock: FixedClock,
                                                                          staff: Staff, walk: Walk) -> None:
    # given a certificate of 2026-03-31 kept by surveillance, and its renewal applied on 2028-10-09
    old = certified(walk)
    clock.set(date(2027, 3, 15))
    survey(app, staff, old, date(2027, 3, 15))
    clock.set(date(2028, 3, 10))
    survey(app, staff, old, date(2028, 3, 10))
    clock.set(date(2028, 12, 1))
    renewal = Walk(app, staff, date(2028, 10, 9), uscc=walk.uscc)
    renewal.apply(kind="renewal", renewal_of=old).documents().accept().agree().programme().team().stage1()
    # when the renewal's stage 2 (the recertification audit) is held on day 20
    renewal.stage2()
    # then it is recorded on the old certificate as its surveillance audit, and the due date moves on
    cert = app.get_certificate(old)
    assert cert.surveillance["audits"][-1] == {"conducted_on": date(2028, 10, 29), "outcome": "maintained"}
    assert cert.surveillance["next_due_by"] == date(2029, 10, 29)
    recorded = events(app, old)[-1]
    assert isinstance(recorded, Certificate.SurveillanceAuditRecorded)
    assert recorded.recertification_case == renewal.case


# R-SURV-2: a major change or incident adds a surveillance audit, with its reason


def test_r_surv_2_an_additional_audit_records_its_reason_and_r_surv_1_leaves_the_regular_clock(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    number = certified(walk)  # the regular audit due by 2027-03-31
    survey(app, staff, number, date(2026, 9, 1), additional=True, reason="主要生产线改造，碳排放边界变化")
    recorded = events(app, number)[-1]
    assert isinstance(recorded, Certificate.SurveillanceAuditRecorded)
    assert (recorded.additional, recorded.reason) == (True, "主要生产线改造，碳排放边界变化")
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2027, 3, 31)
    # R-SURV-1: the regular audit is still due by its date; the additional one did not reset it
    clock.set(date(2027, 4, 1))
    assert app.run_duties(number) is not None
    assert app.get_certificate(number).status == "suspended"
    # a regular audit held after does move it, from its own date
    survey(app, staff, number, date(2027, 4, 1))
    assert app.get_certificate(number).surveillance["next_due_by"] == date(2028, 4, 1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_r_surv_2_an_additional_audit_without_reason_is_refused(app: Registry, staff: Staff, walk: Walk,
                                                                 reason: str) -> None:
    number = certified(walk)
    with refused(app, RuleViolation, "R-SURV-2", "§9.1.1 (2)"):
        survey(app, staff, number, date(2026, 9, 1), review=False, additional=True, reason=reason)


# R-SURV-3: surveillance audits use the R-TEAM rules


def test_r_surv_3_a_qualified_surveillance_team_passes(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    survey(app, staff, number, date(2026, 9, 1))
    assert len(app.get_certificate(number).surveillance["audits"]) == 1


def test_r_surv_3_a_team_without_an_enms_or_ghg_registration_is_refused(app: Registry, staff: Staff,
                                                                        walk: Walk) -> None:
    # given the member holds only the CCAA CEMS registration
    number = certified(walk)
    # when he audits alone, then the team lacks an EnMS auditor or GHG verifier
    with refused(app, RuleViolation, "R-TEAM-1", "§8.3.2"):
        survey(app, staff, number, date(2026, 9, 1), review=False, leader=staff.member, members=[],
               actor=Actor(staff.member, Role.AUDITOR))


def test_r_surv_3_a_ghg_verifier_satisfies_the_team_rule(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    verifier = enrol_auditor(app, staff, "核查员", registrations=[(CCAA, REGISTERED_UNTIL), (GHG, REGISTERED_UNTIL)])
    survey(app, staff, number, date(2026, 9, 1), leader=verifier, members=[], actor=Actor(verifier, Role.AUDITOR))
    assert len(app.get_certificate(number).surveillance["audits"]) == 1


def test_r_surv_3_an_auditor_on_the_last_day_of_his_ccaa_registration_may_audit(app: Registry, staff: Staff,
                                                                                walk: Walk) -> None:
    number = certified(walk)
    lapsing = enrol_auditor(app, staff, "注册将到期审核员", registrations=[(CCAA, date(2026, 6, 30))])
    survey(app, staff, number, date(2026, 6, 30), members=[lapsing])
    assert len(app.get_certificate(number).surveillance["audits"]) == 1


def test_r_surv_3_an_auditor_whose_ccaa_registration_lapsed_is_refused(app: Registry, staff: Staff,
                                                                      walk: Walk) -> None:
    number = certified(walk)
    lapsed = enrol_auditor(app, staff, "注册已过期审核员", registrations=[(CCAA, date(2026, 6, 30))])
    with refused(app, RuleViolation, "R-TEAM-2", "§5.3"):
        survey(app, staff, number, date(2026, 7, 1), review=False, members=[lapsed])


def test_r_surv_3_only_a_member_of_the_surveillance_team_records_its_audit(app: Registry, staff: Staff,
                                                                           walk: Walk) -> None:
    number = certified(walk)
    with refused(app, NotPermitted):
        survey(app, staff, number, date(2026, 9, 1), review=False, members=[], actor=Actor(staff.member, Role.AUDITOR))


# R-SURV-4: a surveillance audit not held by its due date suspends the certificate on the next day


def test_r_surv_4_nothing_happens_on_the_due_day(app: Registry, clock: FixedClock, walk: Walk) -> None:
    number = certified(walk)  # next_due_by 2027-03-31
    clock.set(date(2027, 3, 31))
    before = app.recorder.max_notification_id()
    assert app.suspend_if_surveillance_overdue(number) is None
    assert app.recorder.max_notification_id() == before
    assert app.get_certificate(number).status == "valid"


def test_r_surv_4_the_day_after_the_due_date_suspends_once(app: Registry, clock: FixedClock, walk: Walk) -> None:
    # given surveillance due by 2027-03-31 and not held
    number = certified(walk)
    clock.set(date(2027, 4, 1))
    # when the scheduler runs on the next day, then the certificate is suspended, effective that day
    assert app.suspend_if_surveillance_overdue(number) is not None
    cert = app.get_certificate(number)
    assert (cert.status, cert.status_since, cert.suspension_ground) == ("suspended", date(2027, 4, 1),
                                                                        "surveillance_overdue")
    suspended = events(app, number)[-1]
    assert isinstance(suspended, Certificate.Suspended)
    assert suspended.effective_on == date(2027, 4, 1)
    assert suspended.actor.role is Role.SYSTEM
    # when it runs again, then nothing more is recorded
    before = app.recorder.max_notification_id()
    assert app.suspend_if_surveillance_overdue(number) is None
    clock.set(date(2027, 4, 3))
    assert app.suspend_if_surveillance_overdue(number) is None
    assert app.recorder.max_notification_id() == before


def test_r_surv_4_a_late_run_backdates_the_suspension_to_the_day_after_the_due_date(app: Registry,
                                                                                    clock: FixedClock,
                                                                                    walk: Walk) -> None:
    number = certified(walk)
    clock.set(date(2027, 4, 9))
    app.suspend_if_surveillance_overdue(number)
    assert app.get_certificate(number).status_since == date(2027, 4, 1)


def test_r_surv_4_reinstatement_is_refused_until_the_surveillance_audit_is_held(app: Registry, clock: FixedClock,
                                                                                staff: Staff, walk: Walk) -> None:
    # given a certificate suspended for overdue surveillance
    number = certified(walk)
    clock.set(date(2027, 4, 6))
    app.suspend_if_surveillance_overdue(number)
    # when it is reinstated before any surveillance audit, then it is refused
    with refused(app, RuleViolation, "R-SURV-4", "§11.1"):
        app.reinstate(number, date(2027, 4, 5), "已整改", actor=staff.admin)
    # when the audit is held on the suspended certificate, then reinstatement is allowed
    survey(app, staff, number, date(2027, 4, 6))
    app.reinstate(number, date(2027, 4, 6), "监督审核已完成", actor=staff.admin)
    cert = app.get_certificate(number)
    assert (cert.status, cert.status_since, cert.suspension_ground) == ("valid", date(2027, 4, 6), None)
    assert cert.surveillance["next_due_by"] == date(2028, 4, 6)


def test_r_surv_4_reinstatement_may_not_take_effect_before_the_audit_that_cured_the_lapse(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    # given a certificate suspended on 2027-04-01 and its surveillance audit held on 2027-04-06
    number = certified(walk)
    clock.set(date(2027, 4, 6))
    app.suspend_if_surveillance_overdue(number)
    survey(app, staff, number, date(2027, 4, 6))
    # when the reinstatement is dated 2027-04-03, before that audit, then it is refused: the certificate would
    # show as valid on days when its surveillance had lapsed and not been held
    with refused(app, RuleViolation, "R-SURV-4", "§11.1"):
        app.reinstate(number, date(2027, 4, 3), "监督审核已完成", actor=staff.admin)


# R-RECERT-1: renewal within the 6 months before expiry, the whole cycle evaluated, decided before expiry


def renewal_walk(app: Registry, staff: Staff, original: Walk, applied_on: date) -> Walk:
    renewal = Walk(app, staff, applied_on, uscc=original.uscc)
    return renewal.apply(kind="renewal", renewal_of=original.number).documents()


def test_r_recert_1_a_renewal_applied_on_the_first_day_of_the_window_is_eligible(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    # given a certificate valid until 2029-03-30: the window opens 2028-09-30
    certified(walk)
    clock.set(date(2028, 10, 15))
    # when the renewal is applied on 2028-09-30, then it is eligible and may be accepted
    renewal = renewal_walk(app, staff, walk, date(2028, 9, 30))
    assert app.get_case(renewal.case).eligible
    renewal.accept()
    assert app.get_case(renewal.case).stage == "accepted"


def test_r_recert_1_a_renewal_applied_one_day_before_the_window_is_refused_at_acceptance(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    certified(walk)
    clock.set(date(2028, 10, 15))
    # when the renewal is applied on 2028-09-29, then the gap is recorded and acceptance is refused
    renewal = renewal_walk(app, staff, walk, date(2028, 9, 29))
    case = app.get_case(renewal.case)
    assert not case.eligible
    assert [g["rule"] for g in case.eligibility_gaps] == ["R-RECERT-1"]
    with refused(app, RuleViolation, "R-RECERT-1", "§11.1"):
        renewal.accept()


def to_renewal_report(app: Registry, staff: Staff, original: Walk, applied_on: date, **report: Any) -> Walk:
    renewal = renewal_walk(app, staff, original, applied_on)
    return renewal.accept().agree().programme().team().stage1().stage2().report(**report)


@pytest.mark.parametrize("missing", ["cycle_effectiveness", "actual_reductions"])
def test_r_recert_1_a_renewal_report_without_the_cycle_evaluation_bars_the_grant(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk, missing: str) -> None:
    certified(walk)
    clock.set(date(2028, 11, 30))
    # (the four items of §9.2.2 include the cycle's effectiveness and its actual reductions: left out there too)
    item = {"cycle_effectiveness": "system_effectiveness_and_scope", "actual_reductions": "actual_reductions"}[missing]
    four = {**RECERTIFICATION_TEXT, item: ""}
    renewal = to_renewal_report(app, staff, walk, date(2028, 10, 9), **{**CYCLE, missing: ""}, recertification=four)
    assert [g["rule"] for g in app.get_case(renewal.case).report_gaps] == ["R-RECERT-1", "R-RECERT-2"]
    with refused(app, RuleViolation, "R-RECERT-1", "§9.2.2"):
        renewal.decide()


def test_r_recert_1_a_grant_before_expiry_issues_the_next_certificate_with_continuity(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    # given a certificate valid until 2029-03-30 and a complete renewal report
    old = certified(walk)
    clock.set(date(2028, 11, 30))
    renewal = to_renewal_report(app, staff, walk, date(2028, 10, 9), **CYCLE)
    # when the recertification is granted on 2028-11-08, before expiry
    renewal.decide(decided_on=date(2028, 11, 8))
    # then a new certificate renews the old one, and the old one names its successor
    assert renewal.number is not None and renewal.number != old
    new, previous = app.get_certificate(renewal.number), app.get_certificate(old)
    assert (new.renews, new.status, new.issued_on, new.valid_until) == (old, "valid", date(2028, 11, 8),
                                                                        date(2031, 11, 7))
    assert previous.renewed_by == renewal.number
    assert renewal.case in previous.case_ids


def test_r_recert_1_a_grant_on_the_last_day_of_validity_is_in_time(app: Registry, clock: FixedClock,
                                                                   staff: Staff, walk: Walk) -> None:
    old = certified(walk)
    clock.set(date(2029, 4, 15))
    renewal = to_renewal_report(app, staff, walk, date(2029, 3, 1), **CYCLE)
    renewal.decide(decided_on=date(2029, 3, 30))
    assert app.get_certificate(old).renewed_by == renewal.number


def test_r_recert_1_a_grant_after_the_old_certificate_ran_out_is_refused(app: Registry, clock: FixedClock,
                                                                         staff: Staff, walk: Walk) -> None:
    certified(walk)
    clock.set(date(2029, 4, 15))
    renewal = to_renewal_report(app, staff, walk, date(2029, 3, 1), **CYCLE)
    with refused(app, RuleViolation, "R-RECERT-1", "§9.2"):
        renewal.decide(decided_on=date(2029, 3, 31))
