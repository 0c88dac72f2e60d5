"""The event store library's plumbing, as the registry uses it: the repository that loads aggregates and the
processing event that collects what a command saves.

Both override names the library keeps private (``Repository._reconstruct_aggregate``, the signature of
``Repository.get``); tests/unit/test_library_tripwires.py fails, naming them, when an upgrade changes either.
``Registry`` (registry.application) builds the repository and saves through ``Collected``.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, Repository

from registry.base import RegistryAggregate
from registry.following import LogFollower

# Whether the load running in this context looks for a snapshot first (only number sequences have them).
_SNAPSHOTTED: ContextVar[bool] = ContextVar("snapshotted", default=True)


def fold(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event ``isinstance`` against a runtime Protocol, a
    large share of loading a case."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class RegistryRepository(Repository[UUID]):
    """The library's repository, folding with ``fold``, and asking the snapshot store only for the aggregates
    that have snapshots: otherwise every load of a case, a person or a user paid a query that finds nothing."""

    follower: LogFollower | None = None  # set by the registry: the cache kept up to date from the log's tail

    def remember(self, events: Iterable[Any]) -> None:
        """Every event of some records, in order, that a page has read (a history): in the page's block, a later
        load of one of them folds its events here instead of reading them again (``LogFollower.remember``)."""
        if self.follower is None or not self.follower.reading():
            return  # not in a page's block: nothing would keep them (the API's history reads)
        by_record: dict[UUID, list[Any]] = {}
        for event in events:
            by_record.setdefault(event.originator_id, []).append(event)
        for aggregate_id, own in by_record.items():
            if own[0].originator_version == 1:  # the whole record, from its first event
                self.follower.remember(aggregate_id, partial(fold, None, own))

    def get(self, aggregate_id: UUID, *, version: int | None = None, projector_func: Any = fold,
            fastforward_skipping: bool = False, deepcopy_from_cache: bool = True, snapshotted: bool = True) -> Any:
        def load() -> Any:
            token = _SNAPSHOTTED.set(snapshotted)
            try:
                return Repository.get(self, aggregate_id, version=version, projector_func=projector_func,
                                      fastforward_skipping=fastforward_skipping,
                                      deepcopy_from_cache=deepcopy_from_cache)
            finally:
                _SNAPSHOTTED.reset(token)

        if self.follower is None or version is not None or self.cache is None:
            return load()
        return self.follower.get(aggregate_id, load, copy=deepcopy_from_cache and self.deepcopy_from_cache)

    def _reconstruct_aggregate(self, aggregate_id: UUID, version: int | None, projector_func: Any) -> Any:
        if _SNAPSHOTTED.get():
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        aggregate = projector_func(None, self.event_store.get(originator_id=aggregate_id, lte=version))
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} version {version!r} not found.")
        return aggregate


class Collected(ProcessingEvent[UUID]):
    """The library's processing event, collecting the events of the registry's own aggregates without its two
    isinstance checks against runtime Protocols (slow, and paid for every aggregate a command saves); anything else
    is collected as the library does."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        if not all(obj is None or isinstance(obj, RegistryAggregate) for obj in objs):
            super().collect_events(*objs, **kwargs)
            return
        for obj in objs:
            if obj is not None:
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
        self.saved_kwargs.update(kwargs)
