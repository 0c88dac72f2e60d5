"""Dependencies of the routes, as ``Annotated`` shortcuts so route signatures stay short."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from registry.application import Registry
from registry.commands import Command, OnCertificate
from registry.errors import NotFound, RegistryError
from registry.handling import Caller, Handled
from registry.values import Role
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
    # in a thread of its own pool, and hops from thread to thread are a large part of a command's cost.
    state = request.app.state
    if _in_doubt(state):
        await run_in_threadpool(store_back, request)
    registry: Registry = state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return None if credentials is None else credentials.credentials


def _reader(registry: RegistryDep, credentials: Bearer) -> UserView:
    """Any staff role or a regulator may read."""
    return registry.authorize(_token(credentials))


def _admin_reader(registry: RegistryDep, credentials: Bearer) -> UserView:
    """Only an admin may read (the users)."""
    return registry.authorize(_token(credentials), Role.ADMIN)


def _regulator(registry: RegistryDep, credentials: Bearer) -> UserView:
    """Only a regulator may read (the log's entry bundles, whose entries hold private facts)."""
    return registry.authorize(_token(credentials), Role.REGULATOR)


Reader = Annotated[UserView, Depends(_reader)]
AdminReader = Annotated[UserView, Depends(_admin_reader)]
RegulatorReader = Annotated[UserView, Depends(_regulator)]

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200,
    description="Repeat a POST safely: the same key and body answer the first answer and record nothing")]


class Writer:
    """A write route's one way into the application (``run``): the caller's token and Idempotency-Key, the role
    the route acts in, and the request and response to key on and answer through. The caller is judged with its
    command, in the command's own thread (``Registry.handle``): judging it in a dependency of its own would cost
    every write a second hop between threads."""

    def __init__(self, registry: Registry, role: Role, token: str | None, key: str | None, request: Request,
                 response: Response) -> None:
        self.registry, self.role, self.token, self.key = registry, role, token, key
        self.request, self.response = request, response

    async def run(self, command: Command, body: BaseModel | dict[str, Any] | None = None,
                  **fields: str) -> dict[str, Any]:
        """Sends ``command`` to the application as the caller, once per Idempotency-Key for this path and ``body``,
        in one of the worker's command threads; answers the log position, the ids named in ``fields`` (API name =
        the command's name for it) and, for a command that issues one, the token (``null`` on a replay: the
        registry keeps only its digest; never cached: api.edge marks it no-store)."""
        if command.acting_role() is not self.role:  # the edge judges a large body's caller by the route's role
            raise TypeError(f"{type(command).__name__} is sent by {command.acting_role().value}, its route acts as "
                            f"{self.role.value}")
        caller = Caller(self.token, self.key, "" if self.key is None else self._digest(body))
        threads: ThreadPoolExecutor = self.request.app.state.commands
        try:
            # In a copy of this request's context, as the server's own threads run a request's functions.
            handled = await asyncio.get_running_loop().run_in_executor(threads, copy_context().run, self._handle,
                                                                       command, caller)
        except RegistryError:
            self.request.state.caller_judged = True  # by the command: its error is the answer (problems)
            raise
        if handled.replayed:
            self.response.headers["Idempotency-Replayed"] = "true"
        answer: dict[str, Any] = {"position": handled.written.position}
        answer.update({name: handled.written.ids[key] for name, key in fields.items() if key in handled.written.ids})
        if command.issues_token:
            answer["token"] = handled.token
        return answer

    def _handle(self, command: Command, caller: Caller) -> Handled:
        """``Registry.handle``; a command on a certificate named in another case than issued is sent again with
        the number as issued (``issued_spelling``)."""
        try:
            return self.registry.handle(command, caller)
        except NotFound:
            if not isinstance(command, OnCertificate):
                raise
            issued = issued_spelling(self.request, command.number)
            if issued is None:
                raise
            return self.registry.handle(replace(command, number=issued), caller)

    def _digest(self, body: BaseModel | dict[str, Any] | None) -> str:
        """What a repeat with the same key must repeat: the path and the body."""
        payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        canonical = json.dumps({"path": self.request.url.path, "body": payload}, sort_keys=True, default=str,
                               ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def issued_spelling(request: Request, number: str) -> str | None:
    """The number as issued of the certificate ``number`` names ignoring case, when it is spelled otherwise (the
    public view knows each number's spelling); None when there is no other spelling."""
    issued: str | None = request.app.state.views.public.certificate_number(number)
    return issued if issued != number else None


def acting_as(role: Role) -> Callable[..., Coroutine[Any, Any, Writer]]:
    """A write route's ``Writer``, acting in ``role``."""

    async def dependency(request: Request, response: Response, credentials: Bearer,
                         key: IdempotencyKey = None) -> Writer:
        # One dependency besides the token's: each one FastAPI solves costs every write.
        return Writer(await get_registry(request), role, _token(credentials), key, request, response)

    dependency.role = role  # type: ignore[attr-defined]  # a large body's caller is judged by it first (api/edge.py)
    return dependency


def unjudged_caller(request: Request) -> tuple[str | None, Role] | None:
    """The token and role of a write whose caller nothing has judged yet: one refused before its command ran (its
    body, an upload too large), whose caller is then judged first. None for any other request, and from the
    second time on (the caller is judged once)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or getattr(request.state, "caller_judged", False):
        return None
    role = next((role for d in route.dependant.dependencies if (role := getattr(d.call, "role", None)) is not None),
                None)
    if role is None:
        return None
    request.state.caller_judged = True
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))  # as HTTPBearer reads it
    if scheme.lower() != "bearer" or not token:
        return None, role
    return token, role


async def _step_writers(request: Request, response: Response, credentials: Bearer,
                        key: IdempotencyKey = None) -> Callable[[Role], Writer]:
    """The ``Writer`` of a route whose role is the step's it acts on (a correction: the corrected event's)."""
    registry = await get_registry(request)
    return lambda role: Writer(registry, role, _token(credentials), key, request, response)


StepWriters = Annotated[Callable[[Role], Writer], Depends(_step_writers)]
Intake = Annotated[Writer, Depends(acting_as(Role.INTAKE))]
Auditor = Annotated[Writer, Depends(acting_as(Role.AUDITOR))]
Decision = Annotated[Writer, Depends(acting_as(Role.DECISION))]
Admin = Annotated[Writer, Depends(acting_as(Role.ADMIN))]


def role_doc(*roles: str) -> dict[str, Any]:
    """Marks an endpoint's roles in the OpenAPI document."""
    return {"x-roles": list(roles)}


def command_threads(settings: Settings) -> ThreadPoolExecutor:
    """The threads a worker runs its commands in. More than a few at once only take the interpreter's lock from
    one another: the others wait their turn in its queue, holding no thread of the server's own pool, which the
    reads keep."""
    return ThreadPoolExecutor(settings.writers, thread_name_prefix="command")
