"""R-REC-4, issue 26 item 4: a certificate's offline proof (``GET /api/v1/certificates/{number}/proof``, format
``cems-certificate-proof/1``, ``api/proof_bundle.py``): every event of its history with a C2SP tlog-proof against
the one latest checkpoint, verified with nothing but the log's verifier key by ``registry proof verify`` and by Go's
``sumdb/note`` and ``sumdb/tlog`` (``tests/third_party.py``), and refused when any entry byte, path hash or
signature changes. An event the latest checkpoint does not cover yet is named in a 503, never left out. The office's
history page offers the same file for download.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import keys
from api.app import create_app
from api.cli import main
from api.settings import Settings
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.entries import Entry
from tests.conftest import STAFF_SINCE, TODAY
from tests.e2e.http_walk import API, bearer
from tests.e2e.office_users import Office
from tests.third_party import GoVerifier

ORIGIN = "registry.example.cn/log"


@dataclass
class Proving:
    client: TestClient
    registry: Registry
    walk: Walk
    number: str
    headers: dict[str, str]  # a regulator's token
    vkey: str  # the log's verifier key, as /api/v1/public/keys lists it

    def proof(self, number: str | None = None) -> Any:
        return self.client.get(f"{API}/certificates/{number or self.number}/proof", headers=self.headers)

    def covered(self) -> None:
        """Waits until a checkpoint covers the log's head (nothing is written after it in the test)."""
        head = self.registry.recorder.max_notification_id()
        answer = self.client.get(f"{API}/log/checkpoint", params={"after": head}, headers=self.headers)
        assert answer.status_code == 200, answer.text


def proving_app(registry: Registry, tmp_path: Path, **settings: Any) -> Iterator[Proving]:
    checkpoint_key = tmp_path / "keys" / "checkpoint.key"
    keys.make(checkpoint_key, keys.parse_stamp("2026-01-01T00:00:00Z"))
    staff = enrol_staff(registry, STAFF_SINCE)
    walk = Walk(registry, staff, date(2026, 3, 1)).to_certificate()
    assert walk.number
    _, token = registry.add_user("离线证明监管员", ["regulator"], None)
    config = Settings(signing_key=str(tmp_path / "keys" / "signing.key"), checkpoint_key=str(checkpoint_key),
                      public_base_url="https://registry.example.cn", run_scheduler=False,
                      **{"checkpoint_interval": 0.1, **settings})
    with TestClient(create_app(config, registry=registry), raise_server_exceptions=False) as client:
        listed = client.get(f"{API}/public/keys").json()["keys"]
        (vkey,) = [k["note_verifier_key"] for k in listed if k["use"] == "checkpoint"]
        yield Proving(client, registry, walk, walk.number, bearer(token), vkey)


@pytest.fixture
def proving(store_registry: Registry, tmp_path: Path) -> Iterator[Proving]:
    """A certificate with its history, on SQLite and on PostgreSQL, and an app signing checkpoints every 0.1 s."""
    yield from proving_app(store_registry, tmp_path)


@pytest.fixture
def proved(registry: Registry, tmp_path: Path) -> Iterator[tuple[Proving, bytes]]:
    """A certificate's proof as served, on PostgreSQL: what the tampering tests change."""
    for proving in proving_app(registry, tmp_path):
        proving.covered()
        answer = proving.proof()
        assert answer.status_code == 200, answer.text
        yield proving, answer.content


def proof_verify(capsys: pytest.CaptureFixture[str], path: Path, *vkeys: str) -> tuple[int, str, str]:
    """``registry proof verify path --key …``: exit status, stdout, stderr. It reads no setting: it is offline."""
    capsys.readouterr()
    code = main(["proof", "verify", str(path), *(arg for vkey in vkeys for arg in ("--key", vkey))])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_r_rec_4_issue_26_a_certificates_offline_proof_holds_for_registry_proof_verify_and_gos_sumdb_tlog(
        proving: Proving, tmp_path: Path, capsys: pytest.CaptureFixture[str], go_verifier: GoVerifier) -> None:
    proving.covered()

    answer = proving.proof()

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == f'attachment; filename="{proving.number}.proof.json"'
    bundle = json.loads(answer.content)
    assert answer.content == (json.dumps(bundle, sort_keys=True, separators=(",", ":")) + "\n").encode()
    assert bundle["format"] == "cems-certificate-proof/1" and bundle["certificate"] == proving.number
    # the checkpoint as GET /log/checkpoint serves it (the latest: nothing was written since), covering every event
    assert bundle["checkpoint"].encode() == proving.client.get("/log/checkpoint").content
    size = int(bundle["checkpoint"].split("\n")[1])
    history = proving.client.get(f"{API}/certificates/{proving.number}/history", headers=proving.headers).json()
    entries = [Entry.decode(base64.b64decode(e["entry"])) for e in bundle["events"]]
    assert [e.position for e in entries] == [e["position"] for e in history["events"]]
    assert [e.leaf_hash.hex() for e in entries] == [e["leaf_hash"] for e in history["events"]]
    for event in bundle["events"]:  # each a tlog-proof as the spec writes it, ending with the one checkpoint
        lines = event["tlog_proof"].split("\n\n")[0].split("\n")
        assert lines[0] == "c2sp.org/tlog-proof@v1" and re.fullmatch(r"index (0|[1-9]\d*)", lines[1])
        assert int(lines[1][6:]) < size and all(len(base64.b64decode(h)) == 32 for h in lines[2:])
        assert event["tlog_proof"] == "\n".join(lines) + "\n\n" + bundle["checkpoint"]
    path = tmp_path / "proof.json"
    path.write_bytes(answer.content)

    code, out, err = proof_verify(capsys, path, proving.vkey)

    assert (code, err) == (0, ""), (out, err)
    assert f"证书 {proving.number} 的 {len(entries)} 个事件" in out
    assert f"the {len(entries)} events of certificate {proving.number}" in out
    assert f"{ORIGIN}, {size} leaves" in out and "signed 2026-11-24T" in out
    assert "颁发证书 Certificate issued · 证书 Certificate" in out  # what each event is, from its bytes
    assert "受理 " in out and "Case" in out
    verdict = go_verifier.proof(answer.content, proving.vkey)
    assert verdict.holds, verdict.err
    assert verdict.out.endswith(f"verified {len(entries)} events {ORIGIN} {size}\n")


