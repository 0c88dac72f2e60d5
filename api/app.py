"""The FastAPI application: one router per resource, problem+json errors, the registry opened in the lifespan."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api import problems
from api.routers import cases, certificates, organizations, people, public, public_certificates
from api.schemas import PROBLEM_RESPONSES
from api.settings import Settings, get_settings
from api.signing import Signer
from projections.runner import Runner, open_views
from registry.application import Registry
from registry.clock import Clock

log = logging.getLogger("api")

DESCRIPTION = """\
碳排放管理体系认证证书登记系统 — the certificate registry for carbon emissions management system certification
(CCAI-S-C07:2024). Every write answers the ids it created and the log `position` of its last event. Errors are
RFC 9457 problem+json; a refused rule carries its `rule` id and `clause`. Every POST accepts `Idempotency-Key`.
Each endpoint's roles are listed under `x-roles`.
"""


def create_app(settings: Settings | None = None, registry: Registry | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The app; ``registry`` is opened from ``settings`` at start-up unless one is given (tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = registry is None
        app.state.registry = registry or Registry(settings.registry_config(), clock)
        app.state.views = open_views(app.state.registry)
        app.state.runner = Runner(app.state.views).start() if settings.run_projections else None
        try:
            yield
        finally:
            if app.state.runner is not None:
                app.state.runner.stop()
            if owned:
                app.state.registry.close()

    app = FastAPI(title="CEMS certificate registry · 碳排放管理体系认证证书登记系统", version="1",
                  description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.signer = Signer(settings.signing_key, settings.public_base_url)  # reads the key when first used
    problems.install(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    for module in (people, organizations, cases, certificates, public_certificates, public):
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    return app
