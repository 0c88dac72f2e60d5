"""Records (§13: R-REC-1, R-REC-2, R-REC-3), certificate numbers (SPEC.md, Identifiers) and the round trip of every
event type through storage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from demo.scenario import SURVEILLANCE, Staff, Walk, demo_factor, enrol_staff, new_uscc, review_surveillance
from registry.application import SYSTEM, Registry, RegistryConfig
from registry.base import RegistryAggregate
from registry.case import Case
from registry.certificate import Certificate
from registry.clock import FixedClock
from registry.data_review import FactorEntry, Guideline, ReviewFindings
from registry.errors import InvalidInput
from registry.idempotency import Idempotency
from registry.identifiers import certificate_id
from registry.intake import CaseIntake
from registry.person import Person
from registry.user import Unauthenticated, User, user_id
from registry.values import (
    Actor,
    CancellationGround,
    CaseKind,
    Changes,
    DocumentKind,
    Level,
    Nonconformity,
    Organization,
    RegistrationKind,
    Role,
    ScopeLevel,
    ServiceKind,
    Severity,
    SurveillanceOutcome,
    SuspensionGround,
    Team,
)
from tests.conftest import STAFF_SINCE, TODAY
from tests.factories import certified, invalid, position_of

# Facts without a business date (the body's sector list, accepted bases and CNCA approvals are reference data:
# R-TEAM-3, R-BASIS-1, R-BODY-1; their validity is data of their own).
UNDATED = {"Person.Enrolled", "Organization.Registered", "NumberSequence.Started", "SectorList.Started",
           "SectorList.SectorAdded", "BasisList.Started", "BasisList.BasisAccepted", "ApprovalList.Started",
           "ApprovalList.ApprovalRecorded"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def stored(app: Registry) -> list[tuple[int, UUID, int, str, bytes]]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
            for n in app.recorder.select_notifications(1, 1000)]


def domain_events(app: Registry, start: int = 1) -> list[Any]:
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start, 1000)]


def event_name(event: Any) -> str:
    return type(event).__qualname__


@contextmanager
def registry(config: RegistryConfig, clock: FixedClock) -> Iterator[Registry]:
    app = Registry(config, clock)
    try:
        yield app
    finally:
        app.close()


# R-REC-1: every step is recorded with who did it (person and role) and when


def test_r_rec_1_every_event_carries_its_actor_effective_date_and_the_clocks_recorded_at(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    # given each step of a certification taken a minute after the one before
    steps: list[Callable[[], Any]] = [
        walk.organization, walk.apply, walk.documents, walk.accept, walk.agree, walk.programme, walk.team,
        walk.stage1, lambda: walk.stage2(majors=1), lambda: walk.close("NC-1"), walk.report, walk.decide,
        lambda: review_surveillance(app, staff, walk.number or "", date(2026, 11, 20)),
        lambda: app.record_surveillance_audit(walk.number or "", date(2026, 11, 20), staff.leader,
                                              **SURVEILLANCE, actor=staff.leader_actor),
        lambda: app.suspend(walk.number or "", date(2026, 11, 21), date(2026, 11, 20), "major_defect", "重大缺陷",
                            actor=staff.admin),
    ]
    recorded_at: dict[int, datetime] = {}
    for step in steps:
        clock.advance(seconds=60)
        before = app.recorder.max_notification_id() or 0
        step()
        recorded_at.update({n: clock.now() for n in range(before + 1, (app.recorder.max_notification_id() or 0) + 1)})
    # then every stored event names its actor, its effective date where it has one, and the clock's instant
    for event in domain_events(app):
        assert isinstance(event.actor, Actor) and isinstance(event.actor.role, Role)
        assert isinstance(event.actor.person, UUID) or event.actor.role is Role.SYSTEM
        if event_name(event) in UNDATED:
            assert event.effective_on is None
        else:
            assert type(event.effective_on) is date, event_name(event)
        assert event.recorded_at == event.timestamp
        assert event.recorded_at.utcoffset() == timedelta(0)  # recorded_at is UTC
    walked = domain_events(app, min(recorded_at))
    assert len(walked) == len(recorded_at)
    for position, event in zip(sorted(recorded_at), walked, strict=True):
        assert event.recorded_at == recorded_at[position], event_name(event)


def test_r_rec_1_each_step_names_the_person_and_role_that_performed_it(app: Registry, staff: Staff,
                                                                       walk: Walk) -> None:
    certified(walk)
    actors = {event_name(e): e.actor for e in app.events.get(walk.case)}
    assert actors["Case.Applied"] == staff.intake
    assert actors["Case.Accepted"] == staff.intake
    assert actors["Case.TeamAppointed"] == staff.admin
    assert actors["Case.Stage1Conducted"] == Actor(staff.leader, Role.AUDITOR)
    assert actors["Case.Granted"] == staff.decision


def test_r_rec_1_the_schedulers_steps_are_recorded_as_the_registrys_own(app: Registry, clock: FixedClock,
                                                                        walk: Walk) -> None:
    number = certified(walk)
    clock.set(date(2029, 3, 31))
    app.expire_if_due(number)
    expired = list(app.events.get(certificate_id(number)))[-1]
    assert expired.actor == SYSTEM
    assert expired.recorded_at == clock.now()


def test_r_rec_1_the_domain_refuses_an_event_without_the_registrys_clock(app: Registry, staff: Staff,
                                                                         clock: FixedClock) -> None:
    # given the registry's clock, an event is recorded at its instant
    person = Person.enrol("审核员", actor=staff.admin, now=clock.now())
    assert person.created_on == clock.now()
    # when an event is made without a timestamp, then the domain refuses to invent one
    with pytest.raises(RuntimeError, match="recorded_at"):
        Person._create(Person.Enrolled, id=uuid4(), name="审核员", actor=staff.admin, effective_on=None)
    with pytest.raises(RuntimeError, match="recorded_at"):
        person.trigger_event(Person.ViolationRecorded, description="违规", actor=staff.admin,
                             effective_on=date(2026, 1, 1))


# R-REC-2: records are never edited; a correction is a new event referring to the one it corrects


def test_r_rec_2_a_correction_is_a_new_event_and_leaves_earlier_events_byte_identical(app: Registry, staff: Staff,
                                                                                      walk: Walk) -> None:
    # given a certificate and the whole log as stored
    number = certified(walk)
    before = stored(app)
    view = app.get_certificate(number)
    # when its issue event (version 1) is corrected
    detail = "证书地址书写有误，应为浦东新区示例路88号"
    written = app.record_correction("certificate", number, position_of(app, certificate_id(number), 1), detail,
                                    date(2026, 11, 24), actor=staff.admin)
    # then one event is appended and every earlier one is unchanged, byte for byte
    after = stored(app)
    assert after[:len(before)] == before
    assert len(after) == len(before) + 1
    assert written.position == after[-1][0]
    correction = list(app.events.get(certificate_id(number)))[-1]
    assert isinstance(correction, RegistryAggregate.CorrectionRecorded)
    assert (correction.corrects_version, correction.actor, correction.effective_on) == (1, staff.admin,
                                                                                       date(2026, 11, 24))
    assert app.get_certificate(number) == view


def test_r_rec_2_a_correction_may_name_the_latest_version(app: Registry, staff: Staff, walk: Walk) -> None:
    certified(walk)
    version = len(list(app.events.get(walk.case)))
    app.record_correction("case", str(walk.case), position_of(app, walk.case, version), "决定理由补充说明",
                          date(2026, 11, 24), actor=staff.admin)
    assert list(app.events.get(walk.case))[-1].corrects_version == version


@pytest.mark.parametrize("corrects", ["nowhere", "the case's"])
def test_r_rec_2_correcting_an_event_that_is_not_the_records_is_refused(app: Registry, staff: Staff, walk: Walk,
                                                                        corrects: str) -> None:
    number = certified(walk)  # the certificate has one event: version 1
    position = 0 if corrects == "nowhere" else position_of(app, walk.case, 1)
    before = stored(app)
    with invalid(app, "corrects"):
        app.record_correction("certificate", number, position, "更正", date(2026, 11, 24), actor=staff.admin)
    assert stored(app) == before


def test_r_rec_2_a_correction_says_what_it_corrects(app: Registry, staff: Staff, walk: Walk) -> None:
    number = certified(walk)
    with invalid(app, "detail"):
        app.record_correction("certificate", number, position_of(app, certificate_id(number), 1), "  ",
                              date(2026, 11, 24), actor=staff.admin)


# R-REC-3: signed paper originals are kept: their scan by hash, and where the original is held


def test_r_rec_3_a_paper_original_is_stored_by_hash_with_where_it_is_held(app: Registry, staff: Staff,
                                                                          walk: Walk) -> None:
    number = certified(walk)
    scan = b"%PDF-1.7\n" + "认证决定书（签字版）扫描件".encode() + bytes(range(256))
    written = app.file_paper_original("certificate", number, scan, "认证决定书签字原件", "档案室A区3号柜",
                                      date(2026, 11, 24), actor=staff.admin)
    sha256 = hashlib.sha256(scan).hexdigest()
    assert written.ids["sha256"] == sha256
    assert app.document(sha256) == scan
    filed = list(app.events.get(certificate_id(number)))[-1]
    assert isinstance(filed, RegistryAggregate.PaperOriginalFiled)
    assert (filed.sha256, filed.held_at, filed.description) == (sha256, "档案室A区3号柜", "认证决定书签字原件")


@pytest.mark.parametrize("held_at", ["", "   "])
def test_r_rec_3_a_paper_original_without_where_it_is_held_is_refused(app: Registry, staff: Staff, walk: Walk,
                                                                      held_at: str) -> None:
    number = certified(walk)
    with invalid(app, "held_at"):
        app.file_paper_original("certificate", number, b"%PDF-1.7 scan", "认证决定书签字原件", held_at,
                                date(2026, 11, 24), actor=staff.admin)


# Certificate numbers: unique, never reused, from a configurable pattern


def test_numbers_follow_the_default_pattern_in_sequence(app: Registry, staff: Staff) -> None:
    numbers = [certified(Walk(app, staff, date(2026, 3, 2))) for _ in range(2)]
    assert numbers == ["CB-CEMS-2026-00001", "CB-CEMS-2026-00002"]


def test_numbers_are_unique_across_several_grants(app: Registry, staff: Staff) -> None:
    numbers = [certified(Walk(app, staff, date(2026, 3, 2 + i))) for i in range(4)]
    assert len(set(numbers)) == 4
    assert [app.get_certificate(n).number for n in numbers] == numbers


def test_numbers_follow_a_configured_pattern(clock: FixedClock) -> None:
    with registry(RegistryConfig(database_url="memory://", number_pattern="{body_code}/{seq:06d}"), clock) as app:
        staff = enrol_staff(app, STAFF_SINCE)
        assert [certified(Walk(app, staff, date(2026, 3, 2))) for _ in range(2)] == ["CB/000001", "CB/000002"]


@pytest.mark.parametrize("pattern", ["{body_code}-CEMS-{year}", "CB-CEMS-00001", "{body_code}-{year}-{n:05d}"])
def test_numbers_a_pattern_without_seq_is_refused_at_construction(clock: FixedClock, pattern: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Registry(RegistryConfig(database_url="memory://", number_pattern=pattern), clock)
    assert info.value.field == "number_pattern"


def test_numbers_a_pattern_with_an_unknown_field_is_refused_at_construction(clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as info:
        Registry(RegistryConfig(database_url="memory://", number_pattern="{body_code}-{region}-{seq:05d}"), clock)
    assert info.value.field == "number_pattern"


def test_numbers_restart_each_year_when_the_pattern_shows_the_year(app: Registry, staff: Staff) -> None:
    late_2025 = certified(Walk(app, staff, date(2025, 11, 3)), decided_on=date(2025, 12, 3))
    early_2026 = certified(Walk(app, staff, date(2026, 1, 5)), decided_on=date(2026, 2, 4))
    later_2026 = certified(Walk(app, staff, date(2026, 1, 5)), decided_on=date(2026, 2, 5))
    assert [late_2025, early_2026, later_2026] == ["CB-CEMS-2025-00001", "CB-CEMS-2026-00001", "CB-CEMS-2026-00002"]


def test_numbers_run_on_across_years_when_the_pattern_has_no_year(clock: FixedClock) -> None:
    with registry(RegistryConfig(database_url="memory://", number_pattern="{body_code}/{seq:06d}"), clock) as app:
        staff = enrol_staff(app, STAFF_SINCE)
        late_2025 = certified(Walk(app, staff, date(2025, 11, 3)), decided_on=date(2025, 12, 3))
        early_2026 = certified(Walk(app, staff, date(2026, 1, 5)), decided_on=date(2026, 2, 4))
        assert [late_2025, early_2026] == ["CB/000001", "CB/000002"]


# Round trip: every event type survives storage


def every_event_type() -> set[str]:
    """The name of every event an aggregate of the registry can record."""

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = {cls.__qualname__.rsplit(".", 1)[-1] for cls in subclasses(RegistryAggregate.Event)}
    return names - {"Event", "Created"}


def undated_strings(value: Any, path: str = "") -> Iterator[str]:
    """Paths inside an event's fields where a date came back as a string."""
    if isinstance(value, str):
        if ISO_DATE.match(value):
            yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from undated_strings(v, f"{path}.{k}")
    elif isinstance(value, list | tuple | set):
        for i, v in enumerate(value):
            yield from undated_strings(v, f"{path}[{i}]")
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from undated_strings(getattr(value, f.name), f"{path}.{f.name}")


