"""Benchmark: a witness round trip at 1,000,000 leaves (issue 26, R-REC-4; target ≤ 10 ms).

A log view of N synthetic leaves (PostgreSQL by default, a database of its own; --sqlite for a file), and a real
witness (`registry witness serve`, a process of its own, its state on disk). Each round grows the log by a few
leaves, signs a checkpoint, and times, as the registry does it (``api.witnessing.Witnessing.send``): the consistency
proof read from the view, ``POST /add-checkpoint`` (the witness checks the log's signature and the proof, replaces
its state file durably, cosigns), the cosignature verified and kept. Beside it, in the same run: a trivial request to
the same witness (``GET /``, keep-alive as both are), the proof alone, and the POST alone.

Prints, never asserts.

    .venv/bin/python bench/witness.py [--leaves N] [--rounds R] [--sqlite] [--database NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api import keys  # noqa: E402  (the repository's root, run as a script)
from api.checkpoint_notes import checkpoint_keys, signed_checkpoint  # noqa: E402
from api.signed_note import parse_verifier_key, verifier  # noqa: E402
from api.signing import Signer  # noqa: E402
from api.witness import AddCheckpoint  # noqa: E402
from api.witnessing import Channel, WitnessConfig, Witnesses, Witnessing  # noqa: E402
from projections.log import LogView  # noqa: E402
from store import open_store  # noqa: E402
from tests.witnesses import witness_process  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
ORIGIN = "bench.example/log"
BATCH = 50_000


def leaves(start: int, end: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(8, "big")).digest() for i in range(start, end)]


def grow(view: LogView, size: int) -> None:
    have = view.size()
    for start in range(have, size, BATCH):
        end = min(start + BATCH, size)
        view.append_leaves(range(start + 1, end + 1), leaves(start, end), "bench:log")


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"median {statistics.median(ordered) * 1000:6.2f} ms   p90 {p(0.9):6.2f} ms   p99 {p(0.99):6.2f} ms"


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-witness-"))
    try:
        return run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # its keys and the witness's state


def run(work: Path) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--grow", type=int, default=37, help="leaves added between two checkpoints")
    parser.add_argument("--sqlite", action="store_true", help="the log view in a SQLite file, not PostgreSQL")
    parser.add_argument("--database", default="bench_witness")
    args = parser.parse_args()
    if args.sqlite:
        url = f"sqlite:///{work / 'log.db'}"
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            admin.execute(f'CREATE DATABASE "{args.database}"')
        url = f"{PG}/{args.database}"
    store = open_store(url)
    view: Any = store.open_view(LogView, "log")
    view.create_view_tables()
    started = time.perf_counter()
    grow(view, args.leaves)
    print(f"log view: {args.leaves:,} leaves in {'SQLite' if args.sqlite else 'PostgreSQL'}, built in "
          f"{time.perf_counter() - started:.1f} s")

    key_file = work / "checkpoint.key"
    log_key = keys.make(key_file, datetime.now(UTC))
    signer = Signer(key_file, "https://bench.example", ("checkpoint",))
    note_of = lambda c: str(signed_checkpoint(c, checkpoint_keys(signer)))  # noqa: E731
    view.make_checkpoint(signer, ORIGIN, datetime.now(UTC))
    vkey = verifier(ORIGIN, log_key.public_key()).vkey
    with witness_process(work / "witness", "bench.example/witness", [f"{ORIGIN}={vkey}"]) as live:
        config = WitnessConfig(parse_verifier_key(live.vkey), live.url)
        sending = Witnessing(Witnesses((config,), 1), note_of)
        sending._log = view
        channel = Channel(config, 10.0)
        known: list[int | None] = [0]
        sending.send(config, channel, known)  # the first checkpoint: from size 0, no proof
        host, port = live.url.removeprefix("http://").split(":")
        trivial = http.client.HTTPConnection(host, int(port), timeout=10)

        def get() -> None:
            trivial.request("GET", "/")
            trivial.getresponse().read()

        round_trips, proofs, posts, gets, notes, keeps = [], [], [], [], [], []
        size = view.size()
        for _ in range(args.rounds):
            size += args.grow
            grow(view, size)
            checkpoint = view.make_checkpoint(signer, ORIGIN, datetime.now(UTC))
            old = known[0]
            assert checkpoint is not None and old is not None
            proofs.append(timed(lambda o=old, s=checkpoint.size: view.consistency(o, s)))
            round_trips.append(timed(lambda: sending.send(config, channel, known)))
            gets.append(timed(get))
            notes.append(timed(lambda c=checkpoint: note_of(c)))
            kept = view.cosignatures([checkpoint.size])[checkpoint.size][0]
            keeps.append(timed(lambda k=kept: view.add_cosignature(replace(k, witness="bench.example/other"))))
        # The POST alone: the same checkpoint sent again from the size just cosigned (an empty proof is the
        # cheapest; the witness still checks the signature, replaces its state file and cosigns).
        latest = view.checkpoint()
        body = AddCheckpoint(latest.size, (), note_of(latest)).encode()
        for _ in range(args.rounds):
            posts.append(timed(lambda: channel.post(body)))
        trivial.close()
        channel.close()
    print(f"witness round trip at {size:,} leaves ({args.rounds} checkpoints, {args.grow} leaves apart):")
    print(f"  add-checkpoint, as the registry sends it (proof read, POST, cosignature verified and kept): "
          f"{ms(round_trips)}")
    print(f"  the consistency proof alone, from the log view:                     {ms(proofs)}")
    print(f"  POST /add-checkpoint alone (signature, durable state, cosignature): {ms(posts)}")
    print(f"  a trivial request to the same witness (GET /, keep-alive):          {ms(gets)}")
    print(f"  the checkpoint's signed note (keyring read, lines written):         {ms(notes)}")
    print(f"  keeping a cosignature (one INSERT, committed):                      {ms(keeps)}")
    store.close()
    if not args.sqlite:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
