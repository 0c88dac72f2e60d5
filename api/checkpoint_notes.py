"""The log's checkpoints as C2SP signed notes (R-REC-4; https://c2sp.org/tlog-checkpoint), which verifiers nobody
here wrote (Go's ``golang.org/x/mod/sumdb/note``) read unchanged.

A checkpoint is kept as it was signed (``projections/log.py``): its ``note`` is the C2SP checkpoint body (origin,
size, base64 root), its ``signature`` Ed25519 over that body, which is exactly what a C2SP Ed25519 signature line
carries, and its ``timestamp_signature`` Ed25519 over ``cosignature/v1\\ntime <seconds>\\n`` + body, exactly what a
cosignature/v1 line carries. So every checkpoint ever kept, those signed before this module too, is a signed note
without anything being signed again or stored anew::

    <origin>\\n<size>\\n<base64 root>\\n
    \\n
    — <origin> base64(key id[0x01] ‖ signature)                        the log's signature (key name: the origin)
    — <origin> base64(key id[0x04] ‖ time ‖ timestamp_signature)       the log's signed time (cosignature/v1)

The key ids come from the origin and the public key the checkpoint's ``key_id`` names (the keyring keeps the
retired ones: ``api/keys.py``), so a checkpoint is served byte for byte the same every time, after a rotation too,
under its own key. Witnesses' cosignature lines go after these two (``SignedNote.adding``).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.signed_note import (
    COSIGNATURE_V1,
    ED25519,
    MalformedNote,
    NoteRefused,
    NoteVerifier,
    Opened,
    Signature,
    SignedNote,
    open_note,
    parse_verifier_key,
    signature_line,
    verifier,
)
from api.signing import Signer
from projections.cosignatures import Cosignature
from projections.log import Checkpoint, LogView
from registry.entries import parse_note


class UnknownCheckpointKey(LookupError):
    """The key a checkpoint names is not among the published checkpoint keys: its note cannot be written."""


def log_verifiers(origin: str, public_key: Ed25519PublicKey | bytes) -> tuple[NoteVerifier, NoteVerifier]:
    """The log's two verifiers under ``origin`` for one checkpoint key: its signature's and its time's."""
    return verifier(origin, public_key, ED25519), verifier(origin, public_key, COSIGNATURE_V1)


def checkpoint_keys(signer: Signer) -> dict[str, bytes]:
    """Every checkpoint key the signer's file has held (raw public keys, by key id), the retired ones too."""
    return {r.key_id: base64.b64decode(r.public_key) for r in signer.keyring()}


def cosignature_lines(cosignatures: Iterable[Cosignature]) -> tuple[Signature, ...]:
    """The cosignature/v1 lines of kept cosignatures, byte for byte as the witnesses made them."""
    return tuple(Signature(c.witness, bytes.fromhex(c.key_id),
                           struct.pack(">Q", c.timestamp) + base64.b64decode(c.signature)) for c in cosignatures)


def witness_key(vkey: str) -> NoteVerifier:
    """A witness's verifier key, as `registry witness serve` prints it: a cosignature/v1 key (type 0x04);
    ``MalformedNote`` otherwise."""
    key = parse_verifier_key(vkey)
    if key.signature_type != COSIGNATURE_V1:
        raise MalformedNote(f"{vkey[:60]!r} is not a witness's cosignature/v1 verifier key (type 0x04, as `registry "
                            "witness serve` prints it)")
    return key


def cosigners(text: str, signatures: Iterable[Signature], witnesses: Sequence[NoteVerifier]) -> list[NoteVerifier]:
    """The witnesses among ``witnesses`` whose cosignature of the checkpoint ``text`` is among ``signatures``, in
    the order given; ``NoteRefused`` when a given witness's line does not hold (the checkpoint or the line was
    altered). Lines of other keys are left alone, as C2SP says."""
    lines = list(signatures)
    found = []
    for witness in witnesses:
        line = next((s for s in lines if witness.signs(s)), None)
        if line is None:
            continue
        if not witness.holds(text, line):
            raise NoteRefused(f"见证人 {witness.name} 的副署不成立 / the cosignature of witness {witness.name} (key id "
                              f"{witness.key_id.hex()}) does not hold: the checkpoint or the line was altered")
        found.append(witness)
    return found


def signed_checkpoint(checkpoint: Checkpoint, keys: Mapping[str, bytes],
                      cosignatures: Iterable[Cosignature] = ()) -> SignedNote:
    """The kept checkpoint as a C2SP signed note: its body, the log's signature line and its time's line, then
    the witnesses' ``cosignatures`` of it."""
    public = keys.get(checkpoint.key_id)
    if public is None:
        raise UnknownCheckpointKey(f"检查点的密钥 {checkpoint.key_id} 不在公布的检查点密钥之中 / the checkpoint's key "
                                   f"{checkpoint.key_id} is not among the published checkpoint keys")
    signs, times = log_verifiers(checkpoint.origin, public)
    return SignedNote(checkpoint.note, (
        signature_line(signs, base64.b64decode(checkpoint.signature)),
        signature_line(times, base64.b64decode(checkpoint.timestamp_signature), checkpoint.unix_seconds),
        *cosignature_lines(cosignatures)))


@dataclass(frozen=True)
class OpenedCheckpoint:
    """A checkpoint note that holds: what it says, and when the log signed it (Unix seconds)."""

    origin: str
    size: int
    root: bytes
    unix_seconds: int
    key: NoteVerifier  # the log's key that signed it (Ed25519, as its verifier key names it)
    opened: Opened  # every signature line, verified or not (witnesses')


def open_checkpoint(note: str | bytes, log_keys: Iterable[NoteVerifier]) -> OpenedCheckpoint:
    """The checkpoint in a signed note, once one of the log's keys (Ed25519 verifiers named for the origin, as
    ``/api/v1/public/keys`` lists them in ``note_verifier_key``) signed both it and its time. Raises
    ``NoteRefused`` (or ``MalformedNote``) otherwise, and ``ValueError`` for a body that is not a checkpoint."""
    keys = [(k, verifier(k.name, k.public_key, COSIGNATURE_V1)) for k in log_keys]
    opened = open_note(note, [v for pair in keys for v in pair])
    body = parse_note(opened.text)
    for signs, times in keys:
        signature, time = opened.by(signs), opened.by(times)
        if signature is not None and time is not None and time.timestamp is not None:
            if signs.name != body.origin:
                raise NoteRefused(f"the checkpoint of origin {body.origin} is signed by the key named {signs.name}: "
                                  "a log's key is named for its origin")
            return OpenedCheckpoint(body.origin, body.size, body.root, time.timestamp, signs, opened)
    raise NoteRefused("no key of the log signed both the checkpoint and its time")


def served_note(log: LogView, signer: Signer, checkpoint: Checkpoint,
                cosignatures: list[Cosignature] | None = None) -> SignedNote:
    """A kept checkpoint as ``GET /log/checkpoint`` serves it: signed by the key its ``key_id`` names (among every
    key ``signer``'s file has held), with the witnesses' cosignatures kept of it (read from ``log`` unless given).
    ``UnknownCheckpointKey`` when that key is no longer published."""
    if cosignatures is None:
        cosignatures = log.cosignatures([checkpoint.size])[checkpoint.size]
    return signed_checkpoint(checkpoint, checkpoint_keys(signer), cosignatures)
