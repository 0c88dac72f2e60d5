"""The regulator's history pages over plain HTTP (issue 22): a certificate's and an organisation's events, oldest
first, each with its log position and leaf hash as the API's history answers them, names for people, and the proof
a page's Verify button fetches, which holds when checked in Python with the log's own verifier
(``api/log_verify.py``, ``registry.merkle``) and fails for an entry altered by one byte.

The browser's own check of the same answer is tests/e2e/test_office_proof_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from html import unescape
from typing import Any

import pytest

from api.log_verify import _check_signatures, _read_checkpoint
from api.published_keys import published_keys
from demo.scenario import Walk, new_uscc
from registry import merkle
from tests.e2e.http_walk import API, bearer
from tests.e2e.office_users import Office

EVENT = re.compile(r'<li data-event data-position="(\d+)" data-type="(\w+)">(.*?)</li>\n', re.S)


def events_of(html: str) -> list[dict[str, Any]]:
    """Each event of a history page: its position, type, leaf hash shown and the rest of its markup."""
    found = []
    for position, kind, body in EVENT.findall(html):
        leaf = re.search(r'<dd class="hash" id="leaf-(\d+)" data-leaf-hash>([0-9a-f]+)</dd>', body)
        button = re.search(r'<button type="button" class="secondary" data-verify="(\d+)" data-leaf="leaf-(\d+)" '
                           r'aria-describedby="outcome-(\d+)">验证 Verify</button>', body)
        assert leaf and button, body
        assert leaf.group(1) == position and set(button.groups()) == {position}
        assert f'<p class="outcome" id="outcome-{position}" role="status" aria-live="polite" data-outcome></p>' in body
        found.append({"position": int(position), "type": kind, "leaf_hash": leaf.group(2), "body": unescape(body)})
    return found


@pytest.fixture
def certified(office: Office) -> Walk:
    walk = Walk(office.registry, office.staff, date(2026, 3, 1)).to_certificate()
    assert walk.number
    office.caught_up()  # a number typed in another case is found by the public view's spelling
    return walk


def api_token(office: Office) -> dict[str, str]:
    """A regulator's API token: what a machine client reads the same history with."""
    _, token = office.registry.add_user("监管接口", ["regulator"])
    return bearer(token)


def test_a_certificate_history_shows_every_event_with_the_leaf_hash_the_api_answers(
        office: Office, certified: Walk) -> None:
    number = certified.number
    assert number

    page = office.regulator.get(f"/office/certificates/{number}/history")

    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"].count("script-src 'self'") == 1
    assert re.findall(r"<script[^>]*>[^<]*", page.text) == ['<script src="/static/office/verify-proof.js" defer>']
    assert f'<a href="/office/certificates/{number}" data-back>' in page.text
    assert page.text.count("<h1>") == 1 and '<span class="mono" data-number>' + number in page.text
    shown = events_of(page.text)
    history = office.client.get(f"{API}/certificates/{number}/history", headers=api_token(office)).json()["events"]
    assert [(e["position"], e["type"], e["leaf_hash"]) for e in shown] == [
        (e["position"], e["type"], e["leaf_hash"]) for e in history]
    assert [e["position"] for e in shown] == sorted(e["position"] for e in shown)  # oldest first
    assert {"Applied", "Accepted", "TeamAppointed", "Granted", "Issued"} <= {e["type"] for e in shown}
    by_type = {e["type"]: e["body"] for e in shown}
    # what happened in words, Chinese first, and who did it, by name, linked to their page
    assert "颁发证书" in by_type["Issued"] and "Certificate issued" in by_type["Issued"]
    assert "受理" in by_type["Accepted"] and "Application accepted" in by_type["Accepted"]
    intake = office.registry.get_person(office.staff.intake.person or "")
    assert f'<a href="/office/people/{intake.id}" data-person="{intake.id}">{intake.name}</a>' in by_type["Applied"]
    assert "受理" in by_type["Applied"]
    assert "2026-03-31" in by_type["Granted"]  # the effective date
    assert f'href="/office/cases/{certified.case_id}"' in by_type["Applied"]
    assert f'<dd class="mono" data-log-position>{shown[0]["position"]}</dd>' in shown[0]["body"]


def test_any_staff_user_opens_a_history_and_a_number_in_another_case_finds_it(
        office: Office, certified: Walk) -> None:
    number = certified.number
    assert number
    for user in (office.intake, office.leader, office.decision, office.admin):
        assert user.get(f"/office/certificates/{number}/history").status_code == 200, user.name
    page = office.regulator.get(f"/office/certificates/{number.lower()}/history")
    assert page.status_code == 200
    assert f'<span class="mono" data-number>{number}</span>' in page.text
    assert office.regulator.get("/office/certificates/NO-SUCH-1/history").status_code == 404
    assert office.regulator.get(f"/office/organizations/{new_uscc()}/history").status_code == 404
    assert office.regulator.get("/office/organizations/not-a-uscc/history").status_code == 404


