"""The front pages in a real browser with no internet (Debian's headless Chromium, every request to anything but
this server refused): `/` leads a person to a certificate's verify page, and /docs and /redoc still show the API's
operations. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from api.app import create_app
from api.settings import Settings
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import TODAY
from tests.e2e.test_verify_page import certified
from tests.e2e.test_verify_page_browser import ARTIFACTS, browser  # noqa: F401  (the browser fixture)
from tests.live import free_port, in_thread

LOCAL = {"127.0.0.1", "localhost"}


@dataclass
class Site:
    base: str
    number: str  # a valid certificate's


@pytest.fixture(scope="module")
def site(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A live server (uvicorn in a thread, on a free port) on a fresh PostgreSQL schema, with one certificate."""
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"),
                        FixedClock(TODAY))
    number = certified(registry, "宁波港城能源有限公司").number
    assert number
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keys = tmp_path_factory.mktemp("keys")
    app = create_app(Settings(signing_key=str(keys / "signing.key"), checkpoint_key=str(keys / "checkpoint.key"),
                              public_base_url=url), registry=registry)
    try:
        with in_thread(app, port, "front-page-server"):
            assert app.state.views.wait(registry.recorder.max_notification_id(), 10), "the views did not catch up"
            yield Site(url, number)
    finally:
        registry.close()


@pytest.fixture
def offline(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:  # noqa: F811
    """A page whose every request off this machine is refused, with the URLs it tried and its console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    errors: list[str] = []

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        yield page, refused, errors
    finally:
        context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS) / name))


def test_the_start_page_s_search_opens_the_verify_page_of_the_number_typed(
        site: Site, offline: tuple[Page, list[str], list[str]]) -> None:
    page, refused, errors = offline

    page.goto(f"{site.base}/")
    screenshot(page, "front-home.png")
    page.fill("input[name=q]", f" {site.number.lower()} ")  # matched ignoring case
    with page.expect_navigation():
        page.click("form.lookup button")

    assert page.url == f"{site.base}/verify/{site.number}"
    assert page.locator("[data-status]").first.get_attribute("data-status") == "valid"
    assert (refused, errors) == ([], [])


def test_swagger_ui_shows_the_operations_without_the_internet(site: Site,
                                                              offline: tuple[Page, list[str], list[str]]) -> None:
    page, refused, errors = offline

    page.goto(f"{site.base}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    screenshot(page, "docs-swagger-ui.png")

    assert "/api/v1/public/certificates/{number}" in [p.replace("\u200b", "") for p in paths]
    assert (refused, errors) == ([], [])


def test_redoc_shows_the_operations_without_the_internet(site: Site,
                                                         offline: tuple[Page, list[str], list[str]]) -> None:
    page, refused, errors = offline

    page.goto(f"{site.base}/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=20_000)
    operations = page.locator("[data-section-id^='operation/']").count()
    screenshot(page, "docs-redoc.png")

    # ReDoc's sidebar shows its maker's logo from their CDN: the page's policy keeps the browser from asking for it.
    unexpected = [e for e in errors if not (e.startswith("Loading the image") and "Content Security Policy" in e)]

    assert operations > 20
    assert (refused, unexpected) == ([], [])
