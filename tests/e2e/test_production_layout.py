"""The production layout of docker-compose.yml, without Docker: the same processes, started by the same commands with
the same variables, on the real PostgreSQL. API workers that neither write the read models nor run the scheduler, one
``registry projections run`` that keeps them (and signs the log's checkpoints), one ``registry scheduler``."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.cli import build_parser
from api.settings import Settings
from tests.live import answers, free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def test_the_compose_file_runs_one_projection_process_one_scheduler_and_api_workers_that_do_neither() -> None:
    services = compose()["services"]
    commands = {name: s["command"] for name, s in services.items() if name != "postgres"}
    parser = build_parser()
    ran = {name: parser.parse_args(command).run.__name__ for name, command in commands.items()}
    assert sorted(ran.values()) == ["projections_run", "scheduler_service", "serve"], ran
    api = next(services[name] for name, run in ran.items() if run == "serve")
    api_env = environment(api)
    assert api_env["REGISTRY_RUN_PROJECTIONS"] == "false" and api_env["REGISTRY_RUN_SCHEDULER"] == "false"
    assert api_env["REGISTRY_WORKERS"].startswith("${REGISTRY_WORKERS:-")
    assert int(api_env["REGISTRY_WORKERS"].split(":-")[1].rstrip("}")) > 1


def test_every_registry_service_is_configured_by_the_same_variables_each_a_real_setting() -> None:
    services = compose()["services"]
    registries = [s for name, s in services.items() if name != "postgres"]
    known = {f"REGISTRY_{name.upper()}" for name in Settings.model_fields}
    shared = ("REGISTRY_DATABASE_URL", "REGISTRY_SIGNING_KEY", "REGISTRY_CHECKPOINT_KEY", "REGISTRY_PUBLIC_BASE_URL",
              "REGISTRY_BODY_CODE")
    for service in registries:
        env = environment(service)
        unknown = {k for k in env if k.startswith("REGISTRY_")} - known
        assert not unknown, f"{service['command']}: not settings: {unknown}"
        for name in shared:
            assert env[name] == environment(registries[0])[name], name
        assert "keys:/keys" in service["volumes"]  # the keys live in one volume: the checkpoint key is shared
    assert environment(registries[0])["REGISTRY_DATABASE_URL"].startswith("postgresql://")


def test_the_compose_file_requires_a_database_password_and_runs_in_production() -> None:
    loaded = compose()
    postgres = environment(loaded["services"]["postgres"])
    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")  # no default: unset, it will not start
    for name, service in loaded["services"].items():
        if name != "postgres":
            env = environment(service)
            assert env["REGISTRY_PRODUCTION"] == "true", name
            assert "${POSTGRES_PASSWORD:?" in env["REGISTRY_DATABASE_URL"], name


@pytest.mark.skipif(not (shutil.which("docker") or shutil.which("docker-compose")), reason="no Docker Compose here")
def test_docker_compose_config_parses_the_file() -> None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        if subprocess.run([*command, "version"], capture_output=True, check=False).returncode != 0:
            continue  # the Docker CLI without its Compose plugin: try Compose v1
        unset = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
        result = subprocess.run([*command, "config", "--quiet"], cwd=ROOT, capture_output=True, text=True,
                                check=False, env={**unset, "POSTGRES_PASSWORD": "a-password"})
        assert result.returncode == 0, result.stderr
        refused = subprocess.run([*command, "config", "--quiet"], cwd=ROOT, capture_output=True, text=True,
                                 check=False, env=unset)
        assert refused.returncode != 0 and "POSTGRES_PASSWORD must be set" in refused.stderr
        return
    pytest.skip("Docker without Compose here")


@pytest.fixture
def layout(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], list[subprocess.Popen[bytes]]]]:
    """The processes of docker-compose.yml, each started as the file starts it, with the file's variables."""
    services = compose()["services"]
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    port = free_port()
    local = {"REGISTRY_DATABASE_URL": pg_url, "REGISTRY_SIGNING_KEY": str(tmp_path / "keys" / "signing.key"),
             "REGISTRY_CHECKPOINT_KEY": str(tmp_path / "keys" / "checkpoint.key"),
             "REGISTRY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "REGISTRY_WORKERS": "2"}
    started: list[subprocess.Popen[bytes]] = []
    logs = []

    def env_of(service: str) -> dict[str, str]:
        env = {**os.environ, **{k: v for k, v in environment(services[service]).items() if k.startswith("REGISTRY")},
               **local}
        return {k: v for k, v in env.items() if "${" not in v}

    # The keys first, as an operator makes them (README): in production no process makes one at start-up.
    subprocess.run([exe, "keys", "init"], cwd=tmp_path, env=env_of("api"), capture_output=True, check=True)
    try:
        for name in ("projections", "scheduler", "api"):
            env = env_of(name)
            command = [c if c != "8000" else str(port) for c in services[name]["command"]]
            command = [c if c != "0.0.0.0" else "127.0.0.1" for c in command]
            log = (tmp_path / f"{name}.log").open("w")
            logs.append(log)
            started.append(subprocess.Popen([exe, *command], cwd=tmp_path, env=env, stdout=log, stderr=log))
        base = f"http://127.0.0.1:{port}"
        if not answers(f"{base}/api/v1/ping", 60):  # its workers start in turn: slower on a busy machine
            pytest.fail(f"registry serve did not start: {(tmp_path / 'api.log').read_text()}")
        yield base, {**os.environ, **local, "REGISTRY": exe, "API": f"{base}/api/v1"}, started
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=15)
        for log in logs:
            log.close()


def workers_of(pid: int) -> int:
    children = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children += int(fields[1]) == pid
    return children


def test_the_layout_certifies_publishes_and_signs_with_the_read_models_kept_by_their_own_process(
        layout: tuple[str, dict[str, str], list[subprocess.Popen[bytes]]], tmp_path: Path) -> None:
    base, env, (projections, scheduler, api) = layout
    assert workers_of(api.pid) >= 2  # uvicorn's worker processes

    result = subprocess.run(["bash", str(ROOT / "docs" / "walkthrough.sh")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr

    # The API workers keep no read model: the public lookup is there because the projection process wrote it.
    deadline = time.monotonic() + 20
    while (lookup := httpx.get(f"{base}/api/v1/public/certificates/CB-CEMS-2026-00001")).status_code == 404:
        assert time.monotonic() < deadline, (tmp_path / "projections.log").read_text()
        time.sleep(0.2)
    assert lookup.status_code == 200 and lookup.json()["status"] == "valid"

    # … and it signed a checkpoint of the whole log, with the key the API publishes.
    added = subprocess.run([env["REGISTRY"], "user", "add", "layout-regulator", "--role", "regulator"], env=env,
                           capture_output=True, text=True, check=True)
    regulator = {"Authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}
    head = httpx.get(f"{base}/api/v1/health").json()["views"]["log_head"]
    while (checkpoint := httpx.get(f"{base}/api/v1/log/checkpoint", headers=regulator)).status_code != 200 \
            or checkpoint.json()["size"] < head:
        assert time.monotonic() < deadline, (tmp_path / "projections.log").read_text()
        time.sleep(0.2)
    signed = checkpoint.json()
    keys = httpx.get(f"{base}/api/v1/public/keys").json()["keys"]
    key = next(k for k in keys if k["key_id"] == signed["key_id"] and k["use"] == "checkpoint")
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(base64.b64decode(signed["signature"]), signed["note"].encode())  # raises if it does not hold
    assert projections.poll() is None and scheduler.poll() is None and api.poll() is None
