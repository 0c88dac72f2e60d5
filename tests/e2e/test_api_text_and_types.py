"""Text, bounds and strict types at the HTTP edge (#20): what no store can take is a 422 naming the field, before any
command runs, and nothing is written; a boolean is JSON true or false, a date a string YYYY-MM-DD; an upload's
file name and content type are recorded made fit, its bytes as sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from demo.scenario import new_uscc
from registry import text
from registry.application import Registry
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, HttpWalk, iso, problem, sha256

UNKNOWN_CASE = "0d5c2f6e-8a1b-4c3d-9e7f-5a6b7c8d9e0f"
UNKNOWN_NUMBER = "CB-CEMS-2026-99999"
PERSON = "6f1c1d8e-6a43-4a3e-9a8e-3c5b0c7e2a51"


def organization(bad: str) -> dict[str, Any]:
    return {"uscc": new_uscc(), "name": f"北京绿能{bad}电力有限公司", "address": "北京市海淀区中关村大街1号"}


def application(bad: str) -> dict[str, Any]:
    return {"organization_uscc": new_uscc(), "kind": "initial", "applied_on": "2026-03-02",
            "scope": f"燃煤发电的碳排放{bad}管理活动", "levels": [{"level": "organization", "method": "iso_14064_1"}],
            "cems_operating_since": "2025-09-01", "incident_report_commitment": True}


def levels_reference(bad: str) -> dict[str, Any]:
    body = application("")
    body["levels"] = [{"level": "organization", "method": "iso_14064_1", "reference": f"GB/T {bad}32150"}]
    return body


def report(bad: str) -> dict[str, Any]:
    return {"submitted_on": "2026-03-28", "focus_points": {"legal_compliance": f"符合{bad}"}}


# (what, caller, path, body of the bad text, the field named)
WRITES: list[tuple[str, str, str, Callable[[str], dict[str, Any]], str]] = [
    ("organisation name", "intake", "/organizations", organization, "name"),
    ("person name", "admin", "/people", lambda bad: {"name": f"张{bad}伟"}, "name"),
    ("user name", "admin", "/users", lambda bad: {"name": f"受理{bad}员", "roles": ["intake"]}, "name"),
    ("violation", "admin", f"/people/{PERSON}/violations",
     lambda bad: {"on": "2025-06-01", "description": f"未按规定{bad}记录"}, "description"),
    ("case scope", "intake", "/cases", application, "scope"),
    ("a level's reference", "intake", "/cases", levels_reference, "levels.0.reference"),
    ("a report's focus point", "leader", f"/cases/{UNKNOWN_CASE}/report", report, "focus_points.legal_compliance"),
    ("suspension detail", "decision", f"/certificates/{UNKNOWN_NUMBER}/suspension",
     lambda bad: {"on": "2026-10-01", "known_on": "2026-10-01", "ground": "enforcement_penalty",
                  "detail": f"行政{bad}处罚"}, "detail"),
    ("change request", "intake", f"/certificates/{UNKNOWN_NUMBER}/change-requests",
     lambda bad: {"requested_on": "2026-09-10", "changed_on": "2026-09-05", "changes": {"name": f"新{bad}名称"}},
     "changes.name"),
]


def post_raw(client: TestClient, path: str, body: dict[str, Any], caller: Caller) -> Any:
    """``body`` as JSON with every non-ASCII character escaped, so that a lone surrogate travels as ``\\udXXX``."""
    return client.post(f"{API}{path}", content=json.dumps(body).encode("ascii"),
                       headers={**caller.headers, "Content-Type": "application/json"})


def raw_multipart(fields: dict[str, str], filename: str, content_type: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with the file's name and type exactly as given (a client library would escape
    control characters in them), and its Content-Type."""
    boundary = "h2-boundary-7d9f"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def refused_field(response: Any, field: str) -> str:
    body = problem(response, 422)
    assert body["field"] == field, body
    detail: str = body["detail"]
    return detail


@pytest.mark.parametrize(("what", "role", "path", "make", "field"), WRITES, ids=[w[0] for w in WRITES])
def test_a_nul_is_refused_at_the_api_and_nothing_is_written(client: TestClient, callers: Callers,
                                                            registry: Registry, what: str, role: str, path: str,
                                                            make: Callable[[str], dict[str, Any]], field: str) -> None:
    before = registry.recorder.max_notification_id()
    detail = refused_field(post_raw(client, path, make("\x00"), getattr(callers, role)), field)
    assert "含有空字符 U+0000" in detail and "NUL" in detail, detail
    assert registry.recorder.max_notification_id() == before


