"""The public site in a real browser (R-PUB-1): Debian's headless Chromium, driven by Playwright, against a live
uvicorn, with JavaScript off as the pages need none. A person searches from ``/`` by a Chinese name fragment, opens
a result and reads its status history on a 375 px phone; the screenshot is saved to ``test-artifacts/``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from api.app import create_app
from api.settings import Settings
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import TODAY
from tests.e2e.test_verify_page import certified
from tests.e2e.test_verify_page_browser import ARTIFACTS, browser  # noqa: F401  (a fixture: Chromium)
from tests.live import free_port, in_thread

PHONE_375 = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True,
             "has_touch": True, "java_script_enabled": False}


@dataclass
class Site:
    base: str
    number: str  # 京西示范电力有限公司's certificate: issued, suspended, reinstated


@pytest.fixture(scope="module")
def site(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"),
                        FixedClock(TODAY))
    walk = certified(registry, "京西示范电力有限公司")
    certified(registry, "宝山清洁能源有限公司")
    assert walk.number
    registry.suspend(walk.number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "体系重大缺陷",
                     actor=walk.staff.decision)
    registry.reinstate(walk.number, date(2026, 7, 1), "已纠正", actor=walk.staff.decision)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(signing_key=str(tmp_path_factory.mktemp("keys") / "signing.key"), public_base_url=base)
    app = create_app(settings, registry=registry)
    try:
        with in_thread(app, port, "public-site-server"):
            assert app.state.views.wait(registry.recorder.max_notification_id(), 10), "the views did not catch up"
            yield Site(base, walk.number)
    finally:
        registry.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811  (the fixture imported above)
    context = browser.new_context(**PHONE_375)  # type: ignore[arg-type]
    try:
        yield context.new_page()
    finally:
        context.close()


def test_r_pub_1_a_name_fragment_typed_on_the_start_page_leads_to_the_certificate_and_its_history(
        site: Site, phone: Page) -> None:
    phone.goto(f"{site.base}/")
    phone.fill("input[name=q]", "示范电力")  # from the middle of the name
    with phone.expect_navigation():
        phone.click("form.lookup button")

    assert "/search?q=" in phone.url
    results = phone.locator("ol.results li")
    assert results.count() == 1 and "京西示范电力有限公司" in results.first.inner_text()

    with phone.expect_navigation():
        results.first.locator("a").click()

    assert phone.url == f"{site.base}/verify/{site.number}"
    history = phone.locator("#history li")
    assert [history.nth(i).get_attribute("data-event") for i in range(history.count())] == [
        "issued", "suspended", "reinstated"]
    text = phone.locator("#history").inner_text()
    assert "证书变化历史轨迹" in text and "管理体系存在重大缺陷" in text
    assert text.index("2026-03-31") < text.index("2026-06-01") < text.index("2026-07-01")
    width: int = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px phone: it scrolls sideways"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(Path(ARTIFACTS) / "public-verify-history-375.png"), full_page=True)
