"""What every office page shares: who is signed in, the page's frame, a form's CSRF check, and one way to send a
step to the application and show its refusal.

A page route takes ``Office`` (the signed-in user, or a redirect to the sign-in form) and answers ``page(...)``. A
form route reads its form with ``posted`` (403 without the session's CSRF token) and sends its command with
``attempt``: the same ``Registry.handle`` the API's routes call, for the signed-in user (``Caller.signed_in``), so the
application alone decides who may take a step and whether the rules allow it. A refusal comes back as a ``Refusal``
the page shows beside its form, with what the user typed, and nothing is written.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from contextvars import copy_context
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.office.names import ROLES
from api.office.sessions import Session, Sessions, SessionTable
from api.pages import templates
from api.problems import TITLES, answer_of
from registry.application import Registry
from registry.commands import Command
from registry.errors import (
    InvalidInput,
    NotFound,
    RegistryError,
    RuleViolation,
)
from registry.handling import Caller, Handled, SignedIn
from registry.rule_titles import rule_title
from registry.views import UserView

T = TypeVar("T")

SESSION_COOKIE = "office_session"
# The office runs its own scripts only (the regulator's proof check), shows its own images (the QR), and posts its
# forms to itself.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
                                      "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                                      "form-action 'self'; frame-ancestors 'none'"}
NO_CSRF = ("表单缺少有效的校验码，未作任何处理；请返回重新打开表单。 / The form did not carry a valid CSRF token; "
           "nothing was done. Go back and open the form again.")
_opening = threading.Lock()


def sessions(request: Request) -> Sessions:
    """The sessions' table of this app's store, opened when the office is first used."""
    state = request.app.state
    with _opening:
        if getattr(state, "office_sessions", None) is None:
            settings = state.settings
            state.office_sessions = Sessions(state.store.open_view(SessionTable, "office_signins"),
                                             timedelta(minutes=settings.office_idle_minutes),
                                             timedelta(hours=settings.office_absolute_hours))
    found: Sessions = state.office_sessions
    return found


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


@dataclass(frozen=True)
class Signed:
    """The signed-in user of a request: the session (its CSRF token) and the user as the application sees it."""

    session: Session
    user: UserView

    @property
    def caller(self) -> Caller:
        """The caller the application judges the user's commands as."""
        return Caller(None, signed_in=SignedIn(self.session.user_name, self.session.password_id))

    def holds(self, *roles: str) -> bool:
        """Whether the user holds one of ``roles``: which forms and links a page offers. (The application decides
        whether a step is allowed; a page only leaves out what would certainly be refused.)"""
        return any(role in self.user.roles for role in roles)


class SignInNeeded(Exception):
    """No live session: the answer is the sign-in form (a page) or 401 (a form posted)."""


class CsrfRefused(Exception):
    """A form posted under /office/ without the session's CSRF token."""


class PageNotFound(Exception):
    """A page of a case, certificate, organisation or person there is none of."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def signed_in(request: Request) -> Signed | None:
    """The live session of the request and its user, still active and holding the password it signed in with."""
    registry = registry_of(request)
    session = sessions(request).find(request.cookies.get(SESSION_COOKIE), registry.clock.now())
    if session is None:
        return None
    try:
        user = registry.signed_in_user(session.user_name, session.password_id)
    except RegistryError:
        return None
    return Signed(session, user)


async def _signed(request: Request) -> Signed:
    found = await run_in_threadpool(signed_in, request)
    if found is None:
        raise SignInNeeded()
    return found


Office = Annotated[Signed, Depends(_signed)]


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The office template ``name`` (``api/templates/office/{name}.html``) as an answer, with the office's headers."""
    return HTMLResponse(templates.get_template(f"office/{name}.html").render(roles=ROLES, **context),
                        status_code=status, headers=HEADERS)


def too_large(limit: int) -> HTMLResponse:
    """The page of an upload far beyond the largest document (the edge stopped reading it, ``api.edge``): a page
    to go back from, not the API's JSON. One only a little too large is refused beside its form."""
    return render("forbidden", 413, code=413, message=(
        f"文件过大：每份文件至多 {limit} 字节，未作任何记录。请返回上一页。 / "
        f"A document may have at most {limit} bytes; nothing was written. Go back to the page you came from."))


