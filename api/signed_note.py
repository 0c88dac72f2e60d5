"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures and the timestamped Ed25519
cosignatures of https://c2sp.org/tlog-cosignature: the format only, for any text, as Go's
``golang.org/x/mod/sumdb/note`` writes and reads it.

A signed note is a text ending in a newline, a blank line, then one or more signature lines::

    <text, each line ending in \\n>
    <blank line>
    — <key name> <base64(key id ‖ payload)>\\n        (U+2014 EM DASH, then a space)

The key id is 4 bytes, ``SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4]``. Two signature types:

- ``ED25519`` (0x01): the payload is Ed25519 over the text's UTF-8 bytes.
- ``COSIGNATURE_V1`` (0x04): the payload is the time (Unix seconds, 8 bytes big-endian) then Ed25519 over
  ``"cosignature/v1\\ntime <seconds>\\n"`` followed by the text. A witness's statement about a checkpoint, and the
  log's own signed time.

A verifier key (vkey) is ``<name>+<hex key id>+<base64(signature type ‖ public key)>``: what Go's
``note.NewVerifier`` takes for the Ed25519 type. Key names are non-empty, without spaces or ``+``.

Reading (``open_note``) is the spec's: a malformed note is refused whole (``MalformedNote``); a signature by a key
not given is ignored (kept in ``Opened.unverified``, as a witness's line is by a reader who does not know it); a
signature by a given key that does not verify refuses the whole note (``NoteRefused``), and so does a note that no
given key signed. Stricter than Go in one way: base64 must be canonical (Go also accepts a final character whose
unused bits are not zero), so one note has one spelling.

Built on by the log's checkpoints (``api/checkpoint_notes.py``); witnesses add their lines with ``cosign`` and
``SignedNote.adding``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.keys import raw_public
from registry.entries import timestamp_message

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, U+0020 SPACE
MAX_SIGNATURES = 100  # as Go's note.Open; the spec asks that at least 16 be accepted
_TIME = struct.Struct(">Q")
_PAYLOAD_SIZES = {ED25519: 64, COSIGNATURE_V1: _TIME.size + 64}


class MalformedNote(ValueError):
    """Bytes that are not a signed note, or a key name or verifier key that is not well formed."""


class NoteRefused(ValueError):
    """A well-formed note that does not hold: a known key's signature fails, or no known key signed it."""


def check_name(name: str) -> str:
    """``name`` if it can name a key: non-empty, no Unicode space, no ``+``."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise MalformedNote(f"a key name is non-empty, without spaces or '+': {name!r}")
    return name


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """The 4-byte key id of the key ``public_key`` (raw bytes) named ``name``, for ``signature_type``."""
    return hashlib.sha256(check_name(name).encode("utf-8") + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def canonical_b64(text: str, what: str, error: type[Exception] = MalformedNote) -> bytes:
    """The bytes of ``text``, standard base64 in its one spelling; ``error`` naming ``what`` otherwise (C2SP texts:
    notes here, tlog-proofs in ``api/tlog_proof.py``)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{what} is not base64") from None
    if b64(data) != text:
        raise error(f"{what} is not canonical base64")
    return data


@dataclass(frozen=True)
class Signature:
    """One signature line: the key's name and id, and what follows the id (the signature, or time and signature)."""

    name: str
    key_id: bytes
    payload: bytes

    @property
    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64(self.key_id + self.payload)}\n"

    @property
    def timestamp(self) -> int | None:
        """The time a cosignature/v1 payload carries (Unix seconds); None for a payload of another size."""
        if len(self.payload) != _PAYLOAD_SIZES[COSIGNATURE_V1]:
            return None
        (seconds,) = _TIME.unpack_from(self.payload)
        return int(seconds)


@dataclass(frozen=True)
class SignedNote:
    """A text and its signature lines, in order."""

    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def encode(self) -> bytes:
        return str(self).encode("utf-8")

    def adding(self, *signatures: Signature) -> SignedNote:
        """The note with ``signatures`` after its own, each line once (a witness's cosignature added twice is one)."""
        lines = dict.fromkeys((*self.signatures, *signatures))
        return SignedNote(self.text, tuple(lines))


def _check_text(text: str) -> str:
    if not text.endswith("\n"):
        raise MalformedNote("a note and its text end in a newline")
    if any(ch < " " and ch != "\n" for ch in text):
        raise MalformedNote("a note holds no control character other than newline")
    return text


