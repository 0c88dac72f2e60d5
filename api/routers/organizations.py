"""Organisations (role: intake to register, decision to record a withdrawal by another body or a rectification) and
their history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Decision, Intake, Reader, RegistryDep, role_doc
from api.schemas import History, OrganizationCreate, RectificationCreate, WithdrawalElsewhereCreate, Written
from registry.commands import RecordRectification, RecordWithdrawalElsewhere, RegisterOrganization
from registry.history import plain
from registry.views import OrganizationView

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations · 组织"])


@router.post("", status_code=201, response_model=Written, openapi_extra=role_doc("intake"),
             summary="Register an organisation by its USCC (R-ID-1, R-APP-1)")
async def register(body: OrganizationCreate, w: Intake) -> dict[str, Any]:
    return await w.run(RegisterOrganization(body.uscc, body.name, body.address), body, id="organization", uscc="uscc")


@router.get("/{uscc}", response_model=OrganizationView, openapi_extra=role_doc("any staff", "regulator"),
            summary="An organisation")
def get(uscc: str, registry: RegistryDep, _: Reader) -> OrganizationView:
    return registry.get_organization(uscc)


@router.post("/{uscc}/rectifications", status_code=201, response_model=Written, openapi_extra=role_doc("decision"),
             summary="Record the rectification that lifts R-APP-5 after a withdrawal")
async def rectification(uscc: str, body: RectificationCreate, w: Decision) -> dict[str, Any]:
    return await w.run(RecordRectification(uscc, body.on, body.evidence), body)


@router.post("/{uscc}/withdrawals", status_code=201, response_model=Written, openapi_extra=role_doc("decision"),
             summary="Record a certificate of the organisation that another body withdrew: R-APP-5 bars a new "
                     "application here too until a rectification")
async def withdrawal_elsewhere(uscc: str, body: WithdrawalElsewhereCreate, w: Decision) -> dict[str, Any]:
    return await w.run(RecordWithdrawalElsewhere(uscc, body.from_body, body.certificate_number, body.withdrawn_on,
                                                 body.source), body)


@router.get("/{uscc}/history", response_model=History, openapi_extra=role_doc("regulator", "any staff"),
            summary="Every event of the organisation, its cases and certificates, oldest first")
def history(uscc: str, registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return {"events": [plain(e) for e in registry.organization_history(uscc)]}
