"""R-SOD-1 per client across the certification cycle (§4.2): nobody who reviewed the client's intake or decided on
it in the cycle audits it in surveillance, and nobody who reviewed its intake or audited it in the cycle, on its
surveillance teams too, decides on its renewal.

Given a certificate issued 2026-03-31 to a client, when a surveillance team or a renewal's decision maker is someone
who performed another function for that client in the cycle, then it is refused naming R-SOD-1 and nothing is
written; someone who performed none of them is accepted.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from demo.scenario import SURVEILLANCE, Staff, Walk, review_surveillance
from registry.application import Registry
from registry.clock import FixedClock
from registry.errors import SeparationOfDuties
from registry.values import Actor, Role
from tests.factories import CCAA, ENMS, REGISTERED_UNTIL, enrol_auditor, refused

AUDIT_ON = date(2026, 9, 1)
LEADS = [(CCAA, REGISTERED_UNTIL), (ENMS, REGISTERED_UNTIL)]  # may lead a team (R-TEAM-1)


def survey(app: Registry, staff: Staff, number: str, leader: UUID, on: date = AUDIT_ON) -> None:
    review_surveillance(app, staff, number, on)
    app.record_surveillance_audit(number, on, leader, [staff.member], actor=Actor(leader, Role.AUDITOR),
                                  **SURVEILLANCE)


def test_r_sod_1_the_certificates_decision_maker_does_not_audit_its_surveillance(app: Registry, staff: Staff,
                                                                                 walk: Walk) -> None:
    both = enrol_auditor(app, staff, "审核员兼决定人员", registrations=LEADS)  # qualified to audit and to decide
    walk.to_team().stage1().stage2().report().decide(actor=Actor(both, Role.DECISION))
    number = walk.number or ""
    review_surveillance(app, staff, number, AUDIT_ON)
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2") as caught:
        app.record_surveillance_audit(number, AUDIT_ON, both, [staff.member], actor=Actor(both, Role.AUDITOR),
                                      **SURVEILLANCE)
    assert "认证决定" in caught.value.detail and "decision" in caught.value.detail
    app.record_surveillance_audit(number, AUDIT_ON, staff.leader, [staff.member], actor=staff.leader_actor,
                                  **SURVEILLANCE)  # the case's own auditors may audit its surveillance
    assert len(app.get_certificate(number).surveillance["audits"]) == 1


def test_r_sod_1_the_intake_reviewer_does_not_audit_the_clients_surveillance(app: Registry, staff: Staff,
                                                                            walk: Walk) -> None:
    both = enrol_auditor(app, staff, "审核员兼受理人员", registrations=LEADS)
    walk.organization().apply().documents().accept(actor=Actor(both, Role.INTAKE)).agree().programme().team()
    walk.stage1().stage2().report().decide()
    number = walk.number or ""
    review_surveillance(app, staff, number, AUDIT_ON)
    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        app.record_surveillance_audit(number, AUDIT_ON, both, [staff.member], actor=Actor(both, Role.AUDITOR),
                                      **SURVEILLANCE)


def test_r_sod_1_who_audited_the_cycles_surveillance_does_not_decide_its_renewal(
        app: Registry, clock: FixedClock, staff: Staff, walk: Walk) -> None:
    surveyor = enrol_auditor(app, staff, "监督审核组长", registrations=LEADS)
    other = enrol_auditor(app, staff, "另一审核员", registrations=LEADS)  # performed nothing for this client
    walk.to_certificate()
    survey(app, staff, walk.number or "", surveyor)
    clock.set(date(2028, 11, 30))
    renewal = Walk(app, staff, date(2028, 10, 9), uscc=walk.uscc)
    renewal.apply(kind="renewal", renewal_of=walk.number).documents().accept().agree().programme().team()
    renewal.stage1().stage2().report()

    with refused(app, SeparationOfDuties, "R-SOD-1", "§4.2"):
        renewal.decide(decided_on=date(2028, 11, 8), actor=Actor(surveyor, Role.DECISION))
    renewal.decide(decided_on=date(2028, 11, 8), actor=Actor(other, Role.DECISION))
    assert renewal.number is not None
