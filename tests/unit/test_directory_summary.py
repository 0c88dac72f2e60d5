"""R-PUB-1's directory (``api.directory.summary``): a certificate's fields as the public view keeps them for it (or,
in a row written before it kept them, from its document), its status as served: a validity or a surveillance that
lapsed before the scheduler recorded it shows, never "valid"."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from api.directory import summary
from projections.public_certificates import directory_fields

DOCUMENT: dict[str, Any] = {
    "number": "CB-1", "status": "valid", "status_since": "2026-01-05",
    "organization": {"name": "示范有限公司", "uscc": "91110000MA00000000", "address": "北京"}, "scope": "范围",
    "basis": {"standard": "CCAI-S-C07", "version": "2024"}, "issued_on": "2026-01-05", "valid_until": "2029-01-04",
    "surveillance": {"next_due_by": "2027-01-04"}, "issuer": {"name": "认证机构"}, "status_history": []}


def row(kept: bool = True, **changed: Any) -> tuple[Any, ...]:
    """The row as ``directory_rows`` reads it: its columns, the kept fields, or (not kept) the document."""
    doc = {**DOCUMENT, **changed}
    fields = json.dumps(directory_fields(doc), ensure_ascii=False) if kept else None
    return ("CB-1", doc["status"], doc["organization"]["name"], doc["organization"]["uscc"], doc["valid_until"],
            doc["surveillance"]["next_due_by"], fields, None if kept else json.dumps(doc, ensure_ascii=False))


def test_a_valid_certificate_is_summarised_as_stored() -> None:
    assert summary(row(), date(2026, 6, 1)) == {
        "number": "CB-1", "status": "valid", "status_since": "2026-01-05",
        "organization": {"name": "示范有限公司", "uscc": "91110000MA00000000"}, "scope": "范围",
        "basis": "CCAI-S-C07 2024", "issued_on": "2026-01-05", "valid_until": "2029-01-04", "issuer": "认证机构"}


def test_a_lapse_not_yet_recorded_shows_from_the_day_after() -> None:
    overdue = summary(row(), date(2027, 1, 10))
    assert (overdue["status"], overdue["status_since"]) == ("suspended", "2027-01-05")
    expired = summary(row(), date(2029, 2, 1))
    assert (expired["status"], expired["status_since"]) == ("expired", "2029-01-05")
    withdrawn = summary(row(status="withdrawn", status_since="2026-03-01"), date(2029, 2, 1))
    assert withdrawn["status"] == "withdrawn"


def test_a_row_written_before_the_fields_were_kept_is_summarised_from_its_document() -> None:
    assert summary(row(kept=False), date(2026, 6, 1)) == summary(row(), date(2026, 6, 1))
    assert summary(row(kept=False), date(2027, 1, 10))["status"] == "suspended"
