"""``Registry.following`` (every write over HTTP runs in one, registry.following): a command reads the log's tail
once and takes the cached records it is sure of without a query, yet sees every event committed before it started,
whichever process wrote it: on both real stores."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from demo.scenario import Walk
from registry.application import Registry
from registry.errors import ConcurrentChange
from registry.following import LogFollower
from registry.user import Unauthenticated
from registry.values import DocumentKind
from tests.integration.conftest import OpenRegistry


def count_loads(app: Registry) -> Counter[UUID]:
    """Counts the reads of each record's events from the log (a load, or the library's fast-forward)."""
    loads: Counter[UUID] = Counter()
    store: Any = app.repository.event_store
    read = store.get

    def get(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
        loads[originator_id] += 1
        return read(originator_id, *args, **kwargs)

    store.get = get
    return loads


def receive(app: Registry, walk: Walk, kind: DocumentKind) -> None:
    with app.following():
        app.receive_document(walk.case, kind, date(2026, 3, 3), f"%PDF-1.7 {kind.value}".encode(),
                             actor=walk.staff.intake)


def test_a_command_takes_the_records_it_is_sure_of_from_the_cache_without_a_query(walk: Walk) -> None:
    app = walk.app
    walk.organization().apply()
    loads = count_loads(app)
    receive(app, walk, DocumentKind.APPLICATION_FORM)  # the case is loaded once, and known from then on
    assert loads[walk.case] == 1
    receive(app, walk, DocumentKind.BUSINESS_LICENCES)  # its new event read with the log's tail, applied in memory
    receive(app, walk, DocumentKind.SITES_LIST)
    assert loads[walk.case] == 1
    assert set(app.get_case(walk.case).documents) >= {"application_form", "business_licences", "sites_list"}


def test_another_processs_write_is_seen_by_the_next_command(walk: Walk, open_registry: OpenRegistry) -> None:
    """The other registry writes the case behind this one's cache: this one's next command still builds on it
    (a stale case would fail its insert as a conflict), with no query of its own for the case."""
    app, other = walk.app, open_registry()
    walk.organization().apply()
    receive(app, walk, DocumentKind.APPLICATION_FORM)
    loads = count_loads(app)
    receive(other, walk, DocumentKind.BUSINESS_LICENCES)
    receive(app, walk, DocumentKind.SITES_LIST)
    assert loads[walk.case] == 0
    assert set(other.get_case(walk.case).documents) >= {"application_form", "business_licences", "sites_list"}


def test_a_token_revoked_by_another_process_is_refused_by_the_next_command(app: Registry,
                                                                            open_registry: OpenRegistry) -> None:
    other = open_registry()
    _, token = app.add_user("reviewer", ["intake"])
    with app.following():
        assert app.authenticate(token).name == "reviewer"
    other.revoke_user("reviewer")
    with app.following(), pytest.raises(Unauthenticated):
        app.authenticate(token)


def test_a_second_load_in_one_command_asks_the_log(walk: Walk) -> None:
    """A retry after a conflict, or a read after the command's own write, sees what was written since it began."""
    app = walk.app
    walk.organization().apply()
    receive(app, walk, DocumentKind.APPLICATION_FORM)
    loads = count_loads(app)
    with app.following():
        first = app.case_by_id(walk.case)
        app.receive_document(walk.case, DocumentKind.SITES_LIST, date(2026, 3, 3), b"%PDF-1.7 x",
                             actor=walk.staff.intake)
        again = app.case_by_id(walk.case)
    assert loads[walk.case] == 2  # the first from memory; the command's own load and the read after it, not
    assert again.version == first.version + 1


def test_a_page_loads_each_record_once_and_a_command_in_it_takes_its_own(walk: Walk) -> None:
    """A page writes nothing: a record it names in several places is read, and copied, once. A command run within
    it (in its own block, as every command is: registry.handling) takes its own copy, not the page's."""
    app = walk.app
    walk.organization().apply()
    receive(app, walk, DocumentKind.APPLICATION_FORM)
    loads = count_loads(app)
    with app.following(reading=True):
        first = app.case_by_id(walk.case)
        assert app.case_by_id(walk.case) is first
        receive(app, walk, DocumentKind.SITES_LIST)
        assert app.case_by_id(walk.case) is first  # the page's copy, as it was when the page read it
    assert loads[walk.case] == 0  # all from memory
    assert DocumentKind.SITES_LIST not in first.documents
    after = app.case_by_id(walk.case)
    assert after.version == first.version + 1 and DocumentKind.SITES_LIST in after.documents


def test_a_page_that_read_a_records_events_folds_the_record_from_them(walk: Walk) -> None:
    """The case page reads the case's events for its history, then the case: one read of them, not two; and the
    case folded from them is the case the log holds."""
    app = walk.app
    walk.organization().apply()
    receive(app, walk, DocumentKind.APPLICATION_FORM)
    cache: Any = app.repository.cache
    cache.cache.clear()  # as a page on a case not viewed lately
    loads = count_loads(app)
    with app.following(reading=True):
        events = app.record_events(walk.case)
        folded = app.case_by_id(walk.case)
        view = app.get_case(walk.case)
    assert loads[walk.case] == 1 and folded.version == events[-1].originator_version
    assert view == app.get_case(walk.case)


def test_a_tail_too_long_to_read_has_every_record_loaded_afresh(walk: Walk, open_registry: OpenRegistry,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app, other = walk.app, open_registry()
    walk.organization().apply()
    receive(app, walk, DocumentKind.APPLICATION_FORM)
    monkeypatch.setattr(LogFollower, "READ", 2)
    for kind in (DocumentKind.BUSINESS_LICENCES, DocumentKind.SITES_LIST, DocumentKind.CEMS_DOCUMENTS):
        receive(other, walk, kind)
    loads = count_loads(app)
    receive(app, walk, DocumentKind.LEGAL_DOCUMENTS)
    assert loads[walk.case] == 1  # trusted no longer: loaded from the log
    assert len(app.get_case(walk.case).documents) == 5


def test_a_load_that_may_have_missed_an_event_read_meanwhile_is_not_trusted(walk: Walk,
                                                                           open_registry: OpenRegistry) -> None:
    """A load races the tail: another process writes the case, and another command of this process reads that
    event, after the load read the log but before it returns. The loaded case lacks the event, so it must not
    become known: the next command loads the case from the log rather than act on it."""
    app, other = walk.app, open_registry()
    walk.organization().apply()
    follower = app.repository.follower  # type: ignore[attr-defined]
    assert follower is not None
    store: Any = app.repository.event_store
    read = store.get

    def slow_read(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
        events = list(read(originator_id, *args, **kwargs))
        if originator_id == walk.case:
            store.get = read
            receive(other, walk, DocumentKind.BUSINESS_LICENCES)
            follower.follow()  # another command's tail, in the meantime
        return events

    store.get = slow_read
    with pytest.raises(ConcurrentChange):  # built on the case as it was: its insert conflicts, nothing written
        receive(app, walk, DocumentKind.APPLICATION_FORM)
    loads = count_loads(app)
    receive(app, walk, DocumentKind.SITES_LIST)
    assert loads[walk.case] == 1
    assert set(app.get_case(walk.case).documents) == {"business_licences", "sites_list"}
