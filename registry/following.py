"""A process's cached aggregates, kept up to date from the tail of the log: one read per command, not one per
aggregate.

The library brings a cached aggregate up to date each time it is loaded (its fast-forward: a query per aggregate,
usually answering nothing). A command loads two or three (its user, its case, the people on its team), so a command
paid two or three queries before its insert. Here a command starts by reading what the log gained since this
process last looked (``LogFollower.follow``, one query answering a few events), applies those events to the cached
aggregates they belong to, and then takes every aggregate it is sure of from the cache without a query.

What it is sure of (``fresh``): an aggregate known to hold every one of its events up to the position read so far
(``seen``). The log's positions follow commit order (the store writes under a table lock, SQLite under its single
writer), so reading after ``seen`` misses nothing. An aggregate becomes known when a load from the log had nothing
to fear: no event of it read meanwhile that the load may have missed. It stops being known when the cache drops or
replaces it, when an event of it cannot be applied in order, or when the log jumped too far to read (the whole
cache is then loaded afresh, aggregate by aggregate, as the library does).

Within a command, each aggregate is taken from what is known once: a second load of it (a retry after a conflict,
a read after the command's own write) asks the log, as the library does. A command therefore sees every event
committed before it started, as it did with the library's load-time fast-forward. A page, which writes nothing,
loads each aggregate once: a second load answers the first's copy (``following(reading=True)``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from typing import Any
from uuid import UUID

# The aggregates taken from what is known in the running command (None outside a followed command).
_TAKEN: ContextVar[set[UUID] | None] = ContextVar("taken", default=None)
# In a block that only reads (a page), the aggregates it has loaded, by id: it writes nothing, so a second load of
# one answers the first's copy (None in a command).
_READ: ContextVar[dict[UUID, Any] | None] = ContextVar("read", default=None)


class _Unfolded:
    """A record's events a page has read (``LogFollower.remember``), folded when the page loads the record."""

    def __init__(self, fold: Callable[[], Any]) -> None:
        self.fold = fold


class LogFollower:
    """What a repository's cache is known to hold, as of the log position ``seen``."""

    READ = 500  # events read at once; a tail longer than this is not read: the cache is trusted afresh instead
    RECENT = 4096  # events remembered, to tell whether a load may have missed one

    def __init__(self, repository: Any, recorder: Any, fresh_limit: int) -> None:
        self.repository, self.recorder = repository, recorder
        self.lock = threading.Lock()
        self.seen: int | None = None
        self.reset_at = 0
        self.fresh: dict[UUID, Any] = {}  # aggregate id -> the cached object known to be up to date
        self.fresh_limit = fresh_limit
        self.recent: deque[tuple[int, UUID, int]] = deque(maxlen=self.RECENT)  # (position, id, version)

    @contextmanager
    def following(self, reading: bool = False) -> Iterator[None]:
        """A command's block: the log's tail is read first, and its loads take what is known. ``reading``: a block
        that writes nothing (a page), in which a second load of an aggregate answers the copy the first took: a
        page naming a person in three places read them from the log twice more, or copied them twice more."""
        self.follow()
        token, read_token = _TAKEN.set(set()), _READ.set({} if reading else None)
        try:
            yield
        finally:
            _READ.reset(read_token)
            _TAKEN.reset(token)

    def follow(self) -> None:
        """Reads what the log gained since ``seen`` and applies it to the aggregates known."""
        seen = self.seen
        tail = [] if seen is None else list(self.recorder.select_notifications(seen + 1, self.READ))
        if seen is None or len(tail) == self.READ:
            head = self.recorder.max_notification_id() or 0
            with self.lock:
                self.fresh.clear()
                self.recent.clear()
                self.seen = self.reset_at = max(head, self.seen or 0)
            return
        with self.lock:
            for notification in tail:
                if notification.id <= (self.seen or 0):
                    continue  # another thread read it first
                self._apply(notification)
                self.recent.append((notification.id, notification.originator_id, notification.originator_version))
                self.seen = notification.id

    def _apply(self, notification: Any) -> None:
        aggregate_id = notification.originator_id
        known = self.fresh.get(aggregate_id)
        if known is None:
            return
        cached = self._cached(aggregate_id)
        if cached is not known or known.version + 1 < notification.originator_version:
            del self.fresh[aggregate_id]
            return
        if known.version >= notification.originator_version:
            return  # loaded with it already
        try:
            with self._held(aggregate_id):
                changed = self.repository.event_store.mapper.to_domain_event(notification).mutate(known)
        except Exception:
            del self.fresh[aggregate_id]  # its load from the log will say what is wrong
            return
        if changed is not known:
            self.repository.cache.put(aggregate_id, changed)
            self.fresh[aggregate_id] = changed

    def get(self, aggregate_id: UUID, load: Callable[[], Any], copy: bool) -> Any:
        """The aggregate, from what is known when it is known and not yet taken in this command; otherwise from
        ``load`` (the library's), after which it may become known."""
        read = _READ.get()
        if read is None:
            return self._get(aggregate_id, load, copy)
        found = read.get(aggregate_id)
        if isinstance(found, _Unfolded):
            found = read[aggregate_id] = found.fold()
        if found is None:
            found = read[aggregate_id] = self._get(aggregate_id, load, copy)
        return found

    @staticmethod
    def reading() -> bool:
        """Whether the running block is a page's (``following(reading=True)``)."""
        return _READ.get() is not None

    def remember(self, aggregate_id: UUID, fold: Callable[[], Any]) -> None:
        """In a page's block, a record whose every event the page has read anyway (its history): a later load of
        it answers ``fold()`` of those, not another read of them. Elsewhere, or once the page loaded it, nothing."""
        read = _READ.get()
        if read is not None and aggregate_id not in read:
            read[aggregate_id] = _Unfolded(fold)

    def _get(self, aggregate_id: UUID, load: Callable[[], Any], copy: bool) -> Any:
        taken = _TAKEN.get()
        if taken is None or aggregate_id in taken:
            return load()
        taken.add(aggregate_id)
        with self.lock:
            known, mark = self.fresh.get(aggregate_id), self.seen
        if known is not None and self._cached(aggregate_id) is known:
            if not copy:
                return known
            with self._held(aggregate_id):  # not while an event is applied to it
                return deepcopy(known)
        aggregate = load()
        self._learn(aggregate_id, mark, aggregate.version)
        return aggregate

    def _learn(self, aggregate_id: UUID, mark: int | None, version: int) -> None:
        """Knows the cached aggregate, loaded at ``version`` after position ``mark`` was read, if no event of it
        read since may have been missed by that load."""
        with self.lock:
            if mark is None or self.seen is None or mark < self.reset_at:
                return
            cached = self._cached(aggregate_id)
            if cached is None or cached.version != version:
                return
            if mark < self.seen:
                if len(self.recent) == self.RECENT and self.recent[0][0] > mark:
                    return  # events read since may be forgotten
                for position, other, other_version in reversed(self.recent):
                    if position <= mark:
                        break
                    if other == aggregate_id and other_version > version:
                        return
            if len(self.fresh) >= self.fresh_limit:
                self.fresh.clear()  # mostly aggregates the cache has dropped; the rest are learnt again
            self.fresh[aggregate_id] = cached

    def _cached(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.cache.get(aggregate_id)
        except KeyError:
            return None

    @contextmanager
    def _held(self, aggregate_id: UUID) -> Iterator[None]:
        """The library's own lock for bringing this aggregate up to date in place."""
        lock = self.repository._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                yield
        finally:
            self.repository._disuse_fastforward_lock(aggregate_id)
