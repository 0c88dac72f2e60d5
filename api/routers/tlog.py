"""The log for everyone, in C2SP's formats (R-REC-4; API.md, "The log for everyone"): what a verifier nobody here
wrote reads without a token.

``GET /log/checkpoint`` is the latest checkpoint as a C2SP signed note (https://c2sp.org/tlog-checkpoint): the
checkpoint body, a blank line, the log's signature line, whose key name is the origin, and the cosignature/v1 line
of its signed time (``api/checkpoint_notes.py``), then the witnesses' cosignature lines (``api/witnessing.py``).
Go's ``sumdb/note`` verifies it with the checkpoint key's ``note_verifier_key`` from ``/api/v1/public/keys``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api import lookup, tiles
from api.checkpoint_notes import UnknownCheckpointKey
from api.deps import RegulatorReader, role_doc
from api.routers.log import latest, served_note
from registry.errors import InvalidInput, NotFound

router = APIRouter(prefix="/log", tags=["log · C2SP"])
NOTE = "text/plain; charset=utf-8"
TILE = tiles.MEDIA_TYPE


def _latest_note(request: Request) -> str:
    try:
        return str(served_note(request, latest(request)))
    except UnknownCheckpointKey as e:
        raise NotFound(str(e)) from None


@router.get("/checkpoint", response_class=Response, responses={200: {"content": {NOTE: {}}, "description": (
            "the checkpoint: origin, size and base64 root hash, a blank line, then `— <origin> <base64>` lines: "
            "the log's Ed25519 signature and its time (cosignature/v1), then the witnesses' cosignatures")}},
            summary="The latest checkpoint as a C2SP signed note (public; verify it with the checkpoint key's "
                    "note_verifier_key from /api/v1/public/keys)")
async def checkpoint(request: Request) -> Response:
    note = await run_in_threadpool(_latest_note, request)
    # A checkpoint is replaced by the next within seconds: a cache may keep it only while it asks again.
    return Response(note.encode("utf-8"), media_type=NOTE,
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


def _tile(path: str, entries: bool) -> tiles.Tile:
    try:
        tile = tiles.parse(f"{tiles.ENTRIES}/{path}" if entries else path)
    except tiles.TilePathError as e:
        raise InvalidInput("path", f"R-REC-4：不是 C2SP tlog-tiles 的瓦片路径 / not a C2SP tlog-tiles path "
                                   f"(tile/<L>/<N>[.p/<W>]): {e}") from None
    if entries != (tile.level is None):
        raise InvalidInput("path", "R-REC-4：条目包在 tile/entries/ 下 / entry bundles are under tile/entries/")
    return tile


def _absent(tile: tiles.Tile) -> NotFound:
    return NotFound(f"树中尚无瓦片 {tile.path} / the tree has no tile {tile.path} (yet)")


@router.get("/tile/entries/{path:path}", response_class=Response, openapi_extra=role_doc("regulator"),
            responses={200: {"content": {TILE: {}}, "description": "the entries of level 0's tile N, each as a "
                             "big-endian uint16 length and the entry's bytes (as /api/v1/log/entries encodes them)"}},
            summary="An entry bundle of the log, C2SP tlog-tiles (regulators only: entries hold private facts)")
async def entry_bundle(path: str, request: Request, regulator: RegulatorReader) -> Response:
    tile = _tile(path, entries=True)
    _, start, end = tile.nodes()
    log, recorder = request.app.state.views.log, request.app.state.registry.recorder
    found = await run_in_threadpool(tiles.entries, log, recorder, start, end)
    if len(found) != tile.width:
        raise _absent(tile)
    return Response(tiles.bundle(found), media_type=TILE,
                    headers={**tiles.IMMUTABLE, "Cache-Control": "private, max-age=31536000, immutable"})


@router.get("/tile/{path:path}", response_class=Response,
            responses={200: {"content": {TILE: {}}, "description": "256 (a partial tile: W) Merkle tree hashes of "
                             "level 8·L, 32 bytes each"}},
            summary="A hash tile of the log's Merkle tree, C2SP tlog-tiles: tile/<L>/<N>[.p/<W>] (public)")
async def hash_tile(path: str, request: Request) -> Response:
    tile = _tile(path, entries=False)
    data = await lookup.hash_tile(request.app, tile)  # as the fast lane (api.lookup) answers most tiles
    if data is None:
        raise _absent(tile)
    return Response(data, media_type=TILE, headers=tiles.IMMUTABLE)
