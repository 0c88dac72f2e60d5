"""R-RPT-2 (SPEC.md, Reporting): the public directory exported in the bulk-upload shape international certificate
directories accept, one row per certificate (number, status, organisation, identifier, address, scope, standard,
dates, issuer), read from the public view a page at a time in number order, the same bytes for the same directory
on the same day."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from api import spreadsheets
from api.spreadsheets import DIRECTORY_COLUMNS, write_directory_upload
from demo.scenario import Staff, Walk
from projections.keeping import open_views
from registry.application import Registry
from tests.factories import certified


def test_r_rpt_2_every_certificate_is_a_row_in_number_order_read_a_page_at_a_time(
        app: Registry, staff: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [certified(Walk(app, staff, date(2026, 3, 2))) for _ in range(5)]
    app.withdraw(numbers[2], date(2026, 5, 2), date(2026, 5, 1), "major_defect", "重大缺陷", actor=staff.admin)
    views = open_views(app)
    views.bring_up_to_date()
    monkeypatch.setattr(spreadsheets, "PAGE", 2)  # five certificates over three pages
    today = app.clock.today()

    first, second = io.BytesIO(), io.BytesIO()
    write_directory_upload(first, views.public, today, "示例认证有限公司")
    write_directory_upload(second, views.public, today, "示例认证有限公司")

    assert first.getvalue() == second.getvalue()
    rows = list(load_workbook(first, read_only=True)["Certificates"].iter_rows(values_only=True))
    assert rows[0] == tuple(header for _, header in DIRECTORY_COLUMNS)
    assert [row[0] for row in rows[1:]] == sorted(numbers)
    for row in rows[1:]:
        public = json.loads(dict(views.public.directory_page("", 100))[row[0]])
        assert row[1] == ("Withdrawn" if row[0] == numbers[2] else "Active")
        assert (row[2], row[3], row[4], row[5], row[6]) == (
            public["organization"]["name"], public["organization"]["uscc"], "CN-USCC",
            public["organization"]["address"], public["scope"])
        assert (row[7], row[8].date(), row[9].date(), row[10], row[11]) == (
            "CCAI-S-C06 2023", date.fromisoformat(public["issued_on"]), date.fromisoformat(public["valid_until"]),
            public["issuer"]["name"], public["issuer"]["code"])
