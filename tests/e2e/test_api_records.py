"""The records a case and a certificate keep besides their steps, over HTTP: corrections (R-REC-6), made in the role
of the corrected step and shown both ways in the history; scans of signed paper originals (R-REC-3) in a
non-editable format (R-REC-5), downloaded back."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from demo.documents import sample_pdf
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, problem, written
from tests.factories import docx

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_r_rec_6_a_suspensions_detail_is_corrected_by_the_decision_role_and_the_history_shows_both(
        client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    suspended = walk.suspend(date(2026, 10, 1))["position"]
    url = f"{API}/certificates/{walk.certificate}/corrections"
    body = {"corrects": suspended, "changes": {"detail": "获证组织受到生态环境部门行政处罚（某环罚〔2026〕12号）"},
            "reason": "处罚决定书文号漏记，据决定书补正"}

    problem(client.post(url, json=body, headers=callers.intake.headers), 403)  # the step was the decision role's
    refused = problem(client.post(url, json={**body, "changes": {"ground": "major_defect"}},
                                  headers=callers.decision.headers), 422, "R-REC-6", "§13")
    assert CJK.search(refused["detail"])
    correction = written(client.post(url, json=body, headers=callers.decision.headers), 201)["position"]

    history = {e["position"]: e for e in walk.certificate_history()}
    event = history[suspended]
    assert event["data"]["detail"] == "获证组织在证书有效期内受到生态环境部门行政处罚"  # as recorded
    [change] = event["corrections"]
    assert change == {"field": "detail", "value": body["changes"]["detail"],
                      "was": "获证组织在证书有效期内受到生态环境部门行政处罚", "position": correction,
                      "reason": body["reason"], "on": "2026-11-24"}
    assert history[correction]["type"] == "CorrectionRecorded"
    assert history[correction]["data"]["corrects_version"] == event["version"]


def test_r_rec_6_the_scope_applied_for_is_corrected_in_the_case_by_intake(client: TestClient,
                                                                        callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    applied = next(e for e in walk.organization_history() if e["type"] == "Applied")
    written(client.post(f"{API}/cases/{walk.case}/corrections", headers=callers.intake.headers, json={
        "corrects": applied["position"], "changes": {"scope": "锂电池的设计和生产所涉及的碳排放管理活动"},
        "reason": "范围笔误：应为锂电池"}), 201)
    case = client.get(f"{API}/cases/{walk.case}", headers=callers.regulator.headers).json()
    assert case["scope"] == "锂电池的设计和生产所涉及的碳排放管理活动"
    problem(client.post(f"{API}/cases/{walk.case}/corrections", headers=callers.intake.headers, json={
        "corrects": 10**9, "changes": {}, "reason": "更正"}), 422)  # no event of the case there


def test_r_rec_3_a_paper_originals_scan_is_filed_and_downloaded_and_an_editable_file_refused(
        client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    url = f"{API}/certificates/{walk.certificate}/paper-originals"
    form = {"description": "认证决定书（签字原件）", "held_at": "档案室A区3号柜", "on": "2026-11-24"}

    refused = problem(client.post(url, data=form, files={"file": ("决定书.docx", docx(), "application/pdf")},
                                  headers=callers.intake.headers), 422, "R-REC-5", "§13")
    assert "Word" in refused["detail"] and "PDF" in refused["detail"]
    problem(client.post(url, data={**form, "held_at": " "}, headers=callers.intake.headers,
                        files={"file": ("决定书.pdf", sample_pdf("decision"), "application/pdf")}), 422)
    scan = sample_pdf("signed decision")
    sha256 = written(client.post(url, data=form, files={"file": ("决定书.pdf", scan, "application/pdf")},
                                 headers=callers.intake.headers), 201, "sha256")["sha256"]

    download = client.get(f"{url}/{sha256}", headers=callers.regulator.headers)
    assert download.status_code == 200 and download.content == scan
    assert download.headers["content-type"] == "application/pdf"
    filed = [e for e in walk.certificate_history() if e["type"] == "PaperOriginalFiled"]
    assert [(e["data"]["held_at"], e["data"]["sha256"]) for e in filed] == [("档案室A区3号柜", sha256)]
    assert client.get(f"{API}/cases/{walk.case}/paper-originals/{sha256}",
                      headers=callers.regulator.headers).status_code == 404  # filed on the certificate, not the case


def test_r_rec_6_a_persons_violation_is_corrected_by_the_admin_and_the_person_shows_the_corrected_words(
        client: TestClient, callers: Callers) -> None:
    person = written(client.post(f"{API}/people", json={"name": "王审核"}, headers=callers.admin.headers), 201)["id"]
    violation = written(client.post(f"{API}/people/{person}/violations", headers=callers.admin.headers,
                                    json={"on": "2026-03-02", "description": "未签署公正性声明"}), 201)["position"]
    url = f"{API}/people/{person}/corrections"
    body = {"corrects": violation, "changes": {"description": "未按期签署公正性声明（处理决定第3号）"},
            "reason": "据处理决定书补正"}
    problem(client.post(url, json=body, headers=callers.intake.headers), 403)  # the admin recorded it
    problem(client.post(url, json={**body, "changes": {"on": "2026-03-03"}}, headers=callers.admin.headers), 422,
            "R-REC-6", "§13")
    written(client.post(url, json=body, headers=callers.admin.headers), 201)
    shown = client.get(f"{API}/people/{person}", headers=callers.regulator.headers).json()
    assert [(v["on"], v["description"]) for v in shown["violation_records"]] == [
        ("2026-03-02", "未按期签署公正性声明（处理决定第3号）")]
    assert shown["violations"] == ["2026-03-02"]


def test_r_rec_6_an_organisations_withdrawal_source_is_corrected_in_its_history(client: TestClient,
                                                                              callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization()
    recorded = written(client.post(f"{API}/organizations/{walk.uscc}/withdrawals", headers=callers.decision.headers,
                                   json={"from_body": "某认证机构", "certificate_number": "CEMS-2025-0042",
                                         "withdrawn_on": "2026-10-01", "source": "公告"}), 201)["position"]
    written(client.post(f"{API}/organizations/{walk.uscc}/corrections", headers=callers.decision.headers, json={
        "corrects": recorded, "changes": {"source": "该机构官网 2026-10-02 公告"}, "reason": "来源记得太简略"}), 201)
    entry = next(e for e in walk.organization_history() if e["position"] == recorded)
    assert entry["data"]["source"] == "公告"
    assert [c["value"] for c in entry["corrections"]] == ["该机构官网 2026-10-02 公告"]
