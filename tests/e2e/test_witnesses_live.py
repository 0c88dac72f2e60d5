"""R-REC-4, issue 26: the registry on PostgreSQL, keeping its views and signing checkpoints as it runs, with TWO
real witnesses (`registry witness serve`, each a process of its own): a checkpoint cosigned by both, its note carrying
both lines after the log's own; one witness killed with SIGKILL, and the registry still publishes, showing the
quorum unmet; the witness restarted keeps its state, refuses a rollback, and cosigns again."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from api import keys
from api.app import create_app
from api.settings import Settings
from api.signed_note import open_note, parse, parse_verifier_key, verifier
from api.witness import AddCheckpoint
from registry.application import Registry
from registry.values import Actor, Role
from tests.live import free_port
from tests.witnesses import witness_process

ORIGIN = "registry.example.cn/log"
SYSTEM = Actor(None, Role.SYSTEM)
NAMES = ("regulator-a.example.cn/witness", "regulator-b.example.cn/witness")


@pytest.fixture
def log_vkey(tmp_path: Path) -> str:
    key = keys.make(tmp_path / "keys" / "checkpoint.key", keys.parse_stamp("2026-01-01T00:00:00Z"))
    return verifier(ORIGIN, key.public_key()).vkey


def until(what: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"not within {seconds:g} s", pytrace=False)


@pytest.fixture
def regulator(registry: Registry) -> dict[str, str]:
    _, token = registry.add_user("witness-regulator", ["regulator"], None)
    return {"Authorization": f"Bearer {token}"}


def served_after(client: TestClient, registry: Registry, headers: dict[str, str], name: str,
                 cosigners: list[str]) -> dict[str, Any]:
    """An event written, then the checkpoint that covers it once ``cosigners`` have cosigned it."""
    registry.enrol_person(name, actor=SYSTEM)
    position = registry.recorder.max_notification_id()
    covering = client.get("/api/v1/log/checkpoint", params={"after": position}, headers=headers)
    assert covering.status_code == 200, covering.text
    size = covering.json()["size"]

    def cosigned() -> dict[str, Any] | None:
        answer: dict[str, Any] = client.get("/api/v1/log/checkpoint", headers=headers).json()
        return answer if answer["size"] >= size and answer["cosigners"] == cosigners else None

    found: dict[str, Any] = until(cosigned)
    return found


def test_r_rec_4_two_witnesses_cosign_and_one_killed_leaves_the_registry_publishing_unwitnessed(
        registry: Registry, tmp_path: Path, log_vkey: str, regulator: dict[str, str]) -> None:
    logs = [f"{ORIGIN}={log_vkey}"]
    port_a = free_port()
    with witness_process(tmp_path / "a", NAMES[0], logs, port_a) as a, \
            witness_process(tmp_path / "b", NAMES[1], logs) as b:
        settings = Settings(signing_key=str(tmp_path / "keys" / "signing.key"),
                            checkpoint_key=str(tmp_path / "keys" / "checkpoint.key"),
                            public_base_url="https://registry.example.cn", checkpoint_interval=0.1,
                            run_scheduler=False, witnesses=f"{a.vkey} {a.url};\n{b.vkey} {b.url}",
                            witness_timeout=2.0, witness_retry=0.5)
        witness_keys = [parse_verifier_key(a.vkey), parse_verifier_key(b.vkey)]
        with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as client:
            both = served_after(client, registry, regulator, "两位见证人 two witnesses", list(NAMES))
            assert both["witnessed"] and (both["witnesses"], both["witness_quorum"]) == (2, 2)
            note = client.get("/log/checkpoint").text
            assert note == both["signed_note"]
            assert [s.name for s in parse(note).signatures] == [ORIGIN, ORIGIN, *NAMES]
            assert len(open_note(note, witness_keys).verified) == 2  # both cosignatures hold

            a.kill()
            kept = client.get("/api/v1/log/checkpoints", headers=regulator).json()["items"]
            last = max(c["size"] for c in kept if NAMES[0] in c["cosigners"])
            started = time.monotonic()
            one = served_after(client, registry, regulator, "一位见证人 one witness", [NAMES[1]])
            assert time.monotonic() - started < 10  # the registry published on, a witness down
            assert not one["witnessed"] and one["size"] > both["size"]
            assert len(parse(one["signed_note"]).signatures) == 3

            with witness_process(tmp_path / "a", NAMES[0], logs, port_a) as again:
                assert again.vkey == a.vkey
                rolled_back = AddCheckpoint(0, (), both["signed_note"]).encode()
                refused = httpx.post(f"{again.url}/add-checkpoint", content=rolled_back, timeout=5)
                # Kept through kill -9: at least the last size the registry kept its cosignature of (it may have
                # cosigned one more whose answer the kill cut off), never the 0 of a witness that forgot.
                assert refused.status_code == 409 and int(refused.text) >= last >= both["size"]
                back = served_after(client, registry, regulator, "见证人回来了 witness back", list(NAMES))
                assert back["witnessed"] and back["size"] > one["size"]


