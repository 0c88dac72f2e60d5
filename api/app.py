"""The FastAPI application: one router per resource, problem+json errors, the registry opened in the lifespan."""

from __future__ import annotations

import gc
import itertools
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import front, lookup, office, pages, problems, public_site, tiles
from api.bootstrap import bootstrap
from api.catching_up import CatchingUp
from api.deps import command_threads
from api.edge import Edge, document_limits
from api.fair_use import FairUse
from api.office.frame import too_large as office_too_large
from api.routers import (
    calendar,
    cases,
    certificates,
    data_review,
    deadlines,
    organizations,
    people,
    public,
    public_bulk,
    public_certificates,
    records,
    reference,
    reports,
    sectors,
    surveillance,
    tlog,
    users,
)
from api.routers import (
    log as log_routes,
)
from api.routers.grouped import Grouped
from api.schemas import PROBLEM_RESPONSES
from api.search_answers import Answers
from api.settings import Settings, get_settings
from api.signing import KeyFileError, signers
from projections.public_certificates import named
from projections.runner import Runner
from registry.application import Registry
from registry.clock import Clock
from scheduler.service import background
from store import Store, open_store

log = logging.getLogger("api")

DESCRIPTION = """\
碳排放管理体系认证证书登记系统 — the certificate registry for carbon emissions management system certification
(CCAI-S-C07:2024). Every write answers the ids it created and the log `position` of its last event. Errors are
RFC 9457 problem+json; a refused rule carries its `rule` id and `clause`. Every POST accepts `Idempotency-Key`.
Each endpoint's roles are listed under `x-roles`.
"""


class RequestId:
    """Gives every request an id (``X-Request-ID``, kept when the client sends one), for logs and 500 problems.
    Plain ASGI: Starlette's BaseHTTPMiddleware would cost the hot path a task and a queue per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Unique per process and cheap: a random prefix and a counter (a uuid4 per request is not).
        self.prefix = uuid.uuid4().hex[:12]
        self.counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = given.decode("latin-1") if given else f"{self.prefix}-{next(self.counter):x}"
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_id)


class ReadOnly:
    """A read replica's API (``REGISTRY_READ_ONLY``): every write is answered 405 before anything runs, naming
    where writes go. Reads (GET, HEAD) pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        response = problems.problem(
            405, "read-only", problems.title("read-only"),
            "本服务器读取登记系统数据库的只读副本，不接受写入（REGISTRY_READ_ONLY），请发往主服务器的 API，"
            "未作任何记录 / "
            "this server reads a replica of the registry's database and takes no writes (REGISTRY_READ_ONLY): "
            "send them to the primary's API; nothing was written", method=scope["method"])
        response.headers["Allow"] = "GET, HEAD"
        await response(scope, receive, send)


def check_read_only(settings: Settings) -> None:
    """A replica publishes the primary's keys and the views the primary signed with them: it never makes a key
    of its own, so each must be there."""
    if settings.read_only:
        for what, path in (("REGISTRY_SIGNING_KEY", settings.signing_key),
                           ("REGISTRY_CHECKPOINT_KEY", settings.checkpoint_key)):
            if not Path(path).is_file():
                raise KeyFileError(f"{what}: no key file at {path}; a read-only replica serves the primary's keys "
                                   "and never makes its own (give it the same key files)")


