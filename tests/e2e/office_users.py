"""The office as its users see it over plain HTTP: a live app on a fresh PostgreSQL schema, with a signed-in user for
each role, bound to the qualified staff of ``enrol_staff`` (so their steps pass R-SOD-1 and R-TEAM). Use the
``office`` fixture (tests/e2e/conftest.py imports it for every end-to-end test)::

    office.intake.get("/office/cases")                    # a page, as the intake clerk
    office.leader.post("/office/cases/…/stage1", {...})   # a form, its CSRF token added
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.app import create_app
from api.settings import Settings
from demo.scenario import Staff, enrol_staff
from registry.application import Registry
from tests.conftest import STAFF_SINCE

PASSWORD = "办公室口令 office password"


def csrf_of(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


class User:
    """One signed-in user of the shared client: each request is sent with this user's session cookie."""

    def __init__(self, client: TestClient, name: str) -> None:
        self.client, self.name = client, name
        self.client.cookies.clear()
        login = client.get("/office/login")
        answer = client.post("/office/login", data={"username": name, "password": PASSWORD,
                                                     "csrf_token": csrf_of(login)})
        assert answer.status_code == 303, answer.text
        self.session = client.cookies["office_session"]
        self.csrf = csrf_of(client.get("/office/"))

    def _as_me(self) -> TestClient:
        self.client.cookies.clear()
        self.client.cookies.set("office_session", self.session, path="/office")
        return self.client

    def get(self, url: str, **kwargs: Any) -> Response:
        return self._as_me().get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, files: Any = None, csrf: bool = True) -> Response:
        """A form posted as this user, with its CSRF token unless ``csrf`` is False."""
        fields = {**(data or {}), **({"csrf_token": self.csrf} if csrf else {})}
        return self._as_me().post(url, data=fields, files=files)


@dataclass
class Office:
    client: TestClient
    registry: Registry
    staff: Staff
    admin: User
    intake: User
    leader: User  # auditor: the qualified team leader
    member: User  # auditor: the qualified team member
    decision: User
    regulator: User

    def caught_up(self) -> None:
        """The views brought up to the log's head: what a test wrote straight to the registry (a ``Walk``, not a
        request) is then in the lists and the directory, as it is a moment later in production."""
        self.client.app.state.views.bring_up_to_date()  # type: ignore[attr-defined]


@pytest.fixture
def office(registry: Registry, tmp_path: Path) -> Iterator[Office]:
    staff = enrol_staff(registry, STAFF_SINCE)
    assert staff.admin.person and staff.intake.person and staff.decision.person
    people = {"管理员": ("admin", staff.admin.person), "受理员": ("intake", staff.intake.person),
              "审核组长": ("auditor", staff.leader), "审核员": ("auditor", staff.member),
              "决定人员": ("decision", staff.decision.person), "监管员": ("regulator", None)}
    for name, (role, person) in people.items():
        registry.add_user(name, [role], person)
        registry.set_password(name, PASSWORD)
    settings = Settings(signing_key=str(tmp_path / "signing.key"), checkpoint_key=str(tmp_path / "checkpoint.key"),
                        run_scheduler=False)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False,
                    follow_redirects=False) as client:
        users = {name: User(client, name) for name in people}
        yield Office(client, registry, staff, users["管理员"], users["受理员"], users["审核组长"], users["审核员"],
                     users["决定人员"], users["监管员"])