def test_an_organisation_history_shows_its_own_its_cases_and_its_certificates_events(
        office: Office, certified: Walk) -> None:
    page = office.regulator.get(f"/office/organizations/{certified.uscc}/history")

    assert page.status_code == 200, page.text
    assert f'<a href="/office/organizations/{certified.uscc}" data-back>' in page.text
    assert f"<span data-organization>{certified.name}</span>" in page.text
    shown = events_of(page.text)
    answered = office.client.get(f"{API}/organizations/{certified.uscc}/history", headers=api_token(office))
    history = answered.json()["events"]
    assert [(e["position"], e["type"], e["leaf_hash"]) for e in shown] == [
        (e["position"], e["type"], e["leaf_hash"]) for e in history]
    kinds = [e["type"] for e in shown]
    assert kinds[0] == "Registered" and {"CaseOpened", "Issued", "CertificateIssued"} <= set(kinds)
    issued = next(e for e in shown if e["type"] == "Issued")
    assert f'href="/office/certificates/{certified.number}"' in issued["body"]
    assert "组织登记" in shown[0]["body"]


def test_r_ghg_4_an_organisation_history_shows_each_of_its_cases_data_quality_profile(
        office: Office, certified: Walk) -> None:
    later = Walk(office.registry, office.staff, date(2026, 5, 1), uscc=certified.uscc, name=certified.name).apply()
    page = office.regulator.get(f"/office/organizations/{certified.uscc}/history")

    assert page.status_code == 200, page.text
    reviews = page.text[:page.text.index("data-events")].split('<div data-case-review="')[1:]
    assert [block.split('"')[0] for block in reviews] == [str(certified.case), str(later.case)]
    reviewed, unreviewed = reviews
    assert 'data-share-class="continuous" data-share="1.0"' in reviewed
    assert 'data-share-tier="national" data-share="1.0"' in reviewed
    assert "data-quality-profile" not in unreviewed and "未记录数据评审" in unreviewed


def test_the_proof_a_verify_button_fetches_holds_under_the_published_checkpoint_key(
        office: Office, certified: Walk) -> None:
    number = certified.number
    shown = events_of(office.regulator.get(f"/office/certificates/{number}/history").text)
    keys = published_keys(office.client.get(f"{API}/public/keys").json(), "checkpoint")
    token = api_token(office)

    for event in (shown[0], shown[len(shown) // 2], shown[-1]):
        answer = office.regulator.get(f"/office/log/proof?position={event['position']}")
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        proof = answer.json()
        entry = base64.b64decode(proof["entry"]["entry"], validate=True)
        # the leaf recomputed from the entry's bytes is the hash the page shows (RFC 9162 §2.1.1)
        assert hashlib.sha256(b"\x00" + entry).hexdigest() == event["leaf_hash"] == proof["entry"]["leaf_hash"]
        assert int.from_bytes(entry[1:9], "big") == event["position"]
        # the checkpoint is genuine, under the key /api/v1/public/keys publishes, and its root is what the path
        # leads to from that leaf (RFC 9162 §2.1.3.2)
        checkpoint = _read_checkpoint(proof["checkpoint"], None)
        _check_signatures(checkpoint, keys, None)
        assert proof["key"] == next(k for k in office.client.get(f"{API}/public/keys").json()["keys"]
                                    if k["key_id"] == checkpoint.key_id and k["use"] == "checkpoint")
        path = [bytes.fromhex(p) for p in proof["proof"]["audit_path"]]
        leaf = merkle.leaf_hash(entry)
        root = merkle.root_from_inclusion(proof["proof"]["leaf_index"], checkpoint.size, leaf, path)
        assert root.hex() == checkpoint.root_hash
        # one byte altered and the same path leads elsewhere
        altered = entry[:-1] + bytes([entry[-1] ^ 1])
        assert merkle.root_from_inclusion(proof["proof"]["leaf_index"], checkpoint.size, merkle.leaf_hash(altered),
                                          path).hex() != checkpoint.root_hash
        # the same entry, proof and checkpoint the API's log routes answer
        index = proof["entry"]["leaf_index"]
        listed = office.client.get(f"{API}/log/entries", params={"start": index, "end": index + 1}, headers=token)
        assert listed.json()["entries"] == [proof["entry"]]
        api_proof = office.client.get(f"{API}/log/proofs/inclusion", headers=token,
                                      params={"position": event["position"], "size": checkpoint.size}).json()
        assert api_proof == proof["proof"]
        kept = office.client.get(f"{API}/log/checkpoint", params={"size": checkpoint.size}, headers=token).json()
        assert kept == proof["checkpoint"]
    assert proof["leaked_key_ids"] == ["b6529e7d34caf08e"]


def test_the_proof_needs_a_session_and_an_event_in_the_log(
        office: Office, certified: Walk) -> None:
    number = certified.number
    office.client.cookies.clear()
    without = office.client.get("/office/log/proof?position=1")
    assert without.status_code == 303 and without.headers["location"].startswith("/office/login")
    assert office.client.get(f"/office/certificates/{number}/history").status_code == 303

    head = office.registry.recorder.max_notification_id() or 0
    assert office.regulator.get(f"/office/log/proof?position={head}").status_code == 200
    assert office.regulator.get("/office/log/proof?position=0").status_code == 422
    assert office.regulator.get("/office/log/proof?position=abc").status_code == 422
    # a position beyond the log's head is never covered by a checkpoint
    beyond = office.regulator.get(f"/office/log/proof?position={head + 1000}")
    assert beyond.status_code in (422, 503), beyond.text
