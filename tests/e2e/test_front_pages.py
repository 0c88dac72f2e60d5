"""The front door: `/` leads to the verify form and the API documentation; /docs and /redoc load their scripts from
this server (never a CDN), and those scripts ship with the package."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "api" / "static" / "docs"


def links(html: str) -> set[str]:
    return set(re.findall(r'(?:href|src|action)="([^"]+)"', html))


def test_the_root_is_a_chinese_first_page_with_one_search_box_and_the_docs(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in response.text
    assert {"/search", "/lookup", "/docs", "/redoc", "/openapi.json"} <= links(response.text)
    assert response.text.count('name="q"') == 1  # R-PUB-1: one box, for a number, a name or a USCC
    assert response.text.index("查询证书") < response.text.index("Find a certificate")


def test_the_start_page_is_the_same_bytes_and_headers_before_the_routes_and_through_them(client: TestClient) -> None:
    def seen(response: Any) -> tuple[int, bytes, dict[str, str]]:
        return response.status_code, response.content, {
            k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}

    plain = client.get("/")  # the fast lane's (api.lookup.plain_home)
    routed = client.get("/", params={"from": "qr"})  # a query string: the route's
    assert seen(plain) == seen(routed) and plain.headers["x-content-type-options"] == "nosniff"


def test_the_verify_form_without_a_number_is_a_page_with_the_form(client: TestClient) -> None:
    for url in ("/verify", "/verify?number=", "/verify?number=%20%20"):
        response = client.get(url)

        assert response.status_code == 200, url
        assert '<form class="lookup" method="get" action="/verify">' in response.text


def test_the_verify_form_sends_a_number_on_to_its_certificate_page(client: TestClient) -> None:
    response = client.get("/verify", params={"number": "  CB-CEMS-2026-00001 "}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/verify/CB-CEMS-2026-00001"


def test_the_verify_form_takes_any_number_the_domain_could_have_issued(client: TestClient) -> None:
    """A configured pattern may make numbers up to the domain's limit (registry.text.NUMBER): the form takes them."""
    longest = "C" * 100
    response = client.get("/verify", params={"number": longest}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/verify/{longest}"


@pytest.mark.parametrize("typed", ["CB/CEMS", "CB\x00CEMS", "CB\u202eCEMS", "CB\ufdd0CEMS", "C" * 101])
def test_the_verify_form_says_why_what_was_typed_cannot_be_a_number(client: TestClient, typed: str) -> None:
    response = client.get("/verify", params={"number": typed}, follow_redirects=False)

    assert response.status_code == 422
    assert 'role="alert"' in response.text and "证书编号" in response.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_every_script_and_style_from_this_server(client: TestClient, page: str) -> None:
    response = client.get(page)
    loaded = {link for link in links(response.text) if not link.startswith("#")}

    assert response.status_code == 200
    assert loaded and all(link.startswith("/") for link in loaded), loaded
    assert "googleapis" not in response.text and "cdn." not in response.text
    for link in loaded:
        asset = client.get(link)
        assert asset.status_code == 200, link
        assert asset.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript",
                                                                 "text/css", "image/png"), link


def test_fastapi_s_own_docs_pages_that_load_a_cdn_are_not_served(client: TestClient) -> None:
    response = client.get("/docs")

    assert "cdn.jsdelivr.net" not in response.text
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_the_docs_assets_are_package_data_with_their_licences() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["api"]
    files = [p.relative_to(ROOT / "api").as_posix() for p in ASSETS.rglob("*") if p.is_file()]

    unpackaged = [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)]

    assert unpackaged == []
    assert {"swagger-ui/LICENSE", "swagger-ui/NOTICE", "redoc/LICENSE"} <= {
        p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*")}
