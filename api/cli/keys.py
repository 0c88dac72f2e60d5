"""`registry keys init|rotate|list`: the signing keys of QR tokens and checkpoints, made, rotated and published.
These commands print paths and key ids, and public halves only; never a private key."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from api.settings import Settings, get_settings
from api.signing import KeyFileError, PublishedKey, key_id, signers


def _no_replica(settings: Settings, what: str) -> None:
    if settings.read_only:
        raise KeyFileError(f"`registry keys {what}`: a read-only replica (REGISTRY_READ_ONLY) never makes a key; "
                           "make and rotate keys where the primary's are kept")


def _key_files(settings: Settings) -> dict[str, Path]:
    """Each key file, with the uses it signs for ("qr and checkpoint" when both variables name one file)."""
    qr, checkpoint = Path(settings.signing_key), Path(settings.checkpoint_key)
    if qr.resolve() == checkpoint.resolve():
        return {"qr and checkpoint": qr}
    return {"qr": qr, "checkpoint": checkpoint}


def keys_init(_: argparse.Namespace) -> int:
    """Makes each missing key file (mode 0600) and its keyring, and never overwrites one: exit 1 when a key was
    already there (it is kept as it is), 0 when every key was made. Prints paths and key ids only."""
    from api import keys

    settings = get_settings()
    _no_replica(settings, "init")
    kept = 0
    for use, path in _key_files(settings).items():
        try:
            made = keys.make(path, datetime.now(UTC))
        except keys.KeyExists:
            kept += 1
            print(f"registry: refused: {path} ({use}) already holds a key; it is never overwritten and was kept as "
                  "it is (`registry keys rotate` replaces a key and keeps its public half published)",
                  file=sys.stderr)
            continue
        print(f"made the {use} key in {path} (mode 0600), key id {key_id(made.public_key())}; its public half is "
              f"in {keys.keyring_path(path)}")
    return 1 if kept else 0


def keys_rotate(args: argparse.Namespace) -> int:
    """Retires the current key of a use and makes a new one; prints key ids only."""
    from api import keys

    settings = get_settings()
    _no_replica(settings, "rotate")
    use, path = next((u, p) for u, p in _key_files(settings).items() if args.use in u.split(" and "))
    rotated = keys.rotate(path)
    print(f"the {use} key in {path} is now key {rotated.current.key_id} (valid from {rotated.current.valid_from})")
    print(f"key {rotated.retired.key_id} is retired (valid until {rotated.retired.valid_until}); it stays published "
          f"to check what it signed, in {keys.keyring_path(path)}")
    return 0


def keys_list(_: argparse.Namespace) -> int:
    """Prints the published keys as /api/v1/public/keys answers them: the file `log verify --keys` and `qr verify
    --keys` read. Never makes a key."""
    settings = get_settings()
    missing = "`registry keys init` makes it"
    listed: list[PublishedKey] = []
    for signer in dict.fromkeys(signers(settings.signing_key, settings.checkpoint_key, settings.public_base_url,
                                        missing)):
        try:
            listed += signer.published()
        except KeyFileError as e:
            print(f"registry: {', '.join(signer.uses)}: {e}", file=sys.stderr)
    if not listed:
        return 2
    print(json.dumps({"keys": [k.as_dict() for k in dict.fromkeys(listed)]}, indent=2))
    return 0
