"""The office's history pages (issue 22): a certificate's or an organisation's events, oldest first, each with its
leaf hash in the log's Merkle tree, and what the page's script needs to check, in the browser, that the event is in
the tree the latest signed checkpoint vouches for.

``GET /office/certificates/{number}/history`` and ``GET /office/organizations/{uscc}/history`` are pages for any
signed-in user. ``GET /office/log/proof?position=N`` answers, under the office session (a browser has no API token),
everything ``/static/office/verify-proof.js`` checks in one fetch: the entry's bytes as the log hashes them, its leaf
index, the inclusion proof in the tree of the latest checkpoint that covers the event, that checkpoint as signed and
the published key it names. The proof is ``LogView.prove_inclusion`` and the checkpoint ``api.routers.log``'s, as
the API's log routes answer them, with the configured witnesses' verifier keys; the page trusts none of it: the script
recomputes the leaf, the root, both signatures and the witnesses' cosignatures (RFC 9162 §2.1.3.2;
``docs/API-NOTES.md``, "The tamper-evident log"; as ``api/log_verify.py`` does). The pages say whether the latest
checkpoint was cosigned by the quorum of the witnesses (issue 26).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.inputs import MAX_POSITION
from api.keys import LEAKED
from api.office import names as office_names
from api.office.cases import sectors_line
from api.office.data_review import profiles, review_detail, surveillance_profiles
from api.office.frame import HEADERS, Office, PageNotFound, page, read, registry_of, render
from api.office.names import EVENTS, RECORDS, ROLES, STATUSES, name
from api.problems import NotCaughtUp
from api.routers.certificates import as_issued, offline_proof
from api.routers.log import covering, served
from api.signing import Signer
from api.witnessing import Witnesses
from projections.log import Checkpoint, LogView, NotInTree
from registry.application import Registry
from registry.clock import SHANGHAI
from registry.entries import entry_of
from registry.errors import InvalidInput, NotFound, RuleViolation
from registry.history import HistoryEntry
from registry.identifiers import certificate_id

router = APIRouter(prefix="/office", include_in_schema=False)

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
    detail: str = ""  # what a data-review event reviewed (R-GHG-4), the sectors a scope was given (R-TEAM-3)


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
        rows.append(Row(position=event.position, kind=event.type, what=name(EVENTS, event.type),
                        record=name(RECORDS, event.record), record_link=link,
                        recorded_at=event.recorded_at.astimezone(SHANGHAI), effective_on=event.effective_on,
                        person=names.get(pid) if pid else None, person_id=UUID(pid) if pid else None,
                        role=name(ROLES, role), leaf_hash=event.leaf_hash, detail=_detail(event)))
    return rows


def _detail(event: HistoryEntry) -> str:
    """The line under an event: what a data review reviewed, the sectors recorded of a case's scope (R-TEAM-3),
    a withdrawal by another body and a rectification (R-APP-5)."""
    d = event.data
    if event.type == "SectorsRecorded":
        return sectors_line(d.get("sectors") or (), d.get("replaced") or ())
    if event.type == "WithdrawalElsewhereRecorded":
        return f"{d.get('from_body', '')} {d.get('number', '')}；来源 Source：{d.get('source', '')}"
    if event.type == "Rectified":
        return f"证据 Evidence：{d.get('evidence', '')}"
    return review_detail(event)


def _witnessing(request: Request) -> dict[str, Any] | None:
    """The latest checkpoint's size and what is said of its witnessing (REGISTRY_WITNESSES), for the page."""
    log: LogView = request.app.state.views.log
    checkpoint = log.checkpoint()
    if checkpoint is None:
        return None
    witnesses: Witnesses = request.app.state.witnesses
    cosignatures = log.cosignatures([checkpoint.size])[checkpoint.size]
    return {"size": checkpoint.size, "witnessed": witnesses.witnessed(cosignatures),
            "words": witnesses.said(cosignatures)}


