"""Benchmark (issue 25): the public site with a data set in PostgreSQL (1,000,000 certificates for the issue's
figures).

The data set is ``bench/scale.py``'s (``make bench-scale CERTIFICATES=1000000`` with ``--load-only``, or an earlier
run's database); ``--load N`` loads N certifications into ``--database`` first (a small run to see that it works).
The read models are rebuilt unless ``--skip-rebuild``; then ``registry serve`` (1 API worker by default, as the
lookup's benchmark) is measured:

- ``/`` and ``/search?q=`` (a fragment of a name, a number, a USCC: random, of the set) with wrk, beside the trivial
  endpoint ``/api/v1/ping`` in the same run and with the same connections (target: ≥ 0.8 of its requests/s): the
  searches once their answers are kept (each of the 2,000 asked once first, as a public that asks the same things
  again would have them), then, in a second server that keeps none (``REGISTRY_SEARCH_CACHE_MB=0``), every answer
  read and rendered, beside that server's own trivial endpoint;
- ``POST /api/v1/public/certificates/lookup`` of 1,000 random numbers, one request at a time: p50 and p99
  (target p99 ≤ 100 ms);
- ``/api/v1/public/directory.csv`` streamed whole: rows/s (target ≥ 50,000) and the API worker's resident memory
  before, and at its peak during, the download (target: flat).

The requests come from 127.0.0.1, which the fair-use limit leaves alone by default (``api/fair_use.py``). Nothing
is asserted: the figures are printed, and recorded in bench/RESULTS.md.

    .venv/bin/python bench/public_site.py [--database bench_scale] [--load N] [--skip-rebuild] [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx2 as httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from live import served, wrk  # noqa: E402  (this folder)
from scale import CHECKPOINT_KEY, PG, SIGNING_KEY, load, memory, prepared  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "office.lua"  # a random path of a list on every request (no cookies given)
CONNECTIONS = 32
SAMPLE = 2_000
LOOKUPS = 200  # bulk lookups of 1,000 numbers, one at a time


def sample(url: str) -> tuple[list[str], list[str], list[str]]:
    """Random numbers, USCCs and names of the public view."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT number, uscc, name FROM public_certificates ORDER BY random() LIMIT %s",
                            (SAMPLE,)).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def searches(numbers: list[str], usccs: list[str], names: list[str]) -> list[str]:
    """Searches as people type them: mostly a fragment of a name, some numbers (lower case: ignoring case) and
    USCCs. A number found exactly answers 303 to its page, which wrk counts as an answer."""
    chosen = random.Random(25)
    paths = []
    for _ in range(SAMPLE):
        kind = chosen.random()
        if kind < 0.6:  # two to four characters from anywhere in a name
            name = chosen.choice(names)
            start = chosen.randint(0, max(0, len(name) - 2))
            paths.append(f"/search?q={quote(name[start:start + chosen.randint(2, 4)])}")
        elif kind < 0.8:
            paths.append(f"/search?q={quote(chosen.choice(numbers).lower())}")
        else:
            paths.append(f"/search?q={chosen.choice(usccs)}")
    return paths


def measure(base: str, paths: list[str], seconds: int, env: dict[str, str], folder: Path) -> dict[str, float]:
    listing = folder / f"paths-{len(list(folder.iterdir()))}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return wrk(base, seconds, {**env, "BENCH_PATHS": str(listing), "BENCH_COOKIES": ""}, SCRIPT,
               connections=CONNECTIONS)


def asked_once(base: str, paths: list[str]) -> None:
    """Each path asked once, eight at a time."""
    with httpx.Client(base_url=base, timeout=30) as client, ThreadPoolExecutor(8) as pool:
        for status in pool.map(lambda path: client.get(path).status_code, paths):
            assert status in (200, 303), status


def bulk_lookups(base: str, numbers: list[str], rounds: int) -> tuple[float, float, int]:
    """p50 and p99 in ms of ``rounds`` lookups of 1,000 random numbers (a tenth of them unknown), and the items
    of the last."""
    chosen = random.Random(1000)
    times, items = [], 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(rounds):
            asked = [chosen.choice(numbers) if chosen.random() < 0.9 else f"CB-CEMS-1999-{chosen.randint(0, 99999):05d}"
                     for _ in range(1000)]
            started = time.perf_counter()
            answer = client.post("/api/v1/public/certificates/lookup", json={"numbers": asked})
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text[:300]
            items = len(answer.json()["items"])
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))], items


