"""Keeping the read models up to date with the log, exactly once.

The views catch up from their tracked positions in batches, each batch's rows and tracking position one
transaction. They are woken at once by writes of this process and, on PostgreSQL, by the NOTIFY the event store
sends with every write of any process (a LISTEN on a connection of their own); they poll besides. An event the
public view cannot take is parked with every later event of its record, loudly, and every other record goes on being
published (``projections.parked``); any other failure stops the runner loudly, naming the event. Nothing is skipped
in silence.
"""

from __future__ import annotations

import concurrent.futures
import gc
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, cast

from eventsourcing.persistence import Tracking

from projections.log import Checkpoint, Checkpointing, LogView
from projections.parked import HELD, Parked, describe, printable, record_kind, unprojectable
from projections.public_certificates import PublicCertificatesProjection, PublicCertificatesView
from registry.application import Registry, RegistryConfig
from store import Store

log = logging.getLogger(__name__)
BATCH = 500  # events read and written per transaction while following the log
REBUILD_BATCH = 2000  # and while rebuilding: fewer transactions, position reads and COPY set-ups per event
SPAN_PER_BATCH = 4  # positions spanned per batch, in batches, when the database picks out the public view's events
PARALLEL_REBUILD_FROM = 100_000  # log events from which a rebuild on PostgreSQL uses a second process


class ProjectionFailed(RuntimeError):
    """A view could not take an event: it has stopped at the event before, unless the event is parked."""


