"""Office passwords hashed with Argon2id (RFC 9106), by argon2-cffi: the hasher the composition root gives the
registry (``registry.ports.PasswordHasher``). Its parameters are the library's defaults (RFC 9106's second
recommended profile: 64 MiB, three passes), which it keeps current; a digest names its own, so raising them later
leaves every password kept before working."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry.passwords import ScryptHasher


class Argon2idHasher:
    def __init__(self, argon2: PasswordHasher | None = None) -> None:
        self._argon2 = argon2 or PasswordHasher()

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, digest: str, password: str) -> bool:
        """Checks an Argon2 digest, or a scrypt one made by a registry given no hasher (``registry.passwords``)."""
        if digest.startswith(ScryptHasher.PREFIX):
            return ScryptHasher().verify(digest, password)
        try:
            return self._argon2.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return False
