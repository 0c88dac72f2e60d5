"""The office's history pages (issue 22): a certificate's or an organisation's events, oldest first, each with its
leaf hash in the log's Merkle tree, and what the page's script needs to check, in the browser, that the event is in
the tree the latest signed checkpoint vouches for.

``GET /office/certificates/{number}/history`` and ``GET /office/organizations/{uscc}/history`` are pages for any
signed-in user. ``GET /office/log/proof?position=N`` answers, under the office session (a browser has no API token),
everything ``/static/office/verify-proof.js`` checks in one fetch: the entry's bytes as the log hashes them, its leaf
index, the inclusion proof in the tree of the latest checkpoint that covers the event, that checkpoint as signed and
the published key it names. The proof is ``LogView.prove_inclusion`` and the checkpoint ``api.routers.log``'s, as
the API's log routes answer them; the page trusts none of it: the script recomputes the leaf, the root and both
signatures (RFC 9162 §2.1.3.2; ``docs/API-NOTES.md``, "The tamper-evident log"; as ``api/log_verify.py`` does).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from api.inputs import MAX_POSITION
from api.keys import LEAKED
from api.office.frame import HEADERS, ROLES, Office, page, read, registry_of
from api.pages import STATUSES
from api.routers.certificates import as_issued
from api.routers.log import covering
from api.signing import Signer
from projections.log import Checkpoint, LogView, NotInTree
from registry.application import Registry
from registry.clock import SHANGHAI
from registry.entries import entry_of
from registry.errors import InvalidInput, NotFound, RuleViolation
from registry.history import HistoryEntry
from registry.identifiers import certificate_id

router = APIRouter(prefix="/office", include_in_schema=False)

# What happened, Chinese first: the events a certificate's or an organisation's history holds.
EVENTS: dict[str, tuple[str, str]] = {
    "Registered": ("组织登记", "Organisation registered"),
    "DetailsChanged": ("组织信息变更", "Organisation details changed"),
    "CaseOpened": ("开立认证案例", "Case opened"),
    "CertificateIssued": ("获颁证书", "Certificate issued to the organisation"),
    "CertificateWithdrawn": ("证书被撤销", "Certificate withdrawn from the organisation"),
    "Rectified": ("整改完成", "Rectified"),
    "Applied": ("提交认证申请", "Application made"),
    "DocumentReceived": ("收到申请文件", "Document received"),
    "SupplementRequested": ("要求补充材料", "Supplement requested"),
    "Accepted": ("受理申请", "Application accepted"),
    "NotAccepted": ("不予受理", "Application not accepted"),
    "AgreementSigned": ("签订认证合同", "Agreement signed"),
    "ProgrammePlanned": ("制定审核方案", "Audit programme planned"),
    "TeamAppointed": ("指派审核组", "Audit team appointed"),
    "Stage1Conducted": ("第一阶段审核", "Stage 1 audit"),
    "Stage2Conducted": ("第二阶段审核", "Stage 2 audit"),
    "ReportSubmitted": ("提交审核报告", "Audit report submitted"),
    "NonconformityClosed": ("不符合项关闭", "Nonconformity closed"),
    "Granted": ("认证决定：批准", "Decision: certification granted"),
    "Refused": ("认证决定：不予认证", "Decision: certification refused"),
    "Issued": ("颁发证书", "Certificate issued"),
    "Suspended": ("暂停证书", "Certificate suspended"),
    "Reinstated": ("恢复证书", "Certificate reinstated"),
    "Withdrawn": ("撤销证书", "Certificate withdrawn"),
    "Cancelled": ("注销证书", "Certificate cancelled"),
    "Expired": ("证书有效期届满", "Certificate expired"),
    "ChangeRequested": ("申请证书变更", "Change requested"),
    "Changed": ("变更证书", "Certificate changed"),
    "SurveillanceAuditRecorded": ("记录监督审核", "Surveillance audit recorded"),
    "SurveillanceNoticeRaised": ("发出监督审核提示", "Surveillance notice raised"),
    "RenewalWindowOpened": ("再认证期开始", "Renewal window opened"),
    "RenewedBy": ("由再认证证书接续", "Renewed by a new certificate"),
    "CorrectionRecorded": ("记录更正", "Correction recorded"),
    "PaperOriginalFiled": ("纸质原件归档", "Paper original filed"),
    "Created": ("创建记录", "Record created"),
}
RECORDS = {"certificate": ("证书", "Certificate"), "case": ("认证案例", "Case"),
           "organization": ("组织", "Organisation")}
SYSTEM = ("系统", "The registry")


def event_name(kind: str) -> tuple[str, str]:
    """What an event type says, Chinese and English; an event this table does not know is named by its type."""
    return EVENTS.get(kind, (kind, kind))


@dataclass(frozen=True)
class Row:
    """One event as the history page shows it."""

    position: int
    kind: str
    what: tuple[str, str]
    record: tuple[str, str]
    record_link: str | None
    recorded_at: datetime  # in Asia/Shanghai
    effective_on: date | None
    person: str | None  # the actor's name, when the actor is a person
    person_id: UUID | None
    role: tuple[str, str]
    leaf_hash: str


def _rows(registry: Registry, history: list[HistoryEntry], certificates: dict[UUID, str], uscc: str) -> list[Row]:
    """The events with their actors' names (each person read once) and links to their records."""
    names: dict[str, str | None] = {}
    for event in history:
        pid = event.actor.get("person")
        if pid and pid not in names:
            try:
                names[pid] = registry.get_person(pid).name
            except NotFound:
                names[pid] = None
    rows = []
    for event in history:
        pid = event.actor.get("person")
        role = event.actor.get("role", "")
        link = {"case": f"/office/cases/{event.record_id}", "organization": f"/office/organizations/{uscc}"}.get(
            event.record)
        if event.record == "certificate" and event.record_id in certificates:
            link = f"/office/certificates/{certificates[event.record_id]}"
        rows.append(Row(position=event.position, kind=event.type, what=event_name(event.type),
                        record=RECORDS.get(event.record, (event.record, event.record)), record_link=link,
                        recorded_at=event.recorded_at.astimezone(SHANGHAI), effective_on=event.effective_on,
                        person=names.get(pid) if pid else None, person_id=UUID(pid) if pid else None,
                        role=SYSTEM if role == "system" else ROLES.get(role, (role, role)), leaf_hash=event.leaf_hash))
    return rows


