"""C2SP transparency log proofs (https://c2sp.org/tlog-proof): the format only, as the spec writes it::

    c2sp.org/tlog-proof@v1
    extra <base64>                 optional, opaque and unauthenticated (we write none, and trust none we read)
    index <leaf index, decimal, no leading zeroes>
    <base64 of one SHA-256 hash>   the inclusion path, one hash a line, from the leaf's sibling up to the root's
    …                              child (RFC 6962 §2.1.1); none for a tree of one leaf
    <empty line>
    <the checkpoint, a C2SP signed note, verbatim>

A proof holds once its checkpoint opens under the log's key and the path leads from the record's leaf hash to the
checkpoint's root: that is the reader's part (``api/proof_bundle.py``); this module only writes and reads the text.
Base64 is standard and must be canonical, read as ``api/signed_note.py`` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.signed_note import b64, canonical_b64

HEADER = "c2sp.org/tlog-proof@v1"


class MalformedProof(ValueError):
    """Text that is not a tlog-proof."""


@dataclass(frozen=True)
class TlogProof:
    index: int
    path: tuple[bytes, ...]
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    @property
    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64(self.extra)}")
        lines += [f"index {self.index}", *(b64(h) for h in self.path)]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def tlog_proof(index: int, path: Sequence[bytes], checkpoint: str) -> TlogProof:
    if index < 0 or any(len(h) != 32 for h in path):
        raise ValueError("a proof has a leaf index of 0 or more and a path of 32-byte hashes")
    return TlogProof(index, tuple(path), checkpoint)


def parse_tlog_proof(text: str) -> TlogProof:
    """The parts of a tlog-proof, checked for form only (``MalformedProof``): the checkpoint is not opened."""
    head, blank, checkpoint = text.partition("\n\n")
    if not blank:
        raise MalformedProof("a proof's checkpoint follows an empty line")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise MalformedProof(f"a proof's first line is {HEADER}")
    at, extra = 1, None
    if len(lines) > at and lines[at].startswith("extra "):
        extra, at = canonical_b64(lines[at][len("extra "):], "the extra data", MalformedProof), at + 1
    if len(lines) <= at or not lines[at].startswith("index "):
        raise MalformedProof("a proof names its leaf index: 'index N'")
    index = lines[at][len("index "):]
    if not (index.isascii() and index.isdigit()) or (index != "0" and index.startswith("0")):
        raise MalformedProof(f"a proof's index is a decimal number without leading zeroes: {index!r}")
    path = []
    for number, line in enumerate(lines[at + 1:], 1):
        hash_ = canonical_b64(line, f"the path's hash {number}", MalformedProof)
        if len(hash_) != 32:
            raise MalformedProof(f"the path's hash {number} is {len(hash_)} bytes, not 32 (SHA-256)")
        path.append(hash_)
    return TlogProof(int(index), tuple(path), checkpoint, extra)
