"""The file a regulator takes to its own machine (R-REC-4): the whole log, format ``cems-log-export/2``.

An export is one self-contained file: UTF-8 JSON Lines, each line one object in canonical JSON (keys sorted, no
spaces, non-ASCII escaped) ending in "\\n", so a file has exactly one spelling and every byte of it is checked::

    line 1          {"format": "cems-log-export/2", "keys": [the checkpoint keys, as /api/v1/public/keys lists them]}
    then, per leaf  {"entry": base64 of the entry bytes, "leaf_index": 0, 1, 2, … "position": its log position}
    then, per kept  {"checkpoint": {as GET /api/v1/log/checkpoint serves it},
    checkpoint       "cosignatures": [the witnesses' cosignature/v1 lines of it, as GET /log/checkpoint serves them]}
                    smallest first; the last one covers every entry of the file

(each checkpoint without ``signed_note``, which the API makes from its fields and the published key; a checkpoint no
witness cosigned has no ``cosignatures``). Format ``cems-log-export/1``, written before witnesses (issue 26), is
the same without cosignatures, and is still read.

``registry log export`` writes it (``api/log_export.py``) and ``registry log verify`` checks it
(``api/log_verify.py``). Altering, removing, adding or reordering an entry changes a leaf or the count and so a
root that was signed; any other byte is covered by the canonical form or a signature (a witness's, checked with
that witness's key).
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from projections.log import Checkpoint

FORMAT = "cems-log-export/2"
READABLE = ("cems-log-export/1", FORMAT)  # /1: no cosignatures
CHECKPOINT_FIELDS = tuple(f.name for f in fields(Checkpoint))


class Flaw(Exception):
    """What makes an export fail verification: the first flaw found, and where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"
