"""The log's side of witnessing (``api/witnessing.py``; R-REC-4, issue 26), on SQLite and on PostgreSQL: each new
checkpoint goes to each witness with a consistency proof from the size it cosigned last (learned from its 409 when
this log did not know it), the cosignatures of two witnesses are kept beside the checkpoint, append-only and through a
rebuild's clearing, and the note carries both lines after the log's own; a forked witness is named."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.checkpoint_notes import signed_checkpoint
from api.keys import raw_public
from api.signed_note import SignedNote, open_note, parse, sign
from api.witness import SIZE_TYPE, Refused, State, Witness
from api.witnessing import SplitView, WitnessConfig, Witnesses, Witnessing, parse_witnesses
from projections.log import LogView
from registry.merkle import leaf_hash
from store import open_store
from tests.conftest import view_store_url
from tests.witnesses import LOG, LOG_KEY, ORIGIN, Fixed

AT = datetime(2026, 12, 1, tzinfo=UTC)


class Direct:
    """A witness answered in this process, as its HTTP interface would answer (``api.witness.app``)."""

    def __init__(self, witness: Witness) -> None:
        self.witness, self.sent = witness, 0

    def post(self, body: bytes) -> tuple[int, str, str]:
        self.sent += 1
        try:
            return 200, "text/plain", self.witness.add_checkpoint(body)
        except Refused as e:
            if e.known_size is not None:
                return e.status, SIZE_TYPE, f"{e.known_size}\n"
            return e.status, "text/plain", e.reason


@pytest.fixture(params=["sqlite", "postgres"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LogView]:
    store = open_store(view_store_url(request, tmp_path))
    view: LogView = store.open_view(LogView, "log")
    view.create_view_tables()
    yield view
    store.close()


def grow(log: LogView, size: int) -> None:
    have = log.size()
    log.append_leaves(range(have + 1, size + 1), [leaf_hash(i.to_bytes(8, "big")) for i in range(have, size)],
                      "Registry:log")
    log.make_checkpoint(Fixed(LOG_KEY), ORIGIN, AT)


def keys() -> dict[str, bytes]:
    return {Fixed(LOG_KEY).current().key_id: raw_public(LOG_KEY.public_key())}


def witness(tmp_path: Path, name: str) -> tuple[Direct, WitnessConfig]:
    key = Ed25519PrivateKey.generate()
    state = State(tmp_path / f"{name.replace('/', '_')}.db").open()
    w = Witness(name, key, {ORIGIN: [LOG]}, state)
    return Direct(w), WitnessConfig(w.verifier, f"http://{name}")


def test_r_rec_4_cosignatures_of_two_witnesses_are_kept_and_carried_by_the_note(log: LogView, tmp_path: Path) -> None:
    (a, config_a), (b, config_b) = witness(tmp_path, "w1.example/w"), witness(tmp_path, "w2.example/w")
    witnesses = Witnesses((config_a, config_b), 2)
    sending = Witnessing(witnesses, lambda c: str(signed_checkpoint(c, keys())))
    sending._log = log
    grow(log, 5)
    for direct, config in ((a, config_a), (b, config_b)):
        assert sending.send(config, direct, [None]) is not None
    grow(log, 12)
    known: list[int | None] = [None]  # read from what this log kept: 5
    assert sending.send(config_a, a, known) is not None and (known[0], a.sent) == (12, 2)
    assert sending.send(config_a, a, known) is None and a.sent == 2  # cosigned already: nothing sent
    assert sending.send(config_b, b, [0]) is not None and b.sent == 3  # a 409 said 5, then it was cosigned
    cosignatures = log.cosignatures([12])[12]
    assert witnesses.cosigners(cosignatures) == ["w1.example/w", "w2.example/w"]
    assert witnesses.witnessed(cosignatures) and not Witnesses((config_a, config_b), 2).witnessed(cosignatures[:1])
    checkpoint = log.checkpoint()
    assert checkpoint is not None
    note = str(signed_checkpoint(checkpoint, keys(), cosignatures))
    lines = parse(note).signatures
    assert [s.name for s in lines] == [ORIGIN, ORIGIN, "w1.example/w", "w2.example/w"]
    opened = open_note(note, [LOG, config_a.key, config_b.key])
    assert len(opened.verified) == 3  # the log's signature and both cosignatures (its time's key is not given)
    log.clear()  # a rebuild's: the cosignatures stay, as the checkpoints do
    assert log.cosignatures([5, 12]) == {5: log.cosignatures([5])[5], 12: cosignatures}
    assert log.cosigned_size("w1.example/w", config_a.key_id) == 12


def test_r_rec_4_a_witness_that_cosigned_another_root_is_named_as_a_fork(log: LogView, tmp_path: Path) -> None:
    direct, config = witness(tmp_path, "w.example/w")
    forked = leaf_hash(b"another history")
    root = base64.b64encode(forked).decode()  # the witness saw another tree of 4 leaves
    other = f"{ORIGIN}\n4\n{root}\n"
    direct.witness.add_checkpoint(b"old 0\n\n" + str(SignedNote(other, (sign(other, ORIGIN, LOG_KEY),))).encode())
    sending = Witnessing(Witnesses((config,), 1), lambda c: str(signed_checkpoint(c, keys())))
    sending._log = log
    grow(log, 4)
    with pytest.raises(SplitView, match="fork"):
        sending.send(config, direct, [None])
    assert log.cosignatures([4])[4] == []


def test_witnesses_are_configured_as_vkey_and_url_with_a_quorum_of_all_by_default(tmp_path: Path) -> None:
    (_, a), (_, b) = witness(tmp_path, "w1.example/w"), witness(tmp_path, "w2.example/w")
    parsed = parse_witnesses(f"{a.key.vkey} https://w1.example/w/ ;\n{b.key.vkey} http://127.0.0.1:9/", None)
    assert [(w.name, w.url) for w in parsed.witnesses] == [("w1.example/w", "https://w1.example/w"),
                                                           ("w2.example/w", "http://127.0.0.1:9")]
    assert parsed.quorum == 2 and parse_witnesses("", None) == Witnesses()
    for wrong, quorum in ((f"{a.key.vkey}", None), (f"{LOG.vkey} http://x", None), (f"{a.key.vkey} ftp://x", None),
                          (f"{a.key.vkey} http://x", 2), (f"{a.key.vkey} http://x", 0)):
        with pytest.raises(ValueError):
            parse_witnesses(wrong, quorum)


def test_r_rec_2_a_kept_cosignature_is_never_updated_or_deleted(log: LogView, tmp_path: Path) -> None:
    direct, config = witness(tmp_path, "w.example/w")
    sending = Witnessing(Witnesses((config,), 1), lambda c: str(signed_checkpoint(c, keys())))
    sending._log = log
    grow(log, 3)
    sending.send(config, direct, [None])
    for statement in ("UPDATE {} SET timestamp = 0", "DELETE FROM {}"):
        with pytest.raises(Exception, match="append-only|R-REC-2"), log.cursor(commit=True) as curs:
            curs.execute(statement.format(log.table("log_cosignatures")))
    assert len(log.cosignatures([3])[3]) == 1


def test_r_rec_4_a_witness_that_cosigned_a_tree_this_log_does_not_extend_is_named_422(log: LogView,
                                                                                    tmp_path: Path) -> None:
    direct, config = witness(tmp_path, "w.example/w")
    other = f"{ORIGIN}\n2\n{base64.b64encode(leaf_hash(b'another history')).decode()}\n"
    direct.witness.add_checkpoint(b"old 0\n\n" + str(SignedNote(other, (sign(other, ORIGIN, LOG_KEY),))).encode())
    sending = Witnessing(Witnesses((config,), 1), lambda c: str(signed_checkpoint(c, keys())))
    sending._log = log
    grow(log, 6)
    with pytest.raises(SplitView, match="does not extend"):
        sending.send(config, direct, [2])
