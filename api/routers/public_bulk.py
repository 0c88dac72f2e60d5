"""The public's bulk reads (API.md, Public site and directory; R-PUB-1): many certificates checked in one call
(``api.bulk_lookup``), and the whole directory streamed (``api.directory``). No token.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import bulk_lookup, directory
from api.schemas import BulkLookup, BulkLookupResults

router = APIRouter(tags=["public · 公开查询"])


@router.post("/api/v1/public/certificates/lookup", response_model=BulkLookupResults,
             summary="Check up to 1,000 certificate numbers and USCCs at once: one item per entry and per "
                     "certificate found, in the order asked (numbers, then USCCs)")
async def lookup(body: BulkLookup, request: Request) -> Response:
    """Numbers are matched ignoring case; a USCC finds every certificate of its organisation, by number; an entry
    nothing matches is ``found: false``. More than 1,000 entries in all is refused (422), naming the limit."""
    queries = bulk_lookup.queries_of(body.numbers, body.usccs)
    today = request.app.state.registry.clock.today()
    items = await run_in_threadpool(bulk_lookup.lookup, request.app.state.views.public, queries, today)
    # Written directly: validating a thousand items against the response model would double the call's cost.
    return Response(json.dumps({"items": items}, ensure_ascii=False), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


_STREAMED = {"description": "streamed, by certificate number"}


@router.get("/api/v1/public/directory.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, **_STREAMED}},
            summary="Every certificate's public summary, as CSV (UTF-8 with a byte order mark), streamed")
async def directory_csv(request: Request) -> StreamingResponse:
    return _directory(request, "csv", "text/csv; charset=utf-8")


@router.get("/api/v1/public/directory.jsonl", response_class=StreamingResponse,
            responses={200: {"content": {"application/jsonl": {}}, **_STREAMED}},
            summary="Every certificate's public summary, as JSON Lines, streamed")
async def directory_jsonl(request: Request) -> StreamingResponse:
    return _directory(request, "jsonl", "application/jsonl; charset=utf-8")


def _directory(request: Request, fmt: str, media_type: str) -> StreamingResponse:
    today = request.app.state.registry.clock.today()
    return StreamingResponse(
        directory.stream(request.app.state.views.public, today, fmt), media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="directory-{today.isoformat()}.{fmt}"',
                 "Cache-Control": "no-store"})
