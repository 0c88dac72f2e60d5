"""Users and their tokens (role: admin): list them, add one (or give a revoked name access again), rotate a token,
revoke one, set an office password, change the roles. A token is shown once, in the answer that issues it, and never
cached; a password is never answered, and is left out of the request digest an idempotency key keeps (that digest is
in the log)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import Admin, AdminReader, RegistryDep, role_doc
from api.schemas import TokenIssued, UserCreate, UserList, UserPassword, UserRoles, Written
from registry.commands import AddUser, ChangeRoles, RevokeUser, RotateToken, SetPassword

router = APIRouter(prefix="/api/v1/users", tags=["users · 用户"])
ADMIN = role_doc("admin")
Name = Annotated[str, Path(min_length=1, max_length=200, description="the user's name")]


@router.get("", response_model=UserList, openapi_extra=ADMIN,
            summary="Every user: roles, person, active or revoked, office password or not, when its token was "
                    "issued (admin)")
def index(registry: RegistryDep, _: AdminReader) -> dict[str, Any]:
    users = registry.list_users()
    return {"items": [{**asdict(u), "has_password": u.has_password} for u in users], "total": len(users)}


@router.post("", status_code=201, response_model=TokenIssued, openapi_extra=ADMIN,
             summary="Add a user, or give a revoked name access again; answers its token, once (admin)")
async def add(body: UserCreate, w: Admin) -> dict[str, Any]:
    return await w.run(AddUser(body.name, body.roles, body.person), body, id="user", person="person")


@router.post("/{name}/token", response_model=TokenIssued, openapi_extra=ADMIN,
             summary="A new token for the user, answered once; the old one stops working at once (admin)")
async def rotate(name: Name, w: Admin) -> dict[str, Any]:
    return await w.run(RotateToken(name), id="user")


@router.post("/{name}/revocation", response_model=Written, openapi_extra=ADMIN,
             summary="Revoke the user's token: it stops working at once (admin)")
async def revoke(name: Name, w: Admin) -> dict[str, Any]:
    return await w.run(RevokeUser(name), id="user")


@router.post("/{name}/password", response_model=Written, openapi_extra=ADMIN,
             summary="Set the user's office password: the previous one, and every office session signed in with it, "
                     "stop working (admin)")
async def set_password(name: Name, body: UserPassword, w: Admin) -> dict[str, Any]:
    # The body is left out of the idempotency digest: an unsalted hash of a password must not reach the log.
    return await w.run(SetPassword(name, body.password), None, id="user")


@router.post("/{name}/roles", response_model=Written, openapi_extra=ADMIN,
             summary="Change an active user's roles; its token and password stay (admin)")
async def change_roles(name: Name, body: UserRoles, w: Admin) -> dict[str, Any]:
    return await w.run(ChangeRoles(name, body.roles), body, id="user")
