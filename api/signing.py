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

A token names its key, and every key the registry has signed tokens with stays published with its validity
(``api/keys.py``: the key file and its keyring). The token carries no time of signing, so the certificate's issue
date stands for it: a token of a retired key holds only for a certificate issued on or before the day after the
key was retired (a day's grace, as the retirement is a UTC instant and the issue date a calendar date in the
registry's time zone). A key only ever signs while it is current, so any later certificate's token under it is a
forgery. The key itself is never printed or logged; only its path and key id are.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api import keys

# ALGORITHM, KeyFileError, key_id, public_key_from_base64 and raw_public: where callers have long found them.
from api.keys import ALGORITHM as ALGORITHM
from api.keys import KeyFileError as KeyFileError
from api.keys import key_id as key_id
from api.keys import leaked, parse_stamp
from api.keys import public_key_from_base64 as public_key_from_base64
from api.keys import raw_public as raw_public

log = logging.getLogger("api.signing")

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


@dataclass(frozen=True)
class VerifyingKey:
    """A published public key and when it was retired (None while it is current, or when that is not known)."""

    public_key: Ed25519PublicKey
    valid_until: datetime | None = None


Keys = Mapping[str, Ed25519PublicKey | VerifyingKey]  # by key id; a bare public key has no known retirement


def verifying(key: Ed25519PublicKey | VerifyingKey) -> VerifyingKey:
    return key if isinstance(key, VerifyingKey) else VerifyingKey(key)


def verify_token(token: str, keys: Keys) -> TokenPayload:
    """The payload of a token whose signature holds under the key it names among ``keys`` (by key id), for a
    certificate issued while that key was current (module docstring).

    Raises ``InvalidToken`` for anything else: unreadable, signed by a key not in ``keys``, forged or altered, or
    vouching for a certificate issued after its key was retired.
    """
    payload, data, signature = read_token(token)
    listed = keys.get(payload.key_id)
    if listed is None:
        raise InvalidToken(f"the token names key {payload.key_id}, which is not among the keys checked against "
                           f"({', '.join(sorted(keys)) or 'none'})", payload)
    if leaked(payload.key_id):
        raise InvalidToken(f"key {payload.key_id} was published in the registry's repository: anyone can sign with "
                           "it, so its signature proves nothing", payload)
    key = verifying(listed)
    try:
        key.public_key.verify(signature, data)
    except InvalidSignature:
        raise InvalidToken(f"the signature does not hold under key {payload.key_id}: the token is forged or was "
                           f"altered", payload) from None
    if key.valid_until is not None and payload.issued_on > key.valid_until.date() + timedelta(days=1):
        raise InvalidToken(f"key {payload.key_id} was retired on {key.valid_until:%Y-%m-%d}, before certificate "
                           f"{payload.number} was issued ({payload.issued_on}): it did not sign this token while "
                           "it was current", payload)
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


def check_verify_url(url: str, keys: Keys) -> TokenPayload:
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
    """One entry of ``/api/v1/public/keys``: a key, its use and its validity (``valid_until`` None: current)."""

    key_id: str
    public_key: str  # standard base64 of the raw 32 bytes
    use: str
    algorithm: str = ALGORITHM
    valid_from: str | None = None  # YYYY-MM-DDTHH:MM:SSZ; None for a key made before keyrings were kept
    valid_until: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "algorithm": self.algorithm, "public_key": self.public_key, "use": self.use,
                "valid_from": self.valid_from, "valid_until": self.valid_until}

    def verifying(self) -> VerifyingKey:
        until = parse_stamp(self.valid_until) if self.valid_until else None
        return VerifyingKey(public_key_from_base64(self.public_key), until)


def published_keys(document: Any, use: str) -> dict[str, VerifyingKey]:
    """The keys for ``use`` in what ``/api/v1/public/keys`` answers (or the same JSON saved to a file), by key id,
    with their validity. Raises ``ValueError`` when the document is not such a list, or a key is not the one its
    id names."""
    try:
        entries = document["keys"]
        found = {}
        for entry in entries:
            if entry.get("algorithm") != ALGORITHM or entry.get("use") != use:
                continue
            published = PublishedKey(entry["key_id"], entry["public_key"], use, ALGORITHM, entry.get("valid_from"),
                                     entry.get("valid_until"))
            key = published.verifying()
            if key_id(key.public_key) != published.key_id:
                raise ValueError(f"key {published.key_id} is not the id of its public key")
            found[published.key_id] = key
    except (KeyError, TypeError, AttributeError):
        raise ValueError("not a list of keys like /api/v1/public/keys answers") from None
    return found


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The private key in an existing key file (never makes one)."""
    return keys.load(path)


def signers(qr_key: str | os.PathLike[str], checkpoint_key: str | os.PathLike[str], public_base_url: str,
            missing: str | None = None) -> tuple[Signer, Signer]:
    """The QR tokens' signer and the checkpoints' signer: two keys, or one for both uses if both paths are one.
    ``missing``: why a missing key file is an error here (production, a replica); None makes it at first use."""
    if Path(qr_key).resolve() == Path(checkpoint_key).resolve():
        both = Signer(qr_key, public_base_url, USES, missing=missing)
        return both, both
    return (Signer(qr_key, public_base_url, missing=missing),
            Signer(checkpoint_key, public_base_url, ("checkpoint",), missing=missing))


@dataclass(frozen=True)
class CurrentKey:
    """The key a signer holds at one moment: what one signature, or one checkpoint's two, is made with."""

    private_key: Ed25519PrivateKey
    key_id: str

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


