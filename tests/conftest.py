"""Fixtures shared by every test: an application on a chosen store with a clock that stands still."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from demo.scenario import Staff, Walk, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.third_party import go_verifier  # noqa: F401  (a fixture: Go's sumdb/note, for R-REC-4)

PG = "postgresql://postgres@127.0.0.1:5432"
PG_START = "pg_ctlcluster --skip-systemctl-redirect 15 main start"
TODAY = date(2026, 11, 24)
STAFF_SINCE = date(2020, 1, 1)


@pytest.fixture(autouse=True, scope="session")
def keys_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A test that leaves the key paths at their defaults would make private keys in the working directory (the
    checkout): they are made in a directory of the run's own instead. A test that names its keys still wins."""
    keys = tmp_path_factory.mktemp("default-keys")
    defaults = {"REGISTRY_SIGNING_KEY": str(keys / "registry-signing.key"),
                "REGISTRY_CHECKPOINT_KEY": str(keys / "registry-checkpoint.key")}
    added = {name: value for name, value in defaults.items() if name not in os.environ}
    os.environ.update(added)
    yield
    for name in added:
        os.environ.pop(name, None)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def app(clock: FixedClock) -> Iterator[Registry]:
    registry = Registry(RegistryConfig(database_url="memory://"), clock)
    yield registry
    registry.close()


@pytest.fixture
def staff(app: Registry) -> Staff:
    """An admin, an intake reviewer, a qualified leader (CCAA CEMS + EnMS) and member (CCAA CEMS), a decider."""
    return enrol_staff(app, STAFF_SINCE)


@pytest.fixture
def walk(app: Registry, staff: Staff) -> Walk:
    """A case for a fresh organisation, applied on 2026-03-02 (a Monday); steps follow it by days."""
    return Walk(app, staff, date(2026, 3, 2))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test run, dropped at the end."""
    name = f"registry_it_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{PG}/test", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 does not answer ({e}). Start it with: {PG_START}", pytrace=False)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG}/{name}"
    with psycopg.connect(f"{PG}/test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A fresh schema of its own in the run's PostgreSQL database."""
    return f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"


def view_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """For a fixture parametrized ``sqlite`` / ``postgres``: a SQLite file in ``tmp_path``, or a PostgreSQL schema of
    its own, made (a view's tables are created in it)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'views.db'}"
    url: str = request.getfixturevalue("pg_url")
    with psycopg.connect(url.partition("?")[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{url.rpartition("=")[2]}"')
    return url
