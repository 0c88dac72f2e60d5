"""Signing in to the office and out again in a real browser: Debian's headless Chromium, driven by Playwright,
against a live uvicorn on PostgreSQL, the password hashed with Argon2id as the composition root does. A wrong
password is shown its one message first. Screenshots go to ``test-artifacts/`` (git-ignored)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from api.app import create_app
from api.passwords import Argon2idHasher
from api.settings import Settings
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from registry.user import INVALID_SIGN_IN
from tests.conftest import TODAY
from tests.e2e.test_verify_page_browser import ARTIFACTS, browser  # noqa: F401  (a fixture)
from tests.live import free_port, in_thread

PASSWORD = "决定人员的办公室口令 2026"


@pytest.fixture(scope="module")
def office(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server on a fresh PostgreSQL schema with one user who has an office password; its base URL."""
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"),
                        FixedClock(TODAY), passwords=Argon2idHasher())
    registry.add_user("决定人员", ["decision"])
    registry.set_password("决定人员", PASSWORD)
    port = free_port()
    keys: Path = tmp_path_factory.mktemp("keys")
    settings = Settings(signing_key=str(keys / "signing.key"), checkpoint_key=str(keys / "checkpoint.key"),
                        public_base_url=f"http://127.0.0.1:{port}", run_scheduler=False)
    try:
        with in_thread(create_app(settings, registry=registry), port, "office-server"):
            yield f"http://127.0.0.1:{port}"
    finally:
        registry.close()


def test_a_user_signs_in_and_out_of_the_office_in_the_browser(office: str, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{office}/office/")
        expect(page).to_have_url(f"{office}/office/login")

        page.get_by_label("用户名").fill("决定人员")
        page.get_by_label("口令").fill("not the password")
        page.get_by_role("button", name="登录").click()
        expect(page.locator("[data-message]")).to_have_text(INVALID_SIGN_IN)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "office-sign-in-refused.png"), full_page=True)

        page.get_by_label("口令").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{office}/office/")
        expect(page.locator("[data-user]")).to_have_text("决定人员")
        assert [c["httpOnly"] for c in context.cookies() if c["name"] == "office_session"] == [True]
        page.screenshot(path=str(ARTIFACTS / "office-signed-in.png"), full_page=True)

        page.get_by_role("button", name="退出登录").click()
        expect(page).to_have_url(f"{office}/office/login")
        page.goto(f"{office}/office/")
        expect(page).to_have_url(f"{office}/office/login")
    finally:
        context.close()
