"""How a command sent by a caller is handled (``Registry.handle``): who sends it is decided, its idempotency key is
replayed or recorded, and the command is dispatched on its class to the ``Registry`` method of its step.

Who may act is decided here, by ``authorize``, and nowhere else: the command itself, the HTTP edge judging a large
body's sender, and an error answered before the command ran (a malformed body) all ask it. A key is recorded in the
command's own transaction (``Registry._commit``), so a command and its key are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from registry import calendar_steps, labels, reference_steps, reporting_steps, review_steps
from registry.commands import (
    AddSector,
    AddUser,
    Apply,
    AppointTeam,
    ApproveProgramme,
    Cancel,
    ChangeCertificate,
    ChangeRoles,
    CloseNonconformity,
    CloseSurveillanceNonconformity,
    Command,
    ConductStage1,
    ConductStage2,
    Correct,
    Decide,
    DecideAcceptance,
    EnrolPerson,
    FilePaperOriginal,
    PlanProgramme,
    ReceiveDocument,
    RecordEvaluation,
    RecordGround,
    RecordIncident,
    RecordQualification,
    RecordRectification,
    RecordRegistration,
    RecordSectors,
    RecordService,
    RecordSurveillanceAudit,
    RecordViolation,
    RecordWithdrawalElsewhere,
    RegisterOrganization,
    Reinstate,
    RequestChange,
    RequestSupplement,
    RevokeUser,
    RotateToken,
    SetPassword,
    SetSurveillanceProgramme,
    SignAgreement,
    SubmitReport,
    Suspend,
    Withdraw,
)
from registry.errors import RegistryError
from registry.idempotency import Idempotency
from registry.user import NO_TOKEN, Unauthenticated
from registry.values import Actor, Role, Written
from registry.views import UserView

if TYPE_CHECKING:
    from registry.application import Registry


class RoleNotAllowed(RegistryError):
    """The user holds no role that may call this endpoint."""


@dataclass(frozen=True)
class SignedIn:
    """The user an office session was signed in as, and the id of the password it was signed in with."""

    name: str
    password_id: str | None


@dataclass(frozen=True)
class Caller:
    """Who sends a command: the bearer token it came with (None when it came with none), or the name of the user
    signed in to the office it came from (``signed_in``: the office's session judged the password; the user must
    still be active and hold the command's role); and, for a request the sender may repeat safely, its
    idempotency key and the digest of the request (the same key with another request is refused)."""

    token: str | None
    key: str | None = None
    request_digest: str = ""
    signed_in: SignedIn | None = None


@dataclass(frozen=True)
class Handled:
    """A handled command's answer: what it wrote, whether that is the answer recorded for its key (nothing was
    written this time), and the token it issued, if it issues one: shown this once, never on a replay."""

    written: Written
    replayed: bool = False
    token: str | None = None


def authorize(registry: Registry, token: str | None, role: Role | None = None,
              signed_in: SignedIn | None = None) -> UserView:
    """The user holding ``token``, or the office's signed-in user named ``signed_in``, when it holds ``role`` (any
    role when None): ``Unauthenticated`` without either, with a token that lets no one in, or for a signed-in user
    revoked since; ``RoleNotAllowed`` when the user does not hold the role."""
    if token is None and signed_in is not None:
        user = registry.signed_in_user(signed_in.name, signed_in.password_id)
    elif token is None:
        raise Unauthenticated(NO_TOKEN)
    else:
        user = registry.authenticate(token)
    if role is not None and role.value not in user.roles:
        raise RoleNotAllowed(f"此操作须具有{labels.zh(labels.ROLES, role.value)}角色，{user.name} 的角色为"
                             f"{labels.zh_list(labels.ROLES, user.roles)} / "
                             f"this endpoint needs the {role.value} role; {user.name} holds {', '.join(user.roles)}")
    return user


def handle(registry: Registry, command: Command, caller: Caller) -> Handled:
    """``command`` run for ``caller`` acting in the command's role, on one connection and with the records it loads
    brought up to date from the log at its start; once per idempotency key, when the caller gives one."""
    with registry.one_connection(), registry.following():
        role = command.acting_role()
        user = authorize(registry, caller.token, role, caller.signed_in)
        actor = Actor(user.person, role)
        if caller.key is None:
            return perform(registry, command, actor)
        # Keys are the calling user's own: two users acting as one person never answer each other's requests.
        return once(registry, command, Idempotency(f"user:{user.id}", caller.key, caller.request_digest, actor))


def once(registry: Registry, command: Command, key: Idempotency) -> Handled:
    """``command`` as ``key.actor``, once per key: a repeat with the same request answers the first answer and writes
    nothing; the same key with another request is refused (``IdempotencyKeyReused``)."""
    replay = registry._replay(key)
    if replay is not None:
        return Handled(replay, replayed=True)
    try:
        return perform(registry, command, key.actor, key)
    except RegistryError:
        # A request with this key may have committed since we looked (a retry racing the original): its answer is
        # the answer, whatever this attempt ran into (a conflict, or the step already taken).
        replay = registry._replay(key)
        if replay is not None:
            return Handled(replay, replayed=True)
        raise


def perform(registry: Registry, command: Command, actor: Actor, key: Idempotency | None = None) -> Handled:
    """The ``Registry`` method of the command's step, as ``actor``, saving ``key`` with what it writes."""
    match command:
        # People
        case EnrolPerson() as c:
            return Handled(registry.enrol_person(c.name, actor=actor, idempotency=key))
        case RecordRegistration() as c:
            return Handled(registry.record_registration(c.person, c.kind, c.number, c.valid_from, c.valid_until,
                                                        actor=actor, idempotency=key))
        case RecordViolation() as c:
            return Handled(registry.record_violation(c.person, c.on, c.description, actor=actor, idempotency=key))
        case RecordEvaluation() as c:
            return Handled(registry.record_evaluation(c.person, c.on, c.sectors, actor=actor, idempotency=key))
        case RecordService() as c:
            return Handled(registry.record_service(c.person, c.client_uscc, c.kind, c.on, actor=actor,
                                                   idempotency=key))
        # Organisations
        case RegisterOrganization() as c:
            return Handled(registry.register_organization(c.uscc, c.name, c.address, actor=actor, idempotency=key))
        case RecordRectification() as c:
            return Handled(registry.record_rectification(c.uscc, c.on, c.evidence, actor=actor, idempotency=key))
        case RecordWithdrawalElsewhere() as c:
            return Handled(registry.record_withdrawal_elsewhere(c.uscc, c.from_body, c.certificate_number,
                                                                c.withdrawn_on, c.source, actor=actor,
                                                                idempotency=key))
        # The case
        case Apply() as c:
            return Handled(registry.apply(
                organization_uscc=c.organization_uscc, kind=c.kind, applied_on=c.applied_on, scope=c.scope,
                levels=c.levels, basis=c.basis, cems_operating_since=c.cems_operating_since,
                emission_control=c.emission_control, other_certifications=c.other_certifications,
                incident_report_commitment=c.incident_report_commitment, permits=c.permits,
                compliance_information=c.compliance_information, renewal_of=c.renewal_of, transfer=c.transfer,
                sectors=c.sectors, actor=actor, idempotency=key))
        case ReceiveDocument() as c:
            return Handled(registry.receive_document(c.case_id, c.kind, c.received_on, c.content,
                                                     content_type=c.content_type, filename=c.filename, actor=actor,
                                                     idempotency=key))
        case RequestSupplement() as c:
            return Handled(registry.request_supplement(c.case_id, c.requested_on, c.missing, c.note, actor=actor,
                                                       idempotency=key))
        case DecideAcceptance() as c:
            return Handled(registry.decide_acceptance(c.case_id, c.decided_on, c.accepted, c.review, c.reasons,
                                                      actor=actor, idempotency=key))
        case SignAgreement() as c:
            return Handled(registry.sign_agreement(c.case_id, c.signed_on, c.fee_paid_on, actor=actor,
                                                   idempotency=key))
        case PlanProgramme() as c:
            return Handled(registry.plan_programme(c.case_id, c.planned_on, c.person_days, c.integrated_with,
                                                   c.cems_standalone_person_days, c.basis, c.cycle, c.justification,
                                                   actor=actor, idempotency=key))
        case AppointTeam() as c:
            return Handled(registry.appoint_team(c.case_id, c.leader, c.members, c.experts, on=c.on, actor=actor,
                                                 idempotency=key))
        case ConductStage1() as c:
            return Handled(registry.conduct_stage1(c.case_id, c.conducted_on, c.on_site, c.off_site_ground,
                                                   c.justification, c.findings, person_days=c.person_days,
                                                   key_audit_points=c.key_audit_points,
                                                   document_review_rationale=c.document_review_rationale,
                                                   verified_years=c.verified_years, actor=actor, idempotency=key))
        case ConductStage2() as c:
            return Handled(registry.conduct_stage2(c.case_id, c.conducted_on, c.nonconformities, c.on_site,
                                                   person_days=c.person_days, actor=actor, idempotency=key))
        case CloseNonconformity() as c:
            return Handled(registry.close_nonconformity(c.case_id, c.ref, c.closed_on, c.evidence, actor=actor,
                                                        idempotency=key))
        case SubmitReport() as c:
            return Handled(registry.submit_report(
                c.case_id, c.submitted_on, c.focus_points, c.quantified_performance, c.measurement_and_verification,
                c.improvement_evaluation, c.cycle_effectiveness, c.actual_reductions,
                recertification=c.recertification, actor=actor, idempotency=key))
        case Decide() as c:
            return Handled(registry.decide(c.case_id, c.decided_on, c.grant, c.conditions, c.reasons, actor=actor,
                                           idempotency=key))
        # The certificate
        case RecordSurveillanceAudit() as c:
            return Handled(registry.record_surveillance_audit(
                c.number, c.conducted_on, c.leader, c.members, c.outcome, c.additional, c.reason, on_site=c.on_site,
                content=c.content, nonconformities=c.nonconformities, person_days=c.person_days, actor=actor,
                idempotency=key))
        case RequestChange() as c:
            return Handled(registry.request_change(c.number, c.requested_on, c.changed_on, c.changes, actor=actor,
                                                   idempotency=key))
        case ChangeCertificate() as c:
            return Handled(registry.change_certificate(c.number, c.request_id, c.changed_on, actor=actor,
                                                       idempotency=key))
        case Correct() as c:
            on = c.on or registry.clock.today()
            return Handled(registry.record_correction(c.kind, c.key, c.corrects, c.reason, on, changes=c.changes,
                                                      actor=actor, idempotency=key))
        case FilePaperOriginal() as c:
            on = c.on or registry.clock.today()
            return Handled(registry.file_paper_original(c.kind, c.key, c.scan, c.description, c.held_at, on,
                                                        actor=actor, idempotency=key))
        case RecordGround() as c:
            return Handled(registry.record_ground(c.number, c.ground, c.known_on, c.source, c.detail, actor=actor,
                                                  idempotency=key))
        case Suspend() as c:
            return Handled(registry.suspend(c.number, c.on, c.known_on, c.ground, c.detail, actor=actor,
                                            idempotency=key))
        case Reinstate() as c:
            return Handled(registry.reinstate(c.number, c.on, c.evidence, actor=actor, idempotency=key))
        case Withdraw() as c:
            return Handled(registry.withdraw(c.number, c.on, c.known_on, c.ground, c.detail, actor=actor,
                                             idempotency=key))
        case Cancel() as c:
            return Handled(registry.cancel(c.number, c.on, c.ground, c.detail, c.trigger_on, actor=actor,
                                           idempotency=key))
        # Surveillance beside the audit (R-SURV-5, R-SURV-6)
        case SetSurveillanceProgramme() as c:
            return Handled(registry.set_surveillance_programme(c.number, c.frequency_months, c.basis, c.on,
                                                               actor=actor, idempotency=key))
        case RecordIncident() as c:
            return Handled(registry.record_incident(c.number, c.kind, c.occurred_on, c.reported_on, c.description,
                                                    c.additional_audit_due_by, actor=actor, idempotency=key))
        case CloseSurveillanceNonconformity() as c:
            return Handled(registry.close_surveillance_nonconformity(c.number, c.ref, c.closed_on, c.evidence,
                                                                     actor=actor, idempotency=key))
        # People and programme substance (issue 23)
        case RecordQualification() as c:
            return Handled(registry.record_qualification(c.person, c.kind, c.subject, c.on, c.detail, actor=actor,
                                                         idempotency=key))
        case AddSector() as c:
            return Handled(registry.add_sector(c.name, c.code, actor=actor, idempotency=key))
        case RecordSectors() as c:
            return Handled(registry.record_sectors(c.case_id, c.sectors, c.on, actor=actor, idempotency=key))
        case ApproveProgramme() as c:
            return Handled(registry.approve_programme(c.case_id, c.approved_on, c.note, actor=actor,
                                                      idempotency=key))
        # Users and tokens
        case AddUser() as c:
            written, token = registry.add_user(c.name, c.roles, c.person, actor=actor, idempotency=key)
            return Handled(written, token=token)
        case RotateToken() as c:
            written, token = registry.rotate_token(c.name, actor=actor, idempotency=key)
            return Handled(written, token=token)
        case RevokeUser() as c:
            return Handled(registry.revoke_user(c.name, actor=actor, idempotency=key))
        case SetPassword() as c:
            return Handled(registry.set_password(c.name, c.password, actor=actor, idempotency=key))
        case ChangeRoles() as c:
            return Handled(registry.change_roles(c.name, c.roles, actor=actor, idempotency=key))
    # The data review (R-GHG-2..4) and the reference tables of default factors: registry.review_steps
    reviewed = review_steps.perform(registry, command, actor, key)
    if reviewed is not None:
        return Handled(reviewed)
    # The body's working calendar (R-CAL-1): registry.calendar_steps
    recorded = calendar_steps.perform(registry, command, actor, key)
    if recorded is not None:
        return Handled(recorded)
    # The monthly national report's submission (R-RPT-1): registry.reporting_steps
    submitted = reporting_steps.perform(registry, command, actor, key)
    if submitted is not None:
        return Handled(submitted)
    # The reference data of R-BASIS-1 and R-BODY-1: registry.reference_steps
    referenced = reference_steps.perform(registry, command, actor, key)
    if referenced is not None:
        return Handled(referenced)
    raise TypeError(f"no step handles {type(command).__name__}")