@dataclass(frozen=True)
class NoteVerifier:
    """A public key (raw 32 bytes) under a name, for one signature type: what checks that key's lines."""

    name: str
    signature_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.signature_type not in _PAYLOAD_SIZES or len(self.public_key) != 32:
            raise MalformedNote("a verifier is an Ed25519 key (32 bytes) for signature type 0x01 or 0x04")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.signature_type, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string, ``<name>+<hex key id>+<base64(type ‖ public key)>`` (Go's note.NewVerifier)."""
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([self.signature_type]) + self.public_key)}"

    def signs(self, signature: Signature) -> bool:
        return signature.name == self.name and signature.key_id == self.key_id

    def holds(self, text: str, signature: Signature) -> bool:
        """Whether ``signature`` (one of this key's lines) is a valid signature of ``text``."""
        if len(signature.payload) != _PAYLOAD_SIZES[self.signature_type]:
            return False
        if self.signature_type == ED25519:
            message, raw = text.encode("utf-8"), signature.payload
        else:
            seconds = signature.timestamp
            assert seconds is not None  # the payload's size was checked
            if seconds >= 1 << 63:
                return False
            message, raw = timestamp_message(text, seconds), signature.payload[_TIME.size:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(raw, message)
        except InvalidSignature:
            return False
        return True


def verifier(name: str, public_key: Ed25519PublicKey | bytes, signature_type: int = ED25519) -> NoteVerifier:
    raw = public_key if isinstance(public_key, bytes) else raw_public(public_key)
    return NoteVerifier(name, signature_type, raw)


def parse_verifier_key(vkey: str) -> NoteVerifier:
    """The verifier a vkey string names; ``MalformedNote`` when it is not one, or its key id is not its key's."""
    parts = vkey.split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise MalformedNote("a verifier key is <name>+<8 hex digits>+<base64 key>")
    name, hex_id, key = parts
    data = canonical_b64(key, "the verifier key's key")
    if len(data) != 33:
        raise MalformedNote("a verifier key holds a signature type and a 32-byte Ed25519 key")
    found = NoteVerifier(name, data[0], data[1:])
    if found.key_id.hex() != hex_id.lower():
        raise MalformedNote(f"the verifier key's id {hex_id} is not the id of its key")
    return found


def _key_of(name: str, private_key: Ed25519PrivateKey, signature_type: int) -> bytes:
    return key_id(name, signature_type, raw_public(private_key.public_key()))


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> Signature:
    """The Ed25519 signature line of ``private_key`` named ``name`` over ``text``."""
    text = _check_text(text)
    return Signature(name, _key_of(name, private_key, ED25519), private_key.sign(text.encode("utf-8")))


def cosign(text: str, name: str, private_key: Ed25519PrivateKey, unix_seconds: int) -> Signature:
    """The cosignature/v1 line of ``private_key`` named ``name`` over ``text`` (a checkpoint), as of
    ``unix_seconds``."""
    text = _check_text(text)
    signature = private_key.sign(timestamp_message(text, unix_seconds))
    return Signature(name, _key_of(name, private_key, COSIGNATURE_V1), _TIME.pack(unix_seconds) + signature)


def signature_line(key: NoteVerifier, signature: bytes, unix_seconds: int | None = None) -> Signature:
    """The line of a signature made elsewhere (a kept checkpoint's) by ``key``: a cosignature/v1 carries its
    time."""
    if (unix_seconds is None) != (key.signature_type == ED25519):
        raise ValueError("a cosignature/v1 line carries its time, and an Ed25519 line none")
    head = _TIME.pack(unix_seconds) if unix_seconds is not None else b""
    return Signature(key.name, key.key_id, head + signature)


def parse(note: str | bytes) -> SignedNote:
    """The text and signature lines of a signed note, checked for form only (``MalformedNote``)."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note is UTF-8") from None
    else:
        try:
            note.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            raise MalformedNote("a note is UTF-8") from None
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("a note's signatures follow a blank line")
    text, block = note[:split + 1], note[split + 2:]
    if not block.endswith("\n"):
        raise MalformedNote("a note ends with signature lines, each ending in a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote(f"a signature line begins with {SIGNATURE_PREFIX!r}: {line[:40]!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        check_name(name)
        data = canonical_b64(encoded, f"the signature of {name}")
        if len(data) < 5:
            raise MalformedNote(f"the signature of {name} is shorter than a key id and a signature")
        signatures.append(Signature(name, data[:4], data[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise MalformedNote(f"a note has at most {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(signatures))


@dataclass(frozen=True)
class Opened:
    """A note that holds: the signatures of the given keys that verified (each with its verifier), and the others."""

    note: SignedNote
    verified: tuple[tuple[NoteVerifier, Signature], ...]
    unverified: tuple[Signature, ...]

    @property
    def text(self) -> str:
        return self.note.text

    def by(self, key: NoteVerifier) -> Signature | None:
        return next((s for v, s in self.verified if v == key), None)


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> Opened:
    """The note, once every signature of a given key holds and at least one does (``NoteRefused`` otherwise;
    ``MalformedNote`` for what is not a signed note)."""
    parsed = parse(note)
    known = list(verifiers)
    verified: dict[tuple[str, bytes], tuple[NoteVerifier, Signature]] = {}
    unverified: list[Signature] = []
    for signature in parsed.signatures:
        key = next((v for v in known if v.signs(signature)), None)
        if key is None:
            if signature not in unverified:
                unverified.append(signature)
            continue
        if not key.holds(parsed.text, signature):
            raise NoteRefused(f"the signature of {key.name} (key id {key.key_id.hex()}) does not hold: the note was "
                              "altered, or not signed by that key")
        verified.setdefault((signature.name, signature.key_id), (key, signature))
    if not verified:
        raise NoteRefused("no signature of a known key: the note is not vouched for by any key given "
                          f"({', '.join(v.vkey for v in known) or 'none'})")
    return Opened(parsed, tuple(verified.values()), tuple(unverified))
