"""Keeping the read models up to date with the log, exactly once.

The views catch up from their tracked positions in batches, each batch's rows and tracking position one
transaction; how a batch is read is chosen once per catch-up (``projections.reading``). A batch that fails is done
again event by event, so that an event the public view cannot take is parked alone, with every later event of its
record, and every other record goes on being published (``projections.parked``); any other failure stops the views
exactly before the event, naming it. Nothing is skipped in silence. A lost database connection is no event's fault:
it is raised to whoever runs the views (``projections.runner``), who waits for the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from eventsourcing.persistence import Tracking

from projections.certificate_projection import CertificateProjection
from projections.certificate_views import CertificateViews
from projections.deadlines import Deadlines
from projections.log import Checkpoint, Checkpointing, LogView
from projections.office_directory import OfficeDirectory
from projections.parked import park, park_behind, retry_parked, unprojectable
from projections.reading import Reader, reader_for
from projections.schedule import Schedule
from registry.application import Registry
from store import Store

BATCH = 500  # events read and written per transaction while following the log


class ProjectionFailed(RuntimeError):
    """A view could not take an event: it has stopped at the event before, unless the event is parked."""


@dataclass
class Views:
    """Every read model of one registry, with what keeps them current."""

    registry: Registry
    public: CertificateViews
    projection: CertificateProjection
    log: LogView
    checkpointing: Checkpointing | None = None
    # The records held by parked events (their first parked position), as the holder of the views last read them.
    _held: dict[str, int] | None = field(default=None, init=False, repr=False)

    @property
    def schedule(self) -> Schedule:
        """The scheduler's schedule (a table of the certificates' views, kept with them; not public)."""
        return self.public

    @property
    def deadlines(self) -> Deadlines:
        """The tracked deadlines of every rule (a table of the certificates' views, kept with them; not public)."""
        return self.public

    @property
    def directory(self) -> OfficeDirectory:
        """The office's directory of cases, organisations and people, and its lists (tables of the certificates'
        views, kept with them; not public)."""
        return self.public

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

    def catch_up(self, stop: threading.Event | None = None, views: tuple[str, ...] = ("public", "log"),
                 batch_size: int = BATCH, read_ahead: bool = False, drain: bool = True) -> int:
        """Processes every event after the tracked position of each of ``views`` ("public", "log"); answers how
        many events it read. With ``read_ahead`` (a rebuild's), the next batch is read while one is processed.
        Without ``drain`` (the runner's), it stops after a batch that reached the head, rather than read again at
        once what was written while that batch was processed."""
        public = self.public_position() if "public" in views else None
        log_view = self.log_position() if "log" in views else None
        with reader_for(self.store, self.registry.recorder, batch_size,
                        self.projection if public is not None else None, log_view is not None, self.head,
                        read_ahead) as reader:
            return self._catch_up(reader, stop, public, log_view, None if drain else batch_size)

    def _catch_up(self, reader: Reader, stop: threading.Event | None, public: int | None, log_view: int | None,
                  once_below: int | None) -> int:
        done = 0
        while stop is None or not stop.is_set():
            start = min(p for p in (public, log_view) if p is not None)
            batch = reader.read(start)
            if batch.last == start:
                return done
            try:
                if batch.leaves is not None:
                    self.process_leaves(batch.leaves)
                else:
                    if public is not None:
                        self.process_public_batch([n for n in batch.events if n.id > public], batch.last)
                    if log_view is not None:
                        self.process_log([n for n in batch.events if n.id > log_view])
            except Exception as e:
                if self.lost(e):
                    raise  # the database, not an event: whoever runs the views waits for it
                # A batch's failure may not say which event: the batch (undone where it failed) is done again
                # event by event, so the failing event alone is parked, or the views stop exactly at the event
                # before it, naming it.
                events = reader.events(start, batch)
                self.projection.forget()  # the cache may hold what an undone transaction recorded
                public = self.public_position() if public is not None else None
                log_view = self.log_position() if log_view is not None else None
                for notification in events:
                    if stop is not None and stop.is_set():
                        return done
                    self.take(notification, public if public is not None else notification.id,
                              log_view if log_view is not None else notification.id)
                # every event went in one by one, or was parked: carry on
            # Both views committed the batch (their tracking with it): no need to read their positions again.
            public = batch.last if public is not None else None
            log_view = batch.last if log_view is not None else None
            done += batch.size
            if once_below is not None and batch.size < once_below:
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
                    park(self, notification, e)
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
            park_behind(self, notification, first)
            return
        self.project(notification)

    def project(self, notification: Any) -> None:
        """An event the public view wants, into it; a failure raises ``ProjectionFailed`` naming the event."""
        tracking = Tracking(self.tracking_name, notification.id)
        try:  # an event that cannot even be decoded is as much a poisoned event as one that cannot be applied
            if not self.projection.took_step(notification, tracking):
                event = self.registry.mapper.to_domain_event(notification)
                self.projection.process_event(event, tracking)
        except Exception as e:
            if self.lost(e):
                raise  # the database, not the event: the runner waits for it and goes on
            raise ProjectionFailed(f"{self.projection.name} stopped at log position {notification.id} "
                                   f"({notification.topic} of {notification.originator_id}): {e!r}") from e

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

    def retry_parked(self) -> tuple[int, int]:
        """Tries the parked events again (``projections.parked.retry_parked``): answers how many records were
        released and how many are still held. The caller holds the views (``exclusive``)."""
        answer = retry_parked(self)
        self._held = None
        return answer

    def checkpoint(self) -> Checkpoint | None:
        """Signs and keeps a checkpoint if the tree has grown since the latest (and a key is configured)."""
        if self.checkpointing is None:
            return None
        c = self.checkpointing
        return self.log.make_checkpoint(c.key, c.origin, self.registry.clock.now())

    def clear(self) -> None:
        """Empties every view and its tracking (the parked events too: whatever still fails is parked again)."""
        views: tuple[tuple[Any, str], ...] = ((self.public, self.tracking_name), (self.log, self.log_tracking_name))
        for view, name in views:
            view.clear()
            view.clear_tracking(name)
        self._held = {}
        self.projection = CertificateProjection(self.public, self.registry, self.projection.extras)

    def rebuild(self, parallel: bool | None = None) -> int:
        """Empties every view and processes the whole log again (``projections.rebuild``); answers how many events
        were read."""
        from projections.rebuild import rebuild  # which builds on these views

        return rebuild(self, parallel)


def open_views(registry: Registry, extras: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
               checkpointing: Checkpointing | None = None) -> Views:
    """The read models of ``registry``; ``extras`` adds fields to each public document (the edge's signed
    verify_url), so what is stored is exactly what is served; ``checkpointing`` signs the log's checkpoints."""
    store = cast(Store, registry.store)
    public: Any = store.open_view(CertificateViews, "public_certificates")
    log_view: Any = store.open_view(LogView, "log")
    return Views(registry, public, CertificateProjection(public, registry, extras), log_view, checkpointing)