def build_history(app: Registry, clock: FixedClock) -> dict[str, Any]:
    """A history holding every event type: a certificate through surveillance, change, suspension, reinstatement
    and withdrawal; a renewed certificate that then expires and is cancelled; a refused case; a not-accepted one."""
    staff = enrol_staff(app, STAFF_SINCE)
    app.record_violation(staff.member, date(2016, 5, 1), "2016年违规记录", actor=staff.admin)
    trainer = app.enrol_person("培训讲师", actor=staff.admin).ids["person"]
    app.record_service(trainer, new_uscc(), ServiceKind.TRAINING, date(2026, 1, 10), actor=staff.admin)

    main = Walk(app, staff, date(2026, 3, 2))
    main.to_team().stage1().stage2(majors=1).close("NC-1").report().decide(decided_on=date(2026, 3, 31))
    number = main.number or ""
    # R-GHG-2, R-GHG-3: the surveillance audit's data review, an activity datum and a factor, before the audit
    review_surveillance(app, staff, number, date(2026, 9, 1))
    app.review_surveillance_factor(number, demo_factor(Level.ORGANIZATION), date(2026, 9, 1),
                                   actor=staff.leader_actor)
    app.record_surveillance_findings(number, ReviewFindings("覆盖全部排放源", "边界完整", "抽查一致"), date(2026, 9, 1),
                                     actor=staff.leader_actor)  # §7.1
    app.record_surveillance_audit(number, date(2026, 9, 1), staff.leader, [staff.member],
                                  SurveillanceOutcome.NONCONFORMITIES, False, "", **SURVEILLANCE,
                                  nonconformities=[Nonconformity("S-1", Severity.MAJOR, "计量器具未校准",
                                                                 date(2026, 10, 1))], actor=staff.leader_actor)
    app.set_surveillance_programme(number, 6, "排放设施复杂", date(2026, 9, 5), actor=staff.leader_actor)
    app.record_incident(number, "major_incident", date(2026, 9, 4), date(2026, 9, 6), "锅炉泄漏事故",
                        date(2026, 10, 30), actor=staff.intake)
    app.close_surveillance_nonconformity(number, "S-1", date(2026, 9, 15), "校准证书", actor=staff.leader_actor)
    rid = app.request_change(number, date(2026, 9, 10), date(2026, 9, 1), Changes(name="华东新能源有限公司"),
                             actor=staff.admin).ids["request"]
    app.change_certificate(number, rid, date(2026, 9, 20), actor=staff.admin)
    app.suspend(number, date(2026, 10, 2), date(2026, 10, 1), SuspensionGround.MAJOR_DEFECT, "重大缺陷",
                actor=staff.admin)
    app.reinstate(number, date(2026, 10, 20), "整改验证报告", actor=staff.admin)
    app.record_ground(number, SuspensionGround.ENFORCEMENT_PENALTY, date(2026, 11, 1), "生态环境局通报",
                      actor=staff.admin)  # R-SUS-3
    app.withdraw(number, date(2026, 11, 2), date(2026, 11, 1), SuspensionGround.ENFORCEMENT_PENALTY, "行政处罚",
                 actor=staff.admin)
    app.record_withdrawal_elsewhere(main.uscc, "其他认证有限公司", "OTHER-1", date(2026, 10, 15), "认监委公开查询",
                                    actor=staff.admin)  # R-APP-5
    app.record_rectification(main.uscc, date(2026, 11, 20), "整改完成证明", actor=staff.admin)
    app.record_correction("certificate", number, position_of(app, certificate_id(number), 2), "监督审核日期更正说明",
                          date(2026, 11, 24), actor=staff.admin)
    sha256 = app.file_paper_original("certificate", number, b"%PDF-1.7 signed", "认证证书签字原件", "档案室B区",
                                     date(2026, 11, 24), actor=staff.admin).ids["sha256"]

    old = Walk(app, staff, date(2023, 1, 2))
    old_number = certified(old, decided_on=date(2023, 1, 31))  # valid until 2026-01-30
    renewal = Walk(app, staff, date(2025, 9, 1), uscc=old.uscc)
    renewal.apply(kind=CaseKind.RENEWAL, renewal_of=old_number).documents().accept().agree().programme().team()
    renewal.stage1().stage2().report(cycle_effectiveness="周期内有效", actual_reductions="减排8000吨").decide()
    app.expire_if_due(old_number)
    app.cancel(old_number, date(2026, 2, 10), CancellationGround.EXPIRED, actor=staff.admin)

    refused = Walk(app, staff, date(2026, 3, 2))
    refused.to_team().stage1().stage2().report()
    refused.decide(grant=False, conditions={"legal_compliance": False}, reasons="存在违法违规行为")

    # The data review's own records (R-GHG-2..4): a reference table, a default factor checked against it, findings.
    reviewed = Walk(app, staff, date(2026, 3, 2)).to_team()
    app.publish_factor_table("核算指南缺省值", "2026", [FactorEntry("natural_gas", Decimal("21.622"), "tCO2/万Nm3")],
                             actor=staff.admin)
    app.review_emission_factor(reviewed.case, replace(
        demo_factor(Level.ORGANIZATION), is_default=True, guideline=Guideline("核算指南缺省值", "2026", "natural_gas")),
        reviewed.day(8), actor=staff.leader_actor)
    app.record_review_findings(reviewed.case, ReviewFindings("有代表性", "边界完整", "准确"), reviewed.day(8),
                               actor=staff.leader_actor)
    # R-BASIS-1: a sector's certification requirements accepted as a further basis (the approval of R-BODY-1 is
    # enrol_staff's)
    app.accept_basis("电力行业认证要求", "2024", date(2024, 1, 1), date(2028, 12, 31), "sector", actor=staff.admin)
    # R-PREP-2: a programme below 4 person-days, justified and approved by a decision maker
    small = Walk(app, staff, date(2026, 3, 2)).to_acceptance().agree()
    small.programme(person_days=Decimal("3.5"), justification="单一厂区，工艺简单")
    app.approve_programme(small.case, date(2026, 3, 7), "同意按 3.5 人日实施", actor=staff.decision)

    not_accepted = Walk(app, staff, date(2026, 3, 2)).organization().apply()
    app.add_sector("热力", "D443", actor=staff.admin)  # R-TEAM-3: the scope's sectors recorded after the application
    app.record_sectors(not_accepted.case, ["电力", "热力"], date(2026, 3, 3), actor=staff.intake)
    app.request_supplement(not_accepted.case, date(2026, 3, 3), [DocumentKind.CARBON_REVIEW_REPORT], "请补充",
                           actor=staff.intake)
    not_accepted.accept(accepted=False, reasons="资料不全")

    # The scheduler's own records: a surveillance notice and the renewal window, among what is due by mid-2028.
    clock.set(date(2028, 6, 1))
    app.run_duties(renewal.number or "")
    # The working calendar (R-CAL-1): a case complete on 29 December 2026 counted Monday–Friday into 2027, the
    # scheduler awaiting 2027, and 2027 recorded (test data), which counts the case again.
    clock.set(date(2026, 12, 29))
    Walk(app, staff, date(2026, 12, 22)).organization().apply().documents(on=date(2026, 12, 29))
    app.await_calendar_years()
    app.record_calendar_year(2027, [date(2027, 1, 1)], [], "测试数据，非正式通知 / TEST DATA", actor=staff.admin)
    # The national report (R-RPT-1): November raised once it ended, and its submission recorded.
    app.await_national_reports()
    app.submit_national_report("2026-11", date(2026, 12, 29), "测试报送编号 TEST-1", actor=staff.admin)
    clock.set(TODAY)

    # Users and an idempotent command (their keys are records too); a revoked name added again; a token as a
    # registry recorded it before its digest was kept outside the log.
    app.add_user("监管员甲", ["regulator"])
    app.revoke_user("监管员甲")
    app.add_user("监管员甲", ["regulator"])
    legacy = app._get(User, user_id("监管员甲"), "user")
    legacy.trigger_event(User.TokenIssued, token_digest=hashlib.sha256(b"old").hexdigest(), actor=SYSTEM,
                         effective_on=None, timestamp=clock.now())
    app.save(legacy)
    app.change_roles("监管员甲", ["regulator", "auditor"])
    app.set_password("监管员甲", "监管员甲的口令 password")  # an office password, a sign-in and a failed one
    app.sign_in("监管员甲", "监管员甲的口令 password")
    with pytest.raises(Unauthenticated):
        app.sign_in("监管员甲", "not the password")
    app.record_evaluation(staff.member, date(2026, 1, 5), ["电力"], actor=staff.admin,
                          idempotency=Idempotency("scope", "key-1", "digest", staff.admin))
    return {"numbers": [number, old_number, renewal.number], "cases": [main.case, renewal.case, refused.case],
            "usccs": [main.uscc, old.uscc], "sha256": sha256}