@contextmanager
def few_collections() -> Iterator[None]:
    """The garbage collector run rarely, for a rebuild: its millions of short-lived objects (decoded events,
    documents) hold no reference cycles, but each 700 allocations started a collection, and every tenth or so
    walked the cached certificates too (6 % of the public view's process on a small log, more as its cache
    fills). Cycles are still collected, less often."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@dataclass
class Views:
    """Every read model of one registry, with what keeps them current."""

    registry: Registry
    public: PublicCertificatesView
    projection: PublicCertificatesProjection
    log: LogView
    checkpointing: Checkpointing | None = None
    # The records held by parked events (their first parked position), as the holder of the views last read them.
    _held: dict[str, int] | None = field(default=None, init=False, repr=False)

    @property
    def store(self) -> Store:
        """The registry's store, all of it (the registry asks less of it: ``registry.ports``)."""
        return cast(Store, self.registry.store)

    def lost(self, error: BaseException) -> bool:
        """Whether ``error`` is the database not answering (the views wait for it), not an event."""
        return self.store.lost_connection(error)

    @property
    def tracking_name(self) -> str:
        # Views share SQLite's one tracking table, so each tracks under a name of its own.
        return f"{self.registry.name}:{self.projection.name}"

    @property
    def log_tracking_name(self) -> str:
        return f"{self.registry.name}:{self.log.name}"

    def public_position(self) -> int:
        return self.public.max_tracking_id(self.tracking_name) or 0  # type: ignore[attr-defined]

    def log_position(self) -> int:
        return self.log.max_tracking_id(self.log_tracking_name) or 0  # type: ignore[attr-defined]

    def position(self) -> int:
        """The log position every view has processed."""
        return min(self.public_position(), self.log_position())

    def head(self) -> int:
        return self.registry.recorder.max_notification_id() or 0

    @property
    def held(self) -> dict[str, int]:
        """Each record held by a parked event (its id as text), with the log position of its first parked event."""
        if self._held is None:
            self._held = self.public.held_records()
        return self._held

    def lag(self) -> dict[str, int]:
        head = self.head()
        public, log_view = self.public_position(), self.log_position()
        return {"log_head": head, self.projection.name: public, self.log.name: log_view,
                "lag": head - min(public, log_view)}

    @contextmanager
    def exclusive(self, wait: bool = True) -> Iterator[bool]:
        """Holds the right to write the views: one process at a time, or one could write an older document over
        a newer one (``Store.exclusive``). Yields whether it got it (always, when ``wait``)."""
        with self.store.exclusive(self.tracking_name, wait) as got:
            if got:
                self._held = None  # another process may have parked or released records meanwhile
            yield got

    def bring_up_to_date(self, timeout: float = 30.0) -> None:
        """Makes the views current: catches up itself, or waits for the process that holds them to do it."""
        with self.exclusive(wait=False) as mine:
            if mine:
                self.catch_up()
                return
        if not self.wait(self.head(), timeout):
            raise ProjectionFailed(f"the views did not reach log position {self.head()} within {timeout:g} s")

    def catch_up(self, stop: threading.Event | None = None, views: tuple[str, ...] = ("public", "log"),
                 batch_size: int = BATCH, read_ahead: bool = False, drain: bool = True) -> int:
        """Processes every event after the tracked position of each of ``views`` ("public", "log"); answers how
        many events it read. With ``read_ahead`` (a rebuild's), the next batch is read while one is processed.
        Without ``drain`` (the runner's), it stops after a batch that reached the head, rather than read again at
        once what was written while that batch was processed."""
        public = self.public_position() if "public" in views else None
        log_view = self.log_position() if "log" in views else None
        # The public view alone (a rebuild's, beside the log view's process) on a server: the database picks out
        # the events it takes, among a span of positions up to the head (positions below the head are settled:
        # the store writes them in order, under a table lock).
        chosen = log_view is None and self.store.server
        # The log view alone (the rebuild's second process) on a server: the database hashes each event into its
        # leaf, and only the hashes are read.
        hashed = public is None and self.store.server
        recorder = self.registry.recorder

        def read(start: int) -> tuple[int, list[Any], list[tuple[int, bytes]]]:
            """What follows position ``start``: the last position it covers (``start`` when there is nothing),
            and its events, or its leaves (``hashed``)."""
            if chosen:
                last = min(start + SPAN_PER_BATCH * batch_size, self.head())
                if last == start:
                    return start, [], []
                return last, self.projection.select_wanted(self.store, recorder, start + 1, last), []
            if hashed:
                leaves = self.store.select_leaf_hashes(recorder, start + 1, batch_size)
                return (leaves[-1][0] if leaves else start), [], leaves
            batch = self.store.select_log(recorder, start + 1, batch_size)
            return (batch[-1].id if batch else start), batch, []

        # A rebuild on a server reads the next batch while this one is processed: the database works on the read
        # as this process works on the events, each on a core of its own.
        ahead = (concurrent.futures.ThreadPoolExecutor(1, "read-ahead")
                 if read_ahead and self.store.server else None)
        try:
            return self._catch_up(stop, public, log_view, hashed, read, ahead, None if drain else batch_size)
        finally:
            if ahead is not None:
                ahead.shutdown(cancel_futures=True)

    def _catch_up(self, stop: threading.Event | None, public: int | None, log_view: int | None, hashed: bool,
                  read: Callable[[int], tuple[int, list[Any], list[tuple[int, bytes]]]],
                  ahead: concurrent.futures.ThreadPoolExecutor | None, once_below: int | None = None) -> int:
        done = 0
        recorder = self.registry.recorder
        following: tuple[int, concurrent.futures.Future[Any]] | None = None
        while stop is None or not stop.is_set():
            start = min(p for p in (public, log_view) if p is not None)
            if following is not None and following[0] == start:
                last, batch, leaves = following[1].result()
            else:
                last, batch, leaves = read(start)
            following = None
            if last == start:
                return done
            if ahead is not None:
                following = (last, ahead.submit(read, last))
            try:
                if hashed:
                    self.process_leaves(leaves)
                else:
                    if public is not None:
                        self.process_public_batch([n for n in batch if n.id > public], last)
                    if log_view is not None:
                        self.process_log([n for n in batch if n.id > log_view])
            except Exception as e:
                if self.lost(e):
                    raise  # the database, not an event: whoever runs the views waits for it
                if hashed:  # the events themselves, to be taken one by one below
                    batch = self.store.select_log(recorder, start + 1, len(leaves))
                # A batch's failure may not say which event: the batch (undone where it failed) is done again
                # event by event, so the failing event alone is parked, or the views stop exactly at the event
                # before it, naming it.
                self.projection.forget()  # the cache may hold what an undone transaction recorded
                public = self.public_position() if public is not None else None
                log_view = self.log_position() if log_view is not None else None
                for notification in batch:
                    if stop is not None and stop.is_set():
                        return done
                    self.take(notification, public if public is not None else notification.id,
                              log_view if log_view is not None else notification.id)
                # every event went in one by one, or was parked: carry on
            # Both views committed the batch (their tracking with it): no need to read their positions again.
            public = last if public is not None else None
            log_view = last if log_view is not None else None
            read_now = len(leaves) if hashed else len(batch)
            done += read_now
            if once_below is not None and read_now < once_below:
                return done  # it reached the head: what came meanwhile waits for the next catch-up
        return done

    def take(self, notification: Any, public: int = 0, log_view: int = 0) -> None:
        """One stored event, into each view that has not taken it (each has taken every event before it). An event
        the public view cannot take is parked; any other failure names the event's log position and topic, and
        the views stay at the event before it."""
        try:
            if notification.id > public:
                try:
                    self.process_public(notification)
                except ProjectionFailed as e:
                    if not unprojectable(e, self.store):
                        raise
                    self.park(notification, e)
            if notification.id > log_view:
                self.process_log([notification])
        except Exception as e:
            if self.lost(e):
                raise
            raise ProjectionFailed(f"the event at log position {notification.id} ({notification.topic}) stopped the "
                                   f"projections at the event before it: {e}") from e

    def process_public_batch(self, notifications: list[Any], last: int | None = None) -> None:
        """Many events in one transaction of the public view: all of them, or none; with the position ``last``
        tracked, when the events were picked out of positions up to it."""
        if notifications or last is not None:
            with self.public.batched():
                for notification in notifications:
                    self.process_public(notification)
                if last is not None:
                    self.public.skip(Tracking(self.tracking_name, last))

    def process_public(self, notification: Any) -> None:
        if not self.projection.wants(notification.topic, notification.state):
            self.public.skip(Tracking(self.tracking_name, notification.id))
            return
        held = self.held
        if held and (first := held.get(str(notification.originator_id))) is not None:
            self.park_behind(notification, first)
            return
        self.project(notification)

    def project(self, notification: Any) -> None:
        """An event the public view wants, into it; a failure raises ``ProjectionFailed`` naming the event."""
        try:  # an event that cannot even be decoded is as much a poisoned event as one that cannot be applied
            event = self.registry.mapper.to_domain_event(notification)
            self.projection.process_event(event, Tracking(self.tracking_name, notification.id))
        except Exception as e:
            if self.lost(e):
                raise  # the database, not the event: the runner waits for it and goes on
            raise ProjectionFailed(f"{self.projection.name} stopped at log position {notification.id} "
                                   f"({notification.topic} of {notification.originator_id}): {e!r}") from e

    def park(self, notification: Any, error: BaseException) -> None:
        """Parks an event the public view cannot take (``error`` says why), with its tracking position in one
        transaction, and holds its record: its later events are parked behind it. Says so as loudly as it can."""
        try:
            number = self.projection.number_of(notification)
        except Exception as e:
            if self.lost(e):
                raise
            number = None  # what cannot be read says no number: the event is parked all the same
        name, message = describe(error)
        parked = Parked(notification.id, record_kind(notification.topic), str(notification.originator_id),
                        printable(notification.topic), name, message, self.registry.clock.now().isoformat(),
                        None, number)
        with self.public.tracked(Tracking(self.tracking_name, notification.id)) as curs:
            self.public.park(curs, parked)
        self.held[parked.record_id] = parked.position
        log.critical("%s cannot take the event at log position %d (%s of %s %s%s): %s: %s. It is parked, with every "
                     "later event of that record, and the other records go on being published; `registry "
                     "projections retry` (or a restart, or a rebuild) tries it again once the cause is removed",
                     self.projection.name, parked.position, parked.topic, parked.record, parked.record_id,
                     f", certificate {number}" if number else "", name, message)

    def park_behind(self, notification: Any, first: int) -> None:
        """Parks an event of a held record behind the record's first parked event (at log position ``first``), so
        the record's rows are never built over a gap."""
        parked = Parked(notification.id, record_kind(notification.topic), str(notification.originator_id),
                        printable(notification.topic), HELD, f"held behind the event at log position {first}",
                        self.registry.clock.now().isoformat(), first)
        with self.public.tracked(Tracking(self.tracking_name, notification.id)) as curs:
            self.public.park(curs, parked)

    def retry_parked(self) -> tuple[int, int]:
        """Tries the parked events again, record by record, each record's in log order; each event goes in with
        the removal of its parked row, in one transaction (so it is taken exactly once, behind the tracked
        position). A record whose events all go in is published and released; one that fails again stays held from
        the event that failed. Answers how many records were released and how many are still held. The caller
        holds the views (``exclusive``)."""
        records: dict[str, list[Parked]] = {}
        for parked in self.public.parked():
            records.setdefault(parked.record_id, []).append(parked)
        released = sum(self._retry_record(events) for events in records.values())
        self._held = None
        return released, len(records) - released

    def _retry_record(self, events: list[Parked]) -> bool:
        for parked in events:
            notification = self.store.select_log(self.registry.recorder, parked.position, 1)[0]
            try:
                with self.public.batched(track=False) as curs:
                    self.project(notification)
                    self.public.unpark(curs, parked.position)
            except Exception as e:
                if self.lost(e):
                    raise
                self.projection.forget()  # the cache may hold what the undone transaction recorded
                if not unprojectable(e, self.store):
                    raise
                try:
                    number = self.projection.number_of(notification)
                except Exception as read:
                    if self.lost(read):
                        raise
                    number = None
                name, message = describe(e)
                self.public.repark(replace(parked, error=name, message=message, number=number), events[0].parked_at)
                log.error("%s still cannot take the event at log position %d (%s of %s %s): %s: %s; the record stays "
                          "held", self.projection.name, parked.position, parked.topic, parked.record,
                          parked.record_id, name, message)
                return False
        log.warning("%s took the %d parked events of %s %s: it is published again", self.projection.name,
                    len(events), events[0].record, events[0].record_id)
        return True

    def process_log(self, notifications: list[Any]) -> None:
        try:
            self.log.append(notifications, self.log_tracking_name)
        except Exception as e:
            raise ProjectionFailed(f"{self.log.name} stopped before log position {notifications[0].id}: {e!r}") from e

    def process_leaves(self, leaves: list[tuple[int, bytes]]) -> None:
        try:
            self.log.append_leaves([p for p, _ in leaves], [h for _, h in leaves], self.log_tracking_name)
        except Exception as e:
            raise ProjectionFailed(f"{self.log.name} stopped before log position {leaves[0][0]}: {e!r}") from e

    def checkpoint(self) -> Checkpoint | None:
        """Signs and keeps a checkpoint if the tree has grown since the latest (and a key is configured)."""
        if self.checkpointing is None:
            return None
        c = self.checkpointing
        return self.log.make_checkpoint(c.key, c.origin, self.registry.clock.now())

    def rebuild(self, parallel: bool | None = None) -> int:
        """Empties every view and its tracking, and processes the whole log again. On PostgreSQL, with a long log
        (or ``parallel``), the log view is rebuilt by a second process while this one rebuilds the public view:
        the two are independent, and each alone keeps one core busy."""
        views: tuple[tuple[Any, str], ...] = ((self.public, self.tracking_name), (self.log, self.log_tracking_name))
        for view, name in views:
            view.clear()  # the parked events too: whatever still fails is parked again
            view.clear_tracking(name)
        self._held = {}
        self.projection = PublicCertificatesProjection(self.public, self.registry, self.projection.extras)
        if parallel is None:
            parallel = self.head() >= PARALLEL_REBUILD_FROM
        if parallel and self.store.server:
            context = multiprocessing.get_context("spawn")  # a fresh interpreter: no pools or threads inherited
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool, few_collections():
                other = pool.submit(_catch_up_log, self.registry.config)
                self.catch_up(views=("public",), batch_size=REBUILD_BATCH, read_ahead=True)
                done = other.result()  # every event (the log view reads each); its failure raised here as there
        else:
            with few_collections():
                done = self.catch_up(batch_size=REBUILD_BATCH, read_ahead=True)
        self.log.verify_checkpoints()  # the rebuilt tree reproduces every root ever signed, or this says which not
        return done

    def wait(self, position: int, timeout: float) -> bool:
        """Blocks until the views have processed ``position`` (True), or the timeout passes (False)."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while self.position() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        return True


def _catch_up_log(config: RegistryConfig) -> int:
    """In a process of its own: the log view of the registry ``config`` names, caught up (``Views.rebuild``)."""
    registry = Registry(config)
    try:
        with few_collections():
            return open_views(registry).catch_up(views=("log",), batch_size=REBUILD_BATCH, read_ahead=True)
    finally:
        registry.close()


def open_views(registry: Registry, extras: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
               checkpointing: Checkpointing | None = None) -> Views:
    """The read models of ``registry``; ``extras`` adds fields to each public document (the edge's signed
    verify_url), so what is stored is exactly what is served; ``checkpointing`` signs the log's checkpoints."""
    store = cast(Store, registry.store)
    public: Any = store.open_view(PublicCertificatesView, "public_certificates")
    log_view: Any = store.open_view(LogView, "log")
    return Views(registry, public, PublicCertificatesProjection(public, registry, extras), log_view, checkpointing)


