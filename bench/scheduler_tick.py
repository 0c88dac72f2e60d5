"""Benchmark: one scheduler run over 100,000 certificates in PostgreSQL (issue 6).

Loads the scheduler's schedule table with 100,000 certificates of which none has anything due, and times
``tick`` (median of several runs) against a full scan of the same table measured in the same run; then walks 1 %
of them (1,000 real certificates, through the application) to a missed surveillance audit and times the run that
records their suspensions. Prints, never asserts. Database work is counted as transactions and index / sequential
scans of the schedule table, from PostgreSQL's statistics.

    .venv/bin/python bench/scheduler_tick.py [--certificates N] [--due N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date

import psycopg

from demo.scenario import Walk, enrol_staff
from projections.runner import Views, open_views
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from scheduler.duties import tick

PG = "postgresql://postgres@127.0.0.1:5432"


def counters(conn: psycopg.Connection, database: str) -> tuple[int, int, int]:
    conn.execute("SELECT pg_stat_clear_snapshot()")
    xacts = conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                         (database,)).fetchone()
    scans = conn.execute("SELECT coalesce(idx_scan, 0), seq_scan FROM pg_stat_user_tables "
                         "WHERE relname = 'certificate_schedule'").fetchone()
    assert xacts and scans
    return int(xacts[0]), int(scans[0]), int(scans[1])


def timed_tick(app: Registry, views: Views, stats: psycopg.Connection, database: str, runs: int) -> dict[str, float]:
    before = counters(stats, database)
    times, reports = [], []
    for _ in range(runs):
        started = time.perf_counter()
        reports.append(tick(app, views))
        times.append((time.perf_counter() - started) * 1000)
    time.sleep(0.6)  # statistics reach pg_stat_* within half a second
    after = counters(stats, database)
    return {"ms": statistics.median(times), "candidates": reports[0].candidates,
            "recorded": sum(sum(r.recorded.values()) for r in reports),
            "transactions": (after[0] - before[0]) / runs, "index_scans": (after[1] - before[1]) / runs,
            "seq_scans": (after[2] - before[2]) / runs}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--database", default="bench_tick")
    args = parser.parse_args()
    with psycopg.connect(f"{PG}/test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')

    clock = FixedClock(date(2026, 4, 30))  # the walks below run from 2026-03-02 to their decision on 03-31
    app = Registry(RegistryConfig(database_url=f"{PG}/{args.database}"), clock)
    views = open_views(app)
    quiet = args.certificates - args.due
    with psycopg.connect(f"{PG}/{args.database}") as conn, conn.cursor() as cur:
        with cur.copy("COPY certificate_schedule (number, status, next_due_by, valid_until, noticed_due_by, "
                      "renewal_settled) FROM STDIN") as copy:
            for i in range(quiet):  # valid, audited recently: nothing due for months
                copy.write_row((f"BENCH-{i:07d}", "valid", "2027-12-01", "2029-06-01", None, 0))
        cur.execute("ANALYZE certificate_schedule")
    print(f"{quiet:,} certificates with nothing due loaded", flush=True)

    started = time.monotonic()
    staff = enrol_staff(app, date(2020, 1, 1))
    for _ in range(args.due):  # real certificates: decided 2026-03-31, surveillance due by 2027-03-31
        Walk(app, staff, date(2026, 3, 2)).to_team().stage1().stage2().report().decide(decided_on=date(2026, 3, 31))
    views.catch_up()
    print(f"{args.due:,} real certificates walked through the application in {time.monotonic() - started:.0f} s",
          flush=True)

    stats = psycopg.connect(f"{PG}/{args.database}", autocommit=True)
    stats.execute("ANALYZE certificate_schedule")
    scan = []
    for _ in range(5):
        started = time.perf_counter()
        stats.execute("SELECT count(*) FROM certificate_schedule WHERE renewal_settled >= 0").fetchone()
        scan.append((time.perf_counter() - started) * 1000)
    baseline = statistics.median(scan)

    clock.set(date(2026, 12, 1))
    nothing = timed_tick(app, views, stats, args.database, 10)
    clock.set(date(2027, 4, 1))  # the day after the 1 % missed their surveillance audit
    due = timed_tick(app, views, stats, args.database, 1)
    again = timed_tick(app, views, stats, args.database, 5)
    sql, params = views.schedule.candidates_query(date(2026, 12, 1), date(2026, 12, 31), date(2027, 6, 4))
    plan = stats.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall()
    stats.close()
    app.close()

    print(f"\ntick over {args.certificates:,} certificates in PostgreSQL; baseline: a full scan of the schedule "
          f"table, {baseline:.1f} ms")
    print(f"{'run':<44}{'ms':>9}{'vs scan':>9}{'looked at':>11}{'recorded':>10}{'xacts':>8}{'idx':>6}{'seq':>6}")
    for name, r in (("nothing due (median of 10)", nothing), (f"{args.due:,} due (1 %): suspensions", due),
                    ("the same day again (median of 5)", again)):
        print(f"{name:<44}{r['ms']:>9.1f}{r['ms'] / baseline:>9.2f}{r['candidates']:>11.0f}{r['recorded']:>10.0f}"
              f"{r['transactions']:>8.1f}{r['index_scans']:>6.1f}{r['seq_scans']:>6.1f}")
    print("candidate query, nothing due:", " / ".join(
        row[0].strip() for row in plan if "Scan" in row[0] or "Buffers" in row[0] or "Execution" in row[0]))
    print("target: a run with nothing due touches only indexed rows and takes under a second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
