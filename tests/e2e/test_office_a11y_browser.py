"""The office's pages pass axe-core's check with no serious or critical violation (issue 22): the sign-in form, and
the admin's user pages (the list with its form, a user with its forms, a token shown once). Debian's headless
Chromium, driven by Playwright, against a live uvicorn on PostgreSQL; the context bypasses the office's CSP so that
axe can be injected (tests/e2e/axe.py). Screenshots go to ``test-artifacts/`` (git-ignored)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from api.app import create_app
from api.passwords import Argon2idHasher
from api.settings import Settings
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from tests.conftest import TODAY
from tests.e2e.axe import check_accessibility, described
from tests.e2e.test_verify_page_browser import ARTIFACTS, browser  # noqa: F401  (a fixture)
from tests.live import free_port, in_thread

PASSWORD = "管理员的办公室口令 2026"


@pytest.fixture(scope="module")
def office(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server on a fresh PostgreSQL schema with an admin who has an office password; its base URL."""
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"),
                        FixedClock(TODAY), passwords=Argon2idHasher())
    registry.add_user("管理员", ["admin"])
    registry.set_password("管理员", PASSWORD)
    registry.add_user("受理员", ["intake"])
    port = free_port()
    keys: Path = tmp_path_factory.mktemp("keys")
    settings = Settings(signing_key=str(keys / "signing.key"), checkpoint_key=str(keys / "checkpoint.key"),
                        public_base_url=f"http://127.0.0.1:{port}", run_scheduler=False)
    try:
        with in_thread(create_app(settings, registry=registry), port, "office-a11y-server"):
            yield f"http://127.0.0.1:{port}"
    finally:
        registry.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811
    # bypass_csp: axe is injected as an inline script, which the office's policy forbids (tests/e2e/axe.py).
    made = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", bypass_csp=True)
    try:
        yield made
    finally:
        made.close()


def test_the_sign_in_page_has_no_serious_accessibility_violation(office: str, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(f"{office}/office/login")

    violations = check_accessibility(page)

    assert violations == [], described(violations)
    page.get_by_label("用户名").fill("管理员")
    page.get_by_label("口令").fill("not the password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("[data-message]")).to_be_visible()
    refused = check_accessibility(page)
    assert refused == [], described(refused)


def test_the_user_pages_have_no_serious_accessibility_violation(office: str, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(f"{office}/office/login")
    page.get_by_label("用户名").fill("管理员")
    page.get_by_label("口令").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{office}/office/")
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{office}/office/users")
    listed = check_accessibility(page)
    page.screenshot(path=str(ARTIFACTS / "office-users.png"), full_page=True)

    page.locator('tr[data-user="受理员"] th a').click()
    one = check_accessibility(page)
    page.screenshot(path=str(ARTIFACTS / "office-user.png"), full_page=True)

    page.get_by_role("button", name="签发新令牌").click()
    expect(page.locator("[data-token]")).to_have_value(re.compile(r"^reg_"))
    token = check_accessibility(page)
    page.screenshot(path=str(ARTIFACTS / "office-user-token.png"), full_page=True)

    assert listed == [], described(listed)
    assert one == [], described(one)
    assert token == [], described(token)


def test_the_check_finds_a_serious_violation_where_there_is_one(context: BrowserContext) -> None:
    """The helper itself: an image without a text alternative and a field without a label are reported."""
    page = context.new_page()
    page.set_content('<!doctype html><html lang="zh-CN"><head><title>坏页</title></head><body><main><h1>坏页</h1>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></body></html>')

    found = {v["id"] for v in check_accessibility(page)}

    assert {"image-alt", "label"} <= found, found
