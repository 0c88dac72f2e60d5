"""The tamper-evident log (R-REC-4): signed checkpoints, the entries they cover, inclusion and consistency proofs.

Leaf indexes are 0-based and have no gaps: leaf i is the (i+1)-th event of the log in log order. Log positions
are the store's global order and may have gaps. Proofs are RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency);
hashes are hex, the entry bytes base64 (their encoding: ``registry/entries.py`` and docs/API-NOTES.md).
"""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api import checkpoint_notes as notes
from api.catching_up import CatchingUp
from api.checkpoint_notes import UnknownCheckpointKey
from api.deps import Reader, role_doc
from api.inputs import MAX_POSITION
from api.problems import NotCaughtUp
from api.schemas import (
    CheckpointOut,
    CheckpointsOut,
    ConsistencyProof,
    InclusionProof,
    LogEntries,
    Problem,
)
from api.signed_note import SignedNote
from api.witnessing import Witnesses
from projections.cosignatures import Cosignature
from projections.log import Checkpoint, LogError, LogView, NotInTree
from registry.entries import entry_of
from registry.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1/log", tags=["log · 防篡改日志"])
ROLES = role_doc("regulator", "any staff")
MAX_ENTRIES = 1000
Size = Annotated[int | None, Query(ge=0, le=MAX_POSITION,
                                   description="a tree size (leaves); the latest checkpoint's by default")]


def _log(request: Request) -> LogView:
    view: LogView = request.app.state.views.log
    return view


def latest(request: Request) -> Checkpoint:
    checkpoint = _log(request).checkpoint()
    if checkpoint is None:
        raise NotFound("尚未签署任何检查点：日志为空，或第一个检查点即将签署 / "
                       "no checkpoint has been signed yet: the log is empty, or its first checkpoint is seconds away")
    return checkpoint


def served_note(request: Request, checkpoint: Checkpoint,
                cosignatures: list[Cosignature] | None = None) -> SignedNote:
    """The checkpoint as a C2SP signed note, exactly as ``GET /log/checkpoint`` serves it: the one place a request
    makes a kept checkpoint its note, for that route, ``signed_note`` and the certificates' offline proofs alike
    (``api.checkpoint_notes.served_note``)."""
    return notes.served_note(_log(request), request.app.state.checkpoint_signer, checkpoint, cosignatures)


def served(request: Request, checkpoints: list[Checkpoint]) -> list[dict[str, Any]]:
    """The checkpoints as the API answers them: as kept, with ``signed_note``, each as a C2SP signed note with the
    witnesses' cosignatures (null when the key that signed it is no longer published), and whether the quorum of
    the configured witnesses cosigned it."""
    witnesses: Witnesses = request.app.state.witnesses
    cosigned = _log(request).cosignatures(c.size for c in checkpoints)
    out = []
    for checkpoint in checkpoints:
        cosignatures = cosigned.get(checkpoint.size, [])
        try:
            note: str | None = str(served_note(request, checkpoint, cosignatures))
        except UnknownCheckpointKey:
            note = None
        out.append({**checkpoint.as_dict(), "signed_note": note, "witnessed": witnesses.witnessed(cosignatures),
                    "cosigners": witnesses.cosigners(cosignatures), "witnesses": len(witnesses.witnesses),
                    "witness_quorum": witnesses.quorum})
    return out


def _size(request: Request, size: int | None) -> int:
    return latest(request).size if size is None else size


@router.get("/checkpoint", response_model=CheckpointOut, openapi_extra=ROLES, responses={503: {
            "model": Problem, "content": {"application/problem+json": {}},
            "description": "?after=: no checkpoint covers that log position within the timeout "
                           "(REGISTRY_AFTER_TIMEOUT), or the database is away"}},
            summary="The latest signed checkpoint (or the one kept for ?size=); ?after=POSITION waits until one "
                    "covers that log position")
async def checkpoint(request: Request, _: Reader, size: Annotated[int | None, Query(ge=1, le=MAX_POSITION)] = None,
                     after: Annotated[int | None, Query(ge=1, le=MAX_POSITION)] = None) -> dict[str, Any]:
    if size is None and after is not None:
        return (await run_in_threadpool(served, request, [await covering(request, after)]))[0]
    return await run_in_threadpool(_kept_or_latest, request, size)


def _kept_or_latest(request: Request, size: int | None) -> dict[str, Any]:
    if size is not None:
        kept = _log(request).checkpoint(size)
        if kept is None:
            raise NotFound(f"未保存 {size} 个叶的检查点（GET /api/v1/log/checkpoints 列出所保存的） / "
                           f"no checkpoint of {size} leaves is kept (GET /api/v1/log/checkpoints lists them)")
        return served(request, [kept])[0]
    return served(request, [latest(request)])[0]


