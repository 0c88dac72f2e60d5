"""Signed QR tokens (API.md, Public: ``verify_url``): what the token in a verify URL says, and its offline check.

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
forgery. The signer that makes tokens with the current key is ``api/signing.py``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.keys import key_id, leaked
from api.published_keys import Keys, verifying

TOKEN_FORMAT = "cems-qr/1"
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
