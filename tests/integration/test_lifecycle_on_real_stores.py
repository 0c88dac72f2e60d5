"""The same lifecycle on SQLite and on PostgreSQL: application to certificate, surveillance, change, suspension,
reinstatement and cancellation; everything read back by a second registry opened on the same store."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from demo.scenario import SURVEILLANCE, Walk, review_surveillance
from registry.application import Registry
from registry.errors import ConcurrentChange
from registry.values import Changes, DocumentKind
from store.postgres_recorder import INSERT_FUNCTION, QuietCheck
from tests.conftest import PG
from tests.integration.conftest import OpenRegistry


def test_the_whole_lifecycle_survives_a_restart(app: Registry, walk: Walk, open_registry: OpenRegistry) -> None:
    walk.to_team().stage1().stage2(majors=1).report().close("NC-1").decide()
    number = walk.number or ""
    staff = walk.staff
    review_surveillance(app, staff, number, date(2026, 9, 1))  # R-GHG-2
    app.record_surveillance_audit(number, date(2026, 9, 1), staff.leader, [staff.member], **SURVEILLANCE,
                                  actor=staff.leader_actor)
    request = app.request_change(number, date(2026, 9, 10), date(2026, 9, 5), Changes(name="新名称能源有限公司"),
                                 actor=staff.intake).ids["request"]
    app.change_certificate(number, request, date(2026, 9, 20), actor=staff.admin)
    app.suspend(number, date(2026, 10, 1), date(2026, 9, 28), "major_defect", "体系重大缺陷", actor=staff.decision)
    app.reinstate(number, date(2026, 10, 20), "纠正措施已验证", actor=staff.decision)
    last = app.cancel(number, date(2026, 11, 2), "client_request", "企业申请注销", date(2026, 10, 30),
                      actor=staff.decision)

    again = open_registry()
    cert = again.get_certificate(number)
    assert cert == app.get_certificate(number)
    assert cert.status == "cancelled"
    assert cert.version == 2 and cert.organization["name"] == "新名称能源有限公司"
    assert cert.surveillance["next_due_by"] == date(2027, 9, 1)
    assert again.get_organization(walk.uscc).name == "新名称能源有限公司"
    assert again.get_case(walk.case).stage == "granted"
    assert again.recorder.max_notification_id() == last.position


def test_documents_are_kept_in_the_same_database_by_sha256(walk: Walk, open_registry: OpenRegistry) -> None:
    walk.organization().apply()
    content = "%PDF-1.7 碳评审报告 — 2026".encode()
    sha = walk.app.receive_document(walk.case, "carbon_review_report", date(2026, 3, 3), content,
                                    actor=walk.staff.intake).ids["sha256"]

    assert sha == hashlib.sha256(content).hexdigest()
    assert open_registry().document(sha) == content
    assert open_registry().get_case(walk.case).documents["carbon_review_report"] == sha


def test_on_postgresql_a_documents_bytes_commit_with_its_event_or_not_at_all(walk: Walk) -> None:
    """R-APP-4: the bytes are stored in the transaction of the event that records them, so a command refused at
    the last moment (another command changed the case first) leaves neither behind."""
    app = walk.app
    if app.store.kind != "postgres":
        pytest.skip("SQLite stores the bytes first, in a transaction of their own (an orphan is harmless)")
    walk.organization().apply()
    stale = app.case_by_id(walk.case)  # loaded before another command changes the case
    app.receive_document(walk.case, "carbon_review_report", date(2026, 3, 3), b"%PDF-1.7 first",
                         actor=walk.staff.intake)
    content = "%PDF-1.7 工艺流程图 — 2026".encode()
    digest = hashlib.sha256(content).hexdigest()
    stale.receive_document(DocumentKind.PROCESS_FLOW_CHART, date(2026, 3, 3), digest, len(content), "text/plain",
                           "flow.txt", workdays=app.workdays(), today=app.clock.today(), actor=walk.staff.intake,
                           now=app.clock.now())

    with pytest.raises(ConcurrentChange):
        app._commit_with_bytes(content, stale, sha256=digest)

    assert app.documents.get(digest) is None
    assert app.receive_document(walk.case, "process_flow_chart", date(2026, 3, 3), content,
                                actor=walk.staff.intake).ids["sha256"] == digest
    assert app.document(digest) == content


def test_on_postgresql_a_log_made_before_the_insert_function_is_given_it_when_opened(
        walk: Walk, open_registry: OpenRegistry) -> None:
    """A database from before ``store.postgres_recorder`` wrote each command in one call: the first process to open it
    creates the function, and the positions it answers are the log's."""
    app = walk.app
    if app.store.kind != "postgres":
        pytest.skip("the insert function is PostgreSQL's")
    walk.organization()
    function = f'"{app.recorder.datastore.schema}".{INSERT_FUNCTION}'
    with app.recorder.datastore.transaction(commit=True) as curs:
        curs.execute(f"DROP FUNCTION {function}")

    again = open_registry()
    written = walk.apply().app.receive_document(walk.case, "carbon_review_report", date(2026, 3, 3),
                                                 b"%PDF-1.7 report", actor=walk.staff.intake)

    assert written.position == again.recorder.max_notification_id()
    assert again.document(written.ids["sha256"]) == b"%PDF-1.7 report"
    assert [n.id for n in again.recorder.select_notifications(1, 1000)][-1] == written.position


