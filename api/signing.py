"""The registry's signers: the current Ed25519 key in a key file, for QR tokens and for the log's checkpoints.

A signer reads its key file when first needed and again whenever the file is replaced, so a rotation by another
process (``registry keys rotate``) takes effect at the next signature with no restart; it publishes every key the
file has held, with its validity, from the keyring beside it (``api/keys.py``). What it signs is defined elsewhere:
the QR token in ``api/qr_token.py``, the checkpoint in ``projections/log.py``; the published list and the validity
a reader trusts in ``api/published_keys.py``. The key itself is never printed or logged; only its path and key id
are.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api import keys

# Names callers have long imported from here, now at home in api/keys.py, api/qr_token.py and api/published_keys.py.
from api.keys import ALGORITHM as ALGORITHM
from api.keys import KeyFileError as KeyFileError
from api.keys import key_id as key_id
from api.keys import leaked
from api.keys import public_key_from_base64 as public_key_from_base64
from api.keys import raw_public as raw_public
from api.published_keys import Keys as Keys
from api.published_keys import PublishedKey as PublishedKey
from api.published_keys import VerifyingKey as VerifyingKey
from api.published_keys import published_keys as published_keys
from api.qr_token import InvalidToken as InvalidToken
from api.qr_token import TokenPayload as TokenPayload
from api.qr_token import b64url as b64url
from api.qr_token import check_verify_url as check_verify_url
from api.qr_token import parse_verify_url as parse_verify_url
from api.qr_token import read_token as read_token
from api.qr_token import sign_token as sign_token
from api.qr_token import verify_token as verify_token
from api.qr_token import verify_url as verify_url

log = logging.getLogger("api.signing")

USES = ("qr", "checkpoint")


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
