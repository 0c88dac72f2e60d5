"""The body's sector list (R-TEAM-3): reference data an admin keeps; an application names its scope's sectors from
it (API.md, "Audit substance")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, Reader, RegistryDep, role_doc
from api.schemas import SectorCreate, SectorList, Written
from registry.commands import AddSector

router = APIRouter(prefix="/api/v1/reference/sectors", tags=["reference · 基础数据"])


@router.post("", status_code=201, response_model=Written, openapi_extra=role_doc("admin"),
             summary="Add a sector to the body's list (R-TEAM-3)")
async def add(body: SectorCreate, w: Admin) -> dict[str, Any]:
    return await w.run(AddSector(body.name, body.code), body)


@router.get("", response_model=SectorList, openapi_extra=role_doc("any staff", "regulator"),
            summary="The body's sector list, in the order added")
def listed(registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return {"sectors": [{"name": name, "code": code} for name, code in registry.sectors().items()]}
