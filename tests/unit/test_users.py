"""Users and tokens (issue 20): one answer for every token refused, a revoked name added again, rotation, and the
in-memory store keeping credentials out of the log like the others."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from registry.application import Registry
from registry.errors import AlreadyExists, InvalidInput, NotFound
from registry.user import INVALID_TOKEN, Unauthenticated, user_id


def refusal(app: Registry, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        app.authenticate(token)
    return refused.value.detail


def test_every_refused_token_gets_the_same_answer(app: Registry) -> None:
    """Whether the name exists, which part was wrong, or the token was revoked: the caller learns none of it."""
    _, token = app.add_user("受理员", ["intake"])
    _, revoked = app.add_user("前受理员", ["intake"])
    app.revoke_user("前受理员")
    secret = token.split("_", 2)[2]

    answers = {
        "unknown user": refusal(app, f"reg_{uuid.uuid4().hex}_{secret}"),
        "wrong secret": refusal(app, token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")),
        "revoked": refusal(app, revoked),
        "malformed": refusal(app, "garbage"),
        "not hex": refusal(app, f"reg_{'z' * 32}_{secret}"),
        "no secret": refusal(app, f"reg_{user_id('受理员').hex}_"),
        "a person's id": refusal(app, f"reg_{app.list_users()[0].person.hex}_{secret}"),
    }

    assert set(answers.values()) == {INVALID_TOKEN}, answers


def test_a_revoked_name_added_again_is_the_same_user_with_the_new_roles_and_a_new_token(app: Registry) -> None:
    first, old = app.add_user("审核员", ["auditor"])
    app.revoke_user("审核员")

    again, new = app.add_user("审核员", ["intake", "decision"])

    assert again.ids == {"user": first.ids["user"], "person": first.ids["person"]}
    with pytest.raises(Unauthenticated):
        app.authenticate(old)
    user = app.authenticate(new)
    assert (user.roles, user.active) == (("intake", "decision"), True)
    history = [type(e).__name__ for e in app.events.get(user.id)]
    assert history == ["Added", "CredentialIssued", "TokenRevoked", "Reactivated", "CredentialIssued"]


def test_a_revoked_name_added_again_may_be_bound_to_another_person(app: Registry) -> None:
    app.add_user("审核员", ["auditor"])
    app.revoke_user("审核员")
    other = app.add_user("另一人", ["intake"])[0].ids["person"]

    _, token = app.add_user("审核员", ["auditor"], other)

    assert app.authenticate(token).person == other


def test_an_active_name_cannot_be_added_again_and_nothing_is_written(app: Registry) -> None:
    _, token = app.add_user("管理员", ["admin"])
    size = app.recorder.max_notification_id()

    with pytest.raises(AlreadyExists):
        app.add_user("管理员", ["intake"])
    with pytest.raises(AlreadyExists):
        app.add_user(" 管理员 ", ["admin"])  # the same name

    assert app.recorder.max_notification_id() == size
    assert app.authenticate(token).roles == ("admin",)


def test_a_revoked_name_added_again_needs_a_staff_role(app: Registry) -> None:
    app.add_user("审核员", ["auditor"])
    app.revoke_user("审核员")
    size = app.recorder.max_notification_id()

    with pytest.raises(InvalidInput):
        app.add_user("审核员", [])
    with pytest.raises(InvalidInput):
        app.add_user("审核员", ["system"])

    assert app.recorder.max_notification_id() == size
    assert not app.list_users()[0].active


def test_a_rotated_token_replaces_the_old_one_at_once(app: Registry) -> None:
    _, old = app.add_user("决定人员", ["decision"])

    written, new = app.rotate_token("决定人员")

    assert written.ids == {"user": user_id("决定人员")}
    assert new != old
    with pytest.raises(Unauthenticated):
        app.authenticate(old)
    assert app.authenticate(new).name == "决定人员"


def test_a_revoked_user_is_given_a_token_by_being_added_again_not_by_rotation(app: Registry) -> None:
    app.add_user("决定人员", ["decision"])
    app.revoke_user("决定人员")
    size = app.recorder.max_notification_id()

    with pytest.raises(InvalidInput, match="add the user again"):
        app.rotate_token("决定人员")
    with pytest.raises(NotFound):
        app.rotate_token("无此人")

    assert app.recorder.max_notification_id() == size


def test_the_in_memory_store_keeps_the_digest_out_of_the_log(app: Registry) -> None:
    _, token = app.add_user("监管员", ["regulator"])
    digest = hashlib.sha256(token.split("_", 2)[2].encode()).hexdigest()

    assert not any(digest.encode() in n.state for n in app.recorder.select_notifications(1, 1000))
    assert app.authenticate(token).name == "监管员"


def test_the_topic_users_are_listed_by_is_the_user_added_events_own() -> None:
    """The user list reads the log by this topic, written as a string beside the SQL (store): a renamed
    or moved ``User.Added`` would list nobody, without an error."""
    from eventsourcing.utils import get_topic

    from registry.user import User
    from store import USER_ADDED_TOPIC

    assert get_topic(User.Added) == USER_ADDED_TOPIC


@pytest.mark.parametrize("command", ["add_user", "rotate_token", "revoke_user"])
def test_a_name_no_user_can_have_is_refused_by_every_user_command_not_crashed_on(app: Registry, command: str) -> None:
    """A command-line argument of undecodable bytes arrives as lone surrogates, which no id can be hashed from."""
    call = {"add_user": lambda: app.add_user("审核员\udcff", ["auditor"]),
            "rotate_token": lambda: app.rotate_token("审核员\udcff"),
            "revoke_user": lambda: app.revoke_user("审核员\udcff")}[command]
    with pytest.raises(InvalidInput) as refused:
        call()
    assert refused.value.field == "name"


def test_an_active_users_roles_are_changed_and_its_token_keeps_working(app: Registry) -> None:
    _, token = app.add_user("受理员", ["intake"])

    app.change_roles("受理员", ["intake", "decision", "intake"])

    user = app.authenticate(token)
    assert user.roles == ("intake", "decision")
    assert [type(e).__name__ for e in app.events.get(user.id)][-1] == "RolesChanged"


@pytest.mark.parametrize("roles", [[], ["superuser"], ["public"]])
def test_roles_changed_are_checked_as_when_a_user_is_added_and_nothing_is_written(app: Registry,
                                                                                  roles: list[str]) -> None:
    app.add_user("受理员", ["intake"])
    size = app.recorder.max_notification_id()

    with pytest.raises(InvalidInput):
        app.change_roles("受理员", roles)

    assert app.recorder.max_notification_id() == size
    assert app.user_named("受理员").roles == ("intake",)


def test_a_revoked_users_roles_are_not_changed(app: Registry) -> None:
    app.add_user("受理员", ["intake"])
    app.revoke_user("受理员")

    with pytest.raises(InvalidInput):
        app.change_roles("受理员", ["decision"])
    with pytest.raises(NotFound):
        app.change_roles("无此人", ["decision"])
