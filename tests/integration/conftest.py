"""The two real stores: a SQLite file, and the PostgreSQL server on 127.0.0.1:5432 in a fresh database per run.

PostgreSQL is part of every machine, CI's included: when it does not answer, the tests fail and say how to
start it, rather than skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock

OpenRegistry = Callable[[], Registry]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    database: str = request.getfixturevalue("pg_database")
    return f"{database}?schema=t_{uuid.uuid4().hex[:12]}"  # each test its own schema in the run's database


@pytest.fixture
def open_registry(database_url: str, clock: FixedClock) -> Iterator[OpenRegistry]:
    """Opens registries on the test's store; several may be open at once, like several processes."""
    opened: list[Registry] = []

    def open_() -> Registry:
        registry = Registry(RegistryConfig(database_url=database_url), clock)
        opened.append(registry)
        return registry

    yield open_
    for registry in opened:
        registry.close()


@pytest.fixture
def app(open_registry: OpenRegistry) -> Registry:
    return open_registry()