def test_round_trip_every_event_type_survives_storage(tmp_path: Path, clock: FixedClock) -> None:
    # given a full history written to a SQLite file
    config = RegistryConfig(database_url=f"sqlite:///{tmp_path / 'r.db'}")
    with registry(config, clock) as first:
        history = build_history(first, clock)
        certificates = [first.get_certificate(n) for n in history["numbers"]]
        cases = [first.get_case(c) for c in history["cases"]]
        organizations = [first.get_organization(u) for u in history["usccs"]]
        log = stored(first)
    # when a second registry opens the same file
    with registry(config, clock) as second:
        # then the log is the same and holds every event type
        assert stored(second) == log
        events = domain_events(second)
        assert {event_name(e).rsplit(".", 1)[-1] for e in events} == every_event_type()
        # and the views read the same
        assert [second.get_certificate(n) for n in history["numbers"]] == certificates
        assert [second.get_case(c) for c in history["cases"]] == cases
        assert [second.get_organization(u) for u in history["usccs"]] == organizations
        assert second.document(history["sha256"]) == b"%PDF-1.7 signed"
        # and no date came back as a string
        for event in events:
            assert list(undated_strings(vars(event))) == [], event_name(event)
        # and enums, dates and value objects come back as their types
        number = history["numbers"][0]
        by_name = {event_name(e): e for e in second.events.get(certificate_id(number))}
        issued = by_name["Certificate.Issued"]
        assert (type(issued.effective_on), type(issued.valid_until)) == (date, date)
        assert isinstance(issued.organization, Organization)
        assert issued.levels[0] == ScopeLevel(Level.ORGANIZATION, issued.levels[0].method)
        assert type(issued.actor.role) is Role
        audit = by_name["Certificate.SurveillanceAuditRecorded"]
        assert isinstance(audit.team, Team) and isinstance(audit.team.leader, UUID)
        assert audit.outcome is SurveillanceOutcome.NONCONFORMITIES
        assert isinstance(by_name["Certificate.ChangeRequested"].changes, Changes)
        assert isinstance(by_name["Certificate.ChangeRequested"].request_id, UUID)
        assert by_name["Certificate.Suspended"].ground is SuspensionGround.MAJOR_DEFECT
        assert by_name["Certificate.Withdrawn"].ground is SuspensionGround.ENFORCEMENT_PENALTY
        case_events = {event_name(e): e for e in second.events.get(history["cases"][0])}
        assert case_events["Case.Applied"].kind is CaseKind.INITIAL
        assert isinstance(case_events["Case.ProgrammePlanned"].person_days, Decimal)
        assert case_events["Case.Stage2Conducted"].nonconformities[0] == Nonconformity(
            "NC-1", Severity.MAJOR, "能源计量器具未校准")
        assert type(case_events["Case.NonconformityClosed"].effective_on) is date
        cancelled = list(second.events.get(certificate_id(history["numbers"][1])))[-1]
        assert cancelled.ground is CancellationGround.EXPIRED and type(cancelled.trigger_on) is date
        # and the aggregates rebuilt from the log carry their types
        cert = second.certificate_by_number(number)
        assert isinstance(cert, Certificate) and type(cert.valid_until) is date
        assert cert.audits == [(date(2026, 9, 1), SurveillanceOutcome.NONCONFORMITIES)]
        case = second.case_by_id(history["cases"][0])
        assert isinstance(case, Case | CaseIntake) and case.kind is CaseKind.INITIAL
        assert all(isinstance(k, DocumentKind) for k in case.documents)
        assert second.person(audit.team.leader).registrations[0].kind is RegistrationKind.CCAA_CEMS_AUDITOR


