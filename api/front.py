"""The front door a person opens: ``/`` (what is here), ``/verify`` (a form: enter a certificate number) and the API
documentation, ``/docs`` (Swagger UI) and ``/redoc``, whose scripts this server serves itself (``api/static/docs``),
so that they work without the internet.

Pages for people: server-rendered, Chinese first and English beneath, no JavaScript of their own; none is in the
OpenAPI document.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.edge import NOSNIFF_HEADERS
from registry import text

HERE = Path(__file__).parent
ASSETS = "/static/docs"  # where api/static/docs is served
TITLE = "碳排放管理体系认证证书登记系统 CEMS certificate registry"

router = APIRouter(include_in_schema=False)
# auto_reload=False: the templates ship with the code (as api.pages says), so a render asks the file system nothing.
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True, auto_reload=False)

# The pages load nothing from elsewhere; the form posts only to this server.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
# Swagger UI and ReDoc run this server's copies of their scripts, started by FastAPI's inline script (Swagger UI);
# ReDoc's search runs in a worker it makes from a blob.
DOCS_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status_code,
                        headers=PAGE_HEADERS)


@functools.lru_cache(maxsize=4)
def _home(openapi_url: str) -> bytes:
    return templates.get_template("home.html").render(openapi_url=openapi_url).encode()


def home_page(openapi_url: str) -> HTMLResponse:
    """The start page: the same bytes for everyone, rendered once. It is the public's way in (issue 25: at least
    0.8 of the trivial endpoint's requests/s), so a plain GET of it is answered in the fast lane (``api.lookup``),
    and this route answers the others (a query string, a token)."""
    return HTMLResponse(_home(openapi_url), headers={**PAGE_HEADERS, **NOSNIFF_HEADERS})


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    return home_page(request.app.openapi_url or "")


def number_problem(number: str) -> tuple[str, str] | None:
    """Why what was typed cannot be a certificate number (Chinese, English), or None."""
    fault = text.fault(number, text.NUMBER)  # what the verify page itself would refuse (api.inputs)
    if fault is not None:
        return (f"证书编号{fault.zh}", f"the certificate number {fault.en}")
    if "/" in number:  # one path segment of its verify page
        return ("证书编号含有不允许的字符 /", "the certificate number holds a character it cannot hold (/)")
    return None


@router.get("/verify", response_model=None)
def verify_form(number: str | None = None) -> Response:
    """Without a number, the form; with one, on to that certificate's verify page (``/verify/{number}``)."""
    typed = (number or "").strip()
    if not typed:
        return page("verify_form.html", number="", problem=None)
    problem = number_problem(typed)
    if problem is not None:
        return page("verify_form.html", 422, number=typed, problem=problem)
    return RedirectResponse(f"/verify/{quote(typed, safe='')}", status_code=303)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url=request.app.openapi_url, title=f"{TITLE} · API",
                               swagger_js_url=f"{ASSETS}/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url=f"{ASSETS}/swagger-ui/swagger-ui.css",
                               swagger_favicon_url=f"{ASSETS}/swagger-ui/favicon-32x32.png")
    page.headers.update(DOCS_HEADERS)
    return page


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    page = get_redoc_html(openapi_url=request.app.openapi_url, title=f"{TITLE} · API",
                          redoc_js_url=f"{ASSETS}/redoc/redoc.standalone.js",
                          redoc_favicon_url=f"{ASSETS}/swagger-ui/favicon-32x32.png", with_google_fonts=False)
    page.headers.update(DOCS_HEADERS)
    return page


def install(app: FastAPI) -> None:
    """The pages, and the documentation's scripts (a mount; routers cannot carry one). The app is made with
    ``docs_url=None, redoc_url=None``: FastAPI's own pages load their scripts from a CDN."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=HERE / "static" / "docs"), name="docs-assets")
