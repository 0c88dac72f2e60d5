"""Acceptance (§8.2): R-ACC-1 the review, R-ACC-2 supplements and the 3-working-day notice, R-ACC-3 the agreement.

Each rule is checked at both edges. A refusal names its rule and clause, writes nothing, and leaves the case as it
was when it is loaded again.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest

from demo.scenario import FULL_REVIEW, Staff, Walk
from registry import calendar as registry_calendar
from registry import rules
from registry.application import Registry
from registry.calendar import PACKAGE, add_working_days
from registry.errors import RuleViolation
from registry.values import DocumentKind, Review
from tests.factories import refused


def acceptance_event(app: Registry, case_id: Any) -> Any:
    """The case's last stored event, which a notice (accept or not) just recorded."""
    return list(app.events.get(case_id))[-1]


# R-ACC-1: the acceptance review confirms all three points


def test_r_acc_1_a_review_confirming_all_three_points_allows_acceptance(walk: Walk) -> None:
    walk.organization().apply().documents()

    walk.accept(review=FULL_REVIEW)

    event = acceptance_event(walk.app, walk.case)
    assert type(event).__name__ == "Accepted"
    assert event.review == FULL_REVIEW
    assert event.actor == walk.staff.intake
    assert walk.app.get_case(walk.case).stage == "accepted"


@pytest.mark.parametrize("unconfirmed", ["information_sufficient", "requirements_understood",
                                         "competent_and_resourced"])
def test_r_acc_1_acceptance_with_a_review_point_unconfirmed_is_refused(walk: Walk, unconfirmed: str) -> None:
    walk.organization().apply().documents()
    points = {"information_sufficient": True, "requirements_understood": True, "competent_and_resourced": True}
    points[unconfirmed] = False

    with refused(walk.app, RuleViolation, "R-ACC-1", "§8.2"):
        walk.accept(review=Review(**points))


def test_r_acc_1_a_not_accept_notice_may_record_an_unconfirmed_review(walk: Walk) -> None:
    walk.organization().apply().documents()
    review = Review(information_sufficient=True, requirements_understood=True, competent_and_resourced=False)

    walk.accept(accepted=False, review=review, reasons="本机构暂无该行业专业审核资源")

    assert walk.app.get_case(walk.case).stage == "not_accepted"


def test_r_acc_1_a_refused_acceptance_leaves_the_case_unchanged_when_reloaded(walk: Walk) -> None:
    # given an applied case with all its documents
    walk.organization().apply().documents()
    before = walk.app.repository.get(walk.case)
    events_before = list(walk.app.events.get(walk.case))

    # when its acceptance is refused
    with refused(walk.app, RuleViolation, "R-ACC-1", "§8.2"):
        walk.accept(review=Review(True, True, False))

    # then the reloaded case is exactly as it was
    after = walk.app.repository.get(walk.case)
    assert after.version == before.version
    assert (after.stage, after.accepted_on, after.intake) == (before.stage, None, set())
    assert list(walk.app.events.get(walk.case)) == events_before
    assert walk.app.get_case(walk.case).stage == "applied"


# R-ACC-2: a supplement request names what is missing; the notice is due within 3 working days


def test_r_acc_2_a_supplement_request_naming_missing_documents_is_recorded(walk: Walk) -> None:
    walk.organization().apply().documents(skip=(DocumentKind.SITES_LIST, DocumentKind.APPLICABLE_LAWS))

    walk.app.request_supplement(walk.case, walk.day(2), [DocumentKind.SITES_LIST, "applicable_laws"],
                                "请补充固定及临时场所清单和适用法律清单", actor=walk.staff.intake)

    event = acceptance_event(walk.app, walk.case)
    assert type(event).__name__ == "SupplementRequested"
    assert tuple(event.missing) == (DocumentKind.SITES_LIST, DocumentKind.APPLICABLE_LAWS)


