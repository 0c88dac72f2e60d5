"""Benchmark: the public certificate lookup with 1,000,000 certificates in PostgreSQL (issue 5).

Bulk-loads the public read model with synthetic certificates (the lookup reads only that model), serves the
registry with ``registry serve`` in a subprocess, and drives it with wrk (32 connections, random numbers).
Every figure is printed beside the app's own trivial endpoint measured in the same run; nothing is asserted.

    .venv/bin/python bench/public_lookup.py [--certificates N] [--seconds S] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import httpx2 as httpx
import psycopg
from live import served, wrk  # this folder

from api.public_reads import signed_extras
from api.signing import Signer
from demo.scenario import new_uscc
from projections.runner import open_views
from registry.application import Registry, RegistryConfig

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432"
KEY = ROOT / "bench" / ".bench-signing.key"


def document(i: int, uscc: str) -> dict[str, object]:
    year = 2020 + i % 7
    return {
        "number": f"CB-CEMS-{year}-{i:07d}", "status": "valid", "status_since": f"{year}-03-31",
        "suspension_ground": None,
        "organization": {"name": f"示例能源有限公司{i}", "address": f"上海市浦东新区示例路{i % 999}号", "uscc": uscc},
        "scope": "电力生产的碳排放管理活动", "levels": [{"level": "organization", "method": "iso_14064_1"}],
        "basis": {"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": []},
        "issued_on": f"{year}-03-31", "valid_until": "2029-03-30",
        "issuer": {"name": "示例认证有限公司", "address": "北京市朝阳区示例路1号", "code": "CB"},
        "surveillance": {"next_due_by": "2099-03-31", "audits": [], "overdue": False}, "version": 1,
        "renews": None, "renewed_by": None, "status_history": [{"since": f"{year}-03-31", "status": "valid"}],
    }


def load(database: str, count: int, key: Path) -> None:
    with psycopg.connect(f"{PG}/test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    registry = Registry(RegistryConfig(database_url=f"{PG}/{database}"))
    open_views(registry)  # creates the read model's tables
    registry.close()
    extras = signed_extras(Signer(str(key), "http://127.0.0.1:8000"))  # what the projection stores per row
    started = time.monotonic()
    with psycopg.connect(f"{PG}/{database}") as conn, conn.cursor() as cur:
        with cur.copy("COPY public_certificates (number, uscc, name, status, valid_until, next_due_by, position, "
                      "document) FROM STDIN") as copy:
            for i in range(count):
                uscc = new_uscc()
                doc = document(i, uscc)
                doc.update(extras(doc))
                copy.write_row((doc["number"], uscc, doc["organization"]["name"], "valid",  # type: ignore[index]
                                "2029-03-30", "2099-03-31", 0, json.dumps(doc, ensure_ascii=False, sort_keys=True)))
        cur.execute("ANALYZE public_certificates")
    print(f"loaded {count:,} certificates in {time.monotonic() - started:.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database", default="bench_public")
    parser.add_argument("--skip-load", action="store_true", help="reuse the database of an earlier run")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    if not args.skip_load:
        load(args.database, args.certificates, KEY)
    # The read model in the OS's cache, as a registry's hot table is: a reused database whose pages other work
    # pushed out is read from disk, and its lookup measured the disk (p99 of hundreds of ms).
    with psycopg.connect(f"{PG}/{args.database}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        for relation in ("public_certificates", "public_certificates_pkey"):
            conn.execute("SELECT pg_prewarm(%s::regclass, 'read')", (relation,))

    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"{PG}/{args.database}",
           "REGISTRY_SIGNING_KEY": str(KEY), "REGISTRY_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
           "BENCH_CERTIFICATES": str(args.certificates)}
    lookup_script = ROOT / "bench" / "lookup.lua"
    with served(env, args.port):
        sample = httpx.get(f"{base}/api/v1/public/certificates/CB-CEMS-2020-0000000")
        assert sample.status_code == 200, sample.text
        wrk(f"{base}/api/v1/ping", 2, env)  # warm up
        trivial = wrk(f"{base}/api/v1/ping", args.seconds, env)
        lookup = wrk(base, args.seconds, env, lookup_script)
        qr_env = {**env, "BENCH_PATH": "/api/v1/public/certificates/%s/qr.png", "BENCH_CERTIFICATES": "1000"}
        wrk(base, 2, qr_env, lookup_script)  # renders each of 1,000 QR codes once
        qr = wrk(base, args.seconds, qr_env, lookup_script)
        cold, warm = [], []
        with httpx.Client() as one_connection:
            for i in range(1000, 1100):
                n = f"CB-CEMS-{2020 + i % 7}-{i:07d}"
                for times in (cold, warm):  # the first request renders, the second is answered from the cache
                    started = time.perf_counter()
                    one_connection.get(f"{base}/api/v1/public/certificates/{n}/qr.png").raise_for_status()
                    times.append((time.perf_counter() - started) * 1000)
    cold.sort()
    warm.sort()
    print(f"\n{args.certificates:,} certificates, PostgreSQL, 32 connections, {args.seconds} s each")
    print(f"{'endpoint':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'non-2xx':>9}")
    for name, r in (("trivial GET /api/v1/ping", trivial), ("public lookup (random numbers)", lookup),
                    ("qr.png, cached (1,000 numbers)", qr)):
        print(f"{name:<34}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['rps'] / trivial['rps']:>8.2f}"
              f"{r['errors']:>9.0f}")
    print(f"qr.png one at a time on one connection: cold (rendered) p50 {cold[50]:.2f} ms, p99 {cold[98]:.2f} ms; "
          f"cached p50 {warm[50]:.2f} ms (the difference is the rendering)")
    print("targets: lookup ratio >= 0.8 and p99 <= 10 ms; cached QR ratio >= 0.8; cold QR <= 3 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
