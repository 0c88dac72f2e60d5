"""Signed QR tokens (API.md, Public: ``verify_url``): an Ed25519 key in a file, and the token it signs.

The token lets anyone check a printed certificate offline against the published key: it carries what it vouches
for, so no registry is needed to read or verify it. Its format, version 1::

    token     = base64url(payload) "." base64url(signature)        (RFC 4648 §5, no "=" padding)
    payload   = UTF-8 of six lines joined by "\\n" (no trailing newline):
                "cems-qr/1"                 the format and its use, so a signature can never pass for another use
                key_id                      16 lowercase hex: the first 8 bytes of SHA-256 of the raw public key
                number                      the certificate number, as issued
                uscc                        the organisation's unified social credit code
                issued_on                   YYYY-MM-DD
                valid_until                 YYYY-MM-DD
    signature = Ed25519 (RFC 8032) over the payload bytes, 64 bytes

A reader decodes both parts strictly (only the URL-safe alphabet, canonical, no padding), splits the payload,
picks the published key named by ``key_id`` and verifies the signature over the payload bytes. Ed25519 is
deterministic, so one certificate's token, and so its QR code, never changes while its fields and the key stay.

``verify_url`` = ``{public_base_url}/verify/{number}?t={token}``.

The key file holds the private key as PKCS #8 PEM, created with mode 0600 the first time it is needed and reused
after that. The key itself is never printed or logged; only its path and key id are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import stat
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger("api.signing")

ALGORITHM = "Ed25519"
TOKEN_FORMAT = "cems-qr/1"
USES = ("qr", "checkpoint")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


class InvalidToken(ValueError):
    """A token that does not verify; ``payload`` is what it claims, when it could be read at all (unverified)."""

    def __init__(self, reason: str, payload: TokenPayload | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.payload = payload


class KeyFileError(RuntimeError):
    """The signing key file cannot be read or written, or does not hold an Ed25519 private key."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()[:16]


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_base64(text: str) -> Ed25519PublicKey:
    """A public key from standard base64 of its raw 32 bytes (as ``/api/v1/public/keys`` publishes it)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise ValueError("the public key is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str, what: str) -> bytes:
    """Strict base64url: the alphabet only, no padding, and the one canonical spelling of the bytes."""
    if not _B64URL.fullmatch(text):
        raise InvalidToken(f"the token's {what} is not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise InvalidToken(f"the token's {what} is not base64url") from None
    if b64url(data) != text:
        raise InvalidToken(f"the token's {what} is not canonical base64url")
    return data


@dataclass(frozen=True)
class TokenPayload:
    """What a token vouches for, and which key signed it."""

    key_id: str
    number: str
    uscc: str
    issued_on: date
    valid_until: date

    def encode(self) -> bytes:
        fields = (TOKEN_FORMAT, self.key_id, self.number, self.uscc, self.issued_on.isoformat(),
                  self.valid_until.isoformat())
        if any("\n" in f or not f for f in fields):
            raise ValueError("a token field is empty or holds a line break")
        return "\n".join(fields).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> TokenPayload:
        try:
            fields = data.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise InvalidToken("the token's payload is not UTF-8") from None
        if len(fields) != 6 or fields[0] != TOKEN_FORMAT:
            raise InvalidToken(f"the token's payload is not in the {TOKEN_FORMAT} format")
        _, kid, number, uscc, issued, valid = fields
        if not _KEY_ID.fullmatch(kid) or not number or not uscc:
            raise InvalidToken(f"the token's payload is not in the {TOKEN_FORMAT} format")
        try:
            issued_on, valid_until = date.fromisoformat(issued), date.fromisoformat(valid)
        except ValueError:
            raise InvalidToken("the token's dates are not YYYY-MM-DD") from None
        payload = cls(kid, number, uscc, issued_on, valid_until)
        if payload.encode() != data:
            raise InvalidToken("the token's payload is not canonical")
        return payload


def sign_token(private_key: Ed25519PrivateKey, number: str, uscc: str, issued_on: date, valid_until: date) -> str:
    payload = TokenPayload(key_id(private_key.public_key()), number, uscc, issued_on, valid_until).encode()
    return f"{b64url(payload)}.{b64url(private_key.sign(payload))}"


def read_token(token: str) -> tuple[TokenPayload, bytes, bytes]:
    """The token's claimed payload, the signed bytes and the signature, without checking the signature."""
    parts = token.strip().split(".")
    if len(parts) != 2:
        raise InvalidToken("the token is not two base64url parts joined by a dot")
    data = _unb64url(parts[0], "payload")
    signature = _unb64url(parts[1], "signature")
    payload = TokenPayload.decode(data)
    if len(signature) != 64:
        raise InvalidToken(f"an Ed25519 signature is 64 bytes, this one is {len(signature)}", payload)
    return payload, data, signature


def verify_token(token: str, keys: Mapping[str, Ed25519PublicKey]) -> TokenPayload:
    """The payload of a token whose signature holds under the key it names among ``keys`` (by key id).

    Raises ``InvalidToken`` for anything else: unreadable, signed by a key not in ``keys``, forged or altered.
    """
    payload, data, signature = read_token(token)
    public_key = keys.get(payload.key_id)
    if public_key is None:
        raise InvalidToken(f"the token names key {payload.key_id}, which is not among the keys checked against "
                           f"({', '.join(sorted(keys)) or 'none'})", payload)
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise InvalidToken(f"the signature does not hold under key {payload.key_id}: the token is forged or was "
                           f"altered", payload) from None
    return payload


