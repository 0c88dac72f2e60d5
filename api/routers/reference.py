"""The reference data the body keeps for R-BASIS-1 and R-BODY-1 (API.md, "Audit substance"; issue 24): the
certification bases it accepts, which an application's basis must be one of on its date, and its CNCA approval,
which must cover a grant's date and whose number the certificate names. An admin records them; staff and regulators
read them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, Reader, RegistryDep, role_doc
from api.reference_schemas import ApprovalCreate, Approvals, Bases, BasisCreate
from api.schemas import Written
from registry.reference import as_dict
from registry.reference_steps import AcceptBasis, RecordApproval

router = APIRouter(tags=["reference · 基础数据"])


@router.post("/api/v1/reference/bases", status_code=201, response_model=Written, openapi_extra=role_doc("admin"),
             summary="Accept a certification basis from one day through another; recorded again, its validity is "
                     "revised (R-BASIS-1)")
async def accept_basis(body: BasisCreate, w: Admin) -> dict[str, Any]:
    return await w.run(AcceptBasis(body.standard, body.version, body.valid_from, body.valid_until, body.kind), body)


@router.get("/api/v1/reference/bases", response_model=Bases, openapi_extra=role_doc("any staff", "regulator"),
            summary="The certification bases the body accepts, CCAI-S-C06:2023 from the start, and every entry "
                    "recorded (R-BASIS-1)")
def bases(registry: RegistryDep, _: Reader) -> dict[str, Any]:
    found = registry.basis_list()
    return {"bases": [as_dict(b) for b in registry.accepted_bases()],
            "history": [as_dict(b) for b in (found.entries if found is not None else ())]}


@router.post("/api/v1/body/approvals", status_code=201, response_model=Written, openapi_extra=role_doc("admin"),
             summary="Record the body's CNCA approval (批准书编号) and its validity; recorded again under its number, "
                     "its validity is revised (R-BODY-1)")
async def record_approval(body: ApprovalCreate, w: Admin) -> dict[str, Any]:
    return await w.run(RecordApproval(body.number, body.valid_from, body.valid_until), body)


@router.get("/api/v1/body/approvals", response_model=Approvals, openapi_extra=role_doc("any staff", "regulator"),
            summary="The body's CNCA approvals, and every entry recorded (R-BODY-1)")
def approvals(registry: RegistryDep, _: Reader) -> dict[str, Any]:
    found = registry.approval_list()
    return {"approvals": [as_dict(a) for a in registry.approvals()],
            "history": [as_dict(a) for a in (found.entries if found is not None else ())]}
