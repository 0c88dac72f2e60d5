"""Certificates: the staff view, history and offline proof, surveillance, changes and status changes (§9, §11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api import proof_bundle
from api.certificate_pdf import CJKFontMissing, render
from api.checkpoint_notes import UnknownCheckpointKey
from api.deps import Admin, Auditor, Decision, Intake, Reader, RegistryDep, issued_spelling, role_doc
from api.inputs import AsOf, certificate_number
from api.problems import NotCaughtUp, NotInstalled
from api.routers.log import covering, served_note
from api.schemas import (
    CancellationCreate,
    ChangeCreate,
    ChangeRequestCreate,
    GroundCreate,
    History,
    MeasureCreate,
    Problem,
    ReinstatementCreate,
    SurveillanceCreate,
    Written,
)
from api.witnessing import Witnesses
from projections.log import Checkpoint, LogView
from registry.application import Registry
from registry.commands import (
    Cancel,
    ChangeCertificate,
    RecordGround,
    RecordSurveillanceAudit,
    Reinstate,
    RequestChange,
    Suspend,
    Withdraw,
)
from registry.entries import Entry
from registry.errors import NotFound
from registry.history import plain
from registry.values import Changes, Nonconformity
from registry.views import CertificateView

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates · 证书"])
DECISION = role_doc("decision")
T = TypeVar("T")


def as_issued(request: Request, number: str, act: Callable[[str], T]) -> T:
    """``act(number)``, or, when no certificate has exactly that number, ``act`` of the number as issued that it
    names ignoring case (``deps.issued_spelling``): a number typed in another case finds its certificate, and one
    typed as issued costs nothing more. (A command on a certificate finds it so too: ``deps.Writer``.)"""
    certificate_number(number)
    try:
        return act(number)
    except NotFound:
        issued = issued_spelling(request, number)
        if issued is None:
            raise
        return act(issued)


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


async def offline_proof(request: Request, number: str) -> Response:
    """The certificate's offline proof (``api/proof_bundle.py``) as a file to keep: every event of its history
    with its tlog-proof against the latest checkpoint, once one covers them all (waiting as ``?after=`` does;
    ``NotCaughtUp``, naming the events not yet covered, after the timeout). The API's route and the office's link."""
    registry: Registry = request.app.state.registry
    number, entries = await run_in_threadpool(
        as_issued, request, number, lambda n: (n, registry.certificate_entries(n)))
    try:
        checkpoint = await covering(request, entries[-1].position)
    except NotCaughtUp:
        raise NotCaughtUp(await run_in_threadpool(_not_covered, request, number, entries)) from None
    content = await run_in_threadpool(_bundle, request, number, entries, checkpoint)
    return Response(content, media_type=proof_bundle.MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"{quote(proof_bundle.filename(number), safe='')}\"",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _bundle(request: Request, number: str, entries: list[Entry], checkpoint: Checkpoint) -> bytes:
    log: LogView = request.app.state.views.log
    witnesses: Witnesses = request.app.state.witnesses
    # The latest checkpoint that covers every event and the quorum of witnesses cosigned, where there is one (the
    # latest of all is often too new for its cosignatures): what `registry proof verify --witness` asks of it.
    witnessed = log.witnessed_size(((w.name, w.key_id) for w in witnesses.witnesses), witnesses.quorum)
    if witnessed and witnessed >= log.leaves_through(entries[-1].position):
        checkpoint = log.checkpoint(witnessed) or checkpoint
    try:
        note = str(served_note(request, checkpoint))
    except UnknownCheckpointKey as e:
        raise NotFound(str(e)) from None
    proofs = (log.prove_inclusion(e.position, checkpoint.size) for e in entries)
    return proof_bundle.write(number, note, ((e, index, path) for e, (index, _, path, _) in zip(
        entries, proofs, strict=True)))


def _not_covered(request: Request, number: str, entries: list[Entry]) -> str:
    log: LogView = request.app.state.views.log
    latest = log.checkpoint()
    size = latest.size if latest is not None else 0
    last = log.leaves(size - 1, size) if size else []
    covered = last[0][1] if last else 0
    waiting = ", ".join(str(e.position) for e in entries if e.position > covered)
    return (f"证书 {number} 的 {len(entries)} 个事件中，日志位置 {waiting} 的事件尚未被已签署的检查点覆盖（最新检查点"
            f"覆盖 {size} 个叶）；离线证明须覆盖全部事件，请稍后再试 / of the {len(entries)} events of certificate "
            f"{number}, those at log positions {waiting} are not yet covered by a signed checkpoint (the latest "
            f"covers {size} leaves); an offline proof covers every event: try again shortly")


@router.get("/{number}/proof", response_class=Response, openapi_extra=role_doc("regulator", "any staff"),
            responses={200: {"content": {proof_bundle.MEDIA_TYPE: {}}, "description": (
                "format cems-certificate-proof/1: the certificate's number, the checkpoint as a C2SP signed note, "
                "and per event its entry (base64) and its c2sp.org/tlog-proof@v1 text")},
                503: {"model": Problem, "content": {"application/problem+json": {}}, "description": (
                    "no checkpoint covers every event of the certificate within the timeout "
                    "(REGISTRY_AFTER_TIMEOUT): the detail names the events' log positions")}},
            summary="An offline proof of every event of the certificate against the latest checkpoint (C2SP "
                    "tlog-proof, with its entries; R-REC-4)",
            description="证书及其案例的每个事件（与 /history 相同）各附一份 C2SP tlog-proof，均针对同一个覆盖全部事件的"
                        "最新检查点（C2SP 签名注记，与 GET /log/checkpoint 相同），并附事件的记录字节；"
                        "`registry proof verify FILE --key VKEY` 仅凭检查点公钥离线核验。 / Every event of the "
                        "certificate and its cases (as /history lists them), each with a C2SP tlog-proof against "
                        "the one latest checkpoint that covers them all (a C2SP signed note, as GET /log/checkpoint "
                        "serves it), with the event's entry bytes; `registry proof verify FILE --key VKEY` checks it "
                        "offline with nothing but the checkpoint key's note_verifier_key.")
async def proof(number: str, request: Request, _: Reader) -> Response:
    return await offline_proof(request, number)


@router.post("/{number}/surveillance-audits", status_code=201, response_model=Written, openapi_extra=role_doc(
             "auditor (on the surveillance team)"),
             summary="Record a surveillance audit: on site, the five items of §9.1.3, its nonconformities with their "
                     "due dates, person-days (R-SURV-1..3, R-SURV-5); it meets the incidents reported by then "
                     "(R-SURV-6); it takes the data reviewed for it, at least one activity-data item (R-GHG-2), and "
                     "answers its quality_profile (R-GHG-4)")
async def surveillance(number: str, body: SurveillanceCreate, w: Auditor) -> dict[str, Any]:
    ncs = tuple(Nonconformity(nc.ref, nc.severity, nc.description, nc.due_by) for nc in body.nonconformities)
    return await w.run(RecordSurveillanceAudit(
        number, body.conducted_on, body.team.leader, body.team.members, body.outcome, body.additional, body.reason,
        on_site=body.on_site, content=body.content.model_dump() if body.content else None, nonconformities=ncs,
        person_days=body.person_days), body, quality_profile="quality_profile")


@router.post("/{number}/change-requests", status_code=201, response_model=Written, openapi_extra=role_doc("intake"),
             summary="The client's change request, due within 15 days of the change (R-CHG-1)")
async def change_request(number: str, body: ChangeRequestCreate, w: Intake) -> dict[str, Any]:
    changes = Changes(**body.changes.model_dump())
    return await w.run(RequestChange(number, body.requested_on, body.changed_on, changes), body, id="request")


@router.post("/{number}/changes", response_model=Written, openapi_extra=role_doc("admin"),
             summary="Change the certificate within 30 days of the request; the number stays (R-CHG-1)")
async def change(number: str, body: ChangeCreate, w: Admin) -> dict[str, Any]:
    return await w.run(ChangeCertificate(number, body.request_id, body.changed_on), body, version="version")


@router.post("/{number}/grounds", status_code=201, response_model=Written, openapi_extra=DECISION,
             summary="A ground for suspension or withdrawal became known: the 7 days of R-SUS-1 run from it at once, "
                     "tracked (R-SUS-3). Answers id")
async def ground(number: str, body: GroundCreate, w: Decision) -> dict[str, Any]:
    return await w.run(RecordGround(number, body.ground, body.known_on, body.source, body.detail), body, id="id")


@router.post("/{number}/suspension", response_model=Written, openapi_extra=DECISION,
             summary="Suspend, within 7 days of the ground becoming known (R-SUS-1)")
async def suspension(number: str, body: MeasureCreate, w: Decision) -> dict[str, Any]:
    return await w.run(Suspend(number, body.on, body.known_on, body.ground, body.detail), body)


@router.post("/{number}/reinstatement", response_model=Written, openapi_extra=DECISION,
             summary="Reinstate a suspended certificate once the cause is corrected (R-SUS-2, R-SURV-4)")
async def reinstatement(number: str, body: ReinstatementCreate, w: Decision) -> dict[str, Any]:
    return await w.run(Reinstate(number, body.on, body.evidence), body)


@router.post("/{number}/withdrawal", response_model=Written, openapi_extra=DECISION,
             summary="Withdraw, within 7 days of the ground becoming known (R-SUS-1); terminal")
async def withdrawal(number: str, body: MeasureCreate, w: Decision) -> dict[str, Any]:
    return await w.run(Withdraw(number, body.on, body.known_on, body.ground, body.detail), body)


@router.post("/{number}/cancellation", response_model=Written, openapi_extra=DECISION,
             summary="Cancel within 30 days of its trigger, whose date it names (R-CAN-1, R-CAN-2); terminal")
async def cancellation(number: str, body: CancellationCreate, w: Decision) -> dict[str, Any]:
    return await w.run(Cancel(number, body.on, body.ground, body.detail, body.trigger_on), body)
