"""The HTTP edge, before any route: every request body capped (413), a back-office write's caller judged before its
body is read (401/403), and the headers every answer carries (``nosniff``; ``no-store`` on authenticated ones)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.settings import Settings
from registry.application import Registry
from registry.user import NO_TOKEN
from registry.values import Role

STAFF, PUBLIC = "/api/v1/", "/api/v1/public/"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a multipart form adds to its file: the boundaries, each part's headers, the other fields.
FORM_OVERHEAD = 64 * 1024
# A write whose body may be larger than this has its caller judged before the body is read, in a thread (the
# registry's lookup of a token is synchronous). Below it the command judges the caller in its own thread: a hop
# between threads of its own would cost every write dearly.
JUDGE_FIRST = 64 * 1024
TOO_LARGE = {"description": "The body is larger than its cap (REGISTRY_MAX_BODY_BYTES, or REGISTRY_MAX_UPLOAD_BYTES "
                           "for a document)",
             "content": {problems.PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
NOSNIFF = (b"x-content-type-options", b"nosniff")
# The same, for an answer made before the edge (the fast lane's, api.lookup), which says it itself.
NOSNIFF_HEADERS = {"X-Content-Type-Options": "nosniff"}
NO_STORE = (b"cache-control", b"no-store")


class BodyTooLarge(Exception):
    """A chunked body ran past its cap: the app is handed nothing more of it."""


def document_limits(app: FastAPI) -> None:
    """Lists the edge's 413 in the OpenAPI document, under every operation that takes a body."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    operation.setdefault("responses", {}).setdefault("413", TOO_LARGE)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's way to extend its document


def _bearer(authorization: bytes | None) -> str | None:
    """The token of a bearer ``Authorization`` header, as ``HTTPBearer`` reads one; None when there is none."""
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    return token if scheme.lower() == "bearer" and token.strip() else None


def _marked(headers: Any, private: bool) -> list[tuple[bytes, bytes]]:
    """The answer's headers with ``nosniff``, and ``no-store`` when it is private and says nothing of caching,
    unless it says so itself (the pages, and problems.unexpected: the app's last handler answers outside us)."""
    sniffable = storable = True
    for name, _ in headers:
        if name == b"x-content-type-options":
            sniffable = False
        elif name == b"cache-control":
            storable = False
    marked = [*headers, NOSNIFF] if sniffable else list(headers)
    if private and storable:
        marked.append(NO_STORE)
    return marked


def _claims(app: Starlette) -> list[tuple[re.Pattern[str], set[str], Role]]:
    """Each write route's path, methods and the role its caller claims (``deps.acting_as`` marks its dependency)."""
    table = []
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        calls = [d.call for d in dependant.dependencies] if dependant is not None else []
        role = next((role for call in calls if (role := getattr(call, "role", None)) is not None), None)
        if role is not None:
            table.append((context.path_regex, set(context.methods or ()), role))
    return table


def _judge(registry: Registry, token: str, role: Role | None) -> None:
    """Unauthenticated for a bad token, RoleNotAllowed for a role not held (``Registry.authorize``)."""
    registry.authorize(token, role)


def _answer(app: Starlette, scope: Scope, receive: Receive, exc: Exception) -> Response:
    """The app's own answer to ``exc`` (its exception handlers: 401, 403, the database down)."""
    handler = next((app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers), None)
    if handler is None:
        raise exc
    response: Response = handler(Request(scope, receive), exc)
    return response


