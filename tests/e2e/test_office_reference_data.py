"""Issue 24, item 1 in the office: the page of the certification bases the body accepts (R-BASIS-1) and its CNCA
approvals (R-BODY-1), read by every signed-in user, recorded by an administrator, with the history of every entry;
a refusal beside its form; the certificate's page naming the approval it was issued under."""

from __future__ import annotations

import re
from datetime import date

from demo.scenario import DEMO_APPROVAL, Walk
from tests.e2e.office_users import Office

PAGE = "/office/reference/body"


def test_the_page_lists_the_bases_and_approvals_and_is_linked_in_the_navigation(office: Office) -> None:
    page = office.regulator.get(PAGE)
    assert page.status_code == 200, page.text
    assert 'data-basis="CCAI-S-C06:2023"' in page.text and "内置" in page.text  # built in, never recorded
    assert f'data-approval="{DEMO_APPROVAL[0]}"' in page.text  # the staff's enrolment recorded the demo's
    assert f'href="{PAGE}"' in page.text
    assert 'data-form="basis"' not in page.text and 'data-form="approval"' not in page.text  # forms: admin only
    assert 'data-form="basis"' in office.admin.get(PAGE).text


def test_an_admin_records_a_basis_and_an_approval_and_the_history_names_who_and_when(office: Office) -> None:
    basis = office.admin.post(f"{PAGE}/bases", {"standard": "电力行业认证要求", "version": "2025", "kind": "sector",
                                                 "valid_from": "2025-06-01", "valid_until": ""})
    assert basis.status_code == 303, basis.text
    approval = office.admin.post(f"{PAGE}/approvals", {"number": "CNCA-R-2021-118", "valid_from": "2021-06-01",
                                                        "valid_until": "2027-05-31"})
    assert approval.status_code == 303, approval.text

    page = office.intake.get(PAGE).text
    assert 'data-basis="电力行业认证要求:2025"' in page and "行业认证要求" in page
    assert 'data-approval="CNCA-R-2021-118"' in page
    lines = re.findall(r"<li data-history-line>(.*?)</li>", page, re.S)
    assert len(lines) == 3  # the demo approval (enrolment), then the two recorded here
    admin = office.registry.get_person(office.staff.admin.person or "").name
    assert "记录接受的认证依据" in lines[1] and "电力行业认证要求:2025" in lines[1]
    assert "记录认证机构批准书" in lines[2] and "CNCA-R-2021-118（2021-06-01 — 2027-05-31）" in lines[2]
    assert all("管理" in line for line in lines) and admin in lines[0]
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", lines[2])


def test_a_refused_entry_is_shown_beside_its_form_and_nothing_is_recorded(office: Office) -> None:
    before = office.registry.recorder.max_notification_id()
    backwards = office.admin.post(f"{PAGE}/approvals", {"number": "CNCA-R-2021-118", "valid_from": "2027-06-01",
                                                         "valid_until": "2021-05-31"})
    assert backwards.status_code == 422 and "data-refusal" in backwards.text
    assert 'value="CNCA-R-2021-118"' in backwards.text  # the form keeps what was typed
    forbidden = office.intake.post(f"{PAGE}/bases", {"standard": "CCAI-S-C06", "version": "2026",
                                                      "kind": "management_system", "valid_from": "2026-01-01"})
    assert forbidden.status_code == 403
    assert office.registry.recorder.max_notification_id() == before


def test_an_application_on_a_basis_not_accepted_is_refused_in_the_office(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 3, 2)).organization()
    answer = office.intake.post("/office/cases/new", {
        "organization_uscc": walk.uscc, "kind": "initial", "applied_on": "2026-03-02", "scope": "电力生产",
        "levels": "organization | iso_14064_1", "cems_operating_since": "2025-06-01",
        "incident_report_commitment": "on", "sectors": "电力", "basis.standard": "GB/T 24001",
        "basis.version": "2016"})
    assert answer.status_code == 422 and 'data-rule="R-BASIS-1"' in answer.text


def test_the_certificate_page_names_the_approval_it_was_issued_under(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 3, 2)).to_certificate()
    page = office.regulator.get(f"/office/certificates/{walk.number}").text
    assert re.search(rf"<dd data-approval><span class=\"mono\">{DEMO_APPROVAL[0]}</span>", page)
