"""R-REC-4, issue 26: a regulator checks the witnesses' cosignatures offline, with their own witnesses' keys.

- ``registry log export`` carries each checkpoint's cosignature lines (format ``cems-log-export/2``), and
  ``registry log verify FILE --witness VKEY … [--quorum N]`` checks them: a witness's line that does not hold is a
  flaw, too few cosigners is a flaw, lines of witnesses not given are reported and left alone (as C2SP says), and a
  ``cems-log-export/1`` file (no cosignatures) still verifies.
- ``GET /api/v1/certificates/{number}/proof`` proves against the latest checkpoint the quorum of configured witnesses
  cosigned, where one covers every event; ``registry proof verify FILE --keys FILE --witness VKEY`` checks it with the
  saved key list (a retired key only for what it signed while current) and the witnesses' keys.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.cli import main
from api.cli.common import open_parts
from api.signed_note import COSIGNATURE_V1, NoteVerifier, cosign, verifier
from projections.cosignatures import Cosignature
from projections.log import Checkpoint, LogView
from registry.application import Registry
from registry.values import Actor, Role
from tests.e2e.test_certificate_proof import Proving, proving_app
from tests.e2e.test_log_export import Export, export, open_registry, registry_env

SYSTEM_ACTOR = Actor(None, Role.SYSTEM)
NAMES = ("regulator-a.example.cn/witness", "regulator-b.example.cn/witness", "regulator-c.example.cn/witness")


class Witness:
    """A witness's key, cosigning checkpoints the way `registry witness serve` does (c2sp.org/tlog-cosignature)."""

    def __init__(self, name: str) -> None:
        self.name, self.key = name, Ed25519PrivateKey.generate()
        self.verifier: NoteVerifier = verifier(name, self.key.public_key(), COSIGNATURE_V1)

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def cosign(self, log: LogView, checkpoint: Checkpoint) -> None:
        line = cosign(checkpoint.note, self.name, self.key, checkpoint.unix_seconds + 1)
        assert line.timestamp is not None
        log.add_cosignature(Cosignature(checkpoint.size, self.name, line.key_id.hex(), line.timestamp,
                                        base64.b64encode(line.payload[8:]).decode("ascii")))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def witness_options(*witnesses: Witness) -> list[str]:
    return [arg for w in witnesses for arg in ("--witness", w.vkey)]


# The export


