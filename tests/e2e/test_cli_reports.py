"""``registry report national YYYY-MM FILE`` and ``registry report directory FILE`` (R-RPT-1, R-RPT-2) on a SQLite
file: both files written (the directory from the public view, brought up to the log first), the month's report the
same bytes twice, a month refused when malformed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.cli import main
from api.cli.common import open_parts
from demo.scenario import Walk, enrol_staff
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE
from tests.factories import certified


def test_r_rpt_1_and_r_rpt_2_the_command_line_writes_the_month_s_report_and_the_directory_upload(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    today = date.today()
    with open_parts(FixedClock(today)) as parts:
        number = certified(Walk(parts.registry, enrol_staff(parts.registry, STAFF_SINCE), date(2026, 3, 2)))
    month = f"{today.year:04d}-{today.month:02d}"
    first, second, directory = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "directory.xlsx"

    assert main(["report", "national", month, str(first)]) == 0
    assert main(["report", "national", month, str(second)]) == 0
    assert main(["report", "directory", str(directory)]) == 0

    assert capsys.readouterr().out.startswith(f"已写入 {month} 全国认证信息平台月度报告")
    assert first.read_bytes() == second.read_bytes()
    certificates = list(load_workbook(first, read_only=True)["证书 Certificates"].iter_rows(min_row=2,
                                                                                           values_only=True))
    assert [row[3] for row in certificates] == [number]
    rows = list(load_workbook(directory, read_only=True)["Certificates"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in rows] == [(number, "Active")]
    assert main(["report", "national", "2026-13", str(first)]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
