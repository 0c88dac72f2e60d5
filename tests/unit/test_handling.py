"""A command sent by a caller (``Registry.handle``): the caller is judged first and in one place, a key answers its
first answer, and a key is stored with the command's own events or not at all."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest

from demo.scenario import new_uscc
from registry import commands, handling
from registry.application import Registry
from registry.commands import AddUser, EnrolPerson, OnCertificate, RegisterOrganization
from registry.errors import AlreadyExists
from registry.handling import Caller, RoleNotAllowed
from registry.idempotency import IdempotencyKeyReused, IdempotencyRecord
from registry.organization import Organization
from registry.user import INVALID_TOKEN, NO_TOKEN, Unauthenticated
from registry.values import Actor, Role


def log_size(app: Registry) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.fixture
def admin(app: Registry) -> str:
    return app.add_user("管理员", ["admin"])[1]


def test_a_command_runs_as_the_caller_in_the_commands_role(app: Registry, admin: str) -> None:
    handled = app.handle(EnrolPerson("张伟"), Caller(admin))

    assert not handled.replayed and handled.token is None
    enrolled = app.events.get(handled.written.ids["person"])
    assert [e.actor for e in enrolled] == [Actor(app.authorize(admin).person, Role.ADMIN)]  # type: ignore[attr-defined]


def test_a_caller_without_the_commands_role_is_refused_and_nothing_is_written(app: Registry) -> None:
    _, intake = app.add_user("受理员", ["intake"])
    before = log_size(app)

    with pytest.raises(RoleNotAllowed, match="admin"):
        app.handle(EnrolPerson("张伟"), Caller(intake))

    assert log_size(app) == before


@pytest.mark.parametrize(("token", "detail"), [(None, NO_TOKEN), ("garbage", INVALID_TOKEN)])
def test_no_token_or_a_bad_one_is_refused_before_the_command(app: Registry, token: str | None, detail: str) -> None:
    before = log_size(app)

    with pytest.raises(Unauthenticated) as refused:
        app.handle(EnrolPerson("张伟"), Caller(token, "key-1", "digest"))

    assert refused.value.detail == detail
    assert log_size(app) == before


def test_a_repeat_with_the_same_key_and_request_answers_the_first_answer_and_writes_nothing(
        app: Registry, admin: str) -> None:
    first = app.handle(EnrolPerson("张伟"), Caller(admin, "enrol-1", "digest-a"))
    size = log_size(app)

    again = app.handle(EnrolPerson("张伟"), Caller(admin, "enrol-1", "digest-a"))

    assert again.replayed and not first.replayed
    assert again.written == first.written
    assert log_size(app) == size


def test_the_same_key_with_another_request_is_refused_and_writes_nothing(app: Registry, admin: str) -> None:
    app.handle(EnrolPerson("张伟"), Caller(admin, "enrol-2", "digest-a"))
    size = log_size(app)

    with pytest.raises(IdempotencyKeyReused):
        app.handle(EnrolPerson("李娜"), Caller(admin, "enrol-2", "digest-b"))

    assert log_size(app) == size


def test_keys_are_each_users_own(app: Registry, admin: str) -> None:
    _, other = app.add_user("另一管理员", ["admin"])
    first = app.handle(EnrolPerson("张伟"), Caller(admin, "same-key", "digest-a"))

    second = app.handle(EnrolPerson("李娜"), Caller(other, "same-key", "digest-b"))

    assert not second.replayed and second.written.ids["person"] != first.written.ids["person"]


def test_the_key_is_saved_in_the_same_transaction_as_the_commands_events(
        app: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    _, intake = app.add_user("受理员", ["intake"])
    saves: list[tuple[Any, ...]] = []
    save = app.save

    def spy(*objs: Any, **kwargs: Any) -> list[Any]:
        saves.append(objs)
        return save(*objs, **kwargs)

    monkeypatch.setattr(app, "save", spy)
    handled = app.handle(RegisterOrganization(new_uscc(), "幂等示范有限公司", "北京市示例路1号"),
                         Caller(intake, "org-1", "d"))

    # One save, and so one transaction: the organisation's events and the key's record, or neither.
    [saved] = saves
    assert {type(o) for o in saved} == {Organization, IdempotencyRecord}
    assert [o.id for o in saved if isinstance(o, Organization)] == [handled.written.ids["organization"]]


def test_a_refused_command_does_not_use_up_its_key(app: Registry) -> None:
    _, intake = app.add_user("受理员", ["intake"])
    uscc = new_uscc()
    app.handle(RegisterOrganization(uscc, "示范有限公司", "北京市示例路1号"), Caller(intake))
    size = log_size(app)

    for _ in range(2):  # refused again, not answered from a record
        with pytest.raises(AlreadyExists):
            app.handle(RegisterOrganization(uscc, "示范有限公司", "北京市示例路1号"), Caller(intake, "again", "d"))

    assert log_size(app) == size


def test_a_token_is_answered_once_and_never_on_a_replay(app: Registry, admin: str) -> None:
    first = app.handle(AddUser("审核员", ["auditor"]), Caller(admin, "add-1", "d"))
    again = app.handle(AddUser("审核员", ["auditor"]), Caller(admin, "add-1", "d"))

    assert first.token is not None and app.authorize(first.token).name == "审核员"
    assert again.replayed and again.token is None


def test_every_command_has_a_step() -> None:
    """Each command class of ``registry.commands`` is dispatched by ``handling.perform``, and knows its role."""
    tree = ast.parse(inspect.getsource(handling.perform))
    dispatched = {node.cls.id for node in ast.walk(tree) if isinstance(node, ast.MatchClass)
                  and isinstance(node.cls, ast.Name)}
    defined = {name for name, cls in vars(commands).items() if inspect.isclass(cls)
               and issubclass(cls, commands.Command) and cls not in (commands.Command, OnCertificate)}

    assert dispatched == defined
    assert all(isinstance(getattr(commands, name).role, Role) for name in defined)


def test_an_admin_sets_a_password_and_changes_roles_through_commands(app: Registry, admin: str) -> None:
    app.add_user("受理员", ["intake"])

    app.handle(commands.SetPassword("受理员", "一个新的口令 new password"), Caller(admin))
    app.handle(commands.ChangeRoles("受理员", ["intake", "auditor"]), Caller(admin))

    user = app.sign_in("受理员", "一个新的口令 new password")
    assert user.roles == ("intake", "auditor")
    assert "new password" not in repr(commands.SetPassword("受理员", "一个新的口令 new password"))


def test_only_an_admin_sets_a_password_or_changes_roles(app: Registry) -> None:
    _, intake = app.add_user("受理员", ["intake", "auditor"])
    size = log_size(app)

    for command in (commands.SetPassword("受理员", "一个新的口令 new password"),
                    commands.ChangeRoles("受理员", ["admin"])):
        with pytest.raises(RoleNotAllowed):
            app.handle(command, Caller(intake))

    assert log_size(app) == size
