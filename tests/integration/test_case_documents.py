"""A case's documents read back (R-APP-4), on SQLite and on PostgreSQL: the stored bytes with the kind, content
type and file name they were received with, and only on the case that received them."""

from __future__ import annotations

from datetime import date

import pytest

from demo.scenario import Walk
from registry.application import Registry
from registry.errors import NotFound
from tests.integration.conftest import OpenRegistry

REPORT = "%PDF-1.7 碳评审报告".encode()


def received(walk: Walk, content: bytes) -> str:
    walk.organization().apply()
    written = walk.app.receive_document(walk.case, "carbon_review_report", date(2026, 3, 3), content,
                                        content_type="application/pdf", filename="碳评审报告.pdf",
                                        actor=walk.staff.intake)
    sha256: str = written.ids["sha256"]
    return sha256


def test_a_received_document_is_read_back_with_its_kind_type_and_name(app: Registry, walk: Walk) -> None:
    sha256 = received(walk, REPORT)

    doc = app.case_document(walk.case, sha256)

    assert (doc.content, doc.kind, doc.content_type, doc.filename) == (REPORT, "carbon_review_report",
                                                                       "application/pdf", "碳评审报告.pdf")


def test_a_document_is_read_back_by_another_process_on_the_same_store(open_registry: OpenRegistry,
                                                                      walk: Walk) -> None:
    sha256 = received(walk, REPORT)

    doc = open_registry().case_document(walk.case, sha256)

    assert (doc.content, doc.filename) == (REPORT, "碳评审报告.pdf")


def test_a_document_another_case_received_is_not_found_on_this_one(app: Registry, walk: Walk) -> None:
    sha256 = received(walk, REPORT)
    other = Walk(app, walk.staff, date(2026, 3, 2)).organization().apply()

    with pytest.raises(NotFound):
        app.case_document(other.case, sha256)


def test_a_document_nobody_received_is_not_found(app: Registry, walk: Walk) -> None:
    received(walk, REPORT)

    with pytest.raises(NotFound):
        app.case_document(walk.case, "0" * 64)


def test_the_same_bytes_received_again_answer_as_their_latest_receipt(app: Registry, walk: Walk) -> None:
    sha256 = received(walk, REPORT)
    app.receive_document(walk.case, "carbon_review_report", date(2026, 3, 4), REPORT, content_type="application/pdf",
                         filename="碳评审报告（重新提交）.pdf", actor=walk.staff.intake)

    assert app.case_document(walk.case, sha256).filename == "碳评审报告（重新提交）.pdf"
