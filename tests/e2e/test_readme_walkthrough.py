"""The README's curl walkthrough (docs/walkthrough.sh) against a live ``registry serve --demo`` on a SQLite file, as
a newcomer runs it after `make run`: twice, and once against the wrong database to see it say what failed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import answers, free_port

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = ROOT / "docs" / "walkthrough.sh"


@pytest.fixture
def live_demo(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`registry serve --demo` on a free port; the environment the walkthrough needs to reach it and its database."""
    port = free_port()
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'walk.db'}"}
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as err:
        server = subprocess.Popen([exe, "serve", "--demo", "--port", str(port)], cwd=tmp_path, env=env,
                                  stdout=subprocess.DEVNULL, stderr=err)
        try:
            if not answers(f"{base}/api/v1/ping", 60):
                pytest.fail(f"registry serve did not start: {log.read_text()}")
            yield {**env, "API": f"{base}/api/v1"}
        finally:
            server.terminate()
            server.wait(timeout=10)


def walk(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(WALKTHROUGH)], cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
                          check=False)


def test_the_walkthrough_certifies_an_organisation_on_the_demo_and_again_on_a_second_run(
        live_demo: dict[str, str], tmp_path: Path) -> None:
    # As after `make run`: no REGISTRY, and the checkout's .venv/bin is not on the PATH.
    first_env = {k: v for k, v in live_demo.items() if k != "REGISTRY"} | {"PATH": "/usr/local/bin:/usr/bin:/bin"}

    first = walk(first_env, tmp_path)
    second = walk(live_demo, tmp_path)

    for run in (first, second):
        assert run.returncode == 0, run.stderr
        assert '"status":"valid"' in run.stdout
        assert '"type":"Granted"' in run.stdout  # the regulator's history shows the decision
        assert "the application form downloaded is the one uploaded, byte for byte" in run.stdout
        assert '"rule":"R-FLOW-1"' in run.stdout  # the out-of-order step at the end is refused
    numbers = [set(re.findall(r'"certificate_number":"([^"]+)"', run.stdout)) for run in (first, second)]
    assert all(len(n) == 1 for n in numbers) and numbers[0] != numbers[1]


def test_a_failing_step_says_which_step_and_what_the_registry_answered(live_demo: dict[str, str],
                                                                      tmp_path: Path) -> None:
    elsewhere = {**live_demo, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'not-the-servers.db'}"}

    result = walk(elsewhere, tmp_path)

    assert result.returncode == 1
    assert re.search(r"walkthrough: POST /people/[0-9a-f-]+/registrations answered HTTP 401", result.stderr)
    assert '"type":"urn:cems-registry:problem:unauthenticated"' in result.stderr


def test_without_a_server_it_says_so_before_making_anything(tmp_path: Path) -> None:
    env = {**os.environ, "API": f"http://127.0.0.1:{free_port()}/api/v1",
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'walk.db'}"}

    result = walk(env, tmp_path)

    assert result.returncode == 1
    assert "no answer from" in result.stderr and "make run" in result.stderr
    assert not (tmp_path / "walk.db").exists()