def _certificate(request: Request, number: str) -> dict[str, Any]:
    registry = registry_of(request)
    try:
        certificate = as_issued(request, number, registry.get_certificate)
    except InvalidInput as e:  # not a certificate number at all: a page of a record there is none of
        raise NotFound(e.detail) from None
    history = registry.certificate_history(certificate.number)
    numbers = {certificate.id: certificate.number}
    earlier = certificate.renews
    while earlier is not None:  # the earlier cycles the history holds (R-RECERT-2), each linked by its number
        before = registry.get_certificate(earlier)
        numbers[before.id], earlier = before.number, before.renews
    status = certificate.as_shown(registry.clock.today()).status
    return {"subject": "certificate", "number": certificate.number, "cert_status": status,
            "status_words": name(STATUSES, status),
            "organization": certificate.organization, "reviews": profiles(registry, certificate.case_ids),
            "surveillance_review": surveillance_profiles(registry, certificate.number),
            "review_names": office_names, "witnessing": _witnessing(request),
            "rows": _rows(registry, history, numbers, certificate.organization["uscc"])}


def _organization(request: Request, uscc: str) -> dict[str, Any]:
    registry = registry_of(request)
    try:
        organization = registry.get_organization(uscc)
    except (InvalidInput, RuleViolation) as e:  # not a USCC at all (R-ID-1 names its form)
        raise NotFound(e.detail) from None
    history = registry.organization_history(organization.uscc)
    numbers = {certificate_id(n): n for n in organization.certificates}
    return {"subject": "organization", "organization": {"name": organization.name, "uscc": organization.uscc},
            "reviews": profiles(registry, organization.cases), "review_names": office_names,
            "witnessing": _witnessing(request), "rows": _rows(registry, history, numbers, organization.uscc)}


@router.get("/certificates/{number}/history")
async def certificate_history(request: Request, signed: Office, number: str) -> HTMLResponse:
    """Every event of the certificate and of the cases behind it, oldest first."""
    return page(request, signed, "history", **await read(request, _certificate, request, number))


@router.get("/organizations/{uscc}/history")
async def organization_history(request: Request, signed: Office, uscc: str) -> HTMLResponse:
    """Every event of the organisation, its cases and its certificates, oldest first."""
    return page(request, signed, "history", **await read(request, _organization, request, uscc))


@router.get("/certificates/{number}/proof")
async def certificate_proof(request: Request, signed: Office, number: str) -> Response:
    """The certificate's offline proof as a file, the bytes ``GET /api/v1/certificates/{number}/proof`` answers,
    for a signed-in user (the history page's download link); a page when there is none to give."""
    try:
        answer = await offline_proof(request, number)
    except (NotFound, InvalidInput) as e:
        raise PageNotFound(e.detail) from None
    except NotCaughtUp as e:
        return render("forbidden", 503, code=503, message=e.detail)
    for header, value in HEADERS.items():
        answer.headers.setdefault(header, value)
    return answer


def _proof(request: Request, position: int, checkpoint: Checkpoint) -> dict[str, Any]:
    log: LogView = request.app.state.views.log
    try:
        index, leaf, path, root = log.prove_inclusion(position, checkpoint.size)
    except NotInTree as e:
        raise NotFound(str(e)) from None
    recorder = registry_of(request).recorder
    stored = list(recorder.select_notifications(position, 1, stop=position))
    if not stored or stored[0].id != position:
        raise NotFound(f"日志位置 {position} 没有事件 / no event is stored at log position {position}")
    entry = entry_of(stored[0])
    signer: Signer = request.app.state.checkpoint_signer
    key = next((k for k in signer.published() if k.key_id == checkpoint.key_id), None)
    if key is None:
        raise NotFound(f"检查点的密钥 {checkpoint.key_id} 不在公布的检查点密钥之中 / "
                       f"the checkpoint's key {checkpoint.key_id} is not among the published checkpoint keys")
    return {"position": position,
            "entry": {"leaf_index": index, "position": position, "leaf_hash": leaf.hex(),
                      "entry": base64.b64encode(entry.encode()).decode("ascii"),
                      "originator_id": str(entry.originator_id), "version": entry.version, "topic": entry.topic},
            "proof": {"leaf_index": index, "tree_size": checkpoint.size, "leaf_hash": leaf.hex(),
                      "audit_path": [p.hex() for p in path], "root_hash": root.hex()},
            "checkpoint": served(request, [checkpoint])[0],
            "key": key.listed(request.app.state.settings.origin),
            "witness_keys": [w.key.vkey for w in request.app.state.witnesses.witnesses],
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
