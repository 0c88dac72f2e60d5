"""``registry document get CASE SHA256 FILE`` through the installed console script, on a SQLite file of its own."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from demo.scenario import Walk, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE, TODAY
from tests.e2e.test_cli_demo import run_registry

REPORT = "%PDF-1.7 碳评审报告".encode()


def test_document_get_writes_the_bytes_a_case_received_and_refuses_them_on_another_case(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = Registry(RegistryConfig(database_url=url), FixedClock(TODAY))
    try:
        staff = enrol_staff(registry, STAFF_SINCE)
        walk = Walk(registry, staff, date(2026, 3, 2)).organization().apply()
        other = Walk(registry, staff, date(2026, 3, 2)).organization().apply()
        sha256 = registry.receive_document(walk.case, "carbon_review_report", date(2026, 3, 3), REPORT,
                                           content_type="application/pdf", filename="碳评审报告.pdf",
                                           actor=staff.intake).ids["sha256"]
    finally:
        registry.close()
    env = {**os.environ, "REGISTRY_DATABASE_URL": url}

    got = run_registry("document", "get", str(walk.case), sha256.upper(), "out.pdf", cwd=tmp_path, env=env)
    refused = run_registry("document", "get", str(other.case), sha256, "other.pdf", cwd=tmp_path, env=env)

    assert got.returncode == 0, got.stderr
    assert (tmp_path / "out.pdf").read_bytes() == REPORT
    assert "碳评审报告.pdf" in got.stdout and "application/pdf" in got.stdout
    assert refused.returncode == 2 and sha256 in refused.stderr
    assert not (tmp_path / "other.pdf").exists()
