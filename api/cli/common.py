"""What several commands share: the registry opened through the composition root, the signers with their keys read,
the published-keys files that `registry keys list` writes and `qr verify --keys` / `log verify --keys` /
`proof verify --keys` read, and the witnesses the verify commands check cosignatures of."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.bootstrap import Parts, bootstrap
from api.checkpoint_notes import witness_key
from api.keys import key_id
from api.published_keys import VerifyingKey
from api.settings import Settings, get_settings
from api.signed_note import MalformedNote, NoteVerifier, parse_verifier_key
from api.signing import Keys, Signer, published_keys, signers
from registry.clock import Clock


def open_parts(clock: Clock | None = None) -> Parts:
    """The registry the settings describe, and its read models when asked for (``api.bootstrap``); a context
    manager that closes what it opened."""
    return bootstrap(get_settings(), clock)


def loaded_signers(settings: Settings) -> tuple[Signer, Signer]:
    """The QR and checkpoint signers, their keys read now: a missing key (in production) or an unreadable one
    stops the command before it does anything."""
    qr, checkpoints = signers(settings.signing_key, settings.checkpoint_key, settings.public_base_url,
                              settings.missing_key)
    return qr.load(), checkpoints.load()


class CannotCheck(Exception):
    """The check could not be made: no key, no image, no QR code in it."""


def keys_file(path: str, use: str) -> Keys:
    """The keys for ``use`` in a file holding what /api/v1/public/keys answered (or `registry keys list`)."""
    try:
        keys = published_keys(json.loads(Path(path).read_text(encoding="utf-8")), use)
    except (OSError, ValueError) as e:
        raise CannotCheck(f"无法读取 {path} 中的密钥 / cannot read the keys in {path}: {e}") from None
    if not keys:
        raise CannotCheck(f"{path} 没有用于 {use} 的 Ed25519 密钥 / {path} lists no Ed25519 key for use {use}")
    return keys


def add_witness_options(parser: argparse.ArgumentParser) -> None:
    """``--witness VKEY`` (more than once) and ``--quorum N``: the witnesses whose cosignatures a verify command
    checks, and how many must have cosigned."""
    parser.add_argument("--witness", metavar="VKEY", action="append", default=[],
                        help="check this witness's cosignatures: its verifier key as `registry witness serve` prints "
                        "it (<name>+<key id>+<key>, type 0x04); may be given more than once")
    parser.add_argument("--quorum", metavar="N", type=int,
                        help="how many of the witnesses given must have cosigned (default: all of them)")


def witness_keys(args: argparse.Namespace) -> tuple[list[NoteVerifier], int]:
    """The witnesses' keys and the quorum ``add_witness_options`` read (``CannotCheck`` when one is not a
    witness's key, or the quorum is not 1 to their number)."""
    try:
        witnesses = [witness_key(vkey) for vkey in args.witness]
    except MalformedNote as e:
        raise CannotCheck(f"--witness: {e}") from None
    quorum = len(witnesses) if args.quorum is None else args.quorum
    if witnesses and not 1 <= quorum <= len(witnesses) or not witnesses and args.quorum is not None:
        raise CannotCheck(f"--quorum 为 1 至所给见证人数 / --quorum is 1 to the {len(witnesses)} witnesses given")
    return witnesses, quorum


def note_keys_file(path: str) -> dict[NoteVerifier, VerifyingKey]:
    """The log's checkpoint keys in a file of what /api/v1/public/keys answered (or `registry keys list`), as C2SP
    verifier keys (``note_verifier_key``), each with its validity."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        valid = published_keys(document, "checkpoint")
        found = {}
        for entry in document["keys"]:
            if entry.get("key_id") in valid and entry.get("note_verifier_key"):
                note_key = parse_verifier_key(entry["note_verifier_key"])
                if key_id(Ed25519PublicKey.from_public_bytes(note_key.public_key)) != entry["key_id"]:
                    raise ValueError(f"the note_verifier_key of key {entry['key_id']} is another key's")
                found[note_key] = valid[entry["key_id"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise CannotCheck(f"无法读取 {path} 中的密钥 / cannot read the keys in {path}: {e}") from None
    if not found:
        raise CannotCheck(f"{path} 没有检查点的验证密钥 / {path} lists no checkpoint key with a note_verifier_key")
    return found