def directory(base: str, pid: int) -> tuple[int, float, float, float]:
    """Rows of the streamed directory, its seconds, and the API worker's resident memory (MB) before and at its
    highest during the download (sampled every 50 ms)."""
    before, _ = memory(pid)
    highest = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            highest[0] = max(highest[0], memory(pid)[0])
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    rows, started = 0, time.perf_counter()
    try:
        with httpx.stream("GET", f"{base}/api/v1/public/directory.csv", timeout=600) as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_bytes():
                rows += chunk.count(b"\n")
    finally:
        done.set()
        watcher.join()
    return rows - 1, time.perf_counter() - started, before, highest[0]  # less the heading


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="bench_scale", help="a database loaded by bench/scale.py --load-only")
    parser.add_argument("--load", type=int, default=0, help="load this many certifications first (a new database)")
    parser.add_argument("--skip-rebuild", action="store_true", help="the read models are up to date already")
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--lookups", type=int, default=LOOKUPS, help="bulk lookups of 1,000 numbers")
    parser.add_argument("--port", type=int, default=8796)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.database in ("office1m", "office_small") and args.load:
        parser.error(f"{args.database} is another benchmark's data set: load into a database of its own")
    url = f"{PG}/{args.database}"
    if args.load:
        load(args.database, args.load, batch=min(100, args.load))

    head, certificates = prepared(url, rebuild=not args.skip_rebuild)
    numbers, usccs, names = sample(url)

    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SIGNING_KEY": str(SIGNING_KEY),
           "REGISTRY_CHECKPOINT_KEY": str(CHECKPOINT_KEY), "REGISTRY_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
           "REGISTRY_RUN_SCHEDULER": "false"}
    searched = searches(numbers, usccs, names)
    pages = {"trivial endpoint (/api/v1/ping)": ["/api/v1/ping"], "start page (/)": ["/"],
             "search, answers kept (each asked once before)": searched}
    results: dict[str, dict[str, float]] = {}
    with served(env, args.port, args.workers) as server, tempfile.TemporaryDirectory() as folder:
        for paths in pages.values():  # warm up, and each answers
            assert httpx.get(f"{base}{paths[0]}").status_code in (200, 303)
            measure(base, paths, 2, env, Path(folder))
        asked_once(base, searched)  # as a public that searches for the same things again and again would
        for name, paths in pages.items():
            results[name] = measure(base, paths, args.seconds, env, Path(folder))
            print(f"  {name}: {results[name]['rps']:,.0f}/s, p99 {results[name]['p99']:.1f} ms", flush=True)
        p50, p99, items = bulk_lookups(base, numbers, args.lookups)
        rows, seconds, before, highest = directory(base, server.pid)
    # Every search read and rendered (no answer kept): what a search nobody asked before costs.
    with served({**env, "REGISTRY_SEARCH_CACHE_MB": "0"}, args.port, args.workers), \
            tempfile.TemporaryDirectory() as folder:
        measure(base, ["/api/v1/ping"], 2, env, Path(folder))
        unkept = {"trivial endpoint (/api/v1/ping), again": ["/api/v1/ping"],
                  "search, every answer read (none kept)": searched}
        for name, paths in unkept.items():
            results[name] = measure(base, paths, args.seconds, env, Path(folder))

    trivial = results["trivial endpoint (/api/v1/ping)"]
    print(f"\n{certificates:,} certificates, {head:,} events, PostgreSQL 15, {os.cpu_count()} CPUs, "
          f"{args.workers} API worker(s), {CONNECTIONS} connections")
    print(f"{'page':<48}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'rps vs ping':>13}  target >= 0.8")
    for name, figures in results.items():
        baseline = results["trivial endpoint (/api/v1/ping), again"] if "again" in name or "none kept" in name \
            else trivial
        print(f"{name:<48}{figures['rps']:>9,.0f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}"
              f"{figures['rps'] / baseline['rps']:>13.2f}  non-2xx {figures['errors']:.0f}")
    print(f"bulk lookup of 1,000 numbers ({args.lookups} in turn, {items} items the last): p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms  (target p99 <= 100 ms)")
    print(f"directory.csv: {rows:,} rows in {seconds:.2f} s, {rows / seconds:,.0f} rows/s (target >= 50,000); "
          f"worker memory {before:.0f} MB before, {highest:.0f} MB at most during (target: flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
