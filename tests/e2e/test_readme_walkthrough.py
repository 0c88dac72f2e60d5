"""The README's curl walkthrough (docs/walkthrough.sh) against a live ``registry serve`` on a SQLite file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import answers, free_port

ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'walk.db'}"}
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as err:
        server = subprocess.Popen([exe, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                                  stdout=subprocess.DEVNULL, stderr=err)
        try:
            if not answers(f"{base}/openapi.json", 10):
                pytest.fail(f"registry serve did not start: {log.read_text()}")
            yield base, {**env, "REGISTRY": exe, "API": f"{base}/api/v1"}
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_the_readme_walkthrough_certifies_one_organisation_with_curl(live_server: tuple[str, dict[str, str]],
                                                                    tmp_path: Path) -> None:
    _, env = live_server

    result = subprocess.run(["bash", str(ROOT / "docs" / "walkthrough.sh")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    assert '"certificate_number":"CB-CEMS-2026-00001"' in result.stdout
    assert '"status":"valid"' in result.stdout
    assert '"type":"Granted"' in result.stdout  # the regulator's history shows the decision
    assert '"rule":"R-FLOW-1"' in result.stdout  # the out-of-order step at the end is refused
