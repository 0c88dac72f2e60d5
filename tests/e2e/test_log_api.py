"""R-REC-4 over HTTP (API.md, Regulator: the log): what a regulator reads from ``/api/v1/log/*`` is enough to prove,
with nothing but the published checkpoint key, that the history it was shown is the history that was signed.

Every check here is made the way an outside verifier would make it: signatures with the public key from
``/api/v1/public/keys``, leaf hashes and roots recomputed from the entry bytes (RFC 9162 §2.1.1, written out below
from the RFC, not taken from the product), proofs checked with ``registry.merkle``'s verifiers (tested against the
RFC and Certificate Transparency vectors in tests/unit/test_merkle.py).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from registry import merkle
from registry.application import Registry
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, PROBLEM, HttpWalk, bearer, problem

LOG = f"{API}/log"
LOG_PATHS = ("/checkpoint", "/checkpoints", "/entries?start=0&end=1", "/proofs/inclusion?position=1",
             "/proofs/consistency?first=1")


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    """Keys of their own in ``tmp_path`` (the QR key and the checkpoint key apart), checkpoints every 0.1 s, no
    scheduler writing on its own."""
    values: dict[str, Any] = {"signing_key": str(tmp_path / "signing.key"),
                              "checkpoint_key": str(tmp_path / "checkpoint.key"),
                              "public_base_url": "https://registry.example.cn", "checkpoint_interval": 0.1,
                              "run_scheduler": False}
    return Settings(**{**values, **overrides})


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    """The conftest's client, with its checkpoint key in a temporary directory and a short checkpoint interval."""
    with TestClient(create_app(settings_for(tmp_path), registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def walk(client: TestClient, callers: Callers) -> HttpWalk:
    """A certificate granted over HTTP, then suspended: a history of a few dozen events."""
    walk = HttpWalk(client, callers).to_certificate()
    walk.suspend(date(2026, 6, 1))
    return walk


# An outside verifier's own arithmetic (RFC 9162 §2.1.1)


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def mth(leaves: list[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaf hashes, by the RFC's recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def read(client: TestClient, path: str, caller: Caller, **params: Any) -> Any:
    response = client.get(f"{LOG}{path}", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def covering(client: TestClient, caller: Caller, position: int) -> dict[str, Any]:
    """The latest checkpoint once one covers log ``position`` (``?after=``: no sleeping)."""
    checkpoint: dict[str, Any] = read(client, "/checkpoint", caller, after=position)
    return checkpoint


def checkpoint_key(client: TestClient) -> tuple[str, Ed25519PublicKey]:
    """The id and key of the one key /api/v1/public/keys publishes for use checkpoint."""
    response = client.get(f"{API}/public/keys")
    assert response.status_code == 200, response.text
    keys = response.json()["keys"]
    listed = [k for k in keys if k["use"] == "checkpoint"]
    assert len(listed) == 1, keys
    assert listed[0]["algorithm"] == "Ed25519"
    qr = [k for k in keys if k["use"] == "qr"]
    assert qr and qr[0]["key_id"] != listed[0]["key_id"], "the checkpoint key is a key of its own"
    raw = base64.b64decode(listed[0]["public_key"], validate=True)
    assert listed[0]["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    return listed[0]["key_id"], Ed25519PublicKey.from_public_bytes(raw)


def signed(checkpoint: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """Whether both of a checkpoint's signatures hold under ``key``: the note's and the time's (C2SP cosignature)."""
    stamp = datetime.strptime(checkpoint["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    note = checkpoint["note"].encode("utf-8")
    try:
        key.verify(base64.b64decode(checkpoint["signature"], validate=True), note)
        key.verify(base64.b64decode(checkpoint["timestamp_signature"], validate=True),
                   b"cosignature/v1\ntime %d\n" % int(stamp.timestamp()) + note)
    except InvalidSignature:
        return False
    return True


def all_entries(client: TestClient, caller: Caller, size: int, page: int = 7) -> list[dict[str, Any]]:
    """Every entry of the tree of ``size`` leaves, read ``page`` at a time with start and end."""
    out: list[dict[str, Any]] = []
    for start in range(0, size, page):
        end = min(size, start + page)
        body = read(client, "/entries", caller, start=start, end=end)
        assert (body["start"], body["end"]) == (start, end)
        assert body["tree_size"] >= size
        assert [e["leaf_index"] for e in body["entries"]] == list(range(start, end))
        out.extend(body["entries"])
    return out


# The signed checkpoint


def test_r_rec_4_the_latest_checkpoint_is_signed_by_the_published_checkpoint_key(
        client: TestClient, callers: Callers, walk: HttpWalk, registry: Registry) -> None:
    head = walk.answers["suspension"]["position"]

    checkpoint = covering(client, callers.regulator, head)

    key_id, key = checkpoint_key(client)
    assert checkpoint["key_id"] == key_id
    assert checkpoint["origin"] == "registry.example.cn/log"
    root = bytes.fromhex(checkpoint["root_hash"])
    assert len(root) == 32
    assert checkpoint["note"] == f"{checkpoint['origin']}\n{checkpoint['size']}\n{base64.b64encode(root).decode()}\n"
    assert checkpoint["timestamp"].endswith("Z") and len(checkpoint["timestamp"]) == len("2026-11-24T04:00:00Z")
    assert checkpoint["size"] == len(list(registry.recorder.select_notifications(1, 10_000)))  # every event so far
    assert signed(checkpoint, key)
    # the check can fail: the same signatures do not hold for another size, root or time
    for field, value in (("note", checkpoint["note"].replace(f"\n{checkpoint['size']}\n",
                                                              f"\n{checkpoint['size'] + 1}\n")),
                         ("timestamp", "2026-11-24T05:00:00Z"),
                         ("signature", checkpoint["timestamp_signature"])):
        assert not signed({**checkpoint, field: value}, key), field
    # the latest without ?after= and the one kept for its size are the same signed checkpoint
    assert read(client, "/checkpoint", callers.regulator) == checkpoint
    assert read(client, "/checkpoint", callers.regulator, size=checkpoint["size"]) == checkpoint
    assert read(client, "/checkpoints", callers.regulator)["items"][-1] == checkpoint


def test_r_rec_4_any_staff_role_may_read_the_log_too(client: TestClient, callers: Callers, walk: HttpWalk) -> None:
    checkpoint = covering(client, callers.regulator, walk.answers["suspension"]["position"])
    for caller in (callers.intake, callers.leader, callers.decision, callers.admin):
        assert read(client, "/checkpoint", caller, size=checkpoint["size"]) == checkpoint


# Entries: every leaf recomputed


def test_r_rec_4_every_leaf_recomputed_from_the_entries_gives_the_signed_root(
        client: TestClient, callers: Callers, walk: HttpWalk, registry: Registry) -> None:
    checkpoint = covering(client, callers.regulator, walk.answers["suspension"]["position"])
    size = checkpoint["size"]

    entries = all_entries(client, callers.regulator, size)

    assert len(entries) == size
    leaves = []
    for e in entries:
        data = base64.b64decode(e["entry"], validate=True)
        assert base64.b64encode(data).decode() == e["entry"]
        assert leaf_hash(data).hex() == e["leaf_hash"], e["leaf_index"]
        leaves.append(leaf_hash(data))
        # the entry bytes carry what the listing says (registry/entries.py, format 1)
        fmt, position, originator, version, topic_length = struct.unpack_from(">BQ16sQH", data)
        topic = data[35:35 + topic_length].decode()
        (state_length,) = struct.unpack_from(">I", data, 35 + topic_length)
        assert (fmt, position, str(UUID(bytes=originator)), version, topic) == (
            1, e["position"], e["originator_id"], e["version"], e["topic"])
        assert len(data) == 35 + topic_length + 4 + state_length
    assert mth(leaves).hex() == checkpoint["root_hash"]
    # the leaves are the stored events, in log order, each once
    stored = list(registry.recorder.select_notifications(1, size))
    assert [e["position"] for e in entries] == [n.id for n in stored]
    assert [base64.b64decode(e["entry"]) for e in entries][-1].endswith(bytes(stored[-1].state))
    # without end, a page of at most 100 from start
    assert read(client, "/entries", callers.regulator, start=size - 2)["entries"] == entries[-2:]
    # an entry altered by one byte no longer reproduces the signed root
    altered = bytearray(base64.b64decode(entries[3]["entry"]))
    altered[-2] ^= 0x01
    assert mth([*leaves[:3], leaf_hash(bytes(altered)), *leaves[4:]]).hex() != checkpoint["root_hash"]


# Inclusion: each history event is in the signed tree


def test_r_rec_4_each_history_event_is_a_leaf_proved_included_in_the_signed_root(
        client: TestClient, callers: Callers, walk: HttpWalk) -> None:
    checkpoint = covering(client, callers.regulator, walk.answers["suspension"]["position"])
    size, root = checkpoint["size"], bytes.fromhex(checkpoint["root_hash"])
    entries = {e["position"]: e for e in all_entries(client, callers.regulator, size, page=50)}
    history = walk.certificate_history() + walk.organization_history()
    assert len(history) > 10
    assert {"Granted", "Suspended"} <= {e["type"] for e in history}

    for event in history:
        entry = entries[event["position"]]
        assert event["leaf_hash"] == entry["leaf_hash"] == leaf_hash(base64.b64decode(entry["entry"])).hex()
        proof = read(client, "/proofs/inclusion", callers.regulator, position=event["position"], size=size)
        assert (proof["leaf_index"], proof["tree_size"], proof["leaf_hash"]) == (
            entry["leaf_index"], size, event["leaf_hash"])
        assert proof["root_hash"] == checkpoint["root_hash"]
        path = [bytes.fromhex(p) for p in proof["audit_path"]]
        assert merkle.root_from_inclusion(proof["leaf_index"], size, bytes.fromhex(event["leaf_hash"]), path) == root
        # the same path does not lead an altered leaf to the signed root
        forged = hashlib.sha256(b"\x00forged").digest()
        assert merkle.root_from_inclusion(proof["leaf_index"], size, forged, path) != root
    # without size, the proof is in the tree of the latest checkpoint
    last = history[-1]["position"]
    latest = read(client, "/checkpoint", callers.regulator)
    assert read(client, "/proofs/inclusion", callers.regulator, position=last)["root_hash"] == latest["root_hash"]


# Consistency: the old checkpoint's tree is a prefix of the new one's


def test_r_rec_4_after_more_writes_the_new_checkpoint_is_consistent_with_the_old(
        client: TestClient, callers: Callers, walk: HttpWalk) -> None:
    _, key = checkpoint_key(client)
    old = covering(client, callers.regulator, walk.answers["suspension"]["position"])
    suspended = [e for e in walk.certificate_history() if e["type"] == "Suspended"][0]

    more = HttpWalk(client, callers).to_certificate()
    new = covering(client, callers.regulator, more.answers["decision"]["position"])

    assert new["size"] > old["size"]
    assert signed(old, key) and signed(new, key)
    assert new["timestamp"] >= old["timestamp"]
    proof = read(client, "/proofs/consistency", callers.regulator, first=old["size"], second=new["size"])
    assert (proof["first"], proof["second"]) == (old["size"], new["size"])
    assert (proof["first_root_hash"], proof["second_root_hash"]) == (old["root_hash"], new["root_hash"])
    path = [bytes.fromhex(p) for p in proof["consistency_path"]]
    old_root, new_root = bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"])
    assert merkle.verify_consistency(old["size"], new["size"], old_root, new_root, path)
    # the proof holds only for the roots that were signed
    assert not merkle.verify_consistency(old["size"], new["size"], hashlib.sha256(b"other").digest(), new_root, path)
    assert not merkle.verify_consistency(old["size"], new["size"], old_root, hashlib.sha256(b"other").digest(), path)
    # without second, the proof goes to the latest checkpoint
    latest = read(client, "/checkpoint", callers.regulator)
    assert read(client, "/proofs/consistency", callers.regulator, first=old["size"])["second"] == latest["size"]
    # the old checkpoint is kept as it was signed; the list goes smallest first
    assert read(client, "/checkpoint", callers.regulator, size=old["size"]) == old
    kept = read(client, "/checkpoints", callers.regulator)["items"]
    assert old in kept and new in kept
    assert [c["size"] for c in kept] == sorted({c["size"] for c in kept})
    assert all(signed(c, key) for c in kept)
    after = read(client, "/checkpoints", callers.regulator, after_size=old["size"], limit=1)["items"]
    assert len(after) == 1 and after[0]["size"] > old["size"]
    # an event signed in the old tree is still proved in it, against the old root
    proof = read(client, "/proofs/inclusion", callers.regulator, position=suspended["position"], size=old["size"])
    assert merkle.root_from_inclusion(proof["leaf_index"], old["size"], bytes.fromhex(suspended["leaf_hash"]),
                                      [bytes.fromhex(p) for p in proof["audit_path"]]) == old_root


# Refusals


def test_r_rec_4_proofs_and_ranges_the_tree_cannot_give_are_problems(
        client: TestClient, callers: Callers, walk: HttpWalk) -> None:
    checkpoint = covering(client, callers.regulator, walk.answers["suspension"]["position"])
    size, reader = checkpoint["size"], callers.regulator.headers
    tree = read(client, "/entries", callers.regulator, start=0, end=1)["tree_size"]
    last = walk.answers["suspension"]["position"]

    def get(path: str, **params: Any) -> Any:
        return client.get(f"{LOG}{path}", params=params, headers=reader)

    problem(get("/proofs/inclusion", position=last + 10_000), 404)  # no event there
    problem(get("/proofs/inclusion", position=last, size=1), 404)  # an event not in that tree
    problem(get("/proofs/inclusion", position=1, size=tree + 1), 422)  # a size beyond the tree
    problem(get("/proofs/inclusion", position=0), 422)
    problem(get("/proofs/consistency", first=size, second=size - 1), 422)  # first > second
    problem(get("/proofs/consistency", first=1, second=tree + 1), 422)
    problem(get("/proofs/consistency", first=tree + 1), 422)  # beyond the latest checkpoint
    problem(get("/proofs/consistency", first=0, second=size), 422)
    problem(get("/entries", start=0, end=1001), 422)  # more than 1000 at once
    problem(get("/entries", start=5, end=4), 422)
    problem(get("/entries", start=0, end=tree + 1), 422)
    problem(get("/checkpoint", size=size + 10_000), 404)  # no checkpoint of that size is kept
    for path, name in (("/proofs/inclusion", "position"), ("/proofs/consistency", "first"), ("/entries", "start"),
                       ("/checkpoint", "after"), ("/checkpoints", "after_size")):
        problem(get(path, **{name: 2**64}), 422)  # past a log position's 64 bits: a field, not a 500
    assert get("/entries", start=0, end=min(tree, 1000)).status_code == 200


def test_r_rec_4_the_log_is_not_public(client: TestClient, callers: Callers, walk: HttpWalk) -> None:
    """No token, or a token that is not one, reads nothing of /api/v1/log/*: a 401 problem asking for a Bearer."""
    covering(client, callers.regulator, walk.answers["suspension"]["position"])
    for path in LOG_PATHS:
        assert client.get(f"{LOG}{path}", headers=callers.regulator.headers).status_code == 200, path
        response = client.get(f"{LOG}{path}")
        body = problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer", path
        assert "root_hash" not in body and "entries" not in body
        problem(client.get(f"{LOG}{path}", headers=bearer("not-a-token")), 401)


def test_r_rec_4_a_checkpoint_that_cannot_come_in_time_is_a_503_problem(
        registry: Registry, callers: Callers, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, after_timeout=0.3)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as client:
        head = registry.recorder.max_notification_id() or 0
        assert covering(client, callers.regulator, head)["size"] > 0

        beyond = client.get(f"{LOG}/checkpoint", params={"after": head + 1000}, headers=callers.regulator.headers)
    with TestClient(create_app(settings_for(tmp_path, after_timeout=0.3, run_projections=False), registry=registry),
                    raise_server_exceptions=False) as idle:
        registry.add_user("新监管员", ["regulator"], None)  # a write these views never reach
        response = idle.get(f"{LOG}/checkpoint", params={"after": registry.recorder.max_notification_id()},
                            headers=callers.regulator.headers)

    problem(beyond, 422)  # no write has reached that position yet: said at once, nothing waits for it
    problem(response, 503)
    assert response.headers["content-type"].startswith(PROBLEM)
