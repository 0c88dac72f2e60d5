"""Users over HTTP (issue 20): the log's entries hold no digest of a token issued now; every refused token gets one
answer; idempotency keys are each user's own; an admin lists, adds, rotates, revokes and re-adds users, and sees a
token only once."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from demo.scenario import new_uscc
from registry.application import Registry
from registry.user import INVALID_TOKEN, NO_TOKEN
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, bearer, headers, problem, written
from tests.e2e.test_log_api import all_entries, covering, settings_for

USERS = f"{API}/users"


def log_size(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def digest_of(token: str) -> str:
    return hashlib.sha256(token.split("_", 2)[2].encode()).hexdigest()


def organization() -> dict[str, str]:
    return {"uscc": new_uscc(), "name": "用户测试有限公司", "address": "杭州市示例路2号"}


def issued(response: Any, status: int = 201) -> dict[str, Any]:
    """A write that issued a token: its position and id, the token, and an answer no cache keeps."""
    body = written(response, status, "id", "token")
    assert response.headers["cache-control"] == "no-store"
    assert body["token"].startswith("reg_")
    return body


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    """The conftest's client, with checkpoint keys of its own and checkpoints every 0.1 s (the log's entries)."""
    with TestClient(create_app(settings_for(tmp_path), registry=registry), raise_server_exceptions=False) as c:
        yield c


def test_the_log_entries_hold_no_digest_of_a_token_issued_now(client: TestClient, callers: Callers) -> None:
    added = issued(client.post(USERS, json={"name": "新审核员", "roles": ["auditor"]}, headers=callers.admin.headers))
    rotated = issued(client.post(f"{USERS}/{quote('新审核员')}/token", headers=callers.admin.headers), 200)
    size = covering(client, callers.regulator, rotated["position"])["size"]

    entries = [base64.b64decode(e["entry"]) for e in all_entries(client, callers.intake, size, page=500)]

    assert len(entries) == size
    for body in (added, rotated):
        for needle in (digest_of(body["token"]).encode(), bytes.fromhex(digest_of(body["token"])),
                       body["token"].split("_", 2)[2].encode()):
            assert not any(needle in entry for entry in entries)
    # nor of the tokens the conftest issued, for every role
    for caller in (callers.admin, callers.intake, callers.regulator):
        assert not any(digest_of(caller.token).encode() in entry for entry in entries)


def test_every_refused_token_gets_one_answer_whatever_was_wrong(client: TestClient, callers: Callers,
                                                                registry: Registry) -> None:
    _, revoked = registry.add_user("已撤销用户", ["intake"])
    registry.revoke_user("已撤销用户")
    secret = callers.intake.token.split("_", 2)[2]
    tokens = {
        "unknown user": f"reg_{uuid.uuid4().hex}_{secret}",
        "wrong secret": callers.intake.token[:-3] + ("xyz" if not callers.intake.token.endswith("xyz") else "abc"),
        "revoked": revoked,
        "malformed": "garbage",
        "no secret": f"reg_{uuid.uuid4().hex}_",
    }
    before = log_size(registry)
    answers = {}
    for what, token in tokens.items():
        for method, path, body in (("GET", f"{API}/organizations/{new_uscc()}/history", None),
                                   ("POST", f"{API}/organizations", organization()),
                                   ("POST", f"{API}/organizations", {"uscc": 1}),  # a malformed body too
                                   ("GET", USERS, None)):
            response = client.request(method, path, json=body, headers=bearer(token))
            refused = problem(response, 401)
            answers[what, method, path, str(body)[:12]] = (refused["title"], refused["detail"], refused["type"])
    assert set(answers.values()) == {("身份未验证 / Unauthenticated", INVALID_TOKEN,
                                      "urn:cems-registry:problem:unauthenticated")}
    assert problem(client.get(USERS), 401)["detail"] == NO_TOKEN
    assert log_size(registry) == before


def test_two_users_of_one_person_do_not_share_an_idempotency_key(client: TestClient, callers: Callers,
                                                                 registry: Registry) -> None:
    _, token = registry.add_user("受理员二号", ["intake"], callers.intake.person)
    twin = Caller(token, callers.intake.person)
    first, second = organization(), organization()

    mine = written(client.post(f"{API}/organizations", json=first, headers=headers(callers.intake, "same-key")), 201)
    theirs = client.post(f"{API}/organizations", json=second, headers=headers(twin, "same-key"))

    assert written(theirs, 201)["uscc"] == second["uscc"] != mine["uscc"]
    assert "idempotency-replayed" not in theirs.headers
    # each user's own repeat still answers its own first answer
    again = client.post(f"{API}/organizations", json=second, headers=headers(twin, "same-key"))
    assert again.json() == theirs.json() and again.headers["idempotency-replayed"] == "true"
    assert registry.get_organization(first["uscc"]) and registry.get_organization(second["uscc"])


def test_an_admin_adds_lists_rotates_revokes_and_re_adds_a_user(client: TestClient, callers: Callers,
                                                                 registry: Registry) -> None:
    admin = callers.admin.headers
    added = issued(client.post(USERS, json={"name": "张受理", "roles": ["intake"]}, headers=admin))
    first = added["token"]
    written(client.post(f"{API}/organizations", json=organization(), headers=bearer(first)), 201)

    listing = client.get(USERS, headers=admin)
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
    mine = [u for u in listing.json()["items"] if u["name"] == "张受理"]
    assert mine == [{"id": added["id"], "name": "张受理", "roles": ["intake"], "person": added["person"],
                     "active": True, "token_issued_at": mine[0]["token_issued_at"], "has_password": False}]
    assert mine[0]["token_issued_at"] and listing.json()["total"] == len(listing.json()["items"]) == 8
    assert digest_of(first) not in listing.text and first.split("_", 2)[2] not in listing.text

    rotated = issued(client.post(f"{USERS}/{quote('张受理')}/token", headers=admin), 200)
    problem(client.post(f"{API}/organizations", json=organization(), headers=bearer(first)), 401)
    written(client.post(f"{API}/organizations", json=organization(), headers=bearer(rotated["token"])), 201)

    revoked = client.post(f"{USERS}/{quote('张受理')}/revocation", headers=admin)
    assert written(revoked, 200, "id")["id"] == added["id"]
    problem(client.post(f"{API}/organizations", json=organization(), headers=bearer(rotated["token"])), 401)
    assert [u["active"] for u in client.get(USERS, headers=admin).json()["items"] if u["name"] == "张受理"] == [False]

    readded = issued(client.post(USERS, json={"name": "张受理", "roles": ["auditor"]}, headers=admin))
    assert (readded["id"], readded["person"]) == (added["id"], added["person"])
    problem(client.post(f"{API}/organizations", json=organization(), headers=bearer(readded["token"])), 403)
    assert registry.authenticate(readded["token"]).roles == ("auditor",)


def test_an_active_name_added_again_is_a_conflict_and_writes_nothing(client: TestClient, callers: Callers,
                                                                     registry: Registry) -> None:
    before = log_size(registry)
    problem(client.post(USERS, json={"name": "受理员", "roles": ["admin"]}, headers=callers.admin.headers), 409)
    problem(client.post(f"{USERS}/{quote('无此用户')}/token", headers=callers.admin.headers), 404)
    problem(client.post(f"{USERS}/{quote('无此用户')}/revocation", headers=callers.admin.headers), 404)
    problem(client.post(USERS, json={"name": "某人", "roles": ["system"]}, headers=callers.admin.headers), 422)
    problem(client.post(USERS, json={"name": "某人", "roles": []}, headers=callers.admin.headers), 422)
    assert log_size(registry) == before
    assert registry.authenticate(callers.intake.token).roles == ("intake",)


def test_only_an_admin_may_list_or_change_users(client: TestClient, callers: Callers, registry: Registry) -> None:
    before = log_size(registry)
    for caller in (callers.intake, callers.regulator, callers.decision):
        problem(client.get(USERS, headers=caller.headers), 403)
        problem(client.post(USERS, json={"name": "越权用户", "roles": ["admin"]}, headers=caller.headers), 403)
        problem(client.post(f"{USERS}/{quote('管理员')}/token", headers=caller.headers), 403)
        problem(client.post(f"{USERS}/{quote('管理员')}/revocation", headers=caller.headers), 403)
    assert log_size(registry) == before
    assert registry.authenticate(callers.admin.token).name == "管理员"


def test_a_replayed_user_creation_answers_its_ids_but_never_the_token_again(client: TestClient, callers: Callers,
                                                                            registry: Registry) -> None:
    body = {"name": "幂等用户", "roles": ["intake"]}
    first = issued(client.post(USERS, json=body, headers=headers(callers.admin, "add-once")))
    size = log_size(registry)

    again = client.post(USERS, json=body, headers=headers(callers.admin, "add-once"))

    assert again.status_code == 201 and again.headers["idempotency-replayed"] == "true"
    assert again.json() == {**first, "token": None}
    assert again.headers["cache-control"] == "no-store"
    assert log_size(registry) == size
    assert registry.authenticate(first["token"]).name == "幂等用户"


def test_an_admin_sets_a_users_office_password_which_is_never_kept_nor_answered(
        client: TestClient, callers: Callers, registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    """POST /api/v1/users/{name}/password: the password signs in; neither it nor an unsalted hash of it is in the
    log, the answer, or a log line (its idempotency digest leaves the body out)."""
    password = "新的办公室口令 new office password"
    caplog.set_level("DEBUG")

    answer = client.post(f"{USERS}/{quote('受理员')}/password", json={"password": password},
                         headers=headers(callers.admin, "password-once"))

    body = written(answer, 200, "id")
    assert body["id"] == str(registry.user_named("受理员").id)
    assert password not in answer.text and registry.sign_in("受理员", password).name == "受理员"
    states = b"".join(n.state for n in registry.recorder.select_notifications(1, 100_000))
    body_digest = hashlib.sha256(password.encode()).hexdigest()
    assert password.encode() not in states and body_digest.encode() not in states
    assert password not in caplog.text
    assert registry.authenticate(callers.intake.token).name == "受理员"  # the token is unchanged


def test_a_password_refused_or_set_by_a_non_admin_writes_nothing(client: TestClient, callers: Callers,
                                                                 registry: Registry) -> None:
    before = log_size(registry)
    problem(client.post(f"{USERS}/{quote('受理员')}/password", json={"password": "short"},
                        headers=callers.admin.headers), 422)
    problem(client.post(f"{USERS}/{quote('无此用户')}/password", json={"password": "long enough password"},
                        headers=callers.admin.headers), 404)
    for caller in (callers.intake, callers.regulator):
        problem(client.post(f"{USERS}/{quote('管理员')}/password", json={"password": "long enough password"},
                            headers=caller.headers), 403)
        problem(client.post(f"{USERS}/{quote('管理员')}/roles", json={"roles": ["intake"]}, headers=caller.headers),
                403)
    assert log_size(registry) == before


def test_an_admin_changes_an_active_users_roles(client: TestClient, callers: Callers, registry: Registry) -> None:
    changed = client.post(f"{USERS}/{quote('受理员')}/roles", json={"roles": ["intake", "decision"]},
                          headers=callers.admin.headers)

    assert written(changed, 200, "id")["id"] == str(registry.user_named("受理员").id)
    assert registry.authenticate(callers.intake.token).roles == ("intake", "decision")
    listed = [u for u in client.get(USERS, headers=callers.admin.headers).json()["items"] if u["name"] == "受理员"]
    assert listed[0]["roles"] == ["intake", "decision"]

    before = log_size(registry)
    problem(client.post(f"{USERS}/{quote('受理员')}/roles", json={"roles": []}, headers=callers.admin.headers), 422)
    problem(client.post(f"{USERS}/{quote('受理员')}/roles", json={"roles": ["system"]},
                        headers=callers.admin.headers), 422)
    client.post(f"{USERS}/{quote('受理员')}/revocation", headers=callers.admin.headers)
    after_revocation = log_size(registry)
    problem(client.post(f"{USERS}/{quote('受理员')}/roles", json={"roles": ["intake"]},
                        headers=callers.admin.headers), 422)
    assert after_revocation == before + 1 and log_size(registry) == after_revocation
