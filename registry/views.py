"""Plain, frozen data the application hands back: never an aggregate (STYLE.md, convention 6)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from registry.calendar import fallback_note
from registry.case import Case
from registry.certificate import Certificate
from registry.history import plain
from registry.intake import Stage
from registry.organization import Organization
from registry.person import Person
from registry.rules import missing_documents
from registry.user import User


@dataclass(frozen=True)
class UserView:
    """A user as the registry shows it: never its token, nor the token's digest."""

    id: UUID
    name: str
    roles: tuple[str, ...]
    person: UUID
    active: bool  # holds a token (not revoked)
    token_issued_at: datetime | None
    # The id of the office password's hash (kept outside the log; the id is in the log's PasswordSet event), None
    # when the user has no office password: an office session holds the one it was signed in with, and ends when
    # the password is set again.
    password_id: UUID | None = None

    @property
    def has_password(self) -> bool:
        return self.password_id is not None

    @classmethod
    def of(cls, u: User) -> UserView:
        return cls(id=u.id, name=u.name, roles=tuple(r.value for r in u.roles), person=u.person, active=u.active,
                   token_issued_at=u.token_issued_at, password_id=u.password_id)


@dataclass(frozen=True)
class PersonView:
    id: UUID
    name: str
    registrations: tuple[dict[str, Any], ...]
    violations: tuple[date, ...]
    evaluations: tuple[date, ...]
    services: tuple[dict[str, Any], ...]
    # R-STAFF-1, R-TEAM-3 (issue 23): education, work experience and training; each evaluation's sectors
    qualifications: tuple[dict[str, Any], ...] = ()
    evaluated_sectors: tuple[dict[str, Any], ...] = ()
    # issue 24: each violation with its description (as corrected, R-REC-6) and the version of the person's record
    # that recorded it; ``violations`` keeps their dates alone, as before
    violation_records: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, p: Person) -> PersonView:
        return cls(
            id=p.id, name=p.name,
            registrations=tuple({"kind": r.kind.value, "number": r.number, "valid_from": r.valid_from,
                                 "valid_until": r.valid_until} for r in p.registrations),
            violations=tuple(p.violations), evaluations=tuple(p.evaluations),
            services=tuple({"client_uscc": s.client_uscc, "kind": s.kind.value, "on": s.on} for s in p.services),
            qualifications=tuple({"kind": q.kind.value, "subject": q.subject, "on": q.on, "detail": q.detail}
                                 for q in p.qualifications),
            evaluated_sectors=tuple({"on": d, "sectors": list(sectors)} for d, sectors in p.evaluated_sectors),
            violation_records=tuple({"on": v.on, "description": v.description, "version": v.version}
                                    for v in p.violation_records),
        )


@dataclass(frozen=True)
class OrganizationView:
    id: UUID
    uscc: str
    name: str
    address: str
    cases: tuple[UUID, ...]
    certificates: tuple[str, ...]
    may_apply: bool  # R-APP-5
    # R-APP-5: the certificates withdrawn (here, or "<body> <number>" elsewhere) and the latest withdrawal's date
    withdrawn: tuple[str, ...] = ()
    withdrawn_on: date | None = None

    @classmethod
    def of(cls, o: Organization) -> OrganizationView:
        return cls(id=o.id, uscc=o.uscc, name=o.name, address=o.address, cases=tuple(o.cases),
                   certificates=tuple(o.certificates), may_apply=not o.withdrawn or o.rectified,
                   withdrawn=tuple(o.withdrawn), withdrawn_on=o.withdrawn_on)


@dataclass(frozen=True)
class CaseView:
    id: UUID
    organization_uscc: str
    kind: str
    stage: str
    applied_on: date
    scope: str
    eligible: bool
    eligibility_gaps: tuple[dict[str, str], ...]
    missing_documents: tuple[str, ...]
    documents: dict[str, str]
    acceptance_notice_due_by: date | None
    team: dict[str, Any] | None
    nonconformities: tuple[dict[str, Any], ...]
    report_gaps: tuple[dict[str, str], ...]
    decided_on: date | None
    certificate_number: str | None
    renewal_of: str | None
    findings: str
    deadlines: tuple[dict[str, Any], ...]
    quality_profile: dict[str, dict[str, str]] | None = None  # R-GHG-4: the data review's, as it stands
    # R-TEAM-3, R-PREP-2, R-S1-2 (issue 23): the scope's sectors, the programme and stage 1 as recorded
    sectors: tuple[str, ...] = ()
    programme: dict[str, Any] | None = None
    stage1: dict[str, Any] | None = None
    person_days_spent: dict[str, Any] = field(default_factory=dict)
    # R-CAL-1 (issue 24): the years the acceptance notice's due date was counted Monday–Friday for, and what that says
    acceptance_notice_fallback_years: tuple[int, ...] = ()
    acceptance_notice_note: str | None = None
    # R-TRF-1, R-TRF-2 (issue 24): the certificate transferred in, with its status as the body verified it
    transfer: dict[str, Any] | None = None

    @classmethod
    def of(cls, c: Case) -> CaseView:
        fallback = tuple(c.notice_fallback_years)
        note = fallback_note(fallback) if fallback and c.notice_due_by is not None else None
        team = None
        if c.team is not None:
            team = {"leader": c.team.leader, "members": list(c.team.members), "experts": list(c.team.experts),
                    "appointed_on": c.team_on}
        return cls(
            id=c.id, organization_uscc=c.organization_uscc, kind=c.kind.value, stage=c.stage.value,
            applied_on=c.applied_on, scope=c.scope, eligible=not c.gaps, eligibility_gaps=tuple(c.gaps),
            missing_documents=tuple(k.value for k in missing_documents(c.documents)),
            documents={k.value: v for k, v in c.documents.items()}, acceptance_notice_due_by=c.notice_due_by,
            team=team,
            nonconformities=tuple({"ref": nc.ref, "severity": nc.severity.value, "description": nc.description,
                                   "closed_on": c.closed.get(nc.ref)} for nc in c.nonconformities.values()),
            report_gaps=tuple(c.report_gaps), decided_on=c.decided_on, certificate_number=c.certificate_number,
            renewal_of=c.renewal_of, findings=c.findings,
            deadlines=tuple({"rule": "R-ACC-2", "subject": "acceptance notice", "due_on": c.notice_due_by,
                             "on_fallback": bool(fallback), "note": note}
                            for _ in (1,) if c.stage is Stage.APPLIED and c.notice_due_by is not None),
            quality_profile=c.profile_as_recorded(),
            sectors=tuple(c.sectors), programme=c.programme_record, stage1=c.stage1_record,
            person_days_spent=dict(c.person_days_spent),
            acceptance_notice_fallback_years=fallback, acceptance_notice_note=note,
            transfer=plain(c.transfer) if c.transfer is not None else None,
        )


