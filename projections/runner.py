"""The thread that keeps the read models current while the service runs (``Runner``).

It holds the views (one process at a time) and catches them up in batches whenever woken: by writes of this
process, and, where the store tells of every write of any process (PostgreSQL's LISTEN, ``Store.wake_on_writes``),
by those; it polls besides. An event the public view cannot take is parked and the runner goes on; any other failure
stops it for good, naming the event; a lost database connection makes it wait for the database, then resume from
the tracked positions.

The views themselves are ``projections.keeping``; their rebuild, ``projections.rebuild``. Their names are also
importable from here, where the rest of the registry has always found them.
"""

from __future__ import annotations

import logging
import threading
import time

from projections.keeping import BATCH, ProjectionFailed, Views, open_views
from projections.rebuild import few_collections

__all__ = ["BATCH", "ProjectionFailed", "Runner", "Views", "few_collections", "open_views"]

log = logging.getLogger(__name__)


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
    # tracking row; bench/RESULTS.md has the figures). A write after a quiet spell is caught up at once.
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
        witnessing = self.views.checkpointing.witnessing if self.views.checkpointing else None
        if witnessing is not None and self._checkpoints.ident is not None:
            witnessing.stop()

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
        views), and hands it to the witnesses; a failure is logged and tried again at the next interval, never fatal
        to the views."""
        assert self.views.checkpointing is not None
        witnessing = self.views.checkpointing.witnessing
        if witnessing is not None:
            witnessing.start(self.views.log)  # it sends the latest checkpoint to whichever witness has not cosigned it
        while not self._stop.wait(self.views.checkpointing.interval):
            try:
                signed = self.views.checkpoint()
                if signed is not None and witnessing is not None:
                    witnessing.signed(signed)
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
            # processed made catch-ups of a command or two back to back.
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
