"""`registry witness serve` as a process (R-REC-4, issue 26): its state survives kill -9 between requests, and the
restarted witness still refuses a rollback to a size before the last it cosigned."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx

from api.signed_note import open_note, parse_verifier_key
from tests.witnesses import LOG, ORIGIN, body, note, witness_process

NAME = "regulator.example.cn/witness"


def test_r_rec_4_a_witness_killed_with_sigkill_keeps_its_state_and_refuses_a_rollback(tmp_path: Path) -> None:
    logs = [f"{ORIGIN}={LOG.vkey}"]
    with witness_process(tmp_path, NAME, logs) as first:
        with httpx.Client(base_url=first.url, timeout=10) as client:
            answer = client.post("/add-checkpoint", content=body(0, 10))
            assert answer.status_code == 200
            assert open_note(note(10) + answer.text, [parse_verifier_key(first.vkey)]).verified
            assert client.post("/add-checkpoint", content=body(10, 20)).status_code == 200
        first.kill()
    with witness_process(tmp_path, NAME, logs) as second:
        assert second.vkey == first.vkey  # its key was kept too
        with httpx.Client(base_url=second.url, timeout=10) as client:
            rollback = client.post("/add-checkpoint", content=body(10, 10))
            assert (rollback.status_code, rollback.text) == (409, "20\n")
            assert rollback.headers["content-type"].startswith("text/x.tlog.size")
            assert client.post("/add-checkpoint", content=body(20, 15)).status_code == 400
            assert client.post("/add-checkpoint", content=body(20, 31)).status_code == 200
        second.kill()
