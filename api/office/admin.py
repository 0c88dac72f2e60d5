"""The office's user administration (admin): the users, and the forms that add one, set its office password,
change its roles, rotate its API token and revoke it.

``GET /office/users`` lists the users with the form that adds one; ``GET /office/users/{name}`` shows one user with
the forms for it. Each form sends the command the API's route sends (``AddUser``, ``SetPassword``, ``ChangeRoles``,
``RotateToken``, ``RevokeUser``) through ``attempt``, so the application alone decides who may do it. Reading the
pages is judged by the application as well (``Registry.authorize`` for the admin role): anyone else gets its refusal.

A token is shown once, on the answer page of the form that issued it (never in a URL; every office answer is
``no-store``); a password is never shown again, not even in a form filled again after a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from registry.application import Registry
from registry.clock import SHANGHAI
from registry.commands import AddUser, ChangeRoles, Command, RevokeUser, RotateToken, SetPassword
from registry.errors import NotFound, RegistryError
from registry.passwords import check_password
from registry.user import STAFF_ROLES
from registry.values import Role
from registry.views import UserView

router = APIRouter(prefix="/office", include_in_schema=False)

ROLE_ORDER = tuple(r.value for r in STAFF_ROLES)


@dataclass(frozen=True)
class UserRow:
    """A user as the pages show it: its person by name, and when its token was issued, in Beijing time."""

    user: UserView
    person_name: str
    issued: str  # YYYY-MM-DD HH:MM (UTC+8), or "" when it holds no token

    @property
    def path(self) -> str:
        return users_path(self.user.name)


def users_path(name: str) -> str:
    return f"/office/users/{quote(name, safe='')}"


def _row(registry: Registry, user: UserView) -> UserRow:
    try:
        person_name = registry.get_person(user.person).name
    except NotFound:
        person_name = ""
    issued = user.token_issued_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if user.token_issued_at else ""
    return UserRow(user, person_name, issued)


def _as_admin(registry: Registry, signed: Signed) -> None:
    """The application's judgement of whether the signed-in user may administer users (``RoleNotAllowed`` or
    ``Unauthenticated`` otherwise), as for any admin read of the API."""
    registry.authorize(None, Role.ADMIN, signed.caller.signed_in)


def _users(registry: Registry, signed: Signed) -> list[UserRow]:
    _as_admin(registry, signed)
    return [_row(registry, u) for u in registry.list_users()]


def _user(registry: Registry, signed: Signed, name: str) -> UserRow:
    _as_admin(registry, signed)
    return _row(registry, registry.user_named(name))


def _refused(request: Request, signed: Signed, error: RegistryError) -> HTMLResponse:
    refusal = Refusal.of(error)
    return page(request, signed, "forbidden", refusal.status,
                message=f"{refusal.kind[0]}：用户管理需要管理角色 / {refusal.kind[1]}: {refusal.detail}")


def _typed(form: Form) -> dict[str, str]:
    """What the user typed, to fill a form again: never a password."""
    return {k: v for k, v in form.values().items() if k != "password"}


async def _list_page(request: Request, signed: Signed, status: int = 200, **context: Any) -> HTMLResponse:
    try:
        rows = await run_in_threadpool(_users, registry_of(request), signed)
    except RegistryError as e:
        return _refused(request, signed, e)
    return page(request, signed, "users", status, users=rows, role_order=ROLE_ORDER,
                done=request.query_params.get("done"), **context)


async def _user_page(request: Request, signed: Signed, name: str, status: int = 200,
                     **context: Any) -> HTMLResponse:
    try:
        row = await read(request, _user, registry_of(request), signed, name)
    except RegistryError as e:
        return _refused(request, signed, e)
    return page(request, signed, "users_one", status, row=row, role_order=ROLE_ORDER,
                done=request.query_params.get("done"), **context)


def _token_page(request: Request, signed: Signed, name: str, token: str | None, added: bool) -> HTMLResponse:
    """The answer that shows a token issued now, that once."""
    return page(request, signed, "users_token", user_name=name, token=token, added=added, user_path=users_path(name))


@router.get("/users")
async def users(request: Request, signed: Office) -> HTMLResponse:
    return await _list_page(request, signed)


def _add_user(form: Form) -> Command:
    password = form.text("password")
    if password:
        check_password(password)  # refused before the user is added, as `registry user add --password-stdin` does
    return AddUser(form.text("name"), form.all("roles"), form.optional("person"))


@router.post("/users")
async def add_user(request: Request, signed: Office) -> Response:
    """Adds a user (``AddUser``), then sets its office password (``SetPassword``) when one is given; answers the
    user's API token, that once."""
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: _add_user(form))
    if isinstance(handled, Refusal):
        return await _list_page(request, signed, handled.status, refusal=handled, values=_typed(form),
                                chosen=form.all("roles"), failed="add")
    name, password = form.text("name"), form.text("password")
    if password:
        set_password = await attempt(request, signed, lambda: SetPassword(name, password))
        if isinstance(set_password, Refusal):  # the user was added: its page says why the password was not set
            return await _user_page(request, signed, name, set_password.status, refusal=set_password,
                                    values={}, failed="password")
    return _token_page(request, signed, name, handled.token, added=True)


@router.get("/users/{name}")
async def user(request: Request, signed: Office, name: str) -> HTMLResponse:
    return await _user_page(request, signed, name)


@router.post("/users/{name}/password")
async def set_password(request: Request, signed: Office, name: str) -> Response:
    """A new office password set by the admin: the user's earlier office sessions end with the old one."""
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: SetPassword(name, form.text("password")))
    if isinstance(handled, Refusal):
        return await _user_page(request, signed, name, handled.status, refusal=handled, values=_typed(form),
                                failed="password")
    return done(users_path(name), f"已为 {name} 设置新的办公室口令，原口令及其登录会话已失效 / A new office password "
                                  f"for {name} was recorded; the old one and its sessions no longer work")


@router.post("/users/{name}/roles")
async def change_roles(request: Request, signed: Office, name: str) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: ChangeRoles(name, form.all("roles")))
    if isinstance(handled, Refusal):
        return await _user_page(request, signed, name, handled.status, refusal=handled, values=_typed(form),
                                chosen=form.all("roles"), failed="roles")
    return done(users_path(name), f"已记录 {name} 的新角色 / Recorded {name}'s new roles")


@router.post("/users/{name}/token")
async def rotate_token(request: Request, signed: Office, name: str) -> Response:
    """A new API token, shown on this answer only; the old one stops working at once."""
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: RotateToken(name))
    if isinstance(handled, Refusal):
        return await _user_page(request, signed, name, handled.status, refusal=handled, values=_typed(form),
                                failed="token")
    return _token_page(request, signed, name, handled.token, added=False)


@router.post("/users/{name}/revocation")
async def revoke(request: Request, signed: Office, name: str) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: RevokeUser(name))
    if isinstance(handled, Refusal):
        return await _user_page(request, signed, name, handled.status, refusal=handled, values=_typed(form),
                                failed="revoke")
    return done(users_path(name), f"已撤销 {name}：其令牌与办公室口令均已失效 / Revoked {name}: its token and office "
                                  "password no longer work")
