"""R-REC-4 on a regulator's own machine: ``registry log export FILE`` and ``registry log verify FILE [--checkpoint C]
[--key B64]`` through ``api.cli.main``, on SQLite files of their own (and once on PostgreSQL, against the API).

An export holds every entry and every kept checkpoint (``api/log_export.py``). Whatever is done to it — an entry
altered, removed, added, duplicated or moved, a checkpoint's root, size, time or signature changed, another key put
in the header, any single byte flipped — verification names the flaw and its line and exits 1. A tail cut off
together with the checkpoints that covered it still verifies on its own; the checkpoint the regulator kept from
before (``--checkpoint``) or the key they trust (``--key``) is what catches it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api import keys
from api.app import create_app
from api.cli import main
from api.log_format import Flaw
from api.log_verify import verify
from api.settings import Settings
from api.signing import Signer, key_id, load_private_key, raw_public
from demo.scenario import Walk, enrol_staff
from projections.log import sign_checkpoint
from registry.application import Registry
from registry.clock import FixedClock
from registry.entries import Entry
from registry.values import Actor, Role
from tests.conftest import STAFF_SINCE, TODAY
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk
from tests.factories import certified

SYSTEM = Actor(None, Role.SYSTEM)


# An outside verifier's own arithmetic (RFC 9162 §2.1.1) and spelling (the file's canonical JSON)


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


# The logs


def registry_env(directory: Path, database: str) -> dict[str, str]:
    """A SQLite database in ``directory``; the QR and checkpoint keys beside it (one pair for every database)."""
    return {"REGISTRY_DATABASE_URL": f"sqlite:///{directory / database}",
            "REGISTRY_SIGNING_KEY": str(directory / "signing.key"),
            "REGISTRY_CHECKPOINT_KEY": str(directory / "checkpoint.key")}


def open_registry(env: dict[str, str]) -> Registry:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        return Registry(Settings().registry_config(), FixedClock(TODAY))


def export(env: dict[str, str], path: Path) -> Path:
    """``registry log export path`` with ``env``; it must succeed."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        assert main(["log", "export", str(path)]) == 0
    return path


@dataclass(frozen=True)
class Export:
    """An export's lines (each ending in a line break) and what they hold; lines are numbered from 1."""

    path: Path

    @property
    def lines(self) -> list[str]:
        return self.path.read_text(encoding="ascii").splitlines(keepends=True)

    @property
    def header(self) -> dict[str, Any]:
        header: dict[str, Any] = json.loads(self.lines[0])
        return header

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines[1:] if line.startswith('{"entry":')]

    @property
    def checkpoints(self) -> list[dict[str, Any]]:
        return [json.loads(line)["checkpoint"] for line in self.lines if line.startswith('{"checkpoint":')]

    def entry_line(self, leaf: int) -> int:
        return leaf + 2

    def checkpoint_line(self, index: int) -> int:
        return len(self.entries) + 2 + index

    def covering(self, leaf: int) -> int:
        """The index of the first checkpoint that covers ``leaf``."""
        return next(i for i, c in enumerate(self.checkpoints) if c["size"] > leaf)


@dataclass(frozen=True)
class Logs:
    directory: Path
    env: dict[str, str]
    first: Export  # after the first writes: one checkpoint
    second: Export  # after more writes: two
    final: Export  # after more again: three
    tiny: Export  # another database, same key: two entries, two checkpoints
    key: str  # the checkpoint key, base64 of its raw public bytes (as /api/v1/public/keys lists it)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Logs:
    """A certificate's whole story in one SQLite log, exported three times as it grows; and a tiny other log."""
    directory = tmp_path_factory.mktemp("log")
    env = registry_env(directory, "registry.db")
    app = open_registry(env)
    try:
        staff = enrol_staff(app, STAFF_SINCE)
        number = certified(Walk(app, staff, date(2026, 3, 2)))
    finally:
        app.close()
    first = export(env, directory / "first.log")
    app = open_registry(env)
    try:
        app.suspend(number, date(2026, 6, 1), date(2026, 6, 1), "enforcement_penalty", "受到行政处罚",
                    actor=staff.decision)
    finally:
        app.close()
    second = export(env, directory / "second.log")
    app = open_registry(env)
    try:
        app.reinstate(number, date(2026, 7, 1), "整改完成", actor=staff.decision)
        app.enrol_person("新审核员", actor=staff.admin)
    finally:
        app.close()
    final = export(env, directory / "final.log")

    tiny_env = registry_env(directory, "tiny.db")
    app = open_registry(tiny_env)
    app.enrol_person("张三", actor=SYSTEM)
    app.close()
    export(tiny_env, directory / "tiny-1.log")
    app = open_registry(tiny_env)
    app.enrol_person("李四", actor=SYSTEM)
    app.close()
    tiny = export(tiny_env, directory / "tiny.log")

    public = raw_public(load_private_key(directory / "checkpoint.key").public_key())
    return Logs(directory, env, Export(first), Export(second), Export(final), Export(tiny),
                base64.b64encode(public).decode("ascii"))