def test_r_acc_2_a_supplement_request_naming_nothing_is_refused(walk: Walk) -> None:
    walk.organization().apply().documents(skip=(DocumentKind.SITES_LIST,))

    with refused(walk.app, RuleViolation, "R-ACC-2", "§8.2"):
        walk.app.request_supplement(walk.case, walk.day(2), [], "请补充资料", actor=walk.staff.intake)


def test_r_acc_2_a_supplement_request_naming_a_received_document_is_refused(walk: Walk) -> None:
    walk.organization().apply().documents(skip=(DocumentKind.SITES_LIST,))

    with refused(walk.app, RuleViolation, "R-ACC-2", "§8.2") as refusal:
        walk.app.request_supplement(walk.case, walk.day(2), [DocumentKind.SITES_LIST, DocumentKind.APPLICATION_FORM],
                                    "请补充资料", actor=walk.staff.intake)

    assert "application_form" in refusal.value.detail


def test_r_acc_2_notice_due_three_working_days_after_a_monday_completion_is_thursday(app: Registry,
                                                                                     staff: Staff) -> None:
    walk = Walk(app, staff, date(2026, 3, 2)).organization().apply().documents(on=date(2026, 3, 9))

    assert app.get_case(walk.case).acceptance_notice_due_by == date(2026, 3, 12)


def test_r_acc_2_notice_due_date_skips_the_2026_spring_festival_but_counts_the_adjusted_saturday(
        app: Registry, staff: Staff) -> None:
    # given documents complete on Friday 2026-02-13: Sat 14 is an adjusted working day, Feb 15–23 are the holiday
    walk = Walk(app, staff, date(2026, 2, 10)).organization().apply().documents(on=date(2026, 2, 13))

    # then the working days are Sat 14, Tue 24, Wed 25
    assert app.get_case(walk.case).acceptance_notice_due_by == date(2026, 2, 25)
    assert rules.acceptance_notice_due(date(2026, 2, 13), PACKAGE) == date(2026, 2, 25)
    assert [add_working_days(date(2026, 2, 13), n) for n in (1, 2, 3)] == [
        date(2026, 2, 14), date(2026, 2, 24), date(2026, 2, 25)]


def test_r_acc_2_notice_due_date_counts_the_adjusted_working_saturday_of_28_february() -> None:
    # Thursday 2026-02-26 → Fri 27, Sat 28 (adjusted working day), Mon 2 March
    assert rules.acceptance_notice_due(date(2026, 2, 26), PACKAGE) == date(2026, 3, 2)


def test_r_acc_2_the_notice_clock_starts_when_the_last_document_arrives(walk: Walk) -> None:
    # given ten documents on Tuesday 2026-03-03 and the last one on Monday 2026-03-09
    walk.organization().apply().documents(skip=(DocumentKind.CARBON_REVIEW_REPORT,))
    assert walk.app.get_case(walk.case).acceptance_notice_due_by is None

    walk.app.receive_document(walk.case, DocumentKind.CARBON_REVIEW_REPORT, date(2026, 3, 9), b"%PDF-1.7 report",
                              actor=walk.staff.intake)

    assert walk.app.get_case(walk.case).acceptance_notice_due_by == date(2026, 3, 12)


def test_r_acc_2_the_notice_clock_starts_on_the_day_the_checklist_became_complete_whatever_the_entry_order(
        walk: Walk) -> None:
    # given ten documents received on Monday 2026-03-09, and the eleventh, received earlier (Tuesday 2026-03-03),
    # entered last: the checklist became complete on 2026-03-09
    walk.organization().apply().documents(on=date(2026, 3, 9), skip=(DocumentKind.SITES_LIST,))
    walk.app.receive_document(walk.case, DocumentKind.SITES_LIST, date(2026, 3, 3), b"%PDF-1.7 sites",
                              actor=walk.staff.intake)

    # then the notice is due three working days after 2026-03-09, not after 2026-03-03
    assert walk.app.get_case(walk.case).acceptance_notice_due_by == date(2026, 3, 12)
    walk.accept(decided_on=date(2026, 3, 11))
    assert acceptance_event(walk.app, walk.case).notice_late is False


