"""A whole initial certification walked in the office, in a real browser (issue 22): Debian's headless Chromium,
driven by Playwright, against a live uvicorn on PostgreSQL, by four users each with their own role and browser
context — the intake clerk registers the organisation, applies, uploads the eleven documents (one downloaded back),
accepts and records the agreement; the team leader plans the programme; the admin appoints the team; the leader
records stage 1, stage 2 and the report; the decision maker grants, and the certificate's PDF is downloaded.

On the way: a wrong password, a refused step shown with its rule and nothing recorded, a separation-of-duties
refusal, a form posted without its CSRF token (403), and a session that expires. Every page type is checked with
axe-core (no serious or critical violation) and saved as a screenshot in ``test-artifacts/office-*.png``. The
regulator's in-browser proof check has its own test (test_office_proof_browser.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, ViewportSize, expect

from api.app import create_app
from api.settings import Settings
from demo.scenario import Staff, enrol_staff, new_uscc
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from registry.user import INVALID_SIGN_IN
from registry.values import DocumentKind
from tests.conftest import STAFF_SINCE, TODAY
from tests.e2e.axe import check_accessibility, described
from tests.e2e.test_verify_page_browser import ARTIFACTS, browser  # noqa: F401  (a fixture)
from tests.live import free_port, in_thread

PASSWORD = "办公室口令 office password 2026"
IDLE_MINUTES = 30
# The team leader also holds the decision role, as staff of a small body may: never for a case they audited (R-SOD-1).
USERS = {"受理员": ["intake"], "审核组长": ["auditor", "decision"], "管理员": ["admin"], "决定人员": ["decision"],
         "监管员": ["regulator"]}
TABLET = ViewportSize(width=800, height=1100)
DESK = ViewportSize(width=1280, height=900)


@dataclass
class Office:
    url: str
    registry: Registry
    clock: FixedClock
    staff: Staff


@pytest.fixture(scope="module")
def office(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """A live server on a fresh PostgreSQL schema, with a user per role bound to the qualified staff."""
    clock = FixedClock(TODAY)
    registry = Registry(RegistryConfig(database_url=f"{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"), clock)
    staff = enrol_staff(registry, STAFF_SINCE)
    people = {"受理员": staff.intake.person, "审核组长": staff.leader, "管理员": staff.admin.person,
              "决定人员": staff.decision.person, "监管员": None}
    for name, roles in USERS.items():
        registry.add_user(name, roles, people[name])
        registry.set_password(name, PASSWORD)
    port = free_port()
    keys: Path = tmp_path_factory.mktemp("keys")
    settings = Settings(signing_key=str(keys / "signing.key"), checkpoint_key=str(keys / "checkpoint.key"),
                        public_base_url=f"http://127.0.0.1:{port}", run_scheduler=False,
                        office_idle_minutes=IDLE_MINUTES)
    try:
        with in_thread(create_app(settings, registry=registry), port, "office-walk-server"):
            yield Office(f"http://127.0.0.1:{port}", registry, clock, staff)
    finally:
        registry.close()


def context_of(browser: Browser, tablet: bool = False) -> BrowserContext:  # noqa: F811
    # bypass_csp: axe-core is injected as an inline script (tests/e2e/axe.py); the answers keep their policy.
    return browser.new_context(viewport=TABLET if tablet else DESK, locale="zh-CN",
                               bypass_csp=True, accept_downloads=True)


def sign_in(page: Page, office: Office, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{office.url}/office/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("口令").fill(password)
    page.get_by_role("button", name="登录").click()


def looked_at(page: Page, name: str) -> None:
    """The page as it is now passes the accessibility check and is saved as a screenshot."""
    violations = check_accessibility(page)
    assert not violations, f"{name}:\n{described(violations)}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"office-{name}.png"), full_page=True)


def head(office: Office) -> int:
    return office.registry.recorder.max_notification_id() or 0


def open_step(page: Page, step: str) -> None:
    """Opens the case page's form of ``step`` (each is a <details>)."""
    details = page.locator(f"details[data-form='{step}']")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def fill_dates(page: Page, step: str, on: date) -> None:
    for field in page.locator(f"details[data-form='{step}'] input[type=date]").all():
        field.fill(on.isoformat())


