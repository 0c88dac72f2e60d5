"""A demo data set: several organisations with certificates in every status, each with a real history.

Everything goes through the application, dated relative to the registry's today, so the demo is a living
registry whatever the date. Loading it twice changes nothing: the demo organisations have fixed USCCs.

``demo_users`` gives the office one user per role, bound to the demo's own staff, each with a new random password
each time it is called (``registry serve --demo`` prints them on its console, and nowhere else).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from demo.scenario import SURVEILLANCE, Walk, enrol_staff, ensure_sector, review_surveillance
from registry.application import Registry
from registry.calendar import add_months, add_years
from registry.data_review import FactorEntry
from registry.errors import NotFound
from registry.values import Changes, DocumentKind, Level, Method, ScopeLevel

# Valid USCCs (check characters computed per GB 32100-2015).
DEMO_FACTOR_TABLE = "省级温室气体清单编制指南缺省值"
DEMO_ORGANIZATIONS = (
    ("91110000600037341L", "北京绿能电力有限公司", "北京市海淀区中关村大街1号", "燃煤发电的碳排放管理活动"),
    ("914403001922038216", "深圳华南制造股份有限公司", "深圳市南山区科技园路2号", "电子元器件制造的碳排放管理活动"),
    ("91350100M000100Y43", "福州海峡建材集团有限公司", "福州市鼓楼区五一北路3号", "水泥生产的碳排放管理活动"),
    ("91310000132200821H", "上海东方钢铁有限公司", "上海市宝山区富锦路4号", "钢铁冶炼的碳排放管理活动"),
    ("91330000142916567N", "浙江之江化工有限公司", "杭州市滨江区江南大道5号", "化工产品生产的碳排放管理活动"),
    ("91440300708461136T", "广东粤海物流有限公司", "广州市天河区珠江新城6号", "仓储物流服务的碳排放管理活动"),
)


# R-TEAM-3: the sector each demo organisation's scope falls in (in DEMO_ORGANIZATIONS' order), with its code in
# the body's list (GB/T 4754 divisions).
DEMO_SECTORS = (("电力", "D44"), ("电子设备制造", "C39"), ("建材", "C30"), ("钢铁", "C31"), ("化工", "C26"),
                ("仓储物流", "G59"))

# The office's demo users: name, role, the role's name in Chinese and English.
DEMO_USERS = (
    ("demo-intake", "intake", "受理", "Intake"),
    ("demo-auditor", "auditor", "审核（审核组长）", "Auditor (team leader)"),
    ("demo-decision", "decision", "认证决定", "Decision"),
    ("demo-admin", "admin", "管理", "Administrator"),
    ("demo-regulator", "regulator", "监管", "Regulator"),
)


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: str
    role_names: tuple[str, str]  # Chinese, English
    person_name: str
    password: str  # new each time: shown on the console once, never stored (only its hash, outside the log)


@dataclass(frozen=True)
class DemoEntry:
    uscc: str
    name: str
    number: str | None
    status: str


def load_demo(app: Registry) -> list[DemoEntry]:
    """Loads the demo set unless it is there already; answers what the demo holds."""
    try:
        app.organization_by_uscc(DEMO_ORGANIZATIONS[0][0])
    except NotFound:
        _load(app)
    return describe(app)


def demo_users(app: Registry) -> list[DemoUser]:
    """One office user per role, with a freshly generated password each: added the first time, bound to the demo's
    staff (the qualified team leader for the auditor; the regulator gets a person of its own), and given a new
    password on each later call (a revoked one is added again). The passwords are answered, never kept."""
    staff = demo_staff(app)
    users = []
    for name, role, zh, en in DEMO_USERS:
        person = staff.get(role)
        try:
            known = app.user_named(name)
        except NotFound:
            known = None
        if known is None or not known.active:
            app.add_user(name, [role], person)
        password = secrets.token_urlsafe(12)
        app.set_password(name, password)
        users.append(DemoUser(name, role, (zh, en), app.get_person(app.user_named(name).person).name, password))
    return users


def demo_staff(app: Registry) -> dict[str, UUID]:
    """The persons who acted for the body in the demo's first certification, by role: the intake reviewer, the
    decision maker and the administrator as the history records them, and the team's leader as the auditor."""
    uscc = DEMO_ORGANIZATIONS[0][0]
    try:
        history = app.organization_history(uscc)
        org = app.get_organization(uscc)
    except NotFound:
        return {}
    staff: dict[str, UUID] = {}
    for entry in history:
        role, person = entry.actor["role"], entry.actor["person"]
        if role in ("intake", "decision", "admin") and person and role not in staff:
            staff[role] = UUID(person)
    team = app.get_case(org.cases[0]).team if org.cases else None
    if team is not None:
        staff["auditor"] = team["leader"]
    return staff


def describe(app: Registry) -> list[DemoEntry]:
    entries = []
    for uscc, _, _, _ in DEMO_ORGANIZATIONS:
        try:
            org = app.get_organization(uscc)
        except NotFound:
            continue
        if not org.certificates:
            case = app.get_case(org.cases[-1]) if org.cases else None
            entries.append(DemoEntry(uscc, org.name, None, f"case {case.stage}" if case else "registered"))
        for number in org.certificates:
            entries.append(DemoEntry(uscc, org.name, number, app.get_certificate(number).status))
    return entries


