"""Faults: a live ``registry serve`` that may be killed, and a PostgreSQL cluster of the test's own that may be
stopped and started again under load (never the shared server on 5432).

The private cluster is made with PostgreSQL's own binaries (``initdb``, ``pg_ctl``) in a temporary directory, on a
free port. PostgreSQL refuses to run as root, so when the tests run as root the cluster runs as ``postgres``.
Everything started here is stopped in teardown, whatever the test's outcome.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2 as httpx
import pytest

from demo.scenario import enrol_staff
from projections.runner import Views, open_views
from registry.application import Registry, RegistryConfig
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Caller, Callers
from tests.live import free_port

PG_BIN = Path(os.environ.get("REGISTRY_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REGISTRY = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # fixed, so every process signs the same verify_url into the views



def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# A PostgreSQL cluster of the test's own


@dataclass
class Cluster:
    """A private PostgreSQL cluster in ``root``, listening on 127.0.0.1:``port`` (trust authentication)."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = "postgres", schema: str = "") -> str:
        query = f"?schema={schema}" if schema else ""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}{query}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / program), *args]
        if os.geteuid() == 0:  # PostgreSQL will not run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stdout}{result.stderr}\n"
                               f"{tail(self.log)}")
        return result

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync", "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=200 "
                   "-c shared_buffers=32MB")
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """``fast``: connections are told the server shuts down; ``immediate``: as a crash (recovery at start)."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A fresh private cluster, running; stopped and removed at the end, however it ends."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL's binaries are not in {PG_BIN} (set REGISTRY_TEST_PG_BIN)", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="registry-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    made = Cluster(root, free_port())
    try:
        made.init()
        for attempt in range(3):
            try:
                made.start()
                break
            except RuntimeError:  # the free port was taken in between: try another
                if attempt == 2:
                    raise
                made.port = free_port()
        yield made
    finally:
        with contextlib.suppress(Exception):  # it may be stopped already
            made.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A cluster for this test alone: it may stop and start it."""
    with running_cluster() as made:
        yield made


@pytest.fixture(scope="session")
def session_cluster() -> Iterator[Cluster]:
    """A cluster the faults tests that leave PostgreSQL running share: each live server holds dozens of
    connections, which the shared server on 5432, busy with every other test, may not have to spare."""
    with running_cluster() as made:
        made.create_database("faults")
        yield made


@pytest.fixture
def database_url(session_cluster: Cluster) -> str:
    """A fresh schema of its own in the shared private cluster."""
    return session_cluster.url("faults", f"t_{uuid.uuid4().hex[:12]}")


# A live server