def page(request: Request, signed: Signed, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A signed-in page: the template with the user, their CSRF token (for every form) and the navigation."""
    return render(name, status, me=signed.user, signed=signed, csrf_token=signed.session.csrf,
                  path=request.url.path, today=registry_of(request).clock.today(), **context)


async def posted(request: Request, signed: Signed) -> FormData:
    """The form posted, when it carries the session's CSRF token (``CsrfRefused`` otherwise)."""
    form = await request.form()
    token = form.get("csrf_token")
    if not signed.session.accepts(token if isinstance(token, str) else None):
        raise CsrfRefused()
    return form


async def read(request: Request, fn: Callable[..., T], *args: Any, records: bool = True) -> T:
    """``fn(*args)`` (a page's reads of the registry's records and the views; without ``records``, of the views
    only) in a thread, at once (``reading_at_once``); a record there is none of is a 404 page."""
    try:
        return await run_in_threadpool(reading_at_once, request, records, fn, *args)
    except NotFound as e:
        raise PageNotFound(e.detail) from None


def reading_at_once(request: Request, records: bool, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` with its reads gathered as a command's are: the records it loads on one connection, taken from
    the process's cache once the log's tail is read (``Registry.following``: the users, the people named on the
    page, without a query each), and the views' reads in one transaction (``View.one_snapshot``). A page that named
    its case's five people paid a query and a pool checkout for each. Without ``records`` (a page of the views
    alone), the log's tail is not read."""
    registry = registry_of(request)
    with ExitStack() as stack:
        if records:
            stack.enter_context(registry.one_connection())
            stack.enter_context(registry.following(reading=True))
        stack.enter_context(request.app.state.views.public.one_snapshot())
        return fn(*args)


@dataclass(frozen=True)
class Refusal:
    """A step the application refused, as a page shows it: the rule and clause (when a rule refused it), the
    rule's title in Chinese and English, the reason, and the HTTP status the API answers the same refusal with."""

    status: int
    kind: tuple[str, str]  # what sort of refusal, Chinese and English
    detail: str
    rule: str | None = None
    clause: str | None = None
    title: tuple[str, str] | None = None  # the rule's title, Chinese and English
    field: str | None = None

    @classmethod
    def of(cls, error: RegistryError) -> Refusal:
        rule = error.rule if isinstance(error, RuleViolation) else None
        clause = error.clause if isinstance(error, RuleViolation) else None
        title = rule_title(rule) if rule else None
        field = error.field if isinstance(error, InvalidInput) else None
        status, slug, _ = answer_of(error)  # as the API answers it, and named as its problem's title
        return cls(status, TITLES[slug], error.detail, rule, clause, title, field)


async def attempt(request: Request, signed: Signed, build: Callable[[], Command]) -> Handled | Refusal:
    """The command ``build`` makes from a form, sent to the application as the signed-in user, in one of the
    worker's command threads (as the API's writes are); a refusal, including a field ``build`` could not read
    (``InvalidInput``), comes back as a ``Refusal``, and nothing is written."""
    try:
        command = build()
    except RegistryError as e:
        return Refusal.of(e)
    registry = registry_of(request)
    threads = request.app.state.commands
    try:
        return await asyncio.get_running_loop().run_in_executor(threads, copy_context().run, registry.handle,
                                                                command, signed.caller)
    except RegistryError as e:
        return Refusal.of(e)


def done(to: str, message: str = "") -> RedirectResponse:
    """After a step is recorded: to the page that shows it (303, so a reload does not post again), with a line that
    says what was recorded."""
    target = f"{to}{'&' if '?' in to else '?'}done={quote(message)}" if message else to
    return RedirectResponse(target, status_code=303, headers=HEADERS)


class Form:
    """The fields of a posted form, read as a command's values: a field that cannot be read is an
    ``InvalidInput`` naming it, shown beside the form as any refusal is."""

    def __init__(self, form: FormData | Mapping[str, Any]) -> None:
        self.form = form

    def values(self) -> dict[str, str]:
        """What the user typed, to fill the form again after a refusal (files left out)."""
        return {k: v for k, v in self.form.items() if isinstance(v, str) and k != "csrf_token"}

    def text(self, name: str, default: str = "") -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else default

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def lines(self, name: str) -> list[str]:
        """A list typed one item a line."""
        return [line.strip() for line in self.text(name).splitlines() if line.strip()]

    def all(self, name: str) -> list[str]:
        """Every value of a field given more than once (checkboxes, a multiple select)."""
        getlist = getattr(self.form, "getlist", None)
        values = getlist(name) if getlist is not None else [self.form.get(name)]
        return [v.strip() for v in values if isinstance(v, str) and v.strip()]

    def flag(self, name: str) -> bool:
        """A checkbox, or a yes/no choice."""
        return self.text(name).lower() in ("on", "true", "yes", "1")

    def day(self, name: str) -> date:
        value = self.text(name)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(name, f"{name}：请填写日期（年-月-日） / {name}: a date is needed (YYYY-MM-DD), "
                                     f"not {value!r}") from None

    def optional_day(self, name: str) -> date | None:
        return self.day(name) if self.text(name) else None

    def number(self, name: str) -> float:
        value = self.text(name)
        try:
            return float(value)
        except ValueError:
            raise InvalidInput(name, f"{name}：请填写数字 / {name}: a number is needed, not {value!r}") from None

    def file(self, name: str) -> UploadFile | None:
        value = self.form.get(name)
        return value if isinstance(value, UploadFile) and value.filename else None


def install(app: FastAPI) -> None:
    """The office's answers to a request without a session, a form without its CSRF token, and a page of a record
    there is none of."""

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        if request.method != "GET":
            return render("signed_out", 401)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/office/login" if path == "/office/" else f"/office/login?next={quote(path)}"
        return RedirectResponse(target, status_code=303, headers=HEADERS)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return render("forbidden", 403, message=NO_CSRF)

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageNotFound)
        return render("not_found", 404, detail=exc.detail)

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(PageNotFound, not_found)