def cosign_latest(env: dict[str, str], *witnesses: Witness) -> int:
    """The latest kept checkpoint cosigned by ``witnesses``, as the registry keeps what they answer; its size."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with open_parts() as parts:
            log = parts.views.log
            latest = log.checkpoint()
            assert latest is not None
            for w in witnesses:
                w.cosign(log, latest)
            return latest.size


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Export, int, list[Witness]]:
    """A log whose first checkpoint two witnesses cosigned, exported after it grew (the last checkpoint is new)."""
    directory = tmp_path_factory.mktemp("witnessed")
    env = registry_env(directory, "registry.db")
    app = open_registry(env)
    try:
        for name in ("张三", "李四", "王五"):
            app.enrol_person(name, actor=SYSTEM_ACTOR)
    finally:
        app.close()
    export(env, directory / "first.log")
    a, b = Witness(NAMES[0]), Witness(NAMES[1])
    size = cosign_latest(env, a, b)
    app = open_registry(env)
    try:
        app.enrol_person("赵六", actor=SYSTEM_ACTOR)
    finally:
        app.close()
    return Export(export(env, directory / "witnessed.log")), size, [a, b]


def test_r_rec_4_issue_26_an_export_carries_the_cosignatures_and_verify_checks_the_witnesses_given(
        witnessed: tuple[Export, int, list[Witness]], capsys: pytest.CaptureFixture[str]) -> None:
    exported, size, (a, b) = witnessed
    assert exported.header["format"] == "cems-log-export/2"
    lines = [json.loads(line) for line in exported.lines if line.startswith('{"checkpoint":')]
    cosigned = [line for line in lines if "cosignatures" in line]
    assert [line["checkpoint"]["size"] for line in cosigned] == [size] and lines[-1]["checkpoint"]["size"] > size
    assert [c.split(" ")[1] for c in cosigned[0]["cosignatures"]] == [a.name, b.name]
    assert all(c.startswith("— ") for c in cosigned[0]["cosignatures"])

    code, out, err = run(capsys, "log", "verify", str(exported.path), *witness_options(a, b))
    assert (code, err) == (0, ""), err
    assert f"witnessed: the checkpoint of {size} leaves is cosigned by 2 of the 2 witnesses given ({a.name}, " \
           f"{b.name})" in out and f"{size} 个叶的检查点由所给 2 位见证人中的 2 位副署" in out

    code, out, _ = run(capsys, "log", "verify", str(exported.path))
    assert code == 0 and "2 witness cosignatures not checked: give their keys with --witness" in out

    c = Witness(NAMES[2])  # the regulator's own witness, which never saw this log
    code, out, _ = run(capsys, "log", "verify", str(exported.path), *witness_options(a, c), "--quorum", "1")
    assert code == 0 and f"cosigned by 1 of the 2 witnesses given ({a.name})" in out
    code, _, err = run(capsys, "log", "verify", str(exported.path), *witness_options(a, c))
    assert code == 1 and "no checkpoint of the export is cosigned by 2 of the 2 witnesses given (at most 1)" in err
    code, out, _ = run(capsys, "log", "verify", str(exported.path), *witness_options(c), "--quorum", "1")
    assert code == 1
    for wrong in (["--witness", a.vkey, "--quorum", "2"], ["--quorum", "1"], ["--witness", "not+a+key"]):
        assert run(capsys, "log", "verify", str(exported.path), *wrong)[0] == 2, wrong


def test_r_rec_4_issue_26_a_forged_or_altered_cosignature_is_a_flaw_under_its_witness_key_only(
        witnessed: tuple[Export, int, list[Witness]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported, size, (a, b) = witnessed
    lines = exported.lines
    index = next(i for i, line in enumerate(lines) if '"cosignatures"' in line)
    record = json.loads(lines[index])
    name, encoded = record["cosignatures"][0][2:].split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1  # the last byte of the witness's signature
    record["cosignatures"][0] = f"— {name} {base64.b64encode(bytes(raw)).decode()}"
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"
    altered = tmp_path / "altered.log"
    altered.write_text("".join(lines), encoding="ascii")

    code, _, err = run(capsys, "log", "verify", str(altered), *witness_options(a, b))
    assert code == 1 and f"line {index + 1}: the checkpoint of {size} leaves" in err
    assert f"the cosignature of witness {a.name}" in err and "does not hold" in err
    # Without the witness's key the line is a witness's word not checked, as C2SP reads unknown keys' lines.
    code, out, _ = run(capsys, "log", "verify", str(altered), *witness_options(b))
    assert code == 0 and f"cosigned by 1 of the 1 witnesses given ({b.name})" in out

    record["cosignatures"] = ["not a signature line"]
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"
    altered.write_text("".join(lines), encoding="ascii")
    code, _, err = run(capsys, "log", "verify", str(altered))
    assert code == 1 and "is not a signature line" in err


def test_r_rec_4_issue_26_an_export_of_format_1_verifies_without_cosignatures_and_refuses_them(
        witnessed: tuple[Export, int, list[Witness]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported, _, (a, _b) = witnessed
    lines = exported.lines
    lines[0] = json.dumps({**exported.header, "format": "cems-log-export/1"}, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=True) + "\n"
    old = tmp_path / "old.log"
    old.write_text("".join(lines), encoding="ascii")
    code, _, err = run(capsys, "log", "verify", str(old))
    assert code == 1 and "and nothing else" in err  # cosignatures were not in /1
    stripped = []
    for line in lines:
        if '"cosignatures"' in line:
            record = json.loads(line)
            del record["cosignatures"]
            line = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"
        stripped.append(line)
    old.write_text("".join(stripped), encoding="ascii")
    assert run(capsys, "log", "verify", str(old))[0] == 0
    code, out, _ = run(capsys, "log", "verify", str(old), *witness_options(a), "--quorum", "1")
    assert code == 1  # nobody vouches for a file without cosignatures when a witness is asked for


# The offline proof


@pytest.fixture
def witnessed_proving(registry: Registry, tmp_path: Path) -> Iterator[tuple[Proving, Witness]]:
    """A certificate and an app configured with one witness (which is down: its cosignatures are put in by hand,
    as the registry keeps a witness's answer)."""
    w = Witness(NAMES[0])
    yield from ((proving, w) for proving in proving_app(
        registry, tmp_path, witnesses=f"{w.vkey} http://127.0.0.1:9", witness_retry=600.0, witness_timeout=0.5))


def test_r_rec_4_issue_26_a_proof_is_made_against_the_latest_witnessed_checkpoint_and_verify_checks_it(
        witnessed_proving: tuple[Proving, Witness], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proving, w = witnessed_proving
    proving.covered()
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(proving.client.get("/api/v1/public/keys").text, encoding="utf-8")
    path = tmp_path / "proof.json"

    path.write_bytes(proving.proof().content)  # nothing cosigned yet: the latest checkpoint
    assert run(capsys, "proof", "verify", str(path), "--keys", str(keys_file))[0] == 0
    code, _, err = run(capsys, "proof", "verify", str(path), "--keys", str(keys_file), *witness_options(w))
    assert code == 1 and "the checkpoint is cosigned by 0 of the 1 witnesses given, not 1" in err

    log: LogView = proving.client.app.state.views.log  # type: ignore[attr-defined]
    cosigned = log.checkpoint()
    assert cosigned is not None
    w.cosign(log, cosigned)
    proving.registry.enrol_person("之后的事件 a later event", actor=SYSTEM_ACTOR)
    proving.covered()  # a newer checkpoint, which the witness has not cosigned
    latest = log.checkpoint()
    assert latest is not None and latest.size > cosigned.size

    path.write_bytes(proving.proof().content)
    note = json.loads(path.read_bytes())["checkpoint"]
    assert note.split("\n")[1] == str(cosigned.size) and f"— {w.name} " in note
    code, out, err = run(capsys, "proof", "verify", str(path), "--keys", str(keys_file), *witness_options(w))
    assert (code, err) == (0, ""), err
    assert f"witnessed: 1 of the 1 witnesses given cosigned the checkpoint ({w.name})" in out
    other = Witness(NAMES[1])
    code, _, err = run(capsys, "proof", "verify", str(path), "--key", proving.vkey, *witness_options(w, other))
    assert code == 1 and f"cosigned by 1 of the 2 witnesses given, not 2: nobody else vouches for it ({w.name}" in err
    code, out, _ = run(capsys, "proof", "verify", str(path), "--key", proving.vkey)
    assert code == 0 and "1 further signature lines (witnesses') not checked" in out


def test_r_rec_4_issue_26_proof_verify_keys_trusts_a_retired_key_only_for_what_it_signed_while_current(
        registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = proving_app(registry, tmp_path)  # held: the app runs until the generator is closed
    proving = next(app)
    proving.covered()
    path = tmp_path / "proof.json"
    path.write_bytes(proving.proof().content)
    listed = proving.client.get("/api/v1/public/keys").json()
    keys_file = tmp_path / "keys.json"
    for entry in listed["keys"]:
        if entry["use"] == "checkpoint":
            entry["valid_until"] = f"{date(2026, 11, 1).isoformat()}T00:00:00Z"  # before the checkpoint's time
    keys_file.write_text(json.dumps(listed), encoding="utf-8")
    code, _, err = run(capsys, "proof", "verify", str(path), "--keys", str(keys_file))
    assert code == 1 and "the checkpoint is dated after its key" in err and "was retired (2026-11-01T00:00:00Z)" in err
    keys_file.write_text(json.dumps({"keys": [e for e in listed["keys"] if e["use"] == "qr"]}), encoding="utf-8")
    assert run(capsys, "proof", "verify", str(path), "--keys", str(keys_file))[0] == 2  # no checkpoint key in it
    assert run(capsys, "proof", "verify", str(path))[0] == 2  # no key at all
    app.close()
