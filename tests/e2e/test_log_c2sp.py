"""R-REC-4 for verifiers nobody here wrote: the log's checkpoints as C2SP signed notes (``GET /log/checkpoint``,
``api/checkpoint_notes.py``), checked by Go's ``golang.org/x/mod/sumdb/note`` as Debian ships it
(``tests/third_party.py``), with nothing but the verifier key ``/api/v1/public/keys`` publishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import keys
from api.app import create_app
from api.checkpoint_notes import open_checkpoint
from api.settings import Settings
from api.signed_note import MalformedNote, NoteRefused, parse_verifier_key
from registry.application import Registry
from registry.values import Actor, Role
from tests.third_party import GoVerifier

ORIGIN = "registry.example.cn/log"
SYSTEM = Actor(None, Role.SYSTEM)


@pytest.fixture
def checkpoint_key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "checkpoint.key"
    keys.make(path, keys.parse_stamp("2026-01-01T00:00:00Z"))
    return path


@pytest.fixture
def client(registry: Registry, tmp_path: Path, checkpoint_key: Path) -> Iterator[TestClient]:
    settings = Settings(signing_key=str(tmp_path / "keys" / "signing.key"), checkpoint_key=str(checkpoint_key),
                        public_base_url="https://registry.example.cn", checkpoint_interval=0.1, run_scheduler=False)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def regulator(registry: Registry) -> dict[str, str]:
    _, token = registry.add_user("c2sp-regulator", ["regulator"], None)
    return {"Authorization": f"Bearer {token}"}


def written_and_signed(client: TestClient, registry: Registry, headers: dict[str, str], name: str) -> bytes:
    """An event written, and the signed note of the checkpoint that covers it, as ``GET /log/checkpoint`` serves it."""
    registry.enrol_person(name, actor=SYSTEM)
    covering = client.get("/api/v1/log/checkpoint", params={"after": registry.recorder.max_notification_id()},
                          headers=headers)
    assert covering.status_code == 200, covering.text
    served = client.get("/log/checkpoint")  # no token: public
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.text == covering.json()["signed_note"]  # the JSON carries the same note
    return served.content


def verifier_keys(client: TestClient) -> list[dict[str, Any]]:
    return [k for k in client.get("/api/v1/public/keys").json()["keys"] if k["use"] == "checkpoint"]


def test_r_rec_4_gos_sumdb_note_verifies_the_checkpoint_with_the_published_verifier_key(
        client: TestClient, registry: Registry, regulator: dict[str, str], go_verifier: GoVerifier) -> None:
    note = written_and_signed(client, registry, regulator, "第三方核验 third party")
    (key,) = verifier_keys(client)
    vkey = key["note_verifier_key"]
    assert vkey.startswith(f"{ORIGIN}+")

    verdict = go_verifier.note(note, vkey)

    assert verdict.holds, verdict.err
    latest = client.get("/api/v1/log/checkpoint", headers=regulator).json()
    assert verdict.out == f"verified {ORIGIN} {vkey.split('+')[1]}\n{latest['note']}"
    opened = open_checkpoint(note, [parse_verifier_key(vkey)])  # ours agrees, and reads the signed time
    assert (opened.size, opened.root.hex(), opened.unix_seconds) == (latest["size"], latest["root_hash"],
                                                                    int(keys.parse_stamp(latest["timestamp"])
                                                                        .timestamp()))


def test_r_rec_4_one_byte_changed_in_the_body_or_the_logs_signature_and_gos_sumdb_note_refuses(
        client: TestClient, registry: Registry, regulator: dict[str, str], go_verifier: GoVerifier) -> None:
    note = written_and_signed(client, registry, regulator, "改动一个字节 one byte")
    (key,) = verifier_keys(client)
    body, signature = note.split(b"\n\n")[0], note.split(b"\n")[4]
    signature_at, name_at = len(body) + 2, len(body) + 2 + len("— ".encode())
    # Never the last character before base64's '=': Go ignores its unused bits (this registry refuses them).
    positions = {"the origin": 0, "the size": len(ORIGIN) + 1, "the root hash": len(ORIGIN) + 4,
                 "the root's end": len(body) - 3, "the blank line": len(body) + 1, "the em dash": signature_at,
                 "the key name": name_at + 1, "the key id": name_at + len(ORIGIN) + 2,
                 "the signature": signature_at + len(signature) - 20}
    assert go_verifier.note(note, key["note_verifier_key"]).holds
    for what, at in positions.items():
        changed = note[:at] + bytes([note[at] ^ 0x02]) + note[at + 1:]
        verdict = go_verifier.note(changed, key["note_verifier_key"])
        assert not verdict.holds, f"{what} (byte {at}) changed, and Go's note.Open still accepts the note"
        assert verdict.err.startswith("refused: ")


def test_r_rec_4_any_byte_changed_and_the_checkpoint_no_longer_opens_with_its_signed_time(
        client: TestClient, registry: Registry, regulator: dict[str, str]) -> None:
    """Go's note ignores the time's cosignature/v1 line, as it ignores every key it was not given (C2SP); a reader
    of the log's checkpoints asks for both lines, so no byte anywhere can change unnoticed."""
    note = written_and_signed(client, registry, regulator, "每个字节 every byte")
    log_key = parse_verifier_key(verifier_keys(client)[0]["note_verifier_key"])
    open_checkpoint(note, [log_key])
    for at in range(len(note)):
        with pytest.raises((NoteRefused, MalformedNote, ValueError)):
            open_checkpoint(note[:at] + bytes([note[at] ^ 0x01]) + note[at + 1:], [log_key])


def test_r_rec_4_a_checkpoint_signed_before_a_key_rotation_is_served_the_same_and_verifies_under_its_old_key(
        client: TestClient, registry: Registry, regulator: dict[str, str], checkpoint_key: Path,
        go_verifier: GoVerifier) -> None:
    before = written_and_signed(client, registry, regulator, "轮换之前 before")
    size = int(before.split(b"\n")[1])

    rotated = keys.rotate(checkpoint_key)  # as `registry keys rotate --use checkpoint` does, from another process
    after = written_and_signed(client, registry, regulator, "轮换之后 after")

    listed = {k["key_id"]: k["note_verifier_key"] for k in verifier_keys(client)}
    old, new = listed[rotated.retired.key_id], listed[rotated.current.key_id]
    kept = client.get("/api/v1/log/checkpoint", params={"size": size}, headers=regulator).json()
    assert kept["signed_note"].encode("utf-8") == before  # served again byte for byte
    assert go_verifier.note(before, old).holds and go_verifier.note(after, new).holds
    assert go_verifier.note(before, old, new).holds  # a reader holding every published key checks both
    refused = go_verifier.note(before, new)  # the new key never signed it
    assert not refused.holds and "no verifiable signatures" in refused.err
