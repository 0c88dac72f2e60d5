"""R-CERT-2 at scale: a year's number sequence is loaded from its latest snapshot, not replayed from its first number
(every grant loads it; bench/scale.py found decisions taking seconds once a year had 33,000 numbers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from registry.application import SYSTEM, Registry, RegistryConfig
from registry.clock import FixedClock
from registry.identifiers import number_sequence_id
from registry.numbering import DEFAULT_PATTERN, NumberSequence, sequence_key
from tests.conftest import TODAY


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Registry]:
    url = (f"sqlite:///{tmp_path}/numbers.db" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    app = Registry(RegistryConfig(database_url=url), FixedClock(TODAY))
    yield app
    app.close()


def test_r_cert_2_the_sequence_is_snapshotted_every_100_numbers_and_loads_the_same(store: Registry) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    key = sequence_key(DEFAULT_PATTERN, "CB", 2026)
    store.save(NumberSequence.start(key, actor=SYSTEM, now=now))
    numbers = []
    for _ in range(250):
        sequence = store.repository.get(number_sequence_id(key))
        numbers.append(sequence.allocate(DEFAULT_PATTERN, "CB", date(2026, 11, 24), actor=SYSTEM, now=now))
        store.save(sequence)

    snapshots = list(store.snapshots.get(number_sequence_id(key))) if store.snapshots else []
    assert [s.originator_version for s in snapshots] == [100, 200]
    loaded = store.repository.get(number_sequence_id(key))
    assert (loaded.version, loaded.last) == (251, 250)
    assert numbers[0] == "CB-CEMS-2026-00001" and numbers[-1] == "CB-CEMS-2026-00250"
    assert len(set(numbers)) == 250
    # the log holds events only: 251 of the sequence, no snapshot among them
    assert store.recorder.max_notification_id() == 251
