"""The office's sign-in, sign-out and signed-in page (API.md, "The office"): ``GET``/``POST /office/login``,
``POST /office/logout``, ``GET /office/``.

Every form posted under /office/ carries a ``csrf_token``, refused 403 without a valid one: the session's own
(``api.office.frame.posted``), or, for the sign-in form, which comes before any session, the one in a cookie set
with the form (a double-submitted token: another site can neither read the cookie nor set it). Sign-in is one call
to the application (``Registry.sign_in``), which judges the password and records the outcome; nothing here decides
who may sign in. The routes are plain functions: hashing a password and the sessions' table are work for a thread.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.office.frame import HEADERS, NO_CSRF, SESSION_COOKIE, registry_of, render, sessions, signed_in
from api.office.sessions import same_token
from registry.user import SignInPaused, Unauthenticated

router = APIRouter(prefix="/office", include_in_schema=False)

LOGIN_CSRF_COOKIE = "office_login_csrf"

Field = Annotated[str, Form()]


def _forbidden() -> HTMLResponse:
    return render("forbidden", 403, message=NO_CSRF)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/office")


def _next(target: str) -> str:
    """Where to go after signing in: the office page asked for, never anywhere else (no open redirect)."""
    return target if target.startswith("/office/") and not target.startswith("/office//") else "/office/"


def _login_form(request: Request, status: int = 200, message: str = "", username: str = "",
                headers: dict[str, str] | None = None, next_page: str = "/office/") -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render("login", status, csrf_token=token, message=message, username=username,
                      next_page=_next(next_page))
    response.headers.update(headers or {})
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/office/") -> Response:  # noqa: A002  (the query's name)
    if signed_in(request) is not None:
        return RedirectResponse(_next(next), status_code=303, headers=HEADERS)
    return _login_form(request, next_page=next)


@router.post("/login")
def login(request: Request, username: Field = "", password: Field = "", csrf_token: Field = "",
          next: Field = "/office/") -> Response:  # noqa: A002
    """Signs in: a session and a redirect to the page asked for (/office/ by default); otherwise the form again,
    401, with one message whatever was wrong (429 while the name must wait after repeated failures)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same_token(expected, csrf_token):
        return _forbidden()
    registry = registry_of(request)
    try:
        user = registry.sign_in(username, password)
    except SignInPaused as e:
        return _login_form(request, 429, e.detail, username, {"Retry-After": str(e.retry_after)}, next)
    except Unauthenticated as e:
        return _login_form(request, 401, e.detail, username, next_page=next)
    session_id, _ = sessions(request).begin(user.name, str(user.password_id), registry.clock.now())
    response = RedirectResponse(_next(next), status_code=303, headers=HEADERS)
    _set_cookie(request, response, SESSION_COOKIE, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/office")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Field = "") -> Response:
    """Ends the session, server-side: its cookie opens nothing any more, wherever it was copied to. A session that
    has already ended (expired, or its user revoked) goes to the sign-in form, as after any sign-out."""
    cookie = request.cookies.get(SESSION_COOKIE)
    current = signed_in(request)
    if current is not None and not current.session.accepts(csrf_token):
        return _forbidden()
    if current is not None and cookie is not None:
        sessions(request).end(cookie)
    response = RedirectResponse("/office/login", status_code=303, headers=HEADERS)
    response.delete_cookie(SESSION_COOKIE, path="/office", httponly=True, samesite="lax")
    return response
