"""A regulator verifies an event's inclusion proof in the browser: Debian's headless Chromium, driven by Playwright,
against a live uvicorn on PostgreSQL. The page's own script (/static/office/verify-proof.js, under the office's CSP)
recomputes the leaf hash and the root and checks the checkpoint's Ed25519 signatures with WebCrypto, and says so in
words, with the cosignature of the log's witness (a `registry witness serve` process) checked too (issue 26); the same
answer with one byte of the entry flipped, the checkpoint's signature or the witness's cosignature altered, is said NOT
verified. Screenshots go to ``test-artifacts/`` (git-ignored)."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from api import keys as key_files
from api.app import create_app
from api.passwords import Argon2idHasher
from api.settings import Settings
from api.signed_note import verifier
from demo.scenario import Walk, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE, TODAY
from tests.e2e.test_verify_page_browser import ARTIFACTS, browser  # noqa: F401  (a fixture)
from tests.live import free_port, in_thread
from tests.witnesses import witness_process

PASSWORD = "监管员的办公室口令 2026"
WITNESS = "regulator.example.cn/witness"


@dataclass
class Site:
    base: str
    number: str


@pytest.fixture(scope="module")
def site(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A live server on a fresh PostgreSQL schema with a certificate walked to issue and a regulator who has an
    office password."""
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"),
                        FixedClock(TODAY), passwords=Argon2idHasher())
    staff = enrol_staff(registry, STAFF_SINCE)
    walk = Walk(registry, staff, date(2026, 3, 1)).to_certificate()
    assert walk.number
    registry.add_user("监管员", ["regulator"])
    registry.set_password("监管员", PASSWORD)
    port = free_port()
    keys: Path = tmp_path_factory.mktemp("keys")
    log_key = key_files.make(keys / "checkpoint.key", key_files.parse_stamp("2026-01-01T00:00:00Z"))
    origin = f"127.0.0.1:{port}/log"
    log_vkey = verifier(origin, log_key.public_key()).vkey
    try:
        with witness_process(tmp_path_factory.mktemp("witness"), WITNESS, [f"{origin}={log_vkey}"]) as witness:
            settings = Settings(signing_key=str(keys / "signing.key"), checkpoint_key=str(keys / "checkpoint.key"),
                                public_base_url=f"http://127.0.0.1:{port}", checkpoint_interval=0.2,
                                run_scheduler=False, witnesses=f"{witness.vkey} {witness.url}", witness_retry=0.5)
            with in_thread(create_app(settings, registry=registry), port, "office-proof-server"):
                deadline = time.monotonic() + 20  # the latest checkpoint cosigned: the log's two lines and one
                while len(httpx.get(f"http://127.0.0.1:{port}/log/checkpoint").text.split("\n— ")) < 4:
                    assert time.monotonic() < deadline, "the witness did not cosign"
                    time.sleep(0.1)
                yield Site(f"http://127.0.0.1:{port}", walk.number)
    finally:
        registry.close()


def event(page: Page, kind: str) -> Locator:
    return page.locator(f'[data-event][data-type="{kind}"]').first


def tampering(page: Page, alter: Any) -> None:
    """Every proof the page fetches from now on, passed through ``alter`` (the JSON, changed in place)."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        alter(body)
        route.fulfill(response=response, json=body)

    page.route("**/office/log/proof?*", handle)


def flip_last_byte(body: dict[str, Any]) -> None:
    entry = bytearray(base64.b64decode(body["entry"]["entry"]))
    entry[-1] ^= 0x01
    body["entry"]["entry"] = base64.b64encode(bytes(entry)).decode("ascii")


def forge_cosignature(body: dict[str, Any]) -> None:
    note = body["checkpoint"]["signed_note"]
    head, _, line = note.rstrip("\n").rpartition("\n")
    name, _, encoded = line.partition(" ")[2].partition(" ")
    cosignature = bytearray(base64.b64decode(encoded))
    cosignature[20] ^= 0x01
    body["checkpoint"]["signed_note"] = f"{head}\n— {name} {base64.b64encode(bytes(cosignature)).decode()}\n"


def forge_signature(body: dict[str, Any]) -> None:
    signature = bytearray(base64.b64decode(body["checkpoint"]["signature"]))
    signature[10] ^= 0x01
    body["checkpoint"]["signature"] = base64.b64encode(bytes(signature)).decode("ascii")


def test_a_regulator_verifies_an_event_in_the_page_and_a_tampered_proof_is_not_verified(
        site: Site, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"{m.text} {m.location.get('url')}")
                if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        history = f"{site.base}/office/certificates/{site.number}/history"
        page.goto(history)
        page.get_by_label("用户名").fill("监管员")
        page.get_by_label("口令").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(history)
        expect(page.get_by_role("heading", level=1)).to_contain_text(site.number)

        issued = event(page, "Issued")
        issued.get_by_role("button", name="验证 Verify").click()
        outcome = issued.locator("[data-outcome]")
        expect(outcome).to_have_attribute("data-state", "verified", timeout=15_000)
        expect(outcome).to_contain_text("已验证：日志位置")
        expect(outcome).to_contain_text("Verified: the event at log position")
        expect(outcome).to_contain_text("检查点签名有效")
        expect(outcome).to_contain_text("已见证：1 位见证人中 1 位的副署在本浏览器中核验有效")
        expect(outcome).to_contain_text("Witnessed by 1 of 1")
        expect(page.locator("[data-witnessing]")).to_have_attribute("data-witnessing", "witnessed")
        assert outcome.get_attribute("role") == "status"
        ARTIFACTS.mkdir(exist_ok=True)
        issued.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "office-regulator-proof.png"), full_page=False)

        # one byte of the entry flipped on its way to the page: the leaf is no longer the one shown
        tampering(page, flip_last_byte)
        applied = event(page, "Applied")
        applied.get_by_role("button", name="验证 Verify").click()
        failed = applied.locator("[data-outcome]")
        expect(failed).to_have_attribute("data-state", "failed", timeout=15_000)
        expect(failed).to_contain_text("未通过验证")
        expect(failed).to_contain_text("NOT verified")
        expect(failed).to_contain_text("叶哈希")
        applied.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "office-regulator-proof-tampered.png"), full_page=False)

        # the checkpoint's signature altered: WebCrypto's Ed25519 says it does not hold
        page.unroute("**/office/log/proof?*")
        tampering(page, forge_signature)
        granted = event(page, "Granted")
        granted.get_by_role("button", name="验证 Verify").click()
        forged = granted.locator("[data-outcome]")
        expect(forged).to_have_attribute("data-state", "failed", timeout=15_000)
        expect(forged).to_contain_text("检查点正文的签名")
        expect(forged).to_contain_text("forged or altered")

        # the witness's cosignature altered: it does not hold, and the proof is not verified
        page.unroute("**/office/log/proof?*")
        tampering(page, forge_cosignature)
        recorded = event(page, "Accepted")
        recorded.get_by_role("button", name="验证 Verify").click()
        cosigned = recorded.locator("[data-outcome]")
        expect(cosigned).to_have_attribute("data-state", "failed", timeout=15_000)
        expect(cosigned).to_contain_text(f"见证人 {WITNESS} 的副署不成立")

        # the first outcome still stands, and nothing broke the page's script or its CSP
        expect(outcome).to_have_attribute("data-state", "verified")
        assert problems == [], problems
    finally:
        context.close()
