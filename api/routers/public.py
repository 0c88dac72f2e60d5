"""Public keys and QR images (API.md, Public): what a printed certificate is checked with, offline and online."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.routing import Route

from api import qr
from api.inputs import certificate_number
from api.routers.public_certificates import AFTER_RESPONSES, After, AfterHeader, Number, wait_for
from api.schemas import KeysPublic
from api.signing import Signer
from registry.errors import NotFound

router = APIRouter(tags=["public · 公开查询"])
CACHE_CONTROL = "public, max-age=86400"


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
    return {"keys": [k.as_dict() for k in dict.fromkeys(published)]}


def stored_verify_url(document: str) -> str:
    """The verify_url in a stored public document, found without parsing it all (keys are sorted, URLs have no
    quotes)."""
    start = document.rindex('"verify_url": "') + len('"verify_url": "')
    return document[start:document.index('"', start)]


async def serve_qr(request: Request) -> Response:
    """QR images, as plain Starlette endpoints (the hot path; see ``serve_certificate``)."""
    number, fmt = certificate_number(request.path_params["number"]), request.path_params["fmt"]
    if fmt not in qr.MEDIA_TYPES:
        raise NotFound(f"QR codes are qr.svg or qr.png, not qr.{fmt}")
    await wait_for(request)
    row = await request.app.state.reader.get(number)  # the public read model, as the lookup reads it
    if row is None:
        raise NotFound(f"no certificate {number}")
    image = qr.images.image(stored_verify_url(row[0]), fmt)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": image.etag}
    wanted = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}
    if image.etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(image.content, media_type=image.media_type, headers=headers)


_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "the QR code"},
    304: {"description": "not modified (If-None-Match)"},
    **AFTER_RESPONSES,
}


@router.get("/api/v1/public/certificates/{number}/qr.svg", response_class=Response, responses=_IMAGE,
            summary="The QR code of the certificate's verify_url, as SVG (1 mm per module)")
async def qr_svg(number: Number, request: Request, after: After = None, x_registry_after: AfterHeader = None
                 ) -> Response:
    request.scope["path_params"]["fmt"] = "svg"
    return await serve_qr(request)


@router.get("/api/v1/public/certificates/{number}/qr.png", response_class=Response, responses=_IMAGE,
            summary="The QR code of the certificate's verify_url, as PNG")
async def qr_png(number: Number, request: Request, after: After = None, x_registry_after: AfterHeader = None
                 ) -> Response:
    request.scope["path_params"]["fmt"] = "png"
    return await serve_qr(request)


FAST_ROUTES = [Route("/api/v1/public/certificates/{number}/qr.{fmt:str}", serve_qr, methods=["GET"])]
