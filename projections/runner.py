"""Keeping the read models up to date with the log, exactly once.

On PostgreSQL a view follows the log through the event store library's subscription (LISTEN/NOTIFY and batched
pulls). The library has no subscription for SQLite, so there a polling loop reads the log after the view's
tracked position, woken at once by writes of this process. Either way each event's rows and tracking position
are one transaction. A failing event stops the runner loudly, naming the event; it is never skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import ApplicationSubscription

from projections.public_certificates import (
    PostgresPublicCertificates,
    PublicCertificatesProjection,
    PublicCertificatesView,
    SQLitePublicCertificates,
)
from projections.views import open_view, view_store_env
from registry.application import Registry

log = logging.getLogger(__name__)
BATCH = 500


class ProjectionFailed(RuntimeError):
    """A view could not take an event; it has stopped at the event before."""


@dataclass
class Views:
    """Every read model of one registry, with what keeps them current."""

    registry: Registry
    public: PublicCertificatesView
    projection: PublicCertificatesProjection

    @property
    def tracking_name(self) -> str:
        # Views share SQLite's one tracking table, so each tracks under a name of its own.
        return f"{self.registry.name}:{self.projection.name}"

    def position(self) -> int:
        return self.public.max_tracking_id(self.tracking_name) or 0  # type: ignore[attr-defined]

    def head(self) -> int:
        return self.registry.recorder.max_notification_id() or 0

    def lag(self) -> dict[str, int]:
        head = self.head()
        position = self.position()
        return {"log_head": head, self.projection.name: position, "lag": head - position}

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Processes every event after the tracked position; answers how many."""
        done = 0
        while stop is None or not stop.is_set():
            batch = list(self.registry.recorder.select_notifications(self.position() + 1, BATCH))
            if not batch:
                return done
            for notification in batch:
                self.process(self.registry.mapper.to_domain_event(notification), notification.id)
                done += 1
        return done

    def process(self, event: Any, position: int) -> None:
        try:
            self.projection.process_event(event, Tracking(self.tracking_name, position))
        except Exception as e:
            raise ProjectionFailed(f"{self.projection.name} stopped at log position {position} "
                                   f"({type(event).__qualname__} of {event.originator_id}): {e!r}") from e

    def rebuild(self) -> int:
        """Empties every view and its tracking, and processes the whole log again."""
        self.public.clear()
        with self.public.cursor(commit=True) as curs:
            tracking = "tracking" if self.public.is_sqlite else self.public.table(
                self.public.tracking_table_name)  # type: ignore[attr-defined]
            curs.execute(f"DELETE FROM {tracking} WHERE application_name = %s", (self.tracking_name,))
        self.projection = PublicCertificatesProjection(self.public, self.registry, self.projection.extras)
        return self.catch_up()

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


def open_views(registry: Registry, extras: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Views:
    """The read models of ``registry``; ``extras`` adds fields to each public document (the edge's signed
    verify_url), so what is stored is exactly what is served."""
    env = view_store_env(registry.database)
    public: Any = open_view(env, SQLitePublicCertificates, PostgresPublicCertificates, "public_certificates")
    return Views(registry, public, PublicCertificatesProjection(public, registry, extras))


class Runner:
    """Runs the projections in a thread of their own; ``error`` holds what stopped them, if anything."""

    def __init__(self, views: Views, poll_interval: float = 0.5) -> None:
        self.views = views
        self.poll_interval = poll_interval
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._subscription: ApplicationSubscription[Any] | None = None
        self._thread = threading.Thread(target=self._run, name="projections", daemon=True)
        views.registry.on_write(self._wake.set)

    def start(self) -> Runner:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._subscription is not None:
            self._subscription.stop()
        self._thread.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            if self.views.registry.database.kind == "postgres":
                self._follow_subscription()
            else:
                self._poll()
        except BaseException as e:
            self.error = e
            log.critical("projections stopped: %s", e)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.views.catch_up(self._stop)
            self._wake.wait(self.poll_interval)

    def _follow_subscription(self) -> None:
        self.views.catch_up(self._stop)
        with ApplicationSubscription(app=self.views.registry, gt=self.views.position()) as subscription:
            self._subscription = subscription
            if self._stop.is_set():  # stop() came before the subscription existed: it could not stop it
                return
            for event, tracking in subscription:
                if self._stop.is_set():
                    break
                self.views.process(event, tracking.notification_id)
