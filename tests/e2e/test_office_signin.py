"""The office's sign-in (issue 22; API.md, "The office"): a session cookie (HttpOnly, SameSite=Lax, Secure over
https), one message for every refusal, 403 for a form without its CSRF token, logout ending the session
server-side, and idle and absolute expiry; on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.app import create_app
from api.settings import Settings
from registry.application import Registry
from registry.clock import FixedClock
from registry.user import INVALID_SIGN_IN

PASSWORD = "审核员的口令 office password"


@pytest.fixture
def office(store_registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    store_registry.add_user("审核员", ["auditor", "decision"])
    store_registry.set_password("审核员", PASSWORD)
    settings = Settings(signing_key=f"{tmp_path}/signing.key", checkpoint_key=f"{tmp_path}/checkpoint.key",
                        run_scheduler=False)
    with TestClient(create_app(settings, registry=store_registry), raise_server_exceptions=False,
                    follow_redirects=False) as client:
        yield client


def csrf(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: TestClient, username: str = "审核员", password: str = PASSWORD) -> Response:
    token = csrf(client.get("/office/login"))
    return client.post("/office/login", data={"username": username, "password": password, "csrf_token": token})


def test_sign_in_sets_a_session_cookie_and_leads_to_the_office_page(office: TestClient) -> None:
    answer = sign_in(office)

    assert (answer.status_code, answer.headers["location"]) == (303, "/office/")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("office_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = office.get("/office/")
    assert page.status_code == 200 and "审核员" in page.text
    assert 'data-role="auditor"' in page.text and 'data-role="decision"' in page.text
    assert page.headers["cache-control"] == "no-store"


def test_over_https_the_session_cookie_is_secure(store_registry: Registry, office: TestClient) -> None:
    office.base_url = office.base_url.copy_with(scheme="https")

    cookie = next(c for c in sign_in(office).headers.get_list("set-cookie") if c.startswith("office_session="))

    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_wrong_password_and_an_unknown_name_get_the_same_message(office: TestClient) -> None:
    wrong, unknown = sign_in(office, password="not the password"), sign_in(office, username="无此人")

    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert INVALID_SIGN_IN in answer.text and "office_session=" not in answer.headers.get("set-cookie", "")
    assert office.get("/office/").headers["location"] == "/office/login"


def test_the_office_page_sends_whoever_is_not_signed_in_to_the_sign_in_form(office: TestClient) -> None:
    answer = office.get("/office/")

    assert (answer.status_code, answer.headers["location"]) == (303, "/office/login")
    form = office.get("/office/login")
    assert 'for="username"' in form.text and 'for="password"' in form.text and "登录" in form.text


def test_a_sign_in_posted_without_its_csrf_token_is_refused_403(office: TestClient) -> None:
    office.get("/office/login")

    missing = office.post("/office/login", data={"username": "审核员", "password": PASSWORD})
    forged = office.post("/office/login", data={"username": "审核员", "password": PASSWORD, "csrf_token": "x"})

    assert (missing.status_code, forged.status_code) == (403, 403)
    assert office.get("/office/").status_code == 303


def test_a_logout_posted_without_its_csrf_token_is_refused_403_and_ends_nothing(office: TestClient) -> None:
    sign_in(office)

    assert office.post("/office/logout", data={}).status_code == 403
    assert office.post("/office/logout", data={"csrf_token": "forged"}).status_code == 403
    assert office.get("/office/").status_code == 200


def test_logout_ends_the_session_server_side(office: TestClient) -> None:
    sign_in(office)
    copied = office.cookies["office_session"]
    token = csrf(office.get("/office/"))

    answer = office.post("/office/logout", data={"csrf_token": token})

    assert (answer.status_code, answer.headers["location"]) == (303, "/office/login")
    office.cookies.set("office_session", copied, path="/office")  # the cookie kept, as a thief would keep it
    assert office.get("/office/").headers["location"] == "/office/login"


def test_a_session_unused_for_the_idle_limit_ends(office: TestClient, clock: FixedClock) -> None:
    sign_in(office)
    clock.advance(seconds=29 * 60)
    assert office.get("/office/").status_code == 200  # each request moves the idle limit on

    clock.advance(seconds=29 * 60)
    assert office.get("/office/").status_code == 200
    clock.advance(seconds=30 * 60)
    assert office.get("/office/").headers["location"] == "/office/login"


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(office: TestClient, clock: FixedClock) -> None:
    sign_in(office)
    for _ in range(11 * 3):
        clock.advance(seconds=20 * 60)
        assert office.get("/office/").status_code == 200

    clock.advance(seconds=60 * 60)
    assert office.get("/office/").headers["location"] == "/office/login"


def test_a_revoked_user_is_signed_out_at_once(store_registry: Registry, office: TestClient) -> None:
    sign_in(office)

    store_registry.revoke_user("审核员")

    assert office.get("/office/").headers["location"] == "/office/login"


def test_after_five_failures_the_name_must_wait_429(office: TestClient) -> None:
    for _ in range(5):
        assert sign_in(office, password="a wrong guess").status_code == 401

    answer = sign_in(office)

    assert answer.status_code == 429 and int(answer.headers["retry-after"]) == 30
    assert "30" in answer.text