class Runner:
    """Runs the projections in a thread of their own; ``error`` holds what stopped them, if anything.

    An event the public view cannot take is parked, its record held, and they go on; they try the parked events
    again when they start and when ``registry projections retry`` asks. Any other failure stops them for good,
    naming the event. A lost database connection does not: they try again with backoff until the database
    answers, and resume from their tracked positions.
    """

    MIN_BACKOFF = 0.1
    MAX_BACKOFF = 2.0  # seconds: the views resume at most this long after the database is back
    # While writes keep coming, a wake waits this long for more before the views catch up: one batch then takes
    # what would have been many catch-ups of a command or two each (a transaction per view, each with its
    # tracking row), which at 400 commands/s cost the projections process a quarter of a core. A write after a
    # quiet spell is caught up at once.
    GATHER = 0.05
    RETRY_CHECK = 2.0  # seconds between looks for a retry of the parked events asked from another process

    def __init__(self, views: Views, poll_interval: float = 0.5) -> None:
        self.views = views
        self.poll_interval = poll_interval
        self.error: BaseException | None = None  # what stopped them for good
        self.interrupted: BaseException | None = None  # the lost connection they are waiting out, if any
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projections", daemon=True)
        self._checkpoints = threading.Thread(target=self._sign_checkpoints, name="checkpoints", daemon=True)
        views.registry.on_write(self._wake.set)

    def start(self) -> Runner:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        if self._checkpoints.is_alive():
            self._checkpoints.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        backoff = self.MIN_BACKOFF
        while not self._stop.is_set():
            try:
                with self.views.exclusive(wait=False) as mine:
                    if mine:
                        self.interrupted, backoff = None, self.MIN_BACKOFF  # the database answers again
                        # Started once: after a lost connection the views are taken up again, the thread goes on.
                        if self.views.checkpointing is not None and self._checkpoints.ident is None:
                            self._checkpoints.start()
                        self._retry()  # what a fixed deployment can now take is published at once
                        self._follow_writes()
                        return
                # Another process keeps the views; take over if it stops.
                self._stop.wait(max(self.poll_interval, 1.0))
            except BaseException as e:
                if not self.views.lost(e):
                    self.error = e  # not an event the public view can park: stop for good, never skip it
                    log.critical("projections stopped: %s", e)
                    return
                # The database went away (a restart, a failover): the views keep their tracked positions, so
                # they carry on from there once it answers again; the API meanwhile answers 503.
                self.interrupted = e
                log.warning("projections lost the database (%s); trying again in %.1f s", e, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.MAX_BACKOFF)

    def _sign_checkpoints(self) -> None:
        """Signs a checkpoint whenever the tree has grown, at most once an interval (while this process holds the
        views); a failure is logged and tried again at the next interval, never fatal to the views."""
        assert self.views.checkpointing is not None
        while not self._stop.wait(self.views.checkpointing.interval):
            try:
                self.views.checkpoint()
            except Exception as e:
                if self.views.lost(e):  # the views' thread says so already, once per attempt
                    continue
                log.exception("could not sign a checkpoint of the log; trying again")

    def _retry(self) -> None:
        if self.views.held:
            released, held = self.views.retry_parked()
            log.warning("projections tried the parked events again: %d records released, %d still held",
                        released, held)

    def _poll(self) -> None:
        look = time.monotonic() + self.RETRY_CHECK
        while not self._stop.is_set():
            self._wake.clear()
            # One pass: under a steady stream of writes, reading again at once what came while a batch was
            # processed made catch-ups of a command or two back to back (50 a second at 500 commands/s).
            busy = self.views.catch_up(self._stop, drain=False) > 0
            if time.monotonic() >= look:  # by the clock, not per catch-up: the busy path stays as it was
                look = time.monotonic() + self.RETRY_CHECK
                if self.views.public.retry_requested():
                    self._retry()
            if self._wake.wait(self.poll_interval) and busy:
                self._stop.wait(self.GATHER)

    def _follow_writes(self) -> None:
        """Polls, and where the store tells of every write of any process (``Store.wake_on_writes``: PostgreSQL's
        LISTEN), is woken by it in a thread of its own; the views catch up in batches (one transaction per batch,
        not per event: under a write load, many events arrive between two wakes)."""
        done = threading.Event()
        listener = threading.Thread(target=self._listen, args=(done,), name="projections-listen", daemon=True)
        listener.start()
        try:
            self._poll()
        finally:
            done.set()
            listener.join(timeout=5)

    def _listen(self, done: threading.Event) -> None:
        """Sets the wake event on each write; while the database is away the store tries again, and this says so
        at once (the API answers 503 promptly rather than wait out the store library's retries; the views find out
        at their next read, woken now). The views poll regardless."""
        lost: list[BaseException] = []

        def heard(error: BaseException | None) -> None:
            if error is not None:
                lost[:] = [error]
                self.interrupted = error
            elif lost and self.interrupted is lost[0]:
                self.interrupted = None  # only this connection had been lost (the views' own is fine)

        try:
            self.views.store.wake_on_writes(self.views.registry.recorder, self._wake.set, done, heard)
        except Exception:
            log.exception("projections stopped listening for writes; polling every %.1f s", self.poll_interval)