class Signer:
    """Signs QR tokens and checkpoints with the current key in ``key_path``, for the given ``uses``, and publishes
    every key the file has held (``api/keys.py``).

    The key is read (or made) when first needed, or by ``load()``, so building an app reads no file. Before each
    signature the signer looks whether the file was replaced (a rotation by another process) and then signs with
    the key it holds; a file removed under it is not made again while the process runs. ``missing`` says why a
    missing key file is an error (production, a read-only replica); without it one is made at first use.
    """

    def __init__(self, key_path: str | os.PathLike[str], public_base_url: str, uses: tuple[str, ...] = ("qr",),
                 private_key: Ed25519PrivateKey | None = None, missing: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        unknown = set(uses) - set(USES)
        if unknown or not uses:
            raise ValueError(f"key uses are among {', '.join(USES)}: {sorted(unknown) or 'none given'}")
        self.key_path = Path(key_path)
        self.public_base_url = public_base_url.rstrip("/")
        self.uses = uses
        self.missing = missing
        self.clock = clock
        self._fixed = CurrentKey(private_key, key_id(private_key.public_key())) if private_key else None
        # The key held and the key file as it was read (device, inode, mtime, size), swapped as one.
        self._held: tuple[CurrentKey, tuple[int, ...] | None] | None = None
        self._ring: tuple[tuple[int, ...] | None, list[keys.KeyRecord]] = (None, [])
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Signer(key_path={str(self.key_path)!r}, uses={self.uses!r})"

    def load(self) -> Signer:
        self.current()
        return self

    def current(self) -> CurrentKey:
        """The key to sign with now: the one in the key file, read again if the file was replaced."""
        if self._fixed is not None:
            return self._fixed
        seen = _identity(self.key_path)
        held = self._held
        if held is not None and (seen == held[1] or seen is None):
            return held[0]
        with self._lock:
            if self._held is None or (seen is not None and seen != self._held[1]):
                self._held = self._read(seen)
            return self._held[0]

    def _read(self, seen: tuple[int, ...] | None) -> tuple[CurrentKey, tuple[int, ...] | None]:
        try:
            if seen is None:
                if self.missing is not None:
                    raise KeyFileError(f"there is no key file at {self.key_path}: {self.missing}")
                private_key = keys.load_or_make(self.key_path, self.clock())
                seen = _identity(self.key_path)
            else:
                private_key = keys.load(self.key_path)
        except FileNotFoundError:  # removed between the look and the read
            raise KeyFileError(f"the key file {self.key_path} was removed while it was read") from None
        except OSError as e:
            raise KeyFileError(f"cannot read the key file {self.key_path}: {e.strerror or e}") from None
        current = CurrentKey(private_key, key_id(private_key.public_key()))
        if leaked(current.key_id):
            message = (f"the key in {self.key_path} (key id {current.key_id}) was published in the registry's "
                       "repository: anyone can sign with it. Replace it: `registry keys rotate` (README, Keys)")
            if self.missing is not None:
                raise KeyFileError(message)
            log.warning("%s", message)
        return current, seen

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.current().private_key.public_key()

    @property
    def key_id(self) -> str:
        return self.current().key_id

    def keyring(self) -> list[keys.KeyRecord]:
        """Every key the file has held, the current first (read again when the keyring file changed)."""
        current = self.current()
        records: list[keys.KeyRecord] = []
        if self._fixed is None:
            seen = _identity(keys.keyring_path(self.key_path))
            if seen is None or seen != self._ring[0]:
                self._ring = (seen, keys.read_keyring(self.key_path) if seen is not None else [])
            records = self._ring[1]
        mine = next((r for r in records if r.key_id == current.key_id),
                    keys.KeyRecord.of(current.private_key, None))
        # The key file is the truth about which key is current, whatever a keyring being rewritten says just now.
        return [keys.KeyRecord(mine.key_id, mine.public_key, mine.valid_from, None),
                *(r for r in records if r.key_id != current.key_id)]

    def published(self) -> list[PublishedKey]:
        ring = self.keyring()
        return [PublishedKey(r.key_id, r.public_key, use, r.algorithm, r.valid_from, r.valid_until)
                for use in self.uses for r in ring]

    def verifying_keys(self) -> dict[str, VerifyingKey]:
        """Every published key of this file, by key id, with its validity: what its tokens are checked against."""
        return {k.key_id: k.verifying() for k in self.published()}

    def token(self, number: str, uscc: str, issued_on: date, valid_until: date) -> str:
        if "qr" not in self.uses:
            raise ValueError("this key does not sign QR tokens")
        return sign_token(self.current().private_key, number, uscc, issued_on, valid_until)

    def verify_url(self, number: str, uscc: str, issued_on: date, valid_until: date) -> str:
        return verify_url(self.public_base_url, number, self.token(number, uscc, issued_on, valid_until))

    def verify(self, token: str) -> TokenPayload:
        """The payload of a token signed by any key this file has held, while it was current (``/verify``)."""
        return verify_token(token, self.verifying_keys())


def _identity(path: Path) -> tuple[int, ...] | None:
    """What tells one file at ``path`` from the next (a rename puts another inode there); None when none is."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size