def test_r_acc_2_a_notice_on_its_due_date_is_not_late(walk: Walk) -> None:
    walk.organization().apply().documents(on=date(2026, 3, 9))

    walk.accept(decided_on=date(2026, 3, 12))

    event = acceptance_event(walk.app, walk.case)
    assert (event.notice_due_by, event.notice_late) == (date(2026, 3, 12), False)


def test_r_acc_2_a_notice_a_day_after_its_due_date_is_recorded_and_flagged_late(walk: Walk) -> None:
    walk.organization().apply().documents(on=date(2026, 3, 9))

    walk.accept(decided_on=date(2026, 3, 13))

    event = acceptance_event(walk.app, walk.case)
    assert type(event).__name__ == "Accepted"
    assert (event.notice_due_by, event.notice_late) == (date(2026, 3, 12), True)
    assert walk.app.get_case(walk.case).stage == "accepted"


def test_r_acc_2_a_late_not_accept_notice_is_recorded_and_flagged_late(walk: Walk) -> None:
    walk.organization().apply().documents(on=date(2026, 3, 9))

    walk.accept(decided_on=date(2026, 3, 16), accepted=False, reasons="不具备相应专业能力")

    event = acceptance_event(walk.app, walk.case)
    assert type(event).__name__ == "NotAccepted"
    assert event.notice_late is True


def test_r_acc_2_working_days_fall_back_to_monday_to_friday_for_2027_and_say_so(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # the warning is logged once per year and process: start from a process that has not warned yet
    monkeypatch.setattr(registry_calendar, "_warned_years", set())

    with caplog.at_level(logging.WARNING, logger="registry.calendar"):
        # Thu 2026-12-31 → Fri 1, Mon 4, Tue 5 January 2027 (New Year's Day is not known, so it counts)
        due = add_working_days(date(2026, 12, 31), 3)

    assert due == date(2027, 1, 5)
    warnings = [r for r in caplog.records if r.name == "registry.calendar" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage()
    assert "Monday" in warnings[0].getMessage()


def test_r_acc_2_working_days_within_the_calendar_log_nothing(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(registry_calendar, "_warned_years", set())

    with caplog.at_level(logging.WARNING, logger="registry.calendar"):
        assert add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 12)

    assert [r for r in caplog.records if r.name == "registry.calendar"] == []


# R-ACC-3: the agreement is signed and the fee paid before audit work starts


def test_r_acc_3_the_audit_programme_after_the_agreement_is_recorded(walk: Walk) -> None:
    walk.to_acceptance().agree()

    walk.programme()

    assert walk.app.get_case(walk.case).stage == "planned"


def test_r_acc_3_the_audit_programme_before_the_agreement_is_refused(walk: Walk) -> None:
    walk.to_acceptance()

    with refused(walk.app, RuleViolation, "R-ACC-3", "§8.2"):
        walk.programme()


def test_r_acc_3_the_audit_programme_on_the_day_the_fee_is_paid_is_recorded(walk: Walk) -> None:
    walk.to_acceptance().agree(signed_on=date(2026, 3, 5), fee_paid_on=date(2026, 3, 9))

    walk.programme(planned_on=date(2026, 3, 9))

    assert walk.app.get_case(walk.case).stage == "planned"


def test_r_acc_3_the_audit_programme_after_signing_but_before_the_fee_is_paid_is_refused(walk: Walk) -> None:
    # the agreement is signed on 2026-03-05 and the fee paid on 2026-03-09: audit work may start on 2026-03-09
    walk.to_acceptance().agree(signed_on=date(2026, 3, 5), fee_paid_on=date(2026, 3, 9))

    with refused(walk.app, RuleViolation, "R-ACC-3", "§8.2"):
        walk.programme(planned_on=date(2026, 3, 6))


def test_r_acc_3_stage_1_before_the_agreement_is_refused(walk: Walk) -> None:
    walk.to_acceptance()

    with refused(walk.app, RuleViolation, "R-ACC-3", "§8.2"):
        walk.stage1()
