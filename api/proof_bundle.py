"""A certificate's offline proof (R-REC-4, issue 26): every event of its history with a C2SP tlog-proof
(``api/tlog_proof.py``) against one signed checkpoint, in one file, format ``cems-certificate-proof/1``.

One JSON object in canonical form (keys sorted, no spaces, non-ASCII escaped), ending in a newline::

    {"certificate": the certificate's number, as issued,
     "checkpoint": the checkpoint, a C2SP signed note exactly as GET /log/checkpoint serves it,
     "events": [{"entry": base64 of the event's entry bytes (registry/entries.py),
                 "tlog_proof": the event's c2sp.org/tlog-proof@v1 text, ending with that same checkpoint}, …],
     "format": "cems-certificate-proof/1"}

Events come oldest first, every event ``GET /api/v1/certificates/{number}/history`` answers (its cases', and the
earlier cycles' it renews); the checkpoint covers them all. Each ``tlog_proof`` is what the spec writes, so it can be
saved as a ``.tlog-proof`` file and checked with its entry by any tlog-proof reader (tests/golden/c2sp_verify is
Go's); the file adds only what one proof cannot hold: the entry's bytes, and which certificate the events are of.

``verify`` reads a file with the log's verifier keys and nothing else: the checkpoint opens under one of them (its
signature and its signed time), every proof carries it byte for byte, and every entry's leaf hash and inclusion
path lead to its root. The number is tied to the events by the certificate's id, which is derived from it
(``registry.identifiers.certificate_id``): one event at least must be the certificate's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.checkpoint_notes import OpenedCheckpoint, cosigners, open_checkpoint
from api.keys import key_id, leaked
from api.log_format import Flaw, canonical
from api.signed_note import MalformedNote, NoteRefused, NoteVerifier, b64, canonical_b64
from api.tlog_proof import MalformedProof, TlogProof, parse_tlog_proof, tlog_proof
from registry import merkle
from registry.entries import Entry, MalformedEntry
from registry.identifiers import certificate_id

FORMAT = "cems-certificate-proof/1"
FIELDS = {"certificate", "checkpoint", "events", "format"}
MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class Proved:
    """One event of the file: its entry and its proof."""

    entry: Entry
    proof: TlogProof


@dataclass(frozen=True)
class Verified:
    certificate: str
    checkpoint: OpenedCheckpoint
    events: tuple[Proved, ...]
    cosigners: tuple[str, ...] = ()  # the witnesses given whose cosignature of the checkpoint holds


def write(number: str, checkpoint: str, events: Iterable[tuple[Entry, int, Sequence[bytes]]]) -> bytes:
    """The file of certificate ``number``: each event's entry, leaf index and inclusion path in the tree of the
    signed note ``checkpoint``."""
    items = [{"entry": b64(entry.encode()),
              "tlog_proof": tlog_proof(index, path, checkpoint).text} for entry, index, path in events]
    return canonical({"certificate": number, "checkpoint": checkpoint, "events": items, "format": FORMAT}).encode()


def filename(number: str) -> str:
    return f"{number}.proof.json"


def verify(data: bytes, log_keys: Sequence[NoteVerifier], retired: Mapping[NoteVerifier, datetime] | None = None,
           witnesses: Sequence[NoteVerifier] = (), quorum: int = 0) -> Verified:
    """The file, once everything in it holds under ``log_keys`` (the log's verifier keys; ``retired``: when those
    retired were, as ``/api/v1/public/keys`` says) and ``quorum`` of the ``witnesses`` (cosignature/v1 keys) cosigned
    its checkpoint; ``Flaw`` names the first thing that does not."""
    bundle = _read(data)
    try:
        checkpoint = open_checkpoint(bundle["checkpoint"], log_keys)
        names = tuple(w.name for w in cosigners(checkpoint.opened.text, checkpoint.opened.unverified, witnesses))
    except (NoteRefused, MalformedNote, ValueError) as e:
        raise Flaw(f"the checkpoint does not hold: {e}") from None
    kid = key_id(Ed25519PublicKey.from_public_bytes(checkpoint.key.public_key))
    if leaked(kid):
        raise Flaw(f"the checkpoint is signed by key {kid}, whose private half was published in the registry's "
                   "repository: anyone can sign with it, so its signature proves nothing")
    until = (retired or {}).get(checkpoint.key)
    if until is not None and checkpoint.unix_seconds > until.timestamp():
        raise Flaw(f"the checkpoint is dated after its key {kid} was retired ({until:%Y-%m-%dT%H:%M:%SZ}): it was not "
                   "signed while the key was current")
    if len(names) < quorum:
        raise Flaw(f"the checkpoint is cosigned by {len(names)} of the {len(witnesses)} witnesses given, not "
                   f"{quorum}: nobody else vouches for it" + (f" ({', '.join(names)} did)" if names else ""))
    events = tuple(_event(n, item, bundle["checkpoint"], checkpoint) for n, item in enumerate(bundle["events"], 1))
    for before, after in zip(events, events[1:], strict=False):
        if after.proof.index <= before.proof.index:
            raise Flaw(f"leaf {after.proof.index} comes after leaf {before.proof.index}: the events are in log order, "
                       "each once")
    own = certificate_id(bundle["certificate"])
    if not any(e.entry.originator_id == own for e in events):
        raise Flaw(f"no event is of certificate {bundle['certificate']} (record {own}): the file proves another "
                   "record's events, or its number was altered")
    return Verified(bundle["certificate"], checkpoint, events, names)


def _read(data: bytes) -> dict[str, Any]:
    try:
        bundle = json.loads(data.decode("utf-8"))
    except ValueError:
        raise Flaw("the file is not JSON: it was cut short or altered") from None
    if not isinstance(bundle, dict) or set(bundle) != FIELDS or bundle["format"] != FORMAT:
        raise Flaw(f"the file is not a {FORMAT} proof: an object of {', '.join(sorted(FIELDS))}")
    if not isinstance(bundle["certificate"], str) or not isinstance(bundle["checkpoint"], str):
        raise Flaw("the certificate's number and the checkpoint are text")
    if not isinstance(bundle["events"], list) or not bundle["events"]:
        raise Flaw("the file proves no event")
    return bundle


def _event(n: int, item: Any, note: str, checkpoint: OpenedCheckpoint) -> Proved:
    if not isinstance(item, dict) or set(item) != {"entry", "tlog_proof"} or not all(
            isinstance(v, str) for v in item.values()):
        raise Flaw(f"event {n}: an event is its entry and its tlog_proof, both text")
    try:
        entry = Entry.decode(canonical_b64(item["entry"], f"event {n}: the entry", Flaw))
        proof = parse_tlog_proof(item["tlog_proof"])
    except (MalformedEntry, MalformedProof) as e:
        raise Flaw(f"event {n}: {e}") from None
    what = f"event {n} (log position {entry.position}, leaf {proof.index})"
    if proof.checkpoint != note:
        raise Flaw(f"{what}: its proof carries another checkpoint than the file's: every event is proved against "
                   "the one checkpoint")
    if proof.index >= checkpoint.size:
        raise Flaw(f"{what}: the checkpoint covers {checkpoint.size} leaves, not leaf {proof.index}")
    try:
        root = merkle.root_from_inclusion(proof.index, checkpoint.size, entry.leaf_hash, proof.path)
    except ValueError as e:
        raise Flaw(f"{what}: the inclusion path does not fit a tree of {checkpoint.size} leaves: {e}") from None
    if root != checkpoint.root:
        raise Flaw(f"{what}: the entry and its inclusion path do not lead to the checkpoint's root: the entry or a "
                   "path hash was altered")
    return Proved(entry, proof)
