"""`registry serve --demo` (what `make run` runs) prints the office's address and one demo user per role with a new
password, Chinese first; a printed password signs in to the live office; a second start on the same database prints
new passwords and the old ones stop working; no password reaches a file, the log, or the server's log lines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from registry.application import Registry, RegistryConfig
from tests.live import answers, free_port

USER_LINE = re.compile(r"^  (\S+) .*: 用户名 name (\S+) · 口令 password (\S+) · 人员 person (\S+)$")


class Served:
    """A `registry serve --demo` process started by the test: its console so far, and where it listens."""

    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process, self.base = process, base
        self.out: list[str] = []
        self.err: list[str] = []
        self.readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                        for stream, into in ((process.stdout, self.out), (process.stderr, self.err))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line.rstrip("\n"))

    def users(self, seconds: float = 180) -> dict[str, tuple[str, str]]:
        """The demo users printed, by name: (role in Chinese, password), once all five are printed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = {m.group(2): (m.group(1), m.group(3)) for m in map(USER_LINE.match, list(self.out)) if m}
            if len(found) == 5:
                return found
            assert self.process.poll() is None, "\n".join(self.out + self.err)
            time.sleep(0.2)
        raise AssertionError("\n".join(self.out + self.err))


@contextmanager
def serving(cwd: Path, env: dict[str, str]) -> Iterator[Served]:
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    port = free_port()
    process = subprocess.Popen([exe, "serve", "--demo", "--port", str(port)], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    served = Served(process, f"http://127.0.0.1:{port}")
    try:
        yield served
    finally:
        process.terminate()  # the process this test started, by its own handle
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for reader in served.readers:
            reader.join(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def sign_in(base: str, name: str, password: str) -> int:
    with httpx2.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        form = client.get("/office/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        answer = client.post("/office/login", data={"username": name, "password": password,
                                                    "csrf_token": token.group(1)})
        if answer.status_code == 303:
            assert name in client.get("/office/").text
        return answer.status_code


def test_serve_demo_prints_the_office_and_demo_users_whose_passwords_sign_in(tmp_path: Path) -> None:
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}", "PYTHONUNBUFFERED": "1"}
    env.pop("REGISTRY_PORT", None)

    with serving(tmp_path, env) as first:
        users = first.users()
        assert answers(f"{first.base}/office/login", 60)
        office = [line for line in first.out if line.startswith("办公室 Office: ")]
        assert office == [f"办公室 Office: {first.base}/office/"]
        assert sorted(users) == ["demo-admin", "demo-auditor", "demo-decision", "demo-intake", "demo-regulator"]
        assert users["demo-intake"][0] == "受理" and users["demo-auditor"][0].startswith("审核")
        assert len({password for _, password in users.values()}) == 5
        for name, (_, password) in users.items():
            assert sign_in(first.base, name, password) == 303, name
    first_passwords = {name: password for name, (_, password) in users.items()}

    with serving(tmp_path, env) as second:
        again = second.users()
        assert answers(f"{second.base}/office/login", 60)
        assert sign_in(second.base, "demo-admin", again["demo-admin"][1]) == 303
        assert sign_in(second.base, "demo-decision", first_passwords["demo-decision"]) == 401
        console = "\n".join(second.out + second.err + first.out + first.err)
    assert all(again[name][1] != first_passwords[name] for name in again)

    passwords = [*first_passwords.values(), *(password for _, password in again.values())]
    logged = "\n".join(line for line in console.splitlines() if not USER_LINE.match(line))
    assert not any(p in logged for p in passwords)  # only the users' own lines show them
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(p.encode() in data for p in passwords), path
    registry = Registry(RegistryConfig(database_url=env["REGISTRY_DATABASE_URL"]))
    try:
        auditor = registry.user_named("demo-auditor")
        assert registry.audit_competence(auditor.person, registry.clock.today()).may_audit  # the qualified leader
        assert len([u for u in registry.list_users() if u.name.startswith("demo-")]) == 5
    finally:
        registry.close()
