"""Rebuilding the read models from nothing: every view emptied, and the whole log processed again.

On a database server, with a long log, the log view is rebuilt by a second process while this one rebuilds the
public view: the two are independent, and each alone keeps one core busy. Either way the garbage collector runs
rarely meanwhile, and the rebuilt tree must reproduce every root ever signed.
"""

from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from projections.keeping import Views, open_views
from registry.application import Registry, RegistryConfig

REBUILD_BATCH = 2000  # events per transaction while rebuilding: fewer transactions, position reads, COPY set-ups
PARALLEL_REBUILD_FROM = 100_000  # log events from which a rebuild on a database server uses a second process


@contextmanager
def few_collections() -> Iterator[None]:
    """The garbage collector run rarely, for a rebuild: its millions of short-lived objects (decoded events,
    documents) hold no reference cycles, but each 700 allocations started a collection, and every tenth or so
    walked the cached certificates too. Cycles are still collected, less often."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def rebuild(views: Views, parallel: bool | None = None) -> int:
    """Empties every view and its tracking, and processes the whole log again (``Views.rebuild``); with
    ``parallel`` (by default, from ``PARALLEL_REBUILD_FROM`` events) and a database server, in two processes.
    Answers how many events were read."""
    views.clear()
    if parallel is None:
        parallel = views.head() >= PARALLEL_REBUILD_FROM
    if parallel and views.store.server:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no pools or threads inherited
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool, few_collections():
            # The registry's own store, whatever its config says (a registry may be given its store).
            other = pool.submit(_catch_up_log, replace(views.registry.config, database_url=views.store.url))
            views.catch_up(views=("public",), batch_size=REBUILD_BATCH, read_ahead=True)
            done = other.result()  # every event (the log view reads each); its failure raised here as there
    else:
        with few_collections():
            done = views.catch_up(batch_size=REBUILD_BATCH, read_ahead=True)
    views.log.verify_checkpoints()  # the rebuilt tree reproduces every root ever signed, or this says which not
    return done


def _catch_up_log(config: RegistryConfig) -> int:
    """In a process of its own: the log view of the registry ``config`` names, caught up (``rebuild``)."""
    registry = Registry(config)
    try:
        with few_collections():
            return open_views(registry).catch_up(views=("log",), batch_size=REBUILD_BATCH, read_ahead=True)
    finally:
        registry.close()
