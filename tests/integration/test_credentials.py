"""Tokens on both real stores (issue 20): a token's digest is kept outside the log, in the credentials table, written
with the event that issues it; tokens issued before keep working; authentication asks the store nothing once it
knows a token; the credentials are append-only; the users are listed; the SQLite file is its owner's alone."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import psycopg
import pytest

from registry.application import SYSTEM, Registry, RegistryConfig
from registry.clock import FixedClock
from registry.entries import entry_of
from registry.errors import ConcurrentChange
from registry.user import Unauthenticated, User, user_id
from store import CREDENTIALS
from tests.integration.conftest import OpenRegistry
from tests.integration.test_following import count_loads


def digest_of(token: str) -> str:
    """The SHA-256 (hex) of a token's secret: what the registry compares a presented token with."""
    return hashlib.sha256(token.split("_", 2)[2].encode()).hexdigest()


def logged_bytes(app: Registry) -> list[bytes]:
    """Every stored event's bytes, and every log entry's (the bytes ``/api/v1/log/entries`` answers)."""
    notifications = app.recorder.select_notifications(1, 1 << 20)
    return [bytes(n.state) for n in notifications] + [entry_of(n).encode() for n in notifications]


def direct(app: Registry) -> tuple[Any, str]:
    """A connection of our own, beside the registry's, and the credentials table's name."""
    database = app.store
    if database.kind == "sqlite":
        return sqlite3.connect(database.env["SQLITE_DBNAME"]), CREDENTIALS
    e = database.env
    conn = psycopg.connect(host=e["POSTGRES_HOST"], port=e["POSTGRES_PORT"], dbname=e["POSTGRES_DBNAME"],
                           user=e["POSTGRES_USER"], password=e["POSTGRES_PASSWORD"], autocommit=True)
    return conn, f'"{database.schema}".{CREDENTIALS}'


def credential_rows(app: Registry) -> int:
    conn, table = direct(app)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def issue_as_before(app: Registry, name: str, secret: str) -> str:
    """A token as a registry recorded it before its digest was kept outside the log: in a ``TokenIssued`` event."""
    user = app._get(User, user_id(name), "user")
    user.trigger_event(User.TokenIssued, token_digest=hashlib.sha256(secret.encode()).hexdigest(), actor=SYSTEM,
                       effective_on=None, timestamp=app.clock.now())
    app.save(user)
    return f"reg_{user.id.hex}_{secret}"


def test_no_event_nor_log_entry_holds_the_digest_of_a_token_issued_now(app: Registry) -> None:
    _, added = app.add_user("审核员甲", ["auditor"])
    _, rotated = app.rotate_token("审核员甲")
    _, again = app.add_user("审核员乙", ["auditor"])
    app.revoke_user("审核员乙")
    _, readded = app.add_user("审核员乙", ["intake"])

    logged = logged_bytes(app)
    topics = [n.topic for n in app.recorder.select_notifications(1, 1 << 20)]
    assert topics.count("registry.user:User.CredentialIssued") == 4  # each token's event is in the log
    for token in (added, rotated, again, readded):
        secret = token.split("_", 2)[2]
        for needle in (digest_of(token).encode(), bytes.fromhex(digest_of(token)), secret.encode()):
            assert not any(needle in b for b in logged), token
    assert app.authenticate(rotated).name == "审核员甲" and app.authenticate(readded).roles == ("intake",)


