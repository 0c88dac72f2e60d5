"""A certificate's surveillance beside the audit itself (api.routers.certificates): the surveillance programme
(R-SURV-5), a major change or incident (R-SURV-6), and the closure of a surveillance audit's nonconformity
(R-SURV-5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Auditor, Intake, role_doc
from api.schemas import ClosureCreate, IncidentCreate, ProgrammeSurveillanceCreate, Written
from registry.commands import CloseSurveillanceNonconformity, RecordIncident, SetSurveillanceProgramme

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates · 证书"])


@router.post("/{number}/surveillance-programme", status_code=201, response_model=Written,
             openapi_extra=role_doc("auditor"),
             summary="The surveillance programme: a frequency of 1 to 12 months and what it follows; the due dates "
                     "follow it (R-SURV-5). Answers next_due_by")
async def programme(number: str, body: ProgrammeSurveillanceCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(SetSurveillanceProgramme(number, body.frequency_months, body.basis, body.on), body,
                       next_due_by="next_due_by")


@router.post("/{number}/incidents", status_code=201, response_model=Written, openapi_extra=role_doc("intake"),
             summary="A major change or incident: adds a surveillance audit due by its own date, tracked, without "
                     "moving the regular one (R-SURV-6). Answers id")
async def incident(number: str, body: IncidentCreate, w: Intake) -> dict[str, Any]:
    return await w.run(RecordIncident(number, body.kind, body.occurred_on, body.reported_on, body.description,
                                      body.additional_audit_due_by), body, id="id")


@router.post("/{number}/nonconformities/{ref}/closure", response_model=Written,
             openapi_extra=role_doc("auditor (on the surveillance audit's team)"),
             summary="Close a surveillance audit's nonconformity with its evidence (R-SURV-5)")
async def closure(number: str, ref: str, body: ClosureCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(CloseSurveillanceNonconformity(number, ref, body.closed_on, body.evidence), body)