def test_on_postgresql_a_block_of_commands_takes_one_connection_and_a_lost_one_is_not_kept(walk: Walk) -> None:
    """``Registry.one_connection`` (every write over HTTP runs in one): the loads, the checks and the insert of a
    command take one connection from the pool, checked once, not one per statement. A connection lost in a
    block fails what is left of it (503 over HTTP), and the next block takes a sound one."""
    app = walk.app
    if app.store.kind != "postgres":
        pytest.skip("the pool is PostgreSQL's")
    walk.organization().apply()
    pool = app.recorder.datastore.pool  # type: ignore[attr-defined]

    def receive(kind: str) -> int:
        """Records a document; answers the connections it took from the pool."""
        before = pool.get_stats()["requests_num"]
        app.receive_document(walk.case, kind, date(2026, 3, 3), f"%PDF-1.7 {kind}".encode(), actor=walk.staff.intake)
        return int(pool.get_stats()["requests_num"] - before)

    assert receive("application_form") > 1  # loads, checks and the insert, each on a connection of its own
    before = pool.get_stats()["requests_num"]
    with app.one_connection():
        assert receive("business_licences") == 0  # all on the block's own, taken once
    assert pool.get_stats()["requests_num"] - before == 1

    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    with pytest.raises(OperationalError), app.one_connection(), datastore.transaction(commit=True) as curs:
        curs.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    with app.one_connection():
        receive("sites_list")
    assert app.get_case(walk.case).documents.keys() >= {"application_form", "business_licences", "sites_list"}


def test_on_postgresql_the_pool_pings_only_a_connection_its_server_left(walk: Walk) -> None:
    """The pool's pre-ping is a round trip per checkout; ``store.postgres_recorder`` pings only a connection with
    something waiting on its socket. Commands on sound connections ping nothing; connections whose backends were
    terminated while idle in the pool are pinged, found lost and replaced, and the next command succeeds."""
    app = walk.app
    if app.store.kind != "postgres":
        pytest.skip("the pool is PostgreSQL's")
    pool: Any = app.recorder.datastore.pool  # type: ignore[attr-defined]
    check = pool._check
    assert isinstance(check, QuietCheck)
    library_ping, pings = check.ping, []
    check.ping = lambda conn: (pings.append(conn), library_ping(conn))
    walk.organization().apply()
    assert pings == []

    held = [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    pids = [conn.info.backend_pid for conn in held]
    for conn in held:
        pool.putconn(conn)
    with psycopg.connect(PG, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))

    app.receive_document(walk.case, "application_form", date(2026, 3, 3), b"%PDF-1.7 form", actor=walk.staff.intake)
    assert pings, "a lost connection was handed out unchecked"
    assert "application_form" in app.get_case(walk.case).documents
