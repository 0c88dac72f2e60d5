"""The verify page in a real browser: Debian's headless Chromium, driven by Playwright, against a live uvicorn.

Checks what a person scanning a QR code sees: the status in words and in colour (computed by the browser), a forged
token shown as not matching, everything still there with JavaScript off, and no sideways scrolling on a 360 px
phone. Screenshots are saved to ``test-artifacts/`` at the repository root (git-ignored) to be looked at.

Chromium comes from Debian (``apt-get install -y chromium``; ``make test`` installs it), never from
``playwright install``: this machine has no network beyond the package registries.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.app import create_app
from api.settings import Settings
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import TODAY
from tests.e2e.test_verify_page import certified
from tests.live import free_port, in_thread

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
GREEN, AMBER = "rgb(27, 94, 32)", "rgb(255, 193, 7)"


@dataclass
class Site:
    base: str
    valid: str  # the verify URLs, each with its certificate's genuine token
    suspended: str
    forged: str  # the valid certificate's URL with one character of the token's signature changed



def forge(url: str) -> str:
    """The URL with one character in the middle of its token's signature part changed."""
    token = parse_qs(urlsplit(url).query)["t"][0]
    payload, signature = token.split(".")
    middle = len(signature) // 2
    altered = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]
    return url.replace(token, f"{payload}.{altered}")


@pytest.fixture(scope="module")
def site(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A live server (uvicorn in a thread, on a free port) on a fresh PostgreSQL schema, the clock at TODAY, with a
    valid certificate and a suspended one."""
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"),
                        FixedClock(TODAY))
    valid = certified(registry, "宝山清洁能源有限公司")
    suspended = certified(registry, "华能示例电力有限公司")
    assert valid.number and suspended.number
    registry.suspend(suspended.number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "体系重大缺陷",
                     actor=suspended.staff.decision)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(signing_key=str(tmp_path_factory.mktemp("keys") / "signing.key"), public_base_url=base)
    app = create_app(settings, registry=registry)
    try:
        with in_thread(app, port, "verify-page-server"):
            assert app.state.views.wait(registry.recorder.max_notification_id(), 10), "the views did not catch up"
            cert = {w.number: registry.get_certificate(w.number) for w in (valid, suspended) if w.number}
            urls = {n: app.state.signer.verify_url(n, c.organization["uscc"], c.issued_on, c.valid_until)
                    for n, c in cert.items()}
            yield Site(base, urls[valid.number], urls[suspended.number], forge(urls[valid.number]))
    finally:
        registry.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the page tests need Debian's chromium. Install it with "
                    "`apt-get install -y chromium` (as root; `make test` does it), never `playwright install`.",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page in a fresh phone-sized context (360 × 740 CSS px), JavaScript on as in any browser."""
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    try:
        yield context.new_page()
    finally:
        context.close()


def open_page(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, response and response.status


def computed(page: Page, selector: str, prop: str) -> str:
    value: str = page.evaluate("([s, p]) => getComputedStyle(document.querySelector(s))[p]", [selector, prop])
    return value


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``rgb(r, g, b)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def no_sideways_scroll(page: Page) -> None:
    inner: int = page.evaluate("window.innerWidth")
    scroll: int = page.evaluate("document.documentElement.scrollWidth")
    assert inner == 360, "the viewport meta tag should make the layout as wide as the phone"
    assert scroll <= 360, f"the page is {scroll} px wide on a 360 px phone: it scrolls sideways"


def test_a_valid_certificate_shows_valid_in_green_and_its_signature_matches(site: Site, phone: Page) -> None:
    open_page(phone, site.valid)

    banner = phone.locator("[data-status]")
    assert banner.get_attribute("data-status") == "valid"
    assert "有效" in banner.inner_text() and "Valid" in banner.inner_text()
    background = computed(phone, "[data-status]", "backgroundColor")
    assert background == GREEN
    assert contrast(background, computed(phone, "[data-status]", "color")) >= 4.5
    token = phone.locator("[data-token]")
    assert token.get_attribute("data-token") == "matches"
    assert "证书签名相符" in token.inner_text()
    assert "宝山清洁能源有限公司" in phone.locator("main").inner_text()
    no_sideways_scroll(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "verify-valid.png"), full_page=True)


def test_a_suspended_certificate_shows_suspended_in_amber(site: Site, phone: Page) -> None:
    open_page(phone, site.suspended)

    banner = phone.locator("[data-status]")
    assert banner.get_attribute("data-status") == "suspended"
    assert "暂停" in banner.inner_text() and "Suspended" in banner.inner_text()
    assert "管理体系存在重大缺陷" in banner.inner_text()
    background = computed(phone, "[data-status]", "backgroundColor")
    assert background == AMBER and background != GREEN
    assert contrast(background, computed(phone, "[data-status]", "color")) >= 4.5
    no_sideways_scroll(phone)


def test_a_forged_token_is_shown_as_not_matching(site: Site, phone: Page) -> None:
    open_page(phone, site.forged)

    token = phone.locator("[data-token]")
    assert token.get_attribute("data-token") == "mismatch"
    text = token.inner_text()
    assert "证书签名不符：可能是伪造或被篡改的证书" in text
    assert "Signature does not match: possibly forged or altered" in " ".join(text.split())
    assert contrast(computed(phone, "[data-token]", "backgroundColor"), computed(phone, "[data-token]", "color")) >= 4.5
    no_sideways_scroll(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "verify-forged.png"), full_page=True)


def test_everything_shows_with_javascript_disabled(site: Site, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, **PHONE)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        open_page(page, site.forged)
        main = page.locator("main").inner_text()
        assert page.locator("[data-status]").get_attribute("data-status") == "valid"
        assert page.locator("[data-token]").get_attribute("data-token") == "mismatch"
        for shown in ("有效", "Valid", "证书签名不符", "宝山清洁能源有限公司", "统一社会信用代码", "认证范围",
                      "颁证日期", "有效期至", "发证机构", "监督情况", "证书变化历史轨迹"):
            assert shown in main, shown
        assert page.locator("[data-status]").is_visible() and page.locator("[data-token]").is_visible()
    finally:
        context.close()


def test_an_unknown_number_is_a_404_page_for_a_person(site: Site, phone: Page) -> None:
    response = phone.goto(f"{site.base}/verify/CB-CEMS-1999-99999")

    assert response is not None and response.status == 404
    assert "未找到证书" in phone.locator("main").inner_text()
    no_sideways_scroll(phone)
