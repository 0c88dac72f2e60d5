"""Organisations (role: intake to register, decision to record a rectification) and their history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import Decision, IdempotencyKey, Intake, Reader, RegistryDep, answer, once, role_doc
from api.schemas import History, OrganizationCreate, RectificationCreate, Written
from registry.history import plain
from registry.views import OrganizationView

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations · 组织"])


@router.post("", status_code=201, response_model=Written, openapi_extra=role_doc("intake"),
             summary="Register an organisation by its USCC (R-ID-1, R-APP-1)")
def register(body: OrganizationCreate, registry: RegistryDep, actor: Intake, key: IdempotencyKey, request: Request,
             response: Response) -> dict[str, Any]:
    written, replayed = once(registry, key, actor, request, body.model_dump(mode="json"),
                             lambda: registry.register_organization(body.uscc, body.name, body.address, actor=actor))
    return answer(written, replayed, response, id="organization", uscc="uscc")


@router.get("/{uscc}", response_model=OrganizationView, openapi_extra=role_doc("any staff", "regulator"),
            summary="An organisation")
def get(uscc: str, registry: RegistryDep, _: Reader) -> OrganizationView:
    return registry.get_organization(uscc)


@router.post("/{uscc}/rectifications", status_code=201, response_model=Written, openapi_extra=role_doc("decision"),
             summary="Record the rectification that lifts R-APP-5 after a withdrawal")
def rectification(uscc: str, body: RectificationCreate, registry: RegistryDep, actor: Decision, key: IdempotencyKey,
                  request: Request, response: Response) -> dict[str, Any]:
    written, replayed = once(registry, key, actor, request, body.model_dump(mode="json"),
                             lambda: registry.record_rectification(uscc, body.on, body.evidence, actor=actor))
    return answer(written, replayed, response)


@router.get("/{uscc}/history", response_model=History, openapi_extra=role_doc("regulator", "any staff"),
            summary="Every event of the organisation, its cases and certificates, oldest first")
def history(uscc: str, registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return {"events": [plain(e) for e in registry.organization_history(uscc)]}
