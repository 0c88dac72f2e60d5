"""Builders and checks shared by the tests (STYLE.md, convention 11: builders in one factories module).

``refused`` and ``invalid`` wrap the command they check: it must be refused with exactly the error named (and the
rule and clause, where named), and nothing may be written. The builders walk a case through the application with
the defaults of ``demo.scenario.Walk``; every person and organisation they make is new.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

import pytest

from demo.scenario import ORGANIZATION_LEVEL, SECTOR, Staff, Walk, qualify
from registry.application import Registry
from registry.calendar import add_months
from registry.case import Case
from registry.errors import InvalidInput, RegistryError, RuleViolation
from registry.values import Actor, Basis, CaseKind, EmissionControl, RegistrationKind

E = TypeVar("E", bound=RegistryError)

CCAA = RegistrationKind.CCAA_CEMS_AUDITOR
ENMS = RegistrationKind.ENMS_AUDITOR
GHG = RegistrationKind.GHG_VERIFIER
REGISTERED_UNTIL = date(2030, 12, 31)


@contextmanager
def refused(app: Registry, error: type[E], rule: str | None = None,
            clause: str | None = None) -> Iterator[pytest.ExceptionInfo[E]]:
    """The command inside is refused with exactly ``error`` (by ``rule`` under ``clause``, where named), and writes
    nothing. The refusal is on the yielded ``ExceptionInfo`` once the block has run."""
    assert (rule is None) == (clause is None), "name a rule together with its clause"
    before = app.recorder.max_notification_id()
    with pytest.raises(error) as caught:
        yield caught
    assert type(caught.value) is error
    if rule is not None:
        assert isinstance(caught.value, RuleViolation)
        assert (caught.value.rule, caught.value.clause) == (rule, clause)
    assert app.recorder.max_notification_id() == before


@contextmanager
def invalid(app: Registry, field: str) -> Iterator[pytest.ExceptionInfo[InvalidInput]]:
    """The command inside is refused as malformed in ``field`` (exactly ``InvalidInput``), and writes nothing."""
    with refused(app, InvalidInput) as caught:
        yield caught
    assert caught.value.field == field


def enrol_auditor(app: Registry, staff: Staff, name: str = "审核员", *,
                  registrations: Sequence[tuple[RegistrationKind, date]] = ((CCAA, REGISTERED_UNTIL),),
                  valid_from: date = date(2015, 1, 1), evaluated_on: date | None = date(2019, 1, 1),
                  violation_on: date | None = None, sectors: Sequence[str] = (SECTOR,),
                  qualified_on: date | None = date(2015, 1, 1)) -> UUID:
    """A person holding ``registrations`` (each kind valid from ``valid_from`` through its date), evaluated on
    ``evaluated_on`` for ``sectors``, with education, work experience and the three trainings on record from
    ``qualified_on`` (R-STAFF-1; None: none) and a violation on ``violation_on`` (where not None). By default: a
    CCAA CEMS auditor, registered 2015–2030 and evaluated in 2019, like the staff fixture's member;
    ``registrations=()`` and ``evaluated_on=None`` make a person with no auditor qualification (a technical
    expert)."""
    pid: UUID = app.enrol_person(name, actor=staff.admin).ids["person"]
    for kind, valid_until in registrations:
        app.record_registration(pid, kind, f"{kind.value}-{pid.hex[:8]}", valid_from, valid_until,
                                actor=staff.admin)
    if evaluated_on is not None:
        app.record_evaluation(pid, evaluated_on, list(sectors), actor=staff.admin)
    if qualified_on is not None:
        qualify(app, pid, qualified_on, staff.admin)
    if violation_on is not None:
        app.record_violation(pid, violation_on, "审核记录不真实", actor=staff.admin)
    return pid


def reported(walk: Walk, majors: int = 0, *, apply: Mapping[str, Any] | None = None, **report: Any) -> Walk:
    """A case walked to its audit report: applied with ``apply``'s overrides, stage 2 (day 20) finding ``majors``
    major nonconformities, the report (day 22) with ``report``'s overrides."""
    walk.organization().apply(**(apply or {})).documents().accept().agree().programme().team()
    return walk.stage1().stage2(majors=majors).report(**report)


