"""How the views read the log: what follows a position, in batches, chosen once per catch-up.

Three readers answer the same question, "what follows position p": following the log (every event, in order),
picked out by the database (the public view alone, on a server: only the events it takes), and hashed by the
database (the log view alone, on a server: only each event's leaf hash). ``ReadAhead`` reads the next batch while
the caller processes one: the database works on the read as the process works on the events, each on a core of its
own. ``reader_for`` makes the choice, from the store's capability (``Store.server``) and the views being caught up.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from projections.certificate_projection import CertificateProjection
from store import Store

SPAN_PER_BATCH = 4  # positions spanned per batch, in batches, when the database picks out the public view's events


class Batch(NamedTuple):
    """What follows a position: the last position it covers (the position itself when nothing follows), and its
    stored events (``Notification``s), or, hashed by the database, only their leaves."""

    last: int
    events: list[Any]
    leaves: list[tuple[int, bytes]] | None = None

    @property
    def size(self) -> int:
        """How many events were read."""
        return len(self.leaves) if self.leaves is not None else len(self.events)


class Reader:
    """What follows a position, a batch at a time."""

    def read(self, start: int) -> Batch:
        raise NotImplementedError

    def events(self, start: int, batch: Batch) -> list[Any]:
        """The stored events of ``batch`` (read after ``start``), to be taken one by one when it failed."""
        return batch.events


class FollowingLog(Reader):
    """Every event after the position, in log order."""

    def __init__(self, store: Store, recorder: Any, batch_size: int) -> None:
        self.store, self.recorder, self.batch_size = store, recorder, batch_size

    def read(self, start: int) -> Batch:
        events = self.store.select_log(self.recorder, start + 1, self.batch_size)
        return Batch(events[-1].id if events else start, events)


class PickedOut(Reader):
    """The events the public view takes, picked out by the database among a span of positions up to the head
    (positions below the head are settled: the store writes them in order, under a table lock)."""

    def __init__(self, store: Store, recorder: Any, batch_size: int, projection: CertificateProjection,
                 head: Callable[[], int]) -> None:
        self.store, self.recorder, self.batch_size = store, recorder, batch_size
        self.projection, self.head = projection, head

    def read(self, start: int) -> Batch:
        last = min(start + SPAN_PER_BATCH * self.batch_size, self.head())
        if last == start:
            return Batch(start, [])
        return Batch(last, self.projection.select_wanted(self.store, self.recorder, start + 1, last))


class HashedLeaves(Reader):
    """The leaf hash of every event after the position, each hashed by the database: only the hashes are read."""

    def __init__(self, store: Store, recorder: Any, batch_size: int) -> None:
        self.store, self.recorder, self.batch_size = store, recorder, batch_size

    def read(self, start: int) -> Batch:
        leaves = self.store.select_leaf_hashes(self.recorder, start + 1, self.batch_size)
        return Batch(leaves[-1][0] if leaves else start, [], leaves)

    def events(self, start: int, batch: Batch) -> list[Any]:
        return self.store.select_log(self.recorder, start + 1, batch.size)


class ReadAhead(Reader):
    """``reader``, with the batch after each one read in a thread while the caller processes it."""

    def __init__(self, reader: Reader, ahead: concurrent.futures.ThreadPoolExecutor) -> None:
        self.reader, self.ahead = reader, ahead
        self.following: tuple[int, concurrent.futures.Future[Batch]] | None = None

    def read(self, start: int) -> Batch:
        following, self.following = self.following, None
        batch = following[1].result() if following is not None and following[0] == start else self.reader.read(start)
        if batch.last != start:
            self.following = (batch.last, self.ahead.submit(self.reader.read, batch.last))
        return batch

    def events(self, start: int, batch: Batch) -> list[Any]:
        return self.reader.events(start, batch)


@contextmanager
def reader_for(store: Store, recorder: Any, batch_size: int, public: CertificateProjection | None, log: bool,
               head: Callable[[], int], read_ahead: bool = False) -> Iterator[Reader]:
    """The reader for a catch-up of the public view (``public``, its projection, or None when it is not caught up)
    and the ``log`` view, ``batch_size`` events a batch; ``head`` tells the log's last position. On a server,
    the public view alone (a rebuild's, beside the log view's process) reads what the database picks out for it,
    the log view alone (the rebuild's second process) the leaves it hashes; with ``read_ahead`` (a rebuild's), each
    batch is read while the one before it is processed."""
    chosen: Reader
    if public is not None and not log and store.server:
        chosen = PickedOut(store, recorder, batch_size, public, head)
    elif log and public is None and store.server:
        chosen = HashedLeaves(store, recorder, batch_size)
    else:
        chosen = FollowingLog(store, recorder, batch_size)
    if not (read_ahead and store.server):
        yield chosen
        return
    ahead = concurrent.futures.ThreadPoolExecutor(1, "read-ahead")
    try:
        yield ReadAhead(chosen, ahead)
    finally:
        ahead.shutdown(cancel_futures=True)
