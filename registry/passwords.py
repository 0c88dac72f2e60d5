"""Office passwords: what one may be, and the hasher a registry uses when its composition root gives it none.

The composition root (``api.bootstrap``) gives the registry Argon2id (``api.passwords``). A registry built without
it (the tests, the demo's walks) still keeps nothing a graphics card could guess cheaply: scrypt (RFC 7914), from
the standard library, is memory-hard too. Its digests are marked ``$scrypt$`` and the Argon2id hasher checks them as
well, so a password set by such a registry keeps working behind the composition root.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from registry.errors import InvalidInput

MIN_LENGTH = 8  # NIST SP 800-63B's floor for a password the user chooses
MAX_LENGTH = 256  # hashing is deliberately costly: a megabyte-long "password" should not be hashed at all
TOO_SHORT_OR_LONG = (f"口令须为 {MIN_LENGTH} 至 {MAX_LENGTH} 个字符 / a password is {MIN_LENGTH} to {MAX_LENGTH} "
                     "characters")


def check_password(password: str) -> str:
    """The password, if it is one the registry keeps: a length within bounds, and text that can be encoded."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput("password", TOO_SHORT_OR_LONG)
    try:
        password.encode()
    except UnicodeEncodeError:
        raise InvalidInput("password", "口令含有无法编码的字符 / the password holds a character that cannot be "
                                       "encoded") from None
    return password


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


class ScryptHasher:
    """scrypt with RFC 7914's interactive parameters (N = 2^14, r = 8: 16 MiB a hash), a 16-byte salt, and the
    digest in the PHC string format's shape: ``$scrypt$ln=14,r=8,p=1$<salt>$<hash>``."""

    PREFIX = "$scrypt$"

    def __init__(self, log2_n: int = 14, r: int = 8, p: int = 1) -> None:
        self.log2_n, self.r, self.p = log2_n, r, p

    @staticmethod
    def _derive(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
        return hashlib.scrypt(password.encode(), salt=salt, n=1 << log2_n, r=r, p=p, dklen=32,
                              maxmem=256 * r * (1 << log2_n) + (1 << 20))

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(16)
        key = self._derive(password, salt, self.log2_n, self.r, self.p)
        return f"{self.PREFIX}ln={self.log2_n},r={self.r},p={self.p}${_b64(salt)}${_b64(key)}"

    def verify(self, digest: str, password: str) -> bool:
        try:
            _, name, params, salt, key = digest.split("$")
            values = dict(pair.split("=") for pair in params.split(","))
            log2_n, r, p = int(values["ln"]), int(values["r"]), int(values["p"])
            if name != "scrypt" or not (1 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16):
                return False
            expected = _unb64(key)
            return hmac.compare_digest(self._derive(password, _unb64(salt), log2_n, r, p), expected)
        except (ValueError, KeyError, UnicodeEncodeError):
            return False
