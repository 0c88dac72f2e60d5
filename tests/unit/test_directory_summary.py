"""R-PUB-1's directory (``api.directory.summary``): a certificate's fields as the public view picks them out, its
status as served: a validity or a surveillance that lapsed before the scheduler recorded it shows, never "valid"."""

from __future__ import annotations

from datetime import date

from api.directory import summary

ROW = ("CB-1", "valid", "2026-01-05", "示范有限公司", "91110000MA00000000", "范围", "CCAI-S-C07", "2024",
       "2026-01-05", "2029-01-04", "2027-01-04", "认证机构")


def test_a_valid_certificate_is_summarised_as_stored() -> None:
    assert summary(ROW, date(2026, 6, 1)) == {
        "number": "CB-1", "status": "valid", "status_since": "2026-01-05",
        "organization": {"name": "示范有限公司", "uscc": "91110000MA00000000"}, "scope": "范围",
        "basis": "CCAI-S-C07 2024", "issued_on": "2026-01-05", "valid_until": "2029-01-04", "issuer": "认证机构"}


def test_a_lapse_not_yet_recorded_shows_from_the_day_after() -> None:
    overdue = summary(ROW, date(2027, 1, 10))
    assert (overdue["status"], overdue["status_since"]) == ("suspended", "2027-01-05")
    expired = summary(ROW, date(2029, 2, 1))
    assert (expired["status"], expired["status_since"]) == ("expired", "2029-01-05")
    withdrawn = summary(("CB-1", "withdrawn", "2026-03-01", *ROW[3:]), date(2029, 2, 1))
    assert withdrawn["status"] == "withdrawn"
