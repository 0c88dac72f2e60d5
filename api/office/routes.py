"""The office's sign-in, sign-out and signed-in page (API.md, "The office"): ``GET``/``POST /office/login``,
``POST /office/logout``, ``GET /office/``.

Every form posted under /office/ carries a ``csrf_token``, refused 403 without a valid one: the session's own
(``api.office.sessions``), or, for the sign-in form, which comes before any session, the one in a cookie set with
the form (a double-submitted token: another site can neither read the cookie nor set it). Sign-in is one call to the
application (``Registry.sign_in``), which judges the password and records the outcome; nothing here decides who may
sign in. The routes are plain functions: hashing a password and the sessions' table are work for a thread.
"""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.office.sessions import Session, Sessions, SessionTable, same_token
from api.pages import templates
from registry.application import Registry
from registry.errors import RegistryError
from registry.user import SignInPaused, Unauthenticated
from registry.views import UserView

router = APIRouter(prefix="/office", include_in_schema=False)

SESSION_COOKIE = "office_session"
LOGIN_CSRF_COOKIE = "office_login_csrf"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                      "form-action 'self'; frame-ancestors 'none'"}
ROLES = {"intake": ("受理", "Intake"), "auditor": ("审核", "Auditor"), "decision": ("认证决定", "Decision"),
         "admin": ("管理", "Administrator"), "regulator": ("监管", "Regulator")}
NO_CSRF = ("表单缺少有效的校验码，未作任何处理；请返回重新打开表单。 / The form did not carry a valid CSRF token; "
           "nothing was done. Go back and open the form again.")
_opening = threading.Lock()

Field = Annotated[str, Form()]


def sessions(request: Request) -> Sessions:
    """The sessions' table of this app's store, opened when the office is first used."""
    state = request.app.state
    with _opening:
        if getattr(state, "office_sessions", None) is None:
            settings = state.settings
            state.office_sessions = Sessions(state.store.open_view(SessionTable, "office_sessions"),
                                             timedelta(minutes=settings.office_idle_minutes),
                                             timedelta(hours=settings.office_absolute_hours))
    found: Sessions = state.office_sessions
    return found


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(f"office/{name}.html").render(**context), status_code=status,
                        headers=HEADERS)


def _forbidden() -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>403</title>"
                        f"<p>{NO_CSRF}</p></html>", status_code=403, headers=HEADERS)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/office")


def signed_in(request: Request) -> tuple[Session, UserView] | None:
    """The live session of the request and its user, still active; None otherwise."""
    registry = _registry(request)
    session = sessions(request).find(request.cookies.get(SESSION_COOKIE), registry.clock.now())
    if session is None:
        return None
    try:
        user = registry.user_named(session.user_name)
    except RegistryError:
        return None
    return (session, user) if user.active else None


def _login_form(request: Request, status: int = 200, message: str = "", username: str = "",
                headers: dict[str, str] | None = None) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = _page("login", status, csrf_token=token, message=message, username=username)
    response.headers.update(headers or {})
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    if signed_in(request) is not None:
        return RedirectResponse("/office/", status_code=303, headers=HEADERS)
    return _login_form(request)


@router.post("/login")
def login(request: Request, username: Field = "", password: Field = "", csrf_token: Field = "") -> Response:
    """Signs in: a session and a redirect to /office/; otherwise the form again, 401, with one message whatever
    was wrong (429 while the name must wait after repeated failures)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same_token(expected, csrf_token):
        return _forbidden()
    registry = _registry(request)
    try:
        user = registry.sign_in(username, password)
    except SignInPaused as e:
        return _login_form(request, 429, e.detail, username, {"Retry-After": str(e.retry_after)})
    except Unauthenticated as e:
        return _login_form(request, 401, e.detail, username)
    session_id, _ = sessions(request).begin(user.name, registry.clock.now())
    response = RedirectResponse("/office/", status_code=303, headers=HEADERS)
    _set_cookie(request, response, SESSION_COOKIE, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/office")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Field = "") -> Response:
    """Ends the session, server-side: its cookie opens nothing any more, wherever it was copied to."""
    current = signed_in(request)
    if current is None or not current[0].accepts(csrf_token):
        return _forbidden()
    sessions(request).end(request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/office/login", status_code=303, headers=HEADERS)
    response.delete_cookie(SESSION_COOKIE, path="/office", httponly=True, samesite="lax")
    return response


@router.get("/")
def home(request: Request) -> Response:
    current = signed_in(request)
    if current is None:
        return RedirectResponse("/office/login", status_code=303, headers=HEADERS)
    session, user = current
    return _page("home", user=user, roles=ROLES, csrf_token=session.csrf)
