"""``registry user`` (issue 20): list the users, rotate a token, and add a revoked name again, on a SQLite file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.cli import main
from registry.application import Registry, RegistryConfig
from registry.user import Unauthenticated


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> list[str]:
    """The command's output lines; it must exit with ``code``."""
    assert main(list(argv)) == code
    captured = capsys.readouterr()
    return (captured.out if code == 0 else captured.err).splitlines()


def check(database: str, token: str) -> tuple[str, ...]:
    """The roles the token lets its bearer act in, read by a registry opened afresh."""
    app = Registry(RegistryConfig(database_url=database))
    try:
        return app.authenticate(token).roles
    finally:
        app.close()


def refused(database: str, token: str) -> bool:
    try:
        check(database, token)
    except Unauthenticated:
        return True
    return False


def test_user_token_prints_a_new_token_alone_on_the_last_line_and_the_old_one_stops(
        database: str, capsys: pytest.CaptureFixture[str]) -> None:
    old = run(capsys, "user", "add", "受理员", "--role", "intake")[-1]

    lines = run(capsys, "user", "token", "受理员")

    new = lines[-1]
    assert new.startswith("reg_") and new != old and " " not in new
    assert refused(database, old)
    assert check(database, new) == ("intake",)


def test_user_list_shows_each_user_and_never_a_token(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    kept = run(capsys, "user", "add", "审核员", "--role", "auditor", "--role", "decision")[-1]
    gone = run(capsys, "user", "add", "前管理员", "--role", "admin")[-1]
    run(capsys, "user", "revoke", "前管理员")

    lines = run(capsys, "user", "list")

    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {"审核员", "前管理员"}
    assert rows["审核员"].split()[1] == "active" and rows["审核员"].endswith("auditor, decision")
    assert rows["前管理员"].split()[1] == "revoked" and rows["前管理员"].endswith("admin")
    output = "\n".join(lines)
    for token in (kept, gone):
        assert token.split("_", 2)[2] not in output
        assert hashlib.sha256(token.split("_", 2)[2].encode()).hexdigest() not in output


def test_a_revoked_name_is_added_again_with_new_roles_and_a_new_token(database: str,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    old = run(capsys, "user", "add", "监管员", "--role", "regulator")[-1]
    run(capsys, "user", "revoke", "监管员")
    assert "add the user again" in run(capsys, "user", "token", "监管员", code=2)[-1]

    new = run(capsys, "user", "add", "监管员", "--role", "auditor")[-1]

    assert refused(database, old)
    assert check(database, new) == ("auditor",)
    assert "exists already" in run(capsys, "user", "add", "监管员", "--role", "admin", code=2)[-1]
