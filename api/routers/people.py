"""People and the facts about them that R-TEAM-2 and R-SOD-1 are decided from (role: admin)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import Admin, Reader, RegistryDep, role_doc
from api.schemas import (
    EvaluationCreate,
    PersonCreate,
    QualificationCreate,
    RegistrationCreate,
    ServiceCreate,
    ViolationCreate,
    Written,
)
from registry.commands import (
    EnrolPerson,
    RecordEvaluation,
    RecordQualification,
    RecordRegistration,
    RecordService,
    RecordViolation,
)
from registry.views import PersonView

router = APIRouter(prefix="/api/v1/people", tags=["people · 人员"])
ADMIN = role_doc("admin")


@router.post("", status_code=201, response_model=Written, openapi_extra=ADMIN, summary="Enrol a person (admin)")
async def enrol(body: PersonCreate, w: Admin) -> dict[str, Any]:
    return await w.run(EnrolPerson(body.name), body, id="person")


@router.get("/{person_id}", response_model=PersonView, openapi_extra=role_doc("any staff", "regulator"),
            summary="A person and their record")
def get(person_id: UUID, registry: RegistryDep, _: Reader) -> PersonView:
    return registry.get_person(person_id)


@router.post("/{person_id}/registrations", status_code=201, response_model=Written, openapi_extra=ADMIN,
             summary="Record a registration (CCAA CEMS auditor, EnMS auditor, GHG verifier)")
async def registration(person_id: UUID, body: RegistrationCreate, w: Admin) -> dict[str, Any]:
    return await w.run(RecordRegistration(person_id, body.kind, body.number, body.valid_from, body.valid_until), body)


@router.post("/{person_id}/violations", status_code=201, response_model=Written, openapi_extra=ADMIN,
             summary="Record a violation (bars audits and decisions for 2 years, §5.1)")
async def violation(person_id: UUID, body: ViolationCreate, w: Admin) -> dict[str, Any]:
    return await w.run(RecordViolation(person_id, body.on, body.description), body)


@router.post("/{person_id}/evaluations", status_code=201, response_model=Written, openapi_extra=ADMIN,
             summary="Record a competence evaluation by the body (§5.4)")
async def evaluation(person_id: UUID, body: EvaluationCreate, w: Admin) -> dict[str, Any]:
    return await w.run(RecordEvaluation(person_id, body.on, body.sectors), body)


@router.post("/{person_id}/services", status_code=201, response_model=Written, openapi_extra=ADMIN,
             summary="Record training or consulting given to a client (R-SOD-1)")
async def service(person_id: UUID, body: ServiceCreate, w: Admin) -> dict[str, Any]:
    return await w.run(RecordService(person_id, body.client_uscc, body.kind, body.on), body)


@router.post("/{person_id}/qualifications", status_code=201, response_model=Written, openapi_extra=ADMIN,
             summary="Record education, work experience or training (R-STAFF-1, §5.2)")
async def qualification(person_id: UUID, body: QualificationCreate, w: Admin) -> dict[str, Any]:
    return await w.run(RecordQualification(person_id, body.kind, body.subject, body.on, body.detail), body)
