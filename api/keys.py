"""The registry's Ed25519 keys on disk: each key file, the keyring beside it, and how keys are made and rotated.

A key file (``REGISTRY_SIGNING_KEY``, ``REGISTRY_CHECKPOINT_KEY``) holds one private key, the current one, as
PKCS #8 PEM with mode 0600. Beside it, ``<key file>.keyring.json`` (public, mode 0644) lists the public half of
every key the file has held, each with when it became valid and when it was retired, so what a retired key signed
can still be checked::

    {"format": "cems-keyring/1",
     "keys": [{"algorithm": "Ed25519", "key_id": "…", "public_key": "base64 of the raw 32 bytes",
               "valid_from": "YYYY-MM-DDTHH:MM:SSZ" or null, "valid_until": "YYYY-MM-DDTHH:MM:SSZ" or null}, …]}

``valid_until`` is null for the current key; ``valid_from`` is null for a key made before keyrings were kept.

Rotation (``registry keys rotate``) is safe against the processes that sign with the file at the same moment: it
first publishes the new key in the keyring, then replaces the key file in one rename, and only then retires the old
key, dated after the rename. A signer looks at the key file after it takes the time it signs, so nothing the old
key signs is dated after its retirement. Makers and rotators of one directory take turns under a lock on it.

No private key is ever printed or logged; only paths and key ids are.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import math
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger("api.keys")

ALGORITHM = "Ed25519"
KEYRING_FORMAT = "cems-keyring/1"
# Keys whose private half was published: refused for signing in production, warned about elsewhere. The one here
# was committed to this repository as the default checkpoint key, so every checkout shared it.
LEAKED = frozenset({"b6529e7d34caf08e"})


def leaked(kid: str) -> bool:
    """Whether the key of id ``kid`` had its private half published: its signatures prove nothing."""
    return kid in LEAKED


class KeyFileError(RuntimeError):
    """The signing key file cannot be read or written, or does not hold an Ed25519 private key."""


class KeyExists(KeyFileError):
    """A key file is already there: it is never overwritten (a new key is made by rotating)."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()[:16]


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_base64(text: str) -> Ed25519PublicKey:
    """A public key from standard base64 of its raw 32 bytes (as ``/api/v1/public/keys`` publishes it)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:  # binascii.Error, or a character beyond ASCII
        raise ValueError("the public key is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def stamp(at: datetime, up: bool = False) -> str:
    """``at`` as YYYY-MM-DDTHH:MM:SSZ, in whole seconds: down by default, ``up`` for the end of a validity (so an
    instant signed within the second it ends is inside it)."""
    seconds = math.ceil(at.timestamp()) if up else math.floor(at.timestamp())
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class KeyRecord:
    """One key of a keyring: its public half and its validity (``valid_until`` None while it is current)."""

    key_id: str
    public_key: str  # standard base64 of the raw 32 bytes
    valid_from: str | None
    valid_until: str | None
    algorithm: str = ALGORITHM

    @classmethod
    def of(cls, private_key: Ed25519PrivateKey, valid_from: str | None) -> KeyRecord:
        public = private_key.public_key()
        return cls(key_id(public), base64.b64encode(raw_public(public)).decode("ascii"), valid_from, None)


def keyring_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.keyring.json")


def read_keyring(path: Path) -> list[KeyRecord]:
    """The keyring beside the key file ``path``; empty when there is none."""
    ring = keyring_path(path)
    try:
        data = json.loads(ring.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        raise KeyFileError(f"cannot read the keyring {ring}: {e}") from None
    try:
        if data["format"] != KEYRING_FORMAT:
            raise KeyFileError(f"{ring} is not a {KEYRING_FORMAT} keyring")
        records = [KeyRecord(**item) for item in data["keys"]]
        for record in records:
            if record.algorithm != ALGORITHM or key_id(public_key_from_base64(record.public_key)) != record.key_id:
                raise KeyFileError(f"{ring}: key {record.key_id} is not the {ALGORITHM} key its public key names")
            for when in (record.valid_from, record.valid_until):
                if when is not None:
                    parse_stamp(when)
    except (KeyError, TypeError, ValueError) as e:
        raise KeyFileError(f"{ring} is not a {KEYRING_FORMAT} keyring: {e}") from None
    return records


def _write_keyring(path: Path, records: list[KeyRecord]) -> None:
    """Replaces the keyring in one rename: a reader sees the old one or the new one, whole."""
    body = json.dumps({"format": KEYRING_FORMAT, "keys": [asdict(r) for r in records]}, indent=2) + "\n"
    _write_replacing(keyring_path(path), body.encode("utf-8"), 0o644)


def _write_replacing(target: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)  # mode 0600 from the start
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def directory_lock(path: Path) -> Iterator[None]:
    """Makers and rotators of the keys in ``path``'s directory take turns (a lock on the directory itself, so no
    lock file is left beside the keys)."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load(path: Path) -> Ed25519PrivateKey:
    """The private key in an existing key file (FileNotFoundError when there is none: the caller decides)."""
    data = path.read_bytes()
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


