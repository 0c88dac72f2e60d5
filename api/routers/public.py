"""Public keys and QR images (API.md, Public): what a printed certificate is checked with, offline and online.

A plain GET of a QR image is answered by the fast lane, ``api.lookup``, before these routes are reached; they answer
every other one (``?after=``, ``X-Registry-After``, a token), with the same function.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api import lookup
from api.published_keys import listing
from api.routers.public_certificates import AFTER_RESPONSES, After, AfterHeader, Number, wait_for
from api.schemas import KeysPublic
from api.signing import Signer

router = APIRouter(tags=["public · 公开查询"])


def _signer(request: Request) -> Signer:
    signer: Signer = request.app.state.signer
    return signer


@router.get("/api/v1/public/keys", response_model=KeysPublic,
            summary="The published verification keys: Ed25519, base64 of the raw 32 bytes, each with its validity "
                    "(the current key of each use first, then the retired ones)")
def keys(request: Request) -> dict[str, Any]:
    published = [*_signer(request).published(), *request.app.state.checkpoint_signer.published()]
    # One key for both uses is listed once per use. Read from the key files and their keyrings on each request, so
    # a rotation made by another process is published at once.
    return listing(published, request.app.state.settings.origin)


_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "the QR code"},
    304: {"description": "not modified (If-None-Match)"},
    **AFTER_RESPONSES,
}


@router.get("/api/v1/public/certificates/{number}/qr.svg", response_class=Response, responses=_IMAGE,
            summary="The QR code of the certificate's verify_url, as SVG (1 mm per module)")
async def qr_svg(number: Number, request: Request, after: After = None, x_registry_after: AfterHeader = None
                 ) -> Response:
    await wait_for(request)
    return await lookup.qr_image(request.app, number, "svg", request.headers.get("if-none-match"))


@router.get("/api/v1/public/certificates/{number}/qr.png", response_class=Response, responses=_IMAGE,
            summary="The QR code of the certificate's verify_url, as PNG")
async def qr_png(number: Number, request: Request, after: After = None, x_registry_after: AfterHeader = None
                 ) -> Response:
    await wait_for(request)
    return await lookup.qr_image(request.app, number, "png", request.headers.get("if-none-match"))

