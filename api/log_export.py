"""``registry log export FILE``: the whole log, its kept checkpoints and the checkpoint keys written to one file
in the format of ``api/log_format.py``, for a regulator to verify on its own machine (R-REC-4)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.checkpoint_notes import cosignature_lines
from api.log_format import FORMAT, Flaw, canonical
from api.published_keys import PublishedKey
from projections.runner import Views
from registry import merkle
from registry.entries import Entry, entry_of

BATCH = 1000


@dataclass(frozen=True)
class Exported:
    path: Path
    entries: int
    checkpoints: int
    root_hash: str
    reproduced: bool  # whether the log as stored reproduces the latest checkpoint's root


def export(views: Views, path: Path, keys: list[PublishedKey]) -> Exported:
    """Brings the log view up to date, signs a checkpoint of the whole log if it has grown, and writes the file
    (whole, then renamed into place, read-only) with ``keys``, the published checkpoint keys."""
    views.bring_up_to_date()
    views.checkpoint()
    latest = views.log.checkpoint()
    if latest is None:
        raise Flaw("the log is empty or has no signed checkpoint: nothing to export")
    checkpoints = views.log.checkpoints(up_to=latest.size)
    tree = merkle.Tree()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="ascii", newline="\n") as out:
        # Every checkpoint key, the retired ones too, so every kept checkpoint verifies; their validity is not in
        # the format (a verifier trusts the validity it was given, --keys, not what a file says of itself).
        listed = dict.fromkeys((k.algorithm, k.key_id, k.public_key) for k in keys if k.use == "checkpoint")
        out.write(canonical({"format": FORMAT, "keys": [
            {"algorithm": algorithm, "key_id": kid, "public_key": public, "use": "checkpoint"}
            for algorithm, kid, public in listed]}))
        for entry in _entries(views, latest.size):
            data = entry.encode()
            tree.append(merkle.leaf_hash(data))
            out.write(canonical({"entry": base64.b64encode(data).decode("ascii"), "leaf_index": tree.size - 1,
                                 "position": entry.position}))
        cosignatures = views.log.cosignatures_up_to(latest.size)
        for checkpoint in checkpoints:
            line: dict[str, Any] = {"checkpoint": checkpoint.as_dict()}
            if checkpoint.size in cosignatures:
                line["cosignatures"] = [s.line.rstrip("\n") for s in cosignature_lines(cosignatures[checkpoint.size])]
            out.write(canonical(line))
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o444)
    os.replace(tmp, path)
    root = tree.root().hex()
    return Exported(path, tree.size, len(checkpoints), root, root == latest.root_hash)


def _entries(views: Views, size: int) -> Iterator[Entry]:
    """The first ``size`` stored events, in log order, as entries."""
    recorder, start, done = views.registry.recorder, 1, 0
    while done < size:
        batch = list(recorder.select_notifications(start, min(BATCH, size - done)))
        if not batch:
            raise Flaw(f"the log holds {done} events but its checkpoint covers {size}")
        for notification in batch:
            yield entry_of(notification)
        done += len(batch)
        start = batch[-1].id + 1