class Edge:
    """Plain ASGI, as ``RequestId``: a middleware of Starlette's own would cost every request a task and a queue.
    A read (and every request on a read replica, whose ``ReadOnly`` answers writes itself) only gets its headers;
    a write has its body capped and, on the back office, its caller judged first when the body may be large."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 pages: tuple[str, Callable[[int], Response]] | None = None) -> None:
        self.app = app
        self.pages = pages  # a path prefix whose too-large upload is answered by a page (the office's), not JSON
        self.body_cap = settings.max_body_bytes
        self.upload_limit = settings.max_upload_bytes
        self.writes = not settings.read_only
        self.claims: list[tuple[re.Pattern[str], set[str], Role]] | None = None  # made when first needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        staff = path.startswith(STAFF) and not path.startswith(PUBLIC)
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
                break
        private = staff or authorization is not None

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _marked(message.get("headers", []), private)
            await send(message)

        # No route reads a read's body: a read goes straight on.
        if not self.writes or scope["method"] in READS:
            await self.app(scope, receive, send_marked)
        else:
            await self.write(scope, receive, send_marked, staff, authorization)

    async def write(self, scope: Scope, receive: Receive, send: Send, staff: bool,
                    authorization: bytes | None) -> None:
        token = _bearer(authorization)
        # Only where a route claims a role: a method no route takes stays the router's 405 (or 404).
        if staff and token is None and self.role_of(scope["app"], scope) is not None:
            refused = problems.problem(401, "unauthenticated", problems.title("unauthenticated"), NO_TOKEN)
            await refused(scope, receive, send)
            return
        length = kind = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"content-type":
                kind = value
        if length is None and not chunked:  # no body
            await self.app(scope, receive, send)
            return
        upload = kind is not None and kind[:19].lower() == b"multipart/form-data"
        cap = self.upload_limit + FORM_OVERHEAD if upload else self.body_cap
        declared = int(length) if length is not None and length.isdigit() else None
        if staff and token is not None and (declared is None or declared > min(cap, JUDGE_FIRST)):
            app: Starlette = scope["app"]
            try:
                await run_in_threadpool(_judge, app.state.registry, token, self.role_of(app, scope))
            except Exception as exc:
                await _answer(app, scope, receive, exc)(scope, receive, send)
                return
        if declared is None:
            await self.counted(scope, receive, send, cap, upload)
        elif declared > cap:
            await self.too_large(upload, scope)(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def role_of(self, app: Starlette, scope: Scope) -> Role | None:
        """The role a write's route claims, if a route takes it."""
        if self.claims is None:
            self.claims = _claims(app)
        path, method = scope["path"], scope["method"]
        return next((role for regex, methods, role in self.claims if method in methods and regex.match(path)), None)

    def too_large(self, upload: bool, scope: Scope) -> Response:
        if upload and self.pages is not None and scope["path"].startswith(self.pages[0]):
            return self.pages[1](self.upload_limit)
        if upload:
            detail = (f"文件过大：每份文件至多 {self.upload_limit} 字节 / a document may have at most "
                      f"{self.upload_limit} bytes; nothing was read past that, nothing was written")
            return problems.problem(413, "too-large", problems.title("too-large"), detail, max_bytes=self.upload_limit)
        detail = (f"请求体过大：至多 {self.body_cap} 字节 / the request body may have at most {self.body_cap} "
                  "bytes; nothing was read past that, nothing was written")
        return problems.problem(413, "too-large", problems.title("too-large"), detail, max_bytes=self.body_cap)

    async def counted(self, scope: Scope, receive: Receive, send: Send, cap: int, upload: bool) -> None:
        """A body of no declared length (chunked), handed to the app while it stays within ``cap``; past that the
        app gets ``BodyTooLarge`` instead of more, and whatever it answers to that is replaced by the 413."""
        received = 0
        cut = started = replaced = False

        async def receive_counted() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    cut = True
                    raise BodyTooLarge
            return message

        async def send_unless_cut(message: Message) -> None:
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                started = True
                if cut:
                    replaced = True
                    await self.too_large(upload, scope)(scope, receive, send)
                    return
            if not replaced:
                await send(message)

        try:
            await self.app(scope, receive_counted, send_unless_cut)
        except BodyTooLarge:
            if started:
                raise
            await self.too_large(upload, scope)(scope, receive, send)
