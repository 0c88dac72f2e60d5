"""Benchmark (issue 26, R-REC-4): the log's C2SP tiles, mirrored and served.

1. ``registry log mirror`` of a tree of ``--leaves`` (1,000,000) leaves: the log view is kept in PostgreSQL from
   entries of the demo's events (``bench/merkle_log.py``'s), then ``api.log_mirror.mirror`` writes every hash tile
   into an empty folder; beside it, in the same run, hashing the same entries alone (hashlib, one SHA-256 each).
   Target: the mirror within 2x of hashing them alone.
2. ``GET /log/tile/…`` served by ``registry serve`` (1 API worker) on a registry database loaded by
   ``bench/scale.py`` (``--database``; its views rebuilt unless ``--skip-rebuild``): random full and partial tiles of
   its tree, with wrk, beside the trivial endpoint ``/api/v1/ping`` in the same run with the same connections.
   Twice: with the tiles the worker keeps (``REGISTRY_TILE_CACHE_MB``), and with none kept, each tile read from the
   database (gathered with the reads pending: ``store.postgres_reader.GatheringTiles``). Target: at least 0.8 of its
   requests/s.

Prints, never asserts; figures go to bench/RESULTS.md.

    .venv/bin/python bench/log_tiles.py [--leaves N] [--database office1m] [--skip-rebuild] [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from live import served, wrk  # noqa: E402  (this folder)
from merkle_log import best, demo_events, hashlib_alone, kept_in_postgres, notifications  # noqa: E402
from scale import CHECKPOINT_KEY, PG, SIGNING_KEY, prepared  # noqa: E402

from api.log_mirror import mirror  # noqa: E402
from api.tiles import tiles_of  # noqa: E402
from registry.entries import entry_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "office.lua"  # a random path of the list on every request
CONNECTIONS = 32


def mirrored(leaves: int, database: str) -> None:
    pool = demo_events()
    events = notifications(leaves, pool)
    entries = [entry_of(e).encode() for e in events]
    base = best(3, lambda: hashlib_alone(entries))
    view, kept = kept_in_postgres(events, database)
    del events
    runs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            done = mirror(view, None, Path(folder), "bench\n", leaves)
            runs.append(time.perf_counter() - started)
    view.datastore.close()
    seconds = min(runs)
    print(f"{leaves:,} leaves (the log view kept in PostgreSQL in {kept:.0f} s)")
    print(f"{'':<46}{'s':>8}{'vs hashlib':>12}")
    print(f"{'hashlib alone (baseline): SHA-256 of each entry':<46}{base:8.2f}{1:12.2f}")
    print(f"{f'registry log mirror: {done.written:,} tiles written':<46}{seconds:8.2f}{seconds / base:12.2f}"
          "   target <= 2")


def tile_paths(url: str, count: int) -> list[str]:
    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaves").fetchone()[0]
    tiles = list(tiles_of(size))
    chosen = random.Random(26)
    print(f"tiles of the log's tree ({size:,} leaves): {len(tiles):,}")
    return [f"/log/{chosen.choice(tiles).path}" for _ in range(count)]


def served_tiles(database: str, rebuild: bool, seconds: int, port: int) -> None:
    url = f"{PG}/{database}"
    if rebuild:  # a registry's database; --database may also name the mirror's (--mirror-database): a log alone
        prepared(url, rebuild=True)
    paths = tile_paths(url, 2_000)
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SIGNING_KEY": str(SIGNING_KEY),
           "REGISTRY_CHECKPOINT_KEY": str(CHECKPOINT_KEY), "REGISTRY_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
           "REGISTRY_RUN_SCHEDULER": "false"}
    print(f"{'served, 1 API worker, 32 connections':<46}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs ping':>9}")
    # Twice: the tiles kept in the worker (REGISTRY_TILE_CACHE_MB's default), and none kept, each read from the
    # database, as a client reading a large log's old tiles at random would have them; each beside its own ping.
    for kept, cache_mb in (("kept in the worker", "32"), ("each read from the database", "0")):
        results = {}
        with served({**env, "REGISTRY_TILE_CACHE_MB": cache_mb}, port) as _, tempfile.TemporaryDirectory() as folder:
            assert httpx.get(f"{base}{paths[0]}").status_code == 200
            for name, listed in (("trivial endpoint (/api/v1/ping)", ["/api/v1/ping"]),
                                 (f"hash tiles, {kept}", paths)):
                listing = Path(folder) / f"{len(results)}.txt"
                listing.write_text("\n".join(listed) + "\n", encoding="utf-8")
                run_env = {**env, "BENCH_PATHS": str(listing), "BENCH_COOKIES": ""}
                wrk(base, 2, run_env, SCRIPT, connections=CONNECTIONS)  # warm up
                results[name] = wrk(base, seconds, run_env, SCRIPT, connections=CONNECTIONS)
        ping = results["trivial endpoint (/api/v1/ping)"]["rps"]
        for name, figures in results.items():
            print(f"{name:<46}{figures['rps']:>9,.0f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}"
                  f"{figures['rps'] / ping:>9.2f}   non-2xx {figures['errors']:.0f}")
    print("target: tiles >= 0.8 of the trivial endpoint's requests/s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaves", type=int, default=1_000_000, help="the mirrored tree's size")
    parser.add_argument("--mirror-database", default="bench_log_tiles")
    parser.add_argument("--database", default="office1m", help="a registry loaded by bench/scale.py, for serving")
    parser.add_argument("--skip-rebuild", action="store_true", help="its read models are up to date already")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--skip-mirror", action="store_true")
    parser.add_argument("--skip-serving", action="store_true")
    args = parser.parse_args()
    if not args.skip_mirror:
        mirrored(args.leaves, args.mirror_database)
    if not args.skip_serving:
        served_tiles(args.database, not args.skip_rebuild, args.seconds, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
