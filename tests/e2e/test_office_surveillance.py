"""The office's surveillance and recertification forms (issue 23), through HTTP: the certificate page's programme
(R-SURV-5), incident (R-SURV-6), surveillance audit with the five items, on site, nonconformities and person-days,
and the closure of its nonconformity (R-SURV-5); the renewal case's report with the four items of §9.2.2
(R-RECERT-2). Each refusal is shown beside its form with its rule, and writes nothing."""

from __future__ import annotations

import re
from datetime import date

from httpx2 import Response

from demo.scenario import Walk
from registry.clock import FixedClock
from registry.values import RECERTIFICATION_ITEMS, SURVEILLANCE_CONTENT
from tests.e2e.office_users import Office, User
from tests.e2e.test_office_records import certified, refusal_of, written

# R-GHG-2: an activity datum for the coming surveillance audit, as the certificate page's form sends it.
DATUM = {"item": "外购电量", "unit": "MWh", "source": "电费发票", "data_class": "continuous", "emissions_tco2e": "600",
         "monitoring_method": "关口电能表", "monitoring_frequency": "连续", "recording_frequency": "每月",
         "missing_data_handling": "按供电局结算单", "calibration.equipment": "电能表 E-1",
         "calibration.calibrated_on": "2026-03-01", "calibration.valid_until": "2027-02-28",
         "cross_checks": "电费发票 | 2026年6月发票 | 是", "reviewed_on": "2026-07-20"}


def audit_form(office: Office, conducted_on: str, **overrides: str) -> dict[str, str]:
    return {"conducted_on": conducted_on, "leader": str(office.staff.leader), "members": str(office.staff.member),
            "outcome": "maintained", "on_site": "true", "person_days": "2",
            **{f"content.{item}": f"已审核 {item}" for item in SURVEILLANCE_CONTENT}, **overrides}


def done(answer: Response, number: str) -> None:
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"/office/certificates/{number}")


def test_the_certificate_page_records_programme_incident_audit_and_closure(office: Office) -> None:
    walk = certified(office)  # issued 2026-03-31
    number = walk.number or ""
    url = f"/office/certificates/{number}"
    page = office.leader.get(url).text
    assert 'data-form="surveillance-programme"' in page and 'data-surveillance-content' in page
    assert 'data-form="incidents"' not in page  # intake's form
    assert 'data-form="incidents"' in office.intake.get(url).text

    # R-SURV-5: a frequency of 13 months is refused beside its form, and nothing is written
    before = written(office.registry)
    refused = office.leader.post(f"{url}/surveillance-programme",
                                 {"frequency_months": "13", "basis": "复杂", "on": "2026-05-01"})
    assert refused.status_code == 422 and 'data-rule="R-SURV-5"' in refusal_of(refused.text)
    assert written(office.registry) == before
    done(office.leader.post(f"{url}/surveillance-programme",
                            {"frequency_months": "6", "basis": "排放设施复杂", "on": "2026-05-01"}), number)
    page = office.leader.get(url).text
    assert 'data-programme="6"' in page and "data-next-due>2026-09-30<" in page

    # R-SURV-6: the incident, by intake
    done(office.intake.post(f"{url}/incidents", {
        "kind": "major_incident", "occurred_on": "2026-06-01", "reported_on": "2026-06-03",
        "description": "锅炉泄漏事故", "additional_audit_due_by": "2026-08-01"}), number)
    assert "data-incident=" in office.leader.get(url).text

    # R-SURV-5: an audit missing an item is refused beside its form; then recorded with a nonconformity
    refused = office.leader.post(f"{url}/surveillance-audits",
                                 audit_form(office, "2026-07-20", **{"content.compliance_evaluation": ""}))
    assert refused.status_code == 422 and 'data-rule="R-SURV-5"' in refusal_of(refused.text)
    done(office.leader.post(f"{url}/data-review/activity-data", DATUM), number)  # R-GHG-2: its data reviewed
    done(office.leader.post(f"{url}/surveillance-audits", audit_form(
        office, "2026-07-20", nonconformities="S-1 | major | 2026-08-20 | 计量器具未校准")), number)
    page = office.leader.get(url).text
    assert 'data-surveillance-nc="S-1"' in page and 'data-form="closure:S-1"' in page
    cert = office.registry.get_certificate(number)
    assert cert.incidents[0]["met_on"] == date(2026, 7, 20)
    assert cert.surveillance["next_due_by"] == date(2027, 1, 20)

    # the closure, by the audit's team
    done(office.leader.post(f"{url}/nonconformities/S-1/closure",
                            {"closed_on": "2026-08-15", "evidence": "校准证书"}), number)
    page = office.regulator.get(url).text
    assert 'data-form="closure:S-1"' not in office.leader.get(url).text
    for event in ("SurveillanceProgrammeSet", "IncidentRecorded", "SurveillanceAuditRecorded",
                  "SurveillanceNonconformityClosed"):
        assert f'<li data-event="{event}"' in page
    assert "制定监督审核方案" in page and "记录重大变化或重大事故" in page and "监督审核不符合项关闭" in page


def test_the_renewal_case_report_form_takes_the_four_items_of_recertification(office: Office,
                                                                               clock: FixedClock) -> None:
    original = certified(office)  # valid until 2029-03-30
    clock.set(date(2028, 11, 30))
    renewal = Walk(office.registry, office.staff, date(2028, 10, 9), uscc=original.uscc)
    renewal.apply(kind="renewal", renewal_of=original.number).documents().accept().agree().programme().team()
    renewal.stage1().stage2()
    office.caught_up()
    leader, decision = User(office.client, "审核组长"), User(office.client, "决定人员")  # signed in on the new day
    case = f"/office/cases/{renewal.case}"
    shown = leader.get(case)
    assert shown.status_code == 200, shown.text[-3000:]
    page = shown.text
    assert "data-recertification" in page
    for item in RECERTIFICATION_ITEMS:
        assert f'name="recertification.{item}"' in page
    report = {"submitted_on": "2028-10-31",
              "quantified_performance": "单位发电量碳排放 | tCO2/MWh | 0.85 | 0.80 | 0.79",
              "measurement_and_verification": "依据GB/T 32151核算", "improvement_evaluation": "促进了碳绩效持续改进",
              **{f"focus_points.{name}": "已审核" for name in (
                  "legal_compliance", "system_conformity", "key_points_control", "targets_and_control",
                  "carbon_review", "performance_parameters", "targets_achievement", "deviation_handling",
                  "self_improvement")},
              **{f"recertification.{item}": f"已评价 {item}" for item in RECERTIFICATION_ITEMS}}
    answer = leader.post(f"{case}/report", report)
    assert answer.status_code == 303, answer.text
    view = office.registry.get_case(renewal.case)
    assert view.report_gaps == ()
    recorded = [e for e in office.registry.events.get(renewal.case) if type(e).__name__ == "ReportSubmitted"]
    assert recorded[-1].recertification == {item: f"已评价 {item}" for item in RECERTIFICATION_ITEMS}
    assert re.search(r'data-stage="reported"', decision.get(case).text)

    # R-RECERT-2: the new certificate's page and the regulator's history show the earlier cycle
    renewal.decide(decided_on=date(2028, 11, 8))
    office.caught_up()
    regulator = User(office.client, "监管员")
    page = regulator.get(f"/office/certificates/{renewal.number}").text
    assert page.count('<li data-event="Issued"') == 2 and f'href="/office/certificates/{original.number}"' in page
    history = regulator.get(f"/office/certificates/{renewal.number}/history").text
    assert f'href="/office/certificates/{original.number}"' in history