def log_verify(capsys: pytest.CaptureFixture[str], path: Path, *options: str) -> tuple[int, str, str]:
    """``registry log verify path options``: exit status, stdout, stderr. It reads no setting: it is offline."""
    capsys.readouterr()
    code = main(["log", "verify", str(path), *options])
    out = capsys.readouterr()
    return code, out.out, out.err


def flawed(result: tuple[int, str, str], line: int | None, *words: str) -> None:
    """Verification failed (exit 1) naming the flaw (``words``) and its line."""
    code, out, err = result
    assert code == 1, (code, out, err)
    assert "FLAW" in err and "验证通过" not in out and "OK " not in out, err
    if line is not None:
        assert f": line {line}: " in err, (line, err)
    for word in words:
        assert word in err, (word, err)


def write(directory: Path, name: str, lines: list[str]) -> Path:
    path = directory / name
    path.write_text("".join(lines), encoding="ascii")
    return path


def entry_of(line: str) -> Entry:
    return Entry.decode(base64.b64decode(json.loads(line)["entry"]))


def entry_line(entry: Entry, leaf: int) -> str:
    return canonical({"entry": base64.b64encode(entry.encode()).decode("ascii"), "leaf_index": leaf,
                      "position": entry.position})


def renumbered(lines: list[str]) -> list[str]:
    """Entry lines with their leaf indexes made to run 0, 1, 2, … again (what a careful forger would do)."""
    out, leaf = [], 0
    for line in lines:
        if line.startswith('{"entry":'):
            line = canonical({**json.loads(line), "leaf_index": leaf})
            leaf += 1
        out.append(line)
    return out


def with_checkpoint(lines: list[str], number: int, **changes: Any) -> list[str]:
    """``lines`` with the checkpoint on line ``number`` changed, still in the canonical form."""
    out = list(lines)
    body = json.loads(out[number - 1])["checkpoint"]
    out[number - 1] = canonical({"checkpoint": {**body, **changes}})
    return out


def note(body: dict[str, Any], size: int, root: str) -> str:
    return f"{body['origin']}\n{size}\n{base64.b64encode(bytes.fromhex(root)).decode()}\n"