def make(path: Path, now: datetime) -> Ed25519PrivateKey:
    """A new key in ``path`` (mode 0600) and its keyring; ``KeyExists`` when the file is already there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with directory_lock(path):
            if path.exists():
                raise KeyExists(f"{path} already holds a key; it is not overwritten (`registry keys rotate` makes a "
                                "new one and keeps the old one's public half published)")
            key = Ed25519PrivateKey.generate()
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # mode 0600 from the start
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_pem(key))
                    f.flush()
                    os.fsync(f.fileno())
                # A link, not a rename: a process that does not take the lock (an older one) and made the file
                # meanwhile keeps its key, and ours is not written over it.
                os.link(tmp, path)
            except FileExistsError:
                raise KeyExists(f"{path} already holds a key; it is not overwritten") from None
            finally:
                os.unlink(tmp)
            ring = [r for r in read_keyring(path) if r.key_id != key_id(key.public_key())]
            # A keyring left by a key file that was removed: its keys were retired then, at the latest.
            ring = [r if r.valid_until else replace(r, valid_until=stamp(now, up=True)) for r in ring]
            _write_keyring(path, [KeyRecord.of(key, stamp(now)), *ring])
    except OSError as e:
        raise KeyFileError(f"cannot create the signing key file {path}: {e.strerror or e}") from None
    log.info("generated a new Ed25519 signing key in %s (key id %s)", path, key_id(key.public_key()))
    return key


def load_or_make(path: Path, now: datetime) -> Ed25519PrivateKey:
    """The private key in ``path``; a new one is made there (mode 0600) when the file does not exist."""
    try:
        return load(path)
    except FileNotFoundError:
        pass
    try:
        return make(path, now)
    except KeyExists:
        return load(path)  # another process made it first


@dataclass(frozen=True)
class Rotated:
    retired: KeyRecord
    current: KeyRecord


def rotate(path: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Rotated:
    """Retires the key in ``path`` and puts a new one in its place: the keyring announces the new key (valid from
    ``clock()``), the key file is replaced in one rename, then the old key is retired as of ``clock()`` after it."""
    try:
        with directory_lock(path):
            try:
                old = load(path)
            except FileNotFoundError:
                raise KeyFileError(f"there is no key file at {path} to rotate (`registry keys init` makes one)") \
                    from None
            old_id = key_id(old.public_key())
            ring = read_keyring(path)
            if not any(r.key_id == old_id for r in ring):
                ring.insert(0, KeyRecord.of(old, None))  # made before keyrings were kept: since when is not known
            now = clock()
            # Any other key still shown as current was left by a rotation that stopped half way: retire it too.
            ring = [r if r.valid_until or r.key_id == old_id else replace(r, valid_until=stamp(now, up=True))
                    for r in ring]
            new = Ed25519PrivateKey.generate()
            record = KeyRecord.of(new, stamp(now))
            _write_keyring(path, [record, *ring])  # published before it signs anything
            _write_replacing(path, _pem(new), 0o600)
            retired_at = stamp(max(clock(), now), up=True)
            ring = [replace(r, valid_until=retired_at) if r.key_id == old_id else r for r in ring]
            _write_keyring(path, [record, *ring])
    except OSError as e:
        raise KeyFileError(f"cannot rotate the key in {path}: {e.strerror or e}") from None
    retired = next(r for r in ring if r.key_id == old_id)
    log.info("rotated the key in %s: key %s retired, key %s current", path, old_id, record.key_id)
    return Rotated(retired, record)
