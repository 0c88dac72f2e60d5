"""A certification walked through the application, step by step, with sensible defaults.

Used by the tests' builders, the benchmarks and the demo data set (``demo.dataset``): every step goes through the
application class, so what it builds is exactly what a certification body's staff would record. Each person and
organisation it makes is unique, so scenarios can share one database.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from demo.documents import sample_pdf
from registry.application import SYSTEM, Registry
from registry.calendar import add_months, add_years
from registry.data_review import (
    ActivityDatum,
    Calibration,
    CrossCheck,
    DataClass,
    DataOrigin,
    EmissionFactor,
    FactorTier,
    ReviewFields,
)
from registry.errors import AlreadyExists, ConcurrentChange
from registry.identifiers import USCC_CHARSET, uscc_check_character
from registry.values import (
    FOCUS_POINTS,
    RECERTIFICATION_ITEMS,
    SURVEILLANCE_CONTENT,
    Actor,
    CycleAudit,
    DocumentKind,
    Level,
    Method,
    Nonconformity,
    PerformanceIndicator,
    PlannedAudit,
    ProgrammeBasis,
    QualificationKind,
    RegistrationKind,
    Review,
    Role,
    ScopeLevel,
    Severity,
    TrainingSubject,
)

_counter = itertools.count(1)
_random = random.Random()


def new_uscc() -> str:
    """A fresh, valid USCC (R-ID-1): legal person (9), enterprise (1), a region, a random body code."""
    body = "9111" + "0105" + "".join(_random.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)


FULL_REVIEW = Review(information_sufficient=True, requirements_understood=True, competent_and_resourced=True)
ALL_CONDITIONS: dict[str, bool | None] = {
    "legal_compliance": True, "sector_requirements": None, "management_improved": True, "no_penalty": True,
}
FOCUS_TEXT = {name: f"已审核：{name}" for name in FOCUS_POINTS}
PERFORMANCE = (PerformanceIndicator("单位产品碳排放", "tCO2e/t", Decimal("1.20"), Decimal("1.10"), Decimal("1.08")),)
ORGANIZATION_LEVEL = (ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1),)
# R-SURV-5: what a surveillance audit records besides its date and team (on site by default); R-RECERT-2: what a
# renewal's report covers besides the initial report's items.
SURVEILLANCE_TEXT = {item: f"已审核：{item}" for item in SURVEILLANCE_CONTENT}
SURVEILLANCE: dict[str, Any] = {"content": SURVEILLANCE_TEXT, "person_days": Decimal(2)}
RECERTIFICATION_TEXT = {item: f"已评价：{item}" for item in RECERTIFICATION_ITEMS}


def demo_datum(level: Level, on: date, emissions: Decimal = Decimal("1200")) -> ActivityDatum:
    """A continuously measured activity datum, cross-checked against the fuel contract, calibrated a year back."""
    return ActivityDatum(
        item="天然气消耗量", unit="万Nm3", source="燃气计量表读数", data_class=DataClass.CONTINUOUS,
        lower_class_reason="", emissions_tco2e=emissions, level=level,
        review=ReviewFields(
            monitoring_method="流量计在线计量", monitoring_frequency="连续", recording_frequency="每日",
            missing_data_handling="以同期平均值替代并注明",
            calibration=Calibration("燃气流量计 FT-01", add_years(on, -1), add_years(on, 1) - timedelta(days=1)),
            cross_checks=(CrossCheck("燃料合同", "供气结算单", True),)),
        data_origin=DataOrigin.PRIMARY if level is Level.PRODUCT else None)


def demo_factor(level: Level, emissions: Decimal = Decimal("1200")) -> EmissionFactor:
    """A national emission factor (tier 5), with the reason a higher tier was not used."""
    return EmissionFactor(
        item="天然气排放因子", value=Decimal("21.622"), unit="tCO2/万Nm3", source="《核算指南》附录二",
        tier=FactorTier.NATIONAL, lower_tier_reason="未开展气质实测", is_default=False, guideline=None,
        measurement=None, emissions_tco2e=emissions, level=level,
        data_origin=DataOrigin.PRIMARY if level is Level.PRODUCT else None)


def review_surveillance(app: Registry, staff: Staff, number: str, on: date, level: Level | None = None) -> None:
    """R-GHG-2: the activity datum a surveillance audit's data review needs before the audit is recorded (on its
    date, by the team leader; ``level``: the scope's only level when not given)."""
    app.review_surveillance_datum(number, replace(demo_datum(level or Level.ORGANIZATION, on), level=level), on,
                                  actor=staff.leader_actor)


