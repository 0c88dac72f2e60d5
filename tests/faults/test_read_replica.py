"""A read replica (README, "Running it in production"): the API on a PostgreSQL hot standby of the primary, with
``REGISTRY_READ_ONLY``. It creates nothing at start-up (a standby refuses any write), serves the public lookup,
the staff reads and the log from what streaming replication copies, waits for a write made on the primary when
asked to (``?after=``), and answers every write 405 without writing anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.e2e.http_walk import HttpWalk
from tests.faults.conftest import REGISTRY, Cluster, Server, enrol_callers, tail
from tests.live import free_port

pytestmark = [pytest.mark.long, pytest.mark.postgres]
PROBLEM = "application/problem+json"


@contextlib.contextmanager
def standby_of(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby of ``primary``, made as an operator makes one (``pg_basebackup -R``), streaming from it."""
    root = Path(tempfile.mkdtemp(prefix="registry-replica-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    replica = Cluster(root, free_port())
    try:
        replica._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                     "-D", str(replica.data), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast")
        replica.start()
        yield replica
    finally:
        with contextlib.suppress(Exception):
            replica.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_a_read_only_api_on_a_hot_standby_serves_reads_and_refuses_writes(
        cluster: Cluster, serve: Callable[[str], Server], tmp_path: Path) -> None:
    cluster.create_database("registry")
    primary_url = cluster.url("registry", "faults")
    callers = enrol_callers(primary_url)
    primary = serve(primary_url).start()
    with httpx.Client(base_url=primary.base, timeout=30) as client:
        number = HttpWalk(client, callers).to_certificate().certificate
    primary.wait_caught_up(0)
    # The primary makes each key the first time it needs it; publishing them is such a time.
    assert httpx.get(f"{primary.base}/api/v1/public/keys", timeout=30).status_code == 200

    with standby_of(cluster) as standby:
        replica_url = standby.url("registry", "faults")
        workdir = tmp_path / "replica"
        workdir.mkdir()
        # The primary's keys and their keyrings, as a shared volume gives them.
        for key in ("signing.key", "checkpoint.key", "signing.key.keyring.json", "checkpoint.key.keyring.json"):
            shutil.copy(tmp_path / key, workdir / key)

        # Without the read-only mode, a standby refuses the API's start-up (it creates its tables if missing).
        plain = Server(replica_url, workdir)
        with pytest.raises(RuntimeError, match="read-only transaction"):
            plain.start(timeout=20)
        plain.stop()

        replica = Server(replica_url, workdir, extra_env={"REGISTRY_READ_ONLY": "true"})
        replica.starts = 1  # a log file of its own
        replica.start()
        try:
            with httpx.Client(base_url=primary.base, timeout=30) as p, \
                    httpx.Client(base_url=replica.base, timeout=30) as r:
                # The public lookup, the keys and a staff read: what the primary serves.
                lookup = f"/api/v1/public/certificates/{number}"
                assert r.get(lookup).json() == p.get(lookup).json()
                assert r.get("/api/v1/public/keys").json() == p.get("/api/v1/public/keys").json()
                staff = r.get(f"/api/v1/certificates/{number}", headers=callers.regulator.headers)
                assert staff.status_code == 200 and staff.json()["status"] == "valid", staff.text

                # A write on the primary, read on the replica once it has it (?after= waits for it).
                today = date.today().isoformat()
                suspended = p.post(f"/api/v1/certificates/{number}/suspension", headers=callers.decision.headers,
                                   json={"on": today, "known_on": today, "ground": "major_defect",
                                         "detail": "体系重大缺陷"})
                assert suspended.status_code == 200, suspended.text
                position = suspended.json()["position"]
                seen = r.get(lookup, params={"after": position})
                assert seen.status_code == 200, seen.text
                assert seen.json()["status"] == "suspended"
                health = r.get("/api/v1/health")
                assert health.status_code == 200 and health.json()["views"]["log_head"] >= position, health.text

                # Every write is refused before it runs, naming where writes go; nothing is written.
                refused = [r.post(f"/api/v1/certificates/{number}/reinstatement", headers=callers.decision.headers,
                                  json={"on": today, "evidence": "纠正措施已验证"}),
                           r.post("/api/v1/people", headers=callers.admin.headers, json={"name": "新审核员"}),
                           r.post("/api/v1/people", json={"name": "未登录"})]
                for answer in refused:
                    assert answer.status_code == 405 and answer.headers["content-type"] == PROBLEM, answer.text
                    assert answer.json()["type"] == "urn:cems-registry:problem:read-only"
                    assert answer.headers["allow"] == "GET, HEAD"
                time.sleep(0.5)
                assert p.get("/api/v1/health").json()["views"]["log_head"] == position
                assert p.get(lookup).json()["status"] == "suspended"
        finally:
            replica.stop()
        assert "Traceback" not in replica.log.read_text(), tail(replica.log)


def test_a_read_only_replica_never_makes_keys_of_its_own(tmp_path: Path) -> None:
    """The keys a replica publishes must be the primary's: without them it does not start, and makes none."""
    env = {**os.environ, "REGISTRY_READ_ONLY": "true", "REGISTRY_SIGNING_KEY": str(tmp_path / "signing.key"),
           "REGISTRY_CHECKPOINT_KEY": str(tmp_path / "checkpoint.key"),
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}"}
    done = subprocess.run([REGISTRY, "serve", "--port", str(free_port())], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "REGISTRY_SIGNING_KEY: no key file" in done.stderr and "primary's keys" in done.stderr
    assert not (tmp_path / "signing.key").exists() and not (tmp_path / "registry.db").exists()


@pytest.mark.parametrize("command", [["demo"], ["projections", "run"], ["scheduler"], ["user", "add", "x",
                                                                                       "--role", "admin"]])
def test_a_read_only_replica_runs_no_command_that_writes(tmp_path: Path, command: list[str]) -> None:
    env = {**os.environ, "REGISTRY_READ_ONLY": "true",
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}"}
    done = subprocess.run([REGISTRY, *command], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    said = done.stderr
    assert f"REGISTRY_READ_ONLY: `registry {' '.join(command[:2])}` 写入" in said  # Chinese first (R-REC-5)
    assert f"`registry {' '.join(command[:2])}` writes to the registry's database" in said
    assert not (tmp_path / "registry.db").exists()