async def covering(request: Request, position: int) -> Checkpoint:
    """The latest checkpoint once one covers log ``position``, waiting up to the configured ``after`` timeout on the
    event loop, as the public reads wait (``api.catching_up``): a waiting read holds no thread."""
    catching_up: CatchingUp = request.app.state.catching_up
    loop = asyncio.get_running_loop()
    deadline = loop.time() + catching_up.timeout
    await catching_up.wait(position)  # 422 beyond a primary's head; 503 when the views do not get there in time
    log = _log(request)
    needed = await run_in_threadpool(log.leaves_through, position)
    while True:
        latest = await run_in_threadpool(log.checkpoint)
        if latest is not None and latest.size >= needed:
            return latest
        if loop.time() >= deadline:
            raise NotCaughtUp(f"尚无覆盖该位置的检查点 / no checkpoint covers log position {position} yet "
                              f"({catching_up.timeout:g} s)")
        await asyncio.sleep(0.05)


@router.get("/checkpoints", response_model=CheckpointsOut, openapi_extra=ROLES,
            summary="Every kept checkpoint, smallest first: any two can be proved consistent")
def checkpoints(request: Request, _: Reader, after_size: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    items = _log(request).checkpoints(after_size=after_size, limit=limit)
    return {"items": served(request, items)}


@router.get("/entries", response_model=LogEntries, openapi_extra=ROLES,
            summary="The log's entries by leaf index [start, end): each with its position and the bytes hashed")
def entries(request: Request, _: Reader, start: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
            end: Annotated[int | None, Query(ge=0, le=MAX_POSITION,
                                             description=f"exclusive; at most {MAX_ENTRIES} after start")]
            = None) -> dict[str, Any]:
    log = _log(request)
    size = log.size()
    end = min(size, start + 100) if end is None else end
    if end < start or end - start > MAX_ENTRIES:
        raise InvalidInput("end", f"end 不小于 start，且至多比 start 大 {MAX_ENTRIES} / "
                                  f"end is at least start and at most {MAX_ENTRIES} after it")
    if end > size:
        raise InvalidInput("end", f"树有 {size} 个叶，叶序号为 0 至 {size - 1} / "
                                  f"the tree has {size} leaves; leaf indexes run from 0 to {size - 1}")
    leaves = log.leaves(start, end)
    stored = []
    if leaves:
        recorder = request.app.state.registry.recorder
        stored = list(recorder.select_notifications(leaves[0][1], len(leaves), stop=leaves[-1][1]))
    out = []
    for (index, position, leaf), notification in zip(leaves, stored, strict=True):
        entry = entry_of(notification)
        out.append({"leaf_index": index, "position": position, "leaf_hash": leaf.hex(),
                    "entry": base64.b64encode(entry.encode()).decode("ascii"),
                    "originator_id": str(entry.originator_id), "version": entry.version, "topic": entry.topic})
    return {"start": start, "end": end, "tree_size": size, "entries": out}


@router.get("/proofs/inclusion", response_model=InclusionProof, openapi_extra=ROLES,
            summary="RFC 9162 inclusion proof of the event at log `position` in the tree of `size` leaves")
def inclusion(request: Request, _: Reader, position: Annotated[int, Query(ge=1, le=MAX_POSITION)],
              size: Size = None) -> dict[str, Any]:
    tree_size = _size(request, size)
    try:
        index, leaf, path, root = _log(request).prove_inclusion(position, tree_size)
    except NotInTree as e:
        raise NotFound(str(e)) from None
    except LogError as e:
        raise InvalidInput("size", str(e)) from None
    return {"leaf_index": index, "tree_size": tree_size, "leaf_hash": leaf.hex(),
            "audit_path": [p.hex() for p in path], "root_hash": root.hex()}


@router.get("/proofs/consistency", response_model=ConsistencyProof, openapi_extra=ROLES,
            summary="RFC 9162 consistency proof that the tree of `first` leaves is a prefix of that of `second`")
def consistency(request: Request, _: Reader, first: Annotated[int, Query(ge=1, le=MAX_POSITION)],
                second: Size = None) -> dict[str, Any]:
    second_size = _size(request, second)
    log = _log(request)
    try:
        path, first_root, second_root = log.prove_consistency(first, second_size)
    except LogError as e:
        raise InvalidInput("second" if first <= second_size else "first", str(e)) from None
    return {"first": first, "second": second_size, "consistency_path": [p.hex() for p in path],
            "first_root_hash": first_root.hex(), "second_root_hash": second_root.hex()}
