"""Benchmark: the Merkle log over 1,000,000 events (issue 7, R-REC-4).

Entries are real events of the demo data set (their topics and stored states), repeated with fresh positions and
ids up to the count asked. Measured in the same run:

- baseline: SHA-256 of every entry with hashlib alone;
- the log view's own computation (leaf hashes and every perfect subtree completed, ``merkle.RightEdge``), and the
  in-memory ``merkle.Tree`` that ``registry log verify`` builds: targets within 2x of the baseline;
- inclusion and consistency proofs at that size, from the in-memory tree and from the log view in PostgreSQL
  (as the API answers them, one query each): target under 1 ms;
- the log view in PostgreSQL kept from the events in the runner's batches (with its tracking), per second.

Prints, never asserts.

    .venv/bin/python bench/merkle_log.py [--events N] [--database NAME]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from demo.dataset import load_demo
from projections.log import LogView
from projections.runner import BATCH
from registry import merkle
from registry.application import Registry, RegistryConfig
from registry.entries import entry_of
from store import open_store

PG = "postgresql://postgres@127.0.0.1:5432"


def demo_events() -> list[Any]:
    app = Registry(RegistryConfig(database_url="memory://"))
    load_demo(app)
    return list(app.recorder.select_notifications(1, 1_000_000))


def notifications(n: int, pool: list[Any]) -> list[Notification]:
    return [Notification(id=i + 1, originator_id=UUID(int=i + 1), originator_version=pool[i % len(pool)]
                         .originator_version, topic=pool[i % len(pool)].topic, state=pool[i % len(pool)].state)
            for i in range(n)]


def best(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def hashlib_alone(entries: list[bytes]) -> None:
    sha256 = hashlib.sha256
    for e in entries:
        sha256(e).digest()


def right_edge(entries: list[bytes]) -> None:
    edge = merkle.RightEdge()
    for start in range(0, len(entries), BATCH):  # the view's batches, with the rows of every subtree completed
        edge.extend(merkle.leaf_hashes(entries[start:start + BATCH]))


def in_memory(entries: list[bytes]) -> merkle.Tree:
    tree = merkle.Tree()  # as registry log verify builds it: every leaf, then the levels above in one go
    tree.extend(merkle.leaf_hashes(entries))
    return tree


def kept_in_postgres(events: list[Notification], database: str) -> tuple[Any, float]:
    """A log view kept from ``events`` in a new PostgreSQL database, in the runner's batches; and how long it took."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    view: Any = open_store(f"{PG}/{database}").open_view(LogView, "log")
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        view.append(events[start:start + BATCH], "bench:log")
    return view, time.perf_counter() - started


def micros(samples: list[float]) -> str:
    samples = sorted(samples)
    return (f"median {statistics.median(samples) * 1e6:7.1f} µs   p99 {samples[int(len(samples) * 0.99)] * 1e6:7.1f} µs"
            f"   max {samples[-1] * 1e6:7.1f} µs")


def time_each(calls: list[Callable[[], Any]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database", default="bench_merkle_log")
    parser.add_argument("--proofs", type=int, default=2_000)
    args = parser.parse_args()
    n = args.events
    rng = random.Random(7)

    pool = demo_events()
    events = notifications(n, pool)
    entries = [entry_of(e).encode() for e in events]
    size = sum(map(len, entries)) / n
    print(f"{n:,} entries, {size:.0f} bytes on average (the demo's {len(pool)} events repeated with new positions)")

    base = best(3, lambda: hashlib_alone(entries))
    edge = best(3, lambda: right_edge(entries))
    memory = best(3, lambda: in_memory(entries))
    subtree = in_memory(entries).subtree
    print(f"\n{'building the tree':<52} {'s':>7} {'vs hashlib':>10} {'per event':>10}")
    for what, seconds in (("hashlib alone (baseline): SHA-256 of each entry", base),
                          ("log view's computation: leaves + subtrees (RightEdge)", edge),
                          ("in-memory Tree (registry log verify)", memory)):
        print(f"{what:<52} {seconds:7.2f} {seconds / base:10.2f} {seconds / n * 1e6:8.2f} µs")

    indexes = [rng.randrange(n) for _ in range(args.proofs)]
    firsts = [rng.randrange(1, n) for _ in range(args.proofs)]
    print(f"\nproofs at {n:,} leaves ({args.proofs:,} each, random leaves and first sizes)")
    print(f"{'in memory: inclusion':<34}", micros(time_each(
        [lambda i=i, s=subtree: merkle.inclusion_path(s, i, n) for i in indexes])))  # type: ignore[misc]
    print(f"{'in memory: consistency':<34}", micros(time_each(
        [lambda f=f, s=subtree: merkle.consistency_path(s, f, n) for f in firsts])))  # type: ignore[misc]
    del subtree

    view, kept = kept_in_postgres(events, args.database)
    print(f"\nlog view in PostgreSQL: {n:,} events appended in batches of {BATCH} in {kept:.1f} s, "
          f"{n / kept:,.0f} events/s ({kept / n * 1e6:.0f} µs per event, tracking included)")
    positions = [i + 1 for i in indexes]
    view.root(n)  # warm the connection
    print(f"{'PostgreSQL: inclusion (API)':<34}", micros(time_each(
        [lambda p=p: view.prove_inclusion(p, n) for p in positions])))  # type: ignore[misc]
    print(f"{'PostgreSQL: consistency (API)':<34}", micros(time_each(
        [lambda f=f: view.prove_consistency(f, n) for f in firsts])))  # type: ignore[misc]
    print(f"{'PostgreSQL: root of the tree':<34}", micros(time_each(
        [lambda f=f: view.root(f) for f in firsts[:200]])))  # type: ignore[misc]
    expected = in_memory(entries).root()
    print(f"\nthe view's root equals the in-memory tree's: {view.root(n) == expected}")
    view.datastore.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
