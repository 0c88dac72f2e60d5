"""The office's directory (``projections.office_directory``) on SQLite and PostgreSQL: its rows follow the cases, the
organisations and the people, are the same event by event as from a rebuild, and its lists find them by name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from demo.scenario import Walk
from projections.certificate_projection import STORED_EFFECTIVE_ON
from projections.deadlines import DEADLINE_CASE_EVENTS
from projections.office_changes import NEEDS_APPROVAL, STEPS, ApprovalWaiting, case_changes, step_changes
from projections.office_lists import CAP
from projections.runner import Views, open_views
from registry.application import Registry
from registry.values import Changes
from tests.conftest import TODAY

DIRECTORY = ("office_cases", "office_organizations", "office_people", "office_team_waiting", "office_approval_waiting")
SHORT = {"person_days": Decimal(3), "justification": "工艺简单"}  # R-PREP-2: waits for a decision maker's approval


def directory_rows(views: Views) -> list[tuple[Any, ...]]:
    return [row for row in views.public.rows() if row[0] in DIRECTORY]


def one_event_at_a_time(app: Registry, views: Views) -> None:
    start = views.position()
    for notification in app.recorder.select_notifications(start + 1, views.head() - start):
        views.take(notification)


def accepted(app: Registry, walk: Walk, name: str) -> Walk:
    return Walk(app, walk.staff, date(2026, 3, 2)).organization(name).apply().documents().accept()


def test_the_directory_follows_cases_organisations_and_people_and_a_rebuild_gives_the_same_rows(
        app: Registry, walk: Walk) -> None:
    staff = walk.staff
    granted = accepted(app, walk, "甲乙能源有限公司").agree().programme().team().stage1().stage2().report().decide()
    applied = Walk(app, staff, date(2026, 3, 2)).organization("丙丁电力有限公司").apply()
    at_team = accepted(app, walk, "戊己化工有限公司").agree().programme().team()
    refused = accepted(app, walk, "庚辛钢铁有限公司")
    Walk(app, staff, date(2026, 3, 2)).organization("壬癸建材有限公司").apply().documents().accept(
        accepted=False, reasons="申请人不符合受理条件")
    short = accepted(app, walk, "子丑电力有限公司").agree().programme(**SHORT)
    approved = accepted(app, walk, "寅卯能源有限公司").agree().programme(**SHORT)
    app.approve_programme(approved.case, approved.day(6), "同意", actor=staff.decision)
    accepted(app, walk, "辰巳化工有限公司").agree().programme(**SHORT).programme()  # again, at 4 person-days
    number = granted.number or ""
    request = app.request_change(number, date(2026, 9, 21), date(2026, 9, 5), Changes(name="甲乙新能源有限公司"),
                                 actor=staff.intake).ids["request"]
    app.change_certificate(number, request, date(2026, 9, 25), actor=staff.intake)
    views = open_views(app)

    one_event_at_a_time(app, views)
    by_event = directory_rows(views)
    views.rebuild()
    assert directory_rows(views) == by_event

    d = views.directory
    stages = {row["name"]: (row["stage"], row["certificate_number"]) for row in d.cases().rows}
    assert stages["甲乙新能源有限公司"] == ("granted", number)  # the organisation's new name, on its case too
    assert stages["丙丁电力有限公司"] == ("applied", None)
    assert stages["戊己化工有限公司"][0] == "team_appointed"
    assert stages["庚辛钢铁有限公司"][0] == "accepted"
    assert stages["壬癸建材有限公司"][0] == "not_accepted"

    # Filters and searches
    assert [r["name"] for r in d.cases(stage="team_appointed").rows] == ["戊己化工有限公司"]
    assert [r["name"] for r in d.cases(organization="丙丁").rows] == ["丙丁电力有限公司"]
    assert [r["name"] for r in d.cases(organization=applied.uscc.lower()).rows] == ["丙丁电力有限公司"]
    assert d.cases(kind="renewal").total == 0
    orgs = d.organizations("甲乙")
    assert [(o["uscc"], o["name"]) for o in orgs.rows] == [(granted.uscc, "甲乙新能源有限公司")]
    assert d.organizations(refused.uscc).rows[0]["name"] == "庚辛钢铁有限公司"
    assert d.organizations("乙").total == 0  # a name is searched by its beginning
    leader = app.get_person(staff.leader)
    assert [p["id"] for p in d.people(leader.name).rows] == [str(staff.leader)]
    certificates = d.certificates(search=number.lower())
    assert [c["number"] for c in certificates.rows] == [number]
    assert d.certificates(search="甲乙新").rows[0]["uscc"] == granted.uscc
    assert d.certificates(status="suspended").total == 0

    # The work page's reads
    waiting = d.waiting(["applied", "accepted", "planned"])
    assert [c["name"] for c in waiting["applied"][0]] == ["丙丁电力有限公司"]
    assert [c["name"] for c in waiting["accepted"][0]] == ["庚辛钢铁有限公司"]
    assert [c["case_id"] for c in d.team_waiting(str(staff.member))] == [str(at_team.case)]
    assert d.team_waiting(str(staff.decision.person)) == []
    assert [c["case_id"] for c in d.approvals_waiting()] == [str(short.case)]  # R-PREP-2
    coming = d.coming_up(date(2027, 2, 1), days=60)
    assert [c["name"] for c in coming["surveillance"][0]] == ["甲乙新能源有限公司"]
    deadlines = d.deadline_list(None, None, TODAY)
    named = {(row["rule"], row["name"]) for row in deadlines.rows}
    assert ("R-SURV-1", "甲乙新能源有限公司") in named
    assert ("R-ACC-2", "庚辛钢铁有限公司") in named
    assert all(row["name"] for row in deadlines.rows)
    assert d.deadline_list("open", "R-SURV-1", TODAY).rows[0]["ref"] == number


def test_a_case_step_read_from_the_stored_event_changes_what_the_decoded_event_does(app: Registry,
                                                                                  walk: Walk) -> None:
    first = app.recorder.max_notification_id() or 0
    accepted(app, walk, "步骤甲能源有限公司").agree().programme().team().stage1().stage2().report().decide()
    accepted(app, walk, "步骤乙电力有限公司").agree().programme().team().stage1().stage2().report().decide(
        grant=False, reasons="不满足认证决定条件")
    short = accepted(app, walk, "步骤丙化工有限公司").agree().programme(**SHORT)
    app.approve_programme(short.case, short.day(6), "同意", actor=walk.staff.decision)
    stored = app.recorder.select_notifications(first + 1, 10_000)
    steps = [(n, n.topic.rpartition(".")[2]) for n in stored if n.topic.rpartition(".")[2] in STEPS]

    assert {step for _, step in steps} == set(STEPS)  # each step, as stored
    for notification, step in steps:
        found = STORED_EFFECTIVE_ON.findall(notification.state)
        assert len(found) == 1, notification.state
        on = date.fromisoformat(found[0].decode())
        event: Any = app.mapper.to_domain_event(notification)
        read, decoded = step_changes(str(notification.originator_id), step, on), case_changes(event)
        if NEEDS_APPROVAL in notification.state:  # decoded, never read from the store: its wait begins (R-PREP-2)
            assert ApprovalWaiting(str(notification.originator_id), on) in decoded
            continue
        assert read == decoded
    assert not set(STEPS) & DEADLINE_CASE_EVENTS  # nothing else is wanted of a step: the deadlines take none


def test_a_page_counts_up_to_its_cap_and_pages_stop_there(app: Registry, walk: Walk) -> None:
    views = open_views(app)
    views.catch_up()
    d = views.directory
    people = d.people()
    assert not people.capped and people.total == len(people.rows) >= 5
    assert d.people(page=10_000).page == CAP // 25  # beyond the cap: the last page it goes to
    past = d.people(page=3)  # past the last page: no row carries the count, which is still told
    assert past.rows == [] and past.total == people.total and not past.capped
    assert d.people("no such person").total == 0
    assert d.people("认证决定人员").total == 1
