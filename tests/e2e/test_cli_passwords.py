"""``registry user add … --password-stdin`` and ``registry user password NAME`` (issue 22): the office password read
from standard input, never printed, hashed with Argon2id by the composition root."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from api.cli import main
from api.passwords import Argon2idHasher
from registry.application import Registry, RegistryConfig
from registry.user import Unauthenticated


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    return url


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str,
        code: int = 0) -> list[str]:
    """The command's output lines, given ``stdin``; it must exit with ``code``."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(list(argv)) == code
    captured = capsys.readouterr()
    return (captured.out if code == 0 else captured.err).splitlines()


def signs_in(database: str, name: str, password: str) -> bool:
    """Whether a registry opened afresh, as the composition root opens it, lets the name in with the password."""
    app = Registry(RegistryConfig(database_url=database), passwords=Argon2idHasher())
    try:
        return app.sign_in(name, password).name == name
    except Unauthenticated:
        return False
    finally:
        app.close()


def test_user_add_with_password_stdin_sets_the_office_password_and_still_prints_the_token_last(
        database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    lines = run(capsys, monkeypatch, "受理员的口令 secret\n", "user", "add", "受理员", "--role", "intake",
                "--password-stdin")

    assert lines[-1].startswith("reg_") and "office password set" in lines[0]
    assert "受理员的口令 secret" not in "\n".join(lines)
    assert signs_in(database, "受理员", "受理员的口令 secret")


def test_user_password_resets_it_from_standard_input_and_the_old_one_stops(
        database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, monkeypatch, "the first password\n", "user", "add", "审核员", "--role", "auditor", "--password-stdin")

    lines = run(capsys, monkeypatch, "the second password\n", "user", "password", "审核员")

    assert "the second password" not in "\n".join(lines)
    assert not signs_in(database, "审核员", "the first password")
    assert signs_in(database, "审核员", "the second password")


def test_a_password_too_short_is_refused_before_the_user_is_added(
        database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    error = run(capsys, monkeypatch, "short\n", "user", "add", "决定人", "--role", "decision", "--password-stdin",
                code=2)

    assert "8" in error[-1]
    assert run(capsys, monkeypatch, "", "user", "list")[1:] == []


def test_user_password_for_an_unknown_name_exits_2(database: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no user" in run(capsys, monkeypatch, "a long password\n", "user", "password", "无此人", code=2)[-1]


def test_user_list_shows_roles_and_whether_each_user_is_active(
        database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, monkeypatch, "a long password\n", "user", "add", "管理员", "--role", "admin", "--password-stdin")

    rows = run(capsys, monkeypatch, "", "user", "list")[1:]

    assert len(rows) == 1 and rows[0].split()[:3] == ["管理员", "active", "set"] and rows[0].endswith("admin")
    assert "a long password" not in rows[0]
