"""R-REC-2 at the database: the event log and the documents refuse UPDATE, DELETE and TRUNCATE (issue 7)."""

from __future__ import annotations

import sqlite3
from datetime import date

import psycopg
import pytest

from demo.scenario import Walk
from registry.application import SYSTEM, Registry, RegistryConfig
from registry.clock import FixedClock
from tests.integration.conftest import OpenRegistry


def direct(app: Registry) -> tuple[object, str, str]:
    """A connection of our own, beside the registry's, and the names of the log and the documents tables."""
    database = app.store
    if database.kind == "sqlite":
        return sqlite3.connect(database.env["SQLITE_DBNAME"]), "stored_events", "registry_documents"
    e = database.env
    conn = psycopg.connect(host=e["POSTGRES_HOST"], port=e["POSTGRES_PORT"], dbname=e["POSTGRES_DBNAME"],
                           user=e["POSTGRES_USER"], password=e["POSTGRES_PASSWORD"], autocommit=True)
    return conn, f'"{database.schema}".registry_events', f'"{database.schema}".registry_documents'


@pytest.mark.parametrize("statement", ["UPDATE {log} SET topic = topic", "DELETE FROM {log}",
                                       "UPDATE {documents} SET size = size", "DELETE FROM {documents}"])
def test_r_rec_2_the_database_refuses_to_change_or_remove_a_record(app: Registry, walk: Walk,
                                                                   statement: str) -> None:
    walk.organization().apply().documents(on=date(2026, 3, 3))
    before = app.recorder.max_notification_id()
    conn, log, documents = direct(app)
    try:
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="R-REC-2"):
            conn.execute(statement.format(log=log, documents=documents))  # type: ignore[attr-defined]
    finally:
        conn.close()  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == before
    assert len(app.get_case(walk.case).documents) == 11


def test_r_rec_2_postgresql_refuses_truncate(pg_url: str, clock: FixedClock) -> None:
    app = Registry(RegistryConfig(database_url=pg_url), clock)
    try:
        app.enrol_person("张伟", actor=SYSTEM)
        conn, log, documents = direct(app)
        try:
            for table in (log, documents):
                with pytest.raises(psycopg.Error, match="R-REC-2"):
                    conn.execute(f"TRUNCATE {table}")  # type: ignore[attr-defined]
        finally:
            conn.close()  # type: ignore[attr-defined]
        assert app.recorder.max_notification_id() == 1
    finally:
        app.close()


def test_the_protection_survives_a_restart_without_being_made_twice(open_registry: OpenRegistry) -> None:
    open_registry()
    open_registry()  # a second start finds the triggers and makes nothing again