def test_four_users_walk_an_initial_certification_in_the_office(office: Office, browser: Browser) -> None:  # noqa: F811
    contexts = {name: context_of(browser, tablet=(name == "审核组长")) for name in USERS}
    try:
        pages = {name: context.new_page() for name, context in contexts.items()}
        clerk, leader, admin, decider = pages["受理员"], pages["审核组长"], pages["管理员"], pages["决定人员"]

        # A wrong password: the one message, and no session.
        sign_in(clerk, office, "受理员", "not the password")
        expect(clerk.locator("[data-message]")).to_have_text(INVALID_SIGN_IN)
        looked_at(clerk, "sign-in")
        for name, page in pages.items():
            sign_in(page, office, name)
            expect(page).to_have_url(f"{office.url}/office/")
        looked_at(clerk, "work")

        # The intake clerk registers the organisation and applies for it.
        uscc = new_uscc()
        clerk.goto(f"{office.url}/office/organizations/new")
        clerk.get_by_label("统一社会信用代码").fill(uscc)
        clerk.get_by_label("组织名称").fill("浏览器示例能源有限公司")
        clerk.get_by_label("地址").fill("上海市浦东新区示例路1号")
        clerk.get_by_role("button", name="登记 Register").click()
        expect(clerk).to_have_url(re.compile(f"/office/organizations/{uscc}"))
        looked_at(clerk, "organization")
        clerk.goto(f"{office.url}/office/cases/new?uscc={uscc}")
        clerk.get_by_label("申请日期").fill("2026-10-01")
        clerk.get_by_label("认证范围").fill("电力生产的碳排放管理活动")
        clerk.get_by_label("碳排放管理体系运行起始日").fill("2026-03-01")
        clerk.get_by_label("承诺获证后报告重大碳排放相关事故").check()
        clerk.locator("input[name='sectors'][value='电力']").check()  # R-TEAM-3
        looked_at(clerk, "application")
        clerk.get_by_role("button", name="记录申请 Record the application").click()
        expect(clerk).to_have_url(re.compile(r"/office/cases/[0-9a-f-]{36}"))
        case_url = clerk.url.split("?")[0]

        # A refused step: acceptance before the checklist is complete, shown with its rule, nothing recorded.
        before = head(office)
        open_step(clerk, "acceptance")
        fill_dates(clerk, "acceptance", date(2026, 10, 3))
        clerk.locator("details[data-form='acceptance'] button[type=submit]").click()
        refusal = clerk.locator("details[data-form='acceptance'] [data-refusal]")
        expect(refusal).to_be_visible()
        assert refusal.get_attribute("data-rule", timeout=1000) is not None and "R-" in refusal.inner_text()
        assert head(office) == before
        looked_at(clerk, "case-refused")

        # The eleven documents, uploaded; one downloaded back, the same bytes as its SHA-256 says.
        for kind in DocumentKind:
            clerk.goto(case_url)
            open_step(clerk, "documents")
            clerk.locator("#doc-kind").select_option(kind.value)
            clerk.locator("#doc-received_on").fill("2026-10-02")
            clerk.locator("#doc-file").set_input_files(files=[FilePayload(
                name=f"{kind.value}.pdf", mimeType="application/pdf", buffer=f"%PDF-1.4 {kind.value} {uscc}".encode())])
            clerk.get_by_role("button", name="上传 Upload").click()
            expect(clerk.locator("[data-done]")).to_be_visible()
        content = f"%PDF-1.4 {list(DocumentKind)[0].value} {uscc}".encode()
        digest = hashlib.sha256(content).hexdigest()
        expect(clerk.locator(f"text={digest}")).to_have_count(1)
        link = clerk.locator(f"a[href$='/documents/{digest}']").first
        fetched = clerk.context.request.get(f"{office.url}{link.get_attribute('href')}")  # the browser's session
        assert fetched.ok and fetched.body() == content
        assert fetched.headers["content-disposition"].startswith("attachment")

        # Acceptance and agreement.
        open_step(clerk, "acceptance")
        fill_dates(clerk, "acceptance", date(2026, 10, 3))
        for box in clerk.locator("details[data-form='acceptance'] input[type=checkbox]").all():
            box.check()
        clerk.locator("#acc-reasons").fill("资料齐全")
        clerk.locator("details[data-form='acceptance'] button[type=submit]").click()
        expect(clerk.locator("[data-done]")).to_be_visible()
        open_step(clerk, "agreement")
        fill_dates(clerk, "agreement", date(2026, 10, 4))
        clerk.locator("details[data-form='agreement'] button[type=submit]").click()
        expect(clerk.locator("[data-stage]")).to_have_attribute("data-stage", "contracted")

        # The team leader plans the programme (on a tablet).
        leader.goto(case_url)
        open_step(leader, "programme")
        fill_dates(leader, "programme", date(2026, 10, 5))
        for name, text in (("size", "职工约 500 人"), ("scope", "电力生产"), ("facilities_complexity", "燃煤锅炉 1 台"),
                           ("system_maturity", "运行 7 个月")):  # R-PREP-2
            leader.locator(f"textarea[name='basis.{name}']").fill(text)
        leader.locator("#prog-cycle").fill("initial | 2026-10-31 | 4\nsurveillance | 2027-10-01 | 2\n"
                                           "surveillance | 2028-10-01 | 2\nrecertification | 2029-07-01 | 3")
        leader.locator("details[data-form='programme'] button[type=submit]").click()
        expect(leader.locator("[data-done]")).to_be_visible()

        # The admin appoints the team: the leader by name, the member (who has no office user) by person id.
        admin.goto(case_url)
        open_step(admin, "team")
        fill_dates(admin, "team", date(2026, 10, 6))
        admin.locator("#team-leader").select_option(str(office.staff.leader))
        admin.locator("#team-members-more").fill(str(office.staff.member))
        admin.locator("details[data-form='team'] button[type=submit]").click()
        expect(admin.locator("[data-stage]")).to_have_attribute("data-stage", "team_appointed")

        # Stage 1, stage 2 and the report, by the leader.
        leader.goto(case_url)
        open_step(leader, "stage1")
        fill_dates(leader, "stage1", date(2026, 10, 12))
        leader.locator("#s1-findings").fill("文件评审完成，具备二阶段审核条件")
        leader.locator("#s1-key_audit_points").fill("燃料计量\n外购电力台账")  # R-S1-2
        leader.locator("#s1-person_days").fill("1")  # R-PREP-2
        leader.locator("details[data-form='stage1'] button[type=submit]").click()
        expect(leader.locator("[data-stage]")).to_have_attribute("data-stage", "stage1_done")
        open_step(leader, "stage2")
        fill_dates(leader, "stage2", date(2026, 10, 22))
        leader.locator("#s2-person_days").fill("3")
        leader.locator("details[data-form='stage2'] button[type=submit]").click()
        expect(leader.locator("[data-stage]")).to_have_attribute("data-stage", "stage2_done")
        # The data review (R-GHG-2, R-GHG-4): one continuously measured activity datum, calibrated that day.
        open_step(leader, "activity_datum")
        fill_dates(leader, "activity_datum", date(2026, 10, 22))
        for field, value in (("item", "燃煤消耗量"), ("unit", "t"), ("source", "入厂煤计量"),
                             ("emissions_tco2e", "5000"), ("monitoring_method", "皮带秤"),
                             ("monitoring_frequency", "连续"), ("recording_frequency", "每班"),
                             ("missing_data_handling", "按库存差额补记"), ("calibration\\.equipment", "皮带秤 B-1"),
                             ("cross_checks", "燃料合同 | 购煤合同 | 是")):
            leader.locator(f"#ad-{field}").fill(value)
        leader.locator("details[data-form='activity_datum'] button[type=submit]").click()
        expect(leader.locator("[data-item]")).to_have_attribute("data-item", "燃煤消耗量")
        open_step(leader, "report")
        fill_dates(leader, "report", date(2026, 10, 24))
        for area in leader.locator("details[data-form='report'] textarea[name^='focus_points.']").all():
            area.fill("已审核，符合要求")
        leader.locator("#rep-quantified_performance").fill("单位发电量碳排放 | tCO2/MWh | 0.85 | 0.80 | 0.79")
        leader.locator("#rep-measurement_and_verification").fill("按GB/T 32150核算，现场抽样核对能源台账")
        leader.locator("#rep-improvement_evaluation").fill("体系运行促进了碳绩效持续改进")
        leader.locator("details[data-form='report'] button[type=submit]").click()
        expect(leader.locator("[data-stage]")).to_have_attribute("data-stage", "reported")
        looked_at(leader, "case-tablet")

        # The leader, who also holds the decision role, may not decide the case they audited (R-SOD-1): refused
        # beside the form, what was typed kept, nothing recorded.
        open_step(leader, "decision")
        fill_dates(leader, "decision", date(2026, 11, 1))
        leader.locator("#dec-reasons").fill("组长自己决定")
        before = head(office)
        leader.locator("details[data-form='decision'] button[type=submit]").click()
        expect(leader.locator("details[data-form='decision'] [data-refusal][data-rule='R-SOD-1']")).to_be_visible()
        expect(leader.locator("#dec-reasons")).to_have_value("组长自己决定")
        assert head(office) == before
        looked_at(leader, "case-separation-of-duties")

        # The decision: granted; the certificate's page and its PDF.
        decider.goto(case_url)
        open_step(decider, "decision")
        fill_dates(decider, "decision", date(2026, 11, 1))
        for condition in ("legal_compliance", "management_improved", "no_penalty"):
            decider.locator(f"#dec-conditions\\.{condition}").select_option("true")
        decider.locator("#dec-reasons").fill("满足认证决定条件")
        decider.locator("details[data-form='decision'] button[type=submit]").click()
        number_link = decider.locator("a[href^='/office/certificates/']").first
        expect(number_link).to_be_visible()
        looked_at(decider, "case")
        number_link.click()
        expect(decider).to_have_url(re.compile(r"/office/certificates/"))
        looked_at(decider, "certificate")
        pdf = decider.context.request.get(f"{office.url}{decider.locator('[data-pdf]').get_attribute('href')}")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
        # The certificate page with the auditor's surveillance forms open (issue 23: programme, audit substance, the
        # coming audit's data review).
        certificate_url = decider.url
        leader.goto(certificate_url)
        for step in ("surveillance-audits", "surveillance-programme", "step-surveillance_datum",
                     "step-surveillance_factor"):
            leader.locator(f"details#{step} summary").click()
        looked_at(leader, "certificate-auditor")

        # The other page types, each checked and saved.
        for path, name in (("/office/cases", "list-cases"), ("/office/certificates", "list-certificates"),
                           ("/office/organizations", "list-organizations"), ("/office/people", "list-people"),
                           ("/office/deadlines", "list-deadlines"), (f"/office/people/{office.staff.leader}",
                                                                     "person"),
                           ("/office/competence", "competence")):
            admin.goto(f"{office.url}{path}")
            looked_at(admin, name)
        admin.goto(f"{office.url}/office/users")
        looked_at(admin, "users")
        regulator = pages["监管员"]
        regulator.goto(f"{office.url}/office/organizations/{uscc}/history")
        looked_at(regulator, "history")
        regulator.goto(f"{certificate_url}/history")
        looked_at(regulator, "certificate-history")
        with regulator.expect_download() as downloading:  # the offline proof (R-REC-4, #26)
            regulator.get_by_role("link", name="下载离线证明").click()
        proof = downloading.value
        assert proof.suggested_filename == f"{certificate_url.rsplit('/', 1)[1]}.proof.json"
        assert json.loads(Path(proof.path()).read_bytes())["format"] == "cems-certificate-proof/1"

        # A form posted without its CSRF token: 403, nothing recorded.
        before = head(office)
        clerk.goto(case_url)
        clerk.evaluate("() => document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
        clerk.get_by_role("button", name="退出登录").click()
        expect(clerk.locator("[data-message]")).to_contain_text("CSRF")
        assert head(office) == before

        # A session idle longer than the limit has ended: the next page asks to sign in again.
        office.clock.advance(seconds=(IDLE_MINUTES + 1) * 60)
        decider.goto(f"{office.url}/office/cases")
        expect(decider).to_have_url(re.compile(r"/office/login\?next=/office/cases"))
    finally:
        for context in contexts.values():
            context.close()