def certified(walk: Walk, decided_on: date = date(2026, 3, 31), **apply: Any) -> str:
    """The number of a certificate granted on ``decided_on`` (valid until the day before three years on), for a
    case applied with ``apply``'s overrides."""
    reported(walk, apply=apply).decide(decided_on=decided_on)
    assert walk.number is not None
    return walk.number


def applied_before_sectors(walk: Walk) -> Walk:
    """A case for a new organisation as the registry recorded it before R-TEAM-3 (``open_without_sectors``),
    walked on from here as any other."""
    walk.organization()
    walk.case_id = open_without_sectors(walk.app, walk.uscc, walk.start, walk.staff.intake)
    return walk


def open_without_sectors(app: Registry, uscc: str, applied_on: date, actor: Actor) -> UUID:
    """The id of an application of organisation ``uscc`` as the registry recorded it before R-TEAM-3 (issue 23):
    it names no sector (today's ``Registry.apply`` refuses that; the aggregate records it, as it did then)."""
    organization = app.organization_by_uscc(uscc)
    case = Case.open(organization_uscc=uscc, kind=CaseKind.INITIAL, applied_on=applied_on,
                     scope="电力生产的碳排放管理活动", levels=ORGANIZATION_LEVEL, basis=Basis(),
                     cems_operating_since=add_months(applied_on, -6), emission_control=EmissionControl(),
                     other_certifications=(), incident_report_commitment=True, today=app.clock.today(), actor=actor,
                     now=app.clock.now())
    organization.open_case(case.id, CaseKind.INITIAL, applied_on, actor=actor, now=app.clock.now())
    app.save(case, organization)
    assert app.get_case(case.id).sectors == ()
    return case.id


def race(*requests: Callable[[], Any]) -> list[Any]:
    """Sends the requests from threads released together."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = requests[i]()
        except Exception as e:  # the outcome is what is under test
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def renamed_below_the_api(app: Registry, staff: Staff, number: str, escaped: str) -> int:
    """Certificate ``number`` renamed as a faulty writer would, past every check of the domain: a genuine change
    request, the change made by the certificate itself with a placeholder name, and its stored event's JSON given
    the name ``escaped`` instead (JSON text, e.g. ``坏\\u0000名``: the stored bytes stay valid UTF-8), written straight
    through the event store's recorder. Answers the event's log position."""
    from dataclasses import replace

    from registry.values import Changes

    placeholder = "待替换名称有限公司"
    request = app.request_change(number, date(2026, 9, 10), date(2026, 9, 5), Changes(name=placeholder),
                                 actor=staff.intake).ids["request"]
    cert = app.certificate_by_number(number)
    cert.change(request, date(2026, 9, 20), today=app.clock.today(), actor=staff.admin, now=app.clock.now())
    stored = [app.mapper.to_stored_event(e) for e in cert.collect_events()]
    assert len(stored) == 1 and placeholder.encode() in stored[0].state
    state = stored[0].state.replace(placeholder.encode(), escaped.encode())
    positions = app.recorder.insert_events([replace(stored[0], state=state)])
    assert positions
    return positions[0]


def position_of(app: Registry, record_id: UUID, version: int) -> int:
    """The log position of the record's event ``version`` (R-REC-6 names a corrected event so); a position no event
    of the record has when there is no such version."""
    for stored in app.store.positioned_events(app.recorder, [record_id]):
        if stored.originator_version == version:
            return int(stored.id)
    return 10**9


def docx() -> bytes:
    """R-REC-5: an Office Open XML document as Word writes it: a zip whose first entry is [Content_Types].xml and
    which holds word/."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def ofd() -> bytes:
    """R-REC-5: an OFD (GB/T 33190) package: a zip whose root holds OFD.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD/>")
        package.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return out.getvalue()
