"""Users and their tokens (role: admin): list them, add one (or give a revoked name access again), rotate a token,
revoke one. A token is shown once, in the answer that issues it, and never cached."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import Admin, AdminReader, RegistryDep, Write, role_doc
from api.schemas import TokenIssued, UserCreate, UserList, Written

router = APIRouter(prefix="/api/v1/users", tags=["users · 用户"])
ADMIN = role_doc("admin")
Name = Annotated[str, Path(min_length=1, max_length=200, description="the user's name")]


@router.get("", response_model=UserList, openapi_extra=ADMIN,
            summary="Every user: roles, person, active or revoked, when its token was issued (admin)")
def index(registry: RegistryDep, _: AdminReader) -> dict[str, Any]:
    users = registry.list_users()
    return {"items": [asdict(u) for u in users], "total": len(users)}


@router.post("", status_code=201, response_model=TokenIssued, openapi_extra=ADMIN,
             summary="Add a user, or give a revoked name access again; answers its token, once (admin)")
async def add(body: UserCreate, claim: Admin, w: Write) -> dict[str, Any]:
    return await w.issue(claim, body.model_dump(mode="json"),
                         lambda actor: w.registry.add_user(body.name, body.roles, body.person, actor=actor),
                         id="user", person="person")


@router.post("/{name}/token", response_model=TokenIssued, openapi_extra=ADMIN,
             summary="A new token for the user, answered once; the old one stops working at once (admin)")
async def rotate(name: Name, claim: Admin, w: Write) -> dict[str, Any]:
    return await w.issue(claim, None, lambda actor: w.registry.rotate_token(name, actor=actor), id="user")


@router.post("/{name}/revocation", response_model=Written, openapi_extra=ADMIN,
             summary="Revoke the user's token: it stops working at once (admin)")
async def revoke(name: Name, claim: Admin, w: Write) -> dict[str, Any]:
    return await w.run(claim, None, lambda actor: w.registry.revoke_user(name, actor=actor), id="user")
