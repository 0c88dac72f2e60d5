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

from api.checkpoint_notes import UnknownCheckpointKey, checkpoint_keys, signed_checkpoint
from api.routers.log import latest
from registry.errors import NotFound

router = APIRouter(prefix="/log", tags=["log · C2SP"])
NOTE = "text/plain; charset=utf-8"


def _latest_note(request: Request) -> str:
    checkpoint = latest(request)
    cosignatures = request.app.state.views.log.cosignatures([checkpoint.size])[checkpoint.size]
    try:
        return str(signed_checkpoint(checkpoint, checkpoint_keys(request.app.state.checkpoint_signer), cosignatures))
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
