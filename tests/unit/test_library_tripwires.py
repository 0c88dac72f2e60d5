"""Tripwires for the private names of our libraries that the registry relies on (issue 21, item 6).

The registry overrides or calls a few names the event store library and psycopg_pool keep private. Their authors may
rename or reshape them in any release, and then the registry would misbehave quietly (a wrapper never called, a
check never made). Each test here fails, naming the name and where we use it, as soon as an upgrade changes one.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from eventsourcing.application import Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteTrackingRecorder
from psycopg_pool import ConnectionPool

# (owner, name, the parameters we call it with or override it by, where we rely on it)
RELIED_ON: list[tuple[Any, str, list[str], str]] = [
    (Aggregate, "_create", ["event_class", "id", "kwargs"], "registry/base.py RegistryAggregate._create"),
    (Application, "_record", ["self", "processing_event"], "registry/application.py Registry.save"),
    (Application, "_take_snapshots", ["self", "processing_event"], "registry/application.py Registry.save"),
    (Application, "_notify", ["self", "recordings"], "registry/application.py Registry._notify"),
    (Repository, "_reconstruct_aggregate", ["self", "aggregate_id", "version", "projector_func"],
     "registry/repository.py RegistryRepository._reconstruct_aggregate"),
    (Repository, "_use_fastforward_lock", ["self", "aggregate_id"], "registry/following.py"),
    (Repository, "_disuse_fastforward_lock", ["self", "aggregate_id"], "registry/following.py"),
    (Repository, "get", ["self", "aggregate_id", "version", "projector_func", "fastforward_skipping",
                         "deepcopy_from_cache"], "registry/repository.py RegistryRepository.get"),
    (SQLiteApplicationRecorder, "_insert_events", ["self", "c", "stored_events", "_"],
     "store/sqlite.py SQLiteRegistryRecorder._insert_events"),
    (POPOApplicationRecorder, "_update_table", ["self", "stored_events", "_"],
     "store/memory.py MemoryRegistryRecorder._update_table"),
    (PostgresTrackingRecorder, "_insert_tracking", ["self", "curs", "tracking"], "projections/views.py"),
    (SQLiteTrackingRecorder, "_insert_tracking", ["self", "c", "tracking"], "projections/views.py"),
    (ConnectionPool, "connection", ["self", "timeout"],
     "store/postgres_recorder.py, which wraps it to pin a connection"),
]


@pytest.mark.parametrize(("owner", "name", "parameters", "where"), RELIED_ON,
                         ids=[f"{owner.__name__}.{name}" for owner, name, _, _ in RELIED_ON])
def test_a_private_library_name_we_rely_on_is_still_there_and_shaped_as_we_use_it(
        owner: Any, name: str, parameters: list[str], where: str) -> None:
    found = getattr(owner, name, None)
    assert found is not None, f"{owner.__module__}.{owner.__name__}.{name} is gone; {where} relies on it"
    assert list(inspect.signature(found).parameters) == parameters, (
        f"{owner.__module__}.{owner.__name__}.{name} now takes {list(inspect.signature(found).parameters)}, "
        f"not {parameters}; {where} relies on it")


def test_psycopg_pool_still_keeps_its_connection_check_in_the_private_attribute_we_replace() -> None:
    """store/postgres_recorder.py check_quietly replaces ``pool._check`` with a ping that only asks a connection whose
    socket has something waiting; where the pool keeps its check elsewhere, that would silently do nothing."""

    def check(conn: Any) -> None:
        return None

    pool = ConnectionPool("", check=check, open=False)
    try:
        assert getattr(pool, "_check", None) is check, (
            "psycopg_pool.ConnectionPool no longer keeps its check in _check: store/postgres_recorder.py check_quietly "
            "relies on it")
        assert "self._check(conn)" in inspect.getsource(ConnectionPool), (
            "psycopg_pool.ConnectionPool no longer calls self._check(conn): store/postgres_recorder.py relies on it")
    finally:
        pool.close()


def test_the_in_memory_recorder_still_keeps_its_events_and_its_lock_where_ours_reads_them() -> None:
    """store/memory.py MemoryRegistryRecorder reads the library's ``_stored_events`` under its ``_database_lock`` to
    list the users and answer a token's digest."""
    recorder = POPOApplicationRecorder()
    assert isinstance(getattr(recorder, "_stored_events", None), list), (
        "eventsourcing.popo.POPOApplicationRecorder no longer keeps its events in _stored_events (a list): "
        "store/memory.py MemoryRegistryRecorder.select_user_ids relies on it")
    lock = getattr(recorder, "_database_lock", None)
    assert lock is not None and hasattr(lock, "__enter__"), (
        "eventsourcing.popo.POPOApplicationRecorder no longer has its _database_lock: store/memory.py relies on it")
