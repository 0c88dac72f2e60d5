"""The witness (``api/witness.py``; c2sp.org/tlog-witness; R-REC-4, issue 26): it cosigns a checkpoint of a log it
trusts only when it is consistent with the last it cosigned, and refuses a fork, a rollback, a bad proof and a
checkpoint the log did not sign, each with the spec's status. Its cosignature is checked with our ``open_note`` and
with the spec's formula by hand (Go's sumdb/note ignores cosignature/v1 keys)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.testclient import TestClient

from api.keys import raw_public
from api.signed_note import open_note, parse, parse_verifier_key
from api.witness import AddCheckpoint, Refused, State, Witness, app, parse_log
from registry.merkle import consistency_path
from tests.witnesses import LOG, ORIGIN, body, note, tree

OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
NAME = "regulator.example.cn/witness"
NOW = 1_790_000_000


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[Witness]:
    state = State(tmp_path / "state.db").open()
    yield Witness(NAME, WITNESS_KEY, {ORIGIN: [LOG]}, state, clock=lambda: NOW)
    state.close()


def status(witness: Witness, request: bytes) -> int:
    try:
        witness.add_checkpoint(request)
    except Refused as e:
        return e.status
    return 200


def test_a_first_checkpoint_is_cosigned_and_the_cosignature_verifies_as_the_spec_computes_it(
        witness: Witness) -> None:
    line = witness.add_checkpoint(body(0, 5))
    text = note(5)
    opened = open_note(text + line, [witness.verifier])  # the log's own lines are of keys not given: ignored
    cosignature = opened.by(witness.verifier)
    assert cosignature is not None and cosignature.timestamp == NOW
    # By hand: key id SHA-256(name ‖ \n ‖ 0x04 ‖ key)[:4]; payload time (u64 big-endian) ‖ Ed25519 over
    # "cosignature/v1\ntime <t>\n" ‖ body.
    public = raw_public(WITNESS_KEY.public_key())
    assert cosignature.key_id == hashlib.sha256(NAME.encode() + b"\n\x04" + public).digest()[:4]
    body_text = parse(text).text
    WITNESS_KEY.public_key().verify(cosignature.payload[8:], f"cosignature/v1\ntime {NOW}\n{body_text}".encode())
    assert cosignature.payload[:8] == struct.pack(">Q", NOW)
    assert parse_verifier_key(witness.verifier.vkey) == witness.verifier


def test_a_consistent_larger_checkpoint_is_cosigned(witness: Witness) -> None:
    witness.add_checkpoint(body(0, 5))
    assert status(witness, body(5, 13)) == 200
    assert status(witness, body(13, 13)) == 200  # the same checkpoint again: cosigned again
    assert witness.state.logs[ORIGIN].size == 13


def test_r_rec_4_a_forked_log_two_checkpoints_of_one_size_is_refused_409(witness: Witness) -> None:
    witness.add_checkpoint(body(0, 8))
    assert status(witness, body(8, 8, salt=b"fork")) == 409
    assert witness.state.logs[ORIGIN].size == 8 and witness.state.logs[ORIGIN].root == tree(8).root()


def test_r_rec_4_a_fork_at_a_larger_size_fails_its_proof_422(witness: Witness) -> None:
    witness.add_checkpoint(body(0, 8))
    forked = tree(12, b"fork")
    assert status(witness, body(8, 12, salt=b"fork", proof=consistency_path(forked.subtree, 8, 12))) == 422


def test_r_rec_4_a_rolled_back_log_is_refused(witness: Witness) -> None:
    witness.add_checkpoint(body(0, 10))
    assert status(witness, body(10, 6)) == 400  # old above the checkpoint's size
    with pytest.raises(Refused) as refused:
        witness.add_checkpoint(body(6, 6))  # claims the witness saw 6: it saw 10
    assert (refused.value.status, refused.value.known_size) == (409, 10)


def test_a_stale_old_size_is_answered_409_with_the_size_cosigned_last(witness: Witness) -> None:
    witness.add_checkpoint(body(0, 4))
    with pytest.raises(Refused) as refused:
        witness.add_checkpoint(body(0, 9))
    assert (refused.value.status, refused.value.known_size) == (409, 4)


def test_a_bad_consistency_proof_is_refused_422(witness: Witness) -> None:
    witness.add_checkpoint(body(0, 5))
    good = consistency_path(tree(9).subtree, 5, 9)
    assert status(witness, body(5, 9, proof=[bytes(32), *good[1:]])) == 422
    assert status(witness, body(5, 9, proof=good[:-1])) == 422
    assert witness.state.logs[ORIGIN].size == 5


def test_a_checkpoint_not_signed_by_the_logs_key_is_refused_403_and_an_unknown_log_404(witness: Witness) -> None:
    assert status(witness, body(0, 5, key=OTHER_KEY)) == 403
    unknown = note(3).replace(ORIGIN, "elsewhere.example/log")
    assert status(witness, AddCheckpoint(0, (), unknown).encode()) == 404


def test_malformed_requests_are_refused_400(witness: Witness) -> None:
    assert status(witness, b"old 01\n\n" + note(3).encode()) == 400
    assert status(witness, b"new 0\n\n" + note(3).encode()) == 400
    assert status(witness, b"old 0\n" + note(3).encode()) == 400  # no empty line before the checkpoint
    assert status(witness, b"old 0\nnot base64!\n\n" + note(3).encode()) == 400
    assert status(witness, body(0, 5, proof=[bytes(32)])) == 400  # a proof from 0 is empty
    assert status(witness, b"old 0\n\n" + note(3).encode()[:-1]) == 400


def test_the_state_is_on_disk_before_the_answer_and_read_back_by_a_new_witness(tmp_path: Path) -> None:
    state = State(tmp_path / "state.db").open()
    Witness(NAME, WITNESS_KEY, {ORIGIN: [LOG]}, state).add_checkpoint(body(0, 7))
    state.close()
    again = State(tmp_path / "state.db").open()
    assert again.logs[ORIGIN].size == 7 and again.logs[ORIGIN].root == tree(7).root()
    with pytest.raises(RuntimeError, match="another witness"):
        State(tmp_path / "state.db").open()  # one process per state file
    again.close()


def test_the_http_interface_answers_as_the_spec_says(witness: Witness) -> None:
    client = TestClient(app(witness))
    ok = client.post("/add-checkpoint", content=body(0, 5))
    assert ok.status_code == 200 and ok.text.startswith(f"— {NAME} ") and ok.text.endswith("\n")
    stale = client.post("/add-checkpoint", content=body(0, 6))
    assert stale.status_code == 409 and stale.text == "5\n"
    assert stale.headers["content-type"].split(";")[0] == "text/x.tlog.size"
    assert client.get("/").text == witness.verifier.vkey + "\n"


def test_a_log_is_configured_as_origin_equals_vkey_or_by_its_vkey_alone() -> None:
    assert parse_log(f"{ORIGIN}={LOG.vkey}") == (ORIGIN, LOG)
    assert parse_log(LOG.vkey) == (ORIGIN, LOG)


def test_a_body_above_the_limit_is_refused_413_without_being_read_whole(witness: Witness) -> None:
    client = TestClient(app(witness))
    assert client.post("/add-checkpoint", content=b"old 0\n" + b"A" * (70 * 1024)).status_code == 413
