"""Dependencies of the routes, as ``Annotated`` shortcuts so route signatures stay short."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.problems import RoleNotAllowed
from api.settings import Settings
from registry.application import Registry
from registry.user import NO_TOKEN, Unauthenticated
from registry.values import Actor, Role, Written
from registry.views import UserView

_bearer = HTTPBearer(auto_error=False, description="A token from `registry user add`")


def _in_doubt(state: Any) -> bool:
    """Whether the database is known to be down: a request found it so, or the projections lost it."""
    runner = getattr(state, "runner", None)
    return bool(getattr(state, "store_down", False)) or (runner is not None and runner.interrupted is not None)


def store_back(request: Request) -> None:
    """While the database is known to be down (a request found it so, or the projections lost their connection
    to it), a quick probe answers 503 at once (``Store.probe``): otherwise each request would wait out the store
    library's retries (ten pool waits) before its 503. A probe that connects lets requests through."""
    state = request.app.state
    if not _in_doubt(state):
        return
    state.store.probe()
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
        raise Unauthenticated(NO_TOKEN)
    return registry.authenticate(credentials.credentials)


UserDep = Annotated[UserView, Depends(current_user)]


@dataclass(frozen=True)
class Claim:
    """Who a write says it is (its bearer token) and the role it acts in. The token is checked in the command's
    own thread, just before the command runs (``WriteContext.run``): checking it in a dependency of its own cost
    every write a second hop between threads, a third of its throughput (bench/RESULTS.md). A request without a
    token is refused at once; only ``actor`` makes an ``Actor``, so no command can act on an unchecked claim."""

    token: str
    role: Role

    def check(self, registry: Registry) -> tuple[UserView, Actor]:
        """The user holding the token, and the actor it is in the role: 401 for an unknown or revoked token, 403
        when the user does not hold the role."""
        user = registry.authenticate(self.token)
        if self.role.value not in user.roles:
            raise RoleNotAllowed(f"this endpoint needs the {self.role.value} role; {user.name} holds "
                                 f"{', '.join(user.roles)}")
        return user, Actor(user.person, self.role)

    def actor(self, registry: Registry) -> Actor:
        return self.check(registry)[1]


def acting_as(role: Role) -> Callable[..., Coroutine[Any, Any, Claim]]:
    """The caller's claim to act in ``role``: 401 at once without a token; checked when the write runs."""

    async def dependency(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Claim:
        if credentials is None:
            raise Unauthenticated(NO_TOKEN)
        claim = Claim(credentials.credentials, role)
        # Until the command checks it: a request refused before then is answered for its caller first
        # (problems.unchecked_caller).
        request.state.claim = claim
        return claim

    dependency.role = role  # type: ignore[attr-defined]  # a large body's caller is judged by it first (api/edge.py)
    return dependency


async def _reader(user: UserDep) -> UserView:
    """Any staff role or a regulator may read."""
    return user


async def _admin_reader(user: UserDep) -> UserView:
    """Only an admin may read (the users)."""
    if Role.ADMIN.value not in user.roles:
        raise RoleNotAllowed(f"this endpoint needs the admin role; {user.name} holds {', '.join(user.roles)}")
    return user


Intake = Annotated[Claim, Depends(acting_as(Role.INTAKE))]
Auditor = Annotated[Claim, Depends(acting_as(Role.AUDITOR))]
Decision = Annotated[Claim, Depends(acting_as(Role.DECISION))]
Admin = Annotated[Claim, Depends(acting_as(Role.ADMIN))]
Reader = Annotated[UserView, Depends(_reader)]
AdminReader = Annotated[UserView, Depends(_admin_reader)]


def once(registry: Registry, key: str | None, user: UserView, actor: Actor, request: Request, payload: Any,
         command: Callable[[], Written]) -> tuple[Written, bool]:
    """Runs a write once per Idempotency-Key, or simply runs it when there is no key. Keys are the calling user's
    own: two users acting as one person never answer each other's requests."""
    if key is None:
        return command(), False
    canonical = json.dumps({"path": request.url.path, "body": payload}, sort_keys=True, default=str,
                           ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return registry.idempotent(f"user:{user.id}", key, digest, actor, command)


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


def command_threads(settings: Settings) -> ThreadPoolExecutor:
    """The threads a worker runs its commands in. More than a few at once only take the interpreter's lock from
    one another (8 clients: 335 commands/s unbounded, 435 with 4 at once; bench/scale.py): the others wait their
    turn in its queue, holding no thread of the server's own pool, which the reads keep."""
    return ThreadPoolExecutor(settings.writers, thread_name_prefix="command")


class WriteContext:
    """Everything a write endpoint needs besides its body and claim: the registry, the idempotency key, and the
    request and response to key on and answer through."""

    def __init__(self, registry: Registry, key: str | None, request: Request, response: Response) -> None:
        self.registry, self.key, self.request, self.response = registry, key, request, response

    async def run(self, claim: Claim, payload: Any, command: Callable[[Actor], Written],
                  **fields: str) -> dict[str, Any]:
        """Checks the claim and runs ``command`` as its actor, once per Idempotency-Key, in one of the worker's
        command threads; answers the position and the ids named in ``fields``."""

        def checked() -> tuple[Written, bool]:
            self.request.state.claim = None
            with self.registry.one_connection(), self.registry.following():
                user, actor = claim.check(self.registry)
                return once(self.registry, self.key, user, actor, self.request, payload, lambda: command(actor))

        threads: ThreadPoolExecutor = self.request.app.state.commands
        # In a copy of this request's context, as the server's own threads run a request's functions.
        written, replayed = await asyncio.get_running_loop().run_in_executor(threads, copy_context().run, checked)
        return answer(written, replayed, self.response, **fields)

    async def issue(self, claim: Claim, payload: Any, command: Callable[[Actor], tuple[Written, str]],
                    **fields: str) -> dict[str, Any]:
        """``run`` for a command that issues a token: the answer carries it as ``token``, the only time it is ever
        shown, and is never cached. A replay answers ``token: null``: the registry keeps only its digest."""
        issued: list[str] = []

        def issuing(actor: Actor) -> Written:
            written, token = command(actor)
            issued.append(token)
            return written

        body = await self.run(claim, payload, issuing, **fields)  # never cached: api.edge marks it no-store
        return {**body, "token": issued[0] if issued else None}


async def _write_context(request: Request, response: Response, key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=200,
        description="Repeat a POST safely: the same key and body answer the first answer and record nothing")] = None,
) -> WriteContext:
    # One dependency, not three: each one FastAPI solves costs every write (solving was a seventh of its time).
    return WriteContext(await get_registry(request), key, request, response)


Write = Annotated[WriteContext, Depends(_write_context)]