def test_a_command_works_on_a_copy_of_the_cached_aggregate(app: Registry, walk: Walk) -> None:
    """The repository copies a cached aggregate for each command (``RegistryAggregate.__deepcopy__``): the copy
    equals it and shares nothing mutable with it, so a refused command leaves the cache as it was."""
    walk.organization().apply().documents()
    cached = app.repository.get(walk.case, deepcopy_from_cache=False)
    copy = app.repository.get(walk.case)
    assert copy is not cached and type(copy) is type(cached)
    assert copy.__dict__ == cached.__dict__
    for name, value in vars(cached).items():
        if isinstance(value, dict | list | set):
            assert vars(copy)[name] is not value, name
    with pytest.raises(InvalidInput):
        app.receive_document(walk.case, "no such kind", date(2026, 3, 3), b"x", actor=walk.staff.intake)
    assert app.repository.get(walk.case).__dict__ == cached.__dict__


def test_the_registrys_save_collects_its_aggregates_as_the_librarys_does(app: Registry, walk: Walk,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``Collected`` takes the events of the registry's own aggregates without the library's runtime-Protocol
    checks; the same events are stored, with their positions, and anything else goes the library's way."""
    from eventsourcing.application import ProcessingEvent

    library = ProcessingEvent.collect_events
    used: list[int] = []

    def counted(self: Any, *objs: Any, **kwargs: Any) -> None:
        used.append(len(objs))
        library(self, *objs, **kwargs)

    monkeypatch.setattr(ProcessingEvent, "collect_events", counted)
    person = Person.enrol("王五", actor=SYSTEM, now=app.clock.now())
    pending = len(person._pending_events)  # type: ignore[attr-defined]
    recordings = app.save(person, None)
    assert used == []
    assert [r.domain_event.originator_version for r in recordings] == list(range(1, pending + 1))
    assert app.person(person.id).name == "王五"

    event = Person.enrol("赵六", actor=SYSTEM, now=app.clock.now()).collect_events()[0]
    app.save(event)  # a bare event: the library's own collecting
    assert used == [1]
    assert app.recorder.select_events(event.originator_id)