def verify_url(public_base_url: str, number: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}/verify/{quote(number, safe='')}?t={token}"


def parse_verify_url(url: str) -> tuple[str, str | None]:
    """The certificate number in a verify URL's path and its token (None when it has none)."""
    parts = urlsplit(url.strip())
    _, sep, number = parts.path.rstrip("/").rpartition("/verify/")
    if not sep or not number or "/" in number:
        raise ValueError(f"not a verify URL (…/verify/NUMBER?t=TOKEN): {url}")
    tokens = parse_qs(parts.query).get("t")
    return unquote(number), tokens[0] if tokens else None


def check_verify_url(url: str, keys: Mapping[str, Ed25519PublicKey]) -> TokenPayload:
    """The offline check of a scanned or typed verify URL: its token verifies and names the certificate in its path.

    Raises ``InvalidToken`` when the URL is not a verify URL, carries no token, or its token does not verify.
    """
    try:
        number, token = parse_verify_url(url)
    except ValueError as e:
        raise InvalidToken(str(e)) from None
    if not token:
        raise InvalidToken(f"the URL carries no token (?t=…), so nothing vouches for certificate {number}")
    payload = verify_token(token, keys)
    if payload.number != number:
        raise InvalidToken(f"the URL names certificate {number} but its token was signed for {payload.number}",
                           payload)
    return payload


@dataclass(frozen=True)
class PublishedKey:
    """One entry of ``/api/v1/public/keys``."""

    key_id: str
    public_key: str  # standard base64 of the raw 32 bytes
    use: str
    algorithm: str = ALGORITHM


def load_or_generate(path: Path) -> Ed25519PrivateKey:
    """The private key in ``path``; a new one is written there (mode 0600) when the file does not exist."""
    try:
        return _load(path)
    except FileNotFoundError:
        pass
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: another process starting at the same
        # moment either links first (and we read its key) or finds ours complete, never half written.
        fd, tmp = tempfile.mkstemp(prefix=".signing-", dir=path.parent)  # mode 0600 from the start
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
            os.link(tmp, path)
        except FileExistsError:
            return _load(path)
        finally:
            os.unlink(tmp)
    except OSError as e:
        raise KeyFileError(f"cannot create the signing key file {path}: {e.strerror or e}") from None
    log.info("generated a new Ed25519 signing key in %s (key id %s)", path, key_id(key.public_key()))
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The private key in an existing key file (never creates one)."""
    return _load(path)


def _load(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()  # FileNotFoundError passes through: the caller decides whether to generate
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the signing key file %s may be read by others (mode %o); it should be 0600", path, mode)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyFileError(f"{path} does not hold an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a private key that is not Ed25519")
    return key


def signers(qr_key: str | os.PathLike[str], checkpoint_key: str | os.PathLike[str],
            public_base_url: str) -> tuple[Signer, Signer]:
    """The QR tokens' signer and the checkpoints' signer: two keys, or one for both uses if both paths are one."""
    if Path(qr_key).resolve() == Path(checkpoint_key).resolve():
        both = Signer(qr_key, public_base_url, USES)
        return both, both
    return Signer(qr_key, public_base_url), Signer(checkpoint_key, public_base_url, ("checkpoint",))


class Signer:
    """Signs QR tokens and builds verify URLs with the key in ``key_path`` for the given ``uses``.

    The key is read (or generated) the first time it is needed, or by ``load()``, so building an app reads no file.
    A second key for another use (the log's checkpoints) is another ``Signer`` of the same kind; each publishes
    its own entries through ``published()``.
    """

    def __init__(self, key_path: str | os.PathLike[str], public_base_url: str, uses: tuple[str, ...] = ("qr",),
                 private_key: Ed25519PrivateKey | None = None) -> None:
        unknown = set(uses) - set(USES)
        if unknown or not uses:
            raise ValueError(f"key uses are among {', '.join(USES)}: {sorted(unknown) or 'none given'}")
        self.key_path = Path(key_path)
        self.public_base_url = public_base_url.rstrip("/")
        self.uses = uses
        self._key = private_key
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Signer(key_path={str(self.key_path)!r}, uses={self.uses!r})"

    def load(self) -> Signer:
        self._private_key()
        return self

    def _private_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = load_or_generate(self.key_path)
        return self._key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._private_key().public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def published(self) -> list[PublishedKey]:
        public = base64.b64encode(raw_public(self.public_key)).decode("ascii")
        return [PublishedKey(self.key_id, public, use) for use in self.uses]

    def token(self, number: str, uscc: str, issued_on: date, valid_until: date) -> str:
        if "qr" not in self.uses:
            raise ValueError("this key does not sign QR tokens")
        return sign_token(self._private_key(), number, uscc, issued_on, valid_until)

    def verify_url(self, number: str, uscc: str, issued_on: date, valid_until: date) -> str:
        return verify_url(self.public_base_url, number, self.token(number, uscc, issued_on, valid_until))

    def sign(self, data: bytes) -> bytes:
        """An Ed25519 signature over ``data``: the log's checkpoint notes and their times (``use`` checkpoint)."""
        if "checkpoint" not in self.uses:
            raise ValueError("this key does not sign checkpoints")
        return self._private_key().sign(data)

    def verify(self, token: str) -> TokenPayload:
        """The payload of a token signed by this key (the online check of ``/verify``)."""
        return verify_token(token, {self.key_id: self.public_key})
