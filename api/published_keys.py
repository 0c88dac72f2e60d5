"""The keys a reader checks signatures against: what ``/api/v1/public/keys`` lists, and each key's validity.

Every key the registry has signed with stays published, the retired ones with the instant they were retired
(``api/keys.py``: the keyring), so a QR token (``api/qr_token.py``) or a checkpoint of the log
(``api/log_verify.py``) signed while its key was current keeps verifying after a rotation, and one signed later
does not. A regulator may save the list to a file and check offline against it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.keys import ALGORITHM, key_id, parse_stamp, public_key_from_base64
from api.signed_note import verifier


@dataclass(frozen=True)
class VerifyingKey:
    """A published public key and when it was retired (None while it is current, or when that is not known)."""

    public_key: Ed25519PublicKey
    valid_until: datetime | None = None


Keys = Mapping[str, Ed25519PublicKey | VerifyingKey]  # by key id; a bare public key has no known retirement


def verifying(key: Ed25519PublicKey | VerifyingKey) -> VerifyingKey:
    return key if isinstance(key, VerifyingKey) else VerifyingKey(key)


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

    def listed(self, origin: str) -> dict[str, Any]:
        """The entry with, for a checkpoint key, its C2SP verifier key for the log of ``origin`` (the key name of
        its checkpoints' signature lines: ``api/checkpoint_notes.py``), what Go's ``note.NewVerifier`` takes."""
        vkey = verifier(origin, base64.b64decode(self.public_key)).vkey if self.use == "checkpoint" else None
        return {**self.as_dict(), "note_verifier_key": vkey}

    def verifying(self) -> VerifyingKey:
        until = parse_stamp(self.valid_until) if self.valid_until else None
        return VerifyingKey(public_key_from_base64(self.public_key), until)


def listing(keys: Iterable[PublishedKey], origin: str) -> dict[str, Any]:
    """What ``/api/v1/public/keys`` answers (and ``registry keys list`` prints): each key once per use."""
    return {"keys": [k.listed(origin) for k in dict.fromkeys(keys)]}


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
