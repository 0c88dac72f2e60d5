"""Benchmark (issue 22): the office's pages with 1,000,000 certificates and their cases in PostgreSQL.

The data set is ``bench/scale.py``'s: every certification walked through the application (``make bench-scale
CERTIFICATES=1000000`` with ``--load-only``, or an earlier run's database). This script brings the read models up
to date (a rebuild, unless ``--skip-rebuild``), adds a signed-in user per role, serves the registry with
``registry serve`` (2 workers, the read models kept apart: the README's production layout) and drives each page
type with wrk, 8 connections (the issue's 8 concurrent users), each request a random record of the set:

- the work page (``/office/``) of the intake clerk, the auditor, the decision maker and the regulator in turn;
- a case page (``/office/cases/{id}``), a random case;
- a certificate page (``/office/certificates/{number}``), a random certificate;
- a list page: the certificates, cases, organisations and deadlines lists, random pages and filters.

Each beside the app's trivial endpoint (``/api/v1/ping``) measured in the same run, with the same connections.
Nothing is asserted: the figures are printed, and recorded in bench/RESULTS.md.

    .venv/bin/python bench/office_pages.py [--database office1m] [--skip-rebuild] [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx2 as httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from live import served, wrk  # noqa: E402  (this folder)
from scale import CHECKPOINT_KEY, PG, SIGNING_KEY, TODAY, prepared  # noqa: E402

from registry.application import Registry, RegistryConfig  # noqa: E402
from registry.clock import FixedClock  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "office.lua"
CONNECTIONS = 8
PASSWORD = "bench office password 2026"
USERS = {"bench-intake": "intake", "bench-auditor": "auditor", "bench-decision": "decision",
         "bench-regulator": "regulator"}
SAMPLE = 2_000  # records of each kind the requests choose among


def users(registry: Registry) -> None:
    """A user per role with an office password (again on a second run: a new password, the same name)."""
    known = {user.name for user in registry.list_users() if user.active}
    for name, role in USERS.items():
        if name not in known:
            registry.add_user(name, [role])
        registry.set_password(name, PASSWORD)


def sign_in(base: str, name: str) -> str:
    """The session cookie of ``name``, signed in through the form."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        form = client.get("/office/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        answer = client.post("/office/login", data={"username": name, "password": PASSWORD,
                                                    "csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text
        return str(answer.cookies["office_session"])


def sample(url: str) -> tuple[list[str], list[str], list[str]]:
    """Random case ids, certificate numbers and organisation names of the set (from the read models: the
    office's directory, the public view)."""
    with psycopg.connect(url) as conn:
        cases = [r[0] for r in conn.execute(
            "SELECT case_id FROM office_cases ORDER BY random() LIMIT %s", (SAMPLE,))]
        numbers = [r[0] for r in conn.execute(
            "SELECT number FROM public_certificates ORDER BY random() LIMIT %s", (SAMPLE,))]
        names = [r[0] for r in conn.execute(
            "SELECT name FROM office_organizations ORDER BY random() LIMIT %s", (SAMPLE // 10,))]
    return cases, numbers, names


def lists(names: list[str]) -> list[str]:
    """List pages as staff use them: pages of each list, filters, a search by an organisation's name."""
    chosen = random.Random(22)
    paths = []
    for _ in range(SAMPLE // 4):
        paths += [f"/office/certificates?page={chosen.randint(1, 50)}",
                  f"/office/certificates?status={chosen.choice(['valid', 'suspended', 'withdrawn'])}",
                  f"/office/cases?page={chosen.randint(1, 50)}",
                  f"/office/cases?stage={chosen.choice(['granted', 'reported', 'applied'])}",
                  f"/office/organizations?q={quote(chosen.choice(names)[:6])}",
                  f"/office/deadlines?state={chosen.choice(['open', 'overdue', 'met'])}"]
    return paths


def measure(base: str, paths: list[str], cookies: list[str], seconds: int, env: dict[str, str],
            folder: Path) -> dict[str, float]:
    """wrk over ``paths`` (random), each request with one of ``cookies`` (the users' sessions)."""
    listing = folder / f"paths-{len(list(folder.iterdir()))}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    run_env = {**env, "BENCH_PATHS": str(listing), "BENCH_COOKIES": " ".join(cookies)}
    return wrk(base, seconds, run_env, SCRIPT, connections=CONNECTIONS)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="office1m", help="a database loaded by bench/scale.py --load-only")
    parser.add_argument("--skip-rebuild", action="store_true", help="the read models are up to date already")
    parser.add_argument("--seconds", type=int, default=15, help="length of each run")
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes, as the README's production "
                                                               "layout runs them (the read models kept apart)")
    args = parser.parse_args()
    url = f"{PG}/{args.database}"

    head, certificates = prepared(url, rebuild=not args.skip_rebuild)
    registry = Registry(RegistryConfig(database_url=url), FixedClock(TODAY))
    users(registry)
    registry.close()
    cases, numbers, names = sample(url)

    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SIGNING_KEY": str(SIGNING_KEY),
           "REGISTRY_CHECKPOINT_KEY": str(CHECKPOINT_KEY), "REGISTRY_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
           "REGISTRY_RUN_SCHEDULER": "false"}
    pages = {"work page (/office/, four roles)": ["/office/"],
             "case page (/office/cases/{id})": [f"/office/cases/{c}" for c in cases],
             "certificate page (/office/certificates/{n})": [f"/office/certificates/{n}" for n in numbers],
             "list pages (certificates, cases, organisations, deadlines)": lists(names)}
    results: dict[str, dict[str, float]] = {}
    with served(env, args.port, args.workers, projections_apart=True), tempfile.TemporaryDirectory() as folder:
        cookies = [sign_in(base, name) for name in USERS]
        for paths in pages.values():  # each page answers, as the signed-in user it is asked by
            answer = httpx.get(f"{base}{paths[0]}", cookies={"office_session": cookies[0]})
            assert answer.status_code == 200, (paths[0], answer.status_code, answer.text[:500])
        measure(base, ["/api/v1/ping"], cookies, 2, env, Path(folder))  # warm up
        for paths in pages.values():
            measure(base, paths, cookies, 2, env, Path(folder))
        results["trivial endpoint (/api/v1/ping)"] = measure(base, ["/api/v1/ping"], cookies, args.seconds, env,
                                                             Path(folder))
        for name, paths in pages.items():
            results[name] = measure(base, paths, cookies, args.seconds, env, Path(folder))
            print(f"  {name}: {results[name]['rps']:,.0f}/s, p99 {results[name]['p99']:.1f} ms", flush=True)

    trivial = results["trivial endpoint (/api/v1/ping)"]
    print(f"\n{certificates:,} certificates, {head:,} events, PostgreSQL 15, {os.cpu_count()} CPUs, "
          f"{args.workers} API workers (projections apart), {CONNECTIONS} connections")
    print(f"{'page':<58}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'rps vs ping':>13}  target p99 <= 100 ms")
    for name, figures in results.items():
        ratio = figures["rps"] / trivial["rps"]
        print(f"{name:<58}{figures['rps']:>9,.0f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}{ratio:>13.2f}"
              f"  non-2xx {figures['errors']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
