"""Key rotation against the running API on PostgreSQL (``api/keys.py``): a key rotated by another process (the
`registry keys rotate` of an operator) is signed with at once, both keys are published with their validity, and
every QR token and checkpoint signed before still verifies: online (``/verify``), and offline (``registry qr
verify``, ``registry log export`` and ``registry log verify --keys``). In production, no key is made at start-up."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api import keys
from api.app import create_app
from api.cli import main
from api.settings import Settings
from api.signing import KeyFileError, public_key_from_base64
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.entries import timestamp_message
from registry.values import Actor, Role
from tests.conftest import STAFF_SINCE

BASE = "https://registry.example.cn"
SYSTEM = Actor(None, Role.SYSTEM)


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[Path, Path]:
    """Both keys, made before the start as an operator makes them (`registry keys init`)."""
    qr, checkpoint = tmp_path / "keys" / "signing.key", tmp_path / "keys" / "checkpoint.key"
    for path in (qr, checkpoint):
        keys.make(path, keys.parse_stamp("2026-01-01T00:00:00Z"))
    return qr, checkpoint


def settings_of(qr: Path, checkpoint: Path) -> Settings:
    return Settings(signing_key=str(qr), checkpoint_key=str(checkpoint), public_base_url=BASE,
                    checkpoint_interval=0.1, run_scheduler=False, production=True)


@pytest.fixture
def client(registry: Registry, key_files: tuple[Path, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_of(*key_files), registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, pg_url: str, key_files: tuple[Path, Path]) -> None:
    """The command line's variables: the same database and key files as the API's."""
    monkeypatch.setenv("REGISTRY_DATABASE_URL", pg_url)
    monkeypatch.setenv("REGISTRY_SIGNING_KEY", str(key_files[0]))
    monkeypatch.setenv("REGISTRY_CHECKPOINT_KEY", str(key_files[1]))
    monkeypatch.setenv("REGISTRY_PRODUCTION", "true")


def certify(client: TestClient, registry: Registry, start: date) -> str:
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), start).to_certificate()
    assert walk.number
    assert client.app.state.views.wait(registry.recorder.max_notification_id(), 10)  # type: ignore[attr-defined]
    return walk.number


def verify_url_of(client: TestClient, number: str) -> str:
    url: str = client.get(f"/api/v1/public/certificates/{number}").json()["verify_url"]
    return url


def key_of(url: str) -> str:
    token = parse_qs(urlsplit(url).query)["t"][0]
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    return payload.split("\n")[1]


def published(client: TestClient, use: str) -> list[dict[str, Any]]:
    return [k for k in client.get("/api/v1/public/keys").json()["keys"] if k["use"] == use]


def checkpoint_covering(client: TestClient, registry: Registry, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.get("/api/v1/log/checkpoint", params={"after": registry.recorder.max_notification_id()},
                        headers=headers)
    assert answer.status_code == 200, answer.text
    checkpoint: dict[str, Any] = answer.json()
    return checkpoint


def regulator(registry: Registry) -> dict[str, str]:
    _, token = registry.add_user("rotation-regulator", ["regulator"], None)
    return {"Authorization": f"Bearer {token}"}


def test_after_a_qr_key_rotation_an_old_token_still_matches_and_both_keys_are_published_with_their_validity(
        client: TestClient, registry: Registry, key_files: tuple[Path, Path], cli_env: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    first = certify(client, registry, date(2026, 3, 2))
    old_url = verify_url_of(client, first)
    old_key = key_of(old_url)

    rotated = keys.rotate(key_files[0])  # as `registry keys rotate --use qr` does, from another process
    second = certify(client, registry, date(2026, 4, 6))

    new_url = verify_url_of(client, second)
    assert old_key == rotated.retired.key_id and key_of(new_url) == rotated.current.key_id  # no restart needed
    qr_keys = published(client, "qr")
    assert [k["key_id"] for k in qr_keys] == [rotated.current.key_id, old_key]
    assert qr_keys[0]["valid_until"] is None and qr_keys[0]["valid_from"] == rotated.current.valid_from
    assert qr_keys[1]["valid_from"] == "2026-01-01T00:00:00Z"
    assert qr_keys[1]["valid_until"] == rotated.retired.valid_until is not None
    page = client.get(f"/verify/{first}", params={"t": parse_qs(urlsplit(old_url).query)["t"][0]})
    assert 'data-token="matches"' in page.text
    saved = tmp_path / "keys.json"
    saved.write_text(client.get("/api/v1/public/keys").text)
    for url in (old_url, new_url):
        assert main(["qr", "verify", url, "--keys", str(saved)]) == 0, capsys.readouterr().err
        assert main(["qr", "verify", url]) == 0, capsys.readouterr().err  # the key file's keyring, offline


def test_after_a_checkpoint_key_rotation_every_earlier_checkpoint_still_verifies(
        client: TestClient, registry: Registry, key_files: tuple[Path, Path], cli_env: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    headers = regulator(registry)
    certify(client, registry, date(2026, 3, 2))
    before = checkpoint_covering(client, registry, headers)

    rotated = keys.rotate(key_files[1])
    registry.enrol_person("轮换后的审核员", actor=SYSTEM)
    after = checkpoint_covering(client, registry, headers)

    assert (before["key_id"], after["key_id"]) == (rotated.retired.key_id, rotated.current.key_id)
    listed = {k["key_id"]: k for k in published(client, "checkpoint")}
    kept = client.get("/api/v1/log/checkpoints", headers=headers).json()["items"]
    assert {c["key_id"] for c in kept} == set(listed)
    for checkpoint in kept:  # each under its own key, as a regulator checks it with the published keys
        public = public_key_from_base64(listed[checkpoint["key_id"]]["public_key"])
        public.verify(base64.b64decode(checkpoint["signature"]), checkpoint["note"].encode())
        seconds = int(keys.parse_stamp(checkpoint["timestamp"]).timestamp())
        public.verify(base64.b64decode(checkpoint["timestamp_signature"]),
                      timestamp_message(checkpoint["note"], seconds))
        until = listed[checkpoint["key_id"]]["valid_until"]
        assert until is None or checkpoint["timestamp"] <= until

    exported, saved = tmp_path / "log.jsonl", tmp_path / "keys.json"
    assert main(["log", "export", str(exported)]) == 0
    saved.write_text(client.get("/api/v1/public/keys").text)
    header = json.loads(exported.read_text().splitlines()[0])
    assert {k["key_id"] for k in header["keys"]} == set(listed)
    capsys.readouterr()
    assert main(["log", "verify", str(exported), "--keys", str(saved)]) == 0, capsys.readouterr().err
    assert main(["log", "verify", str(exported), "--key", listed[rotated.current.key_id]["public_key"]]) == 1
    assert f"signed by key {rotated.retired.key_id}, which is not among" in capsys.readouterr().err

    # A retired key does not vouch for a checkpoint dated after its retirement: here, one claimed earlier.
    document = json.loads(saved.read_text())
    for key in document["keys"]:
        if key["key_id"] == rotated.retired.key_id:
            key["valid_until"] = "2026-01-01T00:00:00Z"
    saved.write_text(json.dumps(document))
    assert main(["log", "verify", str(exported), "--keys", str(saved)]) == 1
    assert "was not signed while the key was current" in capsys.readouterr().err


def test_in_production_the_api_does_not_start_without_its_key_files(registry: Registry, tmp_path: Path) -> None:
    qr, checkpoint = tmp_path / "keys" / "signing.key", tmp_path / "keys" / "checkpoint.key"

    with pytest.raises(KeyFileError, match="registry keys init"), TestClient(
            create_app(settings_of(qr, checkpoint), registry=registry)):
        pass
    assert not qr.exists() and not checkpoint.exists()
