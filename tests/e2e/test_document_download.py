"""`GET /api/v1/cases/{id}/documents/{sha256}`: staff and regulators download what a case received, always as an
attachment under its name (RFC 6266, RFC 5987), a passive type as itself and anything a browser could run as
octet-stream. The domain refuses hostile names and types today; what an older record holds is checked at the edge
(api.downloads) as well."""

from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from api.downloads import attachment
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.documents import CaseDocument
from registry.text import document_content_type as served_type  # what a download is served as
from registry.values import DocumentKind
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers

API = "/api/v1/cases"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 carbon review report\n"


@pytest.fixture
def walk(registry: Registry) -> Walk:
    return Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2)).organization().apply()


def stored(walk: Walk, content: bytes, content_type: str, filename: str) -> str:
    """A document received below the API, with the type and name exactly as given."""
    written = walk.app.receive_document(walk.case, "carbon_review_report", date(2026, 3, 3), content,
                                        content_type=content_type, filename=filename, actor=walk.staff.intake)
    sha256: str = written.ids["sha256"]
    return sha256


def test_a_document_uploaded_through_the_api_is_downloaded_by_staff_and_regulators(
        client: TestClient, callers: Callers, walk: Walk) -> None:
    upload = client.post(f"{API}/{walk.case}/documents", headers=callers.intake.headers,
                         data={"kind": "carbon_review_report", "received_on": "2026-03-03"},
                         files={"file": ("碳评审报告.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201, upload.text
    url = f"{API}/{walk.case}/documents/{upload.json()['sha256']}"

    for caller in (callers.intake, callers.leader, callers.decision, callers.admin, callers.regulator):
        response = client.get(url, headers=caller.headers)

        assert response.status_code == 200
        assert response.content == PDF
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_name_goes_out_as_an_ascii_filename_and_the_exact_utf8_filename_star(
        client: TestClient, callers: Callers, walk: Walk) -> None:
    sha256 = stored(walk, PDF, "application/pdf", "碳评审报告 2026.pdf")

    disposition = client.get(f"{API}/{walk.case}/documents/{sha256}",
                             headers=callers.regulator.headers).headers["content-disposition"]

    kind, ascii_part, star_part = (p.strip() for p in disposition.split(";"))
    assert kind == "attachment"
    assert ascii_part.isascii() and ascii_part.startswith('filename="') and ascii_part.endswith('.pdf"')
    assert star_part.startswith("filename*=UTF-8''")
    assert unquote(star_part.removeprefix("filename*=UTF-8''")) == "碳评审报告 2026.pdf"


def test_an_html_upload_is_refused_and_one_kept_from_before_is_an_octet_stream_attachment_never_inline(
        client: TestClient, callers: Callers, walk: Walk) -> None:
    page = b"<html><script>alert(document.cookie)</script></html>"
    upload = client.post(f"{API}/{walk.case}/documents", headers=callers.intake.headers,
                         data={"kind": "carbon_review_report", "received_on": "2026-03-03"},
                         files={"file": ("report.html", page, "text/html")})
    assert upload.status_code == 422 and upload.json()["rule"] == "R-REC-5"  # non-editable formats only
    # As a document received before R-REC-5 was enforced was recorded: an octet-stream named report.html.
    case, sha256 = walk.app.case_by_id(walk.case), hashlib.sha256(page).hexdigest()
    case.receive_document(DocumentKind.CARBON_REVIEW_REPORT, date(2026, 3, 3), sha256, len(page),
                          "application/octet-stream", "report.html", workdays=walk.app.workdays(),
                          today=walk.app.clock.today(), actor=walk.staff.intake, now=walk.app.clock.now())
    walk.app._commit_with_bytes(page, case, sha256=sha256)

    response = client.get(f"{API}/{walk.case}/documents/{sha256}", headers=callers.regulator.headers)

    assert response.status_code == 200 and response.content == page
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith('attachment; filename="report.html"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8", "TEXT/HTML", "image/svg+xml",
                                          "application/xhtml+xml", "text/xml", "application/javascript",
                                          "multipart/x-mixed-replace", "nonsense", ""])
def test_a_stored_type_a_browser_could_run_is_served_as_an_octet_stream(content_type: str) -> None:
    assert served_type(content_type) == "application/octet-stream"


@pytest.mark.parametrize(("content_type", "served"), [("application/pdf", "application/pdf"),
                                                      ("IMAGE/PNG; x=1", "image/png"), ("text/plain", "text/plain")])
def test_a_stored_passive_type_is_served_as_itself(content_type: str, served: str) -> None:
    assert served_type(content_type) == served


def test_a_stored_name_with_a_path_quotes_and_line_breaks_cannot_shape_the_header() -> None:
    doc = CaseDocument("0" * 64, "carbon_review_report", "application/pdf", 'C:\\fakepath\\a"b\r\nSet-Cookie: x=1.pdf',
                       PDF)

    disposition = attachment(doc).headers["content-disposition"]

    assert "\r" not in disposition and "\n" not in disposition and "fakepath" not in disposition
    assert disposition.startswith('attachment; filename="a_bSet-Cookie_ x_1.pdf"; filename*=UTF-8\'\'')
    assert '"' not in disposition.split("filename*=", 1)[1]


def test_a_nameless_document_is_named_for_its_kind(client: TestClient, callers: Callers, walk: Walk) -> None:
    sha256 = stored(walk, PDF, "application/pdf", "")

    disposition = client.get(f"{API}/{walk.case}/documents/{sha256}",
                             headers=callers.regulator.headers).headers["content-disposition"]

    assert disposition.startswith('attachment; filename="carbon_review_report.pdf"')


def test_a_document_of_another_case_is_404_on_this_one(client: TestClient, callers: Callers, walk: Walk,
                                                        registry: Registry) -> None:
    sha256 = stored(walk, PDF, "application/pdf", "report.pdf")
    other = Walk(registry, walk.staff, date(2026, 3, 2)).organization().apply()

    response = client.get(f"{API}/{other.case}/documents/{sha256}", headers=callers.regulator.headers)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert PDF not in response.content


def test_a_malformed_digest_is_422_and_an_unknown_case_404(client: TestClient, callers: Callers, walk: Walk) -> None:
    sha256 = stored(walk, PDF, "application/pdf", "report.pdf")

    malformed = client.get(f"{API}/{walk.case}/documents/{sha256[:-1]}x", headers=callers.regulator.headers)
    unknown = client.get(f"{API}/00000000-0000-4000-8000-000000000000/documents/{sha256}",
                         headers=callers.regulator.headers)

    assert (malformed.status_code, unknown.status_code) == (422, 404)


def test_a_download_needs_a_token(client: TestClient, walk: Walk) -> None:
    sha256 = stored(walk, PDF, "application/pdf", "report.pdf")

    response = client.get(f"{API}/{walk.case}/documents/{sha256}")

    assert response.status_code == 401
    assert PDF not in response.content