def save(directory: Path, name: str, checkpoint: dict[str, Any]) -> Path:
    """A checkpoint kept by a regulator: the JSON the API (or the file) had, saved as it was."""
    path = directory / name
    path.write_text(json.dumps(checkpoint, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# What an export is


def test_r_rec_4_an_export_verifies_and_holds_every_event_and_kept_checkpoint(
        logs: Logs, capsys: pytest.CaptureFixture[str]) -> None:
    final = logs.final
    code, out, err = log_verify(capsys, final.path)

    assert code == 0, err
    entries, checkpoints = final.entries, final.checkpoints
    assert out.startswith("验证通过") and f"OK {final.path}: {len(entries)} entries" in out
    assert f"{len(checkpoints)} checkpoints" in out and checkpoints[-1]["root_hash"] in out
    # one checkpoint per export so far, smallest first, the last covering every entry
    assert [c["size"] for c in checkpoints] == [len(logs.first.entries), len(logs.second.entries), len(entries)]
    assert logs.second.checkpoints == checkpoints[:2] and logs.first.checkpoints == checkpoints[:1]
    # the entries are the log's events in order, and reproduce every signed root
    app = open_registry(logs.env)
    try:
        stored = list(app.recorder.select_notifications(1, 10_000))
    finally:
        app.close()
    assert [e["position"] for e in entries] == [n.id for n in stored]
    assert [e["leaf_index"] for e in entries] == list(range(len(entries)))
    leaves = [leaf_hash(base64.b64decode(e["entry"])) for e in entries]
    for c in checkpoints:
        assert mth(leaves[:c["size"]]).hex() == c["root_hash"]
    # the header carries the checkpoint key, as /api/v1/public/keys lists it
    public = base64.b64decode(logs.key)
    assert final.header == {"format": "cems-log-export/2", "keys": [
        {"algorithm": "Ed25519", "key_id": hashlib.sha256(public).hexdigest()[:16], "public_key": logs.key,
         "use": "checkpoint"}]}
    assert {c["key_id"] for c in checkpoints} == {final.header["keys"][0]["key_id"]}
    # every line in the one canonical spelling
    assert all(canonical(json.loads(line)) == line for line in final.lines)


def test_r_rec_4_exporting_again_without_new_events_writes_the_same_bytes(
        logs: Logs, capsys: pytest.CaptureFixture[str]) -> None:
    again = export(logs.env, logs.directory / "again.log")

    assert again.read_bytes() == logs.final.path.read_bytes()
    out = capsys.readouterr().out
    assert f"exported {len(logs.final.entries)} entries and 3 checkpoints to {again}" in out
    assert logs.final.checkpoints[-1]["root_hash"] in out


def test_r_rec_4_an_empty_log_has_nothing_to_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in registry_env(tmp_path, "empty.db").items():
        monkeypatch.setenv(name, value)

    assert main(["log", "export", str(tmp_path / "empty.log")]) == 1

    assert "nothing to export" in capsys.readouterr().err
    assert not (tmp_path / "empty.log").exists()


# Tampering: each names the flaw and its line


Tamper = Callable[[Export], tuple[list[str], int | None, str]]


def altered_entry(where: str) -> Tamper:
    """One entry's stored state changed (a date moved back a year), re-encoded: canonical, different bytes."""

    def tamper(export: Export) -> tuple[list[str], int | None, str]:
        sizes = [c["size"] for c in export.checkpoints]
        leaf = {"first": 1, "middle": sizes[0], "last": sizes[-1] - 1}[where]
        lines = export.lines
        entry = entry_of(lines[export.entry_line(leaf) - 1])
        assert b"2026-" in entry.state
        lines[export.entry_line(leaf) - 1] = entry_line(
            dataclasses.replace(entry, state=entry.state.replace(b"2026-", b"2025-", 1)), leaf)
        covering = export.covering(leaf)
        return lines, export.checkpoint_line(covering), (
            f"do not reproduce the root signed for the first {sizes[covering]} leaves")

    return tamper


def removed_entry(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    del lines[export.entry_line(2) - 1]
    return lines, export.entry_line(2), "leaf 2 was expected here, not leaf 3"


def removed_entry_renumbered(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    del lines[export.entry_line(2) - 1]
    size = export.checkpoints[0]["size"]
    return renumbered(lines), export.checkpoint_line(0) - 1, f"root signed for the first {size} leaves"


def swapped_entries(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    a, b = export.entry_line(4) - 1, export.entry_line(5) - 1
    lines[a], lines[b] = lines[b], lines[a]
    return lines, export.entry_line(4), "leaf 4 was expected here, not leaf 5"


def swapped_entries_renumbered(export: Export) -> tuple[list[str], int | None, str]:
    lines, _, _ = swapped_entries(export)
    position = export.entries[4]["position"]
    return renumbered(lines), export.entry_line(5), f"log position {position} does not come after"


def swapped_events_kept_positions(export: Export) -> tuple[list[str], int | None, str]:
    """Two events change places, each re-encoded with the other's position: the lines are all in order."""
    lines = export.lines
    a, b = entry_of(lines[export.entry_line(4) - 1]), entry_of(lines[export.entry_line(5) - 1])
    lines[export.entry_line(4) - 1] = entry_line(dataclasses.replace(b, position=a.position), 4)
    lines[export.entry_line(5) - 1] = entry_line(dataclasses.replace(a, position=b.position), 5)
    covering = export.covering(4)
    return lines, export.checkpoint_line(covering), "root signed for the first"


def duplicated_entry(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    lines.insert(export.entry_line(3), lines[export.entry_line(3) - 1])
    return lines, export.entry_line(4), "leaf 4 was expected here, not leaf 3"


def duplicated_entry_renumbered(export: Export) -> tuple[list[str], int | None, str]:
    lines, _, _ = duplicated_entry(export)
    position = export.entries[3]["position"]
    return renumbered(lines), export.entry_line(4), f"log position {position} does not come after {position}"


def changed_position(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    last = len(export.entries) - 1
    record = json.loads(lines[export.entry_line(last) - 1])
    lines[export.entry_line(last) - 1] = canonical({**record, "position": record["position"] + 5})
    return lines, export.entry_line(last), (
        f"the entry holds log position {record['position']}, the line says {record['position'] + 5}")


def changed_position_in_the_entry_too(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    last = len(export.entries) - 1
    entry = entry_of(lines[export.entry_line(last) - 1])
    lines[export.entry_line(last) - 1] = entry_line(dataclasses.replace(entry, position=entry.position + 5), last)
    return lines, export.checkpoint_line(len(export.checkpoints) - 1), "root signed for the first"


def added_entry(export: Export) -> tuple[list[str], int | None, str]:
    """An event made up and appended after the last, in order, before the checkpoints."""
    lines = export.lines
    n = len(export.entries)
    last = entry_of(lines[export.entry_line(n - 1) - 1])
    lines.insert(export.entry_line(n) - 1, entry_line(dataclasses.replace(last, position=last.position + 1), n))
    return lines, len(lines), f"the last checkpoint covers {n} leaves but the export holds {n + 1} entries"


def inserted_entry_renumbered(export: Export) -> tuple[list[str], int | None, str]:
    """An event slipped in after the first: every later event moved one position on to make room, leaf indexes
    renumbered, so every line is in order."""
    lines = export.lines
    end = export.entry_line(len(export.entries)) - 1
    first = entry_of(lines[1])
    made_up = dataclasses.replace(first, position=first.position + 1, state=b"{}")
    later = [entry_of(line) for line in lines[2:end]]
    lines[2:end] = [entry_line(e, 0) for e in [made_up, *(dataclasses.replace(e, position=e.position + 1)
                                                          for e in later)]]
    return renumbered(lines), export.checkpoint_line(0) + 1, "root signed for the first"


def checkpoint_changed(field: str) -> Tamper:
    """The first checkpoint's ``field`` changed, alone: its note no longer says it, or a signature fails."""

    def tamper(export: Export) -> tuple[list[str], int | None, str]:
        line = export.checkpoint_line(0)
        body = export.checkpoints[0]
        other = export.checkpoints[1]
        value, flaw = {
            "root_hash": (hashlib.sha256(b"another root").hexdigest(), "note does not say its origin, size and root"),
            "size": (body["size"] - 1, "note does not say its origin, size and root"),
            "timestamp": (body["timestamp"][:-3] + f"{(int(body['timestamp'][-3:-1]) + 1) % 60:02d}Z",
                          f"the time signature of the checkpoint of {body['size']} leaves does not hold"),
            "signature": (other["signature"],
                          f"the note signature of the checkpoint of {body['size']} leaves does not hold"),
            "timestamp_signature": (body["signature"],
                                    f"the time signature of the checkpoint of {body['size']} leaves does not hold"),
            "key_id": ("0123456789abcdef", "signed by key 0123456789abcdef, which is not among the keys"),
        }[field]
        return with_checkpoint(export.lines, line, **{field: value}), line, flaw

    return tamper


def checkpoint_forged(field: str) -> Tamper:
    """The first checkpoint's root or size changed together with its note, so the note agrees: the note
    signature fails."""

    def tamper(export: Export) -> tuple[list[str], int | None, str]:
        line, body = export.checkpoint_line(0), export.checkpoints[0]
        size = body["size"] - 1 if field == "size" else body["size"]
        root = hashlib.sha256(b"another root").hexdigest() if field == "root_hash" else body["root_hash"]
        if field == "size":  # the root really of that many leaves, so only the signature can tell
            root = mth([leaf_hash(base64.b64decode(e["entry"])) for e in export.entries[:size]]).hex()
        lines = with_checkpoint(export.lines, line, size=size, root_hash=root, note=note(body, size, root))
        return lines, line, f"the note signature of the checkpoint of {size} leaves does not hold"

    return tamper


def signature_not_canonical(export: Export) -> tuple[list[str], int | None, str]:
    line, body = export.checkpoint_line(1), export.checkpoints[1]
    return with_checkpoint(export.lines, line, signature=body["signature"].rstrip("=")), line, "not canonical base64"


def checkpoints_swapped(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    a, b = export.checkpoint_line(0) - 1, export.checkpoint_line(1) - 1
    lines[a], lines[b] = lines[b], lines[a]
    sizes = [c["size"] for c in export.checkpoints]
    return lines, export.checkpoint_line(1), f"checkpoints go smallest first: {sizes[0]} after {sizes[1]}"


def last_checkpoint_dropped(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines[:-1]
    return lines, len(lines), "entries were added after it"


def tail_entry_dropped(export: Export) -> tuple[list[str], int | None, str]:
    """The last entry cut, every checkpoint kept: the last one covers more than the file holds."""
    lines = export.lines
    del lines[export.entry_line(len(export.entries) - 1) - 1]
    return lines, len(lines), f"covers {len(export.entries)} leaves but the export holds {len(export.entries) - 1}"


def header_key_replaced(export: Export) -> tuple[list[str], int | None, str]:
    """Another key in the header, nothing re-signed: the checkpoints' key is not among those checked against."""
    other = Signer(Path("unused.key"), "https://x", ("checkpoint",), Ed25519PrivateKey.generate())
    lines = export.lines
    lines[0] = canonical({"format": "cems-log-export/1", "keys": [
        {"algorithm": k.algorithm, "key_id": k.key_id, "public_key": k.public_key, "use": k.use}
        for k in other.published()]})
    return lines, export.checkpoint_line(0), (
        f"signed by key {export.checkpoints[0]['key_id']}, which is not among the keys checked against "
        f"({other.key_id})")


def header_public_key_replaced(export: Export) -> tuple[list[str], int | None, str]:
    """Another public key under the genuine key id."""
    lines = export.lines
    header = export.header
    other = base64.b64encode(raw_public(Ed25519PrivateKey.generate().public_key())).decode()
    lines[0] = canonical({**header, "keys": [{**header["keys"][0], "public_key": other}]})
    return lines, 1, "is not the id of its public key"


def header_format_changed(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    lines[0] = canonical({**export.header, "format": "cems-log-export/3"})
    return lines, 1, "header"


def not_canonical(export: Export) -> tuple[list[str], int | None, str]:
    lines = export.lines
    lines[export.entry_line(2) - 1] = json.dumps(json.loads(lines[export.entry_line(2) - 1])) + "\n"
    return lines, export.entry_line(2), "not in the canonical form"


TAMPERS: dict[str, Tamper] = {
    "an entry among the first checkpoint's altered": altered_entry("first"),
    "an entry first covered by the second checkpoint altered": altered_entry("middle"),
    "the last entry altered": altered_entry("last"),
    "an entry line removed": removed_entry,
    "an entry removed, leaf indexes renumbered": removed_entry_renumbered,
    "two entry lines swapped": swapped_entries,
    "two entry lines swapped, leaf indexes renumbered": swapped_entries_renumbered,
    "two events swapped, each keeping the other's position": swapped_events_kept_positions,
    "an entry duplicated": duplicated_entry,
    "an entry duplicated, leaf indexes renumbered": duplicated_entry_renumbered,
    "an entry inserted in a gap, renumbered": inserted_entry_renumbered,
    "an entry added after the last": added_entry,
    "a position changed on the line": changed_position,
    "a position changed in the entry and on the line": changed_position_in_the_entry_too,
    "a checkpoint's root changed": checkpoint_changed("root_hash"),
    "a checkpoint's size changed": checkpoint_changed("size"),
    "a checkpoint's timestamp changed": checkpoint_changed("timestamp"),
    "a checkpoint's signature replaced": checkpoint_changed("signature"),
    "a checkpoint's time signature replaced": checkpoint_changed("timestamp_signature"),
    "a checkpoint's key id changed": checkpoint_changed("key_id"),
    "a checkpoint's root and note changed together": checkpoint_forged("root_hash"),
    "a checkpoint's size, root and note changed together": checkpoint_forged("size"),
    "a signature in another base64 spelling": signature_not_canonical,
    "two checkpoints swapped": checkpoints_swapped,
    "the last checkpoint dropped": last_checkpoint_dropped,
    "the last entry dropped, every checkpoint kept": tail_entry_dropped,
    "another key in the header": header_key_replaced,
    "another public key under the key id": header_public_key_replaced,
    "another format in the header": header_format_changed,
    "a line not in the canonical form": not_canonical,
}


@pytest.mark.parametrize("tamper", list(TAMPERS.values()), ids=list(TAMPERS))
def test_r_rec_4_a_tampered_export_fails_naming_the_flaw_and_its_line(
        logs: Logs, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: Tamper) -> None:
    lines, line, flaw = tamper(logs.final)
    assert "".join(lines) != logs.final.path.read_text(encoding="ascii")
    path = write(tmp_path, "tampered.log", lines)

    flawed(log_verify(capsys, path), line, flaw)


def test_r_rec_4_a_checkpoint_dated_on_an_impossible_day_is_a_flaw_not_a_crash(
        logs: Logs, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A timestamp of the right shape but no real instant (month 13, or year 0000): the file was altered."""
    line = logs.final.checkpoint_line(1)
    timestamp = logs.final.checkpoints[1]["timestamp"]
    for impossible in (timestamp[:5] + "13" + timestamp[7:], "0000" + timestamp[4:]):
        path = write(tmp_path, "tampered.log", with_checkpoint(logs.final.lines, line, timestamp=impossible))

        flawed(log_verify(capsys, path), line)


def test_r_rec_4_flipping_any_bit_of_any_byte_of_an_export_is_a_flaw(logs: Logs) -> None:
    """Every byte of a small export (two entries, two checkpoints), each of its 8 bits in turn: ``verify`` raises
    ``Flaw`` every time, never passes and never fails otherwise."""
    data = logs.tiny.path.read_bytes()
    assert verify(data).entries == 2 and len(logs.tiny.checkpoints) == 2
    missed: list[str] = []

    for at in range(len(data)):
        line = data.count(b"\n", 0, at) + 1
        for bit in range(8):
            flipped = bytearray(data)
            flipped[at] ^= 1 << bit
            try:
                verify(bytes(flipped))
            except Flaw:
                continue
            except Exception as e:  # any other outcome is what this test looks for
                missed.append(f"byte {at} (line {line}) bit {bit}: {type(e).__name__}: {e}")
            else:
                missed.append(f"byte {at} (line {line}) bit {bit}: verified")

    assert not missed, f"{len(missed)} of {8 * len(data)} flips not caught as a flaw:\n" + "\n".join(missed[:20])


def test_r_rec_4_a_base64_field_spelling_a_character_beyond_ascii_is_a_flaw(logs: Logs) -> None:
    """A one-bit flip can turn a base64 character into a backslash, and the line's JSON then spells a character
    beyond ASCII (``\\u00e9``) in canonical form: the field is not base64, a flaw, not a crash of the verifier."""
    lines = logs.tiny.path.read_bytes().split(b"\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(b'{"entry":"'))
    lines[at] = lines[at].replace(b'{"entry":"', b'{"entry":"\\u00e9', 1)
    with pytest.raises(Flaw, match="not canonical base64"):
        verify(b"\n".join(lines))


# Cutting off the tail: caught by the checkpoint the regulator kept


def truncated(export: Export, checkpoints: int) -> list[str]:
    """The export as if the log had ended at its ``checkpoints``-th checkpoint: later entries and checkpoints
    gone."""
    size = export.checkpoints[checkpoints - 1]["size"]
    return [*export.lines[:1 + size], *export.lines[export.checkpoint_line(0) - 1:][:checkpoints]]


def test_r_rec_4_a_cut_off_tail_verifies_alone_but_not_against_a_later_kept_checkpoint(
        logs: Logs, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = logs.final.checkpoints[0]
    path = write(tmp_path, "cut.log", truncated(logs.final, 1))

    code, out, err = log_verify(capsys, path)
    assert code == 0, err
    assert f"{first['size']} entries" in out  # self-consistent: nothing in the file shows what is missing

    for index in (1, 2):  # the later checkpoints, as the file had them
        kept = logs.final.checkpoints[index]
        flawed(log_verify(capsys, path, "--checkpoint", str(save(tmp_path, "kept.json", kept))), None,
               "removed", f"the kept checkpoint of {kept['size']} leaves")


def test_r_rec_4_the_first_exports_checkpoint_vouches_for_a_later_export(
        logs: Logs, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Export, new writes, export again: the first file's last checkpoint, kept, is consistent with the later file."""
    for earlier in (logs.first, logs.second):
        kept = save(tmp_path, "kept.json", earlier.checkpoints[-1])

        code, out, err = log_verify(capsys, logs.final.path, "--checkpoint", str(kept))

        assert code == 0, err
        size = earlier.checkpoints[-1]["size"]
        assert f"consistent with the checkpoint of {size} leaves" in out
    # and the earlier file against the later file's checkpoint: the earlier one holds fewer entries
    kept = save(tmp_path, "later.json", logs.final.checkpoints[-1])
    flawed(log_verify(capsys, logs.first.path, "--checkpoint", str(kept)), None, "removed")


def test_r_rec_4_a_kept_checkpoint_from_another_log_fails(
        logs: Logs, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another database, signed with the same key: genuine, but not a prefix of this log."""
    other = logs.tiny.checkpoints[-1]
    assert other["key_id"] == logs.final.checkpoints[-1]["key_id"]

    flawed(log_verify(capsys, logs.final.path, "--checkpoint", str(save(tmp_path, "other.json", other))), None,
           "not consistent", f"the kept checkpoint of {other['size']} leaves")
    mine = logs.final.checkpoints[-1]
    flawed(log_verify(capsys, logs.tiny.path, "--checkpoint", str(save(tmp_path, "mine.json", mine))), None,
           "removed")


def test_r_rec_4_a_forged_kept_checkpoint_fails(logs: Logs, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    kept = dict(logs.final.checkpoints[1])
    root = hashlib.sha256(b"another root").hexdigest()
    kept.update(root_hash=root, note=note(kept, kept["size"], root))

    flawed(log_verify(capsys, logs.final.path, "--checkpoint", str(save(tmp_path, "kept.json", kept))), None,
           "note signature", "forged or altered")


# The key the regulator trusts


def resigned(export: Export, forger: Signer, lines: list[str]) -> list[str]:
    """``lines`` (an altered export) made self-consistent again: every root recomputed and signed by ``forger``,
    whose key is put in the header."""
    entries = [json.loads(line) for line in lines if line.startswith('{"entry":')]
    leaves = [leaf_hash(base64.b64decode(e["entry"])) for e in entries]
    out = [canonical({"format": "cems-log-export/1", "keys": [
        {"algorithm": k.algorithm, "key_id": k.key_id, "public_key": k.public_key, "use": k.use}
        for k in forger.published()]})]
    out += [line for line in lines if line.startswith('{"entry":')]
    for body in export.checkpoints:
        checkpoint = sign_checkpoint(forger, body["origin"], body["size"], mth(leaves[:body["size"]]),
                                     datetime_of(body["timestamp"]))
        out.append(canonical({"checkpoint": checkpoint.as_dict()}))
    return out


def datetime_of(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_r_rec_4_only_the_trusted_key_vouches_with_key(logs: Logs, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    other = base64.b64encode(raw_public(Ed25519PrivateKey.generate().public_key())).decode()

    code, out, err = log_verify(capsys, logs.final.path, "--key", logs.key)
    assert code == 0, err
    flawed(log_verify(capsys, logs.final.path, "--key", other), logs.final.checkpoint_line(0),
           "not among the keys checked against")
    code, _, err = log_verify(capsys, logs.final.path, "--key", other, "--key", logs.key)
    assert code == 0, err


def test_r_rec_4_a_log_rewritten_and_resigned_with_another_key_is_caught_by_the_key_or_a_kept_checkpoint(
        logs: Logs, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forger = Signer(tmp_path / "forger.key", "https://x", ("checkpoint",), Ed25519PrivateKey.generate())
    lines, _, _ = altered_entry("first")(logs.final)
    path = write(tmp_path, "forged.log", resigned(logs.final, forger, lines))
    assert key_id(forger.public_key) != logs.final.checkpoints[0]["key_id"]

    code, _, err = log_verify(capsys, path)
    assert code == 0, err  # a file vouches only for itself: the regulator's key or checkpoint anchors it

    flawed(log_verify(capsys, path, "--key", logs.key), logs.final.checkpoint_line(0),
           "not among the keys checked against")
    kept = save(tmp_path, "kept.json", logs.final.checkpoints[0])
    flawed(log_verify(capsys, path, "--checkpoint", str(kept)), None, "not among the keys checked against")


# What cannot be checked at all: exit 2


def test_r_rec_4_what_cannot_be_checked_exits_2(logs: Logs, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.log"
    code, out, err = log_verify(capsys, missing)
    assert (code, out) == (2, "") and "cannot check" in err and "missing.log" in err

    (tmp_path / "kept.json").write_text("not json", encoding="utf-8")
    assert log_verify(capsys, logs.final.path, "--checkpoint", str(tmp_path / "kept.json"))[0] == 2
    assert log_verify(capsys, logs.final.path, "--checkpoint", str(tmp_path / "none.json"))[0] == 2
    assert log_verify(capsys, logs.final.path, "--key", "not a key")[0] == 2


# Against the API on PostgreSQL: the checkpoint a regulator kept from GET /api/v1/log/checkpoint


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(signing_key=str(tmp_path / "signing.key"), checkpoint_key=str(tmp_path / "checkpoint.key"),
                        checkpoint_interval=0.1, run_scheduler=False)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as c:
        yield c


def test_r_rec_4_a_checkpoint_kept_from_the_api_vouches_for_a_later_export(
        client: TestClient, callers: Callers, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    answer = client.get(f"{API}/log/checkpoint", params={"after": walk.answers["decision"]["position"]},
                        headers=callers.regulator.headers)
    assert answer.status_code == 200, answer.text
    kept = tmp_path / "kept.json"
    kept.write_bytes(answer.content)  # saved exactly as the API answered it
    key = next(k["public_key"] for k in client.get(f"{API}/public/keys").json()["keys"] if k["use"] == "checkpoint")
    walk.suspend(date(2026, 6, 1))
    monkeypatch.setenv("REGISTRY_DATABASE_URL", pg_url)
    monkeypatch.setenv("REGISTRY_SIGNING_KEY", str(tmp_path / "signing.key"))
    monkeypatch.setenv("REGISTRY_CHECKPOINT_KEY", str(tmp_path / "checkpoint.key"))

    assert main(["log", "export", str(tmp_path / "pg.log")]) == 0

    exported = Export(tmp_path / "pg.log")
    # The export keeps each checkpoint's fields (cems-log-export/1); the API's signed_note (#26) is made from them
    # and the published key, and what it says of the witnesses from their cosignatures, so neither is in the file.
    made = ("signed_note", "witnessed", "cosigners", "witnesses", "witness_quorum")
    assert {k: v for k, v in answer.json().items() if k not in made} in exported.checkpoints
    assert exported.checkpoints[-1]["size"] > answer.json()["size"]  # the suspension is in the export
    code, out, err = log_verify(capsys, exported.path, "--checkpoint", str(kept), "--key", key)
    assert code == 0, err
    assert f"consistent with the checkpoint of {answer.json()['size']} leaves" in out
    cut = write(tmp_path, "cut.log", truncated(exported, 1))
    flawed(log_verify(capsys, cut, "--checkpoint", str(kept), "--key", key), None, "removed")


def test_r_rec_4_a_log_resigned_with_a_key_whose_private_half_was_published_proves_nothing(
        logs: Logs, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's reproduction: two entries deleted and the log re-signed with the key once committed to the
    repository passed `registry log verify` with that key. A published key vouches for nothing, whatever its
    validity says."""
    forger = Signer(tmp_path / "leaked.key", "https://x", ("checkpoint",), Ed25519PrivateKey.generate())
    monkeypatch.setattr(keys, "LEAKED", frozenset({key_id(forger.public_key)}))
    lines, _, _ = altered_entry("first")(logs.final)
    path = write(tmp_path, "forged.log", resigned(logs.final, forger, lines))
    published = base64.b64encode(raw_public(forger.public_key)).decode()

    flawed(log_verify(capsys, path, "--key", published), logs.final.checkpoint_line(0),
           "published in the registry's repository")
