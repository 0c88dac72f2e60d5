"""``registry demo`` through the installed console script, on a SQLite file of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from registry.application import Registry, RegistryConfig


def run_registry(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_demo_loads_certificates_in_every_status_once(tmp_path: Path) -> None:
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}

    first = run_registry("demo", cwd=tmp_path, env=env)
    second = run_registry("demo", cwd=tmp_path, env=env)

    assert first.returncode == 0, first.stderr
    for status in ("valid", "suspended", "withdrawn", "cancelled", "expired"):
        assert status in first.stdout
    assert second.stdout == first.stdout  # loading twice changes nothing
    registry = Registry(RegistryConfig(database_url=env["REGISTRY_DATABASE_URL"]))
    try:
        assert registry.get_organization("91110000600037341L").name == "北京绿能电力有限公司"
    finally:
        registry.close()


def test_the_embedded_default_is_a_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}

    result = run_registry("demo", cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "registry.db").exists()


def test_a_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "REGISTRY_DATABASE_URL": "mysql://nope"}

    result = run_registry("demo", cwd=tmp_path, env=env)

    assert result.returncode == 2
    assert "REGISTRY_DATABASE_URL" in result.stderr or "unsupported database URL" in result.stderr


def test_the_demo_keeps_an_expired_certificate_after_the_scheduler_runs(tmp_path: Path) -> None:
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    assert run_registry("demo", cwd=tmp_path, env=env).returncode == 0

    ticked = run_registry("tick", cwd=tmp_path, env=env)  # what `registry serve` runs at start-up
    after = run_registry("demo", cwd=tmp_path, env=env)

    assert ticked.returncode == 0, ticked.stderr
    statuses = [line.split()[1] for line in after.stdout.splitlines()[2:]]
    assert "expired" in statuses, after.stdout
