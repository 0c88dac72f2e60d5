"""Dependencies of the routes, as ``Annotated`` shortcuts so route signatures stay short."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.problems import RoleNotAllowed
from registry.application import Registry
from registry.user import Unauthenticated
from registry.values import Actor, Role, Written
from registry.views import UserView

_bearer = HTTPBearer(auto_error=False, description="A token from `registry user add`")


def _in_doubt(state: Any) -> bool:
    """Whether the database is known to be down: a request found it so, or the projections lost it."""
    runner = getattr(state, "runner", None)
    return bool(getattr(state, "store_down", False)) or (runner is not None and runner.interrupted is not None)


def store_back(request: Request) -> None:
    """While the database is known to be down (a request found it so, or the projections lost their connection
    to it), a quick probe answers 503 (psycopg's OperationalError) at once: otherwise each request would wait out
    the store library's retries (ten pool waits) before its 503. A probe that connects lets requests through."""
    state = request.app.state
    if not _in_doubt(state):
        return
    database = state.registry.database
    if database.kind == "postgres":
        e = database.env
        psycopg.connect(host=e["POSTGRES_HOST"], port=e["POSTGRES_PORT"], dbname=e["POSTGRES_DBNAME"],
                        user=e["POSTGRES_USER"], password=e["POSTGRES_PASSWORD"], connect_timeout=2).close()
    state.store_down = False


async def get_registry(request: Request) -> Registry:
    # The dependencies that neither wait nor compute are coroutines: FastAPI runs each plain function of a request
    # in a thread of its own pool, and the hops from thread to thread were a quarter of a command's cost.
    state = request.app.state
    if _in_doubt(state):
        await run_in_threadpool(store_back, request)
    registry: Registry = state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


def current_user(registry: RegistryDep,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> UserView:
    if credentials is None:
        raise Unauthenticated("this endpoint needs a bearer token")
    return registry.authenticate(credentials.credentials)


UserDep = Annotated[UserView, Depends(current_user)]


def acting_as(role: Role) -> Callable[[UserView], Actor]:
    """The caller, acting in ``role``; 403 when the user does not hold it."""

    async def dependency(user: UserDep) -> Actor:
        if role.value not in user.roles:
            raise RoleNotAllowed(f"this endpoint needs the {role.value} role; {user.name} holds "
                                 f"{', '.join(user.roles)}")
        return Actor(user.person, role)

    return dependency


async def _reader(user: UserDep) -> UserView:
    """Any staff role or a regulator may read."""
    return user


Intake = Annotated[Actor, Depends(acting_as(Role.INTAKE))]
Auditor = Annotated[Actor, Depends(acting_as(Role.AUDITOR))]
Decision = Annotated[Actor, Depends(acting_as(Role.DECISION))]
Admin = Annotated[Actor, Depends(acting_as(Role.ADMIN))]
Reader = Annotated[UserView, Depends(_reader)]
async def _idempotency_key(key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=200,
        description="Repeat a POST safely: the same key and body answer the first answer and record nothing")] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]


def once(registry: Registry, key: str | None, actor: Actor, request: Request, payload: Any,
         command: Callable[[], Written]) -> tuple[Written, bool]:
    """Runs a write once per Idempotency-Key (scoped to the caller), or simply runs it when there is no key."""
    if key is None:
        return command(), False
    canonical = json.dumps({"path": request.url.path, "body": payload}, sort_keys=True, default=str,
                           ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return registry.idempotent(f"{actor.person}", key, digest, actor, command)


def answer(written: Written, replayed: bool, response: Response, **fields: str) -> dict[str, Any]:
    """The body of a write: the log position and the ids it created, under their API names."""
    if replayed:
        response.headers["Idempotency-Replayed"] = "true"
    body: dict[str, Any] = {"position": written.position}
    body.update({name: written.ids[key] for name, key in fields.items() if key in written.ids})
    return body


def role_doc(*roles: str) -> dict[str, Any]:
    """Marks an endpoint's roles in the OpenAPI document."""
    return {"x-roles": list(roles)}


class WriteContext:
    """Everything a write endpoint needs besides its body and actor: the registry, the idempotency key, and the
    request and response to key on and answer through."""

    def __init__(self, registry: RegistryDep, key: IdempotencyKey, request: Request, response: Response) -> None:
        self.registry, self.key, self.request, self.response = registry, key, request, response

    def run(self, actor: Actor, payload: Any, command: Callable[[], Written], **fields: str) -> dict[str, Any]:
        """Runs ``command`` once per Idempotency-Key and answers the position and the ids named in ``fields``."""
        with self.request.app.state.writing:
            written, replayed = once(self.registry, self.key, actor, self.request, payload, command)
        return answer(written, replayed, self.response, **fields)


async def _write_context(registry: RegistryDep, key: IdempotencyKey, request: Request,
                         response: Response) -> WriteContext:
    return WriteContext(registry, key, request, response)


Write = Annotated[WriteContext, Depends(_write_context)]
