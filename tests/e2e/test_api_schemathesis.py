"""Schemathesis (`--checks all`) against the OpenAPI document of a live server, on SQLite and on PostgreSQL: every
operation, with the examples, coverage, fuzzing and stateful phases, a token for the back office and records that
exist for the paths to name. Zero failures: no 5xx, and every answer as the document says (issue 20, Tests)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from demo.scenario import Walk, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE, TODAY
from tests.live import free_port, in_thread

pytestmark = pytest.mark.long

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ALL_ROLES = ["admin", "intake", "auditor", "decision", "regulator"]
# Rotating or revoking a user's token ends the run's own access once a name of the users list reaches them: they
# have a run (and a user) of their own.
CREDENTIALS = "^/api/v1/users/[^/]+/(token|revocation)$"
# Statuses that refuse by design what the document cannot say: a rule beyond a field's type (a USCC's check digit,
# a date before another) is a 422; a body over its cap, as large as a fuzzer makes it, is a 413.
CONFIG = """\
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

[auth.openapi.HTTPBearer]
bearer = "{token}"

[dictionaries]
cases = {{ values = {cases} }}
certificates = {{ values = {certificates} }}
organizations = {{ values = {organizations} }}
people = {{ values = {people} }}

[parameters]
"path.case_id" = {{ dictionary = "cases", probability = 0.7 }}
"path.number" = {{ dictionary = "certificates", probability = 0.7 }}
"path.uscc" = {{ dictionary = "organizations", probability = 0.7 }}
"path.person_id" = {{ dictionary = "people", probability = 0.7 }}
"""


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.db"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Registry]]:
    """A live server (uvicorn in a thread) on a fresh store, the clock at TODAY."""
    registry = Registry(RegistryConfig(database_url=database_url), FixedClock(TODAY))
    port = free_port()
    settings = Settings(signing_key=str(tmp_path / "signing.key"), checkpoint_key=str(tmp_path / "checkpoint.key"),
                        public_base_url=f"http://127.0.0.1:{port}", run_scheduler=False)
    try:
        with in_thread(create_app(settings, registry=registry), port, "schemathesis-server", log_level="critical",
                       http="httptools"):
            yield f"http://127.0.0.1:{port}", registry
    finally:
        registry.close()


def schemathesis(base: str, config: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """The CLI, in the config's directory: it keeps a cache of its own (.schemathesis/) where it runs."""
    return subprocess.run([str(SCHEMATHESIS), "--config-file", str(config), "run", f"{base}/openapi.json",
                           "--checks", "all", "--workers", "1", "--max-examples", "8", "--no-color",
                           "--output-truncate", "true", *options],
                          capture_output=True, text=True, timeout=300, check=False, cwd=config.parent)


def test_schemathesis_finds_nothing_in_the_api(served: tuple[str, Registry], tmp_path: Path) -> None:
    base, registry = served
    staff = enrol_staff(registry, STAFF_SINCE)
    certified = Walk(registry, staff, date(2026, 3, 2)).to_certificate()
    applied = Walk(registry, staff, date(2026, 9, 1)).organization().apply()
    assert certified.number and certified.case_id and applied.case_id
    people = [str(p) for p in (staff.admin.person, staff.intake.person, staff.leader, staff.member) if p]
    runs = []
    for name, options in (("fuzzer", ("--exclude-path-regex", CREDENTIALS)),
                          ("keyholder", ("--include-path-regex", CREDENTIALS))):
        token = registry.add_user(name, ALL_ROLES, None)[1]
        config = tmp_path / f"{name}.toml"
        config.write_text(CONFIG.format(
            token=token, cases=toml_list([str(certified.case_id), str(applied.case_id)]),
            certificates=toml_list([certified.number]), organizations=toml_list([certified.uscc, applied.uscc]),
            people=toml_list(people)), encoding="utf-8")
        runs.append(schemathesis(base, config, *options))
    for run in runs:
        assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