@pytest.mark.parametrize(("what", "role", "path", "make", "field"), WRITES, ids=[w[0] for w in WRITES])
def test_a_lone_surrogate_is_refused_at_the_api_not_a_500(client: TestClient, callers: Callers, registry: Registry,
                                                          what: str, role: str, path: str,
                                                          make: Callable[[str], dict[str, Any]], field: str) -> None:
    before = registry.recorder.max_notification_id()
    detail = refused_field(post_raw(client, path, make("\ud800"), getattr(callers, role)), field)
    assert "U+D800" in detail, detail
    assert registry.recorder.max_notification_id() == before


@pytest.mark.parametrize("bad", ["\x1b", "\x7f", "\x85", "\ufffe", "\U0010ffff", "\n", "\u202e"])
def test_a_name_with_a_control_character_noncharacter_or_line_break_is_refused(client: TestClient, callers: Callers,
                                                                               registry: Registry, bad: str) -> None:
    before = registry.recorder.max_notification_id()
    detail = refused_field(post_raw(client, "/organizations", organization(bad), callers.intake), "name")
    assert f"U+{ord(bad):04X}" in detail, detail
    assert registry.recorder.max_notification_id() == before


def test_prose_keeps_its_line_breaks_and_tabs(client: TestClient, callers: Callers) -> None:
    person = client.post(f"{API}/people", json={"name": "张伟"}, headers=callers.admin.headers).json()["id"]
    description = "第一条：未记录审核时间\r\n第二条：\t未保存记录"
    response = client.post(f"{API}/people/{person}/violations", json={"on": "2025-06-01", "description": description},
                           headers=callers.admin.headers)
    assert response.status_code == 201, response.text


def test_a_surrogate_in_a_mapping_key_is_refused_not_a_500(client: TestClient, callers: Callers) -> None:
    response = post_raw(client, f"/cases/{UNKNOWN_CASE}/report",
                        {"submitted_on": "2026-03-28", "focus_points": {"legal\ud800": "符合"}}, callers.leader)
    problem(response, 422)


@pytest.mark.parametrize(("what", "path", "role", "body", "field"), [
    ("a name one character too long", "/organizations", "intake",
     {"uscc": new_uscc(), "name": "名" * (text.NAME.max_length + 1), "address": "北京市"}, "name"),
    ("a name of 20,000 characters", "/organizations", "intake",
     {"uscc": new_uscc(), "name": "名" * 20_000, "address": "北京市"}, "name"),
    ("an address one character too long", "/organizations", "intake",
     {"uscc": new_uscc(), "name": "北京绿能", "address": "址" * (text.LINE.max_length + 1)}, "address"),
    ("prose one character too long", f"/people/{PERSON}/violations", "admin",
     {"on": "2025-06-01", "description": "记" * (text.PROSE.max_length + 1)}, "description"),
    ("a registration number one character too long", f"/people/{PERSON}/registrations", "admin",
     {"kind": "ccaa_cems_auditor", "number": "N" * (text.CODE.max_length + 1), "valid_from": "2024-01-01",
      "valid_until": "2027-12-31"}, "number"),
    ("a list one entry too long", "/cases", "intake",
     {**application(""), "levels": [{"level": "organization", "method": "iso_14064_1"}] * (text.ITEMS + 1)},
     "levels"),
    ("a sector list one entry too long", f"/people/{PERSON}/evaluations", "admin",
     {"on": "2025-01-10", "sectors": ["电力"] * (text.ITEMS + 1)}, "sectors"),
    ("too many nonconformities", f"/cases/{UNKNOWN_CASE}/stage2", "member",
     {"conducted_on": "2026-03-25", "nonconformities": [
         {"ref": f"NC-{i}", "severity": "minor", "description": "记录不全"} for i in range(text.FINDINGS + 1)]},
     "nonconformities"),
])
def test_an_oversized_string_or_list_is_refused_and_nothing_is_written(client: TestClient, callers: Callers,
                                                                       registry: Registry, what: str, path: str,
                                                                       role: str, body: dict[str, Any],
                                                                       field: str) -> None:
    before = registry.recorder.max_notification_id()
    refused_field(client.post(f"{API}{path}", json=body, headers=getattr(callers, role).headers), field)
    assert registry.recorder.max_notification_id() == before