# R-TEAM-3: the sector the walks' scope falls in, and its code in the body's list.
SECTOR, SECTOR_CODE = "电力", "D44"
# R-BODY-1: the body's CNCA approval in the walks and the demo: demo data (no real approval has this number), valid
# over every date the tests, benchmarks and demo issue certificates on.
DEMO_APPROVAL = ("CNCA-R-DEMO-001", date(2000, 1, 1), date(2099, 12, 31))
# R-PREP-2: what the walks' programme is based on.
PROGRAMME_BASIS = ProgrammeBasis(size="职工约 800 人，单一厂区", scope="电力生产的碳排放管理活动",
                                 facilities_complexity="燃煤锅炉 2 台，排放设施中等复杂",
                                 system_maturity="体系运行 6 个月")
KEY_AUDIT_POINTS = ("燃料消耗台账与入厂煤化验", "排放因子实测数据的可靠性")


@dataclass
class Staff:
    """One of each function, kept apart as R-SOD-1 requires."""

    admin: Actor
    intake: Actor
    leader: UUID
    member: UUID
    decision: Actor

    @property
    def leader_actor(self) -> Actor:
        return Actor(self.leader, Role.AUDITOR)


@dataclass
class Walk:
    """Walks one case from application to certificate; each step may be overridden by its keyword arguments."""

    app: Registry
    staff: Staff
    start: date  # the application date; the walk's steps follow it by days
    uscc: str = field(default_factory=new_uscc)
    name: str = ""
    case_id: UUID | None = None
    number: str | None = None
    kind: str = "initial"

    def day(self, n: int) -> date:
        return self.start + timedelta(days=n)

    def organization(self, name: str | None = None, address: str = "上海市浦东新区示例路88号") -> Walk:
        self.name = name or f"示例能源有限公司{next(_counter)}"
        self.app.register_organization(self.uscc, self.name, address, actor=self.staff.intake)
        return self

    def apply(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(
            organization_uscc=self.uscc, kind="initial", applied_on=self.start, scope="电力生产的碳排放管理活动",
            levels=ORGANIZATION_LEVEL, cems_operating_since=add_months(self.start, -6),
            incident_report_commitment=True, sectors=[SECTOR], actor=self.staff.intake,
        )
        args.update(overrides)
        self.kind = str(getattr(args["kind"], "value", args["kind"]))
        self.case_id = self.app.apply(**args).ids["case"]
        return self

    def documents(self, on: date | None = None, skip: tuple[DocumentKind, ...] = ()) -> Walk:
        for kind in DocumentKind:
            if kind not in skip:
                self.app.receive_document(self.case, kind, on or self.day(1), sample_pdf(f"{kind.value} {self.uscc}"),
                                          content_type="application/pdf", filename=f"{kind.value}.pdf",
                                          actor=self.staff.intake)
        return self

    @property
    def case(self) -> UUID:
        if self.case_id is None:
            raise RuntimeError("apply first")
        return self.case_id

    def accept(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(decided_on=self.day(2), accepted=True, review=FULL_REVIEW,
                                    reasons="资料齐全", actor=self.staff.intake)
        args.update(overrides)
        self.app.decide_acceptance(self.case, **args)
        return self

    def agree(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(signed_on=self.day(3), fee_paid_on=self.day(3), actor=self.staff.intake)
        args.update(overrides)
        self.app.sign_agreement(self.case, **args)
        return self

    def programme(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(planned_on=self.day(4), person_days=Decimal(4), basis=PROGRAMME_BASIS,
                                    cycle=whole_cycle(self.day(4)), actor=self.staff.leader_actor)
        args.update(overrides)
        self.app.plan_programme(self.case, **args)
        return self

    def team(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(leader=self.staff.leader, members=[self.staff.member], on=self.day(5),
                                    actor=self.staff.admin)
        args.update(overrides)
        self.app.appoint_team(self.case, **args)
        return self

    def stage1(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(conducted_on=self.day(10), on_site=True, findings="准备就绪",
                                    person_days=Decimal(1), key_audit_points=KEY_AUDIT_POINTS,
                                    actor=self.staff.leader_actor)
        args.update(overrides)
        self.app.conduct_stage1(self.case, **args)
        return self

    def stage2(self, majors: int = 0, review: bool = True, **overrides: Any) -> Walk:
        """Stage 2 and, unless ``review`` is False, the data review its auditor records on its date (R-GHG-4)."""
        ncs = [Nonconformity(f"NC-{i + 1}", Severity.MAJOR, "能源计量器具未校准") for i in range(majors)]
        args: dict[str, Any] = dict(conducted_on=self.day(20), nonconformities=ncs, person_days=Decimal(3),
                                    actor=self.staff.leader_actor)
        args.update(overrides)
        self.app.conduct_stage2(self.case, **args)
        if review:
            self.data_review(args["conducted_on"], args["actor"])
        return self

    def data_review(self, on: date | None = None, actor: Actor | None = None) -> Walk:
        """The data review (R-GHG-2..4): one continuously measured activity datum for each level of the scope, and
        one national emission factor."""
        on, actor = on or self.day(20), actor or self.staff.leader_actor
        levels = [lv.level for lv in self.app.case_by_id(self.case).levels]
        for level in levels:
            self.app.review_activity_datum(self.case, demo_datum(level, on), on, actor=actor)
        self.app.review_emission_factor(self.case, demo_factor(levels[0]), on, actor=actor)
        return self

    def close(self, ref: str, on: date | None = None) -> Walk:
        self.app.close_nonconformity(self.case, ref, on or self.day(25), "校准证书已提供",
                                     actor=self.staff.leader_actor)
        return self

    def report(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(submitted_on=self.day(22), focus_points=FOCUS_TEXT,
                                    quantified_performance=PERFORMANCE,
                                    measurement_and_verification="按GB/T 32150核算，现场抽样核对能源台账",
                                    improvement_evaluation="体系运行促进了碳绩效持续改进",
                                    actor=self.staff.leader_actor)
        if self.kind == "renewal":
            args["recertification"] = RECERTIFICATION_TEXT  # R-RECERT-2
        args.update(overrides)
        self.app.submit_report(self.case, **args)
        return self

    def decide(self, **overrides: Any) -> Walk:
        args: dict[str, Any] = dict(decided_on=self.day(30), grant=True, conditions=ALL_CONDITIONS,
                                    reasons="满足认证决定条件", actor=self.staff.decision)
        args.update(overrides)
        written = self.app.decide(self.case, **args)
        self.number = written.ids.get("certificate_number")
        return self

    def to_acceptance(self) -> Walk:
        return self.organization().apply().documents().accept()

    def to_team(self) -> Walk:
        return self.to_acceptance().agree().programme().team()

    def to_certificate(self) -> Walk:
        return self.to_team().stage1().stage2().report().decide()


def whole_cycle(planned_on: date, person_days: Decimal = Decimal(4)) -> tuple[PlannedAudit, ...]:
    """R-PREP-2: a programme's cycle: the case's audit within a month, surveillance at 12 and 24 months, the
    recertification at 33 months."""
    return (PlannedAudit(CycleAudit.INITIAL, add_months(planned_on, 1), person_days),
            PlannedAudit(CycleAudit.SURVEILLANCE, add_months(planned_on, 12), Decimal(2)),
            PlannedAudit(CycleAudit.SURVEILLANCE, add_months(planned_on, 24), Decimal(2)),
            PlannedAudit(CycleAudit.RECERTIFICATION, add_months(planned_on, 33), Decimal(3)))


def qualify(app: Registry, person: UUID, on: date, admin: Actor) -> None:
    """R-STAFF-1: education, work experience and the three trainings on record from ``on``."""
    app.record_qualification(person, QualificationKind.EDUCATION, "环境工程 硕士", on, "某大学 2008 年毕业",
                             actor=admin)
    app.record_qualification(person, QualificationKind.WORK_EXPERIENCE, "能源管理 10 年", on, actor=admin)
    for subject in TrainingSubject:
        app.record_qualification(person, QualificationKind.TRAINING, subject.value, on, "机构内部培训 24 学时",
                                 actor=admin)


def ensure_sector(app: Registry, name: str, code: str, admin: Actor) -> None:
    """R-TEAM-3: ``name`` in the body's sector list (added unless it is there already)."""
    if name in app.sectors():
        return
    try:
        app.add_sector(name, code, actor=admin)
    except (AlreadyExists, ConcurrentChange):
        if name not in app.sectors():  # another writer added another sector at the same moment: try once more
            app.add_sector(name, code, actor=admin)


def ensure_approval(app: Registry, admin: Actor) -> None:
    """R-BODY-1: the demo's CNCA approval on record (recorded unless it is there already)."""
    number, valid_from, valid_until = DEMO_APPROVAL
    if any(a.number == number for a in app.approvals()):
        return
    try:
        app.record_approval(number, valid_from, valid_until, actor=admin)
    except ConcurrentChange:
        if not any(a.number == number for a in app.approvals()):  # another writer recorded another at that moment
            app.record_approval(number, valid_from, valid_until, actor=admin)


def enrol_staff(app: Registry, on: date, approval: bool = True) -> Staff:
    """Enrols an admin, an intake reviewer, a qualified team leader and member, and a decision maker; each of the
    four who perform a certification function has their qualifications on record (R-STAFF-1), the walks'
    sector is in the body's list (R-TEAM-3), and, unless ``approval`` is False, the body's demo CNCA approval is on
    record (R-BODY-1), so that the walks' grants issue certificates."""

    def enrol(name: str, by: Actor) -> UUID:
        pid: UUID = app.enrol_person(f"{name}{next(_counter)}", actor=by).ids["person"]
        return pid

    admin = Actor(enrol("管理员", SYSTEM), Role.ADMIN)
    intake = Actor(enrol("受理员", admin), Role.INTAKE)
    leader, member = enrol("审核组长", admin), enrol("审核员", admin)
    decision = Actor(enrol("认证决定人员", admin), Role.DECISION)
    valid_from, valid_until = add_years(on, -5), add_years(on, 10)
    for auditor, kinds in ((leader, (RegistrationKind.CCAA_CEMS_AUDITOR, RegistrationKind.ENMS_AUDITOR)),
                           (member, (RegistrationKind.CCAA_CEMS_AUDITOR,))):
        for kind in kinds:
            app.record_registration(auditor, kind, f"{kind.value}-{auditor.hex[:8]}", valid_from, valid_until,
                                    actor=admin)
        app.record_evaluation(auditor, add_years(on, -1), [SECTOR], actor=admin)
    for person in (intake.person, leader, member, decision.person):
        if person is not None:
            qualify(app, person, valid_from, admin)
    ensure_sector(app, SECTOR, SECTOR_CODE, admin)
    if approval:
        ensure_approval(app, admin)
    return Staff(admin=admin, intake=intake, leader=leader, member=member, decision=decision)
