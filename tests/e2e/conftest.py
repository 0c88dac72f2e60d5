"""The HTTP API on the real PostgreSQL (a fresh schema per test), with users for every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from demo.scenario import enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from scheduler.service import background as start_scheduler
from tests.conftest import STAFF_SINCE
from tests.e2e.office_users import office  # noqa: F401  (a fixture: the office's signed-in users, one per role)

CJK = re.compile("[\u3400-\u9fff]")


def chinese_first(response: Any) -> None:
    """R-REC-5: a problem's ``title`` and ``detail`` say it in Chinese first, then the English after " / "."""
    if response.headers.get("content-type", "").split(";")[0].strip() != "application/problem+json":
        return
    if response.request.method == "HEAD" or not response.content:
        return
    body = response.json()
    for name in ("title", "detail"):
        said = body.get(name)
        first = CJK.search(said) if isinstance(said, str) else None
        assert first is not None and (" / " not in said or first.start() < said.index(" / ")), (
            f"R-REC-5: the {name} of {response.request.method} {response.request.url.path} "
            f"({response.status_code}) is not Chinese first: {said!r}")


@pytest.fixture(autouse=True)
def problems_chinese_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every problem an e2e test provokes through a TestClient is checked as it is answered, in the test that
    made the call (R-REC-5)."""
    request = TestClient.request

    def checked(self: TestClient, *args: Any, **kwargs: Any) -> Any:
        response = request(self, *args, **kwargs)
        chinese_first(response)
        return response

    monkeypatch.setattr(TestClient, "request", checked)


@dataclass
class Caller:
    """A user's token and person, and headers to call with."""

    token: str
    person: UUID

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Callers:
    admin: Caller
    intake: Caller
    leader: Caller  # auditor: the qualified team leader of enrol_staff
    member: Caller  # auditor: the qualified team member
    decision: Caller
    regulator: Caller
    outsider: Caller  # an auditor on no team


@pytest.fixture
def registry(pg_url: str, clock: FixedClock) -> Iterator[Registry]:
    app = Registry(RegistryConfig(database_url=pg_url), clock)
    yield app
    app.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_registry(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Registry]:
    """A registry on a fresh SQLite file, then on a fresh PostgreSQL database."""
    url = f"sqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    registry = Registry(RegistryConfig(database_url=url), clock)
    yield registry
    registry.close()


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(signing_key=str(tmp_path / "signing.key"))
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(autouse=True)
def scheduler_ran_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app a test starts has its scheduler's start-up run ended before the test goes on: from 1 November it
    records the next year's working calendar as awaited (R-CAL-1), and a test counting the log's events raced it."""
    def background(*args: Any, **kwargs: Any) -> Any:
        scheduler = start_scheduler(*args, **kwargs)
        assert scheduler.first_run.wait(30), "the scheduler's start-up run did not end"
        return scheduler

    monkeypatch.setattr("api.app.background", background)


@pytest.fixture
def callers(registry: Registry) -> Callers:
    """Users bound to the qualified staff of ``enrol_staff`` (registrations 2015–2030, evaluated 2019)."""
    staff = enrol_staff(registry, STAFF_SINCE)

    def user(name: str, role: str, person: UUID | None) -> Caller:
        written, token = registry.add_user(name, [role], person)
        return Caller(token, written.ids["person"])

    assert staff.admin.person and staff.intake.person and staff.decision.person
    return Callers(
        admin=user("管理员", "admin", staff.admin.person), intake=user("受理员", "intake", staff.intake.person),
        leader=user("审核组长", "auditor", staff.leader), member=user("审核员", "auditor", staff.member),
        decision=user("决定人员", "decision", staff.decision.person), regulator=user("监管员", "regulator", None),
        outsider=user("其他审核员", "auditor", None))