def test_r_rec_4_issue_26_the_proof_is_for_staff_and_regulators_and_an_unknown_certificate_is_404(
        proving: Proving) -> None:
    proving.covered()
    assert proving.client.get(f"{API}/certificates/{proving.number}/proof").status_code == 401
    _, token = proving.registry.add_user("离线证明受理员", ["intake"], None)
    assert proving.client.get(f"{API}/certificates/{proving.number.lower()}/proof",
                              headers=bearer(token)).status_code == 200  # any staff; the number in any case
    unknown = proving.proof("CB-NO-SUCH-1")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


def altered(bundle: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    data = json.loads(bundle)
    change(data)
    return (json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n").encode()


def flip_entry(event: int, at: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        raw = bytearray(base64.b64decode(data["events"][event]["entry"]))
        raw[at % len(raw)] ^= 0x01
        data["events"][event]["entry"] = base64.b64encode(bytes(raw)).decode()
    return change


def flip_path(event: int, hash_number: int, at: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        head, _, checkpoint = data["events"][event]["tlog_proof"].partition("\n\n")
        lines = head.split("\n")
        hashes = lines[2:]
        raw = bytearray(base64.b64decode(hashes[hash_number % len(hashes)]))
        raw[at] ^= 0x80
        hashes[hash_number % len(hashes)] = base64.b64encode(bytes(raw)).decode()
        data["events"][event]["tlog_proof"] = "\n".join(lines[:2] + hashes) + "\n\n" + checkpoint
    return change


def flip_signature(line: int, at: int) -> Callable[[dict[str, Any]], None]:
    """A byte of the checkpoint's signature line ``line`` (0 the log's Ed25519, 1 its signed time), changed in the
    file's checkpoint and in every proof alike (a proof carrying another checkpoint is refused for that alone)."""
    def change(data: dict[str, Any]) -> None:
        note = data["checkpoint"]
        text, _, signatures = note.partition("\n\n")
        lines = signatures.split("\n")
        name, encoded = lines[line].rsplit(" ", 1)
        raw = bytearray(base64.b64decode(encoded))
        raw[at] ^= 0x01
        lines[line] = f"{name} {base64.b64encode(bytes(raw)).decode()}"
        forged = text + "\n\n" + "\n".join(lines)
        data["checkpoint"] = forged
        for event in data["events"]:
            event["tlog_proof"] = event["tlog_proof"].replace(note, forged)
    return change


def test_r_rec_4_issue_26_one_entry_byte_one_path_hash_or_a_signature_changed_and_the_proof_is_refused(
        proved: tuple[Proving, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        go_verifier: GoVerifier) -> None:
    proving, bundle = proved
    count = len(json.loads(bundle)["events"])
    last, middle = count - 1, count // 2
    root = "the entry and its inclusion path do not lead to the checkpoint's root"
    changes: list[tuple[str, Callable[[dict[str, Any]], None], str]] = []
    for event in (0, middle, last):
        # the entry's format byte, its position, record id, version, topic, the state's last byte
        changes.append((f"entry byte 0 of event {event + 1}", flip_entry(event, 0), "the entry is in format 0"))
        changes += [(f"entry byte {at} of event {event + 1}", flip_entry(event, at), root)
                    for at in (5, 12, 30, 36, 50, -1)]
        changes += [(f"byte {at} of path hash {h} of event {event + 1}", flip_path(event, h, at), root)
                    for h in (0, 2, -1) for at in (0, 31)]
    # the log's line: its key id, the signature's first and last bytes; the signed time's line: time, signature
    log_line = [(f"byte {at} of the log's signature line", flip_signature(0, at), "the checkpoint does not hold")
                for at in (0, 3, 4, 40, 67)]
    time_line = [(f"byte {at} of the signed time's line", flip_signature(1, at), "the checkpoint does not hold")
                 for at in (7, 12, 75)]
    assert proof_verify(capsys, tmp_path / "missing.json", proving.vkey)[0] == 2
    for what, change, flaw in changes + log_line + time_line:
        path = tmp_path / "altered.json"
        path.write_bytes(altered(bundle, change))

        code, out, err = proof_verify(capsys, path, proving.vkey)

        assert code == 1, f"{what}: exit {code}, {out}"
        assert "FLAW" in err and flaw in err and "验证通过" not in out, (what, err)
        if "time" not in what:  # Go's note ignores the time's cosignature/v1 line, as it ignores any key it was
            verdict = go_verifier.proof(path.read_bytes(), proving.vkey)  # not given (C2SP)
            assert not verdict.holds and verdict.err.startswith("refused: "), (what, verdict)


def test_r_rec_4_issue_26_a_proof_under_another_checkpoint_number_or_key_is_refused(
        proved: tuple[Proving, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proving, bundle = proved
    path = tmp_path / "altered.json"

    def one_proof_elsewhere(data: dict[str, Any]) -> None:
        event = data["events"][1]
        event["tlog_proof"] = event["tlog_proof"].replace("\n\n" + ORIGIN, "\n\nother.example/log")

    def renamed(data: dict[str, Any]) -> None:
        data["certificate"] = "CB-OTHER-1"

    def dropped(data: dict[str, Any]) -> None:
        data["events"] = [data["events"][0], *data["events"][2:]][::-1]

    for change, flaw in ((one_proof_elsewhere, "event 2 (log position"), (renamed, "no event is of certificate"),
                         (dropped, "the events are in log order")):
        path.write_bytes(altered(bundle, change))
        code, _, err = proof_verify(capsys, path, proving.vkey)
        assert code == 1 and flaw in err, (change.__name__, err)
    path.write_bytes(bundle)
    assert proof_verify(capsys, path, proving.vkey)[0] == 0
    stranger = proving.vkey.split("+")[0] + "+00000000+" + proving.vkey.split("+")[2]
    assert proof_verify(capsys, path, stranger)[0] == 2  # not a verifier key: its id is not its key's


def test_r_rec_4_issue_26_events_no_checkpoint_covers_yet_are_named_in_a_503_never_left_out(
        registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No checkpoint is signed by the app on its own here: the test signs them, as the checkpointing thread would.
    for proving in proving_app(registry, tmp_path, checkpoint_interval=3600, after_timeout=0.5):
        views = proving.client.app.state.views  # type: ignore[attr-defined]
        views.bring_up_to_date()
        views.checkpoint()
        before = proving.proof()
        assert before.status_code == 200, before.text
        registry.suspend(proving.number, TODAY, TODAY, "major_defect", "重大缺陷 major defect",
                         actor=proving.walk.staff.admin)
        position = registry.recorder.max_notification_id()

        waiting = proving.proof()

        assert waiting.status_code == 503, waiting.text
        detail = waiting.json()["detail"]
        assert f"日志位置 {position} 的事件尚未被已签署的检查点覆盖" in detail
        assert f"those at log positions {position} are not yet covered" in detail
        views.bring_up_to_date()
        views.checkpoint()
        after = proving.proof()
        assert after.status_code == 200
        events = json.loads(after.content)["events"]
        assert len(events) == len(json.loads(before.content)["events"]) + 1
        assert Entry.decode(base64.b64decode(events[-1]["entry"])).position == position
        path = tmp_path / "after.json"
        path.write_bytes(after.content)
        assert proof_verify(capsys, path, proving.vkey)[0] == 0


def test_r_rec_4_issue_26_the_history_page_offers_the_same_proof_to_download(office: Office) -> None:
    walk = Walk(office.registry, office.staff, date(2026, 3, 1)).to_certificate()
    number = walk.number
    assert number
    _, token = office.registry.add_user("监管接口 proof", ["regulator"])
    head = office.registry.recorder.max_notification_id()
    assert office.client.get(f"{API}/log/checkpoint", params={"after": head}, headers=bearer(token)).status_code == 200

    page = office.regulator.get(f"/office/certificates/{number}/history")

    assert page.status_code == 200, page.text
    link = (f'<a href="/office/certificates/{number}/proof" download="{number}.proof.json" data-proof-download>'
            '下载离线证明<span class="en">Download the offline proof</span></a>')
    assert link in page.text
    assert '<h2 id="offline-proof">离线证明<span class="en">Offline proof</span></h2>' in page.text
    downloaded = office.regulator.get(f"/office/certificates/{number}/proof")
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.headers["content-disposition"] == f'attachment; filename="{number}.proof.json"'
    assert downloaded.headers["cache-control"] == "no-store"
    served = office.client.get(f"{API}/certificates/{number}/proof", headers=bearer(token))
    assert downloaded.content == served.content  # the same file, byte for byte
    assert office.intake.get(f"/office/certificates/{number}/proof").content == served.content
    assert office.regulator.get("/office/certificates/CB-NO-SUCH-1/proof").status_code == 404
    office.client.cookies.clear()
    assert office.client.get(f"/office/certificates/{number}/proof").status_code == 303  # to the sign-in form
