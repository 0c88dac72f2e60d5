"""Office passwords and sign-in (issue 22): the hash kept outside the log, one answer for every refusal, every
sign-in and failure recorded, and a name slowed down after repeated failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.passwords import Argon2idHasher
from registry.application import Registry
from registry.clock import FixedClock
from registry.commands import EnrolPerson, RegisterOrganization
from registry.errors import InvalidInput
from registry.handling import Caller, RoleNotAllowed, SignedIn
from registry.passwords import ScryptHasher
from registry.sign_ins import FAILURES_ALLOWED, SignInThrottle
from registry.user import INVALID_SIGN_IN, SignInPaused, Unauthenticated, User, user_id

PASSWORD = "正确的口令 correct horse"


def logged(app: Registry) -> str:
    return b"".join(bytes(n.state) for n in app.recorder.select_notifications(1, 1 << 20)).decode()


def history(app: Registry, name: str) -> list[str]:
    return [type(e).__name__ for e in app.events.get(user_id(name))]


def refusal(app: Registry, name: str, password: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        app.sign_in(name, password)
    return refused.value.detail


@pytest.fixture
def clerk(app: Registry) -> str:
    app.add_user("受理员", ["intake"])
    app.set_password("受理员", PASSWORD)
    return "受理员"


def test_a_password_is_hashed_outside_the_log_and_its_event_names_only_its_id(app: Registry, clerk: str) -> None:
    user = app._get(User, user_id(clerk), "user")
    assert user.password_id is not None
    digest = app._digest(user.password_id)

    assert digest is not None and digest.startswith("$scrypt$") and PASSWORD not in digest
    assert app.passwords.verify(digest, PASSWORD)
    assert PASSWORD not in logged(app) and digest.split("$")[-1] not in logged(app)
    assert user.password_id.hex in logged(app)


def test_sign_in_answers_the_user_and_is_recorded(app: Registry, clerk: str) -> None:
    user = app.sign_in(clerk, PASSWORD)

    assert (user.name, user.roles) == (clerk, ("intake",))
    assert history(app, clerk)[-1] == "SignedIn"


def test_the_name_is_matched_as_users_are_told_apart_ignoring_case_and_space(app: Registry) -> None:
    app.add_user("Auditor Li", ["auditor"])
    app.set_password("Auditor Li", PASSWORD)

    assert app.sign_in("  auditor li ", PASSWORD).name == "Auditor Li"


def test_every_refused_sign_in_gets_the_same_answer(app: Registry, clerk: str) -> None:
    """Unknown, revoked, without a password, a wrong password, a name no user can have: the caller learns none."""
    app.add_user("无口令", ["auditor"])
    app.add_user("前受理员", ["intake"])
    app.set_password("前受理员", PASSWORD)
    app.revoke_user("前受理员")

    answers = {
        "unknown user": refusal(app, "无此人", PASSWORD),
        "wrong password": refusal(app, clerk, PASSWORD + "x"),
        "no password set": refusal(app, "无口令", PASSWORD),
        "revoked": refusal(app, "前受理员", PASSWORD),
        "no name": refusal(app, "", PASSWORD),
        "an impossible name": refusal(app, "\ud800", PASSWORD),
    }

    assert set(answers.values()) == {INVALID_SIGN_IN}, answers


def test_a_failed_sign_in_of_a_user_is_recorded_with_its_reason_and_never_the_password(app: Registry,
                                                                                       clerk: str) -> None:
    refusal(app, clerk, "a wrong guess 123")

    assert history(app, clerk)[-1] == "SignInFailed"
    failed = list(app.events.get(user_id(clerk)))[-1]
    assert isinstance(failed, User.SignInFailed) and failed.reason == "wrong_password"
    assert "a wrong guess 123" not in logged(app) and PASSWORD not in logged(app)


def test_a_failed_sign_in_for_an_unknown_name_is_a_log_line_and_writes_nothing(
        app: Registry, caplog: pytest.LogCaptureFixture) -> None:
    before = app.recorder.max_notification_id()

    refusal(app, "无此人", "a guess 12345")

    assert app.recorder.max_notification_id() == before
    assert any("no user has the name" in r.getMessage() for r in caplog.records)
    assert all("a guess 12345" not in r.getMessage() for r in caplog.records)


def test_a_new_password_replaces_the_old_one(app: Registry, clerk: str) -> None:
    app.set_password(clerk, "新的口令 new one")

    assert refusal(app, clerk, PASSWORD) == INVALID_SIGN_IN
    assert app.sign_in(clerk, "新的口令 new one").name == clerk


def test_revoking_a_user_ends_its_password_and_adding_it_again_needs_a_new_one(app: Registry, clerk: str) -> None:
    app.revoke_user(clerk)
    app.add_user(clerk, ["intake"])

    assert refusal(app, clerk, PASSWORD) == INVALID_SIGN_IN


def test_a_revoked_user_is_given_no_password(app: Registry, clerk: str) -> None:
    app.revoke_user(clerk)

    with pytest.raises(InvalidInput, match="revoked"):
        app.set_password(clerk, PASSWORD)


@pytest.mark.parametrize("password", ["short", "x" * 257])
def test_a_password_is_8_to_256_characters(app: Registry, clerk: str, password: str) -> None:
    with pytest.raises(InvalidInput, match="8"):
        app.set_password(clerk, password)


def test_after_five_failures_a_name_waits_and_its_password_is_not_even_checked(
        app: Registry, clock: FixedClock, clerk: str) -> None:
    for _ in range(FAILURES_ALLOWED):
        refusal(app, clerk, "a wrong guess")
    recorded = app.recorder.max_notification_id()

    with pytest.raises(SignInPaused) as paused:
        app.sign_in(clerk, PASSWORD)  # the right password, refused all the same

    assert paused.value.retry_after == 30
    assert app.recorder.max_notification_id() == recorded
    clock.advance(seconds=30)
    assert app.sign_in(clerk, PASSWORD).name == clerk


def test_an_unknown_name_is_slowed_down_as_a_known_one_is(app: Registry) -> None:
    for _ in range(FAILURES_ALLOWED):
        refusal(app, "无此人", "a guess 12345")

    with pytest.raises(SignInPaused):
        app.sign_in("无此人", "a guess 12345")


def test_the_pause_doubles_with_each_further_failure_up_to_fifteen_minutes() -> None:
    throttle, now = SignInThrottle(), datetime(2026, 3, 2, tzinfo=UTC)
    waits = []
    for _ in range(FAILURES_ALLOWED + 6):
        throttle.failed("受理员", now)
        waits.append(throttle.wait("受理员", now))
        now += timedelta(seconds=1)

    assert waits[:FAILURES_ALLOWED - 1] == [0.0] * (FAILURES_ALLOWED - 1)
    assert waits[FAILURES_ALLOWED - 1:] == [30, 60, 120, 240, 480, 900, 900]


def test_failures_older_than_the_window_are_forgotten_and_a_success_forgets_them_all() -> None:
    throttle, now = SignInThrottle(), datetime(2026, 3, 2, tzinfo=UTC)
    for _ in range(FAILURES_ALLOWED):
        throttle.failed("受理员", now)

    assert throttle.wait("受理员", now + timedelta(minutes=15)) == 0
    throttle.succeeded("受理员")
    assert throttle.wait("受理员", now) == 0


def test_the_argon2id_hasher_checks_its_own_digests_and_the_standard_librarys() -> None:
    argon2 = Argon2idHasher()
    digest = argon2.hash(PASSWORD)

    assert digest.startswith("$argon2id$")
    assert argon2.verify(digest, PASSWORD) and not argon2.verify(digest, PASSWORD + "x")
    assert argon2.verify(ScryptHasher().hash(PASSWORD), PASSWORD)
    assert not argon2.verify("not a digest", PASSWORD) and not ScryptHasher().verify(digest, PASSWORD)


def test_an_office_session_ends_when_its_password_is_set_again_or_its_user_revoked(app: Registry, clerk: str) -> None:
    signed = app.sign_in(clerk, PASSWORD)
    assert app.signed_in_user(clerk, signed.password_id).name == clerk

    app.set_password(clerk, "另一个口令 another one")
    with pytest.raises(Unauthenticated):
        app.signed_in_user(clerk, signed.password_id)  # the session signed in with the old password has ended
    again = app.sign_in(clerk, "另一个口令 another one")
    app.revoke_user(clerk)
    with pytest.raises(Unauthenticated):
        app.signed_in_user(clerk, again.password_id)


def test_a_command_from_an_office_session_is_judged_as_its_user(app: Registry, clerk: str) -> None:
    signed = app.sign_in(clerk, PASSWORD)
    caller = Caller(None, signed_in=SignedIn(clerk, str(signed.password_id)))
    with pytest.raises(RoleNotAllowed):
        app.handle(EnrolPerson("某人"), caller)  # an admin's step
    written = app.handle(RegisterOrganization("91350100M000100Y43", "某公司", "福州"), caller).written
    assert written.position > 0
    with pytest.raises(Unauthenticated):
        app.handle(RegisterOrganization("91350100M000100Y43", "某公司", "福州"),
                   Caller(None, signed_in=SignedIn(clerk, "not its password")))
