"""``registry calendar record|list`` (R-CAL-1) on a SQLite file: a year's arrangement recorded from the JSON body of
``POST /api/v1/calendar/years`` (TEST DATA for 2027, marked so), listed with its source; a refusal names R-CAL-1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main
from tests.unit.test_r_cal_1 import TEST_NOTICE


def test_a_year_is_recorded_from_a_file_and_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    year = tmp_path / "2027.json"
    body = {"year": 2027, "holidays": ["2027-01-01"], "working_weekends": ["2027-01-01"], "notice": TEST_NOTICE}
    year.write_text(json.dumps(body), encoding="utf-8")

    assert main(["calendar", "record", str(year)]) == 2
    assert "R-CAL-1" in capsys.readouterr().err
    year.write_text(json.dumps({**body, "working_weekends": []}), encoding="utf-8")
    assert main(["calendar", "record", str(year)]) == 0
    assert capsys.readouterr().out.startswith("已录入 2027 年工作日安排")
    assert main(["calendar", "list"]) == 0

    listed = capsys.readouterr().out.splitlines()
    assert f"2027  按通知录入 recorded  {TEST_NOTICE}" in listed and "2026  软件包数据 package" in listed
