"""Fixtures shared by every test: an application on a chosen store with a clock that stands still."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from registry.scenario import Staff, Walk, enrol_staff

TODAY = date(2026, 11, 24)
STAFF_SINCE = date(2020, 1, 1)


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
