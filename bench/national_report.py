"""Benchmark: the national report (R-RPT-1) of a month of N reported events (issue 25: 100,000 in ≤ 30 s).

Writes a log whose month under report (October 2026) holds N reported events: a few certificates issued through the
application (each with its audit programme and stage 2), then suspensions and reinstatements until N; a month of
other events before it (September) makes the report pass over what it does not take. Then times, in the same run,
``Registry.national_report`` (reading the whole log, decoding the reported events, the organisations as they stood)
and the .xlsx written from it, beside a baseline: the same log read raw, every stored event, undecoded. Prints the
two and their ratio, never asserts; checks the report twice gives the same bytes.

    .venv/bin/python bench/national_report.py [--events N] [--database-url URL]

Without ``--database-url`` the log is a SQLite file in a temporary directory; a PostgreSQL URL names a database
made for it beforehand (the benchmark creates none).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: its tests' factories

from api.spreadsheets import write_national_report  # noqa: E402
from demo.scenario import Walk, enrol_staff  # noqa: E402
from registry.application import Registry, RegistryConfig  # noqa: E402
from registry.clock import FixedClock  # noqa: E402
from tests.factories import certified  # noqa: E402

MONTH = "2026-10"
ISSUER = "示例认证有限公司 Example Certification Co., Ltd."
PER_CERTIFICATE = 200  # suspensions and reinstatements of each certificate: the month's events per certificate


def load(app: Registry, clock: FixedClock, events: int) -> None:
    staff = enrol_staff(app, date(2020, 1, 1))
    clock.set(date(2026, 9, 20))  # September: a certificate the October report passes over
    certified(Walk(app, staff, date(2026, 8, 3)), decided_on=date(2026, 9, 2))
    clock.set(date(2026, 10, 5))
    written = 0
    while written < events:
        number = certified(Walk(app, staff, date(2026, 9, 1)), decided_on=date(2026, 10, 1))
        written += 3  # its audit programme, stage 2 and issue
        for _ in range(min(PER_CERTIFICATE, events - written) // 2):
            app.suspend(number, date(2026, 10, 2), date(2026, 10, 2), "major_defect", "重大缺陷", actor=staff.admin)
            app.reinstate(number, date(2026, 10, 2), "整改验证报告", actor=staff.admin)
            written += 2


def raw_read(app: Registry) -> int:
    """The baseline: every stored event of the log read, none decoded."""
    count, start = 0, 1
    while True:
        batch = list(app.recorder.select_notifications(start, 1000))
        if not batch:
            return count
        count += len(batch)
        start = batch[-1].id + 1


def report_bytes(app: Registry) -> tuple[bytes, int]:
    report = app.national_report(MONTH)
    out = io.BytesIO()
    write_national_report(out, report, ISSUER)
    return out.getvalue(), len(report.rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000, help="reported events in the month")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'registry.db'}"
        clock = FixedClock(date(2026, 10, 5))
        app = Registry(RegistryConfig(database_url=url), clock)
        started = time.perf_counter()
        load(app, clock, args.events)
        clock.set(date(2026, 11, 24))
        size = app.recorder.max_notification_id()
        print(f"log of {size:,} events written in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})",
              flush=True)

        started = time.perf_counter()
        read = raw_read(app)
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        first, rows = report_bytes(app)
        report = time.perf_counter() - started
        second, _ = report_bytes(app)
        app.close()
    print(f"baseline, the log read raw:   {read:>9,} events  {baseline:7.2f} s  {read / baseline:>9,.0f} events/s")
    print(f"national report {MONTH} (.xlsx): {rows:>9,} rows    {report:7.2f} s  {rows / report:>9,.0f} rows/s  "
          f"({report / baseline:.1f}× the raw read; {len(first):,} bytes)")
    print(f"the same bytes twice: {first == second}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