def create_app(settings: Settings | None = None, registry: Registry | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The app; ``registry`` is opened from ``settings`` at start-up unless one is given (tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_read_only(settings)
        for signer in (app.state.signer, app.state.checkpoint_signer):
            signer.load()  # a missing or unreadable key stops the start, not the first request that signs
        parts = bootstrap(settings, clock, registry, keys=(app.state.signer, app.state.checkpoint_signer),
                          store=store)
        app.state.store, app.state.registry, app.state.views = parts.store, parts.registry, parts.views
        app.state.commands = command_threads(settings)
        # A replica's views are the primary's, copied by PostgreSQL; its scheduler is the primary's too.
        writer = not settings.read_only
        app.state.runner = Runner(parts.views).start() if settings.run_projections and writer else None
        app.state.scheduler = (background(parts.registry, parts.views, settings.notice_lead_days)
                               if settings.run_scheduler and writer else None)
        app.state.reader = parts.store.public_reader(parts.views.public, named)
        app.state.tiles = tiles.Kept(int(settings.tile_cache_mb * 1024 * 1024))  # served last (api.lookup.hash_tile)
        app.state.tile_reader = parts.store.tile_reader(parts.views.log)
        app.state.search_answers = Answers(parts.views.public_position, int(settings.search_cache_mb * 1024 * 1024))
        app.state.catching_up = CatchingUp(parts.views, settings.after_timeout, writable=not settings.read_only)
        await app.state.reader.open()
        await app.state.tile_reader.open()
        # Everything made at start-up lives as long as the process: keep it out of the collector's full scans,
        # which otherwise stall every request in flight now and then (the lookup's tail).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # what the app made becomes collectable again once it stops (tests start many apps)
            if app.state.scheduler is not None:
                app.state.scheduler.shutdown(wait=True)
            await app.state.reader.close()
            await app.state.tile_reader.close()
            app.state.commands.shutdown(wait=True)
            if app.state.runner is not None:
                app.state.runner.stop()
            parts.close()

    app = FastAPI(title="CEMS certificate registry · 碳排放管理体系认证证书登记系统", version="1",
                  description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None,  # api.front serves them
                  telemetry=None if settings.opentelemetry else {"tracing": False, "metrics": False, "logs": False})
    app.state.settings = settings
    app.state.witnesses = settings.witnessing  # a malformed REGISTRY_WITNESSES stops the start here
    # Each reads its key at start-up, and again whenever a rotation has replaced the key file.
    app.state.signer, app.state.checkpoint_signer = signers(settings.signing_key, settings.checkpoint_key,
                                                            settings.public_base_url, settings.missing_key)
    # The store, chosen once: its unavailable errors are answered 503 (a test's registry brings its own).
    store = cast(Store, registry.store) if registry is not None else open_store(settings.database_url,
                                                                                 settings.read_only)
    problems.install(app, store.unavailable)
    document_limits(app)

    if settings.read_only:
        app.add_middleware(ReadOnly)
    # The lookup's fast lane before the edge: a plain lookup or QR image has no body and no token to judge, and
    # says nosniff itself, and is spared the edge's pass over its headers.
    app.add_middleware(Edge, settings=settings, pages=("/office/", office_too_large))
    app.add_middleware(lookup.FastLane)
    if settings.rate_limit_per_second > 0:  # outside the fast lane, which it also limits
        app.add_middleware(FairUse, per_second=settings.rate_limit_per_second, burst=settings.rate_limit_burst,
                           loopback=settings.rate_limit_loopback)
    app.add_middleware(RequestId)

    # The router tries each router's routes in order: the public lookup first (the hot path), then the public's
    # pages (matched last, / took seven times the trivial endpoint's time in matching the 180 routes before it),
    # then the routers the back office writes through most (a certification is some twenty requests to cases and
    # certificates), grouped under /api/ so that the office's pages, last, pass them over with one test.
    app.include_router(public_certificates.router, responses=PROBLEM_RESPONSES)
    front.install(app)
    app.include_router(public_site.router)
    app.include_router(Grouped("/api/", (module.router for module in (
        public, public_bulk, cases, certificates, surveillance, organizations, people, deadlines, log_routes, users,
        data_review, sectors, calendar, reference, records, reports)), responses=PROBLEM_RESPONSES))
    app.include_router(pages.router, responses=PROBLEM_RESPONSES)
    app.include_router(tlog.router, responses=PROBLEM_RESPONSES)
    office.install(app)
    return app