@dataclass
class Server:
    """``registry serve`` in a subprocess on a free port, with the projections inside it; restartable."""

    database_url: str
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)  # more REGISTRY_* settings
    _stderr: IO[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "REGISTRY_DATABASE_URL": self.database_url,
                "REGISTRY_SIGNING_KEY": str(self.workdir / "signing.key"),
                "REGISTRY_CHECKPOINT_KEY": str(self.workdir / "checkpoint.key"),
                "REGISTRY_PUBLIC_BASE_URL": PUBLIC_BASE_URL, **self.extra_env}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"serve-{self.starts}.log"

    def start(self, timeout: float = 30) -> Server:
        self.starts += 1
        self.port = free_port()
        self._stderr = self.log.open("wb")
        self.process = subprocess.Popen([REGISTRY, "serve", "--port", str(self.port)], cwd=self.workdir,
                                        env=self.env, stdout=subprocess.DEVNULL, stderr=self._stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"registry serve exited {self.process.returncode}:\n{tail(self.log)}")
            try:
                httpx.get(f"{self.base}/api/v1/ping", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"registry serve did not answer within {timeout} s:\n{tail(self.log)}")

    def kill(self) -> None:
        """kill -9: no shutdown of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """The ``registry`` command line, configured as the server is."""
        return subprocess.run([REGISTRY, *args], cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def health(self, timeout: float = 10) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.base}/api/v1/health", timeout=timeout).json()
        return body

    def wait_caught_up(self, position: int, timeout: float = 30) -> dict[str, Any]:
        """Waits until the projections run and have taken every event up to ``position`` (and the log's head)."""
        deadline = time.monotonic() + timeout
        health: dict[str, Any] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError, ValueError):
                health = self.health()
                views = health.get("views", {})
                if (health.get("status") == "ok" and views.get("lag") == 0
                        and views.get("log_head", 0) >= position):
                    return health
            time.sleep(0.1)
        raise AssertionError(f"the views did not catch up with {position} within {timeout} s: {health}\n"
                             f"{tail(self.log)}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[str], Server]]:
    """Makes servers on a database URL (started by the test); every one is stopped at the end."""
    made: list[Server] = []

    def make(database_url: str) -> Server:
        server = Server(database_url, tmp_path)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


# Users, and what they were told


def enrol_callers(database_url: str) -> Callers:
    """Users for every role, bound to the qualified staff of ``enrol_staff``, recorded straight into the store."""
    registry = Registry(RegistryConfig(database_url=database_url))
    try:
        staff = enrol_staff(registry, STAFF_SINCE)

        def user(name: str, role: str, person: Any) -> Caller:
            written, token = registry.add_user(name, [role], person)
            return Caller(token, written.ids["person"])

        return Callers(
            admin=user("管理员", "admin", staff.admin.person), intake=user("受理员", "intake", staff.intake.person),
            leader=user("审核组长", "auditor", staff.leader), member=user("审核员", "auditor", staff.member),
            decision=user("决定人员", "decision", staff.decision.person), regulator=user("监管员", "regulator", None),
            outsider=user("其他审核员", "auditor", None))
    finally:
        registry.close()


@contextlib.contextmanager
def views_of(database_url: str) -> Iterator[Views]:
    """The read models of the registry at ``database_url``, read from this process; every connection closed after."""
    registry = Registry(RegistryConfig(database_url=database_url))
    try:
        views = open_views(registry)
        try:
            yield views
        finally:
            views.public.datastore.close()
            views.log.datastore.close()
    finally:
        registry.close()


def read_models(database_url: str) -> dict[str, Any]:
    """Every row of the public read model, the log view's tree (its size, root and leaves), and how far they are."""
    with views_of(database_url) as views:
        size = views.log.size()
        return {"public": views.public.rows(), "log_size": size, "log_root": views.log.root(size).hex(),
                "log_leaves": views.log.leaves(0, size), "position": views.position(), "head": views.head()}


@dataclass(frozen=True)
class Ack:
    """A write the server acknowledged (2xx): whose it was, which step, and the answer (``position`` and ids)."""

    uscc: str
    step: str
    answer: dict[str, Any]

    @property
    def position(self) -> int:
        position: int = self.answer["position"]
        return position


@dataclass
class Acknowledged:
    """Every acknowledged write, from any thread."""

    items: list[Ack] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ack: Ack) -> None:
        with self._lock:
            self.items.append(ack)

    def __len__(self) -> int:
        return len(self.items)

    def snapshot(self) -> list[Ack]:
        with self._lock:
            return list(self.items)


class Answers(dict[str, dict[str, Any]]):
    """An ``HttpWalk``'s answers, each also recorded as acknowledged the moment it arrives."""

    def __init__(self, acknowledged: Acknowledged, uscc: str) -> None:
        super().__init__()
        self.acknowledged, self.uscc = acknowledged, uscc

    def __setitem__(self, step: str, answer: dict[str, Any]) -> None:
        super().__setitem__(step, answer)
        self.acknowledged.add(Ack(self.uscc, step, answer))


def assert_every_acknowledged_write_is_in_the_log(acks: list[Ack], database_url: str, server: Server,
                                                  regulator: Caller) -> None:
    """Each acknowledged position holds an event in the store, and the regulator's history of the organisation the
    write was for shows it at that position."""
    assert acks, "nothing was acknowledged"
    registry = Registry(RegistryConfig(database_url=database_url))
    try:
        stored = {n.id: n for n in registry.recorder.select_notifications(1, 1_000_000)}
    finally:
        registry.close()
    missing = [a for a in acks if a.position not in stored]
    assert not missing, f"{len(missing)} acknowledged writes are not in the log: {missing[:5]}"
    by_org: dict[str, set[int]] = {}
    for ack in acks:
        if ack.uscc:
            by_org.setdefault(ack.uscc, set()).add(ack.position)
    with httpx.Client(base_url=server.base, headers=regulator.headers, timeout=30) as client:
        for uscc, positions in by_org.items():
            response = client.get(f"/api/v1/organizations/{uscc}/history")
            assert response.status_code == 200, response.text
            shown = {e["position"] for e in response.json()["events"]}
            assert positions <= shown, (uscc, sorted(positions - shown))