@pytest.mark.parametrize("sent", ["no", "off", "true", 0, 1, None])
def test_a_boolean_is_json_true_or_false_only(client: TestClient, callers: Callers, registry: Registry,
                                              sent: Any) -> None:
    before = registry.recorder.max_notification_id()
    body = {**application(""), "incident_report_commitment": sent}
    detail = refused_field(client.post(f"{API}/cases", json=body, headers=callers.intake.headers),
                           "incident_report_commitment")
    assert "true 或 false" in detail, detail
    review = {"information_sufficient": sent, "requirements_understood": True, "competent_and_resourced": True}
    refused_field(client.post(f"{API}/cases/{UNKNOWN_CASE}/acceptance", json={
        "decided_on": "2026-03-05", "accepted": True, "review": review}, headers=callers.intake.headers),
        "review.information_sufficient")
    assert registry.recorder.max_notification_id() == before


@pytest.mark.parametrize("sent", [1772409600, "1772409600", "2026-W10-1", "2026-061", "20260302",
                                  "2026-03-02T00:00:00", "2026-3-2", "2026-02-30", "２０２６-０３-０２", None])
def test_a_date_is_a_string_yyyy_mm_dd_only(client: TestClient, callers: Callers, registry: Registry,
                                            sent: Any) -> None:
    before = registry.recorder.max_notification_id()
    refused_field(client.post(f"{API}/cases", json={**application(""), "applied_on": sent},
                              headers=callers.intake.headers), "applied_on")
    if sent is not None:  # trigger_on may be null
        refused_field(client.post(f"{API}/certificates/{UNKNOWN_NUMBER}/cancellation", json={
            "on": "2026-11-02", "ground": "client_request", "detail": "企业停产", "trigger_on": sent},
            headers=callers.decision.headers), "trigger_on")
    assert registry.recorder.max_notification_id() == before


def test_an_uploads_date_and_kind_are_checked_like_a_bodys(client: TestClient, callers: Callers,
                                                          registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    before = registry.recorder.max_notification_id()
    url = f"{API}/cases/{walk.case}/documents"
    files = {"file": ("form.pdf", b"%PDF-1.7", "application/pdf")}
    refused_field(client.post(url, data={"kind": "application_form", "received_on": "1772496000"}, files=files,
                              headers=callers.intake.headers), "received_on")
    refused_field(client.post(url, data={"kind": "application\x00form", "received_on": iso(walk.day(1))},
                              files=files, headers=callers.intake.headers), "kind")
    assert registry.recorder.max_notification_id() == before


@pytest.mark.parametrize(("filename", "content_type", "kept_name"), [
    ("../../etc/碳评审报告.pdf", "Application/PDF; charset=binary", "碳评审报告.pdf"),
    ("C:\\Users\\张伟\\报告\x07\u202e.pdf", "text/html", "报告.pdf"),
    ("/tmp/\x1b[31m申请书\x85.pdf ", "image/JPG", "[31m申请书.pdf"),
    ("报" * 500 + ".docx", "image/svg+xml", "报" * (text.NAME.max_length - 5) + ".docx"),
])
def test_an_uploads_file_name_and_content_type_are_recorded_normalised(client: TestClient, callers: Callers,
                                                                       filename: str, content_type: str,
                                                                       kept_name: str) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    content = b"%PDF-1.7 \x00\x01 the bytes as sent"
    body, multipart = raw_multipart({"kind": "carbon_review_report", "received_on": iso(walk.day(1))},
                                    filename, content_type, content)
    response = client.post(f"{API}/cases/{walk.case}/documents", content=body,
                           headers={**callers.intake.headers, "Content-Type": multipart})
    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == sha256(content)
    [received] = [e for e in walk.organization_history() if e["type"] == "DocumentReceived"]
    assert received["data"]["filename"] == kept_name
    # What the sender declared is normalised and checked; what is recorded is what the bytes are (R-REC-5).
    assert received["data"]["content_type"] == "application/pdf"
    assert received["data"]["sha256"] == sha256(content)
