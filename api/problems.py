"""RFC 9457 problem+json for every error (API.md, Conventions): one mapping from domain errors to HTTP."""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import OperationalError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import unjudged_caller
from registry.errors import (
    AlreadyExists,
    ConcurrentChange,
    InvalidInput,
    NotFound,
    NotPermitted,
    OutOfOrder,
    RegistryError,
    RuleViolation,
    SeparationOfDuties,
)
from registry.handling import RoleNotAllowed
from registry.idempotency import IdempotencyKeyReused
from registry.user import Unauthenticated

log = logging.getLogger("api")
PROBLEM = "application/problem+json"

# Each problem's title by its slug, Chinese first and English second (R-REC-5): the API's problems and the office's
# refusals (``api.office.frame.Refusal``) name a refusal in the same words.
TITLES: dict[str, tuple[str, str]] = {
    "separation-of-duties": ("职责分离", "Separation of duties"),
    "out-of-order": ("步骤顺序不符", "Step out of order"),
    "rule-violation": ("不符合规则", "Refused by a rule"),
    "invalid-field": ("字段无效", "Invalid field"),
    "unauthenticated": ("身份未验证", "Unauthenticated"),
    "forbidden": ("无权执行此步骤", "Forbidden"),
    "not-found": ("未找到", "Not found"),
    "conflict": ("与现有记录冲突", "Conflict"),
    "not-caught-up": ("查询视图尚未更新", "Not caught up yet"),
    "not-installed": ("服务器未安装所需组件", "Not installed on the server"),
    "too-large": ("请求过大", "Payload too large"),
    "bad-request": ("请求有误", "Bad request"),
    "malformed": ("请求格式有误", "Malformed request"),
    "method-not-allowed": ("不支持该请求方法", "Method not allowed"),
    "read-only": ("只读副本", "Read-only replica"),
    "unavailable": ("服务暂不可用", "Service unavailable"),
    "too-many-requests": ("请求过于频繁", "Too many requests"),
    "internal": ("内部错误", "Internal error"),
}
# What Starlette's own refusals (a route there is none of, a method a route does not take) are, in Chinese.
_HTTP_ZH = {400: "请求有误", 401: "身份未验证", 403: "无权访问", 404: "未找到该地址", 405: "该地址不支持此请求方法",
            406: "无法提供所要求的格式", 413: "请求过大", 415: "不支持该内容类型", 429: "请求过于频繁，请稍后再试"}
_CJK = re.compile("[\u3400-\u9fff]")


def title(slug: str) -> str:
    """A problem's title, ``"中文 / English"``."""
    zh, en = TITLES[slug]
    return f"{zh} / {en}"


class PayloadTooLarge(RegistryError):
    """An upload above the configured size limit."""


class NotCaughtUp(RegistryError):
    """A read asked to wait for a write (``after``) that the views have not reached in time."""


class NotInstalled(RegistryError):
    """Something the server needs for this answer is not installed (a Chinese font for the certificate PDF)."""


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"urn:cems-registry:problem:{slug}", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def refused_caller(request: Request) -> JSONResponse | None:
    """Who sends a write is judged before what it says. Its command judges its caller (``Registry.handle``); a
    write refused before its command ran (its body, an upload too large) has its caller judged first, by the same
    ``Registry.authorize``, and a refused caller is the answer."""
    unjudged = unjudged_caller(request)
    if unjudged is None:
        return None
    try:
        request.app.state.registry.authorize(*unjudged)
    except (Unauthenticated, RoleNotAllowed) as e:
        return registry_error(request, e)
    return None


def answer_of(exc: Exception) -> tuple[int, str, str]:
    """The status, problem slug and title a domain error is answered with, most specific first: the one mapping
    the API's problems and the office's refusals (``api.office.frame.Refusal``) share."""
    status, slug = _status_of(exc)
    return status, slug, title(slug)