def _certificate(request: Request, number: str) -> dict[str, Any]:
    registry = registry_of(request)
    try:
        certificate = as_issued(request, number, registry.get_certificate)
    except InvalidInput as e:  # not a certificate number at all: a page of a record there is none of
        raise NotFound(e.detail) from None
    history = registry.certificate_history(certificate.number)
    status = certificate.as_shown(registry.clock.today()).status
    return {"subject": "certificate", "number": certificate.number, "cert_status": status,
            "status_words": STATUSES.get(status, (status, status)),
            "organization": certificate.organization,
            "rows": _rows(registry, history, {certificate.id: certificate.number}, certificate.organization["uscc"])}


def _organization(request: Request, uscc: str) -> dict[str, Any]:
    registry = registry_of(request)
    try:
        organization = registry.get_organization(uscc)
    except (InvalidInput, RuleViolation) as e:  # not a USCC at all (R-ID-1 names its form)
        raise NotFound(e.detail) from None
    history = registry.organization_history(organization.uscc)
    numbers = {certificate_id(n): n for n in organization.certificates}
    return {"subject": "organization", "organization": {"name": organization.name, "uscc": organization.uscc},
            "rows": _rows(registry, history, numbers, organization.uscc)}


@router.get("/certificates/{number}/history")
async def certificate_history(request: Request, signed: Office, number: str) -> HTMLResponse:
    """Every event of the certificate and of the cases behind it, oldest first."""
    return page(request, signed, "history", **await read(request, _certificate, request, number))


@router.get("/organizations/{uscc}/history")
async def organization_history(request: Request, signed: Office, uscc: str) -> HTMLResponse:
    """Every event of the organisation, its cases and its certificates, oldest first."""
    return page(request, signed, "history", **await read(request, _organization, request, uscc))


def _proof(request: Request, position: int, checkpoint: Checkpoint) -> dict[str, Any]:
    log: LogView = request.app.state.views.log
    try:
        index, leaf, path, root = log.prove_inclusion(position, checkpoint.size)
    except NotInTree as e:
        raise NotFound(str(e)) from None
    recorder = registry_of(request).recorder
    stored = list(recorder.select_notifications(position, 1, stop=position))
    if not stored or stored[0].id != position:
        raise NotFound(f"no event is stored at log position {position}")
    entry = entry_of(stored[0])
    signer: Signer = request.app.state.checkpoint_signer
    key = next((k for k in signer.published() if k.key_id == checkpoint.key_id), None)
    if key is None:
        raise NotFound(f"the checkpoint's key {checkpoint.key_id} is not among the published checkpoint keys")
    return {"position": position,
            "entry": {"leaf_index": index, "position": position, "leaf_hash": leaf.hex(),
                      "entry": base64.b64encode(entry.encode()).decode("ascii"),
                      "originator_id": str(entry.originator_id), "version": entry.version, "topic": entry.topic},
            "proof": {"leaf_index": index, "tree_size": checkpoint.size, "leaf_hash": leaf.hex(),
                      "audit_path": [p.hex() for p in path], "root_hash": root.hex()},
            "checkpoint": checkpoint.as_dict(),
            "key": key.as_dict(),
            "leaked_key_ids": sorted(LEAKED)}


@router.get("/log/proof")
async def proof(request: Request, signed: Office,
                position: Annotated[int, Query(ge=1, le=MAX_POSITION)]) -> JSONResponse:
    """What the page's script checks an event's inclusion with, in one answer: the entry (``entry``: as
    ``/api/v1/log/entries`` lists it), the inclusion proof in the tree of the latest checkpoint (``proof``: as
    ``/api/v1/log/proofs/inclusion`` answers it), that checkpoint (as ``/api/v1/log/checkpoint``) and its key (as
    ``/api/v1/public/keys`` lists it), with the ids of the keys whose private half was published (``api.keys``).
    Waits, as ``/api/v1/log/checkpoint?after=`` does, until a checkpoint covers
    the event."""
    checkpoint = await covering(request, position)
    return JSONResponse(await run_in_threadpool(_proof, request, position, checkpoint), headers=HEADERS)
