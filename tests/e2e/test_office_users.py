"""The office's user administration (issue 22): an admin lists users, adds one with an office password, sets a
password, changes roles, rotates a token (shown once) and revokes; each form sends the API's own command, anyone
else is refused by the application, and a refused form writes nothing."""

# ruff: noqa: F811  (each test takes the imported ``office`` fixture as its parameter)
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from httpx2 import Response

from registry.application import Registry
from tests.e2e.office_users import PASSWORD, Office, csrf_of, office  # noqa: F401  (the fixture)

NEW_PASSWORD = "新设的办公室口令 a new office password"


def log_size(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def user_path(name: str) -> str:
    return f"/office/users/{quote(name, safe='')}"


def sign_in(client: TestClient, name: str, password: str) -> Response:
    client.cookies.clear()
    answer = client.post("/office/login", data={"username": name, "password": password,
                                                "csrf_token": csrf_of(client.get("/office/login"))})
    return answer


def token_on(page: Response) -> str:
    found = re.findall(r'value="(reg_[^"]+)" data-token', page.text)
    assert len(found) == 1, page.text
    token: str = found[0]
    return token


def row(page: Response, name: str) -> str:
    found = re.search(rf'<tr data-user="{re.escape(name)}"[^>]*>.*?</tr>', page.text, re.S)
    assert found, page.text
    return found.group(0)


def log_holds(registry: Registry, text: str) -> bool:
    return any(text.encode() in n.state for n in registry.recorder.select_notifications(1, 1_000_000))


def test_the_admin_sees_every_user_with_roles_state_password_and_person(office: Office) -> None:
    page = office.admin.get("/office/users")

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.text.count("<h1") == 1 and 'href="/office/users" aria-current="page"' in page.text
    leader = row(page, "审核组长")
    assert 'data-active="true"' in leader and 'data-password="true"' in leader and 'data-roles="auditor"' in leader
    assert "审核<span class=\"en\">Auditor</span>" in leader
    person = office.registry.get_person(office.staff.leader)
    assert f'<a href="/office/people/{office.staff.leader}">{person.name}</a>' in leader
    assert all(f'data-user="{name}"' in page.text for name in ("管理员", "受理员", "审核员", "决定人员", "监管员"))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", leader)


def test_the_admin_adds_a_user_with_a_password_who_then_signs_in(office: Office) -> None:
    before = log_size(office.registry)
    page = office.admin.get("/office/users")
    assert 'name="roles" value="intake"' in page.text and 'for="add-password"' in page.text

    answer = office.admin.post("/office/users", {"name": "新受理员", "roles": ["intake", "auditor"],
                                                 "password": NEW_PASSWORD})

    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    token = token_on(answer)
    assert "无法再次显示" in answer.text and "cannot be shown again" in answer.text
    assert NEW_PASSWORD not in answer.text
    assert office.registry.authenticate(token).roles == ("intake", "auditor")
    assert log_size(office.registry) > before and not log_holds(office.registry, NEW_PASSWORD)
    listed = row(office.admin.get("/office/users"), "新受理员")
    assert 'data-password="true"' in listed and token not in listed

    signed = sign_in(office.client, "新受理员", NEW_PASSWORD)
    assert signed.status_code == 303 and signed.headers["location"] == "/office/"
    assert "新受理员" in office.client.get("/office/").text


def test_a_refused_addition_is_shown_beside_its_form_keeps_what_was_typed_and_writes_nothing(office: Office) -> None:
    before = log_size(office.registry)

    short = office.admin.post("/office/users", {"name": "短口令用户", "roles": ["intake"], "password": "short"})
    taken = office.admin.post("/office/users", {"name": "受理员", "roles": ["decision"], "password": NEW_PASSWORD})
    no_role = office.admin.post("/office/users", {"name": "无角色用户"})

    assert short.status_code == 422 and 'data-refusal' in short.text and 'value="短口令用户"' in short.text
    assert 'id="add-role-intake" name="roles" value="intake" checked' in short.text
    assert taken.status_code == 409 and 'data-refusal' in taken.text and NEW_PASSWORD not in taken.text
    assert no_role.status_code == 422 and 'data-refusal' in no_role.text
    assert log_size(office.registry) == before
    assert [u.name for u in office.registry.list_users() if u.name in ("短口令用户", "无角色用户")] == []


def test_rotating_a_token_shows_it_once_and_the_old_one_stops_on_the_api(office: Office) -> None:
    _, old = office.registry.add_user("接口管理员", ["admin"])
    assert office.client.get("/api/v1/users", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    assert 'data-form="token"' in office.admin.get(user_path("接口管理员")).text

    answer = office.admin.post(f"{user_path('接口管理员')}/token")

    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    new = token_on(answer)
    assert new != old and "旧令牌已失效" in answer.text and "cannot be shown again" in answer.text
    assert office.client.get("/api/v1/users", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert office.client.get("/api/v1/users", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    again = office.admin.get(user_path("接口管理员"))
    assert new not in again.text and "reg_" not in again.text


def test_a_non_admin_gets_no_users_page_no_link_and_no_step(office: Office) -> None:
    before = log_size(office.registry)
    for user in (office.intake, office.leader, office.decision, office.regulator):
        assert 'href="/office/users"' not in user.get("/office/").text
        refused = user.get("/office/users")
        assert refused.status_code == 403 and "data-users" not in refused.text and "admin" in refused.text
        assert user.get(user_path("管理员")).status_code == 403
        added = user.post("/office/users", {"name": "越权用户", "roles": ["admin"], "password": NEW_PASSWORD})
        assert added.status_code == 403
        for step, data in (("password", {"password": NEW_PASSWORD}), ("roles", {"roles": ["admin"]}),
                           ("token", {}), ("revocation", {})):
            answer = user.post(f"{user_path('管理员')}/{step}", data)
            assert answer.status_code == 403 and "reg_" not in answer.text, step
    assert log_size(office.registry) == before
    assert office.registry.user_named("管理员").roles == ("admin",)


def test_the_admin_changes_a_users_roles_and_a_refusal_writes_nothing(office: Office) -> None:
    page = office.admin.get(user_path("受理员"))
    assert 'id="role-intake" name="roles" value="intake" checked' in page.text

    answer = office.admin.post(f"{user_path('受理员')}/roles", {"roles": ["intake", "decision"]})

    assert answer.status_code == 303 and answer.headers["location"].startswith(user_path("受理员") + "?done=")
    assert office.registry.user_named("受理员").roles == ("intake", "decision")
    shown = office.admin.get(answer.headers["location"])
    assert 'data-done' in shown.text and 'data-roles="intake decision"' in shown.text

    before = log_size(office.registry)
    refused = office.admin.post(f"{user_path('受理员')}/roles", {})
    assert refused.status_code == 422 and 'data-refusal' in refused.text
    assert 'id="role-intake" name="roles" value="intake" checked' not in refused.text  # as the user left it
    assert log_size(office.registry) == before


def test_a_password_reset_ends_the_users_sessions_and_the_new_one_signs_in(office: Office) -> None:
    assert office.intake.get("/office/").status_code == 200
    before = log_size(office.registry)

    answer = office.admin.post(f"{user_path('受理员')}/password", {"password": NEW_PASSWORD})

    assert answer.status_code == 303 and NEW_PASSWORD not in answer.headers["location"]
    assert log_size(office.registry) == before + 1 and not log_holds(office.registry, NEW_PASSWORD)
    ended = office.intake.get("/office/")
    assert ended.status_code == 303 and ended.headers["location"].startswith("/office/login")
    assert sign_in(office.client, "受理员", PASSWORD).status_code == 401
    assert sign_in(office.client, "受理员", NEW_PASSWORD).status_code == 303


def test_a_password_refused_is_shown_and_never_echoed(office: Office) -> None:
    before = log_size(office.registry)

    short = office.admin.post(f"{user_path('受理员')}/password", {"password": "short12"})
    unknown = office.admin.post(f"{user_path('无此用户')}/password", {"password": NEW_PASSWORD})

    assert short.status_code == 422 and 'data-refusal' in short.text and "short12" not in short.text
    assert unknown.status_code == 404
    assert log_size(office.registry) == before
    assert office.intake.get("/office/").status_code == 200


def test_revoking_a_user_ends_its_session_and_its_page_says_so(office: Office) -> None:
    answer = office.admin.post(f"{user_path('监管员')}/revocation")

    assert answer.status_code == 303
    page = office.admin.get(answer.headers["location"])
    assert 'data-active="false"' in page.text and "已撤销" in page.text
    assert office.regulator.get("/office/").status_code == 303
    before = log_size(office.registry)
    again = office.admin.post(f"{user_path('监管员')}/revocation")
    assert again.status_code == 422 and 'data-refusal' in again.text and log_size(office.registry) == before


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(office: Office) -> None:
    before = log_size(office.registry)
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/office/users", {"name": "无校验码", "roles": ["intake"]}),
        (f"{user_path('受理员')}/password", {"password": NEW_PASSWORD}),
        (f"{user_path('受理员')}/roles", {"roles": ["admin"]}),
        (f"{user_path('受理员')}/token", {}),
        (f"{user_path('受理员')}/revocation", {}),
    ]
    for url, data in posts:
        answer = office.admin.post(url, data, csrf=False)
        assert answer.status_code == 403 and "reg_" not in answer.text, url
    assert log_size(office.registry) == before