def _status_of(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, SeparationOfDuties):
        return 403, "separation-of-duties"
    if isinstance(exc, OutOfOrder):
        return 409, "out-of-order"
    if isinstance(exc, RuleViolation):
        return 422, "rule-violation"
    if isinstance(exc, InvalidInput):
        return 422, "invalid-field"
    if isinstance(exc, Unauthenticated):
        return 401, "unauthenticated"
    if isinstance(exc, RoleNotAllowed | NotPermitted):
        return 403, "forbidden"
    if isinstance(exc, NotFound):
        return 404, "not-found"
    if isinstance(exc, ConcurrentChange | AlreadyExists | IdempotencyKeyReused):
        return 409, "conflict"
    if isinstance(exc, NotCaughtUp):
        return 503, "not-caught-up"
    if isinstance(exc, NotInstalled):
        return 503, "not-installed"
    if isinstance(exc, PayloadTooLarge):
        return 413, "too-large"
    return 400, "bad-request"


def registry_error(request: Request, exc: Exception) -> JSONResponse:
    """Domain errors, answered as ``answer_of`` says, with the rule and clause of a rule's refusal and the field
    of an invalid one."""
    if not isinstance(exc, Unauthenticated | RoleNotAllowed) and (refused := refused_caller(request)) is not None:
        return refused
    status, slug, title = answer_of(exc)
    if isinstance(exc, RuleViolation):
        return problem(status, slug, title, exc.detail, rule=exc.rule, clause=exc.clause)
    if isinstance(exc, InvalidInput):
        return problem(status, slug, title, exc.detail, field=exc.field,
                       errors=[{"field": exc.field, "message": exc.detail}])
    if isinstance(exc, RegistryError):
        return problem(status, slug, title, exc.detail)
    return problem(status, slug, title, str(exc))


def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if (refused := refused_caller(request)) is not None:
        return refused
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "malformed", title("malformed"), "请求体不是有效的 JSON / the body is not valid JSON")
    fields = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
               "message": e.get("msg", "")} for e in errors]
    # pydantic's own words for each field stay as it gives them, after a Chinese lead naming the fields.
    detail = (f"字段无效：{'、'.join(dict.fromkeys(f['field'] for f in fields))} / invalid field: "
              + "; ".join(f"{f['field']}: {f['message']}" for f in fields))
    return problem(422, "invalid-field", title("invalid-field"), detail, field=fields[0]["field"], errors=fields)


def _allowed(request: Request) -> str:
    """Every method some route takes at this path: Starlette's 405 names only the first route's."""
    path = request.scope["path"]
    matching = [context for context in iter_route_contexts(request.app.routes)
                if (regex := getattr(context, "path_regex", None)) is not None and regex.match(path)]
    # A path written out in full names its own resource: POST /api/v1/public/certificates/lookup is not also a GET
    # of a certificate numbered "lookup" (which no number pattern makes), whatever the {number} route's pattern.
    literal = [context for context in matching if context.path == path]
    methods = {method for context in literal or matching for method in context.methods or ()}
    return ", ".join(sorted(methods))


def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthenticated"}.get(status, "http")
    zh = _HTTP_ZH.get(status, "请求未能处理")
    said = str(exc.detail)
    known = TITLES.get(slug)
    heading = f"{known[0]} / {known[1]}" if known else f"{zh} / {_phrase(status)}"
    detail = said if _CJK.search(said) else f"{zh} / {said}"
    response = problem(status, slug, heading, detail)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:  # RFC 9110 §15.5.6
        response.headers["Allow"] = _allowed(request) or response.headers.get("Allow", "")
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    request.app.state.store_down = True  # the next requests probe it first (deps.store_back), rather than wait
    request_id = getattr(request.state, "request_id", None)
    log.error("store unavailable (request %s): %s", request_id, exc)
    return problem(503, "unavailable", title("unavailable"),
                   "登记系统的数据库暂无响应，请稍后再试 / the registry's database is not answering; try again",
                   request_id=request_id)


def unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None) or uuid.uuid4().hex
    log.exception("unexpected error (request %s)", request_id, exc_info=exc)
    response = problem(500, "internal", title("internal"),
                       "发生意外错误，已记入日志 / an unexpected error occurred; it has been logged",
                       request_id=request_id)
    # The app's last handler answers outside every middleware (edge.Edge marks the other answers).
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def install(app: FastAPI, store_errors: tuple[type[Exception], ...] = ()) -> None:
    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, store_unavailable)
    # The driver's own, where no library wraps it (the public lookup's pool: a lost connection, PoolTimeout):
    # a database that is down is a 503, never a 500.
    for unavailable in store_errors:
        app.add_exception_handler(unavailable, store_unavailable)
    app.add_exception_handler(PersistenceError, unexpected)
    app.add_exception_handler(Exception, unexpected)