def _load(app: Registry) -> None:
    today = app.clock.today()
    staff = enrol_staff(app, add_years(today, -5))
    # The body's reference table of the accounting guidelines' defaults (R-GHG-3), as the office's page shows it.
    app.publish_factor_table(DEMO_FACTOR_TABLE, "2026", [FactorEntry("natural_gas", Decimal("21.622"), "tCO2/万Nm3"),
                                                         FactorEntry("grid_power", Decimal("0.5703"), "tCO2/MWh"),
                                                         FactorEntry("raw_coal", Decimal("1.9003"), "tCO2/t")],
                             add_years(today, -1), actor=staff.admin)
    # The demo's sectors in the body's list, and the team evaluated for all of them (R-TEAM-3).
    for sector, code in DEMO_SECTORS:
        ensure_sector(app, sector, code, staff.admin)
    for auditor in (staff.leader, staff.member):
        app.record_evaluation(auditor, add_years(today, -5), [s for s, _ in DEMO_SECTORS], actor=staff.admin)

    def walk(index: int, start: date) -> Walk:
        uscc, name, address, scope = DEMO_ORGANIZATIONS[index]
        w = Walk(app, staff, start, uscc=uscc)
        w.organization(name, address)
        return w.apply(scope=scope, levels=(ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1, "GB/T 32150-2015"),),
                       sectors=[DEMO_SECTORS[index][0]])

    # Valid, with a surveillance audit and a change of address.
    green = walk(0, add_months(today, -8)).documents().accept().agree().programme().team().stage1().stage2()
    green.report().decide()
    number = green.number or ""
    review_surveillance(app, staff, number, add_months(today, -1))  # R-GHG-2: the audit's data reviewed first
    app.record_surveillance_audit(number, add_months(today, -1), staff.leader, [staff.member], **SURVEILLANCE,
                                  actor=staff.leader_actor)
    # A six-monthly surveillance programme (R-SURV-5) and a major change reported by the client (R-SURV-6).
    app.set_surveillance_programme(number, 6, "排放设施复杂、体系运行时间较短，监督频次为每6个月一次",
                                   actor=staff.leader_actor)
    app.record_incident(number, "major_change", today - timedelta(days=12), today - timedelta(days=5),
                        "新增燃气锅炉，碳排放边界变化", today + timedelta(days=60), actor=staff.intake)
    request = app.request_change(number, add_months(today, -1), add_months(today, -1) - timedelta(days=5),
                                 Changes(address="北京市海淀区中关村大街100号"), actor=staff.intake).ids["request"]
    app.change_certificate(number, request, today - timedelta(days=10), actor=staff.admin)

    # Suspended by the scheduler's rule: its surveillance audit was not held in time (R-SURV-4).
    lapsed = walk(1, add_months(today, -15)).documents().accept().agree().programme().team().stage1().stage2()
    lapsed.report().decide()
    app.suspend_if_surveillance_overdue(lapsed.number or "")

    # Withdrawn after a penalty by an enforcement authority (§11.3 (3)).
    penalised = walk(2, add_months(today, -10)).documents().accept().agree().programme().team().stage1()
    penalised.stage2(majors=1)
    penalised.close("NC-1").report().decide()
    on = today - timedelta(days=20)
    app.suspend(penalised.number or "", on, on - timedelta(days=2), "enforcement_penalty", "环保部门行政处罚",
                actor=staff.decision)
    app.withdraw(penalised.number or "", today - timedelta(days=5), today - timedelta(days=8), "enforcement_penalty",
                 "处罚事项未整改", actor=staff.decision)

    # Cancelled at the client's request.
    ceased = walk(3, add_months(today, -20)).documents().accept().agree().programme().team().stage1().stage2()
    ceased.report().decide()
    review_surveillance(app, staff, ceased.number or "", add_months(today, -9))
    app.record_surveillance_audit(ceased.number or "", add_months(today, -9), staff.leader, [staff.member],
                                  **SURVEILLANCE, actor=staff.leader_actor)
    app.cancel(ceased.number or "", today - timedelta(days=3), "client_request", "企业停产，申请注销",
               trigger_on=today - timedelta(days=12), actor=staff.decision)

    # Expired ten days ago after its three years, as the scheduler records it (R-EXP-1); it stays expired until its
    # cancellation falls due, 30 days after the expiry (R-CAN-1), so the scheduler of `registry serve` leaves it so.
    old = walk(4, add_years(today, -3) - timedelta(days=40)).documents().accept().agree().programme().team()
    old.stage1().stage2().report().decide()
    for months in (-30, -19, -8):
        review_surveillance(app, staff, old.number or "", add_months(today, months))
        app.record_surveillance_audit(old.number or "", add_months(today, months), staff.leader, [staff.member],
                                      **SURVEILLANCE, actor=staff.leader_actor)
    app.run_duties(old.number or "")

    # An application under way: documents incomplete, a supplement requested.
    missing = DocumentKind.CARBON_REVIEW_REPORT
    pending = walk(5, today - timedelta(days=6)).documents(skip=(missing,))
    app.request_supplement(pending.case, today - timedelta(days=4), [missing], "请补充碳评审报告", actor=staff.intake)
