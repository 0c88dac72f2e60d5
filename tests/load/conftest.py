"""A live ``registry serve`` (uvicorn, a process of its own) on a fresh PostgreSQL schema, with a user for every
role and a few certificates already issued, so that readers have something to read from the first second."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import httpx2 as httpx
import pytest

from demo.scenario import Staff, Walk, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import SystemClock
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Caller, Callers
from tests.live import free_port

SEEDED = 3  # certificates issued before the server starts
START_TIMEOUT = 60.0  # seconds; the machine is shared with other test runs



def walk_start() -> date:
    """Where each walk begins: 60 days ago in Asia/Shanghai, so every step (the decision on day 30) is in the past
    and the certificate is well inside its first surveillance period whatever the date the suite runs on."""
    return SystemClock().today() - timedelta(days=60)


@dataclass
class LiveRegistry:
    base: str  # http://127.0.0.1:PORT
    callers: Callers
    registry: Registry  # the test's own handle on the same store, for checks against the log itself
    seeded: list[tuple[str, str]]  # (certificate number, USCC)
    server_log: Path

    def server_log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-lines:])


def _staff_and_callers(registry: Registry) -> tuple[Staff, Callers]:
    """Users bound to the qualified staff of ``enrol_staff``, as in tests/e2e, and an auditor on no team."""
    staff = enrol_staff(registry, STAFF_SINCE)

    def user(name: str, role: str, person: UUID | None) -> Caller:
        written, token = registry.add_user(name, [role], person)
        return Caller(token, written.ids["person"])

    assert staff.admin.person and staff.intake.person and staff.decision.person
    return staff, Callers(
        admin=user("管理员", "admin", staff.admin.person), intake=user("受理员", "intake", staff.intake.person),
        leader=user("审核组长", "auditor", staff.leader), member=user("审核员", "auditor", staff.member),
        decision=user("决定人员", "decision", staff.decision.person), regulator=user("监管员", "regulator", None),
        outsider=user("其他审核员", "auditor", None))


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # uvicorn shuts down gracefully: the lifespan stops the projections and the scheduler
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


@pytest.fixture
def live_registry(pg_url: str, tmp_path: Path) -> Iterator[LiveRegistry]:
    registry = Registry(RegistryConfig(database_url=pg_url))  # the system clock, as the server's
    try:
        staff, callers = _staff_and_callers(registry)
        seeded = []
        for _ in range(SEEDED):
            walk = Walk(registry, staff, walk_start()).to_certificate()
            assert walk.number
            seeded.append((walk.number, walk.uscc))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update({"REGISTRY_DATABASE_URL": pg_url, "REGISTRY_PUBLIC_BASE_URL": base,
                    "REGISTRY_HOST": "127.0.0.1", "REGISTRY_PORT": str(port),
                    "REGISTRY_SIGNING_KEY": str(tmp_path / "signing.key"),
                    "REGISTRY_CHECKPOINT_KEY": str(tmp_path / "checkpoint.key")})
        exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
        server_log = tmp_path / "serve.log"
        with server_log.open("wb") as err:
            server = subprocess.Popen([exe, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                                      stdout=err, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if server.poll() is not None:
                    pytest.fail(f"registry serve exited with {server.returncode}:\n{server_log.read_text()}")
                try:
                    if httpx.get(f"{base}/api/v1/ping", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"registry serve did not answer within {START_TIMEOUT:g} s:\n{server_log.read_text()}")
                time.sleep(0.2)
            yield LiveRegistry(base, callers, registry, seeded, server_log)
        finally:
            _stop(server)
    finally:
        registry.close()
