"""Certificates: the staff view and history, surveillance, changes and status changes (§9, §11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from api.certificate_pdf import CJKFontMissing, render
from api.deps import Admin, Auditor, Decision, Intake, Reader, RegistryDep, Write, WriteContext, role_doc
from api.inputs import AsOf, certificate_number
from api.problems import NotInstalled
from api.schemas import (
    CancellationCreate,
    ChangeCreate,
    ChangeRequestCreate,
    History,
    MeasureCreate,
    ReinstatementCreate,
    SurveillanceCreate,
    Written,
)
from projections.runner import Views
from registry.errors import NotFound
from registry.history import plain
from registry.values import Actor, Changes
from registry.values import Written as Recorded
from registry.views import CertificateView

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates · 证书"])
DECISION = role_doc("decision")
T = TypeVar("T")


def as_issued(request: Request, number: str, act: Callable[[str], T]) -> T:
    """``act(number)``, or, when no certificate has exactly that number, ``act`` of the number as issued that it
    names ignoring case (the public view knows each number's spelling): a number typed in another case finds its
    certificate, and one typed as issued costs nothing more."""
    certificate_number(number)
    try:
        return act(number)
    except NotFound:
        views: Views = request.app.state.views
        issued = views.public.certificate_number(number)
        if issued is None or issued == number:
            raise
        return act(issued)


def on_certificate(w: WriteContext, number: str, command: Callable[[str, Actor], Recorded]
                   ) -> Callable[[Actor], Recorded]:
    """A command on the certificate ``number`` names, in any case (``as_issued``)."""
    return lambda actor: as_issued(w.request, number, lambda issued: command(issued, actor))


@router.get("/{number}", response_model=CertificateView, openapi_extra=role_doc("any staff", "regulator"),
            summary="A certificate: the §10.1 contents, status, surveillance, case ids, deadlines, versions")
def get(number: str, request: Request, registry: RegistryDep, _: Reader, as_of: AsOf) -> CertificateView:
    return as_issued(request, number, lambda n: registry.get_certificate(n, as_of))


@router.get("/{number}/certificate.pdf", response_class=Response, openapi_extra=role_doc("any staff", "regulator"),
             responses={200: {"content": {"application/pdf": {}}, "description": "the certificate, PDF/A-3b"}},
             summary="The certificate document: A4 PDF/A, Chinese first, §10.1 contents, the mark with the number "
                     "beneath it, the QR code of verify_url")
def certificate_pdf(number: str, request: Request, registry: RegistryDep, _: Reader) -> Response:
    view = as_issued(request, number, registry.get_certificate)
    try:
        pdf = render(view, request.app.state.signer)
    except CJKFontMissing as e:
        raise NotInstalled(str(e)) from None
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{quote(view.number, safe='')}.pdf\"",
        "Cache-Control": "no-store"})


@router.get("/{number}/history", response_model=History, openapi_extra=role_doc("regulator", "any staff"),
            summary="Every event of the certificate and of the cases behind it, oldest first")
def history(number: str, request: Request, registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return {"events": [plain(e) for e in as_issued(request, number, registry.certificate_history)]}


@router.post("/{number}/surveillance-audits", status_code=201, response_model=Written, openapi_extra=role_doc(
             "auditor (on the surveillance team)"), summary="Record a surveillance audit (R-SURV-1..3)")
async def surveillance(number: str, body: SurveillanceCreate, claim: Auditor, w: Write) -> dict[str, Any]:
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.record_surveillance_audit(
            n, body.conducted_on, body.team.leader, body.team.members, body.outcome, body.additional, body.reason,
            actor=actor)))


@router.post("/{number}/change-requests", status_code=201, response_model=Written, openapi_extra=role_doc("intake"),
             summary="The client's change request, due within 15 days of the change (R-CHG-1)")
async def change_request(number: str, body: ChangeRequestCreate, claim: Intake, w: Write) -> dict[str, Any]:
    changes = Changes(**body.changes.model_dump())
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.request_change(n, body.requested_on, body.changed_on, changes,
                                                              actor=actor)), id="request")


@router.post("/{number}/changes", response_model=Written, openapi_extra=role_doc("admin"),
             summary="Change the certificate within 30 days of the request; the number stays (R-CHG-1)")
async def change(number: str, body: ChangeCreate, claim: Admin, w: Write) -> dict[str, Any]:
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.change_certificate(n, body.request_id, body.changed_on,
                                                                  actor=actor)), version="version")


@router.post("/{number}/suspension", response_model=Written, openapi_extra=DECISION,
             summary="Suspend, within 7 days of the ground becoming known (R-SUS-1)")
async def suspension(number: str, body: MeasureCreate, claim: Decision, w: Write) -> dict[str, Any]:
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.suspend(n, body.on, body.known_on, body.ground, body.detail,
                                                       actor=actor)))


@router.post("/{number}/reinstatement", response_model=Written, openapi_extra=DECISION,
             summary="Reinstate a suspended certificate once the cause is corrected (R-SUS-2, R-SURV-4)")
async def reinstatement(number: str, body: ReinstatementCreate, claim: Decision, w: Write) -> dict[str, Any]:
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.reinstate(n, body.on, body.evidence, actor=actor)))


@router.post("/{number}/withdrawal", response_model=Written, openapi_extra=DECISION,
             summary="Withdraw, within 7 days of the ground becoming known (R-SUS-1); terminal")
async def withdrawal(number: str, body: MeasureCreate, claim: Decision, w: Write) -> dict[str, Any]:
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.withdraw(n, body.on, body.known_on, body.ground, body.detail,
                                                        actor=actor)))


@router.post("/{number}/cancellation", response_model=Written, openapi_extra=DECISION,
             summary="Cancel within 30 days of its ground (R-CAN-1); terminal")
async def cancellation(number: str, body: CancellationCreate, claim: Decision, w: Write) -> dict[str, Any]:
    return await w.run(claim, body.model_dump(mode="json"), on_certificate(
        w, number, lambda n, actor: w.registry.cancel(n, body.on, body.ground, body.detail, body.trigger_on,
                                                      actor=actor)))