def test_a_token_works_after_a_restart_and_is_checked_against_the_credentials_table(
        open_registry: OpenRegistry) -> None:
    first = open_registry()
    _, token = first.add_user("受理员", ["intake"])
    first.close()

    again = open_registry()
    assert again.authenticate(token).name == "受理员"
    with pytest.raises(Unauthenticated):
        again.authenticate(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert credential_rows(again) == 1


def test_a_token_issued_before_keeps_working_until_rotated(open_registry: OpenRegistry) -> None:
    """Its event still holds the digest; it replays, checks the token, and a rotation replaces it."""
    app = open_registry()
    app.add_user("监管员", ["regulator"])
    old = issue_as_before(app, "监管员", "an-old-secret")
    app.close()

    again = open_registry()
    assert again.authenticate(old).roles == ("regulator",)
    _, new = again.rotate_token("监管员")
    with pytest.raises(Unauthenticated):
        again.authenticate(old)
    assert again.authenticate(new).name == "监管员"


def test_a_token_rotated_by_another_process_stops_working_at_the_next_command(open_registry: OpenRegistry) -> None:
    app, other = open_registry(), open_registry()
    _, old = app.add_user("决定人员", ["decision"])
    with app.following():
        app.authenticate(old)
    _, new = other.rotate_token("决定人员")
    with app.following(), pytest.raises(Unauthenticated):
        app.authenticate(old)
    with app.following():
        assert app.authenticate(new).name == "决定人员"


def test_authentication_asks_the_store_nothing_once_it_knows_the_token(app: Registry) -> None:
    _, token = app.add_user("受理员", ["intake"])
    other_process = Registry(app.config, app.clock)  # one that did not issue it: it reads the digest once
    try:
        reads: list[object] = []
        recorder: Any = other_process.recorder
        select = recorder.select_credential
        recorder.select_credential = lambda token_id: reads.append(token_id) or select(token_id)
        loads = count_loads(other_process)
        with other_process.following():
            other_process.authenticate(token)
        assert len(reads) == 1
        for _ in range(3):
            with other_process.following():
                other_process.authenticate(token)
        assert len(reads) == 1
        assert loads[user_id("受理员")] == 1
    finally:
        other_process.close()


def test_a_credential_is_written_with_its_event_or_not_at_all(open_registry: OpenRegistry) -> None:
    app, other = open_registry(), open_registry()
    app.add_user("审核组长", ["auditor"])
    stale = app._get(User, user_id("审核组长"), "user")
    other.rotate_token("审核组长")
    rows = credential_rows(app)

    _, credential = stale.rotate_token(actor=SYSTEM, now=app.clock.now())
    with pytest.raises(ConcurrentChange):
        app._commit(stale, credentials=(credential,))

    assert credential_rows(app) == rows == 2
    assert app.recorder.select_credential(credential.token_id) is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("statement", ["UPDATE {table} SET digest = 'x'", "DELETE FROM {table}"])
def test_r_rec_2_the_database_refuses_to_change_or_remove_a_credential(app: Registry, statement: str) -> None:
    _, token = app.add_user("管理员", ["admin"])
    conn, table = direct(app)
    try:
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="R-REC-2"):
            conn.execute(statement.format(table=table))
    finally:
        conn.close()
    assert app.authenticate(token).name == "管理员"


def test_users_are_listed_in_the_order_added_active_or_revoked(app: Registry) -> None:
    app.add_user("甲", ["intake"])
    app.add_user("乙", ["auditor", "decision"])
    app.revoke_user("甲")
    app.enrol_person("张伟", actor=SYSTEM)

    listed = app.list_users()

    assert [(u.name, u.roles, u.active) for u in listed] == [("甲", ("intake",), False),
                                                             ("乙", ("auditor", "decision"), True)]
    assert listed[0].token_issued_at is None and listed[1].token_issued_at == app.clock.now()


def test_the_sqlite_file_and_its_companions_are_readable_by_their_owner_alone(tmp_path: Path,
                                                                             clock: FixedClock) -> None:
    path = tmp_path / "registry.db"
    previous = os.umask(0o022)  # the usual umask, with which the file was made 0644
    try:
        app = Registry(RegistryConfig(database_url=f"sqlite:///{path}"), clock)
        try:
            app.add_user("受理员", ["intake"])
            companions = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(p.exists() for p in companions)
            assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in companions} == {p.name: 0o600 for p in companions}
        finally:
            app.close()
    finally:
        os.umask(previous)


def test_a_sqlite_file_made_readable_by_others_before_is_narrowed_when_opened(tmp_path: Path,
                                                                            clock: FixedClock) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)

    app = Registry(RegistryConfig(database_url=f"sqlite:///{path}"), clock)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        app.close()