@dataclass(frozen=True)
class CertificateView:
    """The §10.1 contents (R-CERT-1) with status and surveillance."""

    id: UUID
    number: str
    status: str
    status_since: date
    organization: dict[str, str]
    scope: str
    levels: tuple[dict[str, str], ...]
    basis: dict[str, Any]
    issued_on: date
    valid_until: date
    issuer: dict[str, str]
    surveillance: dict[str, Any]
    version: int
    case_ids: tuple[UUID, ...]
    renews: str | None
    renewed_by: str | None
    suspension_ground: str | None
    versions: tuple[dict[str, Any], ...]
    deadlines: tuple[dict[str, Any], ...]
    # R-SURV-5, R-SURV-6: the surveillance programme, the incidents recorded and the surveillance nonconformities.
    programme: dict[str, Any] | None = None
    incidents: tuple[dict[str, Any], ...] = ()
    nonconformities: tuple[dict[str, Any], ...] = ()
    # R-BODY-1: the number of the body's CNCA approval it was issued under (None: issued before it was recorded).
    approval_number: str | None = None

    def as_shown(self, today: date) -> CertificateView:
        """The certificate as it must be shown on ``today``: a lapsed validity or surveillance never shows as valid,
        even before the scheduler has recorded the expiry or the suspension (R-SURV-4, R-EXP-1)."""
        shown = lapse(self.status, self.valid_until, self.surveillance["next_due_by"], today)
        if shown is None:
            return self
        status, since, ground = shown
        return replace(self, status=status, status_since=since,
                       suspension_ground=ground if status == "suspended" else self.suspension_ground)

    @classmethod
    def of(cls, c: Certificate) -> CertificateView:
        return cls(
            id=c.id, number=c.number, status=c.status.value, status_since=c.status_since,
            organization={"name": c.organization.name, "address": c.organization.address,
                          "uscc": c.organization.uscc},
            scope=c.scope,
            levels=tuple({"level": sl.level.value, "method": sl.method.value, "reference": sl.reference}
                         for sl in c.levels),
            basis={"standard": c.basis.standard, "version": c.basis.version,
                   "sector_requirements": list(c.basis.sector_requirements)},
            issued_on=c.issued_on, valid_until=c.valid_until,
            issuer={"name": c.issuer.name, "address": c.issuer.address, "code": c.issuer.code},
            surveillance={"next_due_by": c.next_due_by,
                          "audits": [{"conducted_on": d, "outcome": o.value} for d, o in c.audits]},
            version=c.certificate_version, case_ids=tuple(c.case_ids), renews=c.renews, renewed_by=c.renewed_by,
            suspension_ground=c.suspension_ground.value if c.suspension_ground else None,
            versions=tuple({"version": v["version"], "since": v["since"], "scope": v["scope"],
                            "organization": {"name": v["organization"].name, "address": v["organization"].address,
                                             "uscc": v["organization"].uscc}} for v in c.versions),
            deadlines=tuple(c.open_deadlines()), approval_number=c.approval,
            **_surveillance_record(c),
        )


def _surveillance_record(c: Certificate) -> dict[str, Any]:
    record = c.surveillance_record()
    return {"programme": record["programme"], "incidents": tuple(record["incidents"]),
            "nonconformities": tuple(record["nonconformities"])}


def lapse(status: str, valid_until: date, next_due_by: date, today: date) -> tuple[str, date, str | None] | None:
    """What a certificate whose validity or surveillance has lapsed by ``today`` shows, before the scheduler records
    it: (status, since, suspension ground), or None when nothing has lapsed (R-EXP-1, R-SURV-4)."""
    if status in ("valid", "suspended") and valid_until < today:
        return "expired", valid_until + timedelta(days=1), None
    if status == "valid" and next_due_by < today:
        return "suspended", next_due_by + timedelta(days=1), "surveillance_overdue"
    return None
