"""The office's work page and lists over plain HTTP on PostgreSQL: cases walked to different stages are listed by
their organisation's name, filtered and paged; each user's work page shows the cases waiting on their roles, the
deadlines by name, and what falls due in the next 60 days."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from demo.scenario import Walk
from tests.e2e.office_users import Office

START = date(2026, 3, 2)


def accepted(o: Office, name: str) -> Walk:
    return Walk(o.registry, o.staff, START).organization(name).apply().documents().accept()


def rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', html)


def section(html: str, marker: str) -> str:
    """The part of the page from ``marker`` to the end of its card (the next card or section)."""
    start = html.index(marker)
    ends = [i for i in (html.find('<div class="card', start + 1), html.find("<section", start + 1)) if i > 0]
    return html[start:min(ends) if ends else len(html)]


def walked(o: Office) -> dict[str, Walk]:
    waiting = Walk(o.registry, o.staff, START).organization("列表甲能源有限公司").apply().documents()
    reported = accepted(o, "列表乙电力有限公司").agree().programme().team().stage1().stage2().report()
    planned = accepted(o, "列表丙化工有限公司").agree().programme()
    at_team = accepted(o, "列表丁钢铁有限公司").agree().programme().team()
    granted = accepted(o, "列表戊建材有限公司").agree().programme().team().stage1().stage2().report().decide()
    o.caught_up()
    return {"waiting": waiting, "reported": reported, "planned": planned, "at_team": at_team, "granted": granted}


def test_the_lists_show_cases_by_name_and_filter_them(office: Office) -> None:
    w = walked(office)

    page = office.intake.get("/office/cases")
    assert page.status_code == 200
    for name in ("列表甲能源有限公司", "列表乙电力有限公司", "列表戊建材有限公司"):
        assert name in page.text
    assert f'href="/office/cases/{w["reported"].case}"' in page.text
    assert "已提交审核报告" in page.text and "Report submitted" in page.text  # stages in Chinese and English
    assert "初次认证" in page.text and "Initial" in page.text

    reported = office.intake.get("/office/cases", params={"stage": "reported"})
    assert rows(reported.text, "data-case") == [str(w["reported"].case)]
    by_name = office.intake.get("/office/cases", params={"organization": "列表丙"})
    assert rows(by_name.text, "data-case") == [str(w["planned"].case)]
    by_uscc = office.intake.get("/office/cases", params={"organization": w["at_team"].uscc})
    assert rows(by_uscc.text, "data-case") == [str(w["at_team"].case)]
    assert rows(office.intake.get("/office/cases", params={"kind": "renewal"}).text, "data-case") == []
    everything = rows(office.intake.get("/office/cases", params={"stage": "no-such-stage"}).text, "data-case")
    assert len(everything) == 5  # an unknown filter filters nothing

    number = w["granted"].number or ""
    certificates = office.decision.get("/office/certificates", params={"q": number.lower()})
    assert rows(certificates.text, "data-certificate") == [number]
    assert "列表戊建材有限公司" in certificates.text and f'href="/office/certificates/{number}"' in certificates.text
    assert rows(office.decision.get("/office/certificates", params={"q": "列表戊"}).text,
                "data-certificate") == [number]
    assert rows(office.decision.get("/office/certificates", params={"status": "withdrawn"}).text,
                "data-certificate") == []
    assert "有效" in certificates.text

    organizations = office.regulator.get("/office/organizations", params={"q": "列表"})
    assert len(rows(organizations.text, "data-organization")) == 5
    assert f'href="/office/organizations/{w["waiting"].uscc}"' in organizations.text
    one = office.regulator.get("/office/organizations", params={"q": w["planned"].uscc})
    assert rows(one.text, "data-organization") == [w["planned"].uscc]

    leader = office.registry.get_person(office.staff.leader)
    people = office.admin.get("/office/people", params={"q": leader.name})
    assert rows(people.text, "data-person") == [str(office.staff.leader)]
    assert f'href="/office/people/{office.staff.leader}"' in people.text


def test_the_lists_page_and_keep_their_filters(office: Office) -> None:
    for i in range(30):
        w = Walk(office.registry, office.staff, START)
        office.registry.register_organization(w.uscc, f"分页测试有限公司{i:02}", "北京市东城区示例街1号",
                                              actor=office.staff.intake)
    office.caught_up()

    first = office.intake.get("/office/organizations", params={"q": "分页测试"})
    names = re.findall(r"分页测试有限公司\d\d", first.text)
    assert names[:25] == [f"分页测试有限公司{i:02}" for i in range(25)] and 'data-count="30"' in first.text
    assert 'href="?q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95&page=2" rel="next"' in first.text
    second = office.intake.get("/office/organizations", params={"q": "分页测试", "page": "2"})
    assert len(rows(second.text, "data-organization")) == 5
    assert "分页测试有限公司29" in second.text and 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_deadlines_are_listed_by_organisation_name_linking_to_their_case_or_certificate(office: Office) -> None:
    w = walked(office)

    overdue = office.regulator.get("/office/deadlines", params={"state": "overdue"})
    assert overdue.status_code == 200
    waiting_case = str(w["waiting"].case)
    assert f'href="/office/cases/{waiting_case}">列表甲能源有限公司</a>' in overdue.text  # R-ACC-2, never answered
    assert rows(overdue.text, "data-state") and set(rows(overdue.text, "data-state")) == {"overdue"}
    assert f">{waiting_case}<" not in overdue.text  # a name, not a bare id

    number = w["granted"].number or ""
    surveillance = office.regulator.get("/office/deadlines", params={"rule": "R-SURV-1"})
    assert rows(surveillance.text, "data-rule") and set(rows(surveillance.text, "data-rule")) == {"R-SURV-1"}
    assert f'href="/office/certificates/{number}">列表戊建材有限公司</a>' in surveillance.text
    met = office.regulator.get("/office/deadlines", params={"state": "met"})
    assert "R-ACC-2" in met.text and "列表乙电力有限公司" in met.text  # accepted in time


def test_the_work_page_shows_each_user_the_cases_waiting_on_their_roles(office: Office) -> None:
    w = walked(office)

    intake = office.intake.get("/office/").text
    assert 'data-user' in intake and 'data-role="intake"' in intake
    acceptance = section(intake, 'data-queue="applied"')
    assert rows(acceptance, "data-waiting") == [str(w["waiting"].case)] and "列表甲能源有限公司" in acceptance
    assert "作出受理决定" in acceptance and f'href="/office/cases/{w["waiting"].case}"' in acceptance
    assert 'data-queue="reported"' not in intake  # not the intake clerk's step

    decision = office.decision.get("/office/").text
    deciding = section(decision, 'data-queue="reported"')
    assert rows(deciding, "data-waiting") == [str(w["reported"].case)] and "列表乙电力有限公司" in deciding
    assert 'data-queue="applied"' not in decision

    admin = section(office.admin.get("/office/").text, 'data-queue="planned"')
    assert rows(admin, "data-waiting") == [str(w["planned"].case)]
    team = section(office.member.get("/office/").text, 'data-queue="team"')
    assert rows(team, "data-waiting") == [str(w["at_team"].case)]  # the team they are on, at stage 1

    # Deadlines by organisation name, overdue and missed first for a regulator
    regulator = office.regulator.get("/office/").text
    assert 'data-role="regulator"' in regulator and 'data-queue=' not in regulator
    assert regulator.index('data-section="deadlines"') < regulator.index('data-section="coming"')
    overdue = section(regulator, 'data-deadlines="overdue"')
    assert "列表甲能源有限公司" in overdue and "R-ACC-2" in overdue and "card urgent" in regulator
    assert "列表甲能源有限公司" in section(intake, 'data-deadlines="overdue"')


def test_the_work_page_shows_surveillance_and_expiry_coming_up(office: Office) -> None:
    # Granted on 2025-12-31: its first surveillance audit falls due within 12 months, in the 60 days after the
    # registry's clock (2026-11-24).
    w = Walk(office.registry, office.staff, date(2025, 12, 1)).organization("临近监督有限公司").apply().documents()
    w.accept().agree().programme().team().stage1().stage2().report().decide()
    office.caught_up()
    number = w.number or ""
    document = office.client.app.state.views.public.certificate(number)  # type: ignore[attr-defined]
    due = date.fromisoformat(document["surveillance"]["next_due_by"])

    assert 0 <= (due - date(2026, 11, 24)).days <= 60, due

    page = office.leader.get("/office/").text
    coming = section(page, 'data-coming="surveillance"')
    assert "临近监督有限公司" in coming and f'href="/office/certificates/{number}"' in coming
    assert due.isoformat() in coming
    assert "临近监督有限公司" not in section(page, 'data-coming="expiry"')  # valid until 2028


def test_r_prep_2_the_work_page_shows_a_decision_maker_the_programmes_awaiting_approval(office: Office) -> None:
    short = {"person_days": Decimal("3.5"), "justification": "单一厂区，仅外购电力"}
    later = accepted(office, "待批方案甲有限公司").agree().programme(planned_on=START.replace(day=7), **short)
    at_team = accepted(office, "待批方案乙有限公司").agree().programme(**short).team()
    approved = accepted(office, "待批方案丙有限公司").agree().programme(**short)
    office.registry.approve_programme(approved.case, approved.day(6), "同意", actor=office.staff.decision)
    accepted(office, "待批方案丁有限公司").agree().programme(**short).programme()  # planned again at 4 person-days
    office.caught_up()

    page = office.decision.get("/office/").text
    waiting = section(page, 'data-queue="approval"')
    assert rows(waiting, "data-waiting") == [str(at_team.case), str(later.case)]  # longest waiting first
    assert "批准审核方案（少于 4 人日）" in waiting and "待批方案乙有限公司" in waiting
    assert f'href="/office/cases/{later.case}"' in waiting
    for other in (office.admin, office.leader, office.intake):
        assert 'data-queue="approval"' not in other.get("/office/").text

    answer = office.decision.post(f"/office/cases/{later.case}/programme/approval",
                                  {"approved_on": "2026-03-09", "note": "同意"})
    assert answer.status_code == 303, answer.text
    office.caught_up()
    waiting = section(office.decision.get("/office/").text, 'data-queue="approval"')
    assert rows(waiting, "data-waiting") == [str(at_team.case)]


def test_the_lists_need_a_signed_in_user(office: Office) -> None:
    office.client.cookies.clear()
    for path in ("/office/cases", "/office/certificates", "/office/organizations", "/office/people",
                 "/office/deadlines"):
        answer = office.client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/office/login?next=")
